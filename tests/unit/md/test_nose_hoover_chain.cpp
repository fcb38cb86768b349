// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"
#include "md/force_evaluator.hpp"
#include "md/nose_hoover_chain.hpp"
#include "md_testing.hpp"

using namespace ioncycle;
using namespace ioncycle::md;
using namespace ioncycle::md::testing;

namespace {

NoseHooverParams params(double dt, double temperature, double damping) {
  NoseHooverParams p;
  p.timestep = dt;
  p.temperature = temperature;
  p.damping = damping;
  return p;
}

// Largest |H' - H'(0)| per atom over `duration` fs, with H' = K + U + extended energy, and the
// largest |E - E(0)| per atom for comparison.
std::pair<double, double> conserved_drift(NoseHooverParams p, double duration) {
  auto system = argon_crystal(30.0);  // the thermostat heats it
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  NoseHooverChain nhc(p);
  nhc.setup(system, forces);
  const auto conserved = [&]() {
    return system.kinetic_energy() + forces.potential_energy() + nhc.extended_energy(system) +
           nhc.exchanged_energy();
  };
  const double h0 = conserved();
  const double e0 = system.kinetic_energy() + forces.potential_energy();
  double max_h = 0.0, max_e = 0.0;
  const auto steps = static_cast<int>(std::lround(duration / p.timestep));
  for (int s = 0; s < steps; ++s) {
    nhc.step(system, forces);
    max_h = std::max(max_h, std::abs(conserved() - h0));
    max_e = std::max(max_e, std::abs(system.kinetic_energy() + forces.potential_energy() - e0));
  }
  const double n = static_cast<double>(system.num_atoms());
  return {max_h / n, max_e / n};
}

}  // namespace

TEST_CASE("Nose-Hoover chains conserve the extended energy", "[unit][md][physics]") {
  const auto [h4, e4] = conserved_drift(params(4.0, 60.0, 100.0), 4000.0);
  const auto [h2, e2] = conserved_drift(params(2.0, 60.0, 100.0), 4000.0);
  INFO("per atom: max |H' - H'0| = " << h4 << " (4 fs), " << h2 << " (2 fs); max |E - E0| = " << e4);
  CHECK(e4 > 3e-3);   // the thermostat moved a lot of energy in and out
  CHECK(h4 < 5e-6);   // stated bound at 4 fs
  CHECK(h4 / h2 == Approx(4.0).margin(1.5));  // second order in dt

  // Every Suzuki–Yoshida order and a longer chain with substeps conserve it as well.
  for (const int order : {1, 5, 7}) {
    auto p = params(4.0, 60.0, 100.0);
    p.yoshida_order = order;
    p.chain_length = 5;
    p.num_substeps = 2;
    const auto [h, e] = conserved_drift(p, 1000.0);
    INFO("order " << order << ": " << h);
    CHECK(h < 5e-6);
  }
}

TEST_CASE("Nose-Hoover chains sample the canonical kinetic energy distribution",
          "[unit][md][physics][stochastic][slow]") {
  const double target = 60.0;
  auto system = argon_crystal(30.0);
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  NoseHooverChain nhc(params(4.0, target, 200.0));
  nhc.setup(system, forces);
  for (int s = 0; s < 1000; ++s) nhc.step(system, forces);

  const double dof = nhc.degrees_of_freedom(system);
  REQUIRE(dof == 3.0 * 108 - 3);
  std::vector<double> temperatures;
  std::vector<double> atom_kinetic;
  for (int s = 0; s < 15000; ++s) {  // 60 ps
    nhc.step(system, forces);
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
  REQUIRE(t_error < 0.5);
  CHECK(std::abs(t_mean - target) < 4.0 * t_error);

  // The total momentum stays zero, so with N equal masses each atom's velocity components have
  // variance (1 - 1/N) k_B T / m: Gamma(3/2, (1 - 1/N) k_B T) kinetic energies.
  const double n = static_cast<double>(system.num_atoms());
  const double theta = units::boltzmann * target * (1.0 - 1.0 / n);
  const double d = ks_statistic(atom_kinetic, [theta](double e) { return gamma_three_halves_cdf(e, theta); });
  INFO("KS distance " << d << " for " << atom_kinetic.size() << " samples");
  CHECK(d < ks_critical_001(atom_kinetic.size()));
}

TEST_CASE("Nose-Hoover chains recount degrees of freedom after atoms are removed", "[unit][md]") {
  auto system = argon_crystal(60.0);
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  NoseHooverChain nhc(params(4.0, 60.0, 100.0));
  nhc.setup(system, forces);
  for (int s = 0; s < 20; ++s) nhc.step(system, forces);
  const double kt = units::boltzmann * 60.0;
  // extended energy = Σ Q v²/2 + N_f kT η_1 + kT Σ η_j: check N_f through the η_1 coefficient.
  const auto coefficient = [&]() {
    double kinetic = 0.0;
    const double tau2 = 100.0 * 100.0;
    for (std::size_t j = 0; j < nhc.eta().size(); ++j) {
      const double q = (j == 0 ? 3.0 * static_cast<double>(system.num_atoms()) - 3.0 : 1.0) * kt * tau2;
      kinetic += 0.5 * q * nhc.eta_velocity()[j] * nhc.eta_velocity()[j];
    }
    double rest = 0.0;
    for (std::size_t j = 1; j < nhc.eta().size(); ++j) rest += kt * nhc.eta()[j];
    return (nhc.extended_energy(system) - kinetic - rest) / (kt * nhc.eta()[0]);
  };
  CHECK(coefficient() == Approx(3.0 * 108 - 3).epsilon(1e-9));
  system.remove_atoms(std::vector<core::AtomId>{system.ids()[7], system.ids()[70]});
  nhc.step(system, forces);  // notices the new topology: forces and N_f recounted
  CHECK(nhc.degrees_of_freedom(system) == 3.0 * 106 - 3);
  CHECK(coefficient() == Approx(3.0 * 106 - 3).epsilon(1e-9));
}

TEST_CASE("Nose-Hoover chains leave a gas at exactly the target temperature alone", "[unit][md]") {
  // Free atoms with 2K = N_f k_B T: the force on the first thermostat, 2K - N_f k_B T, is zero and
  // stays zero (no forces change K), so the particles are never scaled. A wrong N_f in the
  // thermostat's force would heat or cool them.
  auto system = fcc(2, 10.0);
  maxwell_boltzmann(system, 300.0, 2);  // exactly 300 K with 3N - 3 degrees of freedom
  NoInteraction none;
  ForceEvaluator forces(none, 1.0);
  NoseHooverChain nhc(params(2.0, 300.0, 50.0));
  nhc.setup(system, forces);
  const double k0 = system.kinetic_energy();
  for (int s = 0; s < 200; ++s) nhc.step(system, forces);
  CHECK(system.kinetic_energy() == Approx(k0).epsilon(1e-12));
  CHECK(nhc.eta_velocity()[0] == Approx(0.0).margin(1e-15));
  CHECK(nhc.eta_velocity()[1] < 0.0);  // the outer thermostats do move
}

TEST_CASE("Nose-Hoover chain parameters are validated", "[unit][md]") {
  CHECK_THROWS_AS(NoseHooverChain(params(0.0, 60.0, 100.0)), InputError);
  CHECK_THROWS_AS(NoseHooverChain(params(1.0, 0.0, 100.0)), InputError);
  CHECK_THROWS_AS(NoseHooverChain(params(1.0, 60.0, -5.0)), InputError);
  auto p = params(1.0, 60.0, 100.0);
  p.chain_length = 0;
  CHECK_THROWS_AS(NoseHooverChain(p), InputError);
  p = params(1.0, 60.0, 100.0);
  p.yoshida_order = 4;
  CHECK_THROWS_AS(NoseHooverChain(p), InputError);
}
