// SPDX-License-Identifier: MIT
//
// Everything the analyzers read from a run directory (docs/formats.md "Run directory"):
// trajectory.h5 as an analysis::Trajectory, events.csv, the protocol steps (from summary.json,
// or, for a run killed before it wrote its summary, from thermo.csv's cycle and protocol_step
// columns with the step types of resolved.toml), the ion species and electrode (resolved.toml),
// and the segments (every protocol step, every half cycle, the whole run).
//
// Loading never throws for a damaged run directory: a missing, truncated or unreadable file
// becomes a warning (RunData::warnings) and the analyses that need it are skipped. A trajectory
// whose writer was killed reads up to its last complete frame (io::H5mdReader). Only a path that
// is not a directory at all is an InputError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/segments.hpp"
#include "analysis/trajectory.hpp"

namespace ioncycle::analysis {

/// One row of events.csv, in the table's units.
struct EventRow {
  double time_ps = 0.0;
  std::int64_t step = 0;
  int cycle = 1;                ///< 1-based
  std::size_t step_index = 1;   ///< 1-based
  std::string step_type;
  std::string half_cycle;       ///< "charge" / "discharge"
  std::string event;            ///< "insert", "remove", "gc_insert", "gc_remove"
  std::int64_t ion_id = -1;
  core::Vec3 position = core::Vec3::Zero();  ///< Å
  std::string site;
  double delta_energy_eV = 0.0;
  double voltage_V = 0.0;
  double soc = 0.0;             ///< after the event
  std::size_t num_ions = 0;     ///< after the event
  [[nodiscard]] bool is_insertion() const { return event == "insert" || event == "gc_insert"; }
};

/// One protocol step as it ran.
struct StepRecord {
  int cycle = 1;                ///< 1-based
  std::size_t step = 1;         ///< 1-based index in the protocol
  std::string type;             ///< "intercalate", "deintercalate", "hold", "rest", "ramp", "minimize"
  double start_ps = 0.0;
  double end_ps = 0.0;
  std::size_t inserted = 0;
  std::size_t removed = 0;
  double soc_start = 0.0;
  double soc_end = 0.0;
  std::string end_reason;
};

struct RunData {
  std::filesystem::path directory;
  std::string name;                       ///< the directory's name
  Trajectory trajectory;                  ///< empty when trajectory.h5 is missing or unreadable
  bool trajectory_truncated = false;      ///< a partly written last frame was dropped
  std::vector<EventRow> events;
  bool has_events = false;                ///< events.csv was found and read
  std::vector<StepRecord> steps;          ///< protocol steps in the order they ran
  nlohmann::json summary = nlohmann::json::object();  ///< the run's summary.json ({} when absent)
  std::string ion_symbol;                 ///< "Li", "Na", ... ("" when unknown)
  std::vector<int> ion_species;           ///< atomic numbers of the mobile ions
  std::string electrode = "anode";        ///< "anode" or "cathode"
  double capacity = 0.0;                  ///< ions at SOC 1 (0 when unknown)
  double temperature_K = 0.0;             ///< the MD target temperature from resolved.toml (0 when unknown)
  std::vector<std::string> warnings;      ///< what could not be read, in words
};

/// Read the run directory `directory`. InputError when it is not a directory.
[[nodiscard]] RunData load_run(const std::filesystem::path& directory);

/// The run's temperature (K): the MD target of resolved.toml, else the mean "temperature"
/// observable of the frames, else NaN.
[[nodiscard]] double run_temperature(const RunData& run);

/// Read only events.csv (InputError with file:line when a row is malformed).
[[nodiscard]] std::vector<EventRow> read_events_csv(const std::filesystem::path& path);

/// The segments of a run: "all" (the whole trajectory), the half cycles "c<k>.charge" and
/// "c<k>.discharge" (from the first to the last step of cycle k that inserts, resp. removes, ions
/// in that half cycle's sense; rests between them are inside), and every protocol step
/// "c<k>.s<j>.<type>". Without protocol steps only "all".
[[nodiscard]] std::vector<Segment> make_segments(const RunData& run);

}  // namespace ioncycle::analysis
