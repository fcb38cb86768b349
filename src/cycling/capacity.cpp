// SPDX-License-Identifier: MIT
//
// Capacity formulas ("LiC6", "LiMO2", "LiNi0.8Mn0.1Co0.1O2") counted on the host structure; see
// capacity.hpp for the grammar and the rule. Messages start with the formula as written, since
// the caller places them at the `capacity` value.
#include "cycling/capacity.hpp"

#include <cctype>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::cycling {

namespace {

/// The generic metal of "LiMO2"; no element has this symbol.
constexpr int kGenericMetal = -1;

struct Term {
  int z = 0;             ///< atomic number, or kGenericMetal
  std::string symbol;    ///< as written
  double count = 1.0;
};

/// Anions that end the basis of a host formula (and that M never stands for).
bool is_anion(int z) { return z == 8 || z == 9 || z == 16 || z == 17; }

/// Atoms that M stands for: not the ion, not an anion, not C or H (graphite, terminations).
bool is_generic_metal(int z, int ion_z) { return z != ion_z && !is_anion(z) && z != 6 && z != 1; }

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

const char* kHint =
    "write the fully intercalated compound, ion first: \"LiC6\" (one Li per six C), \"LiCoO2\", "
    "\"LiMO2\" (M = every metal of the host), \"LiNi0.8Mn0.1Co0.1O2\"; or give a number of ions";

std::vector<Term> parse_formula(std::string_view text) {
  const std::string formula = quoted(text);
  std::vector<Term> terms;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (!std::isupper(static_cast<unsigned char>(c))) {
      throw InputError("capacity " + formula + ": unexpected '" + std::string(1, c) + "' at character " +
                           std::to_string(i + 1) + " (an element symbol starts with a capital letter)",
                       kHint);
    }
    std::size_t j = i + 1;
    while (j < text.size() && std::islower(static_cast<unsigned char>(text[j]))) ++j;
    Term term;
    term.symbol = std::string(text.substr(i, j - i));
    if (term.symbol == "M") {
      term.z = kGenericMetal;
    } else {
      const auto z = core::find_atomic_number(term.symbol);
      if (!z) {
        throw InputError("capacity " + formula + ": '" + term.symbol + "' is not an element", kHint);
      }
      term.z = *z;
    }
    std::size_t k = j;
    while (k < text.size() && (std::isdigit(static_cast<unsigned char>(text[k])) || text[k] == '.')) ++k;
    if (k > j) {
      const auto count = core::parse_double(text.substr(j, k - j));
      if (!count || !std::isfinite(*count) || *count <= 0.0) {
        throw InputError("capacity " + formula + ": the count '" + std::string(text.substr(j, k - j)) + "' of " +
                             term.symbol + " must be a positive number",
                         kHint);
      }
      term.count = *count;
    }
    terms.push_back(std::move(term));
    i = k;
  }
  return terms;
}

}  // namespace

double capacity_ions(double count) {
  if (!std::isfinite(count) || count <= 0.0) {
    throw InputError("capacity must be a positive number of ions (got " + core::format_double(count) + ")",
                     kHint);
  }
  return count;
}

double capacity_ions(std::string_view text_in, const core::System& host, int ion_z) {
  const std::string_view text = core::trim(text_in);
  const std::string formula = quoted(text_in);
  const std::string_view ion = core::symbol(ion_z);
  if (text.empty()) throw InputError("capacity " + formula + " is empty", kHint);
  const std::vector<Term> terms = parse_formula(text);

  if (terms.front().z != ion_z) {
    throw InputError("capacity " + formula + " must start with the ion " + std::string(ion) + " of [ion] species",
                     "e.g. \"" + std::string(ion) + "C6\" for graphite, \"" + std::string(ion) + "CoO2\" for a layered oxide");
  }
  if (terms.size() < 2) {
    throw InputError("capacity " + formula + " names no host atoms after the ion", kHint);
  }
  const double ions_per_unit = terms.front().count;

  // What the host contains (the ion itself excluded: those atoms are ions, not host).
  std::map<int, std::size_t> counts;
  std::size_t num_metal = 0;
  for (const int z : host.atomic_numbers()) {
    if (z == ion_z) continue;
    ++counts[z];
    if (is_generic_metal(z, ion_z)) ++num_metal;
  }
  auto present = [&] {
    std::string list;
    for (const auto& [z, n] : counts) list += (list.empty() ? "" : ", ") + std::string(core::symbol(z));
    return list.empty() ? std::string("no atoms besides ") + std::string(ion) : list;
  };

  std::set<int> seen;
  bool in_basis = true;
  bool basis_has_metal = false;
  bool basis_has_named = false;
  double basis_count = 0.0;
  double basis_atoms = 0.0;
  for (std::size_t t = 1; t < terms.size(); ++t) {
    const Term& term = terms[t];
    if (term.z == ion_z) {
      throw InputError("capacity " + formula + " names the ion " + std::string(ion) + " twice",
                       "the ion comes first, once, with its count: \"" + std::string(ion) + "2C12\"");
    }
    if (!seen.insert(term.z).second) {
      throw InputError("capacity " + formula + " names " + term.symbol + " twice", kHint);
    }
    std::size_t available = 0;
    if (term.z == kGenericMetal) {
      available = num_metal;
      if (available == 0) {
        throw InputError("capacity " + formula + ": M stands for the host's metals, but the host has none (it contains " +
                             present() + ")",
                         "M is every host atom other than the ion, O, F, S, Cl, C and H");
      }
    } else {
      const auto it = counts.find(term.z);
      available = it == counts.end() ? 0 : it->second;
      if (available == 0) {
        throw InputError("capacity " + formula + " counts " + term.symbol + " atoms, but the host has none (it contains " +
                             present() + ")",
                         "write the formula of this host, e.g. \"" + std::string(ion) + "C6\" for graphite or \"" +
                             std::string(ion) + "MO2\" for a layered oxide");
      }
    }
    if (term.z != kGenericMetal && is_anion(term.z)) in_basis = false;
    if (!in_basis) continue;
    if (term.z == kGenericMetal) basis_has_metal = true;
    else basis_has_named = true;
    basis_count += term.count;
    basis_atoms += static_cast<double>(available);
  }
  if (basis_count == 0.0) {
    throw InputError("capacity " + formula + " has no host atom before its anions to count formula units by",
                     kHint);
  }
  if (basis_has_metal && basis_has_named) {
    throw InputError("capacity " + formula + " combines M with named elements before the anions",
                     "M already stands for every metal of the host; write \"" + std::string(ion) +
                         "MO2\" or name each metal (\"" + std::string(ion) + "Ni0.8Mn0.1Co0.1O2\")");
  }
  // Formula units = basis atoms / basis atoms per unit; ions at x = 1 = ions per unit × units.
  const double capacity = ions_per_unit * basis_atoms / basis_count;
  if (!(capacity > 0.0) || !std::isfinite(capacity)) {
    throw InputError("capacity " + formula + " gives no ions on this host", kHint);
  }
  return capacity;
}

}  // namespace ioncycle::cycling
