// SPDX-License-Identifier: MIT
//
// The ioncycle subcommands. Each has a CommandSpec (its options and help) and a function that
// runs it on parsed arguments and returns the exit status. Errors are thrown (InputError,
// SimulationError, BackendError, UsageError) and turned into messages and statuses by main().
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli/args.hpp"

namespace ioncycle::cli {

/// What every command may need from its environment.
struct Context {
  std::string executable_dir;  ///< directory of the running ioncycle binary
  std::ostream& out;
  std::ostream& err;
};

struct Command {
  CommandSpec spec;
  int (*run)(const ParsedArgs& args, const Context& ctx);
};

/// All subcommands in the order `ioncycle --help` lists them.
[[nodiscard]] const std::vector<Command>& commands();

int run_info(const ParsedArgs& args, const Context& ctx);
int run_convert(const ParsedArgs& args, const Context& ctx);
int run_eval(const ParsedArgs& args, const Context& ctx);
int run_model_info(const ParsedArgs& args, const Context& ctx);
int run_run(const ParsedArgs& args, const Context& ctx);
int run_md(const ParsedArgs& args, const Context& ctx);
int run_distill(const ParsedArgs& args, const Context& ctx);
int run_build(const ParsedArgs& args, const Context& ctx);
int run_analyze(const ParsedArgs& args, const Context& ctx);
int run_compare(const ParsedArgs& args, const Context& ctx);

CommandSpec info_spec();
CommandSpec convert_spec();
CommandSpec eval_spec();
CommandSpec model_info_spec();
CommandSpec run_spec();
CommandSpec md_spec();
CommandSpec distill_spec();
CommandSpec build_spec();
CommandSpec analyze_spec();
CommandSpec compare_spec();

}  // namespace ioncycle::cli
