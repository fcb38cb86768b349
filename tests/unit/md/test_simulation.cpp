// SPDX-License-Identifier: MIT
//
// The Simulation loop: observers run at step 0, at multiples of their interval and at the last
// step of each run() call, exactly once per step; the thermo table holds consistent numbers;
// inserting atoms between run() calls sets the integrator up again. Resuming: a run stopped by
// its stop flag, or checkpointed (io::write_checkpoint), reset and restored into a new
// Simulation, continues bit for bit as the uninterrupted run does, with atoms inserted and
// removed on the way, and its observers see every step once; reset_forces() leaves the neighbor
// list a fresh build would make; thermostats take a new target temperature.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/neighbor_list.hpp"
#include "core/rng.hpp"
#include "core/units.hpp"
#include "io/checkpoint.hpp"
#include "md/cell_rescaling.hpp"
#include "md/langevin.hpp"
#include "md/nose_hoover_chain.hpp"
#include "md/pressure.hpp"
#include "md/simulation.hpp"
#include "md/thermo_writer.hpp"
#include "md/velocities.hpp"
#include "md/velocity_verlet.hpp"
#include "potentials/lennard_jones.hpp"
#include "testing.hpp"

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

namespace {

// Positions, velocities, forces, ids and cell, compared bit for bit (operator== on doubles).
struct Snapshot {
  std::vector<core::Vec3> x, v, f;
  std::vector<core::AtomId> ids;
  core::Mat3 cell;
  bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const core::System& s) {
  return {{s.positions().begin(), s.positions().end()},
          {s.velocities().begin(), s.velocities().end()},
          {s.forces().begin(), s.forces().end()},
          {s.ids().begin(), s.ids().end()},
          s.cell().matrix()};
}

// Observer that records every step it sees with the conserved energy there, and whether it was
// told it is the last step of a run() call.
struct StepLog final : md::Observer {
  std::vector<std::int64_t> steps;
  std::vector<double> conserved;
  std::vector<bool> last;
  void observe(const md::StepInfo& info, const core::System& /*system*/) override {
    steps.push_back(info.step);
    conserved.push_back(info.conserved_energy);
    last.push_back(info.is_last);
  }
};

using IntegratorFactory = std::function<std::unique_ptr<md::Integrator>()>;

std::unique_ptr<md::StochasticCellRescaling> xy_z_barostat() {
  md::CellRescalingParams p;
  md::AxisGroup xy, z;
  xy.axes = {true, true, false};
  z.axes = {false, false, true};
  xy.pressure = z.pressure = 100.0 * units::bar;
  p.groups = {xy, z};
  p.damping = 200.0;
  p.compressibility = 1.0 / (2.0 * units::GPa);
  return std::make_unique<md::StochasticCellRescaling>(p, 5);
}

// The edits a cycling run makes between MD chunks: remove the atom with id `gone`, insert an
// argon atom at the centre of a cube of the lattice (with a velocity of its own).
void exchange_atoms(core::System& sys, core::AtomId gone, int cube) {
  const core::AtomId doomed[] = {gone};
  sys.remove_atoms(doomed);
  core::AtomSpec a;
  a.z = 18;
  a.position = core::Vec3(1.9 + 3.8 * cube, 1.9 + 3.8 * (cube % 2), 1.9 + 3.8 * (cube % 3));
  a.velocity = core::Vec3(1e-3, -2e-3, 5e-4);
  (void)sys.add_atom(a);
}

potentials::LennardJones argon_lj() { return potentials::LennardJones::single(18, 0.0104, 3.405, 8.0, true); }

// Run A: 4 chunks of `chunk` steps with atoms exchanged after chunks 1 and 3, a checkpoint (and
// reset_forces) after chunk 2. Run B: restored from that checkpoint file into a new System and a
// new Simulation, it runs chunks 3 and 4 with the same exchange. Everything must agree bit for bit.
void check_resume_is_bit_identical(const IntegratorFactory& make) {
  const std::string dir = testing::temp_dir("simulation-resume");
  const std::string path = dir + "/checkpoint.h5";
  constexpr std::int64_t chunk = 25;
  auto lj_a = argon_lj();
  core::System a = argon_cube(4, 3.8);
  core::Rng rng(7);
  md::assign_maxwell_boltzmann(a, 90.0, rng);
  md::Simulation sim_a(a, lj_a, make(), 1.0);
  StepLog log_a;
  sim_a.add_observer(log_a, 7);
  sim_a.run(chunk);
  exchange_atoms(a, 5, 1);
  sim_a.run(chunk);
  sim_a.reset_forces();
  {
    io::CheckpointData cp;
    cp.system = a;
    const md::IntegratorState state = sim_a.integrator().save();
    cp.values = state.values;
    cp.rngs = state.rngs;
    cp.integers["simulation.step"] = sim_a.step();
    cp.values["simulation.time"] = {sim_a.time()};
    io::write_checkpoint(path, cp);
  }
  const std::size_t observed_before = log_a.steps.size();
  sim_a.run(chunk);
  exchange_atoms(a, 17, 2);
  sim_a.run(chunk);

  const io::CheckpointData cp = io::read_checkpoint(path);
  auto lj_b = argon_lj();
  core::System b = cp.system;
  md::Simulation sim_b(b, lj_b, make(), 1.0);
  StepLog log_b;
  sim_b.add_observer(log_b, 7);
  sim_b.integrator().restore(md::IntegratorState{cp.values, cp.rngs});
  sim_b.set_clock(cp.integers.at("simulation.step"), cp.values.at("simulation.time").at(0));
  sim_b.reset_forces();
  sim_b.run(chunk);
  exchange_atoms(b, 17, 2);
  sim_b.run(chunk);

  CHECK(sim_b.step() == sim_a.step());
  CHECK(sim_b.time() == sim_a.time());
  CHECK(b.next_id() == a.next_id());
  CHECK(snapshot(b) == snapshot(a));
  CHECK(sim_b.integrator().save() == sim_a.integrator().save());
  CHECK(sim_b.integrator().exchanged_energy() == sim_a.integrator().exchanged_energy());
  // The resumed observer continues where the first one was at the checkpoint: no step twice
  // (the checkpoint's own step was observed before it was written), none missing, same values.
  const std::vector<std::int64_t> tail_steps(log_a.steps.begin() + static_cast<std::ptrdiff_t>(observed_before),
                                             log_a.steps.end());
  const std::vector<double> tail_energy(log_a.conserved.begin() + static_cast<std::ptrdiff_t>(observed_before),
                                        log_a.conserved.end());
  CHECK(log_b.steps == tail_steps);
  CHECK(log_b.conserved == tail_energy);
  CHECK(log_b.steps.front() > cp.integers.at("simulation.step"));
  // And the atoms did move and change after the checkpoint (not a comparison of unmoved states).
  CHECK(snapshot(b).x != snapshot(cp.system).x);
  CHECK(b.ids().back() == cp.system.next_id());
  std::filesystem::remove_all(dir);
}

}  // namespace

TEST_CASE("a run checkpointed, reset and restored into a new Simulation continues bit for bit",
          "[unit][md][simulation][resume]") {
  SECTION("Langevin") {
    check_resume_is_bit_identical(
        [] { return std::make_unique<md::Langevin>(md::LangevinParams{2.0, 90.0, 200.0, 31}); });
  }
  SECTION("Langevin with an xy + z barostat") {
    check_resume_is_bit_identical(
        [] { return std::make_unique<md::Langevin>(md::LangevinParams{2.0, 90.0, 200.0, 31}, xy_z_barostat()); });
  }
  SECTION("Nose-Hoover chains with a barostat") {
    check_resume_is_bit_identical([] {
      md::NoseHooverParams p;
      p.timestep = 2.0;
      p.temperature = 90.0;
      p.damping = 100.0;
      return std::make_unique<md::NoseHooverChain>(p, xy_z_barostat());
    });
  }
  SECTION("velocity Verlet") {
    check_resume_is_bit_identical([] { return std::make_unique<md::VelocityVerlet>(2.0); });
  }
}

TEST_CASE("reset_forces leaves the neighbor list and forces a fresh build gives", "[unit][md][simulation][resume]") {
  auto lj = argon_lj();
  core::System sys = argon_cube(4, 3.8);
  core::Rng rng(3);
  md::assign_maxwell_boltzmann(sys, 150.0, rng);
  md::Simulation sim(sys, lj, std::make_unique<md::Langevin>(md::LangevinParams{2.0, 150.0, 100.0, 4}), 1.0);
  sim.run(30);
  exchange_atoms(sys, 3, 0);
  sim.run(7);  // the list was built some steps ago for older positions
  const core::NeighborList& list = sim.forces().neighbors();
  const auto builds = list.build_count();
  sim.reset_forces();
  CHECK(list.build_count() == builds + 1);  // built once; setup() kept it

  core::NeighborList fresh(list.options());
  fresh.build(sys);
  auto same = [](auto x, auto y) { return std::equal(x.begin(), x.end(), y.begin(), y.end()); };
  CHECK(same(list.offsets(), fresh.offsets()));
  CHECK(same(list.neighbors(), fresh.neighbors()));
  CHECK(same(list.shift_ids(), fresh.shift_ids()));
  CHECK(same(list.shift_table(), fresh.shift_table()));

  // Forces and virial equal those of a new evaluator on a copy of the System.
  auto lj_fresh = argon_lj();
  core::System copy = sys;
  md::ForceEvaluator evaluator(lj_fresh, 1.0);
  evaluator.evaluate(copy, true);
  CHECK(snapshot(copy).f == snapshot(sys).f);
  CHECK(evaluator.virial() == sim.forces().virial());
  CHECK(evaluator.potential_energy() == sim.forces().potential_energy());
}

TEST_CASE("run() with a stop flag ends between steps without the end-of-run observation",
          "[unit][md][simulation][resume]") {
  struct Stopper final : md::Observer {
    std::atomic<bool>* flag = nullptr;
    std::int64_t at = -1;
    void observe(const md::StepInfo& info, const core::System& /*system*/) override {
      if (info.step == at) flag->store(true);
    }
  };
  auto run = [](bool interrupt) {
    auto lj = argon_lj();
    core::System sys = argon_cube(3, 3.8);
    core::Rng rng(9);
    md::assign_maxwell_boltzmann(sys, 60.0, rng);
    md::Simulation sim(sys, lj, std::make_unique<md::VelocityVerlet>(2.0), 1.0);
    std::atomic<bool> stop{false};
    Stopper stopper;
    stopper.flag = &stop;
    stopper.at = interrupt ? 7 : -1;
    StepLog log;
    sim.add_observer(stopper, 1);
    sim.add_observer(log, 5);
    std::int64_t done = sim.run(20, &stop);
    if (interrupt) {
      CHECK(done == 7);
      CHECK(sim.step() == 7);
      CHECK(log.steps == std::vector<std::int64_t>{0, 5});  // no end-of-run row at step 7
      CHECK(sim.run(5, &stop) == 0);                         // still set: nothing done
      CHECK(sim.step() == 7);
      stop.store(false);
      done += sim.run(13, &stop);
    }
    CHECK(done == 20);
    return std::make_pair(snapshot(sys), log);
  };
  const auto [uninterrupted, log_u] = run(false);
  const auto [interrupted, log_i] = run(true);
  CHECK(interrupted == uninterrupted);
  CHECK(log_i.steps == log_u.steps);
  CHECK(log_i.steps == std::vector<std::int64_t>{0, 5, 10, 15, 20});
  CHECK(log_i.last == log_u.last);
  CHECK(log_i.conserved == log_u.conserved);
}

TEST_CASE("thermostats take a new target temperature; NVE refuses one", "[unit][md][simulation]") {
  SECTION("velocity Verlet has no thermostat") {
    md::VelocityVerlet verlet(1.0);
    CHECK_THROWS_AS(verlet.set_target_temperature(300.0), InputError);
    CHECK_THROWS_WITH(verlet.set_target_temperature(300.0), Catch::Contains("needs a thermostat"));
  }
  SECTION("Langevin at 0 K damps every velocity by exp(-dt/tau) per step") {
    // Two atoms far beyond the cutoff: no forces, so BAOAB reduces to v <- e^{-dt/tau} v + noise,
    // and the noise vanishes at 0 K.
    auto lj = argon_lj();
    core::System sys(core::Cell::orthorhombic(60.0, 60.0, 60.0));
    core::AtomSpec a;
    a.z = 18;
    a.velocity = core::Vec3(3e-3, -1e-3, 2e-3);
    (void)sys.add_atom(a);
    a.position = core::Vec3(30.0, 30.0, 30.0);
    a.velocity = core::Vec3(-1e-3, 4e-3, 0.5e-3);
    (void)sys.add_atom(a);
    const std::vector<core::Vec3> v0(sys.velocities().begin(), sys.velocities().end());
    md::Simulation sim(sys, lj, std::make_unique<md::Langevin>(md::LangevinParams{2.0, 300.0, 50.0, 1}), 1.0);
    sim.integrator().set_target_temperature(0.0);
    CHECK(sim.integrator().target_temperature() == 0.0);
    sim.run(40);
    const double factor = std::exp(-40 * 2.0 / 50.0);
    for (std::size_t i = 0; i < 2; ++i) {
      for (int k = 0; k < 3; ++k) CHECK(sys.velocities()[i][k] == Approx(factor * v0[i][k]).epsilon(1e-12));
    }
    CHECK_THROWS_AS(sim.integrator().set_target_temperature(-1.0), InputError);
    // The target travels with the saved state.
    md::Langevin other({2.0, 300.0, 50.0, 1});
    other.restore(sim.integrator().save());
    CHECK(other.target_temperature() == 0.0);
  }
  SECTION("Nose-Hoover chains rescale their masses with the target") {
    auto lj = argon_lj();
    core::System sys = argon_cube(3, 3.8);
    core::Rng rng(11);
    md::assign_maxwell_boltzmann(sys, 200.0, rng);
    md::NoseHooverParams p;
    p.timestep = 2.0;
    p.temperature = 50.0;
    p.damping = 80.0;
    p.chain_length = 3;
    auto owned = std::make_unique<md::NoseHooverChain>(p);
    md::NoseHooverChain& nhc = *owned;
    md::Simulation sim(sys, lj, std::move(owned), 1.0);
    sim.run(20);  // the chain variables move away from zero
    const double t_new = 120.0;
    nhc.set_target_temperature(t_new);
    CHECK(nhc.target_temperature() == t_new);
    // The conserved-energy terms with the documented masses Q_1 = N_f kT tau^2, Q_j = kT tau^2
    // at the new temperature.
    const double kt = units::boltzmann * t_new;
    const double tau2 = p.damping * p.damping;
    const double dof = nhc.degrees_of_freedom(sys);
    double expected = 0.0;
    for (std::size_t j = 0; j < 3; ++j) {
      const double q = (j == 0 ? dof : 1.0) * kt * tau2;
      expected += 0.5 * q * nhc.eta_velocity()[j] * nhc.eta_velocity()[j] + (j == 0 ? dof : 1.0) * kt * nhc.eta()[j];
    }
    CHECK(nhc.eta_velocity()[0] != 0.0);
    CHECK(nhc.extended_energy(sys) == Approx(expected).epsilon(1e-12));
    CHECK_THROWS_WITH(nhc.set_target_temperature(0.0), Catch::Contains("must be positive"));
    md::NoseHooverChain other(p);
    other.restore(nhc.save());
    CHECK(other.target_temperature() == t_new);
  }
}
