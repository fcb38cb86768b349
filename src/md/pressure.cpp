// SPDX-License-Identifier: MIT
#include "md/pressure.hpp"

#include <limits>

#include "core/units.hpp"

namespace ioncycle::md {

core::Mat3 kinetic_tensor(const core::System& system) {
  const auto v = system.velocities();
  const auto m = system.masses();
  // Serial sum: the same bits for any thread count (the cost is negligible next to forces).
  core::Mat3 k = core::Mat3::Zero();
  for (std::size_t i = 0; i < v.size(); ++i) k.noalias() += m[i] * (v[i] * v[i].transpose());
  return k * units::amu_A2_per_fs2_in_eV;
}

core::Mat3 pressure_tensor(const core::System& system, const core::Mat3& virial) {
  const double volume = system.cell().volume();
  if (!(volume > 0.0)) return core::Mat3::Constant(std::numeric_limits<double>::quiet_NaN());
  return (kinetic_tensor(system) + virial) / volume;
}

double scalar_pressure(const core::Mat3& pressure) { return pressure.trace() / 3.0; }

double pressure(const core::System& system, const core::Mat3& virial) {
  return scalar_pressure(pressure_tensor(system, virial));
}

}  // namespace ioncycle::md
