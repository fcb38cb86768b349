// SPDX-License-Identifier: MIT
#include "cli/args.hpp"

#include <algorithm>
#include <sstream>

#include "core/strings.hpp"

namespace ioncycle::cli {

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
  const auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

std::string usage_text(const CommandSpec& spec) {
  std::ostringstream s;
  s << "usage: ioncycle " << spec.name << (spec.options.empty() ? "" : " [options]");
  if (!spec.synopsis.empty()) s << " " << spec.synopsis;
  s << "\n\n" << spec.summary << "\n";
  s << "\noptions:\n";
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& o : spec.options) {
    const std::string alias = o.short_name != 0 ? std::string("-") + o.short_name + ", " : std::string();
    rows.emplace_back(alias + "--" + o.name + (o.value_name.empty() ? "" : " " + o.value_name), o.help);
  }
  rows.emplace_back("-h, --help", "show this help and exit");
  std::size_t width = 0;
  for (const auto& r : rows) width = std::max(width, r.first.size());
  for (const auto& [left, right] : rows) {
    s << "  " << left << std::string(width - left.size() + 2, ' ') << right << "\n";
  }
  if (!spec.details.empty()) s << "\n" << spec.details << "\n";
  return s.str();
}

ParsedArgs parse_args(const CommandSpec& spec, std::span<const std::string> args) {
  ParsedArgs out;
  std::vector<std::string> known;
  for (const auto& o : spec.options) known.push_back("--" + o.name);
  known.emplace_back("--help");
  const std::string usage = usage_text(spec);
  bool options_done = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || a.size() < 2 || a[0] != '-' || a == "-") {
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    std::string name = a.substr(a[1] == '-' ? 2 : 1);
    bool is_alias = false;
    if (a[1] != '-' && a.size() == 2) {
      const auto alias = std::find_if(spec.options.begin(), spec.options.end(),
                                      [&](const OptionSpec& o) { return o.short_name == a[1]; });
      if (alias != spec.options.end()) {
        name = alias->name;
        is_alias = true;
      }
    }
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const auto it = std::find_if(spec.options.begin(), spec.options.end(),
                                 [&](const OptionSpec& o) { return o.name == name; });
    if (it == spec.options.end() || (a[1] != '-' && !is_alias)) {
      std::string msg = "unknown option '" + a + "' for 'ioncycle " + spec.name + "'";
      const std::string hint = core::did_you_mean("--" + name, known);
      if (!hint.empty()) msg += "; " + hint;
      throw UsageError(msg, usage);
    }
    if (it->value_name.empty()) {
      if (inline_value) throw UsageError("option '--" + name + "' takes no value", usage);
      out.flags.insert(name);
      continue;
    }
    if (inline_value) {
      out.values[name] = *inline_value;
    } else {
      if (i + 1 >= args.size()) throw UsageError("option '--" + name + "' needs a value " + it->value_name, usage);
      out.values[name] = args[++i];
    }
  }
  if (!out.help) {
    if (out.positional.size() < spec.min_positional) {
      throw UsageError("'ioncycle " + spec.name + "' needs " + spec.synopsis, usage);
    }
    if (out.positional.size() > spec.max_positional) {
      throw UsageError("too many arguments for 'ioncycle " + spec.name + "': unexpected '" +
                           out.positional[spec.max_positional] + "'",
                       usage);
    }
  }
  return out;
}

}  // namespace ioncycle::cli
