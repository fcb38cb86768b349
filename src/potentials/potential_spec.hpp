// SPDX-License-Identifier: MIT
//
// Potential spec strings: one line that names a potential, used by `ioncycle eval --potential`
// and by `spec = "..."` in a [potential] table. Grammar (terms joined by '+' are summed):
//
//   default              SevenNet-0 (models/sevennet-0.pt) + D3(BJ, PBE)
//   sevennet[:PATH]      a deployed SevenNet serial model (PATH "default" = SevenNet-0)
//   mace:PATH            a MACE model exported with mace_create_lammps_model
//   torchscript:PATH     your own TorchScript model (docs/models.md)
//   nep:PATH             a GPUMD/TorchNEP nep.txt (NEP3/NEP4, with or without ZBL), native kernel
//   model:PATH           any of the four above, recognized from the file's content
//   d3[:FUNCTIONAL]      D3(BJ) dispersion, two-body; FUNCTIONAL defaults to pbe
//   tersoff:PATH         a LAMMPS .tersoff file, for the elements of the structure
//   lj:epsilon=E,sigma=S,cutoff=C          one Lennard-Jones pair for every element pair
//   morse:d0=D,alpha=A,r0=R,cutoff=C        one Morse pair for every element pair
//
// e.g. "sevennet:models/my.pt+d3", "mace:mace-lammps.pt", "lj:epsilon=0.0104 eV,sigma=3.4 A,cutoff=8.5 A".
// Quantities carry units as everywhere in ioncycle. Relative paths are resolved against
// `base_dir`. An error points at the column of the offending term within the spec (its origin
// is `where`: the TOML value or the command-line option).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::potentials {

/// Settings that apply to every D3 term of a spec (the [potential.d3] table).
struct D3Overrides {
  std::optional<std::string> functional;
  std::optional<double> cutoff;     ///< Å
  std::optional<double> cn_cutoff;  ///< Å
  std::optional<bool> tail_correction;
};

struct SpecContext {
  std::string base_dir = ".";               ///< for relative paths
  std::vector<int> structure_elements;      ///< atomic numbers present (lj, morse, tersoff)
  std::string device = "auto";              ///< for TorchScript models
  D3Overrides d3;
  /// Where the spec text starts (a TOML string value: its opening quote; the command line:
  /// column 1 of "--potential"). An error in the first term points here, one in a later term
  /// at that term's column.
  SourceLocation where;
  /// Whether `where` points at a TOML string's opening quote (so text starts one column later).
  bool quoted = false;
};

/// One '+'-separated term, as written.
struct SpecTerm {
  std::string kind;      ///< "sevennet", "d3", ...
  std::string argument;  ///< after the first ':' (empty if none)
  std::size_t offset = 0;  ///< position of the term in the spec text
};

/// Split and check the syntax (known kinds, required arguments). InputError located at the term.
[[nodiscard]] std::vector<SpecTerm> parse_spec(std::string_view spec, const SpecContext& context);

/// Build the potential the spec names (a SumPotential for several terms).
[[nodiscard]] std::unique_ptr<Potential> make_potential_from_spec(std::string_view spec, const SpecContext& context);

/// The kinds accepted in a spec, for hints.
[[nodiscard]] const std::vector<std::string>& spec_kinds();

}  // namespace ioncycle::potentials
