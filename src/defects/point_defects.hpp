// SPDX-License-Identifier: MIT
//
// Point-defect operations on a System: the deterministic part of defect generation, once the
// sites are chosen (defect_placement.hpp chooses them). Each operation first checks every id it
// is given and throws InputError, leaving the System unchanged, if one is unknown or repeated;
// then applies all defects of the batch and returns one DefectRecord per defect (layer left at
// -1; the caller knows the layers).
//
//  - vacancies:      remove groups of atoms (one atom: vacancy; a bonded pair: divacancy; an O:
//                    oxygen vacancy). Record: removed atoms, position = centre of the group.
//  - Stone–Wales:    rotate the bond a–b by 90° about its midpoint, around the layer normal
//                    (Stone & Wales, Chem. Phys. Lett. 128, 501 (1986)); ids and species kept.
//                    Record: moved = {a, b}, position = bond midpoint.
//  - substitution:   replace the atom by one of element z at the same position and velocity,
//                    with the element's standard mass. The System cannot change an atom's
//                    element, and an atom of another element is another atom: the original id
//                    is retired and the new atom gets a new id (appended at the end). Record:
//                    removed = old, added = new.
//  - antisite:       exchange the positions (and velocities) of two atoms of different elements
//                    (Li/Ni cation mixing); ids kept. Record: moved = {site atom, partner},
//                    position = the site atom's original position.
//  - interstitials:  insert atoms of element z at given positions. Record: added.
//
// Positions in Å; min-image conventions of the System's cell. Not thread-safe (writes the System).
#pragma once

#include <array>
#include <span>
#include <vector>

#include "core/system.hpp"
#include "defects/defect_record.hpp"

namespace ioncycle::defects {

/// Remove each group of atoms as one defect of `type` (vacancy, divacancy, vacancy_cluster).
std::vector<DefectRecord> make_vacancies(core::System& system, std::span<const std::vector<core::AtomId>> groups,
                                         DefectType type);

/// Rotate each bond {a, b} by `angle` radians (default 90°) about its midpoint around the unit
/// vector `axis` (the layer normal). The two atoms keep their ids; each stays in the periodic
/// image nearest to where it was.
std::vector<DefectRecord> make_stone_wales(core::System& system, std::span<const std::array<core::AtomId, 2>> bonds,
                                           const core::Vec3& axis, double angle = 1.5707963267948966);

/// Replace each atom by an atom of element `new_z` (new id; see the header comment).
std::vector<DefectRecord> make_substitutions(core::System& system, std::span<const core::AtomId> ids, int new_z);

/// Exchange the positions and velocities of each pair {site atom, partner}.
std::vector<DefectRecord> make_antisites(core::System& system, std::span<const std::array<core::AtomId, 2>> pairs);

/// Insert atoms of element `z` at `positions` (Å, wrapped into the cell on periodic axes).
std::vector<DefectRecord> make_interstitials(core::System& system, int z, std::span<const core::Vec3> positions);

/// Mean position of atoms under the minimum-image convention, taken relative to the first one
/// and wrapped into the cell (Å).
[[nodiscard]] core::Vec3 periodic_centre(const core::Cell& cell, std::span<const core::Vec3> positions);

}  // namespace ioncycle::defects
