// SPDX-License-Identifier: MIT
#include "md/langevin.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/units.hpp"
#include "md/state_fields.hpp"
#include "md/velocity_verlet.hpp"

namespace ioncycle::md {

Langevin::Langevin(LangevinParams params, std::unique_ptr<StochasticCellRescaling> barostat)
    : params_(params), barostat_(std::move(barostat)), rng_(params.seed, rng_stream) {
  if (!(params_.timestep > 0.0) || !std::isfinite(params_.timestep)) {
    throw InputError("the time step must be positive");
  }
  set_target_temperature(params_.temperature);
  if (!(params_.damping > 0.0) || !std::isfinite(params_.damping)) {
    throw InputError("the Langevin damping time must be positive");
  }
}

void Langevin::set_target_temperature(double kelvin) {
  if (!(kelvin >= 0.0) || !std::isfinite(kelvin)) {
    throw InputError("the Langevin temperature must be non-negative (got " + std::to_string(kelvin) + " K)");
  }
  params_.temperature = kelvin;
}

std::string Langevin::name() const { return barostat_ ? "langevin+c_rescale" : "langevin"; }

void Langevin::setup(core::System& system, ForceEvaluator& forces) {
  if (barostat_) barostat_->check(system);
  forces.evaluate(system);
  topology_ = system.topology_version();
  is_set_up_ = true;
}

void Langevin::ornstein_uhlenbeck(core::System& system) {
  // Exact solution of dv = -γ v dt + sqrt(2 γ k_B T / m) dW over dt (the O part of BAOAB).
  const double c1 = std::exp(-params_.timestep / params_.damping);
  const double c2 = std::sqrt(-std::expm1(-2.0 * params_.timestep / params_.damping));  // sqrt(1 - c1²)
  const double kt = units::boltzmann * params_.temperature / units::amu_A2_per_fs2_in_eV;  // amu·Å²/fs²
  const auto v = system.velocities();
  const auto m = system.masses();
  // Serial: one random stream in atom order gives the same numbers for any thread count.
  double twice_delta_kinetic = 0.0;  // Σ m (v'² - v²), amu·Å²/fs²
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double sigma = c2 * std::sqrt(kt / m[i]);
    const core::Vec3 old = v[i];
    core::Vec3 noise;
    noise.x() = rng_.normal();
    noise.y() = rng_.normal();
    noise.z() = rng_.normal();
    v[i] = c1 * old + sigma * noise;
    twice_delta_kinetic += m[i] * (v[i].squaredNorm() - old.squaredNorm());
  }
  exchanged_ -= 0.5 * twice_delta_kinetic * units::amu_A2_per_fs2_in_eV;
}

void Langevin::step(core::System& system, ForceEvaluator& forces) {
  if (!is_set_up_ || system.topology_version() != topology_) setup(system, forces);
  const double half = 0.5 * params_.timestep;
  kick(system, half);                                                     // B
  drift(system, half);                                                    // A
  ornstein_uhlenbeck(system);                                             // O
  if (barostat_) barostat_->apply(system, forces.virial(), params_.timestep, params_.temperature);  // C
  drift(system, half);                                                    // A
  forces.evaluate(system);
  if (barostat_) barostat_->finish_step(forces.virial());
  kick(system, half);                                                     // B
  ++num_steps_;
}

double Langevin::exchanged_energy() const {
  return exchanged_ + (barostat_ ? barostat_->exchanged_energy() : 0.0);
}

double Langevin::degrees_of_freedom(const core::System& system) const {
  return 3.0 * static_cast<double>(system.num_atoms());
}

IntegratorState Langevin::save() const {
  IntegratorState state;
  state.values["langevin.exchanged"] = {exchanged_};
  state.values["langevin.num_steps"] = {static_cast<double>(num_steps_)};
  state.values["langevin.temperature"] = {params_.temperature};
  state.rngs["langevin"] = rng_.save();
  if (barostat_) barostat_->save(state);
  return state;
}

void Langevin::restore(const IntegratorState& state) {
  exchanged_ = detail::state_value(state, "langevin.exchanged", name());
  num_steps_ = static_cast<std::uint64_t>(detail::state_value(state, "langevin.num_steps", name()));
  set_target_temperature(detail::state_value(state, "langevin.temperature", name()));
  rng_.restore(detail::state_rng(state, "langevin", name()));
  if (barostat_) barostat_->restore(state, name());
}

}  // namespace ioncycle::md
