// SPDX-License-Identifier: MIT
//
// The `ioncycle` command: dispatches to subcommands and is the one place that catches errors,
// prints them as one paragraph and chooses the exit status:
//   0 success; 1 a run-time failure (SimulationError, BackendError, anything unexpected);
//   2 bad usage or bad input (UsageError, InputError).
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/paths.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace {

using ioncycle::cli::Command;

std::string main_usage() {
  std::string s =
      "usage: ioncycle [--version] [--help] COMMAND [options] [arguments]\n\n"
      "Cycle battery electrodes atom by atom: TOML protocols insert and remove ions during\n"
      "molecular dynamics with machine-learned interatomic potentials.\n\ncommands:\n";
  std::size_t width = 0;
  for (const auto& c : ioncycle::cli::commands()) width = std::max(width, c.spec.name.size());
  for (const auto& c : ioncycle::cli::commands()) {
    s += "  " + c.spec.name + std::string(width - c.spec.name.size() + 2, ' ') + c.spec.summary + "\n";
  }
  s += "\n'ioncycle COMMAND --help' describes a command. Documentation: docs/ in the source tree.\n";
  return s;
}

int dispatch(const std::vector<std::string>& argv, const ioncycle::cli::Context& ctx) {
  if (argv.empty()) {
    ctx.err << main_usage();
    return 2;
  }
  const std::string& first = argv[0];
  if (first == "--help" || first == "-h" || first == "help") {
    ctx.out << main_usage();
    return 0;
  }
  if (first == "--version" || first == "-V") {
    ctx.out << "ioncycle " << IONCYCLE_VERSION << "\n";
    return 0;
  }
  // Match the longest command name ("model info" before "model").
  const Command* best = nullptr;
  std::size_t used = 0;
  for (const auto& c : ioncycle::cli::commands()) {
    std::vector<std::string> words;
    for (const auto w : ioncycle::core::split_whitespace(c.spec.name)) words.emplace_back(w);
    if (words.size() > argv.size()) continue;
    bool match = true;
    for (std::size_t i = 0; i < words.size(); ++i) match = match && argv[i] == words[i];
    if (match && words.size() > used) {
      best = &c;
      used = words.size();
    }
  }
  if (best == nullptr) {
    std::vector<std::string> names;
    for (const auto& c : ioncycle::cli::commands()) names.push_back(c.spec.name);
    std::string msg = first.starts_with("-") ? "unknown option '" + first + "'" : "unknown command '" + first + "'";
    // "model" alone: show the subcommands that start with it.
    std::string hint = ioncycle::core::did_you_mean(first, names);
    ctx.err << "ioncycle: " << msg << (hint.empty() ? "" : "; " + hint) << "\n\n" << main_usage();
    return 2;
  }
  const std::vector<std::string> rest(argv.begin() + static_cast<std::ptrdiff_t>(used), argv.end());
  const auto args = ioncycle::cli::parse_args(best->spec, rest);
  if (args.help) {
    ctx.out << ioncycle::cli::usage_text(best->spec);
    return 0;
  }
  return best->run(args, ctx);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  const ioncycle::cli::Context ctx{ioncycle::cli::executable_dir(), std::cout, std::cerr};
  try {
    return dispatch(args, ctx);
  } catch (const ioncycle::cli::UsageError& e) {
    std::cerr << "ioncycle: " << e.what() << "\n\n" << e.usage();
    return 2;
  } catch (const ioncycle::InputError& e) {
    std::cerr << e.what() << "\n";
    return 2;
  } catch (const ioncycle::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: unexpected failure: " << e.what() << "\n";
    return 1;
  }
}
