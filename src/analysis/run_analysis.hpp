// SPDX-License-Identifier: MIT
//
// `ioncycle analyze RUNDIR` without the plots: every analyzer run on a loaded run directory, its
// tables written into RUNDIR/analysis/, and its results merged into RUNDIR/summary.json under the
// key "analysis" (schema in docs/formats.md). The run's own keys of summary.json are kept.
//
// An analyzer that cannot work on this run (no trajectory, no ions, no layers, a damaged table)
// adds a warning and the others go on: whatever can be computed is. Tables are written atomically
// (io::write_file_atomically), so a killed analysis leaves complete old or new files.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/diffusion.hpp"
#include "analysis/run_data.hpp"

namespace ioncycle::analysis {

struct AnalyzeOptions {
  /// Also the MSD and diffusion of the host atoms.
  bool include_host = true;
  /// Fit range and blocks of the diffusion coefficients (docs/analysis.md).
  DiffusionOptions diffusion;
  /// Ions per gallery at full filling for the staging occupancy; 0: the run's capacity shared
  /// equally among the galleries, or (unknown capacity) the layers' composition.
  double gallery_capacity = 0.0;
};

struct AnalysisReport {
  nlohmann::json analysis = nlohmann::json::object();  ///< the "analysis" object of summary.json
  std::vector<std::string> warnings;
  std::vector<std::filesystem::path> tables;           ///< files written
};

/// Analyze `run`, write its tables and summary.json.
[[nodiscard]] AnalysisReport analyze_run(const RunData& run, const AnalyzeOptions& options);

/// The "analysis" object of RUNDIR/summary.json, or null when the run was not analyzed.
[[nodiscard]] nlohmann::json read_analysis(const std::filesystem::path& run_directory);

}  // namespace ioncycle::analysis
