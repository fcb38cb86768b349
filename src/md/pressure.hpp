// SPDX-License-Identifier: MIT
//
// The pressure tensor of a System from its velocities and the virial of the last force
// evaluation:
//     P = (Σ_i m_i v_i ⊗ v_i + W) / V        (eV/Å³)
// with m in amu, v in Å/fs (the kinetic sum is converted to eV with
// units::amu_A2_per_fs2_in_eV), W the virial in eV with LAMMPS' sign (W = -∂E/∂ε, positive for
// repulsion; see potentials/potential.hpp) and V the cell volume in Å³. P is positive under
// compression, as in LAMMPS; ASE's stress is -P (without the kinetic part unless asked).
// The scalar pressure is tr(P)/3.
//
// Used by the barostat, the minimizer's cell relaxation and thermo output. Pure functions;
// thread-safe. The volume must be positive (a cell with a lattice); a cluster in vacuum has
// no pressure and these functions return NaN for it.
#pragma once

#include "core/system.hpp"

namespace ioncycle::md {

/// Σ_i m_i v_i ⊗ v_i in eV (twice the kinetic-energy tensor).
[[nodiscard]] core::Mat3 kinetic_tensor(const core::System& system);

/// Pressure tensor (Σ m v⊗v + W) / V in eV/Å³; NaN entries when the cell has no volume.
[[nodiscard]] core::Mat3 pressure_tensor(const core::System& system, const core::Mat3& virial);

/// Scalar pressure tr(P)/3 of a pressure tensor.
[[nodiscard]] double scalar_pressure(const core::Mat3& pressure);

/// Scalar pressure of a System, tr(Σ m v⊗v + W) / (3V), eV/Å³.
[[nodiscard]] double pressure(const core::System& system, const core::Mat3& virial);

}  // namespace ioncycle::md
