// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <cmath>

#include "core/error.hpp"
#include "pair_reference.hpp"
#include "potential_checks.hpp"
#include "potentials/morse.hpp"

using namespace ioncycle;
using potentials::Morse;
using potentials::MorsePair;

namespace {

constexpr int kCu = 29;
constexpr int kNi = 28;
// Copper (Girifalco & Weizer, Phys. Rev. 114, 687 (1959)): D0 = 0.3429 eV, α = 1.3588 1/Å,
// r0 = 2.866 Å. The Ni and Cu-Ni entries are plausible values for a two-species test.
constexpr double kD0 = 0.3429;
constexpr double kAlpha = 1.3588;
constexpr double kR0 = 2.866;

Morse two_species(bool shift) {
  return Morse({{MorsePair{kCu, kCu, kD0, kAlpha, kR0, 6.5}, MorsePair{kNi, kNi, 0.4205, 1.4199, 2.780, 6.0},
                 MorsePair{kNi, kCu, 0.38, 1.39, 2.82, 6.2}},
                shift});
}

core::System dimer(double r, int z1 = kCu, int z2 = kCu) {
  core::System s(core::Cell::orthorhombic(30, 30, 30));
  core::AtomSpec a;
  a.z = z1;
  a.position = core::Vec3(1, 2, 3);
  s.add_atom(a);
  a.z = z2;
  a.position = core::Vec3(1, 2, 3) + r * core::Vec3(1, 2, 2) / 3.0;  // not along an axis
  s.add_atom(a);
  return s;
}

core::System metal(int num_atoms, std::uint64_t seed) {
  // fcc copper has ~12 Å³ per atom; random positions need more room (random sequential addition jams).
  const core::Cell cell = testing::random_triclinic_cell(20.0 * num_atoms, seed);
  return testing::random_structure({kCu, kNi}, num_atoms, cell, 2.1, seed);
}

std::pair<double, double> morse_phi(const Morse& m, int z1, int z2, double r) {
  for (const MorsePair& p : m.resolved_pairs()) {
    if (!((p.z1 == z1 && p.z2 == z2) || (p.z1 == z2 && p.z2 == z1))) continue;
    if (r >= p.cutoff) return {0.0, 0.0};
    auto e = [&](double x) { return p.d0 * (std::exp(-2 * p.alpha * (x - p.r0)) - 2 * std::exp(-p.alpha * (x - p.r0))); };
    const double de = p.d0 * (-2 * p.alpha * std::exp(-2 * p.alpha * (r - p.r0)) + 2 * p.alpha * std::exp(-p.alpha * (r - p.r0)));
    return {e(r) - (m.shifted() ? e(p.cutoff) : 0.0), de};
  }
  FAIL("no pair");
  return {0, 0};
}

double margin_to_cutoff(const Morse& m, const core::System& s) {
  return testing::closest_approach_to_cutoff(s, m.cutoff() + 0.1, [&](int z1, int z2) {
    for (const MorsePair& p : m.resolved_pairs()) {
      if ((p.z1 == z1 && p.z2 == z2) || (p.z1 == z2 && p.z2 == z1)) return p.cutoff;
    }
    return 0.0;
  });
}

}  // namespace

TEST_CASE("Morse dimer: minimum -D0 at r0, E(r) and force of the LAMMPS form", "[unit][potentials][morse]") {
  auto morse = Morse::single(kCu, kD0, kAlpha, kR0, 6.5);
  const auto at_min = testing::evaluate(morse, dimer(kR0), {true, true, true});
  CHECK(at_min.energy == Approx(-kD0).epsilon(1e-14));
  CHECK(at_min.forces[0].norm() < 1e-14);
  CHECK(at_min.per_atom_energy[1] == Approx(-0.5 * kD0).epsilon(1e-14));

  // E = 0 where e^{-α(r-r0)} = 2, i.e. r = r0 - ln 2 / α; there dE/dr = 2αD0(u - u²) = -4αD0.
  const double r_zero = kR0 - std::log(2.0) / kAlpha;
  const auto at_zero = testing::evaluate(morse, dimer(r_zero), {true, true, false});
  CHECK(std::abs(at_zero.energy) < 1e-14);
  const core::Vec3 unit = core::Vec3(1, 2, 2) / 3.0;
  CHECK(at_zero.forces[1].dot(unit) == Approx(4 * kAlpha * kD0).epsilon(1e-13));  // repulsive, pushes atom 1 out
  CHECK((at_zero.forces[1] + at_zero.forces[0]).norm() < 1e-15);
  // Virial = r |F| û ⊗ û.
  const core::Mat3 expected = r_zero * 4 * kAlpha * kD0 * unit * unit.transpose();
  CHECK((at_zero.virial - expected).cwiseAbs().maxCoeff() < 1e-13);

  // A far point: E = D0 (u² - 2u) with u = e^{-α(5 - r0)}.
  const double u = std::exp(-kAlpha * (5.0 - kR0));
  CHECK(morse.pair_energy(kCu, kCu, 5.0) == Approx(kD0 * (u * u - 2 * u)).epsilon(1e-14));
  CHECK(morse.pair_energy(kCu, kCu, 6.5) == 0.0);
}

TEST_CASE("Morse matches a brute-force lattice sum on a small triclinic cell", "[unit][potentials][morse]") {
  for (const bool shift : {false, true}) {
    auto morse = two_species(shift);
    const core::System s = metal(40, 3);
    REQUIRE(s.cell().heights().minCoeff() < 2 * morse.cutoff());
    const auto reference = testing::brute_force_pairs(
        s, morse.cutoff(), [&](int z1, int z2, double r) { return morse_phi(morse, z1, z2, r); });
    for (const auto kind : {core::NeighborKind::half, core::NeighborKind::full}) {
      INFO("shift " << shift << ", " << (kind == core::NeighborKind::half ? "half" : "full") << " list");
      testing::check_same_result(reference, testing::evaluate(morse, s, {true, true, true}, kind), 1e-11, 1e-13,
                                 "morse vs brute force");
    }
  }
}

TEST_CASE("Morse forces are minus the energy gradient", "[unit][potentials][morse]") {
  for (const bool shift : {false, true}) {
    INFO("shift " << shift);
    auto morse = two_species(shift);
    const core::System s = metal(40, 5);
    REQUIRE(margin_to_cutoff(morse, s) > 2e-4);  // no pair crosses its cutoff within ±h
    testing::check_forces_by_central_difference(morse, s, 1e-4, 1e-6, 1e-9);
  }
}

TEST_CASE("Morse virial is the strain derivative of the energy on triclinic cells", "[unit][potentials][morse]") {
  for (const std::uint64_t seed : {7u, 8u}) {
    auto morse = two_species(seed == 8u);
    const core::System s = metal(40, seed);
    REQUIRE(margin_to_cutoff(morse, s) > 1e-4);  // a strain of ±1e-5 moves pairs by < 1e-4 Å
    testing::check_virial_by_strain(morse, s, 1e-5, 1e-6, 1e-9);
  }
}

TEST_CASE("Morse symmetries, half vs full list, and thread counts", "[unit][potentials][morse]") {
  auto morse = two_species(true);
  testing::check_symmetries(morse, metal(60, 11), 11, 1e-11, 1e-13);

  const core::System s = metal(400, 12);
  const potentials::ForceRequest all{true, true, true};
  testing::check_same_result(testing::evaluate(morse, s, all, core::NeighborKind::half),
                             testing::evaluate(morse, s, all, core::NeighborKind::full), 1e-12, 1e-14, "half vs full");
  testing::check_same_result(testing::evaluate_with_threads(morse, s, 1), testing::evaluate_with_threads(morse, s, 2),
                             1e-10, 0.0, "1 vs 2 threads");
}

TEST_CASE("Morse shift makes the energy continuous at the cutoff", "[unit][potentials][morse]") {
  auto plain = Morse::single(kCu, kD0, kAlpha, kR0, 5.0, false);
  auto shifted = Morse::single(kCu, kD0, kAlpha, kR0, 5.0, true);
  const double u = std::exp(-kAlpha * (5.0 - kR0));
  const double e_rc = kD0 * (u * u - 2 * u);
  CHECK(testing::evaluate(plain, dimer(5.0 - 1e-10)).energy == Approx(e_rc).epsilon(1e-8));
  CHECK(std::abs(testing::evaluate(shifted, dimer(5.0 - 1e-10)).energy) < 1e-10);
  CHECK(testing::evaluate(shifted, dimer(5.0 + 1e-10)).energy == 0.0);
  // Forces do not depend on the shift.
  const auto a = testing::evaluate(plain, dimer(3.3));
  const auto b = testing::evaluate(shifted, dimer(3.3));
  CHECK(a.forces[0] == b.forces[0]);
  CHECK(b.energy == Approx(a.energy - e_rc).epsilon(1e-14));
}

TEST_CASE("Morse needs every element pair and positive parameters", "[unit][potentials][morse]") {
  using Pairs = std::vector<MorsePair>;
  auto make = [](Pairs pairs) { return Morse({std::move(pairs), false}); };
  CHECK_THROWS_AS(make({}), InputError);
  CHECK_THROWS_AS(make({{kCu, kCu, 0.0, 1.3, 2.8, 6}}), InputError);
  CHECK_THROWS_AS(make({{kCu, kCu, 0.3, -1.3, 2.8, 6}}), InputError);
  CHECK_THROWS_AS(make({{kCu, kCu, 0.3, 1.3, 0.0, 6}}), InputError);
  CHECK_THROWS_AS(make({{kCu, kCu, 0.3, 1.3, 2.8, 0}}), InputError);
  CHECK_THROWS_AS(make({{-1, kCu, 0.3, 1.3, 2.8, 6}}), InputError);
  CHECK_THROWS_WITH(make({{kCu, kCu, 0.3, 1.3, 2.8, 6}, {kCu, kCu, 0.3, 1.3, 2.8, 6}}), Catch::Contains("given twice"));
  // No mixing: both like pairs without the unlike one is an error naming it.
  CHECK_THROWS_WITH(make({{kCu, kCu, 0.3, 1.3, 2.8, 6}, {kNi, kNi, 0.3, 1.3, 2.8, 6}}), Catch::Contains("Ni-Cu"));
  auto morse = two_species(false);
  CHECK(morse.supported_species() == "Ni, Cu");
  CHECK(morse.cutoff() == 6.5);
  CHECK(morse.name() == "morse");
  CHECK(morse.resolved_pairs().size() == 3);
  CHECK_THROWS_AS(testing::evaluate(morse, dimer(2.5, kCu, 30)), InputError);
}
