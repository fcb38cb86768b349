// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/units.hpp"
#include "md/fire.hpp"
#include "md/force_evaluator.hpp"
#include "md/pressure.hpp"
#include "md_testing.hpp"

using namespace ioncycle;
using namespace ioncycle::md;
using namespace ioncycle::md::testing;

namespace {

void displace(core::System& system, double amplitude, std::uint64_t seed) {
  core::Rng rng(seed);
  for (auto& x : system.positions()) {
    x += amplitude * core::Vec3(rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1));
  }
}

// Static energy per atom and pressure of a perfect fcc crystal of lattice constant a.
double fcc_energy(double a) {
  auto system = fcc(3, a);
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  forces.evaluate(system);
  return forces.potential_energy() / 108.0;
}

double fcc_pressure(double a) {
  auto system = fcc(3, a);
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  forces.evaluate(system);
  return pressure(system, forces.virial());
}

// Lattice constant where the static pressure equals p (bisection; P decreases with a).
double lattice_constant_at(double p) {
  double lo = 5.0, hi = 5.6;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (fcc_pressure(mid) > p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

TEST_CASE("FIRE finds the Lennard-Jones 13-atom icosahedron", "[unit][md][physics]") {
  // The global minimum of LJ13 is the centred icosahedron, E = -44.326801 ε (Wales & Doye,
  // J. Phys. Chem. A 101, 5111 (1997)). Full potential, no cutoff, cluster in vacuum.
  const double phi = 0.5 * (1.0 + std::sqrt(5.0));
  std::vector<core::Vec3> vertices;
  for (const double s1 : {-1.0, 1.0}) {
    for (const double s2 : {-1.0, 1.0}) {
      vertices.emplace_back(0.0, s1, s2 * phi);
      vertices.emplace_back(s1, s2 * phi, 0.0);
      vertices.emplace_back(s2 * phi, 0.0, s1);
    }
  }
  core::System cluster;  // no cell, no periodicity
  const double radius = 1.05 * argon_sigma;
  core::AtomSpec atom;
  atom.z = argon;
  cluster.add_atom(atom);
  for (const auto& v : vertices) {
    atom.position = radius * v.normalized();
    cluster.add_atom(atom);
  }
  displace(cluster, 0.15, 4);
  BruteForceLj lj(argon_epsilon, argon_sigma, std::numeric_limits<double>::infinity(), LjShift::none);
  ForceEvaluator forces(lj, 1.0);
  FireOptions options;
  options.force_tolerance = 1e-6;
  options.max_steps = 5000;
  const auto report = FireMinimizer(options).minimize(cluster, forces);
  INFO("steps " << report.num_steps << ", E = " << report.energy / argon_epsilon << " eps, max |F| "
                << report.max_force);
  CHECK(report.converged);
  CHECK(report.stop_reason == "converged");
  CHECK(report.max_force <= 1e-6);
  CHECK(report.energy / argon_epsilon == Approx(-44.326801).epsilon(1e-7));
  CHECK(report.energy == forces.potential_energy());
  // FIRE's point is speed: with the mixing turned the wrong way or without the time-step growth
  // this takes 170-210 steps instead of about 120.
  CHECK(report.num_steps < 150);
}

TEST_CASE("FIRE relaxes a perturbed crystal back to the perfect lattice", "[unit][md][physics]") {
  auto system = fcc(3, 5.30);
  const std::vector<core::Vec3> perfect(system.positions().begin(), system.positions().end());
  displace(system, 0.2, 9);
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  FireOptions options;
  options.force_tolerance = 1e-5;
  const auto report = FireMinimizer(options).minimize(system, forces);
  INFO("steps " << report.num_steps << ", max |F| " << report.max_force);
  REQUIRE(report.converged);
  CHECK(report.num_steps < 115);  // about 100; 125-145 with a broken mixing or time-step growth
  CHECK(report.energy / 108.0 == Approx(fcc_energy(5.30)).epsilon(1e-8));
  // The same lattice up to a rigid translation (the centre of mass is free).
  const core::Vec3 shift = system.positions()[0] - perfect[0];
  double worst = 0.0;
  for (std::size_t i = 0; i < perfect.size(); ++i) {
    worst = std::max(worst, (system.positions()[i] - shift - perfect[i]).norm());
  }
  CHECK(worst < 1e-3);
  CHECK(system.cell().matrix() == fcc(3, 5.30).cell().matrix());  // fixed cell untouched
}

TEST_CASE("FIRE with cell relaxation reaches zero stress at the equilibrium lattice constant",
          "[unit][md][physics]") {
  auto system = fcc(3, 5.20);  // compressed: about 2.3 kbar
  displace(system, 0.05, 2);
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  FireOptions options;
  options.force_tolerance = 1e-5;
  options.stress_tolerance = 1.0 * units::bar;
  for (const char axis : {'x', 'y', 'z'}) {
    AxisGroup g;
    g.axes[static_cast<std::size_t>(axis - 'x')] = true;
    options.cell_groups.push_back(g);  // each axis on its own, target 0
  }
  const auto report = FireMinimizer(options).minimize(system, forces);
  const double a0 = lattice_constant_at(0.0);
  const core::Vec3 lengths = system.cell().lengths() / 3.0;
  const core::Mat3 p = pressure_tensor(system, forces.virial()) - kinetic_tensor(system) / system.cell().volume();
  INFO("steps " << report.num_steps << ", a = " << lengths.transpose() << " (expected " << a0 << "), P diag "
                << p.diagonal().transpose() / units::bar << " bar");
  REQUIRE(report.converged);
  CHECK(report.num_steps < 150);  // about 120; 160-340 with a broken mixing or time-step growth
  for (int a = 0; a < 3; ++a) {
    CHECK(std::abs(p(a, a)) <= 1.0 * units::bar);
    CHECK(lengths[a] == Approx(a0).epsilon(1e-4));
  }
  CHECK(report.max_stress_error <= 1.0 * units::bar);
  CHECK(report.volume == Approx(std::pow(3.0 * a0, 3)).epsilon(3e-4));
}

TEST_CASE("FIRE cell relaxation honours a fixed axis and a target pressure", "[unit][md][physics]") {
  auto system = fcc(3, 5.30);
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  const double target = 1000.0 * units::bar;
  FireOptions options;
  options.force_tolerance = 1e-5;
  options.stress_tolerance = 1.0 * units::bar;
  AxisGroup xy;
  xy.axes = {true, true, false};  // x and y together, z fixed
  xy.pressure = target;
  options.cell_groups = {xy};
  const double lz = system.cell().matrix()(2, 2);
  const auto report = FireMinimizer(options).minimize(system, forces);
  REQUIRE(report.converged);
  const core::Mat3 w = forces.virial() / system.cell().volume();
  INFO("P_xx " << w(0, 0) / units::bar << " P_yy " << w(1, 1) / units::bar << " P_zz " << w(2, 2) / units::bar);
  CHECK(system.cell().matrix()(2, 2) == lz);  // exactly
  CHECK(0.5 * (w(0, 0) + w(1, 1)) == Approx(target).epsilon(1e-3));
  CHECK(system.cell().matrix()(0, 0) == Approx(system.cell().matrix()(1, 1)).epsilon(1e-12));
  CHECK(system.cell().matrix()(0, 0) < 3 * 5.30);  // 1 kbar is above the 360 bar it started at
}

TEST_CASE("FIRE limits the step, stops at max_steps and reports honestly", "[unit][md]") {
  auto system = fcc(3, 5.30);
  displace(system, 0.3, 1);
  const std::vector<core::Vec3> start(system.positions().begin(), system.positions().end());
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  FireOptions options;
  options.force_tolerance = 1e-5;
  options.max_steps = 10;
  options.max_step = 0.001;
  options.timestep = 10.0;
  options.max_timestep = 20.0;
  const auto report = FireMinimizer(options).minimize(system, forces);
  CHECK_FALSE(report.converged);
  CHECK(report.stop_reason == "max_steps");
  CHECK(report.num_steps == 10);
  double moved = 0.0;
  for (std::size_t i = 0; i < start.size(); ++i) moved = std::max(moved, (system.positions()[i] - start[i]).norm());
  CHECK(moved <= 10 * 0.001 + 1e-12);
  CHECK(moved > 0.5 * 10 * 0.001);

  // Already relaxed: no step at all.
  auto perfect = fcc(3, 5.30);
  const auto none = FireMinimizer(FireOptions{}).minimize(perfect, forces);
  CHECK(none.converged);
  CHECK(none.num_steps == 0);

  CHECK_THROWS_AS(FireMinimizer([] { FireOptions o; o.force_tolerance = 0.0; return o; }()), InputError);
  CHECK_THROWS_AS(FireMinimizer([] { FireOptions o; o.max_timestep = 0.5; return o; }()), InputError);
}
