// SPDX-License-Identifier: MIT
//
// The Simulation loop: observers run at step 0, at multiples of their interval and at the last
// step of each run() call, exactly once per step; the thermo table holds consistent numbers;
// inserting atoms between run() calls sets the integrator up again.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/rng.hpp"
#include "md/pressure.hpp"
#include "md/simulation.hpp"
#include "md/thermo_writer.hpp"
#include "md/velocities.hpp"
#include "md/velocity_verlet.hpp"
#include "potentials/lennard_jones.hpp"

using namespace ioncycle;

namespace {

struct Recorder final : md::Observer {
  std::vector<std::int64_t> steps;
  std::vector<double> totals;
  int finished = 0;
  void observe(const md::StepInfo& info, const core::System& /*system*/) override {
    steps.push_back(info.step);
    totals.push_back(info.potential_energy + info.kinetic_energy);
  }
  void finish() override { ++finished; }
};

core::System argon_cube(int n, double a) {
  core::System sys(core::Cell::orthorhombic(n * a, n * a, n * a));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j)
      for (int k = 0; k < n; ++k) {
        core::AtomSpec s;
        s.z = 18;
        s.position = {i * a, j * a, k * a};
        sys.add_atom(s);
      }
  return sys;
}

}  // namespace

TEST_CASE("observers run at step 0, on their interval and at the end of each run", "[unit][md][simulation]") {
  auto lj = potentials::LennardJones::single(18, 0.0104, 3.405, 8.0, true);
  core::System sys = argon_cube(4, 3.8);
  core::Rng rng(1);
  md::assign_maxwell_boltzmann(sys, 50.0, rng);
  md::Simulation sim(sys, lj, std::make_unique<md::VelocityVerlet>(2.0), 1.0);
  Recorder every3, every5;
  sim.add_observer(every3, 3);
  sim.add_observer(every5, 5);
  sim.run(10);
  sim.run(4);
  sim.finish();
  CHECK(every3.steps == std::vector<std::int64_t>{0, 3, 6, 9, 10, 12, 14});
  CHECK(every5.steps == std::vector<std::int64_t>{0, 5, 10, 14});
  CHECK(every3.finished == 1);
  CHECK(sim.step() == 14);
  CHECK(sim.time() == Approx(28.0));
  // Energy conservation as seen by the observer (NVE, small dt).
  for (const double e : every3.totals) CHECK(e == Approx(every3.totals.front()).margin(1e-4));
}

TEST_CASE("the thermo table is consistent with the state it reports", "[unit][md][simulation]") {
  auto lj = potentials::LennardJones::single(18, 0.0104, 3.405, 8.0, true);
  core::System sys = argon_cube(4, 3.8);
  core::Rng rng(2);
  md::assign_maxwell_boltzmann(sys, 80.0, rng);
  md::Simulation sim(sys, lj, std::make_unique<md::VelocityVerlet>(2.0), 1.0);
  std::ostringstream csv;
  md::ThermoWriter thermo(csv);
  sim.add_observer(thermo, 5);
  sim.run(20);
  std::istringstream in(csv.str());
  std::string header, line;
  std::getline(in, header);
  CHECK_THAT(header, Catch::StartsWith("step,time_fs,temperature_K,potential_energy_eV"));
  int rows = 0;
  while (std::getline(in, line)) {
    std::vector<double> v;
    std::stringstream ls(line);
    for (std::string x; std::getline(ls, x, ',');) v.push_back(std::stod(x));
    REQUIRE(v.size() == 21);
    CHECK(v[1] == Approx(2.0 * v[0]));                    // time = step · dt
    CHECK(v[5] == Approx(v[3] + v[4]).epsilon(1e-9));      // total = potential + kinetic
    CHECK(v[7] == Approx((v[8] + v[9] + v[10]) / 3.0));    // scalar pressure = trace / 3
    CHECK(v[14] == Approx(std::pow(4 * 3.8, 3)));          // volume
    ++rows;
  }
  CHECK(rows == 5);  // steps 0, 5, 10, 15, 20
  const auto last = sim.sample();
  CHECK(last.temperature == Approx(md::temperature(sys, 3.0 * 64 - 3)));
  // Steps between rows skip the virial; the pressure reported is still that of a full
  // evaluation of the current state.
  md::ForceEvaluator fresh(lj, 1.0);
  fresh.evaluate(sys, true);
  const core::Mat3 expected = md::pressure_tensor(sys, fresh.virial());
  CHECK((last.pressure - expected).norm() < 1e-12 * expected.norm());
}

TEST_CASE("inserting an atom between runs sets the integrator up again", "[unit][md][simulation]") {
  auto lj = potentials::LennardJones::single(18, 0.0104, 3.405, 8.0, true);
  core::System sys = argon_cube(3, 3.9);
  md::Simulation sim(sys, lj, std::make_unique<md::VelocityVerlet>(2.0), 1.0);
  sim.run(5);
  const double dof_before = sim.integrator().degrees_of_freedom(sys);
  core::AtomSpec s;
  s.z = 18;
  s.position = {1.95, 1.95, 1.95};  // the centre of a cube of the lattice
  sys.add_atom(s);
  sim.run(5);
  CHECK(sim.integrator().degrees_of_freedom(sys) == dof_before + 3);
  // Forces were recomputed for the new atom: it sits at a symmetric site, so its force is ~0,
  // but its neighbours now feel it.
  CHECK(sys.forces().back().norm() < 1e-3);
  CHECK(sim.forces().last_result().forces.size() == sys.num_atoms());
}
