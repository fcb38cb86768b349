// SPDX-License-Identifier: MIT
#include "md/nose_hoover_chain.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/units.hpp"
#include "md/state_fields.hpp"
#include "md/velocity_verlet.hpp"

namespace ioncycle::md {

namespace {

// Suzuki–Yoshida weights (Yoshida, Phys. Lett. A 150, 262 (1990); Tuckerman §4.12): symmetric
// compositions of the second-order step that cancel the error terms up to the given order.
std::vector<double> yoshida_weights(int order) {
  switch (order) {
    case 1:
      return {1.0};
    case 3: {
      const double w = 1.0 / (2.0 - std::cbrt(2.0));
      return {w, 1.0 - 2.0 * w, w};
    }
    case 5: {
      const double w = 1.0 / (4.0 - std::cbrt(4.0));
      return {w, w, 1.0 - 4.0 * w, w, w};
    }
    case 7: {
      // Yoshida's solution A of the seventh-order composition.
      const double w1 = 0.784513610477560;
      const double w2 = 0.235573213359357;
      const double w3 = -1.17767998417887;
      const double w4 = 1.0 - 2.0 * (w1 + w2 + w3);
      return {w1, w2, w3, w4, w3, w2, w1};
    }
    default:
      throw InputError("the Suzuki–Yoshida order must be 1, 3, 5 or 7 (got " + std::to_string(order) + ")");
  }
}

}  // namespace

NoseHooverChain::NoseHooverChain(NoseHooverParams params, std::unique_ptr<StochasticCellRescaling> barostat)
    : params_(params), barostat_(std::move(barostat)), weights_(yoshida_weights(params.yoshida_order)) {
  if (!(params_.timestep > 0.0) || !std::isfinite(params_.timestep)) {
    throw InputError("the time step must be positive");
  }
  if (!(params_.damping > 0.0) || !std::isfinite(params_.damping)) {
    throw InputError("the Nosé–Hoover damping time must be positive");
  }
  if (params_.chain_length < 1) throw InputError("the Nosé–Hoover chain needs at least one thermostat");
  if (params_.num_substeps < 1) throw InputError("the Nosé–Hoover chain needs at least one substep");
  const auto m = static_cast<std::size_t>(params_.chain_length);
  eta_.assign(m, 0.0);
  v_eta_.assign(m, 0.0);
  mass_.assign(m, 0.0);
  force_.assign(m, 0.0);
  set_target_temperature(params_.temperature);
}

void NoseHooverChain::set_target_temperature(double kelvin) {
  if (!(kelvin > 0.0) || !std::isfinite(kelvin)) {
    throw InputError("the Nosé–Hoover temperature must be positive (got " + std::to_string(kelvin) + " K)",
                     "a Nosé–Hoover chain cannot thermostat to 0 K; use a Langevin thermostat or a minimization");
  }
  params_.temperature = kelvin;
  update_masses();
}

std::string NoseHooverChain::name() const { return barostat_ ? "nose_hoover+c_rescale" : "nose_hoover"; }

void NoseHooverChain::update_masses() {
  const double kt = units::boltzmann * params_.temperature;
  const double tau2 = params_.damping * params_.damping;
  // Martyna, Klein & Tuckerman (1992): Q_1 = N_f k_B T τ², Q_j = k_B T τ² for j >= 2.
  mass_[0] = std::max(dof_, 1.0) * kt * tau2;
  for (std::size_t j = 1; j < mass_.size(); ++j) mass_[j] = kt * tau2;
}

void NoseHooverChain::setup(core::System& system, ForceEvaluator& forces) {
  if (barostat_) barostat_->check(system);
  dof_ = degrees_of_freedom(system);
  update_masses();
  forces.evaluate(system);
  topology_ = system.topology_version();
  is_set_up_ = true;
}

void NoseHooverChain::chain_half_step(core::System& system) {
  // Propagates the chain and the particle velocities by dt/2 under the thermostat part of the
  // Liouvillian (Tuckerman §4.12, the NHC "half-step" routine; MTTK 1996, Appendix): inner
  // thermostat velocities are updated by δ/4 kicks wrapped in exp(-δ/8 v_{j+1}) scalings, the
  // particles are scaled by exp(-δ/2 v_1), the η_j advance by δ/2 v_j, and the kicks are repeated
  // in reverse order; δ = w_α dt / n_c. The particle scaling is accumulated and applied once.
  const double kt = units::boltzmann * params_.temperature;
  const std::size_t m = eta_.size();
  auto& v = v_eta_;
  auto& g = force_;
  double kinetic2 = 2.0 * system.kinetic_energy();  // 2K, eV
  double scale = 1.0;

  g[0] = (kinetic2 - dof_ * kt) / mass_[0];
  for (std::size_t j = 1; j < m; ++j) g[j] = (mass_[j - 1] * v[j - 1] * v[j - 1] - kt) / mass_[j];

  for (int sub = 0; sub < params_.num_substeps; ++sub) {
    for (const double w : weights_) {
      const double delta = w * params_.timestep / static_cast<double>(params_.num_substeps);
      const double d2 = 0.5 * delta;
      const double d4 = 0.25 * delta;
      const double d8 = 0.125 * delta;

      v[m - 1] += d4 * g[m - 1];
      for (std::size_t j = m - 1; j-- > 0;) {
        const double e = std::exp(-d8 * v[j + 1]);
        v[j] = (v[j] * e + d4 * g[j]) * e;
      }

      const double a = std::exp(-d2 * v[0]);
      scale *= a;
      kinetic2 *= a * a;
      g[0] = (kinetic2 - dof_ * kt) / mass_[0];

      for (std::size_t j = 0; j < m; ++j) eta_[j] += d2 * v[j];

      for (std::size_t j = 0; j + 1 < m; ++j) {
        const double e = std::exp(-d8 * v[j + 1]);
        v[j] = (v[j] * e + d4 * g[j]) * e;
        g[j + 1] = (mass_[j] * v[j] * v[j] - kt) / mass_[j + 1];
      }
      v[m - 1] += d4 * g[m - 1];
    }
  }
  for (auto& vel : system.velocities()) vel *= scale;
}

void NoseHooverChain::step(core::System& system, ForceEvaluator& forces) {
  if (!is_set_up_ || system.topology_version() != topology_) setup(system, forces);
  const double dt = params_.timestep;
  chain_half_step(system);
  kick(system, 0.5 * dt);
  if (barostat_) {
    drift(system, 0.5 * dt);
    barostat_->apply(system, forces.virial(), dt, params_.temperature);
    drift(system, 0.5 * dt);
  } else {
    drift(system, dt);
  }
  forces.evaluate(system);
  if (barostat_) barostat_->finish_step(forces.virial());
  kick(system, 0.5 * dt);
  chain_half_step(system);
  ++num_steps_;
}

double NoseHooverChain::exchanged_energy() const { return barostat_ ? barostat_->exchanged_energy() : 0.0; }

double NoseHooverChain::extended_energy(const core::System& system) const {
  (void)system;
  const double kt = units::boltzmann * params_.temperature;
  double e = 0.0;
  for (std::size_t j = 0; j < eta_.size(); ++j) {
    e += 0.5 * mass_[j] * v_eta_[j] * v_eta_[j];
    e += (j == 0 ? dof_ : 1.0) * kt * eta_[j];
  }
  return e;
}

IntegratorState NoseHooverChain::save() const {
  IntegratorState state;
  state.values["nose_hoover.eta"] = eta_;
  state.values["nose_hoover.eta_velocity"] = v_eta_;
  state.values["nose_hoover.num_steps"] = {static_cast<double>(num_steps_)};
  state.values["nose_hoover.temperature"] = {params_.temperature};
  if (barostat_) barostat_->save(state);
  return state;
}

void NoseHooverChain::restore(const IntegratorState& state) {
  eta_ = detail::state_values(state, "nose_hoover.eta", eta_.size(), name());
  v_eta_ = detail::state_values(state, "nose_hoover.eta_velocity", v_eta_.size(), name());
  num_steps_ = static_cast<std::uint64_t>(detail::state_value(state, "nose_hoover.num_steps", name()));
  set_target_temperature(detail::state_value(state, "nose_hoover.temperature", name()));
  if (barostat_) barostat_->restore(state, name());
}

}  // namespace ioncycle::md
