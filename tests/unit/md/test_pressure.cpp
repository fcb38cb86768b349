// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>

#include "core/units.hpp"
#include "md/force_evaluator.hpp"
#include "md/pressure.hpp"
#include "md_testing.hpp"
#include "potentials/lennard_jones.hpp"

using namespace ioncycle;
using namespace ioncycle::md;
using namespace ioncycle::md::testing;

TEST_CASE("the kinetic tensor and the pressure follow P = (sum m v v + W) / V", "[unit][md]") {
  core::System system(core::Cell::orthorhombic(10, 20, 5));  // V = 1000 Å³
  core::AtomSpec a;
  a.z = argon;
  a.mass = 40.0;
  a.velocity = core::Vec3(0.01, 0.0, -0.02);
  system.add_atom(a);
  a.mass = 2.0;
  a.velocity = core::Vec3(0.0, 0.05, 0.05);
  system.add_atom(a);
  const double c = units::amu_A2_per_fs2_in_eV;
  const core::Mat3 k = kinetic_tensor(system);
  CHECK(k(0, 0) == Approx(40.0 * 1e-4 * c));
  CHECK(k(0, 2) == Approx(40.0 * -2e-4 * c));
  CHECK(k(2, 0) == k(0, 2));
  CHECK(k(1, 2) == Approx(2.0 * 25e-4 * c));
  CHECK(k(2, 2) == Approx((40.0 * 4e-4 + 2.0 * 25e-4) * c));
  CHECK(k.trace() == Approx(2.0 * system.kinetic_energy()));

  core::Mat3 w = core::Mat3::Zero();
  w(0, 0) = 0.3;
  w(1, 2) = w(2, 1) = -0.1;
  const core::Mat3 p = pressure_tensor(system, w);
  CHECK(p(0, 0) == Approx((k(0, 0) + 0.3) / 1000.0));
  CHECK(p(1, 2) == Approx((k(1, 2) - 0.1) / 1000.0));
  CHECK(scalar_pressure(p) == Approx((k.trace() + 0.3) / 3000.0));
  CHECK(pressure(system, w) == Approx(scalar_pressure(p)));

  core::System cluster;  // no volume, no pressure
  cluster.add_atom(a);
  CHECK(std::isnan(pressure(cluster, w)));
}

TEST_CASE("the virial is minus the strain derivative of the energy", "[unit][md][physics]") {
  // W_ab = -∂E/∂ε_ab with cell and positions strained together (LAMMPS sign): the barostat and
  // the cell relaxation rely on it. Checked on the test potential and on potentials::LennardJones.
  auto system = fcc(3, 5.30);
  core::Rng rng(3);
  for (auto& x : system.positions()) x += 0.1 * core::Vec3(rng.normal(), rng.normal(), rng.normal());
  BruteForceLj brute(argon_epsilon, argon_sigma, 7.5, LjShift::energy);
  auto library = potentials::LennardJones::single(argon, argon_epsilon, argon_sigma, 7.5, /*shift=*/true);

  const auto energy_at = [&](potentials::Potential& pot, const core::Mat3& strain) {
    core::System s = system;
    const core::Mat3 f = core::Mat3::Identity() + strain;
    s.set_cell(core::Cell(system.cell().matrix() * f.transpose()));
    for (auto& x : s.positions()) x = f * x;
    ForceEvaluator ev(pot, 1.0);
    ev.evaluate(s);
    return ev.potential_energy();
  };
  ForceEvaluator brute_eval(brute, 1.0);
  brute_eval.evaluate(system);
  const core::Mat3 w = brute_eval.virial();
  const double h = 1e-5;
  for (int a = 0; a < 3; ++a) {
    for (int b = a; b < 3; ++b) {
      core::Mat3 e = core::Mat3::Zero();
      // Symmetric strain with e_ab + e_ba = h, so dE = -W_ab h for a symmetric virial.
      e(a, b) = e(b, a) = (a == b ? 1.0 : 0.5) * h;
      const double derivative = (energy_at(brute, e) - energy_at(brute, -e)) / (2.0 * h);
      INFO("component " << a << b);
      CHECK(w(a, b) == Approx(-derivative).margin(1e-7));
    }
  }
  ForceEvaluator library_eval(library, 1.0);
  library_eval.evaluate(system);
  CHECK(library_eval.potential_energy() == Approx(brute_eval.potential_energy()).epsilon(1e-12));
  CHECK((library_eval.virial() - w).norm() < 1e-10 * w.norm());
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    CHECK((library_eval.last_result().forces[i] - brute_eval.last_result().forces[i]).norm() < 1e-12);
  }
}
