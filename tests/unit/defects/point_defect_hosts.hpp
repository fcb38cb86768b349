// SPDX-License-Identifier: MIT
//
// Tiny hosts for the point-defect tests, built here from lattice vectors so that these tests do
// not depend on the host builders: AB graphite (hexagonal cell, C–C 1.42 Å, layers 3.35 Å apart
// at heights (k + 1/2)·3.35 Å) and an R-3m LiMO2 cell (hexagonal setting, LiCoO2 geometry
// a = 2.816 Å, c = 14.05 Å, z(O) = 0.2396: M–O 1.92 Å, Li–O 2.09 Å). Plus a snapshot of
// everything observable about a System, to check that failed requests change nothing.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/cell.hpp"
#include "core/elements.hpp"
#include "core/system.hpp"

namespace ioncycle::testing::defect_hosts {

inline constexpr double kCC = 1.42;
inline constexpr double kSpacing = 3.35;

/// AB graphite: `layers` layers of repeat x repeat hexagonal graphene cells (2 C each).
inline core::System ab_graphite(int repeat, int layers) {
  const double a = std::sqrt(3.0) * kCC;
  core::Mat3 h;
  h << repeat * a, 0, 0, -0.5 * repeat * a, 0.5 * std::sqrt(3.0) * repeat * a, 0, 0, 0, layers * kSpacing;
  core::System system{core::Cell(h)};
  const double sites_a[2][2] = {{0.0, 0.0}, {1.0 / 3.0, 2.0 / 3.0}};
  const double sites_b[2][2] = {{1.0 / 3.0, 2.0 / 3.0}, {2.0 / 3.0, 1.0 / 3.0}};
  std::vector<core::AtomSpec> atoms;
  for (int k = 0; k < layers; ++k) {
    const auto& sites = k % 2 == 0 ? sites_a : sites_b;
    for (int i = 0; i < repeat; ++i) {
      for (int j = 0; j < repeat; ++j) {
        for (const auto& s : sites) {
          core::AtomSpec atom;
          atom.z = 6;
          const core::Vec3 frac((i + s[0]) / repeat, (j + s[1]) / repeat, (k + 0.5) / layers);
          atom.position = system.cell().to_cartesian(frac);
          atoms.push_back(atom);
        }
      }
    }
  }
  system.insert_atoms(atoms);
  return system;
}

/// LiMO2 in the O3 (R-3m) structure: 3 formula units per hexagonal cell, repeat x repeat in-plane.
/// M slabs at fractional heights 1/6, 1/2, 5/6 (layers 0, 1, 2); Li planes in between.
inline core::System layered_oxide(int repeat, int metal_z = 28) {
  const double a = 2.816, c = 14.05, zo = 0.2396;
  core::Mat3 h;
  h << repeat * a, 0, 0, -0.5 * repeat * a, 0.5 * std::sqrt(3.0) * repeat * a, 0, 0, 0, c;
  core::System system{core::Cell(h)};
  const double centring[3][3] = {{0, 0, 0}, {2.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0}, {1.0 / 3.0, 2.0 / 3.0, 2.0 / 3.0}};
  struct Basis {
    int z;
    double fz;
  };
  const Basis basis[4] = {{3, 0.0}, {metal_z, 0.5}, {8, zo}, {8, -zo}};
  std::vector<core::AtomSpec> atoms;
  for (int i = 0; i < repeat; ++i) {
    for (int j = 0; j < repeat; ++j) {
      for (const auto& t : centring) {
        for (const auto& b : basis) {
          core::AtomSpec atom;
          atom.z = b.z;
          double fz = b.fz + t[2];
          fz -= std::floor(fz);
          const core::Vec3 frac((i + t[0]) / repeat, (j + t[1]) / repeat, fz);
          atom.position = system.cell().to_cartesian(frac);
          atoms.push_back(atom);
        }
      }
    }
  }
  system.insert_atoms(atoms);
  return system;
}

/// Everything observable about a System.
struct SystemSnapshot {
  std::vector<core::AtomId> ids;
  std::vector<int> z;
  std::vector<double> masses;
  std::vector<core::Vec3> positions, velocities;
  core::AtomId next_id = 0;
  std::uint64_t topology_version = 0;

  explicit SystemSnapshot(const core::System& s)
      : ids(s.ids().begin(), s.ids().end()),
        z(s.atomic_numbers().begin(), s.atomic_numbers().end()),
        masses(s.masses().begin(), s.masses().end()),
        positions(s.positions().begin(), s.positions().end()),
        velocities(s.velocities().begin(), s.velocities().end()),
        next_id(s.next_id()),
        topology_version(s.topology_version()) {}
  bool operator==(const SystemSnapshot&) const = default;
};

/// Number of atoms of element z.
inline std::size_t count_element(const core::System& s, int z) {
  std::size_t n = 0;
  for (const int zi : s.atomic_numbers()) n += zi == z ? 1 : 0;
  return n;
}

}  // namespace ioncycle::testing::defect_hosts
