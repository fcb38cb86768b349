// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"
#include "md/cell_rescaling.hpp"
#include "md/force_evaluator.hpp"
#include "md/langevin.hpp"
#include "md/nose_hoover_chain.hpp"
#include "md/velocity_verlet.hpp"
#include "md_testing.hpp"

using namespace ioncycle;
using namespace ioncycle::md;
using namespace ioncycle::md::testing;

namespace {

using Factory = std::function<std::unique_ptr<Integrator>()>;

std::unique_ptr<StochasticCellRescaling> barostat(std::vector<std::string> names) {
  CellRescalingParams p;
  for (const auto& name : names) {
    AxisGroup g;
    for (const char c : name) g.axes[static_cast<std::size_t>(c - 'x')] = true;
    g.pressure = 500.0 * units::bar;
    p.groups.push_back(g);
  }
  p.damping = 300.0;
  p.compressibility = 1.0 / (3.0 * units::GPa);
  return std::make_unique<StochasticCellRescaling>(p, 77);
}

NoseHooverParams nhc_params(int chain) {
  NoseHooverParams p;
  p.timestep = 4.0;
  p.temperature = 30.0;
  p.damping = 150.0;
  p.chain_length = chain;
  return p;
}

struct Snapshot {
  std::vector<core::Vec3> x, v;
  core::Mat3 cell;
  double exchanged, extended;
};

Snapshot snapshot(const core::System& s, const Integrator& integrator) {
  return {{s.positions().begin(), s.positions().end()},
          {s.velocities().begin(), s.velocities().end()},
          s.cell().matrix(),
          integrator.exchanged_energy(),
          integrator.extended_energy(s)};
}

// Run 60 steps, save, run 60 more; then restore the saved state into a fresh integrator and a
// copy of the saved System and run the same 60 steps: every bit must agree.
void check_bit_identical_continuation(const Factory& make) {
  auto system = fcc(3, 5.30);
  maxwell_boltzmann(system, 30.0, 5);
  BruteForceLj lj(argon_epsilon, argon_sigma, 7.5, LjShift::force);
  ForceEvaluator forces(lj, 1.0);
  auto first = make();
  first->setup(system, forces);
  for (int s = 0; s < 60; ++s) first->step(system, forces);
  const IntegratorState state = first->save();
  const core::System saved = system;
  for (int s = 0; s < 60; ++s) first->step(system, forces);
  const Snapshot reference = snapshot(system, *first);

  core::System copy = saved;
  BruteForceLj lj2(argon_epsilon, argon_sigma, 7.5, LjShift::force);
  ForceEvaluator forces2(lj2, 1.0);
  auto second = make();
  second->restore(state);
  CHECK(second->save() == state);
  second->setup(copy, forces2);
  for (int s = 0; s < 60; ++s) second->step(copy, forces2);
  const Snapshot continued = snapshot(copy, *second);
  CHECK(continued.x == reference.x);
  CHECK(continued.v == reference.v);
  CHECK(continued.cell == reference.cell);
  CHECK(continued.exchanged == reference.exchanged);
  CHECK(continued.extended == reference.extended);
  // And the run did change something (the comparison is not between two unmoved states).
  CHECK(continued.x != std::vector<core::Vec3>(saved.positions().begin(), saved.positions().end()));
}

}  // namespace

TEST_CASE("a restored integrator continues bit for bit", "[unit][md]") {
  SECTION("velocity Verlet") {
    check_bit_identical_continuation([] { return std::make_unique<VelocityVerlet>(4.0); });
  }
  SECTION("Langevin with an xy + z barostat") {
    check_bit_identical_continuation([] {
      return std::make_unique<Langevin>(LangevinParams{4.0, 30.0, 100.0, 13}, barostat({"xy", "z"}));
    });
  }
  SECTION("Nose-Hoover chains") {
    check_bit_identical_continuation([] { return std::make_unique<NoseHooverChain>(nhc_params(4)); });
  }
  SECTION("Nose-Hoover chains with an isotropic barostat") {
    check_bit_identical_continuation(
        [] { return std::make_unique<NoseHooverChain>(nhc_params(3), barostat({"xyz"})); });
  }
}

TEST_CASE("restoring a state of another integrator is an input error", "[unit][md]") {
  const auto nhc_state = NoseHooverChain(nhc_params(3)).save();
  Langevin langevin({4.0, 30.0, 100.0, 1});
  CHECK_THROWS_AS(langevin.restore(nhc_state), InputError);
  NoseHooverChain longer(nhc_params(5));
  CHECK_THROWS_WITH(longer.restore(nhc_state), Catch::Contains("has 3 values"));
  Langevin with_barostat({4.0, 30.0, 100.0, 1}, barostat({"xyz"}));
  CHECK_THROWS_WITH(with_barostat.restore(langevin.save()), Catch::Contains("barostat"));
  VelocityVerlet verlet(1.0);
  CHECK_THROWS_AS(verlet.restore(IntegratorState{}), InputError);
}
