// SPDX-License-Identifier: MIT
#include "md/velocities.hpp"

#include <cmath>

#include "core/error.hpp"
#include "core/units.hpp"
#include "md/integrator.hpp"

namespace ioncycle::md {

void remove_center_of_mass_velocity(core::System& system) {
  const auto m = system.masses();
  auto v = system.velocities();
  core::Vec3 p = core::Vec3::Zero();
  double mass = 0.0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    p += m[i] * v[i];
    mass += m[i];
  }
  if (mass <= 0.0) return;
  const core::Vec3 vcm = p / mass;
  for (auto& vi : v) vi -= vcm;
}

void assign_maxwell_boltzmann(core::System& system, double temperature, core::Rng& rng) {
  if (temperature < 0.0) throw InputError("temperature must not be negative");
  auto v = system.velocities();
  const auto m = system.masses();
  // Each Cartesian component is normal with variance k_B T / m (in Å²/fs² after converting eV).
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double sigma = std::sqrt(units::boltzmann * temperature / (m[i] * units::amu_A2_per_fs2_in_eV));
    for (int d = 0; d < 3; ++d) v[i][d] = sigma * rng.normal();
  }
  if (v.size() > 1) remove_center_of_mass_velocity(system);
  const double dof = v.size() > 1 ? 3.0 * static_cast<double>(v.size()) - 3.0 : 3.0 * static_cast<double>(v.size());
  const double t_now = md::temperature(system, dof);
  if (temperature == 0.0 || t_now <= 0.0) {
    for (auto& vi : v) vi.setZero();
    return;
  }
  const double scale = std::sqrt(temperature / t_now);
  for (auto& vi : v) vi *= scale;
}

}  // namespace ioncycle::md
