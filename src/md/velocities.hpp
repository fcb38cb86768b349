// SPDX-License-Identifier: MIT
//
// Initial velocities: Maxwell–Boltzmann at a temperature, from the run's RNG, with the centre of
// mass at rest and rescaled so the instantaneous temperature equals the target exactly (as
// LAMMPS' `velocity ... create T seed` does by default), counting 3N - 3 degrees of freedom.
#pragma once

#include "core/rng.hpp"
#include "core/system.hpp"

namespace ioncycle::md {

/// Set every velocity; `temperature` in K (0 gives all zero).
void assign_maxwell_boltzmann(core::System& system, double temperature, core::Rng& rng);

/// Subtract the centre-of-mass velocity.
void remove_center_of_mass_velocity(core::System& system);

}  // namespace ioncycle::md
