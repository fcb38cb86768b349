// SPDX-License-Identifier: MIT
//
// A small command-line parser for ioncycle's subcommands: each subcommand declares its options
// and positional arguments in a CommandSpec; parse_args() returns what was given or throws
// UsageError (printed with the subcommand's usage, exit status 2). Supports "--name value",
// "--name=value", flags, "-h"/"--help", a one-letter alias "-x value" where an option declares
// one, and "--" to end options.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace ioncycle::cli {

struct OptionSpec {
  std::string name;        ///< without dashes, e.g. "format"
  std::string value_name;  ///< e.g. "FMT"; empty for a flag
  std::string help;
  char short_name = 0;     ///< e.g. 'o' for "-o"; 0 for none
};

struct CommandSpec {
  std::string name;      ///< "convert", "model info"
  std::string synopsis;  ///< e.g. "IN OUT"
  std::string summary;   ///< one line
  std::string details;   ///< paragraph(s) after the options, may be empty
  std::vector<OptionSpec> options;
  std::size_t min_positional = 0;
  std::size_t max_positional = 0;
};

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;
  std::set<std::string> flags;
  bool help = false;

  [[nodiscard]] bool flag(const std::string& name) const { return flags.count(name) > 0; }
  [[nodiscard]] std::optional<std::string> value(const std::string& name) const;
};

/// Wrong command-line usage: exit status 2 with the usage text.
class UsageError : public std::runtime_error {
 public:
  UsageError(const std::string& message, std::string usage)
      : std::runtime_error(message), usage_(std::move(usage)) {}
  [[nodiscard]] const std::string& usage() const { return usage_; }

 private:
  std::string usage_;
};

[[nodiscard]] std::string usage_text(const CommandSpec& spec);
[[nodiscard]] ParsedArgs parse_args(const CommandSpec& spec, std::span<const std::string> args);

}  // namespace ioncycle::cli
