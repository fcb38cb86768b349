// SPDX-License-Identifier: MIT
//
// VASP POSCAR/CONTCAR, VASP 5 layout: comment, scale (negative = target volume), three lattice
// vectors, species names, counts, optional "Selective dynamics", "Direct"/"Cartesian", one line
// per atom (selective-dynamics flags tolerated and ignored), optional velocity block ignored.
// POSCAR is always fully periodic and has no ids: atoms read get ids 0..N-1 in file order, and
// the writer keeps the System's atom order (a species that reappears after another one gets a
// second entry in the species line, as VASP 5 allows), so POSCAR -> System -> POSCAR is exact.
// The writer uses Cartesian coordinates (ASE's default) with full precision and the frame's
// "comment" info (else the formula) as line 1; the reader stores line 1 there.
#pragma once

#include <istream>
#include <ostream>
#include <string>

#include "io/frame.hpp"

namespace ioncycle::io {

[[nodiscard]] Frame read_poscar(std::istream& in, const std::string& source_name);
void write_poscar(std::ostream& out, const Frame& frame);

}  // namespace ioncycle::io
