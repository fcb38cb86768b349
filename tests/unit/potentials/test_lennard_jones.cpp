// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <numeric>

#include "core/error.hpp"
#include "pair_reference.hpp"
#include "potential_checks.hpp"
#include "potentials/lennard_jones.hpp"

using namespace ioncycle;
using potentials::LennardJones;
using potentials::LJPair;

namespace {

constexpr int kAr = 18;
constexpr int kKr = 36;
// Argon and krypton (Rowley, Nicholson & Parsonage, J. Comput. Phys. 17, 401 (1975) style
// values): ε in eV, σ in Å.
constexpr double kEpsAr = 0.0104;
constexpr double kSigmaAr = 3.40;
constexpr double kEpsKr = 0.0141;
constexpr double kSigmaKr = 3.65;

// Two species, one unlike pair explicit with its own cutoff, so mixing is not used here.
LennardJones two_species(bool shift) {
  return LennardJones({{LJPair{kAr, kAr, kEpsAr, kSigmaAr, 8.0}, LJPair{kKr, kKr, kEpsKr, kSigmaKr, 8.5},
                        LJPair{kAr, kKr, 0.0120, 3.5, 7.5}},
                       shift});
}

core::System dimer(double r, int z1 = kAr, int z2 = kAr) {
  core::System s(core::Cell::orthorhombic(40, 40, 40));
  core::AtomSpec a;
  a.z = z1;
  a.position = core::Vec3(5, 5, 5);
  s.add_atom(a);
  a.z = z2;
  a.position = core::Vec3(5 + r, 5, 5);
  s.add_atom(a);
  return s;
}

// A dense two-species liquid-like structure in a skewed triclinic cell smaller than twice the
// cutoff, so that several images of one atom interact.
core::System liquid(int num_atoms, std::uint64_t seed) {
  const core::Cell cell = testing::random_triclinic_cell(40.0 * num_atoms, seed);
  return testing::random_structure({kAr, kKr}, num_atoms, cell, 2.9, seed);
}

// Independent LJ formula: {E, dE/dr}.
std::pair<double, double> lj_phi(const LennardJones& lj, int z1, int z2, double r) {
  for (const LJPair& p : lj.resolved_pairs()) {
    if (!((p.z1 == z1 && p.z2 == z2) || (p.z1 == z2 && p.z2 == z1))) continue;
    if (r >= p.cutoff) return {0.0, 0.0};
    const double sr6 = std::pow(p.sigma / r, 6);
    const double src6 = std::pow(p.sigma / p.cutoff, 6);
    const double shift = lj.shifted() ? 4 * p.epsilon * (src6 * src6 - src6) : 0.0;
    return {4 * p.epsilon * (sr6 * sr6 - sr6) - shift, -24 * p.epsilon / r * (2 * sr6 * sr6 - sr6)};
  }
  FAIL("no pair");
  return {0, 0};
}

// Distance (Å) from the nearest pair to its cutoff: central differences need it above h.
double margin_to_cutoff(const LennardJones& lj, const core::System& s) {
  return testing::closest_approach_to_cutoff(s, lj.cutoff() + 0.1, [&](int z1, int z2) {
    for (const LJPair& p : lj.resolved_pairs()) {
      if ((p.z1 == z1 && p.z2 == z2) || (p.z1 == z2 && p.z2 == z1)) return p.cutoff;
    }
    return 0.0;
  });
}

}  // namespace

TEST_CASE("LJ dimer: E = -epsilon at r = 2^(1/6) sigma, E = 0 at sigma, known force", "[unit][potentials][lj]") {
  auto lj = LennardJones::single(kAr, kEpsAr, kSigmaAr, 8.5);
  const double r_min = std::pow(2.0, 1.0 / 6.0) * kSigmaAr;
  const auto at_min = testing::evaluate(lj, dimer(r_min), {true, true, true});
  CHECK(at_min.energy == Approx(-kEpsAr).epsilon(1e-14));
  CHECK(at_min.forces[0].norm() < 1e-14);
  CHECK(at_min.forces[1].norm() < 1e-14);
  CHECK(at_min.per_atom_energy[0] == Approx(-0.5 * kEpsAr).epsilon(1e-14));

  // At r = σ: E = 0, |dE/dr| = 24ε/σ, repulsive: atom 1 (at +x) is pushed to +x.
  const auto at_sigma = testing::evaluate(lj, dimer(kSigmaAr), {true, true, false});
  CHECK(std::abs(at_sigma.energy) < 1e-15);
  CHECK(at_sigma.forces[1].x() == Approx(24 * kEpsAr / kSigmaAr).epsilon(1e-13));
  CHECK(at_sigma.forces[0].x() == Approx(-24 * kEpsAr / kSigmaAr).epsilon(1e-13));
  CHECK(std::abs(at_sigma.forces[1].y()) < 1e-16);
  // Virial d ⊗ F_j = σ · 24ε/σ = 24ε in xx, positive for repulsion (LAMMPS sign), zero elsewhere.
  CHECK(at_sigma.virial(0, 0) == Approx(24 * kEpsAr).epsilon(1e-13));
  CHECK(at_sigma.virial.cwiseAbs().sum() == Approx(24 * kEpsAr).epsilon(1e-13));

  // Beyond the cutoff nothing interacts.
  const auto beyond = testing::evaluate(lj, dimer(8.6), {true, true, false});
  CHECK(beyond.energy == 0.0);
  CHECK(beyond.forces[0].norm() == 0.0);
}

TEST_CASE("LJ matches a brute-force lattice sum on a small triclinic cell", "[unit][potentials][lj]") {
  for (const bool shift : {false, true}) {
    auto lj = two_species(shift);
    const core::System s = liquid(40, 3);
    REQUIRE(s.cell().heights().minCoeff() < 2 * lj.cutoff());  // several images in range
    const auto reference = testing::brute_force_pairs(
        s, lj.cutoff(), [&](int z1, int z2, double r) { return lj_phi(lj, z1, z2, r); });
    for (const auto kind : {core::NeighborKind::half, core::NeighborKind::full}) {
      INFO("shift " << shift << ", " << (kind == core::NeighborKind::half ? "half" : "full") << " list");
      const auto result = testing::evaluate(lj, s, {true, true, true}, kind);
      testing::check_same_result(reference, result, 1e-11, 1e-13, "lj vs brute force");
    }
  }
}

TEST_CASE("LJ forces are minus the energy gradient", "[unit][potentials][lj]") {
  for (const bool shift : {false, true}) {
    INFO("shift " << shift);
    auto lj = two_species(shift);
    const core::System s = liquid(40, 9);
    REQUIRE(margin_to_cutoff(lj, s) > 2e-4);  // no pair crosses its cutoff within ±h
    testing::check_forces_by_central_difference(lj, s, 1e-4, 1e-6, 1e-9);
  }
}

TEST_CASE("LJ virial is the strain derivative of the energy on triclinic cells", "[unit][potentials][lj]") {
  for (const std::uint64_t seed : {7u, 8u}) {
    auto lj = two_species(seed == 8u);
    const core::System s = liquid(40, seed);
    REQUIRE(margin_to_cutoff(lj, s) > 1e-4);  // a strain of ±1e-5 moves pairs by < 1e-4 Å
    testing::check_virial_by_strain(lj, s, 1e-5, 1e-6, 1e-9);
  }
}

TEST_CASE("LJ energy is invariant under translation, rotation, permutation and re-wrapping", "[unit][potentials][lj]") {
  auto lj = two_species(false);
  testing::check_symmetries(lj, liquid(60, 11), 11, 1e-11, 1e-13);
}

TEST_CASE("LJ gives the same result from a half and a full neighbor list", "[unit][potentials][lj]") {
  auto lj = two_species(true);
  const core::System s = liquid(60, 12);
  const potentials::ForceRequest all{true, true, true};
  CHECK(lj.neighbor_request().kind == core::NeighborKind::half);
  testing::check_same_result(testing::evaluate(lj, s, all, core::NeighborKind::half),
                             testing::evaluate(lj, s, all, core::NeighborKind::full), 1e-12, 1e-14, "half vs full");
  // Energy-only requests agree with full requests.
  const auto energy_only = testing::evaluate(lj, s, {false, false, false});
  CHECK(energy_only.energy == Approx(testing::evaluate(lj, s, all).energy).epsilon(1e-14));
}

TEST_CASE("LJ shift makes the energy continuous at the cutoff and leaves forces alone", "[unit][potentials][lj]") {
  const double rc = 8.0;
  auto plain = LennardJones::single(kAr, kEpsAr, kSigmaAr, rc, false);
  auto shifted = LennardJones::single(kAr, kEpsAr, kSigmaAr, rc, true);
  const double sr6 = std::pow(kSigmaAr / rc, 6);
  const double e_rc = 4 * kEpsAr * (sr6 * sr6 - sr6);
  const double below = rc - 1e-9;
  // Unshifted: a jump of E(r_c) at the cutoff; shifted: none.
  CHECK(testing::evaluate(plain, dimer(below), {false, false, false}).energy == Approx(e_rc).epsilon(1e-6));
  CHECK(std::abs(testing::evaluate(shifted, dimer(below), {false, false, false}).energy) < 1e-12);
  CHECK(testing::evaluate(shifted, dimer(rc + 1e-9), {false, false, false}).energy == 0.0);
  CHECK(shifted.pair_energy(kAr, kAr, 4.0) == Approx(plain.pair_energy(kAr, kAr, 4.0) - e_rc).epsilon(1e-14));

  // On a liquid: identical forces and virial; energy differs by E(r_c) per pair inside r_c.
  const core::System s = testing::random_structure({kAr}, 50, testing::random_triclinic_cell(2000, 4), 2.9, 4);
  const auto a = testing::evaluate(plain, s, {true, true, false});
  const auto b = testing::evaluate(shifted, s, {true, true, false});
  const auto pairs = testing::brute_force_pairs(s, rc, [&](int, int, double r) {
    return std::pair<double, double>(r < rc ? 1.0 : 0.0, 0.0);  // counts pairs
  });
  potentials::ForceResult expected = a;
  expected.energy = a.energy - pairs.energy * e_rc;
  testing::check_same_result(expected, b, 1e-12, 1e-14, "shifted vs plain");
  CHECK(pairs.energy > 100);
}

TEST_CASE("LJ mixes unlike pairs by the Lorentz-Berthelot rules", "[unit][potentials][lj]") {
  LennardJones lj({{LJPair{kKr, kKr, kEpsKr, kSigmaKr, 9.0}, LJPair{kAr, kAr, kEpsAr, kSigmaAr, 8.0}}, false});
  REQUIRE(lj.resolved_pairs().size() == 3);
  const LJPair& mixed = lj.resolved_pairs()[1];  // sorted: Ar-Ar, Ar-Kr, Kr-Kr
  CHECK(mixed.z1 == kAr);
  CHECK(mixed.z2 == kKr);
  CHECK(mixed.sigma == Approx(0.5 * (kSigmaAr + kSigmaKr)).epsilon(1e-15));
  CHECK(mixed.epsilon == Approx(std::sqrt(kEpsAr * kEpsKr)).epsilon(1e-15));
  CHECK(mixed.cutoff == 9.0);
  CHECK(lj.cutoff() == 9.0);
  // The mixed pair is what compute() uses: the unlike dimer at its own 2^(1/6) σ_12 has E = -ε_12.
  const double r = std::pow(2.0, 1.0 / 6.0) * mixed.sigma;
  CHECK(testing::evaluate(lj, dimer(r, kAr, kKr)).energy == Approx(-mixed.epsilon).epsilon(1e-13));
  CHECK(testing::evaluate(lj, dimer(r, kKr, kAr)).energy == Approx(-mixed.epsilon).epsilon(1e-13));

  // An explicit unlike pair overrides mixing (in either order of z1, z2).
  LennardJones explicit_pair({{LJPair{kAr, kAr, kEpsAr, kSigmaAr, 8.0}, LJPair{kKr, kAr, 0.02, 3.0, 7.0},
                               LJPair{kKr, kKr, kEpsKr, kSigmaKr, 9.0}},
                              false});
  CHECK(explicit_pair.pair_energy(kAr, kKr, std::pow(2.0, 1.0 / 6.0) * 3.0) == Approx(-0.02).epsilon(1e-13));
  CHECK(explicit_pair.pair_energy(kAr, kKr, 7.0) == 0.0);
}

TEST_CASE("LJ rejects bad parameters and unknown elements", "[unit][potentials][lj]") {
  using Pairs = std::vector<LJPair>;
  auto make = [](Pairs pairs) { return LennardJones({std::move(pairs), false}); };
  CHECK_THROWS_AS(make({}), InputError);
  CHECK_THROWS_AS(make({{kAr, kAr, 0.0, 3.4, 8}}), InputError);
  CHECK_THROWS_AS(make({{kAr, kAr, 0.01, -3.4, 8}}), InputError);
  CHECK_THROWS_AS(make({{kAr, kAr, 0.01, 3.4, 0}}), InputError);
  CHECK_THROWS_AS(make({{kAr, kAr, 0.01, 3.4, std::nan("")}}), InputError);
  CHECK_THROWS_AS(make({{0, kAr, 0.01, 3.4, 8}}), InputError);
  CHECK_THROWS_AS(make({{kAr, 119, 0.01, 3.4, 8}}), InputError);
  // Duplicates, also with z1 and z2 swapped.
  CHECK_THROWS_WITH(make({{kAr, kKr, 0.01, 3.4, 8}, {kKr, kAr, 0.01, 3.4, 8}, {kAr, kAr, 0.01, 3.4, 8},
                          {kKr, kKr, 0.01, 3.4, 8}}),
                    Catch::Contains("given twice"));
  // An unlike pair that can be neither found nor mixed.
  CHECK_THROWS_WITH(make({{kAr, kAr, 0.01, 3.4, 8}, {kAr, kKr, 0.01, 3.4, 8}}), Catch::Contains("Kr-Kr"));

  auto lj = LennardJones::single(kAr, kEpsAr, kSigmaAr, 8.0);
  CHECK(lj.supports(kAr));
  CHECK_FALSE(lj.supports(kKr));
  CHECK(two_species(false).supported_species() == "Ar, Kr");
  CHECK(lj.name() == "lj");
  CHECK_THROWS_WITH(testing::evaluate(lj, dimer(3.5, kAr, kKr)), Catch::Contains("no parameters for Kr"));
}

TEST_CASE("LJ results with 1 and 2 OpenMP threads agree", "[unit][potentials][lj]") {
  auto lj = two_species(true);
  const core::System s = liquid(600, 21);
  for (const auto kind : {core::NeighborKind::half, core::NeighborKind::full}) {
    const auto one = testing::evaluate_with_threads(lj, s, 1, kind);
    const auto two = testing::evaluate_with_threads(lj, s, 2, kind);
    const auto again = testing::evaluate_with_threads(lj, s, 2, kind);
    testing::check_same_result(one, two, 1e-10, 0.0, "1 vs 2 threads");
    // The same thread count reproduces bit for bit.
    CHECK(two.energy == again.energy);
    CHECK(two.forces == again.forces);
    CHECK(two.virial == again.virial);
  }
}

TEST_CASE("LJ on a slab and on a cluster in vacuum matches the brute-force sum", "[unit][potentials][lj]") {
  auto lj = two_species(false);
  const core::Mat3 h = testing::random_triclinic_cell(40.0 * 50, 41).matrix();
  for (const std::array<bool, 3> pbc : {std::array<bool, 3>{true, true, false}, std::array<bool, 3>{false, false, false}}) {
    INFO("pbc " << pbc[0] << pbc[1] << pbc[2]);
    const core::System s = testing::random_structure({kAr, kKr}, 50, core::Cell(h, pbc), 3.0, 41);
    const auto reference = testing::brute_force_pairs(
        s, lj.cutoff(), [&](int z1, int z2, double r) { return lj_phi(lj, z1, z2, r); });
    testing::check_same_result(reference, testing::evaluate(lj, s, {true, true, true}), 1e-11, 1e-13,
                               "lj vs brute force");
    REQUIRE(margin_to_cutoff(lj, s) > 1e-4);
    testing::check_virial_by_strain(lj, s, 1e-5, 1e-6, 1e-9);
  }
}
