// SPDX-License-Identifier: MIT
#include "potentials/potential_factory.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"
#include "potentials/d3_dispersion.hpp"
#include "potentials/data_files.hpp"
#include "potentials/lennard_jones.hpp"
#include "potentials/loaded_model.hpp"
#include "potentials/mace_potential.hpp"
#include "potentials/model_file.hpp"
#include "potentials/morse.hpp"
#include "potentials/nep_model.hpp"
#include "potentials/nep_potential.hpp"
#include "potentials/potential_spec.hpp"
#include "potentials/sevennet_potential.hpp"
#include "potentials/tersoff.hpp"
#include "potentials/torchscript_potential.hpp"

namespace ioncycle::potentials {

namespace fs = std::filesystem;
using units::Dimension;

namespace {

constexpr const char* kDebianLammpsPotentials = "/usr/share/lammps/potentials";

std::pair<int, int> read_element_pair(const core::ConfigTable& pair) {
  const auto names = pair.require_string_array("elements");
  if (names.size() != 2) {
    throw pair.error_at("elements", "'elements' needs exactly two element symbols (got " + std::to_string(names.size()) + ")",
                        "e.g. elements = [\"Li\", \"C\"]");
  }
  std::pair<int, int> z;
  try {
    z = {core::atomic_number(names[0]), core::atomic_number(names[1])};
  } catch (const InputError& e) {
    throw pair.error_at("elements", e.message(), e.hint());
  }
  return z;
}

std::vector<core::ConfigTable> require_pairs(const core::ConfigTable& table) {
  auto pairs = table.table_array("pair");
  if (pairs.empty()) {
    throw table.error_at("type", "a pair potential needs at least one [[" + table.path() + ".pair]] table",
                         "add e.g. [[potential.pair]] with elements, and the pair's parameters");
  }
  return pairs;
}

template <class Build>
std::unique_ptr<Potential> located(const core::ConfigTable& table, Build&& build) {
  try {
    return build();
  } catch (const InputError& e) {
    // Parameter validation in the potential's constructor knows no file position: place it at
    // the table.
    throw e.located(table.location());
  }
}

// A pair potential table: `shift`, then [[pair]] tables whose elements are read here and whose
// parameters `read_parameters` fills into the pair struct. Only the parameter names differ
// between Lennard-Jones and Morse.
template <class P, class Pair, class ReadParameters>
std::unique_ptr<Potential> make_pair_potential(const core::ConfigTable& table, ReadParameters read_parameters) {
  typename P::Params params;
  params.shift = table.bool_or("shift", false);
  for (const auto& pair : require_pairs(table)) {
    Pair p;
    std::tie(p.z1, p.z2) = read_element_pair(pair);
    read_parameters(pair, p);
    pair.reject_unknown_keys();
    params.pairs.push_back(p);
  }
  table.reject_unknown_keys();
  return located(table, [&] { return std::make_unique<P>(params); });
}

std::unique_ptr<Potential> make_lj(const core::ConfigTable& table) {
  return make_pair_potential<LennardJones, LJPair>(table, [](const core::ConfigTable& pair, LJPair& p) {
    p.epsilon = pair.require_quantity("epsilon", Dimension::energy, core::Sign::positive);
    p.sigma = pair.require_quantity("sigma", Dimension::length, core::Sign::positive);
    p.cutoff = pair.require_quantity("cutoff", Dimension::length, core::Sign::positive);
  });
}

std::unique_ptr<Potential> make_morse(const core::ConfigTable& table) {
  return make_pair_potential<Morse, MorsePair>(table, [](const core::ConfigTable& pair, MorsePair& p) {
    p.d0 = pair.require_quantity("d0", Dimension::energy, core::Sign::positive);
    p.alpha = pair.require_quantity("alpha", Dimension::inverse_length, core::Sign::positive);
    p.r0 = pair.require_quantity("r0", Dimension::length, core::Sign::positive);
    p.cutoff = pair.require_quantity("cutoff", Dimension::length, core::Sign::positive);
  });
}

std::unique_ptr<Potential> make_tersoff(const core::ConfigTable& table, const std::string& base_dir,
                                        const std::vector<int>& structure_elements) {
  const std::string path = find_parameter_file(table, "file", base_dir);
  std::vector<std::string> elements;
  if (table.has("elements")) {
    elements = table.require_string_array("elements");
    for (const auto& e : elements) {
      try {
        (void)core::atomic_number(e);
      } catch (const InputError& err) {
        throw table.error_at("elements", err.message(), err.hint());
      }
    }
  } else {
    std::set<int> zs(structure_elements.begin(), structure_elements.end());
    for (const int z : zs) elements.emplace_back(core::symbol(z));
  }
  table.reject_unknown_keys();
  try {
    return std::make_unique<Tersoff>(Tersoff::from_file(path, elements));
  } catch (const InputError& e) {
    if (e.where().known()) throw;  // an error inside the parameter file points there
    throw table.error_at("file", e.message(), e.hint());
  }
}

// `device`: "auto", "cpu", "cuda" or "cuda:N" (torch_support.hpp resolves it when a model loads).
std::string read_device(const core::ConfigTable& table) {
  const std::string device = table.string_or("device", "auto");
  const bool cuda_n = device.starts_with("cuda:") && device.size() > 5 &&
                      device.find_first_not_of("0123456789", 5) == std::string::npos;
  if (device != "auto" && device != "cpu" && device != "cuda" && !cuda_n) {
    throw table.error_at("device", "unknown device '" + device + "'", "use \"auto\", \"cpu\", \"cuda\" or \"cuda:N\"");
  }
  return device;
}

SpecContext spec_context(const core::ConfigTable& table, const std::string& base_dir,
                         const std::vector<int>& structure_elements, const std::string& key) {
  SpecContext context;
  context.base_dir = base_dir;
  context.structure_elements = structure_elements;
  context.device = read_device(table);
  context.where = table.location_of(key);
  context.quoted = true;
  return context;
}

// A `model = PATH` value is one file, never a sum: its '+' signs are written as the spec grammar's
// "++" (potential_spec.hpp) before the one-term spec is parsed.
std::string literal_path(const std::string& path) {
  std::string out;
  for (const char c : path) {
    out += c;
    if (c == '+') out += '+';
  }
  return out;
}

// `spec = "..."`, or `model = "..."` (sugar: "default" is the default spec, a path is "model:PATH").
std::unique_ptr<Potential> make_from_spec_key(const core::ConfigTable& table, const std::string& key,
                                              const std::string& base_dir, const std::vector<int>& structure_elements) {
  const std::string text = table.require_string(key);
  SpecContext context = spec_context(table, base_dir, structure_elements, key);
  if (const auto d3 = table.optional_table("d3")) {
    context.d3.functional = d3->optional_string("functional");
    context.d3.cutoff = d3->optional_quantity("cutoff", Dimension::length, core::Sign::positive);
    context.d3.cn_cutoff = d3->optional_quantity("cn_cutoff", Dimension::length, core::Sign::positive);
    if (d3->has("tail_correction")) context.d3.tail_correction = d3->bool_or("tail_correction", true);
    d3->reject_unknown_keys();
  }
  table.reject_unknown_keys();
  const std::string spec = key == "model" && text != "default" ? "model:" + literal_path(text) : text;
  return make_potential_from_spec(spec, context);
}

// type = "sevennet" | "mace" | "torchscript" | "nep" | "model" with model = PATH ("default": SevenNet-0)
// is the one-term spec "TYPE:PATH", errors located at the model key.
std::unique_ptr<Potential> make_model_table(const core::ConfigTable& table, const std::string& type,
                                            const std::string& base_dir, const std::vector<int>& structure_elements) {
  const std::string given = table.require_string("model");
  const SpecContext context = spec_context(table, base_dir, structure_elements, "model");
  table.reject_unknown_keys();
  return make_potential_from_spec(type + ":" + literal_path(given), context);
}

std::unique_ptr<Potential> make_d3_table(const core::ConfigTable& table) {
  D3Overrides overrides;
  overrides.functional = table.optional_string("functional");
  overrides.cutoff = table.optional_quantity("cutoff", Dimension::length, core::Sign::positive);
  overrides.cn_cutoff = table.optional_quantity("cn_cutoff", Dimension::length, core::Sign::positive);
  if (table.has("tail_correction")) overrides.tail_correction = table.bool_or("tail_correction", true);
  table.reject_unknown_keys();
  return located(table, [&] { return make_d3_potential(std::nullopt, overrides); });
}

}  // namespace

std::string default_model_path() { return find_deployed_file("IONCYCLE_DEFAULT_MODEL", "models/sevennet-0.pt"); }

std::optional<std::string> locate_parameter_file(const std::string& given, const std::string& base_dir,
                                                 std::vector<std::string>& looked) {
  std::vector<fs::path> candidates;
  const fs::path g(given);
  if (g.is_absolute()) {
    candidates.push_back(g);
  } else {
    candidates.push_back(fs::path(base_dir) / g);
    if (const char* env = std::getenv("LAMMPS_POTENTIALS"); env != nullptr && *env != '\0') {
      candidates.push_back(fs::path(env) / g);
    }
    candidates.push_back(fs::path(kDebianLammpsPotentials) / g);
  }
  std::error_code ec;
  looked.clear();
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c.lexically_normal().string();
    looked.push_back(c.lexically_normal().string());
  }
  return std::nullopt;
}

std::string find_parameter_file(const core::ConfigTable& table, const std::string& key, const std::string& base_dir) {
  const std::string given = table.require_string(key);
  std::vector<std::string> looked;
  if (auto path = locate_parameter_file(given, base_dir, looked)) return *path;
  throw table.error_at(key, "parameter file '" + given + "' not found (looked in " + core::join(looked, ", ") + ")",
                       "paths are relative to the configuration file; LAMMPS' potential files are found by name");
}

std::unique_ptr<Potential> make_potential(const core::ConfigTable& table, const std::string& base_dir,
                                          const std::vector<int>& structure_elements) {
  if (!table.has("type")) {
    if (table.has("spec")) return make_from_spec_key(table, "spec", base_dir, structure_elements);
    if (table.has("model")) return make_from_spec_key(table, "model", base_dir, structure_elements);
    (void)table.has("device");
    table.reject_unknown_keys();  // a misspelt key ("modle") is named, with the nearest one
    throw table.error_at("type", "[" + table.path() + "] needs one of 'spec', 'model' or 'type'",
                         "e.g. spec = \"default\" (SevenNet-0 + D3), model = \"my-model.pt\" or type = \"lj\"");
  }
  const std::string type = table.require_choice(
      "type", {"lj", "morse", "tersoff", "sevennet", "mace", "torchscript", "nep", "model", "d3", "sum"});
  if (type == "lj") return make_lj(table);
  if (type == "morse") return make_morse(table);
  if (type == "tersoff") return make_tersoff(table, base_dir, structure_elements);
  if (type == "sevennet" || type == "mace" || type == "torchscript" || type == "nep" || type == "model") {
    return make_model_table(table, type, base_dir, structure_elements);
  }
  if (type == "d3") return make_d3_table(table);
  auto terms = table.table_array("term");
  if (terms.empty()) {
    throw table.error_at("type", "a sum needs at least one [[" + table.path() + ".term]] table",
                         "e.g. [[potential.term]] with type = \"tersoff\" ...");
  }
  table.reject_unknown_keys();
  std::vector<std::unique_ptr<Potential>> built;
  for (const auto& t : terms) built.push_back(make_potential(t, base_dir, structure_elements));
  return std::make_unique<SumPotential>(std::move(built));
}

std::unique_ptr<Potential> make_model_potential(const std::string& path, const std::string& kind,
                                                const std::string& device) {
  // A nep.txt is text and runs natively; every other format is TorchScript.
  const bool nep_file = looks_like_nep_file(path);
  if (nep_file && (kind.empty() || kind == "nep")) return std::make_unique<NepPotential>(path);
  if (nep_file) {
    throw InputError(SourceLocation{path, 0, 0}, "this is a nep model, not a " + kind + " model",
                     "write nep:PATH, or model:PATH, which recognizes the format from the file");
  }
  if (kind == "nep") {
    throw InputError(SourceLocation{path, 0, 0}, "not a NEP model file (a nep.txt starts with nep3 or nep4)",
                     "give the nep.txt that GPUMD or TorchNEP wrote; TorchScript models are model:PATH");
  }
  // One load: the module read here is handed to the backend (loading SevenNet-0 takes ~1 s).
  LoadedModel loaded = load_model(path, kind, device);  // InputError: missing, unrecognized, other format
  const ModelOptions options{device};
  switch (loaded.info.format) {
    case ModelFormat::sevennet: return std::make_unique<SevenNetPotential>(std::move(loaded), options);
    case ModelFormat::mace: return std::make_unique<MacePotential>(std::move(loaded), options);
    case ModelFormat::torchscript: return std::make_unique<TorchScriptPotential>(std::move(loaded), options);
    case ModelFormat::nep: break;  // handled above
  }
  throw std::logic_error("make_model_potential: unhandled model format");
}

std::unique_ptr<Potential> make_d3_potential(const std::optional<std::string>& functional, const D3Overrides& overrides) {
  D3Settings settings;  // PBE, cutoffs 9 and 6 A with the tail correction, the table deployed by set-up
  if (overrides.functional) settings.functional = *overrides.functional;
  if (functional) settings.functional = *functional;
  if (overrides.cutoff) settings.cutoff = *overrides.cutoff;
  if (overrides.cn_cutoff) settings.cn_cutoff = *overrides.cn_cutoff;
  if (overrides.tail_correction) settings.tail_correction = *overrides.tail_correction;
  return std::make_unique<D3Dispersion>(settings);
}

}  // namespace ioncycle::potentials
