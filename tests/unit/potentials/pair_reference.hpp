// SPDX-License-Identifier: MIT
//
// Brute-force reference for pair potentials, independent of the neighbor list: every ordered
// pair (i, j) and every lattice image n with |x_j - x_i + n·H| < r_c, each counted with weight
// 1/2 (self-images j = i, n != 0 included). O(N² × images); for small test systems only.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <utility>

#include "core/system.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::testing {

/// phi(z1, z2, r) returns {E(r), dE/dr}; r_c the largest cutoff (phi must return zeros beyond
/// its own pair cutoff).
inline potentials::ForceResult brute_force_pairs(const core::System& system, double r_c,
                                                 const std::function<std::pair<double, double>(int, int, double)>& phi) {
  const core::Cell& cell = system.cell();
  const std::size_t n = system.num_atoms();
  std::vector<core::Vec3> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = cell.wrap(system.positions()[i]);
  int range[3] = {0, 0, 0};
  if (cell.has_lattice()) {
    const core::Vec3 heights = cell.heights();
    for (int k = 0; k < 3; ++k) {
      if (cell.periodic(k)) range[k] = static_cast<int>(std::ceil(r_c / heights[k])) + 1;
    }
  }
  potentials::ForceResult out;
  out.forces.assign(n, core::Vec3::Zero());
  out.per_atom_energy.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      for (int a = -range[0]; a <= range[0]; ++a) {
        for (int b = -range[1]; b <= range[1]; ++b) {
          for (int c = -range[2]; c <= range[2]; ++c) {
            if (i == j && a == 0 && b == 0 && c == 0) continue;
            const core::Vec3 shift =
                cell.has_lattice() ? core::Vec3(cell.to_cartesian(core::Vec3(a, b, c))) : core::Vec3::Zero();
            const core::Vec3 d = x[j] - x[i] + shift;
            const double r = d.norm();
            if (r >= r_c) continue;
            const auto [e, de_dr] = phi(system.atomic_numbers()[i], system.atomic_numbers()[j], r);
            out.energy += 0.5 * e;
            out.per_atom_energy[i] += 0.5 * e;
            // Force on i from this ordered pair: -dE/dx_i = +dE/dr d/r, counted from both sides.
            out.forces[i] += de_dr * d / r;
            out.virial += 0.5 * (-de_dr / r) * d * d.transpose();
          }
        }
      }
    }
  }
  return out;
}

/// The smallest |r - r_c(z1, z2)| over all pairs and images with r < r_max: central differences
/// with a step h are only meaningful when no pair crosses its cutoff, i.e. when this is > h.
inline double closest_approach_to_cutoff(const core::System& system, double r_max,
                                         const std::function<double(int, int)>& cutoff_of) {
  double closest = r_max;
  brute_force_pairs(system, r_max, [&](int z1, int z2, double r) {
    closest = std::min(closest, std::abs(r - cutoff_of(z1, z2)));
    return std::pair<double, double>(0.0, 0.0);
  });
  return closest;
}

}  // namespace ioncycle::testing
