// SPDX-License-Identifier: MIT
//
// The acceptance case of the MD engine: Tersoff graphene (BNC.tersoff from Debian's lammps-data,
// the carbon parameters of Lindsay & Broido, PRB 81, 205441 (2010)) at 300 K, dt = 0.5 fs,
// 20,000 steps of velocity Verlet. The total energy may not drift by more than 1e-4 eV/atom, and
// running back with flipped velocities returns to the start.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/rng.hpp"
#include "core/system.hpp"
#include "md/force_evaluator.hpp"
#include "md/integrator.hpp"
#include "md/velocities.hpp"
#include "md/velocity_verlet.hpp"
#include "md_testing.hpp"
#include "potentials/tersoff.hpp"

using namespace ioncycle;

namespace {

constexpr const char* kBnc = "/usr/share/lammps/potentials/BNC.tersoff";

// Graphene, rectangular 4-atom cell (a = 2.46 Å, C–C 1.42 Å) repeated nx × ny, 20 Å of vacuum
// along z (non-periodic in effect: the layer never sees its image at the Tersoff cutoff).
core::System graphene(int nx, int ny) {
  const double a = 2.46, b = a * std::sqrt(3.0);
  core::System sys(core::Cell::orthorhombic(nx * a, ny * b, 20.0));
  const double basis[4][2] = {{0.0, 0.0}, {0.5 * a, b / 6.0}, {0.5 * a, 0.5 * b}, {0.0, 2.0 * b / 3.0}};
  for (int i = 0; i < nx; ++i)
    for (int j = 0; j < ny; ++j)
      for (const auto& p : basis) {
        core::AtomSpec s;
        s.z = 6;
        s.position = {i * a + p[0], j * b + p[1], 10.0};
        sys.add_atom(s);
      }
  return sys;
}

}  // namespace

TEST_CASE("NVE Tersoff graphene at 300 K conserves energy over 20,000 steps of 0.5 fs",
          "[unit][md][physics][tersoff][slow]") {
  auto tersoff = potentials::Tersoff::from_file(kBnc, {"C"});
  core::System sys = graphene(4, 3);  // 48 atoms
  core::Rng rng(2024);
  md::assign_maxwell_boltzmann(sys, 300.0, rng);
  md::ForceEvaluator forces(tersoff, 1.0);
  md::VelocityVerlet vv(0.5);
  vv.setup(sys, forces);
  const double n = static_cast<double>(sys.num_atoms());
  const double e0 = forces.potential_energy() + sys.kinetic_energy();
  // Drift: the mean total energy of the last 2,000 steps against that of the first 2,000 (the
  // oscillation of E around its mean, a property of the time step, averages out); the largest
  // excursion is bounded separately.
  double worst = 0.0, t_mean = 0.0, first = 0.0, last = 0.0;
  for (int k = 1; k <= 20000; ++k) {
    vv.step(sys, forces);
    const double e = forces.potential_energy() + sys.kinetic_energy();
    if (k <= 2000) first += e / 2000.0;
    if (k > 18000) last += e / 2000.0;
    if (k % 100 == 0) {
      worst = std::max(worst, std::abs(e - e0) / n);
      t_mean += md::temperature(sys, vv.degrees_of_freedom(sys)) / 200.0;
    }
  }
  const double drift = std::abs(last - first) / n;
  INFO("drift " << drift << " eV/atom; largest |E - E0| " << worst << " eV/atom; mean T " << t_mean << " K");
  CHECK(drift < 1e-4);
  CHECK(worst < 2e-4);
  // The run did something: graphene equipartitions, so T settles near 150 K from 300 K of
  // purely kinetic start.
  CHECK(t_mean > 100.0);
  CHECK(t_mean < 250.0);
}

TEST_CASE("velocity Verlet with Tersoff retraces its path when the velocities are flipped", "[unit][md][physics][tersoff]") {
  auto tersoff = potentials::Tersoff::from_file(kBnc, {"C"});
  const auto r = md::testing::retrace(tersoff, graphene(3, 2), 600.0, 0.5, 2000);
  CHECK(r.moved > 0.05);  // it really went somewhere
  const double back = r.position_error, vback = r.velocity_error;
  INFO("max position error " << back << " Å, velocity error " << vback << " Å/fs");
  CHECK(back < 1e-8);
  CHECK(vback < 1e-9);
}
