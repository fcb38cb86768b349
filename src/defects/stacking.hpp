// SPDX-License-Identifier: MIT
//
// Stacking of layered hosts: which registry each layer is in (A, B, C of close packing), the
// stacking sequence and its name (graphite AB, AA, ABC; layered oxides O3, O1, P2), and the
// stacking-fault builder that shifts layers into another registry.
//
// Detection. The host layers come from find_layers() (ions excluded). Each layer is split into
// atomic planes (a gap in height > plane_gap: one plane for a graphene sheet, O–M–O for an MO2
// slab). The in-plane lattice is found in the bottom plane of layer 0: its two shortest
// translations t1, t2 (|t1| = |t2|, 120°, right-handed about the normal), averaged over the
// matches of 64 sampled atoms, then refined by least squares over every atom of the plane. In a
// cell periodic along a and b the lattice is finally made exact for the cell: a periodic crystal
// is commensurate with its cell, [a b] = [t1 t2]·M with M an integer matrix, so M is found by
// rounding and t1, t2 = [a b]·M⁻¹. Any error in t1, t2 would grow with the distance from the
// reference atom (n spacings: n times the error) and push the far atoms of a large supercell off
// their classes; the exact lattice has none. Where a and b are no integer combinations within
// 0.05 (vacuum inside the cell, an incommensurate layer, no in-plane periodicity) the
// least-squares lattice is kept. Every plane is then placed on that lattice:
// each atom goes to the nearest of the three site classes p0, p1, p2 (plane_lattice.hpp), measured
// from an atom of that bottom plane. A plane is close-packed in one class, or honeycomb (graphene)
// in two, whose third class (the hexagon centres) then names it. A layer is named by its one
// plane's class, or by the class of the middle plane (the metal) of an O–M–O slab. Letters are
// given in order of first appearance from the bottom (the first class seen is A, the next B), so
// Bernal graphite reads ABAB whichever sublattice the reference atom was on. Facing planes of
// neighbouring slabs in the same class make a prismatic gallery (P), otherwise octahedral (O).
// A plane is one class when >= 90 % of its fitting atoms are in it, honeycomb when two classes
// hold >= 95 % and the smaller of them >= 25 % (so vacancies do not hide the registry).
// Fewer than 80 % of the atoms within site_tolerance × a/√3 of a site, or any other mixture,
// make the layer '?' (a partly slipped layer, a domain boundary, an amorphous region).
//
// Faults. A fault shifts layers rigidly in the plane: every layer above `above_layer` (a block,
// with the ions of the galleries above the first shifted layer), or only `layer`, optionally
// only the atoms whose fractional coordinate along a (or b) lies in a band. The shift is given
// as a vector or by the registry the first shifted layer j should take relative to the layers
// below it: "AA" (j in the registry of j−1), "AB" (j in the registry of j−2 when that differs from
// j−1, continuing ABAB; otherwise the class two steps on), "ABC" (the registry of neither j−1 nor
// j−2), and for MO2 slabs "O1" (metal of j above the metal of j−1, octahedral gallery) or "O3"
// (the other octahedral stacking). The shift is the shortest in-plane vector between the two
// classes (one C–C bond, 1.42 Å, in graphite; a/√3 in oxides). A block shift in a cell periodic
// along c also adds the shift to c (tilt_cell), so that the registry across the cell boundary is
// kept and the fault is the only interface changed; without the tilt a second fault appears at
// the boundary. Ions in a gallery next to a shifted layer whose gallery stays octahedral are
// moved to the nearest octahedral site (the O3→O1 glide keeps Li in octahedra); other ions of
// that gallery stay where they are. A partial fault (a band) pushes atoms across the band's edge,
// since no registry shift runs parallel to it: a shifted atom that lands closer than 0.7 of the
// structure's shortest bond to an unshifted one is removed and listed in the record, as at a
// real domain boundary, which relaxes under MD or a minimization.
//
// Layers are numbered from 0 at the bottom (find_layers). All positions in Å. Errors that a
// user's request causes are RequestErrors naming the key (request_error.hpp). Detection is
// read-only and thread-safe; apply_stacking_fault writes the System.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/system.hpp"
#include "defects/defect_record.hpp"
#include "defects/layers.hpp"

namespace ioncycle::defects {

struct StackingOptions {
  /// Layer detection; by default Li, Na and K belong to no layer.
  LayerOptions layers{1.5, {3, 11, 19}};
  /// Å: a gap in height larger than this splits a layer into atomic planes.
  double plane_gap = 0.45;
  /// An atom fits a site class when it is closer than this fraction of a/√3 to one of its sites.
  double site_tolerance = 0.3;
};

/// One atomic plane of a layer.
struct PlaneRegistry {
  std::vector<std::size_t> atoms;  ///< indices into the System
  double height = 0.0;             ///< mean height (Å), unwrapped next to its layer
  std::array<double, 3> occupancy{};  ///< fraction of the plane's atoms in class p0, p1, p2
  double fitting = 0.0;           ///< fraction of atoms within the site tolerance of a class site
  int site = -1;    ///< close-packed plane: its class, else -1
  int hollow = -1;  ///< honeycomb plane: the empty class, else -1
};

struct LayerRegistry {
  std::vector<PlaneRegistry> planes;  ///< bottom to top
  /// The class naming the layer (honeycomb hollow, single plane's class, or the middle plane's
  /// class of an odd stack of planes); -1 when unknown.
  int label = -1;
  /// Whether the layer is an MO2-type slab (three or more planes).
  [[nodiscard]] bool is_slab() const { return planes.size() >= 3; }
};

struct StackingAnalysis {
  std::vector<Layer> layers;
  std::vector<LayerRegistry> registry;  ///< one per layer
  bool has_lattice = false;  ///< whether a hexagonal in-plane lattice was found
  core::Vec3 normal = core::Vec3::UnitZ();
  core::Vec3 t1 = core::Vec3::Zero();      ///< in-plane lattice vectors (Å), 120° apart
  core::Vec3 t2 = core::Vec3::Zero();
  core::Vec3 origin = core::Vec3::Zero();  ///< an atom of the reference plane (class p0)
  bool periodic = true;                    ///< c periodic: the last gallery wraps to layer 0
  /// Site class of c's in-plane part: the image of a layer one cell higher is in its class plus
  /// this (non-zero when c is tilted by a fault); -1 when c's in-plane part is no class vector.
  int image_class = 0;
  /// One letter per layer (A, B, C in order of first appearance; '?' unknown).
  std::string sequence;
  /// MO2 slabs only: one letter per gallery ('O' octahedral, 'P' prismatic, '?'); gallery k lies
  /// above layer k, the last one across the cell boundary when c is periodic. Empty otherwise.
  std::string galleries;
  /// "AB", "AA", "ABC" (graphite-like), "O3", "O1", "P2" (slabs), or the sequence itself when it
  /// holds no two whole periods of a named stacking; "" without layers or lattice.
  std::string name;

  /// The shortest in-plane vector taking site class `from` to class `to` (Å).
  [[nodiscard]] core::Vec3 class_shift(int from, int to) const;
  /// Site class (0..2) nearest to a position, and its in-plane distance from it (Å).
  [[nodiscard]] std::pair<int, double> nearest_class(const core::Cell& cell, const core::Vec3& r) const;
};

/// Layers, registry and stacking name of a structure. Never throws for structures without
/// layers or lattice (the result says so); throws InputError only for a cell without a lattice.
[[nodiscard]] StackingAnalysis analyze_stacking(const core::System& system, const StackingOptions& options = {});

/// A named target registry.
enum class RegistryTarget { aa, ab, abc, o1, o3 };
[[nodiscard]] std::string_view to_string(RegistryTarget target);

/// `to` of a fault: "AA", "AB", "ABC", "O1", "O3", optionally preceded by the registry expected
/// before the fault and an arrow ("AB->AA", "AB→ABC").
struct RegistryRequest {
  std::optional<std::string> from;
  RegistryTarget to = RegistryTarget::aa;
};
/// nullopt when `text` is not of that form.
[[nodiscard]] std::optional<RegistryRequest> parse_registry_request(std::string_view text);

/// Atoms whose fractional coordinate along `axis` (0 = a, 1 = b), reduced to [0, 1), lies in
/// [from, to).
struct Band {
  int axis = 0;
  double from = 0.0;
  double to = 1.0;
};

struct StackingFault {
  /// Lowest shifted layer (above_layer + 1, or `layer`).
  int first_layer = 1;
  /// true: first_layer and all layers above (above_layer); false: only first_layer (layer).
  bool block = true;
  std::optional<RegistryRequest> registry;
  std::optional<core::Vec3> shift;  ///< in-plane vector (Å); exactly one of registry / shift
  std::optional<Band> band;
  /// Tilt c by the shift; default: for a block without a band in a cell periodic along c.
  std::optional<bool> tilt_cell;
};

struct FaultOutcome {
  core::Vec3 shift = core::Vec3::Zero();
  std::vector<int> layers;        ///< shifted layers
  std::size_t num_moved = 0;      ///< atoms shifted (host and ions moved with the block)
  std::size_t num_ions_resited = 0;  ///< ions moved to the new octahedral sites of a gallery
  /// Partial faults: shifted atoms removed because they landed within 0.7 of the shortest bond
  /// of an unshifted atom at the band's edge (listed in record.removed).
  std::size_t num_removed = 0;
  bool tilted = false;
  std::string sequence_before, sequence_after;
  DefectRecord record;  ///< type stacking_fault (see defect_record.hpp)
};

/// Apply one fault. Throws RequestError (keys "above_layer"/"layer", "to", "shift", "band",
/// "tilt_cell") with the System unchanged when the request is impossible.
FaultOutcome apply_stacking_fault(core::System& system, const StackingFault& fault,
                                  const StackingOptions& options = {});

}  // namespace ioncycle::defects
