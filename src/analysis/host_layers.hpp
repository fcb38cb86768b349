// SPDX-License-Identifier: MIT
//
// Host layers and galleries followed through a trajectory, and where every ion is in each frame.
//
// Layers. The layers are found once, in the first frame, with defects::find_layers (heights from
// the fractional coordinate along c, clustering on the circle of heights so the periodic wrap of
// c cuts no layer; ions excluded). Each layer is then the same set of atom ids in every frame, so
// thermal motion, buckling or an atom that crosses the cell boundary never changes which layer an
// atom belongs to; atoms absent from a later frame are skipped there. The stack is periodic along
// c (num_galleries = num_layers) when c is periodic and no gap between the facing atomic planes of
// neighbouring layers (including the one across the cell boundary) is wider than `vacuum_gap`;
// otherwise it is a slab, whose bottom layer is the one just above the widest (vacuum) gap.
//
// Continuity. Every layer atom is unwrapped frame to frame in fractional coordinates: on each
// periodic axis its fractional displacement since the previous frame is reduced to [-1/2, 1/2).
// Positions are then consistent with the current cell, so a cell that changes shape (c growing as
// galleries open, in-plane strain) moves layers affinely and creates no spurious displacement; a
// frame-to-frame motion of less than half a cell vector is assumed. A layer's centre is its
// centre of mass in these unwrapped fractional coordinates, times the current cell: its value in
// the first frame plus the mass-weighted mean fractional displacement of the atoms present (so an
// atom that disappears does not make the centre jump). Its component along the normal is the
// layer height (Å, continuous, not wrapped); the gallery spacing is the difference of the heights
// of the bounding layers (across the cell boundary: layer 0 + c). The in-plane shift of a layer
// is the displacement of its fractional centre since the first frame minus that of the whole
// host (all layer atoms), mapped by the current a and b: a rigid shift by v of m of n equal
// layers gives v·(1 − m/n) for the shifted ones and −v·m/n for the others; a uniform strain gives
// no shift.
//
// Ions (atoms of `ion_species`). An ion's fractional height is placed on the stack: in a periodic
// stack between layer g and g+1 (mod the number of layers) → gallery g; in a slab the ion's image
// nearest the middle of the stack is used, between two layers → gallery g, above the top or below
// the bottom layer's centre → surface when it lies within `surface_distance` beyond the outermost
// atom of that layer and a host atom of that layer is within `edge_distance` in plane, else
// outside. Inside a gallery's height range the host atoms of the two bounding layers within
// `edge_distance` in plane decide: none → edge when the nearest is within `outside_distance`, else
// outside; some, but all on one side (|Σ û|/count > `edge_asymmetry`, û the in-plane unit vectors
// from the ion to them: 0 in the bulk, 2/π for a uniform half plane) → edge, an ion at the open rim
// of a finite layer; otherwise gallery. In-plane neighbours are found on a bin grid per layer and
// frame (O(N) per frame).
//
// Units Å; all functions are pure and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis/trajectory.hpp"
#include "core/cell.hpp"

namespace ioncycle::analysis {

/// Where an ion is relative to the host.
enum class Place {
  gallery,   ///< between two host layers, inside the layers' in-plane extent
  edge,      ///< between two layers but at the open edge of a finite layer (no host atom nearby in plane)
  surface,   ///< above the top or below the bottom layer of a slab, within bonding distance
  outside,   ///< anywhere else (vacuum, far from the host)
};
[[nodiscard]] const char* place_name(Place place);

struct HostLayerOptions {
  /// Atomic numbers of the mobile ions, which belong to no layer (default: Li, Na, K).
  std::vector<int> ion_species{3, 11, 19};
  /// A gap in height larger than this (Å) separates two layers (as defects::LayerOptions::gap).
  double gap = 1.5;
  /// Å: a gap between the facing atomic planes of two neighbouring layers wider than this is
  /// vacuum, and the stack is a slab (not periodic along c).
  double vacuum_gap = 6.0;
  /// Å: in-plane radius within which host atoms of the bounding layers are looked for.
  double edge_distance = 3.5;
  /// Å: an ion in a gallery's height range with no host atom of the bounding layers within this
  /// in-plane distance is outside (beyond it, but within: edge).
  double outside_distance = 8.0;
  /// Å: how far beyond the outermost atoms of a slab's outer layer an ion is still at the surface.
  double surface_distance = 3.5;
  /// |Σ û|/count above which the host atoms around an ion lie on one side of it (edge).
  double edge_asymmetry = 0.5;
};

/// The host in one frame. Layer k is the same set of atoms (by id) in every frame.
struct FrameHost {
  std::vector<double> layer_height;      ///< Å along the normal, continuous in time (not wrapped)
  std::vector<core::Vec3> layer_center;  ///< Å, centre of mass of the layer, continuous in time (unwrapped)
  std::vector<double> gallery_spacing;   ///< Å, gallery g lies between layer g and layer g+1 (periodic: the last between the top layer and layer 0 + c)
  std::vector<std::int64_t> ion_ids;     ///< ids of the ions present, ascending
  std::vector<int> ion_gallery;          ///< per ion: gallery index, or -1 when its place is not `gallery`/`edge`
  std::vector<Place> ion_place;          ///< per ion
  /// Å, per layer: in-plane displacement of the layer's centre of mass since the first frame
  /// relative to the host's centre of mass (see the header paragraph).
  std::vector<core::Vec3> layer_shift;
};

struct HostLayers {
  std::size_t num_layers = 0;
  std::size_t num_galleries = 0;   ///< num_layers when the stack is periodic along c, else num_layers - 1
  bool periodic = true;            ///< whether the stack is periodic along c
  core::Vec3 normal{0.0, 0.0, 1.0};  ///< unit stacking direction (normal of a×b) of the first frame
  std::vector<std::vector<std::int64_t>> layer_atom_ids;  ///< ids of each layer's atoms (from the first frame)
  std::vector<FrameHost> frames;   ///< one per trajectory frame
};

/// Follow the host layers through `trajectory`. InputError when the first frame has no host
/// layer (e.g. no cell, or only ions).
[[nodiscard]] HostLayers track_host_layers(const Trajectory& trajectory, const HostLayerOptions& options);

}  // namespace ioncycle::analysis
