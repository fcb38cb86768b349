// SPDX-License-Identifier: MIT
//
// Geometry checks shared by the builder, layer and stacking tests: neighbours by brute force
// under the minimum image (small structures only), thermal noise from a seeded Rng, and
// comparisons of positions modulo the lattice.
#pragma once

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "core/cell.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"

namespace ioncycle::testing::hosts {

/// Distances (Å) from atom i to every other atom of element z (0 = any) closer than r_max.
inline std::vector<double> neighbour_distances(const core::System& s, std::size_t i, double r_max, int z = 0) {
  std::vector<double> out;
  for (std::size_t j = 0; j < s.num_atoms(); ++j) {
    if (j == i || (z != 0 && s.atomic_numbers()[j] != z)) continue;
    const double d = s.cell().minimum_image(s.positions()[j] - s.positions()[i]).norm();
    if (d < r_max) out.push_back(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Indices of the neighbours of atom i closer than r_max.
inline std::vector<std::size_t> neighbours(const core::System& s, std::size_t i, double r_max) {
  std::vector<std::size_t> out;
  for (std::size_t j = 0; j < s.num_atoms(); ++j) {
    if (j != i && s.cell().minimum_image(s.positions()[j] - s.positions()[i]).norm() < r_max) out.push_back(j);
  }
  return out;
}

/// Count of atoms per atomic number.
inline std::map<int, std::size_t> counts(const core::System& s) {
  std::map<int, std::size_t> c;
  for (const int z : s.atomic_numbers()) ++c[z];
  return c;
}

/// Gaussian displacements of standard deviation sigma (Å) on every component.
inline void add_noise(core::System& s, double sigma, std::uint64_t seed) {
  core::Rng rng(seed);
  for (auto& r : s.positions()) {
    for (int k = 0; k < 3; ++k) r[k] += sigma * rng.normal();
  }
}

/// Translate every atom by d and wrap it into the cell.
inline void translate_and_wrap(core::System& s, const core::Vec3& d) {
  for (auto& r : s.positions()) r = s.cell().wrap(r + d);
}

/// Whether a and b differ by a lattice translation (within tol Å).
inline bool same_modulo_lattice(const core::Cell& cell, const core::Vec3& a, const core::Vec3& b, double tol = 1e-8) {
  return cell.minimum_image(a - b).norm() < tol;
}

}  // namespace ioncycle::testing::hosts
