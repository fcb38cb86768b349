// SPDX-License-Identifier: MIT
#include "potentials/potential_factory.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "potentials/lennard_jones.hpp"
#include "potentials/morse.hpp"
#include "potentials/sevennet_potential.hpp"
#include "potentials/tersoff.hpp"

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

std::unique_ptr<Potential> make_sevennet(const core::ConfigTable& table, const std::string& base_dir) {
  const std::string given = table.require_string("model");
  table.reject_unknown_keys();
  std::string path;
  if (given == "default") {
    path = default_model_path();
    if (path.empty()) {
      throw table.error_at("model", "the default model (models/sevennet-0.pt) was not found",
                           "run scripts/setup, which deploys it, or set IONCYCLE_DEFAULT_MODEL to a model file");
    }
  } else {
    const fs::path g(given);
    path = (g.is_absolute() ? g : fs::path(base_dir) / g).lexically_normal().string();
  }
  try {
    return std::make_unique<SevenNetPotential>(path);
  } catch (const InputError& e) {
    if (e.where().known()) throw;  // already names the model file
    throw table.error_at("model", e.message(), e.hint());
  }
}

}  // namespace

std::string default_model_path() {
  std::error_code ec;
  if (const char* env = std::getenv("IONCYCLE_DEFAULT_MODEL"); env != nullptr && *env != '\0') return env;
  // <repo>/models/sevennet-0.pt, found from the executable (build trees live inside the repo).
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  for (fs::path dir = exe.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    const fs::path candidate = dir / "models" / "sevennet-0.pt";
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
    if (dir == dir.parent_path()) break;
  }
  return {};
}

std::string find_parameter_file(const core::ConfigTable& table, const std::string& key, const std::string& base_dir) {
  const std::string given = table.require_string(key);
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
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c.lexically_normal().string();
  }
  std::string looked;
  for (const auto& c : candidates) looked += (looked.empty() ? "" : ", ") + c.lexically_normal().string();
  throw table.error_at(key, "parameter file '" + given + "' not found (looked in " + looked + ")",
                       "paths are relative to the configuration file; LAMMPS' potential files are found by name");
}

std::unique_ptr<Potential> make_potential(const core::ConfigTable& table, const std::string& base_dir,
                                          const std::vector<int>& structure_elements) {
  const std::string type = table.require_choice("type", {"lj", "morse", "tersoff", "sevennet", "sum"});
  if (type == "lj") return make_lj(table);
  if (type == "morse") return make_morse(table);
  if (type == "tersoff") return make_tersoff(table, base_dir, structure_elements);
  if (type == "sevennet") return make_sevennet(table, base_dir);
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

}  // namespace ioncycle::potentials
