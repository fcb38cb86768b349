// SPDX-License-Identifier: MIT
//
// `ioncycle analyze RUNDIR...` (tables, summary.json and plots of each run; with --arrhenius an
// Arrhenius fit of the ion's diffusion coefficient across runs at several temperatures) and
// `ioncycle compare RUNDIR...` (several runs side by side in one table and one set of plots).
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "analysis/arrhenius.hpp"
#include "analysis/report.hpp"
#include "analysis/run_analysis.hpp"
#include "cli/analyze_step.hpp"
#include "cli/commands.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace ioncycle::cli {
namespace {

namespace fs = std::filesystem;

// The analysis of a run: from its summary.json, or computed now when it has none.
nlohmann::json analysis_of(const std::string& dir, bool plots, const Context& ctx,
                           const analysis::AnalyzeOptions& options) {
  if (!fs::is_directory(dir))
    throw InputError(dir + " is not a run directory",
                     "give directories that `ioncycle run` wrote (they hold trajectory.h5, events.csv, summary.json)");
  auto analysis = analysis::read_analysis(dir);
  if (analysis.is_null()) {
    ctx.out << dir << " was not analyzed yet; analyzing it\n";
    analyze_directory(dir, plots, ctx, options);
    analysis = analysis::read_analysis(dir);
  }
  if (analysis.is_null()) throw InputError(dir + "/summary.json has no analysis after analyzing the run");
  return analysis;
}

// Distinct display names for the runs: the directory names, numbered when two are the same.
std::vector<std::string> run_names(const std::vector<std::string>& dirs) {
  std::vector<std::string> names;
  std::map<std::string, int> seen;
  for (const auto& d : dirs) {
    std::string name = fs::weakly_canonical(d).filename().string();
    if (name.empty()) name = d;
    if (const int n = seen[name]++; n > 0) name += "_" + std::to_string(n + 1);
    names.push_back(name);
  }
  return names;
}

double number_or_nan(const nlohmann::json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

// D of the ion over the whole run, from the "segment_quantities" of an analysis.
analysis::Estimate whole_run_d(const nlohmann::json& analysis) {
  analysis::Estimate d;
  for (const auto& q : analysis.value("segment_quantities", nlohmann::json::array()))
    if (q.value("segment", "") == "all" && q.value("name", "") == "D") {
      d.value = number_or_nan(q["value"]);
      d.error = number_or_nan(q["error"]);
    }
  return d;
}

int arrhenius(const ParsedArgs& args, const Context& ctx) {
  const fs::path out_dir = args.value("out").value_or(".");
  const bool plots = !args.flag("no-plots");
  const analysis::AnalyzeOptions options = analyze_options(args);
  std::vector<analysis::ArrheniusPoint> points;
  const auto names = run_names(args.positional);
  for (std::size_t k = 0; k < args.positional.size(); ++k) {
    const auto analysis = analysis_of(args.positional[k], plots, ctx, options);
    analysis::ArrheniusPoint p;
    p.run = names[k];
    p.temperature_K = number_or_nan(analysis.value("temperature_K", nlohmann::json()));
    p.D = whole_run_d(analysis);
    points.push_back(p);
  }
  const analysis::ArrheniusFit fit = analysis::fit_arrhenius(points);
  fs::create_directories(out_dir);
  fit.write_tables(out_dir);
  const nlohmann::json j = fit.to_json();
  io::write_file_atomically((out_dir / "arrhenius.json").string(), [&](std::ostream& o) { o << std::setw(2) << j << "\n"; });
  ctx.out << "Arrhenius fit of D over " << points.size() << " runs\n";
  for (const auto& p : points)
    ctx.out << "  " << std::left << std::setw(24) << p.run << " T = " << p.temperature_K << " K  D = " << p.D.value
            << " +- " << p.D.error << " cm2/s\n";
  ctx.out << "  Ea = " << fit.activation_energy.value << " +- " << fit.activation_energy.error << " eV, D0 = "
          << fit.prefactor.value << " +- " << fit.prefactor.error << " cm2/s\n";
  if (!fit.note.empty()) ctx.out << "  note: " << fit.note << "\n";
  ctx.out << "tables      " << (out_dir / "arrhenius.csv").string() << ", " << (out_dir / "arrhenius.json").string() << "\n";
  return 0;
}

}  // namespace

CommandSpec analyze_spec() {
  return {"analyze", "RUNDIR...",
          "analyze run directories: staging, spacing, stacking, stress, diffusion, hops, asymmetry, plots",
          "Reads trajectory.h5, events.csv, summary.json and resolved.toml of each RUNDIR and writes\n"
          "RUNDIR/analysis/*.csv, the \"analysis\" key of RUNDIR/summary.json and RUNDIR/plots/*.png\n"
          "(docs/analysis.md). Files that are missing or damaged are reported; what can still be\n"
          "computed is. `ioncycle run` does this at the end of every run.\n"
          "With --arrhenius, the runs are one system at several temperatures: the ion's diffusion\n"
          "coefficient over each whole run is fitted to D0 exp(-Ea / kT), written to arrhenius.csv\n"
          "and arrhenius.json in --out (default: the current directory).",
          {{"arrhenius", "", "fit an Arrhenius law to the runs' diffusion coefficients"},
           {"out", "DIR", "where --arrhenius writes its files (default: .)"},
           {"fit-start", "F", "start of the MSD fit range, fraction of the block duration (default 0.1)"},
           {"fit-end", "F", "end of the MSD fit range, fraction of the block duration (default 0.5)"},
           {"no-host", "", "no MSD and diffusion of the host atoms"},
           {"no-plots", "", "write tables and summary.json only"}},
          1, 1000};
}

int run_analyze(const ParsedArgs& args, const Context& ctx) {
  if (args.flag("arrhenius")) return arrhenius(args, ctx);
  const analysis::AnalyzeOptions options = analyze_options(args);
  for (const auto& dir : args.positional) analyze_directory(dir, !args.flag("no-plots"), ctx, options);
  return 0;
}

CommandSpec compare_spec() {
  return {"compare", "RUNDIR...",
          "put several runs side by side: one table and one set of plots",
          "Each RUNDIR is analyzed first when its summary.json has no analysis. The table\n"
          "(DIR/comparison.csv) has one row per quantity measured over the whole run or a half\n"
          "cycle (\"D [all]\", \"stress_rate [c1.charge]\", ...) and, per run, its value and\n"
          "uncertainty; plots go to DIR/plots/.",
          {{"out", "DIR", "output directory (default: compare)"},
           {"fit-start", "F", "for runs analyzed now: start of the MSD fit range (default 0.1)"},
           {"fit-end", "F", "for runs analyzed now: end of the MSD fit range (default 0.5)"},
           {"no-host", "", "for runs analyzed now: no host MSD"},
           {"no-plots", "", "write the table only"}},
          2, 1000};
}

int run_compare(const ParsedArgs& args, const Context& ctx) {
  const fs::path out_dir = args.value("out").value_or("compare");
  const bool plots = !args.flag("no-plots");
  const auto names = run_names(args.positional);
  const analysis::AnalyzeOptions options = analyze_options(args);
  // quantity key -> unit, and per run its estimate.
  std::vector<std::string> order;
  std::map<std::string, std::string> units;
  std::map<std::string, std::map<std::string, analysis::Estimate>> values;
  auto add = [&](const std::string& key, const std::string& unit, const std::string& run, analysis::Estimate e) {
    if (!units.count(key)) {
      order.push_back(key);
      units[key] = unit;
    }
    values[key][run] = e;
  };
  for (std::size_t k = 0; k < names.size(); ++k) {
    const auto analysis = analysis_of(args.positional[k], plots, ctx, options);
    for (const auto& q : analysis.value("segment_quantities", nlohmann::json::array())) {
      const std::string segment = q.value("segment", "");
      // The whole run and the half cycles; per-step values stay in each run's own tables.
      if (segment != "all" && segment.find(".s") != std::string::npos) continue;
      add(q.value("name", "") + " [" + segment + "]", q.value("unit", ""), names[k],
          {number_or_nan(q["value"]), number_or_nan(q["error"])});
    }
    for (const auto& c : analysis.value("cycles", nlohmann::json::object()).value("cycles", nlohmann::json::array())) {
      const std::string tag = " [c" + std::to_string(c.value("cycle", 0)) + "]";
      add("trapped" + tag, "ions", names[k], {number_or_nan(c["trapped"]), std::nan("")});
      add("soc_max" + tag, "", names[k], {number_or_nan(c["soc_max"]), std::nan("")});
    }
  }
  std::vector<std::string> columns{"quantity", "unit"};
  for (const auto& n : names) {
    columns.push_back(n);
    columns.push_back(n + "_err");
  }
  analysis::CsvTable table(columns);
  for (const auto& key : order) {
    table.row().add(key).add(units[key]);
    for (const auto& n : names) {
      const auto it = values[key].find(n);
      const analysis::Estimate e = it == values[key].end() ? analysis::Estimate{} : it->second;
      table.add(e.value).add(e.error);
    }
  }
  fs::create_directories(out_dir);
  table.write(out_dir / "comparison.csv");
  ctx.out << "comparison  " << order.size() << " quantities of " << names.size() << " runs in "
          << (out_dir / "comparison.csv").string() << "\n";
  if (plots) {
    std::vector<std::string> plot_args{"--compare", out_dir.string()};
    plot_args.insert(plot_args.end(), args.positional.begin(), args.positional.end());
    make_plots(plot_args, ctx);
  }
  return 0;
}

}  // namespace ioncycle::cli
