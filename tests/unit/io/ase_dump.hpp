// SPDX-License-Identifier: MIT
//
// Running tests/python/ase_poscar_helper.py and reading the plain-text dump it writes of what
// ASE sees in a structure file (cell, symbols, positions, velocities in Å/fs, ids). Shared by
// the POSCAR and LAMMPS-data cross-checks.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "testing.hpp"

namespace ioncycle::testing {

struct AseAtom {
  std::string symbol;
  Eigen::Vector3d position;
  Eigen::Vector3d velocity;
  long long id = 0;
};

struct AseDump {
  Eigen::Matrix3d cell;  ///< rows a, b, c
  std::vector<AseAtom> atoms;
};

inline std::string ase_helper_script() {
  return std::string(IONCYCLE_SOURCE_DIR) + "/tests/python/ase_poscar_helper.py";
}

/// Run the helper with `arguments` (already shell-quoted); the result carries its output.
inline CommandResult run_ase_helper(const std::string& arguments) {
  return run_command(shell_quote(python()) + " " + shell_quote(ase_helper_script()) + " " + arguments);
}

inline AseDump read_ase_dump(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open ASE dump " + path);
  AseDump dump;
  std::string line;
  std::size_t num_atoms = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string key;
    fields >> key;
    if (key == "cell") {
      for (int i = 0; i < 3; ++i) {
        for (int k = 0; k < 3; ++k) fields >> dump.cell(i, k);
      }
    } else if (key == "natoms") {
      fields >> num_atoms;
    } else if (key == "atom") {
      AseAtom atom;
      fields >> atom.symbol >> atom.position[0] >> atom.position[1] >> atom.position[2] >> atom.velocity[0] >>
          atom.velocity[1] >> atom.velocity[2] >> atom.id;
      dump.atoms.push_back(atom);
    }
    if (!fields) throw std::runtime_error("malformed line in ASE dump " + path + ": " + line);
  }
  if (dump.atoms.size() != num_atoms) throw std::runtime_error("ASE dump " + path + " is incomplete");
  return dump;
}

}  // namespace ioncycle::testing
