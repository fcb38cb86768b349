// SPDX-License-Identifier: MIT
//
// Run Debian's LAMMPS (`lmp`, serial, no mpirun) on a structure and read back the energy, the
// forces and the virial, to cross-check ioncycle's potentials against the code users trust.
//
// The structure is written with io::write_lammps_data, so its cell must already be in LAMMPS
// orientation (a along x, b in the xy plane, lower-triangular matrix with positive diagonal):
// then the writer does not rotate, and forces come back in the System's frame. Units are metal
// (eV, Å). Atom types follow `type_order`: type k+1 is the element type_order[k] (the atoms are
// reordered by type before writing, keeping their ids, because the writer numbers types by first
// appearance); every listed element must occur in the system, with its standard mass.
// Values are printed with %.17g, so nothing is lost in the round trip.
#pragma once

#include <string>
#include <vector>

#include "core/system.hpp"

namespace ioncycle::testing {

/// Path of the LAMMPS executable, or "" when none is installed.
[[nodiscard]] std::string lammps_binary();

struct LammpsResult {
  double energy = 0.0;              ///< eV, potential energy
  std::vector<core::Vec3> forces;   ///< eV/Å, in System order (LAMMPS id = System id + 1)
  core::Mat3 virial = core::Mat3::Zero();  ///< eV, LAMMPS sign (pressure tensor × V from `compute pressure NULL virial`)
  double volume = 0.0;              ///< Å³, as LAMMPS sees it
  std::string log;                  ///< LAMMPS' screen output, for failure messages
};

/// Run LAMMPS with `pair_commands` (e.g. {"pair_style lj/cut 8.0", "pair_coeff 1 1 0.01 3.4",
/// "pair_modify shift yes"}) on `system`. Throws std::runtime_error with the LAMMPS output when
/// LAMMPS fails or its output cannot be parsed.
[[nodiscard]] LammpsResult run_lammps(const core::System& system, const std::vector<int>& type_order,
                                      const std::vector<std::string>& pair_commands);

}  // namespace ioncycle::testing
