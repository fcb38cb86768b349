// SPDX-License-Identifier: MIT
//
// Building a Potential from the [potential] table of a configuration file. Analytic potentials:
//
//   [potential]                          [potential]                  [potential]
//   type = "lj"                          type = "tersoff"             type = "sum"
//   shift = true                         file = "BNC.tersoff"         [[potential.term]]
//   [[potential.pair]]                   elements = ["C"]             type = "lj" ...
//   elements = ["Ar", "Ar"]                                           [[potential.term]]
//   epsilon = "0.0104 eV"                                             type = "morse" ...
//   sigma = "3.4 A"
//   cutoff = "8.5 A"
//
// Morse pairs take d0 (energy), alpha (inverse length), r0 and cutoff (lengths). A Tersoff file
// is looked up relative to the configuration file first, then in $LAMMPS_POTENTIALS and in
// Debian's /usr/share/lammps/potentials (so "BNC.tersoff" works as in LAMMPS). Every mistake is
// an InputError located at the offending key. docs/protocols.md lists every key.
//
// A SevenNet model (deployed TorchScript, see sevennet_potential.hpp):
//   [potential]
//   type = "sevennet"
//   model = "default"        # or a path, relative to the configuration file
// "default" is $IONCYCLE_DEFAULT_MODEL if set, else models/sevennet-0.pt in the first directory
// above the running executable that has one (the repository, for build trees inside it).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::potentials {

/// `base_dir`: directory of the configuration file. `structure_elements`: atomic numbers present
/// in the structure (the default element list of a Tersoff potential).
[[nodiscard]] std::unique_ptr<Potential> make_potential(const core::ConfigTable& table, const std::string& base_dir,
                                                        const std::vector<int>& structure_elements);

/// The file `model = "default"` stands for (see above); empty if none is found.
[[nodiscard]] std::string default_model_path();

/// Where a potential parameter file named in a configuration is found (see above); InputError
/// located at `key` of `table` if nowhere.
[[nodiscard]] std::string find_parameter_file(const core::ConfigTable& table, const std::string& key,
                                              const std::string& base_dir);

}  // namespace ioncycle::potentials
