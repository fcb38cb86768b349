// SPDX-License-Identifier: MIT
//
// The cycle summary (what each cycle and each protocol step did) and the voltage estimates of
// the events, both from the protocol steps and events.csv of a run (run_data.hpp):
//  - per step and per cycle: ions inserted and removed, the state of charge at start and end,
//    the highest state of charge reached, the time taken, and the ions trapped: ions inserted
//    during the cycle (up to the end of that step) that are still in the host at its end. At the
//    end of a cycle that returned to its starting state of charge, these are the ions the
//    discharge could not take back, i.e. the irreversible capacity loss of that cycle in ions.
//  - per event: the voltage estimate of each accepted insertion and removal against the state of
//    charge (analysis/voltage.csv), and per half cycle the mean voltage estimate with its
//    standard error, which the asymmetry table pairs into the insertion/removal hysteresis.
// Pure functions of RunData; thread-safe.
#pragma once

#include <filesystem>
#include <vector>

#include "analysis/report.hpp"
#include "analysis/run_data.hpp"

namespace ioncycle::analysis {

struct CycleRow {
  int cycle = 1;
  std::size_t step_index = 0;   ///< 0 for the whole cycle's row
  std::string step_type;        ///< "cycle" for the whole cycle's row
  std::string half_cycle;       ///< "charge", "discharge" or "other"
  double start_ps = 0.0;
  double end_ps = 0.0;
  std::size_t inserted = 0;
  std::size_t removed = 0;
  double soc_start = 0.0;
  double soc_end = 0.0;
  double soc_max = 0.0;         ///< highest state of charge reached
  std::size_t trapped = 0;
};

struct VoltagePoint {
  double time_ps = 0.0;
  double soc = 0.0;             ///< after the event
  bool insertion = true;
  double voltage_V = 0.0;
  int cycle = 1;
};

struct CycleSummaryResult {
  std::vector<CycleRow> rows;          ///< every step, then after each cycle's steps its total row
  std::vector<VoltagePoint> voltages;  ///< accepted events, in time order
  std::vector<SegmentQuantity> quantities;
  std::vector<std::string> notes;

  [[nodiscard]] nlohmann::json to_json() const;
  /// analysis/cycles.csv and analysis/voltage.csv (docs/formats.md).
  void write_tables(const std::filesystem::path& dir) const;
  /// Per half cycle: "voltage" (V, mean ± standard error of the event estimates) and
  /// "ions_moved" (ions inserted + removed); per step the same.
  [[nodiscard]] std::vector<SegmentQuantity> segment_quantities() const { return quantities; }
};

[[nodiscard]] CycleSummaryResult summarize_cycles(const RunData& run, const std::vector<Segment>& segments);

}  // namespace ioncycle::analysis
