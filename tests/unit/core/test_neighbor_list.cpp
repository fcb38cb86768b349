// SPDX-License-Identifier: MIT
//
// NeighborList against a brute-force search: every pair (i, j) and every lattice image n in a
// range proven large enough independently of the list's own bound (via the smallest singular
// value of H, not from the plane spacings the list uses), kept when |x_j - x_i + n·H| < cutoff + skin,
// compared as sets of (i, j, n). Covers skewed triclinic cells, cells thinner than the range
// (self-images), every combination of non-periodic axes, clusters without a cell, unwrapped
// positions several cells away, insertion and removal, the rebuild rule and thread-count
// independence. Closed-form counts (simple cubic lattice shells, graphite shells) check the brute
// force itself.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <omp.h>

#include <catch2/catch.hpp>

#include "core/cell.hpp"
#include "core/error.hpp"
#include "core/neighbor_list.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"

using ioncycle::InputError;
using ioncycle::SimulationError;
using ioncycle::core::AtomId;
using ioncycle::core::AtomSpec;
using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::NeighborKind;
using ioncycle::core::NeighborList;
using ioncycle::core::NeighborOptions;
using ioncycle::core::Rng;
using ioncycle::core::System;
using ioncycle::core::Vec3;

namespace {

// (i, j, n0, n1, n2)
using Pair = std::tuple<int, int, int, int, int>;

Pair reversed(const Pair& p) {
  const auto& [i, j, n0, n1, n2] = p;
  return {j, i, -n0, -n1, -n2};
}

Vec3 pair_vector(const System& system, const Pair& p) {
  const auto& [i, j, n0, n1, n2] = p;
  const Mat3& h = system.cell().matrix();
  const auto x = system.positions();
  return x[static_cast<std::size_t>(j)] - x[static_cast<std::size_t>(i)] +
         (double(n0) * h.row(0) + double(n1) * h.row(1) + double(n2) * h.row(2)).transpose();
}

// The list as (i, j, n) tuples, in list order.
std::vector<Pair> listed_pairs(const NeighborList& list) {
  std::vector<Pair> out;
  const auto offsets = list.offsets();
  const auto neighbors = list.neighbors();
  const auto shift_ids = list.shift_ids();
  const auto table = list.shift_table();
  for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
    for (std::size_t p = offsets[i]; p < offsets[i + 1]; ++p) {
      const auto& n = table[shift_ids[p]];
      out.emplace_back(static_cast<int>(i), neighbors[p], n[0], n[1], n[2]);
    }
  }
  return out;
}

// All (i, j, n) with |x_j - x_i + n·H| < range, n != 0 when i == j, n_a = 0 on non-periodic axes.
// Image bound: with s the fractional coordinates, |s·H| >= sigma_min |s|, so a vector shorter than
// range has every fractional component below range / sigma_min; search that box plus a margin.
std::set<Pair> brute_force(const System& system, double range) {
  std::set<Pair> out;
  const Cell& cell = system.cell();
  const auto x = system.positions();
  const Mat3& h = cell.matrix();
  const std::size_t num = system.num_atoms();
  std::array<int, 3> periodic{};
  for (int a = 0; a < 3; ++a) periodic[static_cast<std::size_t>(a)] = cell.periodic(a) ? 1 : 0;
  if (!cell.any_periodic()) {
    for (std::size_t i = 0; i < num; ++i) {
      for (std::size_t j = 0; j < num; ++j) {
        if (i != j && (x[j] - x[i]).norm() < range) out.emplace(int(i), int(j), 0, 0, 0);
      }
    }
    return out;
  }
  const double sigma_min = Eigen::JacobiSVD<Mat3>(h).singularValues().minCoeff();
  const double reach = range / sigma_min * (1.0 + 1e-9);
  const auto lu = h.transpose().fullPivLu();
  std::vector<Vec3> s(num);
  for (std::size_t i = 0; i < num; ++i) s[i] = lu.solve(x[i]);
  for (std::size_t i = 0; i < num; ++i) {
    for (std::size_t j = 0; j < num; ++j) {
      const Vec3 ds = s[j] - s[i];
      std::array<int, 3> lo{}, hi{};
      for (std::size_t a = 0; a < 3; ++a) {
        if (periodic[a] == 0) continue;
        lo[a] = static_cast<int>(std::ceil(-ds[static_cast<Eigen::Index>(a)] - reach));
        hi[a] = static_cast<int>(std::floor(-ds[static_cast<Eigen::Index>(a)] + reach));
      }
      for (int n0 = lo[0]; n0 <= hi[0]; ++n0) {
        for (int n1 = lo[1]; n1 <= hi[1]; ++n1) {
          for (int n2 = lo[2]; n2 <= hi[2]; ++n2) {
            if (i == j && n0 == 0 && n1 == 0 && n2 == 0) continue;
            const Pair p{int(i), int(j), n0, n1, n2};
            if (pair_vector(system, p).norm() < range) out.insert(p);
          }
        }
      }
    }
  }
  return out;
}

// Pairs that differ between two sets while lying farther than 1e-9 Å from the range boundary
// (pairs right at the boundary may fall either way by rounding).
std::vector<Pair> real_differences(const System& system, const std::set<Pair>& a, const std::set<Pair>& b,
                                   double range) {
  std::vector<Pair> diff;
  std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(diff));
  std::erase_if(diff, [&](const Pair& p) { return std::abs(pair_vector(system, p).norm() - range) < 1e-9; });
  return diff;
}

std::string describe(const System& system, const std::vector<Pair>& pairs) {
  std::string out;
  for (std::size_t k = 0; k < std::min<std::size_t>(pairs.size(), 5); ++k) {
    const auto& [i, j, n0, n1, n2] = pairs[k];
    out += "(" + std::to_string(i) + "," + std::to_string(j) + ",[" + std::to_string(n0) + " " +
           std::to_string(n1) + " " + std::to_string(n2) + "]) |d| = " +
           std::to_string(pair_vector(system, pairs[k]).norm()) + "\n";
  }
  return out;
}

// The list equals the brute-force set: a full list exactly, a half list with each pair once.
void require_matches(const NeighborList& list, const System& system, const std::set<Pair>& expected) {
  const double range = list.options().cutoff + list.options().skin;
  const std::vector<Pair> listed = listed_pairs(list);
  REQUIRE(list.num_atoms() == system.num_atoms());
  REQUIRE(list.shift_table().size() >= 1);
  REQUIRE(list.shift_table()[0] == std::array<std::int32_t, 3>{0, 0, 0});
  const std::set<Pair> listed_set(listed.begin(), listed.end());
  INFO("atoms " << system.num_atoms() << ", range " << range << ", listed " << listed.size() << ", expected "
                << expected.size());
  REQUIRE(listed_set.size() == listed.size());  // no duplicates
  if (list.kind() == NeighborKind::full) {
    const auto diff = real_differences(system, listed_set, expected, range);
    INFO("differences:\n" << describe(system, diff));
    REQUIRE(diff.empty());
  } else {
    std::vector<Pair> both_directions;
    for (const auto& p : listed) {
      if (listed_set.count(reversed(p)) != 0) both_directions.push_back(p);
    }
    INFO("listed in both directions:\n" << describe(system, both_directions));
    REQUIRE(both_directions.empty());
    std::set<Pair> symmetrized = listed_set;
    for (const auto& p : listed) symmetrized.insert(reversed(p));
    const auto diff = real_differences(system, symmetrized, expected, range);
    INFO("differences:\n" << describe(system, diff));
    REQUIRE(diff.empty());
  }
}

void require_matches_brute_force(const NeighborList& list, const System& system) {
  require_matches(list, system, brute_force(system, list.options().cutoff + list.options().skin));
}

AtomSpec argon_at(const Vec3& position) {
  AtomSpec a;
  a.z = 18;
  a.position = position;
  return a;
}

// Atoms at random fractional coordinates in [-1.5, 2.5) on periodic axes (stored unwrapped, up to
// two cells outside) and over [-0.5, 1.5) of the lattice vector on non-periodic ones.
System random_system(const Cell& cell, std::size_t num_atoms, Rng& rng) {
  System system(cell);
  std::vector<AtomSpec> atoms;
  for (std::size_t k = 0; k < num_atoms; ++k) {
    Vec3 s;
    for (int a = 0; a < 3; ++a) s[a] = cell.periodic(a) ? rng.uniform(-1.5, 2.5) : rng.uniform(-0.5, 1.5);
    atoms.push_back(argon_at(cell.to_cartesian(s)));
  }
  system.insert_atoms(atoms);
  return system;
}

// A random rotation, so cells are not always upper triangular.
Mat3 random_rotation(Rng& rng) {
  Eigen::Quaterniond q(rng.normal(), rng.normal(), rng.normal(), rng.normal());
  q.normalize();
  return q.toRotationMatrix();
}

// Lower-triangular lattice (a along x) with tilts up to `max_tilt` times the lengths, rotated.
Mat3 random_lattice(Rng& rng, double min_length, double max_length, double max_tilt) {
  Mat3 h = Mat3::Zero();
  h(0, 0) = rng.uniform(min_length, max_length);
  h(1, 1) = rng.uniform(min_length, max_length);
  h(2, 2) = rng.uniform(min_length, max_length);
  h(1, 0) = max_tilt * h(0, 0) * rng.uniform(-1.0, 1.0);
  h(2, 0) = max_tilt * h(0, 0) * rng.uniform(-1.0, 1.0);
  h(2, 1) = max_tilt * h(1, 1) * rng.uniform(-1.0, 1.0);
  return h * random_rotation(rng).transpose();
}

NeighborList build_list(const System& system, double cutoff, double skin, NeighborKind kind) {
  NeighborList list({cutoff, skin, kind});
  list.build(system);
  return list;
}

void check_both_kinds(const System& system, double cutoff, double skin) {
  const std::set<Pair> expected = brute_force(system, cutoff + skin);
  for (const auto kind : {NeighborKind::full, NeighborKind::half}) {
    INFO((kind == NeighborKind::full ? "full" : "half") << " list, cutoff " << cutoff << ", skin " << skin);
    require_matches(build_list(system, cutoff, skin, kind), system, expected);
  }
}

// Number of integer vectors n != 0 with |n| < radius (lattice points of Z^3 in a ball), counted
// shell by shell: not the search the list or the brute force does.
int lattice_points_in_ball(double radius) {
  int count = 0;
  const int m = static_cast<int>(radius) + 1;
  for (int a = -m; a <= m; ++a) {
    for (int b = -m; b <= m; ++b) {
      for (int c = -m; c <= m; ++c) {
        const int n2 = a * a + b * b + c * c;
        if (n2 > 0 && n2 < radius * radius) ++count;
      }
    }
  }
  return count;
}

// Neighbors of each atom with |d| < r (the list must hold a superset; counts come from d).
std::vector<int> counts_within(const NeighborList& list, const System& system, double r) {
  std::vector<int> counts(system.num_atoms(), 0);
  for (const auto& p : listed_pairs(list)) {
    if (pair_vector(system, p).norm() < r) ++counts[static_cast<std::size_t>(std::get<0>(p))];
  }
  return counts;
}

}  // namespace

TEST_CASE("neighbor list equals brute force on random triclinic cells", "[unit][neighbor]") {
  Rng rng(20240611);
  for (int trial = 0; trial < 100; ++trial) {
    const double cutoff = rng.uniform(2.0, 5.0);
    const double skin = rng.uniform(0.0, 1.5);
    // Lengths from well below to a few times the range, tilts up to 0.6 of the lengths.
    const Cell cell(random_lattice(rng, 0.6 * cutoff, 3.0 * cutoff, 0.6));
    const auto num_atoms = static_cast<std::size_t>(1 + rng.uniform_index(40));
    const System system = random_system(cell, num_atoms, rng);
    INFO("trial " << trial << ", heights " << cell.heights().transpose());
    check_both_kinds(system, cutoff, skin);
  }
}

TEST_CASE("neighbor list equals brute force on strongly skewed cells", "[unit][neighbor]") {
  Rng rng(77);
  for (int trial = 0; trial < 30; ++trial) {
    const double cutoff = rng.uniform(2.5, 4.0);
    // Tilts up to 3 lattice lengths: angles near 10-20 degrees, plane spacings far below lengths.
    const Cell cell(random_lattice(rng, 1.5 * cutoff, 3.0 * cutoff, 3.0));
    const System system = random_system(cell, 30, rng);
    INFO("trial " << trial << ", angles " << cell.angles().transpose() << ", heights "
                  << cell.heights().transpose());
    check_both_kinds(system, cutoff, 0.5);
  }
  // A cell from lengths and angles with a very acute angle.
  const Cell sharp = Cell::from_parameters(9.0, 9.0, 9.0, 90.0, 90.0, 12.0);
  const System system = random_system(sharp, 40, rng);
  check_both_kinds(system, 3.0, 0.5);
}

TEST_CASE("one atom in a cell smaller than the range sees its own images", "[unit][neighbor]") {
  // Simple cubic, a = 2 Å, range 5 Å: the neighbors are the lattice points with 2|n| < 5.
  System system(Cell::orthorhombic(2.0, 2.0, 2.0));
  system.add_atom(argon_at(Vec3(0.3, -4.1, 7.7)));  // unwrapped, several cells away
  const int expected = lattice_points_in_ball(2.5);
  REQUIRE(expected == 6 + 12 + 8 + 6 + 24 + 24);  // shells |n|^2 = 1..6
  const NeighborList full = build_list(system, 4.5, 0.5, NeighborKind::full);
  CHECK(full.num_pairs() == static_cast<std::size_t>(expected));
  require_matches_brute_force(full, system);
  const NeighborList half = build_list(system, 4.5, 0.5, NeighborKind::half);
  CHECK(half.num_pairs() == static_cast<std::size_t>(expected / 2));
  require_matches_brute_force(half, system);
  for (const auto j : full.neighbors()) CHECK(j == 0);
}

TEST_CASE("neighbor list equals brute force on cells thinner than the range", "[unit][neighbor]") {
  Rng rng(5);
  SECTION("thin in one direction") {
    for (int trial = 0; trial < 6; ++trial) {
      Mat3 h = random_lattice(rng, 8.0, 10.0, 0.3);
      h.row(trial % 3) *= 0.15;  // that axis ~1.2-1.5 Å thick, range 4 Å
      const System system = random_system(Cell(h), 12, rng);
      check_both_kinds(system, 3.5, 0.5);
    }
  }
  SECTION("thin in all directions") {
    for (int trial = 0; trial < 6; ++trial) {
      const Cell cell(random_lattice(rng, 1.0, 2.5, 0.5));
      const System system = random_system(cell, 1 + rng.uniform_index(4), rng);
      check_both_kinds(system, 3.0, 0.7);
    }
  }
  SECTION("just below and above twice the range") {
    // Bin counts switch from 1 to 2 around h = 2 r; both sides must work.
    for (const double length : {7.9, 8.0, 8.1, 11.9, 12.0, 12.1}) {
      const System system = random_system(Cell::orthorhombic(length, length, length), 25, rng);
      check_both_kinds(system, 3.5, 0.5);
    }
  }
}

TEST_CASE("2x2 graphite cell with a 6 A cutoff has the right neighbor shells", "[unit][neighbor]") {
  // AB graphite, a = 2.46 Å, c = 6.7 Å, P6_3/mmc with atoms at (0,0,1/4), (0,0,3/4), (1/3,2/3,1/4),
  // (2/3,1/3,3/4); a 2x2 supercell (a = 4.92 Å) of 16 atoms, narrower than the cutoff in plane.
  const double a = 2.46, c = 6.7;
  Mat3 prim;
  prim << a, 0.0, 0.0, -a / 2.0, a * std::sqrt(3.0) / 2.0, 0.0, 0.0, 0.0, c;
  Mat3 super = prim;
  super.row(0) *= 2.0;
  super.row(1) *= 2.0;
  System system{Cell(super)};
  const std::array<Vec3, 4> basis{Vec3(0.0, 0.0, 0.25), Vec3(0.0, 0.0, 0.75), Vec3(1.0 / 3, 2.0 / 3, 0.25),
                                  Vec3(2.0 / 3, 1.0 / 3, 0.75)};
  std::vector<AtomSpec> atoms;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      for (const auto& b : basis) {
        AtomSpec atom;
        atom.z = 6;
        atom.position = ((b + Vec3(i, j, 0.0)).transpose() * prim).transpose();
        atoms.push_back(atom);
      }
    }
  }
  system.insert_atoms(atoms);
  for (const auto kind : {NeighborKind::full, NeighborKind::half}) {
    const NeighborList list = build_list(system, 6.0, 1.0, kind);
    require_matches_brute_force(list, system);
  }
  const NeighborList full = build_list(system, 6.0, 1.0, NeighborKind::full);
  // In-plane shells: 1.42 Å (3), 2.46 Å (6), 2.84 Å (3). Out of plane: atoms of the (0,0,z) sites
  // sit on top of each other 3.35 Å apart (2 neighbors), the others' nearest are 3.64 Å away.
  const double bond = a / std::sqrt(3.0);
  for (const int count : counts_within(full, system, 1.1 * bond)) CHECK(count == 3);
  for (const int count : counts_within(full, system, 2.5)) CHECK(count == 9);
  const auto within_3_4 = counts_within(full, system, 3.4);
  for (std::size_t i = 0; i < within_3_4.size(); ++i) {
    CHECK(within_3_4[i] == (i % 4 < 2 ? 14 : 12));
  }
  // Within 6 Å every atom has the same number of neighbors per sublattice type.
  const auto within_6 = counts_within(full, system, 6.0);
  for (std::size_t i = 4; i < within_6.size(); ++i) CHECK(within_6[i] == within_6[i % 4]);
}

TEST_CASE("neighbor list equals brute force with non-periodic axes", "[unit][neighbor]") {
  Rng rng(3);
  for (int mask = 0; mask < 8; ++mask) {
    const std::array<bool, 3> pbc{(mask & 1) != 0, (mask & 2) != 0, (mask & 4) != 0};
    for (int trial = 0; trial < 8; ++trial) {
      // Some cells thinner than the range along the periodic axes.
      const Cell cell(random_lattice(rng, 2.0, 12.0, 0.5), pbc);
      const System system = random_system(cell, 40, rng);
      INFO("pbc " << pbc[0] << pbc[1] << pbc[2] << ", trial " << trial);
      check_both_kinds(system, 3.0, 0.6);
    }
  }
}

TEST_CASE("neighbor list of a cluster without a cell", "[unit][neighbor]") {
  Rng rng(8);
  System system;
  std::vector<AtomSpec> atoms;
  for (int k = 0; k < 60; ++k) atoms.push_back(argon_at(Vec3(rng.uniform(-6, 6), rng.uniform(-6, 6), rng.uniform(0, 3))));
  // Two far-away groups: the bounding box is huge and sparse.
  atoms.push_back(argon_at(Vec3(1e5, 0.0, 0.0)));
  atoms.push_back(argon_at(Vec3(1e5 + 1.0, 0.5, 0.0)));
  atoms.push_back(argon_at(Vec3(-3e4, 2e4, 7e4)));
  system.insert_atoms(atoms);
  check_both_kinds(system, 2.5, 0.5);
  const NeighborList full = build_list(system, 2.5, 0.5, NeighborKind::full);
  CHECK(full.shift_table().size() == 1);
}

TEST_CASE("neighbor list of an empty system and of a single atom", "[unit][neighbor]") {
  System empty(Cell::orthorhombic(10, 10, 10));
  NeighborList list({3.0, 1.0, NeighborKind::full});
  list.build(empty);
  CHECK(list.num_atoms() == 0);
  CHECK(list.num_pairs() == 0);
  CHECK(list.offsets().size() == 1);
  CHECK(list.shift_table().size() == 1);
  CHECK_FALSE(list.update(empty));

  System lonely(Cell::orthorhombic(10, 10, 10));
  lonely.add_atom(argon_at(Vec3(1, 2, 3)));
  CHECK(list.update(lonely));  // different atom count
  CHECK(list.num_atoms() == 1);
  CHECK(list.num_pairs() == 0);  // its images are 10 Å away
}

TEST_CASE("neighbor list equals brute force on a few thousand atoms", "[unit][neighbor]") {
  Rng rng(1234);
  // ~3000 atoms at about liquid argon density (0.02 /Å^3) in a skewed cell, cutoff 5 Å + 1 Å
  // skin: ~18 neighbors within the range.
  Mat3 h;
  h << 52.0, 0.0, 0.0, 14.0, 48.0, 0.0, -9.0, 11.0, 60.0;
  const Cell cell(h * random_rotation(rng).transpose());
  const System system = random_system(cell, 3000, rng);
  check_both_kinds(system, 5.0, 1.0);
  // Slab: periodic in-plane only.
  const Cell slab(cell.matrix(), {true, true, false});
  check_both_kinds(random_system(slab, 3000, rng), 5.0, 1.0);
}

TEST_CASE("neighbor list equals brute force with half-range bins (many atoms per range cube)", "[unit][neighbor]") {
  // Dense random systems (1.5 atoms/Å³) with ranges of 4.5–6 Å: 140–320 atoms per range³, so
  // the list bins at half the range (a 5 x 5 x 5 stencil); cells from below to about twice the range.
  Rng rng(909);
  for (int trial = 0; trial < 12; ++trial) {
    const double cutoff = rng.uniform(4.0, 5.5);
    const double skin = rng.uniform(0.0, 0.5);
    const Cell cell(random_lattice(rng, 0.6 * cutoff, 2.2 * cutoff, 0.6));
    const auto num_atoms = static_cast<std::size_t>(1.5 * cell.volume()) + 1;
    const System system = random_system(cell, num_atoms, rng);
    INFO("trial " << trial << ", " << num_atoms << " atoms, heights " << cell.heights().transpose());
    check_both_kinds(system, cutoff, skin);
    NeighborList probe({cutoff, skin, NeighborKind::half});
    probe.build(system);
    CHECK(probe.bins_per_range() == 2);
  }
  // A sparse one keeps r-wide bins.
  NeighborList sparse({3.0, 0.5, NeighborKind::half});
  sparse.build(random_system(Cell::orthorhombic(20.0, 20.0, 20.0), 100, rng));
  CHECK(sparse.bins_per_range() == 1);
}

TEST_CASE("half list holds each pair of the full list once", "[unit][neighbor]") {
  Rng rng(99);
  const Cell cell(random_lattice(rng, 3.0, 9.0, 0.7));
  const System system = random_system(cell, 60, rng);
  const NeighborList full = build_list(system, 4.0, 1.0, NeighborKind::full);
  const NeighborList half = build_list(system, 4.0, 1.0, NeighborKind::half);
  const auto full_pairs = listed_pairs(full);
  const auto half_pairs = listed_pairs(half);
  REQUIRE(2 * half.num_pairs() == full.num_pairs());
  std::set<Pair> from_half;
  for (const auto& p : half_pairs) {
    from_half.insert(p);
    from_half.insert(reversed(p));
  }
  CHECK(from_half == std::set<Pair>(full_pairs.begin(), full_pairs.end()));
  // Self-image pairs exist here (cells down to 3 Å) and appear once in the half list.
  const auto self_pairs = std::count_if(half_pairs.begin(), half_pairs.end(),
                                        [](const Pair& p) { return std::get<0>(p) == std::get<1>(p); });
  CHECK(self_pairs > 0);
}

TEST_CASE("neighbor list rebuilds after insertion and removal", "[unit][neighbor]") {
  Rng rng(42);
  const Cell cell(random_lattice(rng, 8.0, 12.0, 0.4));
  System system = random_system(cell, 80, rng);
  for (const auto kind : {NeighborKind::full, NeighborKind::half}) {
    NeighborList list({3.5, 1.0, kind});
    CHECK(list.update(system));  // never built
    CHECK_FALSE(list.update(system));
    const auto builds = list.build_count();

    std::vector<AtomSpec> extra;
    for (int k = 0; k < 7; ++k) extra.push_back(argon_at(cell.to_cartesian(Vec3(rng.uniform(), rng.uniform(), rng.uniform()))));
    const auto new_ids = system.insert_atoms(extra);
    CHECK(list.update(system));
    CHECK(list.build_count() == builds + 1);
    require_matches_brute_force(list, system);

    // Remove a few old atoms and one new one: indices of the others shift.
    const std::vector<AtomId> gone{system.ids()[0], system.ids()[17], system.ids()[40], new_ids[3]};
    system.remove_atoms(gone);
    CHECK(list.update(system));
    require_matches_brute_force(list, system);
    CHECK_FALSE(list.update(system));

    // Same count and positions, different atoms: the topology version alone must trigger it.
    const Vec3 last = system.positions()[system.num_atoms() - 1];
    system.remove_atoms(std::vector<AtomId>{system.ids()[system.num_atoms() - 1]});
    system.add_atom(argon_at(last));
    const auto before = list.build_count();
    CHECK(list.update(system));
    CHECK(list.build_count() == before + 1);
  }
}

TEST_CASE("neighbor list rebuild rule", "[unit][neighbor]") {
  Rng rng(11);
  const double skin = 1.0;
  const Cell cell(random_lattice(rng, 9.0, 11.0, 0.3));
  System system = random_system(cell, 100, rng);
  NeighborList list({3.0, skin, NeighborKind::full});
  REQUIRE(list.update(system));
  REQUIRE(list.build_count() == 1);

  SECTION("moves below half the skin keep the list") {
    // Every atom moves 0.45 skin in a random direction, in three steps.
    std::vector<Vec3> dirs;
    for (std::size_t i = 0; i < system.num_atoms(); ++i) dirs.push_back(Vec3(rng.normal(), rng.normal(), rng.normal()).normalized());
    for (int step = 0; step < 3; ++step) {
      for (std::size_t i = 0; i < system.num_atoms(); ++i) system.positions()[i] += 0.15 * skin * dirs[i];
      CHECK_FALSE(list.update(system));
    }
    CHECK(list.build_count() == 1);
    // One atom going past half the skin triggers a rebuild.
    system.positions()[42] += 0.06 * skin * dirs[42];
    CHECK(list.update(system));
    CHECK(list.build_count() == 2);
    require_matches_brute_force(list, system);
  }
  SECTION("a cell change rebuilds when images may have moved by the skin") {
    // n_max >= 1 here (periodic images within range), so a change of ||ΔH||_F >= skin must rebuild.
    REQUIRE(list.shift_table().size() > 1);
    const Mat3 h0 = system.cell().matrix();
    Mat3 small = h0;
    small(0, 0) += 0.01;
    system.set_cell(Cell(small));
    CHECK_FALSE(list.update(system));
    Mat3 large = h0;
    large(2, 2) += 1.01 * skin;
    system.set_cell(Cell(large));
    CHECK(list.update(system));
    require_matches_brute_force(list, system);
  }
  SECTION("a change of periodicity rebuilds") {
    system.set_cell(Cell(system.cell().matrix(), {true, true, false}));
    CHECK(list.update(system));
    require_matches_brute_force(list, system);
  }
  SECTION("zero skin rebuilds on every update") {
    NeighborList tight({3.0, 0.0, NeighborKind::half});
    CHECK(tight.update(system));
    CHECK(tight.update(system));
    CHECK(tight.build_count() == 2);
  }
}

TEST_CASE("neighbor list stays valid across a random walk with a changing cell", "[unit][neighbor]") {
  Rng rng(2718);
  const double cutoff = 3.0, skin = 0.8;
  const Mat3 h0 = random_lattice(rng, 7.0, 9.0, 0.4);  // narrow enough for images within range
  System system = random_system(Cell(h0), 40, rng);
  for (const auto kind : {NeighborKind::full, NeighborKind::half}) {
    NeighborList list({cutoff, skin, kind});
    for (int step = 0; step < 300; ++step) {
      for (auto& x : system.positions()) x += 0.04 * Vec3(rng.normal(), rng.normal(), rng.normal());
      if (step % 10 == 0) {
        // Small random strain, as a barostat would apply.
        Mat3 strain = Mat3::Identity();
        for (int a = 0; a < 3; ++a) {
          for (int b = 0; b < 3; ++b) strain(a, b) += 0.004 * rng.normal();
        }
        system.set_cell(Cell(system.cell().matrix() * strain));
      }
      list.update(system);
      // Every pair within the cutoff now must be listed (in one direction for a half list).
      const auto listed = listed_pairs(list);
      const std::set<Pair> listed_set(listed.begin(), listed.end());
      for (const auto& p : brute_force(system, cutoff)) {
        const bool found = listed_set.count(p) != 0 || (kind == NeighborKind::half && listed_set.count(reversed(p)) != 0);
        if (!found) FAIL("step " << step << ": pair within the cutoff missing:\n" << describe(system, {p}));
      }
    }
    // The skin saved work: far fewer builds than steps, but the walk did need some.
    INFO("builds " << list.build_count());
    CHECK(list.build_count() > 5);
    CHECK(list.build_count() < 200);
  }
}

TEST_CASE("cartesian_shifts gives n times the cell matrix", "[unit][neighbor]") {
  Rng rng(6);
  const Cell cell(random_lattice(rng, 2.0, 4.0, 0.5));
  const System system = random_system(cell, 5, rng);
  const NeighborList list = build_list(system, 4.0, 0.5, NeighborKind::full);
  REQUIRE(list.shift_table().size() > 10);
  // A different (current) cell: the shifts follow the cell passed in.
  const Cell other(cell.matrix() * 1.03);
  std::vector<Vec3> shifts(1);
  list.cartesian_shifts(other, shifts);
  REQUIRE(shifts.size() == list.shift_table().size());
  CHECK(shifts[0].norm() == 0.0);
  for (std::size_t s = 0; s < shifts.size(); ++s) {
    const auto& n = list.shift_table()[s];
    const Vec3 expected = double(n[0]) * other.vector(0) + double(n[1]) * other.vector(1) + double(n[2]) * other.vector(2);
    CHECK((shifts[s] - expected).norm() < 1e-12);
  }
  // Distinct entries.
  std::set<std::array<std::int32_t, 3>> distinct(list.shift_table().begin(), list.shift_table().end());
  CHECK(distinct.size() == list.shift_table().size());
}

TEST_CASE("neighbor list is identical for one and two threads", "[unit][neighbor]") {
  Rng rng(31);
  Mat3 h;
  h << 40.0, 0.0, 0.0, 8.0, 38.0, 0.0, 3.0, -5.0, 42.0;
  // Enough atoms for the parallel paths (several chunks, parallel binning).
  const System system = random_system(Cell(h), 6000, rng);
  const int saved = omp_get_max_threads();
  for (const auto kind : {NeighborKind::full, NeighborKind::half}) {
    omp_set_num_threads(1);
    const NeighborList one = build_list(system, 4.0, 1.0, kind);
    omp_set_num_threads(2);
    const NeighborList two = build_list(system, 4.0, 1.0, kind);
    omp_set_num_threads(saved);
    REQUIRE(one.num_pairs() > 10 * system.num_atoms());
    CHECK(std::ranges::equal(one.offsets(), two.offsets()));
    CHECK(std::ranges::equal(one.neighbors(), two.neighbors()));
    CHECK(std::ranges::equal(one.shift_ids(), two.shift_ids()));
    CHECK(std::ranges::equal(one.shift_table(), two.shift_table()));
  }
}

TEST_CASE("neighbor list rejects bad options and blown-up positions", "[unit][neighbor]") {
  CHECK_THROWS_AS(NeighborList({-1.0, 1.0, NeighborKind::full}), InputError);
  CHECK_THROWS_AS(NeighborList({3.0, -0.1, NeighborKind::full}), InputError);
  CHECK_THROWS_AS(NeighborList({std::numeric_limits<double>::quiet_NaN(), 1.0, NeighborKind::full}), InputError);
  System system(Cell::orthorhombic(10, 10, 10));
  system.add_atom(argon_at(Vec3(1, 1, 1)));
  system.add_atom(argon_at(Vec3(2, 1, 1)));
  system.positions()[1] = Vec3(std::numeric_limits<double>::quiet_NaN(), 0, 0);
  NeighborList list({3.0, 1.0, NeighborKind::full});
  CHECK_THROWS_AS(list.build(system), SimulationError);
  system.positions()[1] = Vec3(1e12, 0, 0);
  CHECK_THROWS_AS(list.build(system), SimulationError);
}

TEST_CASE("a zero cutoff gives an empty list whatever the skin (potentials that need no pairs)", "[unit][neighbor]") {
  System system{Cell::orthorhombic(6.0, 6.0, 6.0)};
  for (int k = 0; k < 5; ++k) {
    ioncycle::core::AtomSpec a;
    a.z = 6;
    a.position = Vec3(1.0 * k, 0.5 * k, 0.2 * k);
    system.add_atom(a);
  }
  for (const double skin : {0.0, 1.0}) {
    NeighborList list({0.0, skin, NeighborKind::full});
    list.build(system);
    CHECK(list.num_atoms() == 5);
    CHECK(list.neighbors().empty());
    system.positions()[0] += Vec3(0.7, 0.0, 0.0);
    (void)list.update(system);
    CHECK(list.neighbors().empty());
  }
  CHECK_THROWS_AS(NeighborList({-1.0, 1.0, NeighborKind::full}), ioncycle::InputError);
}

TEST_CASE("the pair estimate follows the density; a list beyond the budget is refused, not allocated",
          "[unit][neighbor]") {
  Rng rng(77);
  // A dense random periodic system: the estimate N^2 (4/3 pi R^3) / V is the expected full-list
  // size; the build agrees within the random fluctuation.
  const Cell cell(Mat3(Vec3(20.0, 20.0, 20.0).asDiagonal()));
  const System system = random_system(cell, 400, rng);
  NeighborList list(NeighborOptions{4.0, 1.0, NeighborKind::full});
  list.build(system);
  const double estimate = ioncycle::core::estimated_neighbor_pairs(system, 5.0);
  CHECK(estimate == Approx(400.0 * 400.0 * 4.0 / 3.0 * std::numbers::pi * 125.0 / 8000.0).epsilon(1e-12));
  CHECK(static_cast<double>(list.num_pairs()) == Approx(estimate).epsilon(0.05));
  // A 0.02 A cell (a cell in the wrong unit: the reliability issue's hang) and a 1000 A cutoff
  // on a small cell: an InputError with the estimate, before any allocation.
  System tiny(Cell(Mat3(Vec3(0.02, 0.02, 0.02).asDiagonal())));
  for (int k = 0; k < 4; ++k) {
    AtomSpec a;
    a.z = 6;
    a.position = Vec3(0.004 * k, 0.0, 0.0);
    (void)tiny.add_atom(a);
  }
  NeighborList small_cell(NeighborOptions{5.0, 1.0, NeighborKind::full});
  CHECK_THROWS_AS(small_cell.build(tiny), ioncycle::InputError);
  const System sixteen = random_system(Cell(Mat3(Vec3(8.0, 8.0, 8.0).asDiagonal())), 16, rng);
  NeighborList huge(NeighborOptions{1000.0, 1.0, NeighborKind::full});
  CHECK_THROWS_WITH(huge.build(sixteen), Catch::Contains("would hold about") && Catch::Contains("1001 A"));
  CHECK(huge.num_pairs() == 0);
  // A large cluster without a cell is bounded by its own extent, not by all N^2 pairs.
  System cluster;
  for (int k = 0; k < 30000; ++k) {
    AtomSpec a;
    a.z = 18;
    a.position = Vec3(rng.uniform(0.0, 300.0), rng.uniform(0.0, 300.0), rng.uniform(0.0, 300.0));
    (void)cluster.add_atom(a);
  }
  CHECK(ioncycle::core::estimated_neighbor_pairs(cluster, 6.0) < 1e7);
  ioncycle::core::check_neighbor_budget(cluster, 5.0, 1.0);  // no throw
}
