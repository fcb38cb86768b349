// SPDX-License-Identifier: MIT
#include "potentials/potential_spec.hpp"

#include <algorithm>
#include <map>
#include <filesystem>
#include <set>

#include "core/elements.hpp"
#include "core/strings.hpp"
#include "core/units.hpp"
#include "potentials/lennard_jones.hpp"
#include "potentials/model_file.hpp"
#include "potentials/morse.hpp"
#include "potentials/potential_factory.hpp"
#include "potentials/tersoff.hpp"

namespace ioncycle::potentials {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kKinds = {"default", "sevennet", "mace", "torchscript", "nep",
                                         "model",   "d3",       "tersoff", "lj",       "morse"};

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

SourceLocation at(const SpecContext& context, std::size_t offset) {
  SourceLocation where = context.where;
  // Offset 0 is the whole value: its start (the opening quote in TOML, as for any other key).
  // A later term is at its own column inside the quotes.
  if (where.known() && where.column > 0 && offset > 0) {
    where.column += static_cast<int>(offset) + (context.quoted ? 1 : 0);
  }
  return where;
}

InputError spec_error(const SpecContext& context, std::size_t offset, std::string message, std::string hint = {}) {
  return InputError(at(context, offset), std::move(message), std::move(hint));
}

// '+' joins terms, except inside a number's exponent ("1e+3 eV").
bool is_exponent_sign(std::string_view spec, std::size_t pos) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return pos >= 2 && pos + 1 < spec.size() && (spec[pos - 1] == 'e' || spec[pos - 1] == 'E') &&
         (digit(spec[pos - 2]) || spec[pos - 2] == '.') && digit(spec[pos + 1]);
}

std::string resolve_path(const SpecTerm& term, const SpecContext& context) {
  if (term.argument == "default") {
    std::string path = default_model_path();
    if (path.empty()) {
      throw spec_error(context, term.offset, "the default model (models/sevennet-0.pt) was not found",
                       "run ./scripts/setup, which deploys it, or set IONCYCLE_DEFAULT_MODEL to a model file");
    }
    return path;
  }
  const fs::path p(term.argument);
  return (p.is_absolute() ? p : fs::path(context.base_dir) / p).lexically_normal().string();
}

// "key=value,key=value" of lj/morse terms, each value a quantity.
std::vector<std::pair<std::string, std::string>> key_values(const SpecTerm& term, const SpecContext& context) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t start = 0;
  const std::string& a = term.argument;
  while (start <= a.size()) {
    const std::size_t comma = std::min(a.find(',', start), a.size());
    const std::string item = a.substr(start, comma - start);
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      throw spec_error(context, term.offset, term.kind + ": expected key=value, got '" + trim(item) + "'",
                       "e.g. lj:epsilon=0.0104 eV,sigma=3.4 A,cutoff=8.5 A");
    }
    out.emplace_back(trim(item.substr(0, eq)), trim(item.substr(eq + 1)));
    start = comma + 1;
  }
  return out;
}

std::map<std::string, double> read_quantities(const SpecTerm& term, const SpecContext& context,
                                              const std::vector<std::pair<std::string, units::Dimension>>& wanted) {
  std::map<std::string, double> values;
  std::vector<std::string> names;
  for (const auto& [name, dim] : wanted) names.push_back(name);
  for (const auto& [key, text] : key_values(term, context)) {
    const auto it = std::find_if(wanted.begin(), wanted.end(), [&](const auto& w) { return w.first == key; });
    if (it == wanted.end()) {
      std::string hint = core::did_you_mean(key, names);
      throw spec_error(context, term.offset, term.kind + ": unknown parameter '" + key + "'",
                       hint.empty() ? "parameters: " + core::join(names, ", ") : hint);
    }
    if (values.contains(key)) throw spec_error(context, term.offset, term.kind + ": '" + key + "' given twice");
    double v = 0.0;
    try {
      v = units::parse_quantity(text, it->second);
    } catch (const InputError& e) {
      throw spec_error(context, term.offset, term.kind + ": " + key + ": " + e.message(), e.hint());
    }
    if (!(v > 0.0)) throw spec_error(context, term.offset, term.kind + ": '" + key + "' must be positive (got " + text + ")");
    values[key] = v;
  }
  for (const auto& name : names) {
    if (!values.contains(name)) {
      throw spec_error(context, term.offset, term.kind + ": parameter '" + name + "' is missing",
                       "give all of: " + core::join(names, ", "));
    }
  }
  return values;
}

// Every unordered pair of the structure's elements.
template <class Pair, class Fill>
std::vector<Pair> all_pairs(const SpecContext& context, Fill&& fill) {
  std::set<int> zs(context.structure_elements.begin(), context.structure_elements.end());
  std::vector<Pair> pairs;
  for (auto a = zs.begin(); a != zs.end(); ++a) {
    for (auto b = a; b != zs.end(); ++b) {
      Pair p;
      p.z1 = *a;
      p.z2 = *b;
      fill(p);
      pairs.push_back(p);
    }
  }
  return pairs;
}

std::unique_ptr<Potential> build_term(const SpecTerm& term, const SpecContext& context) {
  using units::Dimension;
  try {
    if (term.kind == "sevennet" || term.kind == "model" || term.kind == "mace" || term.kind == "torchscript" ||
        term.kind == "nep") {
      return make_model_potential(resolve_path(term, context), term.kind == "model" ? "" : term.kind, context.device);
    }
    if (term.kind == "d3") {
      return make_d3_potential(term.argument.empty() ? std::optional<std::string>{} : std::optional(term.argument),
                               context.d3);
    }
    if (term.kind == "tersoff") {
      std::vector<std::string> elements;
      for (const int z : std::set<int>(context.structure_elements.begin(), context.structure_elements.end())) {
        elements.emplace_back(core::symbol(z));
      }
      std::vector<std::string> looked;
      const auto path = locate_parameter_file(term.argument, context.base_dir, looked);
      if (!path) {
        throw spec_error(context, term.offset,
                         "tersoff: parameter file '" + term.argument + "' not found (looked in " + core::join(looked, ", ") + ")",
                         "LAMMPS' potential files are found by name, e.g. tersoff:BNC.tersoff");
      }
      return std::make_unique<Tersoff>(Tersoff::from_file(*path, elements));
    }
    if (term.kind == "lj") {
      const auto q = read_quantities(term, context, {{"epsilon", Dimension::energy}, {"sigma", Dimension::length},
                                                     {"cutoff", Dimension::length}});
      LennardJones::Params params;
      params.pairs = all_pairs<LJPair>(context, [&](LJPair& p) {
        p.epsilon = q.at("epsilon");
        p.sigma = q.at("sigma");
        p.cutoff = q.at("cutoff");
      });
      return std::make_unique<LennardJones>(params);
    }
    if (term.kind == "morse") {
      const auto q = read_quantities(term, context, {{"d0", Dimension::energy}, {"alpha", Dimension::inverse_length},
                                                     {"r0", Dimension::length}, {"cutoff", Dimension::length}});
      Morse::Params params;
      params.pairs = all_pairs<MorsePair>(context, [&](MorsePair& p) {
        p.d0 = q.at("d0");
        p.alpha = q.at("alpha");
        p.r0 = q.at("r0");
        p.cutoff = q.at("cutoff");
      });
      return std::make_unique<Morse>(params);
    }
  } catch (const InputError& e) {
    // An error at a line of a parameter file points there; one about a whole file (a model that
    // is missing or unreadable) is placed at the term that named it, with the file in the text.
    if (e.where().known() && e.where().line > 0) throw;
    const bool is_model = term.kind != "tersoff" && term.kind != "d3";
    const std::string file = e.where().known() ? (is_model ? "model '" : "file '") + e.where().file + "': " : "";
    throw spec_error(context, term.offset, file + e.message(), e.hint());
  }
  throw std::logic_error("potential spec: unhandled kind " + term.kind);
}

}  // namespace

const std::vector<std::string>& spec_kinds() { return kKinds; }

std::vector<SpecTerm> parse_spec(std::string_view spec, const SpecContext& context) {
  std::vector<SpecTerm> terms;
  if (trim(spec).empty()) {
    throw spec_error(context, 0, "the potential spec is empty", "e.g. \"default\" or \"sevennet:model.pt+d3\"");
  }
  std::size_t start = 0;
  bool after_path = false;  // the previous term took a file path (for the hint about '+' in names)
  for (std::size_t pos = 0; pos <= spec.size(); ++pos) {
    const bool end = pos == spec.size();
    // "++" is a '+' inside a term (a file name such as "model++v2.pt" for model+v2.pt).
    if (!end && spec[pos] == '+' && pos + 1 < spec.size() && spec[pos + 1] == '+') {
      ++pos;
      continue;
    }
    if (!end && !(spec[pos] == '+' && !is_exponent_sign(spec, pos))) continue;
    const std::string_view text = spec.substr(start, pos - start);
    const std::size_t lead = text.find_first_not_of(" \t");
    SpecTerm term;
    term.offset = start + (lead == std::string_view::npos ? 0 : lead);
    std::string t = trim(text);
    for (std::size_t k = t.find("++"); k != std::string::npos; k = t.find("++", k + 1)) t.erase(k, 1);
    const auto colon = t.find(':');
    term.kind = trim(t.substr(0, colon));
    term.argument = colon == std::string::npos ? "" : trim(t.substr(colon + 1));
    if (term.kind.empty()) {
      throw spec_error(context, term.offset, "empty term in potential spec '" + std::string(spec) + "'",
                       "terms are joined by '+', e.g. \"sevennet+d3\"");
    }
    if (std::find(kKinds.begin(), kKinds.end(), term.kind) == kKinds.end()) {
      std::string hint = core::did_you_mean(term.kind, kKinds);
      if (after_path && term.argument.empty() && hint.empty()) {
        hint = "'+' joins the terms of a sum; a '+' inside a file name is written twice ('model++v2.pt' for "
               "model+v2.pt), or give the file in the table form: model = \"...\"";
      } else {
        hint = (hint.empty() ? "" : hint + " ") + "known: " + core::join(kKinds, ", ");
      }
      throw spec_error(context, term.offset, "unknown potential '" + term.kind + "'", hint);
    }
    const bool needs_argument = term.kind == "mace" || term.kind == "torchscript" || term.kind == "nep" ||
                                term.kind == "model" ||
                                term.kind == "tersoff" || term.kind == "lj" || term.kind == "morse";
    if (needs_argument && term.argument.empty()) {
      const std::string example = term.kind == "lj"      ? "lj:epsilon=0.0104 eV,sigma=3.4 A,cutoff=8.5 A"
                                  : term.kind == "morse"   ? "morse:d0=0.3 eV,alpha=1.5 1/A,r0=2.5 A,cutoff=8 A"
                                  : term.kind == "tersoff" ? "tersoff:BNC.tersoff"
                                  : term.kind == "nep"     ? "nep:nep.txt"
                                                           : term.kind + ":path/to/model.pt";
      throw spec_error(context, term.offset, "'" + term.kind + "' needs an argument after ':'", "e.g. " + example);
    }
    const bool takes_path = term.kind == "sevennet" || term.kind == "mace" || term.kind == "torchscript" ||
                            term.kind == "nep" || term.kind == "model" || term.kind == "tersoff";
    if (term.kind == "default") {
      if (!term.argument.empty()) {
        throw spec_error(context, term.offset, "'default' takes no argument",
                         "write \"sevennet:PATH+d3\" for another SevenNet model with D3");
      }
      terms.push_back({"sevennet", "default", term.offset});
      terms.push_back({"d3", "", term.offset});
    } else {
      if (term.kind == "sevennet" && term.argument.empty()) term.argument = "default";
      terms.push_back(std::move(term));
    }
    after_path = takes_path;
    start = pos + 1;
  }
  return terms;
}

std::unique_ptr<Potential> make_potential_from_spec(std::string_view spec, const SpecContext& context) {
  const auto terms = parse_spec(spec, context);
  std::vector<std::unique_ptr<Potential>> built;
  for (const auto& term : terms) built.push_back(build_term(term, context));
  if (built.size() == 1) return std::move(built.front());
  return std::make_unique<SumPotential>(std::move(built));
}

}  // namespace ioncycle::potentials
