// SPDX-License-Identifier: MIT
//
// A Frame is what structure files hold: a System plus per-frame metadata (extxyz "info": energy,
// stress, step, ...) and any per-atom arrays that ioncycle does not interpret (extxyz columns
// such as "tags" or "initial_magmoms"), kept so that `ioncycle convert` loses nothing.
// Units follow the internal convention: Å, Å/fs, eV, eV/Å; `stress` in the info map is stored
// as read (extxyz files written by ASE hold eV/Å³).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "core/system.hpp"

namespace ioncycle::io {

/// One metadata value. Arrays keep their element type; 3x3 matrices are 9-element arrays in
/// row-major order.
using InfoValue = std::variant<bool, std::int64_t, double, std::string, std::vector<bool>,
                               std::vector<std::int64_t>, std::vector<double>, std::vector<std::string>>;

/// Per-atom array not interpreted by ioncycle: `columns` values per atom, stored atom-major.
struct ExtraArray {
  enum class Type { real, integer, logical, string };
  Type type = Type::real;
  int columns = 1;
  std::vector<std::string> values;  ///< num_atoms * columns tokens, as written in the file
};

struct Frame {
  core::System system;
  /// Per-frame metadata, in file order of keys (std::map sorts; order is not significant).
  std::map<std::string, InfoValue> info;
  /// Extra per-atom arrays by name. Must have num_atoms rows when written.
  std::map<std::string, ExtraArray> arrays;
  /// Whether the file gave velocities (so writers emit them only then).
  bool has_velocities = false;
  /// Whether the file gave forces.
  bool has_forces = false;
};

}  // namespace ioncycle::io
