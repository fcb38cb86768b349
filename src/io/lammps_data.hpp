// SPDX-License-Identifier: MIT
//
// LAMMPS data file writer, atom_style atomic, orthogonal or triclinic. LAMMPS wants a
// lower-triangular cell (a along x, b in the xy plane) with small tilt factors, so the writer
// rotates the cell and positions into that frame and, where a tilt exceeds half the box length,
// replaces a lattice vector by an equivalent one (same lattice, same periodic structure).
// Atom types are numbered by order of first appearance of each element; the Masses section
// names the element in a comment (atoms of one element with a different mass, e.g. deuterium among
// hydrogen, get a type of their own, since atom_style atomic stores masses per type). Atom ids
// are the System's ids + 1 (LAMMPS ids start at 1). See docs/formats.md for non-periodic axes.
#pragma once

#include <ostream>

#include "io/frame.hpp"

namespace ioncycle::io {

void write_lammps_data(std::ostream& out, const Frame& frame);

}  // namespace ioncycle::io
