// SPDX-License-Identifier: MIT
#include "cli/analyze_step.hpp"

#include <filesystem>
#include <sstream>

#include "analysis/run_analysis.hpp"
#include "core/subprocess.hpp"
#include "core/error.hpp"
#include "potentials/data_files.hpp"

namespace ioncycle::cli {

std::string python_interpreter() {
  const std::string venv = potentials::find_deployed_file("IONCYCLE_PYTHON", ".venv/bin/python");
  return venv.empty() ? "python3" : venv;
}

int make_plots(const std::vector<std::string>& args, const Context& ctx) {
  return run_plot_script("IONCYCLE_PLOT_SCRIPT", "python/plot_analysis.py", args, ctx);
}

int run_plot_script(const char* env_var, const std::string& relative_path, const std::vector<std::string>& args,
                    const Context& ctx) {
  const std::string script = potentials::find_deployed_file(env_var, relative_path);
  if (script.empty()) {
    ctx.err << "warning: plots skipped: " << relative_path << " was not found above the ioncycle executable\n";
    return 0;
  }
  std::vector<std::string> argv{python_interpreter(), script};
  argv.insert(argv.end(), args.begin(), args.end());
  const core::ProcessResult result = core::run_process(argv);
  int plots = 0;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("plot: ", 0) == 0) {
      ++plots;
      ctx.out << line << "\n";
    } else if (!line.empty()) {
      ctx.err << line << "\n";
    }
  }
  if (result.exit_code != 0)
    ctx.err << "warning: the plotting script " << script << " exited with status " << result.exit_code
            << "; tables and summary.json are complete\n";
  return plots;
}

analysis::AnalyzeOptions analyze_options(const ParsedArgs& args) {
  analysis::AnalyzeOptions options;
  auto fraction = [&](const char* name, double fallback) {
    const auto text = args.value(name);
    if (!text) return fallback;
    try {
      std::size_t used = 0;
      const double value = std::stod(*text, &used);
      if (used == text->size() && value >= 0.0 && value <= 1.0) return value;
    } catch (const std::exception&) {
    }
    throw InputError(std::string("--") + name + " " + *text + ": not a fraction between 0 and 1",
                     "the fit range is given as fractions of the block duration, e.g. --fit-start 0.1 --fit-end 0.5");
  };
  options.diffusion.fit_start_fraction = fraction("fit-start", options.diffusion.fit_start_fraction);
  options.diffusion.fit_end_fraction = fraction("fit-end", options.diffusion.fit_end_fraction);
  if (options.diffusion.fit_start_fraction >= options.diffusion.fit_end_fraction)
    throw InputError("--fit-start must be below --fit-end",
                     "e.g. --fit-start 0.1 --fit-end 0.5 (the defaults)");
  options.include_host = !args.flag("no-host");
  return options;
}

void analyze_directory(const std::string& run_directory, bool plots, const Context& ctx,
                       const analysis::AnalyzeOptions& options) {
  const analysis::RunData run = analysis::load_run(run_directory);
  const analysis::AnalysisReport report = analysis::analyze_run(run, options);
  for (const auto& w : report.warnings) ctx.err << "warning: " << w << "\n";
  ctx.out << "analysis    " << report.tables.size() << " tables in "
          << (std::filesystem::path(run_directory) / "analysis").string() << ", summary in "
          << (std::filesystem::path(run_directory) / "summary.json").string() << "\n";
  if (plots) make_plots({run_directory}, ctx);
}

}  // namespace ioncycle::cli
