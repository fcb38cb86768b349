// SPDX-License-Identifier: MIT
//
// Extended XYZ, compatible with ASE's reader and writer (ase.io.extxyz): line 1 the atom count,
// line 2 key=value pairs (Lattice="ax ay az bx by bz cx cy cz", Properties=name:type:cols:...,
// pbc="T T T", per-frame info such as energy, stress), then one line per atom. Frames may differ
// in atom count. See docs/formats.md for the columns ioncycle reads and writes.
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "io/frame.hpp"

namespace ioncycle::io {

/// Read every frame; `source_name` is the file name used in error locations.
[[nodiscard]] std::vector<Frame> read_extxyz(std::istream& in, const std::string& source_name);
/// Write frames one after another.
void write_extxyz(std::ostream& out, const std::vector<Frame>& frames);

}  // namespace ioncycle::io
