// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "md/force_evaluator.hpp"
#include "md/velocity_verlet.hpp"
#include "md_testing.hpp"

using namespace ioncycle;
using namespace ioncycle::md;
using namespace ioncycle::md::testing;

namespace {

// 108 argon atoms in fcc at 40 K with a force-shifted LJ (smooth at the cutoff, so the energy
// error is the integrator's alone).
struct EnergyTrace {
  std::vector<double> total;  // eV
};

EnergyTrace run_nve(double dt, double duration) {
  auto system = argon_crystal(40.0);
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  VelocityVerlet verlet(dt);
  verlet.setup(system, forces);
  EnergyTrace trace;
  trace.total.push_back(system.kinetic_energy() + forces.potential_energy());
  const auto steps = static_cast<int>(std::lround(duration / dt));
  for (int s = 0; s < steps; ++s) {
    verlet.step(system, forces);
    trace.total.push_back(system.kinetic_energy() + forces.potential_energy());
  }
  return trace;
}

double rms_deviation(const std::vector<double>& e) {
  const double m = mean(e);
  double s = 0.0;
  for (const double x : e) s += (x - m) * (x - m);
  return std::sqrt(s / static_cast<double>(e.size()));
}

}  // namespace

TEST_CASE("velocity Verlet conserves energy with an error that scales as dt^2", "[unit][md][physics]") {
  // 2 ps of an argon crystal (vibrational period ~0.5 ps) at dt = 8, 4 and 2 fs.
  const double duration = 2000.0;
  const auto coarse = run_nve(8.0, duration);
  const auto fine = run_nve(4.0, duration);
  const auto finest = run_nve(2.0, duration);
  const double n = 108.0;

  // Stated bound: at dt = 4 fs the total energy stays within 5e-6 eV/atom of its start (the
  // kinetic energy is ~5e-3 eV/atom), and shows no drift between the two halves of the run.
  double max_dev = 0.0;
  for (const double e : fine.total) max_dev = std::max(max_dev, std::abs(e - fine.total.front()));
  INFO("max |E - E0| per atom at 4 fs: " << max_dev / n << " eV");
  CHECK(max_dev / n < 5e-6);
  const std::size_t half = fine.total.size() / 2;
  const double first = mean(std::vector<double>(fine.total.begin(), fine.total.begin() + static_cast<long>(half)));
  const double second = mean(std::vector<double>(fine.total.begin() + static_cast<long>(half), fine.total.end()));
  CHECK(std::abs(second - first) / n < 2e-6);

  // Symplectic second order: the energy fluctuation shrinks by 4 when dt halves.
  const double r1 = rms_deviation(coarse.total) / rms_deviation(fine.total);
  const double r2 = rms_deviation(fine.total) / rms_deviation(finest.total);
  INFO("rms ratios 8/4 fs: " << r1 << ", 4/2 fs: " << r2);
  CHECK(r1 == Approx(4.0).margin(0.6));
  CHECK(r2 == Approx(4.0).margin(0.6));
}

TEST_CASE("velocity Verlet retraces its path when the velocities are flipped", "[unit][md][physics]") {
  auto system = argon_crystal(40.0);
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  VelocityVerlet verlet(4.0);
  const std::vector<core::Vec3> x0(system.positions().begin(), system.positions().end());
  const std::vector<core::Vec3> v0(system.velocities().begin(), system.velocities().end());
  verlet.setup(system, forces);
  const int steps = 250;  // 1 ps
  for (int s = 0; s < steps; ++s) verlet.step(system, forces);
  double moved = 0.0;
  for (std::size_t i = 0; i < x0.size(); ++i) moved = std::max(moved, (system.positions()[i] - x0[i]).norm());
  REQUIRE(moved > 0.05);  // the atoms did go somewhere
  for (auto& v : system.velocities()) v = -v;
  for (int s = 0; s < steps; ++s) verlet.step(system, forces);
  double dx = 0.0, dv = 0.0;
  for (std::size_t i = 0; i < x0.size(); ++i) {
    dx = std::max(dx, (system.positions()[i] - x0[i]).norm());
    dv = std::max(dv, (system.velocities()[i] + v0[i]).norm());
  }
  INFO("largest return error " << dx << " A, " << dv << " A/fs");
  CHECK(dx < 1e-9);
  CHECK(dv < 1e-11);
}

TEST_CASE("velocity Verlet counts 3N - 3 degrees of freedom and recounts after removal",
          "[unit][md]") {
  auto system = argon_crystal(40.0);
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  VelocityVerlet verlet(2.0);
  verlet.setup(system, forces);
  CHECK(verlet.degrees_of_freedom(system) == 3.0 * 108 - 3);
  CHECK(verlet.exchanged_energy() == 0.0);
  CHECK(verlet.extended_energy(system) == 0.0);
  for (int s = 0; s < 5; ++s) verlet.step(system, forces);

  const std::vector<core::AtomId> gone{system.ids()[3], system.ids()[50]};
  system.remove_atoms(gone);
  CHECK(verlet.degrees_of_freedom(system) == 3.0 * 106 - 3);
  // step() notices the new topology and re-evaluates the forces before moving atoms.
  verlet.step(system, forces);
  const double e_after = system.kinetic_energy() + forces.potential_energy();
  for (int s = 0; s < 50; ++s) verlet.step(system, forces);
  CHECK(std::abs(system.kinetic_energy() + forces.potential_energy() - e_after) < 1e-3);
  CHECK(verlet.num_steps() == 56);
}

TEST_CASE("velocity Verlet rejects a non-positive time step", "[unit][md]") {
  CHECK_THROWS_AS(VelocityVerlet(0.0), ioncycle::InputError);
  CHECK_THROWS_AS(VelocityVerlet(-1.0), ioncycle::InputError);
}
