// SPDX-License-Identifier: MIT
#include "md/velocity_verlet.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/units.hpp"
#include "md/state_fields.hpp"

namespace ioncycle::md {

namespace {
// Below this many atoms a parallel region costs more than the loop.
constexpr std::size_t parallel_threshold = 4096;
}  // namespace

void kick(core::System& system, double dt) {
  const auto v = system.velocities();
  const auto f = system.forces();
  const auto m = system.masses();
  const std::size_t n = v.size();
  // F [eV/Å] / m [amu] in Å/fs²: divide by amu·Å²/fs² expressed in eV.
  const double factor = dt / units::amu_A2_per_fs2_in_eV;
#pragma omp parallel for schedule(static) if (n >= parallel_threshold)
  for (std::size_t i = 0; i < n; ++i) v[i] += (factor / m[i]) * f[i];
}

void drift(core::System& system, double dt) {
  const auto x = system.positions();
  const auto v = system.velocities();
  const std::size_t n = x.size();
#pragma omp parallel for schedule(static) if (n >= parallel_threshold)
  for (std::size_t i = 0; i < n; ++i) x[i] += dt * v[i];
}

VelocityVerlet::VelocityVerlet(double timestep) : timestep_(timestep) {
  if (!(timestep > 0.0) || !std::isfinite(timestep)) {
    throw InputError("the time step must be positive (got " + std::to_string(timestep) + " fs)");
  }
}

void VelocityVerlet::setup(core::System& system, ForceEvaluator& forces) {
  forces.evaluate(system);
  topology_ = system.topology_version();
  is_set_up_ = true;
}

void VelocityVerlet::step(core::System& system, ForceEvaluator& forces) {
  if (!is_set_up_ || system.topology_version() != topology_) setup(system, forces);
  const double half = 0.5 * timestep_;
  kick(system, half);
  drift(system, timestep_);
  forces.evaluate(system);
  kick(system, half);
  ++num_steps_;
}

IntegratorState VelocityVerlet::save() const {
  IntegratorState state;
  state.values["velocity_verlet.num_steps"] = {static_cast<double>(num_steps_)};
  return state;
}

void VelocityVerlet::restore(const IntegratorState& state) {
  num_steps_ = static_cast<std::uint64_t>(detail::state_value(state, "velocity_verlet.num_steps", name()));
}

}  // namespace ioncycle::md
