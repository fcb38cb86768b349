// SPDX-License-Identifier: MIT
//
// What `ioncycle analyze RUNDIR` does, shared with the end of `ioncycle run`: load the run
// directory, run the analyzers (analysis/run_analysis.hpp), then make the plots with
// python/plot_analysis.py in the venv. The plotting script and the interpreter are found like
// the default model (potentials::find_deployed_file: $IONCYCLE_PLOT_SCRIPT, else
// python/plot_analysis.py above the executable; $IONCYCLE_PYTHON, else .venv/bin/python above
// the executable, else python3 on PATH). Plots that cannot be made are a warning, not an error:
// the tables and summary.json are the results, the plots a view of them.
#pragma once

#include <string>
#include <vector>

#include "analysis/run_analysis.hpp"
#include "cli/commands.hpp"

namespace ioncycle::cli {

/// The Python interpreter that runs ioncycle's scripts.
[[nodiscard]] std::string python_interpreter();

/// Run the plotting script with `args` (after the script path); returns the number of plots
/// written, printing "plot: ..." lines and warnings to ctx.out / ctx.err.
int make_plots(const std::vector<std::string>& args, const Context& ctx);

/// Run the plotting script `relative_path` ($`env_var` if set, else found above the executable)
/// with the venv's Python and `args`, reporting as make_plots does; a missing script or a
/// failing one is a warning, never an error (tables and summary.json are complete without it).
int run_plot_script(const char* env_var, const std::string& relative_path, const std::vector<std::string>& args,
                    const Context& ctx);

/// Analyze `run_directory` and plot (unless `plots` is false), reporting on ctx.out.
void analyze_directory(const std::string& run_directory, bool plots, const Context& ctx,
                       const analysis::AnalyzeOptions& options = {});

/// The analysis options given on a command line: --fit-start F, --fit-end F (fractions of the
/// block duration, 0 <= start < end <= 1), --no-host. UsageError-free: bad values are InputErrors.
[[nodiscard]] analysis::AnalyzeOptions analyze_options(const ParsedArgs& args);

}  // namespace ioncycle::cli
