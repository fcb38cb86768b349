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
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "potentials/potential.hpp"
#include "potentials/potential_spec.hpp"

namespace ioncycle::potentials {

/// `base_dir`: directory of the configuration file. `structure_elements`: atomic numbers present
/// in the structure (the default element list of a Tersoff potential).
[[nodiscard]] std::unique_ptr<Potential> make_potential(const core::ConfigTable& table, const std::string& base_dir,
                                                        const std::vector<int>& structure_elements);

/// A model file as a Potential, its format recognized from the metadata. `kind` "sevennet",
/// "mace" or "torchscript" requires that format; "" accepts any. `device`: see torch_support.hpp.
[[nodiscard]] std::unique_ptr<Potential> make_model_potential(const std::string& path, const std::string& kind,
                                                              const std::string& device);

/// D3(BJ) dispersion; `functional` (e.g. "pbe") overrides `overrides.functional`; defaults in
/// docs/models.md.
[[nodiscard]] std::unique_ptr<Potential> make_d3_potential(const std::optional<std::string>& functional,
                                                           const D3Overrides& overrides);

/// The file `model = "default"` stands for (see above); empty if none is found.
[[nodiscard]] std::string default_model_path();

/// Where a parameter file named `given` is found (see above), or nullopt with the places
/// `looked` in.
[[nodiscard]] std::optional<std::string> locate_parameter_file(const std::string& given, const std::string& base_dir,
                                                               std::vector<std::string>& looked);

/// Where a potential parameter file named in a configuration is found (see above); InputError
/// located at `key` of `table` if nowhere.
[[nodiscard]] std::string find_parameter_file(const core::ConfigTable& table, const std::string& key,
                                              const std::string& base_dir);

}  // namespace ioncycle::potentials
