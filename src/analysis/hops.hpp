// SPDX-License-Identifier: MIT
//
// Ion hops: site-to-site jumps of the intercalated ions, in-plane (within one gallery) and
// interlayer (from one gallery to another), their rates per ion for every segment, and where the
// interlayer jumps happen (next to which defect of the host, or at an edge).
//
// Sites. Where the host's in-plane lattice is known (defects::analyze_stacking on the first
// frame finds a hexagonal lattice, and every gallery's facing atomic planes have a registry),
// ions are placed on the gallery's site lattice. The facing planes of a gallery are the top
// plane of the layer below and the bottom plane of the layer above (across the cell boundary:
// layer 0 one cell higher, its classes moved by StackingAnalysis::image_class). A plane leaves
// free the classes it does not occupy: a graphene sheet its hexagon centres (its hollow class), a
// close-packed O plane the two classes other than its own. The gallery's sites are the classes
// that both facing planes leave free: in O3/O1 oxides the single octahedral class (not occupied
// by either O plane; Li above and below neither O), in P2 the two prismatic classes, in AA
// graphite the common hollow. When no class is free on both sides (AB graphite, whose sheets have
// different hollows) the sites are the hollows of either sheet (each ion above the hexagon
// centre of one sheet, as dilute Li in Bernal graphite). Sites move with the host: an ion's
// position relative to the midpoint of the two bounding layers' centres (HostLayers, continuous
// in time) is mapped to the first frame by the cell change (r0 = c0 + (r − c)·H⁻¹·H0), so layer
// sliding and cell strain create no spurious jumps. An ion is on a site when it is within
// capture_fraction × the site spacing of it (site spacing: a for one class, a/√3 for two).
// Elsewhere (no lattice found, a gallery whose planes have no clear registry), residence
// clusters are used for every ion: an ion resides while it stays within residence_radius of the
// running mean of its unwrapped positions, for at least residence_time and settle_frames frames;
// two residences are the same site when their means are closer than residence_radius.
//
// Jumps (debounced; transition-based assignment with cores, Buchete & Hummer, J. Phys. Chem. B
// 112, 6057 (2008)). Frames in which an ion is between sites (outside every capture radius, or not
// in a gallery) neither end nor start a stay: the ion is still counted on its last site. An ion
// seen on another site is counted there only after it has been seen there in settle_frames frames
// with no third site seen in between; a visit that ends earlier (the ion returns to its site, a
// recrossing of the barrier) is no jump. Consecutive stays on the same site merge. A jump is dated
// at the first frame of the new stay; it is interlayer when the galleries of the two stays differ
// (including an ion leaving the galleries, gallery −1), in-plane otherwise. The positions
// reported are the ion's positions (as written) in the last frame of the old stay and the first
// frame of the new one.
//
// Where. The defects of the first frame (defects::detect_defects) are followed with the layer
// they lie in (its centre's motion and the cell change). A jump is "near" the defect closest to
// the ion in any frame from the last frame of the old stay to the first of the new one, when that
// distance is below near_distance; "<type> at (x, y, z)" with the defect's first-frame position
// (Å). Without a defect within reach, an ion that passed through a frame at an open edge
// (Place::edge) is "edge"; otherwise "".
//
// Rates per segment: jumps counted in it (both the arrival frame and the frame before it lie in
// the segment) over the ion time in it, T = Σ over consecutive frame pairs in the segment of Δt ×
// the number of ions present in both; rate N/T with the Poisson error √N/T (1/T when N = 0, so a
// zero count does not claim an exact zero rate). Units: Å, fs internally; tables in ps, 1/ps.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/host_layers.hpp"
#include "analysis/report.hpp"
#include "analysis/segments.hpp"
#include "analysis/trajectory.hpp"

namespace ioncycle::analysis {

enum class HopKind { inplane, interlayer };
/// "inplane", "interlayer".
[[nodiscard]] const char* hop_kind_name(HopKind kind);

/// How sites are defined.
enum class SiteModel {
  automatic,  ///< the host's site lattice where found, else residence clusters
  lattice,    ///< the site lattice; residence clusters (with a note) when it cannot be found
  residence,  ///< residence clusters always
};

struct HopOptions {
  SiteModel sites = SiteModel::automatic;
  /// Frames an ion must be seen on a new site before the jump counts (debounce).
  std::size_t settle_frames = 3;
  /// Lattice: on a site when closer than this fraction of the site spacing (in plane).
  double capture_fraction = 0.35;
  /// Residence clusters: Å from the running mean; also the distance below which two residences
  /// are the same site.
  double residence_radius = 0.7;
  /// Residence clusters: a cluster must last at least this long (fs) to be a residence.
  double residence_time_fs = 300.0;
  /// A jump is "near" a defect closer than this to the ion during the jump (Å).
  double near_distance = 4.0;
  /// Height gap separating host layers for the lattice and defect search (Å).
  double layer_gap = 1.5;
};

/// One jump.
struct Hop {
  std::size_t frame = 0;       ///< trajectory index of the first frame on the new site
  std::int64_t step = 0;
  double time_fs = 0.0;
  std::int64_t ion_id = 0;
  HopKind kind = HopKind::inplane;
  int from_gallery = -1;
  int to_gallery = -1;
  core::Vec3 from = core::Vec3::Zero();  ///< ion position in the last frame on the old site (Å)
  core::Vec3 to = core::Vec3::Zero();    ///< ion position in the first frame on the new site (Å)
  std::string near;                      ///< "vacancy at (x, y, z)", "edge" or ""
};

/// Jump counts and rates of one segment.
struct HopRate {
  std::string label;  ///< Segment::label
  int cycle = 0;
  HalfCycle half_cycle = HalfCycle::other;
  std::size_t num_inplane = 0;
  std::size_t num_interlayer = 0;
  double ion_time_fs = 0.0;  ///< Σ over ions of the time present in the segment
  Estimate inplane_rate;     ///< 1/ps per ion
  Estimate interlayer_rate;  ///< 1/ps per ion
};

/// The sites of one gallery.
struct GallerySites {
  int gallery = 0;
  /// "hollow" (graphene hexagon centres), "octahedral", "prismatic", or "residence".
  std::string kind;
  std::vector<int> classes;  ///< site classes p0..p2 (plane_lattice.hpp); empty for residence
  double spacing = 0.0;      ///< nearest site–site distance (Å); 0 for residence
};

struct HopResult {
  SiteModel model = SiteModel::residence;  ///< lattice or residence, as used
  std::vector<GallerySites> galleries;
  std::vector<std::string> defects;  ///< first-frame defects, named as in Hop::near
  std::size_t num_ions = 0;          ///< distinct ions seen
  std::vector<Hop> hops;             ///< in time order
  std::vector<HopRate> rates;        ///< one per segment, in the order given
  std::vector<std::string> notes;
  HopOptions options;

  /// The "hops" object of summary.json.
  [[nodiscard]] nlohmann::json to_json() const;
  /// hops.csv and hop_rates.csv in `dir`.
  void write_tables(const std::filesystem::path& dir) const;
  /// Per segment: "inplane_rate" and "interlayer_rate" (1/ps, per ion).
  [[nodiscard]] std::vector<SegmentQuantity> segment_quantities() const;
};

/// Ion jumps of `trajectory` with its `host` (track_host_layers of the same trajectory: one
/// FrameHost per frame) over `segments` (see the header comment). Never throws for a trajectory
/// without ions (empty result with a note).
[[nodiscard]] HopResult analyze_hops(const Trajectory& trajectory, const HostLayers& host,
                                     const std::vector<Segment>& segments, const HopOptions& options);

}  // namespace ioncycle::analysis
