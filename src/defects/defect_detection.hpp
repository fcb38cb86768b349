// SPDX-License-Identifier: MIT
//
// Geometric detection of point defects in a layered structure, for `ioncycle info` and for
// analyses that must tell a defect from a thermal displacement. It needs no history: it looks at
// one structure, so it finds the atoms and holes that are there, not the ids of atoms lost.
//
// Host layers are find_layers() groups (Li, Na, K excluded) of the atoms that remain after the
// atoms of sparse atomic planes are set aside: heights are first grouped into planes 0.7 Å apart,
// and a plane with fewer atoms than `sparse_layer_fraction` of the fullest one (a lone
// interstitial, a Ni in the Li plane, which would otherwise merge two MO2 slabs) is not part of
// any layer; nor is a whole layer that small. Numbering is from 0 at the bottom, as find_layers
// gives it for the structure without those stray atoms. Bonds join atoms of one host layer
// closer than `bond_factor` times the typical nearest-neighbour distance of their two elements
// (the median, measured from the rarer element), so 1.42 Å C–C and 1.9 Å Co–O bonds need no
// table of radii.
//
// Detected (records carry the atoms that reveal the defect in `atoms`, ids of the structure):
//  - vacancy / divacancy / vacancy_cluster: for every (centre A, neighbour B) pair of elements
//    whose usual coordination m >= 2 is centrosymmetric (the bond vectors sum to ~0: C in
//    graphene, m = 3; M in an MO2 octahedron, m = 6), an A with m−1 B neighbours predicts the
//    missing B at x_A − Σ d (the sum of its present bond vectors). Predictions within
//    `site_tolerance` are one site; a site predicted by at least two atoms, with no atom on it,
//    is vacant. Vacant sites closer than 1.2 times the B–B neighbour distance form one defect:
//    1 site vacancy, 2 divacancy, 3+ vacancy_cluster. `removed` lists one {-1, B} per site;
//    position = centre of the sites. A free edge (each missing neighbour predicted once) is not
//    reported. Carbon vacancies in graphite and oxygen vacancies in MO2 slabs are found this way.
//  - stone_wales: a bond between two three-fold coordinated atoms whose smallest ring is a
//    7-ring (the central bond of the 5-7-7-5 defect; Stone & Wales 1986). Rings are searched in
//    the bond graph with periodic images resolved, so cells should be at least ~4 rings wide.
//  - substitution: an atom of another element in a layer where one element makes at least 75 %
//    of the atoms (B or N in a graphene sheet); properties host=<majority element>.
//  - interstitial: an atom (not Li/Na/K) outside every host layer, or more than 0.8 Å off the
//    plane of a one-element sheet (an adatom).
//  - antisite: in structures whose layers hold several elements (MO2 slabs), a layer cation
//    outside the layers (Ni in the Li plane), and an intercalant ion inside a layer's height
//    band (Li on an M site).
// Li, Na, K in galleries are intercalants, not defects. Needs a cell with a lattice (returns an
// empty list otherwise). Read-only; thread-safe.
#pragma once

#include <vector>

#include "core/system.hpp"
#include "defects/defect_record.hpp"

namespace ioncycle::defects {

struct DetectionOptions {
  /// Mobile ions: never part of a layer, never reported in galleries (Li, Na, K).
  std::vector<int> intercalants = {3, 11, 19};
  /// Height gap separating layers (Å), as LayerOptions::gap.
  double layer_gap = 1.5;
  /// Bonded when closer than this times the typical nearest-neighbour distance of the pair.
  double bond_factor = 1.25;
  /// Groups of atoms smaller than this fraction of the largest layer are not host layers.
  double sparse_layer_fraction = 0.25;
  /// Predicted vacant positions closer than this (Å) are the same site.
  double site_tolerance = 0.6;
};

/// Defects found in `system`, in the order vacancies (by element), Stone–Wales, substitutions,
/// antisites, interstitials; each with its layer (-1 outside layers).
[[nodiscard]] std::vector<DefectRecord> detect_defects(const core::System& system,
                                                       const DetectionOptions& options = {});

}  // namespace ioncycle::defects
