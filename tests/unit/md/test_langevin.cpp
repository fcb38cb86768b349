// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"
#include "md/force_evaluator.hpp"
#include "md/langevin.hpp"
#include "md_testing.hpp"

using namespace ioncycle;
using namespace ioncycle::md;
using namespace ioncycle::md::testing;

TEST_CASE("Langevin keeps the target temperature and Maxwell-Boltzmann kinetic energies",
          "[unit][md][physics][stochastic][slow]") {
  const double target = 60.0;
  auto system = argon_crystal(30.0);
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  Langevin langevin({/*timestep=*/4.0, /*temperature=*/target, /*damping=*/200.0, /*seed=*/11});
  langevin.setup(system, forces);
  for (int s = 0; s < 500; ++s) langevin.step(system, forces);  // 2 ps to equilibrate

  const double dof = langevin.degrees_of_freedom(system);
  REQUIRE(dof == 3.0 * 108);
  std::vector<double> temperatures;
  std::vector<double> atom_kinetic;  // eV, one per atom, every 200 fs (the damping time)
  for (int s = 0; s < 15000; ++s) {  // 60 ps
    langevin.step(system, forces);
    temperatures.push_back(temperature(system, dof));
    if (s % 50 == 0) {
      for (std::size_t i = 0; i < system.num_atoms(); ++i) {
        atom_kinetic.push_back(0.5 * system.masses()[i] * system.velocities()[i].squaredNorm() *
                               units::amu_A2_per_fs2_in_eV);
      }
    }
  }
  const double t_mean = mean(temperatures);
  const double t_error = block_standard_error(temperatures);
  INFO("<T> = " << t_mean << " +- " << t_error << " K");
  REQUIRE(t_error < 0.5);  // enough samples for the test to mean something
  CHECK(std::abs(t_mean - target) < 4.0 * t_error);

  // Each atom's kinetic energy is Gamma(3/2, k_B T) distributed (three independent Gaussian
  // velocity components).
  const double kt = units::boltzmann * target;
  const double d = ks_statistic(atom_kinetic, [kt](double e) { return gamma_three_halves_cdf(e, kt); });
  INFO("KS distance " << d << " for " << atom_kinetic.size() << " samples");
  CHECK(d < ks_critical_001(atom_kinetic.size()));
}

TEST_CASE("BAOAB samples harmonic positions exactly at large time step and friction",
          "[unit][md][physics][stochastic]") {
  // Einstein crystal with ω dt = 1 (half the stability limit). Leimkuhler & Matthews (2013): the
  // BAOAB configurational distribution is exact for harmonic forces at any γ, so k<x²> = k_B T per
  // degree of freedom, although the kinetic temperature is visibly off at this time step.
  const double target = 300.0;
  const double dt = 4.0;
  const double mass = 40.0;
  const double omega = 1.0 / dt;
  const double k = mass * units::amu_A2_per_fs2_in_eV * omega * omega;  // eV/Å²
  auto damping = GENERATE(4.0, 0.4);  // γ dt = 1 and 10 (overdamped)

  core::System system(core::Cell::orthorhombic(20, 20, 20));
  std::vector<core::Vec3> sites;
  for (int i = 0; i < 64; ++i) {
    core::AtomSpec atom;
    atom.z = argon;
    atom.mass = mass;
    atom.position = core::Vec3(i % 4, (i / 4) % 4, i / 16) * 5.0;
    sites.push_back(atom.position);
    system.add_atom(atom);
  }
  HarmonicSites springs(sites, k);
  ForceEvaluator forces(springs, 1.0);
  Langevin langevin({dt, target, damping, /*seed=*/3});
  langevin.setup(system, forces);
  for (int s = 0; s < 1000; ++s) langevin.step(system, forces);

  std::vector<double> configurational;  // k <x²> / k_B per step, K
  std::vector<double> kinetic;
  for (int s = 0; s < 20000; ++s) {
    langevin.step(system, forces);
    double x2 = 0.0;
    for (std::size_t i = 0; i < sites.size(); ++i) x2 += (system.positions()[i] - sites[i]).squaredNorm();
    configurational.push_back(k * x2 / (3.0 * 64 * units::boltzmann));
    kinetic.push_back(temperature(system, 3.0 * 64));
  }
  const double t_conf = mean(configurational);
  const double error = block_standard_error(configurational);
  INFO("damping " << damping << " fs: configurational T = " << t_conf << " +- " << error
                  << " K, kinetic T = " << mean(kinetic) << " K");
  REQUIRE(error < 0.01 * target);
  CHECK(std::abs(t_conf - target) < 4.0 * error);
  // The kinetic temperature is biased at this step (so the check above is not trivial):
  // for BAOAB on a harmonic oscillator <v²> = (k_B T/m) (1 - (ω dt/2)²) at the full steps.
  CHECK(mean(kinetic) == Approx(target * (1.0 - 0.25)).epsilon(0.01));
}

TEST_CASE("Langevin's energy plus exchanged energy is conserved to integration error",
          "[unit][md][physics]") {
  const auto run = [](double dt) {
    auto system = argon_crystal(20.0);  // the thermostat heats it to 60 K
    auto lj = argon_lj();
    ForceEvaluator forces(lj, 1.0);
    Langevin langevin({dt, 60.0, /*damping=*/100.0, /*seed=*/4});
    langevin.setup(system, forces);
    const double e0 = system.kinetic_energy() + forces.potential_energy();
    double max_conserved = 0.0, max_energy = 0.0;
    const auto steps = static_cast<int>(std::lround(2000.0 / dt));
    for (int s = 0; s < steps; ++s) {
      langevin.step(system, forces);
      const double e = system.kinetic_energy() + forces.potential_energy() - e0;
      max_energy = std::max(max_energy, std::abs(e));
      max_conserved = std::max(max_conserved, std::abs(e + langevin.exchanged_energy()));
    }
    return std::pair{max_conserved / 108.0, max_energy / 108.0};
  };
  const auto [conserved4, energy4] = run(4.0);
  const auto [conserved2, energy2] = run(2.0);
  INFO("per atom: max |E + exchanged - E0| " << conserved4 << " (4 fs), " << conserved2
                                             << " (2 fs); max |E - E0| " << energy4);
  CHECK(energy4 > 3e-3);           // the thermostat did move a lot of energy
  CHECK(conserved4 < 1e-5);        // ... all of it accounted for
  CHECK(conserved4 / conserved2 == Approx(4.0).margin(1.5));  // error of a second-order method
}

TEST_CASE("Langevin trajectories are fixed by the seed", "[unit][md][stochastic]") {
  const auto run = [](std::uint64_t seed) {
    auto system = argon_crystal(60.0);
    auto lj = argon_lj();
    ForceEvaluator forces(lj, 1.0);
    Langevin langevin({4.0, 60.0, 100.0, seed});
    langevin.setup(system, forces);
    for (int s = 0; s < 50; ++s) langevin.step(system, forces);
    return std::vector<core::Vec3>(system.positions().begin(), system.positions().end());
  };
  const auto a = run(7);
  const auto b = run(7);
  const auto c = run(8);
  CHECK(a == b);
  CHECK(a != c);
}

TEST_CASE("Langevin counts 3N degrees of freedom and validates its parameters", "[unit][md]") {
  auto system = argon_crystal(60.0);
  Langevin langevin({2.0, 60.0, 100.0, 1});
  CHECK(langevin.degrees_of_freedom(system) == 3.0 * 108);
  system.remove_atoms(std::vector<core::AtomId>{system.ids()[0]});
  CHECK(langevin.degrees_of_freedom(system) == 3.0 * 107);
  CHECK(langevin.target_temperature() == 60.0);
  CHECK_THROWS_AS(Langevin({0.0, 60.0, 100.0, 1}), InputError);
  CHECK_THROWS_AS(Langevin({1.0, -1.0, 100.0, 1}), InputError);
  CHECK_THROWS_AS(Langevin({1.0, 60.0, 0.0, 1}), InputError);
}
