// SPDX-License-Identifier: MIT
#include "md/integrator.hpp"

#include "core/error.hpp"
#include "core/units.hpp"

namespace ioncycle::md {

double Integrator::degrees_of_freedom(const core::System& system) const {
  // Momentum-conserving dynamics in a periodic cell: the centre-of-mass motion is not thermal.
  const auto n = static_cast<double>(system.num_atoms());
  return n > 1 ? 3.0 * n - 3.0 : 3.0 * n;
}

void Integrator::set_target_temperature(double kelvin) {
  throw InputError("cannot set a temperature of " + std::to_string(kelvin) + " K: the integrator '" + name() +
                       "' has no thermostat, and a temperature change needs a thermostat",
                   "choose a thermostat in [md], e.g. thermostat = { type = \"langevin\", damping = \"100 fs\" }");
}

double temperature(const core::System& system, double dof) {
  if (dof <= 0.0) return 0.0;
  return 2.0 * system.kinetic_energy() / (dof * units::boltzmann);
}

}  // namespace ioncycle::md
