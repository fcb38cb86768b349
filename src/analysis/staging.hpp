// SPDX-License-Identifier: MIT
//
// Staging of an intercalated layered host: per frame the ions in every gallery, the gallery's
// occupancy relative to its capacity, the stage index of the whole stack, and the in-plane order
// of the ions in each graphite gallery.
//
// Occupancy. The ions of gallery g are those host_layers.hpp assigns to it (place gallery or
// edge). Its capacity is `gallery_capacity` when given, else the full filling of its bounding
// layers (the mean of the two): a carbon sheet (>= 90 % C) of N atoms holds N/6 (LiC6, one ion
// per six C, Guérard & Hérold, Carbon 13, 337 (1975)); a slab with oxygen holds one ion per atom
// that is not O (the metals of an A_xMO2 slab, x = 1). When the composition says nothing (another
// host), the capacity is the largest number of ions the gallery ever holds in the trajectory
// (capacity_source "max_observed").
//
// Stage. Staging in graphite: stage n fills every n-th gallery (Rüdorff & Hofmann; Daumas–Hérold
// domains aside, the classical picture of Dahn, Phys. Rev. B 44, 9170 (1991)). Each gallery is
// filled (occupancy >= filled_threshold), empty (<= empty_threshold) or intermediate. Any
// intermediate gallery makes the frame "disordered" (no clear filled/empty split, e.g. a dilute
// stage 1 or a stage transition in progress); no filled gallery makes it "empty"; otherwise the
// stage is the smallest n for which the filled galleries are exactly {g0, g0 + n, g0 + 2n, ...}:
// in a periodic stack of G galleries n must divide G (the period closes around the cell), in a
// slab the pattern runs from its first filled gallery g0 < n to the last gallery. When no n fits
// the frame is "mixed" (stage 0). A gallery holding more ions than its capacity (occupancy above
// overfilled_threshold, e.g. Li in adjacent hexagons beyond LiC6) is no stage of any kind: the
// frame is "overfilled", checked first, whatever the other galleries hold.
//
// √3×√3 order. In LiC6 the ions sit above hexagon centres of the graphene sheets on one of the
// three cosets of the √3×√3 R30° superlattice of those centres. The hexagon-centre lattice of the
// sheet below each gallery is taken from defects::analyze_stacking on the first frame (its lattice
// vectors t1, t2, 120° apart, and the sheet's hollow class) and carried to later frames by the
// cell (affine strain) and by the sheet's own in-plane displacement (host_layers.hpp). An ion's
// nearest centre n1·t1 + n2·t2 is on coset (n1 + n2) mod 3 (the index-3 sublattice invariant
// under 60° rotations). sqrt3_order is the fraction of the gallery's ions on its most populated
// coset: 1 for ordered LiC6 domains, about 1/3 + O(1/√N) for a random filling; NaN with fewer
// than 2 ions or when the sheet below is not graphene.
//
// Units: times in fs internally, tables in ps. Pure function; thread-safe.
#pragma once

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

struct StagingOptions {
  /// Ions per gallery at full filling; 0: automatic from the bounding layers (see above).
  double gallery_capacity = 0.0;
  /// A gallery with at least this occupancy is filled.
  double filled_threshold = 0.5;
  /// A gallery with at most this occupancy is empty; between the two it is intermediate.
  double empty_threshold = 0.2;
  /// A gallery above this occupancy holds more ions than the host's full filling allows.
  double overfilled_threshold = 1.0;
};

/// How a frame's galleries are filled.
enum class StageKind { staged, mixed, disordered, empty, overfilled };

/// The stage of one frame: n >= 1 when staged, else 0.
struct Stage {
  int index = 0;
  StageKind kind = StageKind::empty;
  /// "1", "2", ... when staged, else "mixed", "disordered", "empty", "overfilled".
  [[nodiscard]] std::string label() const;
};

/// Stage of a stack from its gallery occupancies (see the header comment); NaN occupancies count
/// as intermediate.
[[nodiscard]] Stage classify_stage(const std::vector<double>& occupancy, bool periodic, const StagingOptions& options);

struct StagingFrame {
  std::int64_t step = 0;
  double time_fs = 0.0;
  double soc = 0.0;                 ///< state of charge, NaN when the frame has none
  std::vector<int> num_ions;        ///< per gallery
  std::vector<double> occupancy;    ///< per gallery: num_ions / capacity
  std::vector<double> sqrt3_order;  ///< per gallery, NaN where undefined
  Stage stage;
};

/// Per segment: the occupancy spread and the stage statistics.
struct StagingSegment {
  std::string label;  ///< Segment::label
  std::size_t num_frames = 0;
  /// Mean over the segment's frames of the standard deviation of the gallery occupancies (0 for
  /// stage 1 or an empty host, 0.5 for a full stage 2), with its standard error over frames.
  Estimate occupancy_spread;
  /// Mean over frames and galleries of sqrt3_order (where defined), with its standard error.
  Estimate sqrt3_order;
};

struct StagingResult {
  std::size_t num_galleries = 0;
  bool periodic = true;
  std::vector<double> capacity;   ///< per gallery, ions at full filling
  std::string capacity_source;    ///< "option", "composition", "max_observed" (per the header)
  std::vector<StagingFrame> frames;
  std::vector<StagingSegment> segments;
  StagingOptions options;

  /// The "staging" object of summary.json: galleries, capacities, thresholds, the number of
  /// frames per stage label, the first and last frame's stage, per-segment values.
  [[nodiscard]] nlohmann::json to_json() const;
  /// staging.csv (frame × gallery) and stage.csv (per frame) in `dir`.
  void write_tables(const std::filesystem::path& dir) const;
  /// Per segment: "occupancy_spread" (dimensionless) and "sqrt3_order" (dimensionless).
  [[nodiscard]] std::vector<SegmentQuantity> segment_quantities() const;
};

/// Staging of `trajectory`, whose host layers `layers` come from track_host_layers on it.
[[nodiscard]] StagingResult analyze_staging(const Trajectory& trajectory, const HostLayers& layers,
                                            const std::vector<Segment>& segments, const StagingOptions& options);

}  // namespace ioncycle::analysis
