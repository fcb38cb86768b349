// SPDX-License-Identifier: MIT
//
// Whole-structure geometric summaries used by `ioncycle info` and by builders' checks:
// the chemical formula, the density, and the closest pair of atoms under the minimum-image
// convention. Pure functions of a System; thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "core/system.hpp"

namespace ioncycle::core {

/// Hill-order formula ("C12Li", "CoLiO2", "H2O" -> C first, then H, then alphabetical; without
/// carbon all alphabetical), as ASE's get_chemical_formula(mode="hill").
[[nodiscard]] std::string chemical_formula(const System& system);

/// Mass density in g/cm³ (0 when the cell has no volume).
[[nodiscard]] double density_g_per_cm3(const System& system);

struct ClosestPair {
  double distance = 0.0;  ///< Å; infinity when there are fewer than two atoms
  std::size_t i = 0;      ///< atom indices, i < j
  std::size_t j = 0;
};

/// The closest pair of distinct atoms under the minimum-image convention (periodic images of the
/// same atom are not counted: see shortest lattice vector for those). Cost O(N) on average:
/// atoms are binned in fractional space with bins at least r wide, only neighbouring bins are
/// searched, and r doubles until a pair is found, so every pair closer than r is seen.
[[nodiscard]] ClosestPair closest_pair(const System& system);

/// Length of the shortest non-zero lattice translation over the periodic axes (the distance of
/// an atom to its own nearest image); infinity without periodic axes.
[[nodiscard]] double shortest_lattice_vector(const Cell& cell);

}  // namespace ioncycle::core
