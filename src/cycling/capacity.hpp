// SPDX-License-Identifier: MIT
//
// The capacity of a host: how many ions it holds at state of charge 1, counted on the actual
// host structure from a formula written as chemists write the fully intercalated compound.
//
//   "LiC6"                 one Li per six C                 capacity = N_C / 6
//   "Li2C12", "LiC12"      two per twelve, one per twelve   capacity = 2 N_C / 12, N_C / 12
//   "NaC8"                 one Na per eight C               capacity = N_C / 8
//   "LiCoO2"               one Li per Co                    capacity = N_Co
//   "LiMO2"                one Li per transition metal M    capacity = N_M
//   "LiNi0.8Mn0.1Co0.1O2"  one Li per (Ni + Mn + Co)        capacity = (N_Ni + N_Mn + N_Co) / 1.0
//
// Grammar: <ion symbol>[count] <host formula>, the host formula a sequence of element symbols
// (or the generic metal M) each with an optional positive decimal count. The *basis* of the host
// is its leading run of non-anion terms (everything before the first O, F, S or Cl): the formula
// unit holds sum(counts of the basis) basis atoms, so the host has N_basis / sum(counts) formula
// units and the capacity is (ion count) × N_basis / sum(counts). M stands for every host atom that
// is neither the ion, nor an anion (O, F, S, Cl), nor C or H (a layered oxide's metals, whatever
// they are). Every element the formula names must be present in the host, so a formula written
// for another host ("LiC6" on an oxide) is caught before a run starts.
//
// SOC is then x = N_ion / capacity (DESIGN.md, Conventions). Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "core/system.hpp"

namespace ioncycle::cycling {

/// Ions at state of charge 1 for the formula `text` on `host`, whose mobile ion has atomic
/// number `ion_z`. Atoms of `ion_z` already in the host are not part of the host count.
/// Throws InputError without a location (the caller places it at the value) when the text does
/// not parse, names another ion, names an element absent from the host, or gives no capacity.
[[nodiscard]] double capacity_ions(std::string_view text, const core::System& host, int ion_z);

/// A capacity given as a plain number of ions: checked to be finite and positive (InputError
/// without a location otherwise) and returned.
[[nodiscard]] double capacity_ions(double count);

}  // namespace ioncycle::cycling
