// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"
#include "md/cell_rescaling.hpp"
#include "md/force_evaluator.hpp"
#include "md/langevin.hpp"
#include "md/nose_hoover_chain.hpp"
#include "md/pressure.hpp"
#include "md_testing.hpp"

using namespace ioncycle;
using namespace ioncycle::md;
using namespace ioncycle::md::testing;

namespace {

AxisGroup group(const char* axes, double pressure) {
  AxisGroup g;
  for (const char* c = axes; *c != '\0'; ++c) g.axes[static_cast<std::size_t>(*c - 'x')] = true;
  g.pressure = pressure;
  return g;
}

std::unique_ptr<StochasticCellRescaling> barostat(std::vector<AxisGroup> groups, double damping,
                                                  double bulk_modulus, std::uint64_t seed) {
  CellRescalingParams p;
  p.groups = std::move(groups);
  p.damping = damping;
  p.compressibility = 1.0 / bulk_modulus;
  return std::make_unique<StochasticCellRescaling>(p, seed);
}

// Ideal gas of 32 argon atoms under a stochastic-cell-rescaling barostat with Langevin dynamics.
// In the isothermal-isobaric ensemble V^N e^{-P V / k_B T} dV its volume is Gamma(N + 1, k_B T/P)
// distributed, <V> = (N + 1) k_B T / P, whether all axes or a single axis follow the pressure.
struct IdealGasResult {
  std::vector<double> volumes;  // every step
  core::Mat3 initial_cell;
  core::Mat3 final_cell;
};

IdealGasResult ideal_gas(std::vector<AxisGroup> groups, double pressure, double temperature, int steps,
                         std::uint64_t seed) {
  const int n = 32;
  core::System system(core::Cell::orthorhombic(11, 11, 11));
  core::Rng place(21);
  for (int i = 0; i < n; ++i) {
    core::AtomSpec atom;
    atom.z = argon;
    atom.position = core::Vec3(place.uniform(0, 11), place.uniform(0, 11), place.uniform(0, 11));
    system.add_atom(atom);
  }
  maxwell_boltzmann(system, temperature, 8);
  NoInteraction none;
  ForceEvaluator forces(none, 3.0);  // a wide skin: the cell changes every step
  // β_T = 1/P, the ideal gas's own compressibility, so the volume relaxes in about τ_p.
  Langevin langevin({/*timestep=*/10.0, temperature, /*damping=*/100.0, seed},
                    barostat(std::move(groups), /*damping=*/200.0, /*bulk_modulus=*/pressure, seed));
  langevin.setup(system, forces);
  IdealGasResult result;
  result.initial_cell = system.cell().matrix();
  for (int s = 0; s < steps; ++s) {
    langevin.step(system, forces);
    result.volumes.push_back(system.cell().volume());
    if (s % 100 == 0) {
      // Free particles wander off in unwrapped coordinates; wrapping changes nothing for them
      // and keeps the neighbor list's image shifts (and so its rebuilds) small.
      for (auto& x : system.positions()) x = system.cell().wrap(x);
    }
  }
  result.final_cell = system.cell().matrix();
  return result;
}

void check_ideal_gas_volume(const IdealGasResult& r, double pressure, double temperature) {
  const double theta = units::boltzmann * temperature / pressure;  // Å³
  const double expected = 33.0 * theta;
  const std::vector<double> v(r.volumes.begin() + 1000, r.volumes.end());
  const double v_mean = mean(v);
  const double error = block_standard_error(v);
  INFO("<V> = " << v_mean << " +- " << error << " A^3, expected " << expected);
  REQUIRE(error < 0.01 * expected);
  CHECK(std::abs(v_mean - expected) < 4.0 * error);
  // The whole distribution, from samples 25 τ_p apart (nearly independent).
  std::vector<double> samples;
  for (std::size_t i = 0; i < v.size(); i += 500) samples.push_back(v[i]);
  const double d = ks_statistic(samples, [theta](double x) { return gamma_integer_cdf(33, x, theta); });
  INFO("KS distance " << d << " for " << samples.size() << " volumes");
  CHECK(d < ks_critical_001(samples.size()));
}

// Argon crystal at 30 K, well below the melting point of this truncated potential (an
// uniaxially stretched crystal at 60 K melts). Its NVT pressure at a = 5.30 Å is about 1.3 kbar.
}  // namespace

TEST_CASE("isotropic cell rescaling gives the ideal gas its isobaric volume distribution",
          "[unit][md][physics][stochastic]") {
  const double pressure = 1000.0 * units::bar;
  const auto r = ideal_gas({group("xyz", pressure)}, pressure, 300.0, 250000, 1);
  check_ideal_gas_volume(r, pressure, 300.0);
  // Isotropic: the cell keeps its cubic shape.
  CHECK(r.final_cell(0, 0) == Approx(r.final_cell(2, 2)).epsilon(1e-12));
}

TEST_CASE("cell rescaling of z alone keeps x and y exactly and samples the volume correctly",
          "[unit][md][physics][stochastic]") {
  const double pressure = 1000.0 * units::bar;
  const auto r = ideal_gas({group("z", pressure)}, pressure, 300.0, 250000, 2);
  check_ideal_gas_volume(r, pressure, 300.0);
  CHECK(r.final_cell.row(0) == r.initial_cell.row(0));
  CHECK(r.final_cell.row(1) == r.initial_cell.row(1));
  CHECK(r.final_cell(2, 2) != r.initial_cell(2, 2));
}

TEST_CASE("a z-coupled barostat with Nose-Hoover chains reaches the target zz pressure",
          "[unit][md][physics][stochastic]") {
  // An argon crystal, x and y fixed, z barostatted to 300 bar from about 1.3 kbar.
  const double target = 300.0 * units::bar;
  auto system = argon_crystal(30.0, 5.30);
  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  NoseHooverParams p;
  p.timestep = 4.0;
  p.temperature = 30.0;
  p.damping = 200.0;
  NoseHooverChain nhc(p, barostat({group("z", target)}, /*damping=*/500.0, /*bulk_modulus=*/3.0 * units::GPa, 3));
  nhc.setup(system, forces);
  const core::Mat3 h0 = system.cell().matrix();
  for (int s = 0; s < 1500; ++s) nhc.step(system, forces);  // 6 ps to settle
  std::vector<double> pzz, pxx, lz;
  for (int s = 0; s < 12000; ++s) {  // 48 ps
    nhc.step(system, forces);
    const core::Mat3 ptensor = pressure_tensor(system, forces.virial());
    pzz.push_back(ptensor(2, 2));
    pxx.push_back(ptensor(0, 0));
    lz.push_back(system.cell().matrix()(2, 2));
  }
  const double p_mean = mean(pzz);
  const double error = block_standard_error(pzz);
  INFO("P_zz mean " << p_mean / units::bar << " +- " << error / units::bar << " bar; P_xx mean "
                    << mean(pxx) / units::bar << " bar; Lz " << h0(2, 2) << " -> <Lz> " << mean(lz));
  REQUIRE(error < 50.0 * units::bar);
  CHECK(std::abs(p_mean - target) < 4.0 * error);
  CHECK(mean(lz) > 1.02 * h0(2, 2));  // it had work to do: the crystal expanded along z
  CHECK(mean(pxx) > target + 10.0 * error);  // ... and x, y were not driven to the target
  // x and y are not barostatted: their lattice vectors did not change by a single bit.
  CHECK(system.cell().matrix().row(0) == h0.row(0));
  CHECK(system.cell().matrix().row(1) == h0.row(1));
  CHECK(system.cell().matrix()(2, 2) != h0(2, 2));
}

TEST_CASE("the barostat's exchanged energy accounts for its work", "[unit][md][physics]") {
  const auto run = [](double dt) {
    auto system = argon_crystal(30.0, 5.30);
    auto lj = argon_lj();
    ForceEvaluator forces(lj, 1.0);
    Langevin langevin({dt, 30.0, 100.0, 5},
                      barostat({group("xy", 0.0), group("z", 1000.0 * units::bar)}, 200.0, 3.0 * units::GPa, 5));
    langevin.setup(system, forces);
    const double e0 = system.kinetic_energy() + forces.potential_energy();
    const double v0 = system.cell().volume();
    double max_conserved = 0.0;
    const auto steps = static_cast<int>(std::lround(2000.0 / dt));
    for (int s = 0; s < steps; ++s) {
      langevin.step(system, forces);
      const double e = system.kinetic_energy() + forces.potential_energy() - e0;
      max_conserved = std::max(max_conserved, std::abs(e + langevin.exchanged_energy()));
    }
    return std::pair{max_conserved / 108.0, std::abs(system.cell().volume() / v0 - 1.0)};
  };
  const auto [c4, dv] = run(4.0);
  const auto [c2, dv2] = run(2.0);
  INFO("max |E + exchanged - E0| per atom: " << c4 << " (4 fs), " << c2 << " (2 fs); volume change " << dv);
  CHECK(dv > 1e-3);  // the cell did move
  CHECK(c4 < 5e-6);
  CHECK(c2 < 0.5 * c4);  // shrinks with the time step
}

TEST_CASE("cell rescaling keeps the tilt and the fractional coordinates of a triclinic cell",
          "[unit][md]") {
  // A sheared argon crystal: c tilted in x and y, b tilted in x.
  auto system = argon_crystal(30.0, 5.30);
  core::Mat3 h = system.cell().matrix();
  h(1, 0) = 1.0;
  h(2, 0) = 1.5;
  h(2, 1) = -0.8;
  const core::Mat3 h_old = system.cell().matrix();
  for (auto& x : system.positions()) x = h.transpose() * (h_old.inverse().transpose() * x);  // same fractions
  system.set_cell(core::Cell(h));
  std::vector<core::Vec3> fractions;
  for (const auto& x : system.positions()) fractions.push_back(system.cell().to_fractional(x));

  auto lj = argon_lj();
  ForceEvaluator forces(lj, 1.0);
  StochasticCellRescaling baro(
      {{group("z", 0.5 * units::GPa)}, /*damping=*/1000.0, /*compressibility=*/1.0 / units::GPa}, 1);
  forces.evaluate(system);
  for (int s = 0; s < 20; ++s) baro.apply(system, forces.virial(), 4.0, 30.0);
  const core::Mat3& h_new = system.cell().matrix();
  CHECK(h_new.row(0) == h.row(0));
  CHECK(h_new.row(1) == h.row(1));
  CHECK(h_new(2, 0) == h(2, 0));  // tilt kept in Å
  CHECK(h_new(2, 1) == h(2, 1));
  CHECK(h_new(2, 2) < h(2, 2) * 0.999);  // compressed towards the high target
  for (std::size_t i = 0; i < fractions.size(); ++i) {
    CHECK((system.cell().to_fractional(system.positions()[i]) - fractions[i]).norm() < 1e-12);
  }
}

TEST_CASE("the barostat refuses non-periodic axes and bad groups", "[unit][md]") {
  core::System slab(core::Cell(core::Mat3::Identity() * 20.0, {true, true, false}));
  core::AtomSpec atom;
  atom.z = argon;
  slab.add_atom(atom);
  StochasticCellRescaling xyz({{group("xyz", 0.0)}, 1000.0, 1.0}, 1);
  CHECK_THROWS_AS(xyz.check(slab), InputError);
  StochasticCellRescaling xy({{group("xy", 0.0)}, 1000.0, 1.0}, 1);
  CHECK_NOTHROW(xy.check(slab));
  CHECK_THROWS_AS(StochasticCellRescaling({{}, 1000.0, 1.0}, 1), InputError);
  CHECK_THROWS_AS(StochasticCellRescaling({{group("xy", 0.0), group("yz", 0.0)}, 1000.0, 1.0}, 1), InputError);
  CHECK_THROWS_AS(StochasticCellRescaling({{group("z", 0.0)}, 0.0, 1.0}, 1), InputError);
  CHECK_THROWS_AS(StochasticCellRescaling({{group("z", 0.0)}, 1000.0, -1.0}, 1), InputError);
}
