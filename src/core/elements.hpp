// SPDX-License-Identifier: MIT
//
// The periodic table: symbol, atomic number and standard atomic weight for Z = 1..118.
// Masses are the IUPAC 2021 standard atomic weights (conventional values for elements with an
// interval; for elements without stable isotopes, the mass number of the longest-lived isotope
// in brackets). Pure, constant data; thread-safe.
#pragma once

#include <optional>
#include <string_view>

namespace ioncycle::core {

struct Element {
  int z;                    ///< atomic number
  std::string_view symbol;  ///< "Li", "C", ...
  std::string_view name;    ///< "lithium", ...
  double mass;              ///< standard atomic weight, amu
};

/// Largest atomic number in the table (118).
[[nodiscard]] int max_atomic_number();

/// The element with atomic number z; throws InputError for z outside 1..max_atomic_number().
[[nodiscard]] const Element& element(int z);

/// Atomic number of an exact, case-sensitive symbol ("Li"); nullopt if unknown.
[[nodiscard]] std::optional<int> find_atomic_number(std::string_view symbol);

/// Atomic number of `symbol`; throws InputError naming it (and the nearest symbol, e.g. "LI" ->
/// "did you mean 'Li'?") when it is not an element.
[[nodiscard]] int atomic_number(std::string_view symbol);

/// Shorthand for element(z).symbol.
[[nodiscard]] std::string_view symbol(int z);

/// Shorthand for element(z).mass.
[[nodiscard]] double standard_mass(int z);

}  // namespace ioncycle::core
