// SPDX-License-Identifier: MIT
#include "analysis/run_analysis.hpp"

#include <algorithm>
#include <fstream>
#include <iomanip>

#include "analysis/asymmetry.hpp"
#include "analysis/cycle_summary.hpp"
#include "analysis/host_layers.hpp"
#include "analysis/hops.hpp"
#include "analysis/layer_analysis.hpp"
#include "analysis/staging.hpp"
#include "analysis/stress.hpp"
#include "analysis/transport.hpp"
#include "io/atomic_file.hpp"

namespace ioncycle::analysis {
namespace {

namespace fs = std::filesystem;

// Run one analyzer; what it throws becomes a warning, so that one analysis that cannot work on
// this run (no layers in an amorphous host, a damaged table) does not stop the others.
template <class Body>
bool guarded(const char* name, AnalysisReport& report, Body&& body) {
  try {
    body();
    return true;
  } catch (const std::exception& e) {
    report.warnings.push_back(std::string(name) + " analysis skipped: " + e.what());
    return false;
  }
}

nlohmann::json segments_json(const Trajectory& trajectory, const std::vector<Segment>& segments) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : segments)
    out.push_back({{"label", s.label},
                   {"cycle", s.cycle},
                   {"step", s.step_index},
                   {"type", s.step_type},
                   {"half_cycle", half_cycle_name(s.half_cycle)},
                   {"start_ps", s.start_fs / 1000.0},
                   {"end_ps", s.end_fs / 1000.0},
                   {"frames", frames_in(trajectory, s).size()}});
  return out;
}

}  // namespace

AnalysisReport analyze_run(const RunData& run, const AnalyzeOptions& options) {
  AnalysisReport report;
  report.warnings = run.warnings;
  const fs::path dir = run.directory / "analysis";
  fs::create_directories(dir);
  // Tables of an earlier analysis that this one would not write again must not linger.
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".csv") fs::remove(entry.path());

  const std::vector<Segment> segments = make_segments(run);
  const Trajectory& trajectory = run.trajectory;
  std::vector<SegmentQuantity> quantities;
  auto& j = report.analysis;
  j["ioncycle_version"] = IONCYCLE_VERSION;
  j["ion"] = run.ion_symbol;
  j["electrode"] = run.electrode;
  j["frames"] = trajectory.size();
  j["temperature_K"] = json_number(run_temperature(run));
  j["trajectory_truncated"] = run.trajectory_truncated;
  j["segments"] = segments_json(trajectory, segments);

  // A result's tables, its part of summary.json under `key`, and its per-segment quantities.
  auto record = [&](const char* key, const auto& result) {
    result.write_tables(dir);
    j[key] = result.to_json();
    const auto q = result.segment_quantities();
    quantities.insert(quantities.end(), q.begin(), q.end());
  };

  guarded("cycle summary", report, [&] { record("cycles", summarize_cycles(run, segments)); });
  if (!trajectory.empty()) {
    guarded("stress", report, [&] { record("stress", analyze_stress(trajectory, segments)); });
    guarded("transport", report, [&] {
      TransportOptions transport;
      transport.ion_species = run.ion_species;
      transport.include_host = options.include_host;
      transport.diffusion = options.diffusion;
      record("transport", analyze_transport(trajectory, segments, transport));
    });
    HostLayers host;
    const bool layered = guarded("layer", report, [&] {
      HostLayerOptions layer_options;
      layer_options.ion_species = run.ion_species;
      host = track_host_layers(trajectory, layer_options);
    });
    if (layered) {
      guarded("staging", report, [&] {
        StagingOptions staging;
        staging.gallery_capacity = options.gallery_capacity;
        if (staging.gallery_capacity <= 0.0 && run.capacity > 0.0 && host.num_galleries > 0)
          staging.gallery_capacity = run.capacity / static_cast<double>(host.num_galleries);
        record("staging", analyze_staging(trajectory, host, segments, staging));
      });
      guarded("spacing and registry", report,
              [&] { record("layers", analyze_layers(trajectory, host, segments, LayerAnalysisOptions{})); });
      guarded("hops", report, [&] { record("hops", analyze_hops(trajectory, host, segments, HopOptions{})); });
    }
  }
  guarded("asymmetry", report, [&] {
    const auto asymmetry = compare_half_cycles(segments, quantities);
    asymmetry.write_tables(dir);
    j["asymmetry"] = asymmetry.to_json();
  });

  // The cycle summary carries, per cycle and per step, every quantity measured over that half
  // cycle or step (diffusion, rates, sliding, stress, voltage), so one object describes a cycle.
  auto quantities_of = [&](const std::string& label) {
    nlohmann::json o = nlohmann::json::object();
    for (const auto& s : quantities)
      if (s.segment == label)
        o[s.name] = {{"value", json_number(s.estimate.value)}, {"error", json_number(s.estimate.error)}, {"unit", s.unit}};
    return o;
  };
  if (j.contains("cycles") && j["cycles"].contains("cycles")) {
    for (auto& c : j["cycles"]["cycles"]) {
      const int cycle = c.value("cycle", 0);
      c["charge"] = quantities_of(half_cycle_label(cycle, HalfCycle::charge));
      c["discharge"] = quantities_of(half_cycle_label(cycle, HalfCycle::discharge));
      for (auto& step : c["steps"])
        step["quantities"] =
            quantities_of(step_label(cycle, step.value("step", std::size_t{0}), step.value("type", std::string{})));
    }
  }

  nlohmann::json q = nlohmann::json::array();
  for (const auto& s : quantities)
    q.push_back({{"segment", s.segment},
                 {"name", s.name},
                 {"unit", s.unit},
                 {"value", json_number(s.estimate.value)},
                 {"error", json_number(s.estimate.error)}});
  j["segment_quantities"] = q;
  j["warnings"] = report.warnings;
  // Every table in analysis/ is this analysis's: the old ones were removed above.
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".csv") report.tables.push_back(entry.path());
  std::sort(report.tables.begin(), report.tables.end());
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& t : report.tables) tables.push_back("analysis/" + t.filename().string());
  j["tables"] = tables;

  nlohmann::json summary = run.summary.is_object() ? run.summary : nlohmann::json::object();
  summary["analysis"] = j;
  io::write_file_atomically((run.directory / "summary.json").string(),
                            [&](std::ostream& o) { o << std::setw(2) << summary << "\n"; });
  return report;
}

nlohmann::json read_analysis(const fs::path& run_directory) {
  std::ifstream in(run_directory / "summary.json");
  if (!in) return nullptr;
  const auto parsed = nlohmann::json::parse(in, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("analysis")) return nullptr;
  return parsed["analysis"];
}

}  // namespace ioncycle::analysis
