// SPDX-License-Identifier: MIT
//
// Where a new ion may go. A SiteFinder is prepared once per exchange event for the current
// configuration and then draws random candidate positions, uniformly within the chosen site set
// (protocol.hpp SiteSet), that keep at least IonSettings::min_distance_for(z_j) from every atom j,
// also across periodic images.
//
// prepare() is O(N): it bins every atom into a grid of the cell in fractional coordinates (so
// triclinic cells work unchanged; periodic axes wrap, non-periodic axes span the atoms' extent),
// finds the host layers (host = every atom that is not of the ion's species; defects/layers.hpp),
// the galleries between adjacent layers, and the host's free boundaries: an axis is free where
// it is not periodic or where the host leaves an empty stripe wider than `vacuum_gap` across it.
// A distance test then visits only the bins within the largest minimum distance.
//
// Site sets (all lengths in Å):
//   - galleries: between two adjacent host layers whose clear gap is at most `vacuum_gap`; the
//     height is the gallery mid-plane ± `gallery_tolerance`, uniform in-plane over the host's
//     in-plane extent. Gallery k lies above layer k (layers numbered from the bottom as in
//     defects/layers.hpp), the one above the top layer wrapping to the bottom one through a
//     periodic c; the label is "gallery k".
//   - edge: gallery points within `depth` (measured in-plane, inward) of a free in-plane edge of
//     the host; label "edge, gallery k".
//   - surface: points within `depth` of the outermost host atoms along the layer normal, on
//     either side of that plane (outside in the vacuum or just inside the host), on every face
//     that borders vacuum; label "surface".
//   - region: uniform in the Cartesian box (infinite bounds cut at the cell's bounding box);
//     label "region".
//   - anywhere: uniform in the cell; label "anywhere".
// Candidates are wrapped into the cell on periodic axes, except region candidates, which stay
// in their box.
//
// In-plane exclusion. A new ion also keeps IonSettings::exclusion from every ion of its own
// species. "auto" (the default) is kAutoExclusionFraction × s_full, where s_full is the spacing of
// the ions in a full gallery ordered on a triangular lattice: s_full² = 2 A / (√3 c_g), with A the
// host's in-plane area (the periodic a × b cell, cut to the host's extent along a free in-plane
// axis) and c_g = capacity / galleries the ions of one full gallery. In LiC6 that spacing is
// √3 a = 4.26 Å, the second hexagon-centre distance; the first, a = 2.46 Å, is never occupied
// (in-plane nearest-neighbour exclusion, the lattice-gas picture of Li in graphite: Dahn, Phys.
// Rev. B 44, 9170 (1991)), and 0.8 × 4.26 = 3.41 Å lies halfway between the two. In LiCoO2,
// s_full = a = 2.82 Å and the exclusion (2.25 Å) only keeps ions from sharing a site. Without
// galleries or a periodic in-plane cell, "auto" is none. prepare() works it out for the current
// configuration; exclusion() reports it.
//
// sample() returns nullopt when none of `max_tries` random points is far enough from every atom
// (or when the site set is empty for this structure: unavailable_reason() says why); the caller
// turns this into a SimulationError with the run's context.
//
// The finder keeps a copy of the positions it was prepared with; it does not see later moves.
// Const methods are thread-safe; prepare() is not.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/system.hpp"
#include "cycling/protocol.hpp"

namespace ioncycle::cycling {

/// One candidate insertion site.
struct SiteCandidate {
  core::Vec3 position = core::Vec3::Zero();  ///< Å
  std::string label;                         ///< "gallery 2", "edge, gallery 0", "surface", ...
  int gallery = -1;                          ///< gallery index, -1 outside galleries
};

/// A gallery between host layers `index` and the one above it.
struct Gallery {
  int index = 0;
  double lower = 0.0;  ///< height (Å) of the layer below (mean height along the normal)
  double upper = 0.0;  ///< height (Å) of the layer above; may exceed the c spacing when wrapping
  [[nodiscard]] double mid() const { return 0.5 * (lower + upper); }
};

/// "auto" exclusion as a fraction of the full gallery's ion spacing (see the header comment).
inline constexpr double kAutoExclusionFraction = 0.8;

/// Tunables of the geometry analysis; the defaults suit graphite and layered oxides.
struct SiteFinderOptions {
  double layer_gap = 1.5;          ///< Å: height gap separating two layers (defects::LayerOptions::gap)
  double gallery_tolerance = 0.2;  ///< Å: gallery points lie within this of the mid-plane
  /// Å: an empty stripe of the host wider than this (atom to atom) is vacuum, making a free edge
  /// or surface; layers further apart than this (clear gap) bound no gallery.
  double vacuum_gap = 6.0;
};

class SiteFinder {
 public:
  /// Minimum distances and the ion species come from `ion`.
  explicit SiteFinder(const IonSettings& ion, SiteFinderOptions options = {});

  /// Analyse `system` for the site set of `settings` (sites, region, depth, max_tries).
  void prepare(const core::System& system, const InsertionSettings& settings);

  /// A random candidate uniformly in the site set that is at least the minimum distance from
  /// every atom, trying at most `max_tries` points (default: settings.max_tries of prepare()).
  [[nodiscard]] std::optional<SiteCandidate> sample(core::Rng& rng) const;
  [[nodiscard]] std::optional<SiteCandidate> sample(core::Rng& rng, int max_tries) const;

  /// Whether an ion at `position` keeps at least the minimum distance from every atom (all
  /// periodic images included).
  [[nodiscard]] bool is_free(const core::Vec3& position) const;

  /// Signed distance (Å) from `position` to the host's free boundary of kind `edge_or_surface`
  /// (SiteSet::edge: the nearest free in-plane edge, measured in-plane; SiteSet::surface: the
  /// nearest outer face along the normal). Positive inside the host's extent, negative outside;
  /// +infinity when the host has no such boundary.
  [[nodiscard]] double distance_to_free_boundary(const core::Vec3& position, SiteSet edge_or_surface) const;
  /// Whether the host has a free edge (SiteSet::edge) or surface (SiteSet::surface).
  [[nodiscard]] bool has_free_boundary(SiteSet edge_or_surface) const;

  /// The ion–ion exclusion (Å) of the last prepare(): IonSettings::exclusion when given, the
  /// "auto" value for this host, or 0 (none).
  [[nodiscard]] double exclusion() const { return exclusion_; }
  /// Galleries found by the last prepare(), by index.
  [[nodiscard]] const std::vector<Gallery>& galleries() const { return galleries_; }
  /// Why the prepared site set holds no point at all ("" when it has some).
  [[nodiscard]] const std::string& unavailable_reason() const { return unavailable_; }
  /// "no site >= 1.5 A from other atoms in the galleries (1000 tries)" for error messages.
  [[nodiscard]] std::string failure_message(int max_tries) const;
  /// Number of grid bins of the last prepare() (for benchmarks and tests).
  [[nodiscard]] std::size_t num_bins() const { return bin_start_.empty() ? 0 : bin_start_.size() - 1; }

 private:
  // A free boundary along one direction: the host occupies [lo, hi] (hi may exceed lo + span
  // when the range wraps through a periodic boundary) in units of `scale` Å per unit.
  struct Extent {
    bool free = false;
    double lo = 0.0, hi = 0.0;
  };
  // A stripe of the site set: coordinate `axis` (0, 1: fractional in-plane; 2: height in Å)
  // in [lo, hi], picked with probability proportional to `weight`.
  struct Stripe {
    int axis = 0;
    double lo = 0.0, hi = 0.0, weight = 0.0;
  };

  void build_grid(const core::System& system);
  [[nodiscard]] double auto_exclusion() const;
  void analyse_host(const core::System& system);
  void plan_site_set(const InsertionSettings& settings);
  [[nodiscard]] std::optional<SiteCandidate> draw(core::Rng& rng) const;
  [[nodiscard]] core::Vec3 to_fractional(const core::Vec3& r) const;
  [[nodiscard]] core::Vec3 to_cartesian(const core::Vec3& s) const;
  [[nodiscard]] double in_plane_coordinate(int axis, core::Rng& rng) const;
  [[nodiscard]] int stripes_containing(const core::Vec3& fractional, double height) const;

  IonSettings ion_;
  SiteFinderOptions options_;
  std::vector<double> min_distance_sq_by_z_;  // index z
  double ion_min_distance_ = 0.0;             // min_distance_for(ion z), before the exclusion
  double exclusion_ = 0.0;
  double max_min_distance_ = 0.0;

  // Frame: r = origin + s · H (rows of H are the lattice vectors, or a bounding box).
  core::Mat3 h_ = core::Mat3::Identity();
  core::Mat3 h_inv_ = core::Mat3::Identity();
  core::Vec3 origin_ = core::Vec3::Zero();
  std::array<bool, 3> periodic_{false, false, false};
  bool has_lattice_ = false;
  core::Vec3 plane_spacing_ = core::Vec3::Ones();  // distance between opposite faces (Å)

  // Grid, per axis: bin coordinate t = (s - grid_lo) / grid_span * n.
  std::array<int, 3> num_bins_{1, 1, 1};
  std::array<int, 3> reach_{1, 1, 1};
  std::array<double, 3> grid_lo_{0.0, 0.0, 0.0};
  std::array<double, 3> grid_span_{1.0, 1.0, 1.0};
  std::vector<std::uint32_t> bin_start_;     // CSR offsets, num_bins + 1
  std::vector<core::Vec3> binned_position_;  // wrapped Cartesian positions, in bin order
  std::vector<double> binned_min_sq_;        // squared minimum distance to each, in bin order

  // Host geometry.
  std::vector<Gallery> galleries_;
  std::array<Extent, 2> in_plane_{};  // fractional along a and b
  Extent normal_{};                   // heights (Å) along the layer normal
  double c_spacing_ = 0.0;            // Å between lattice planes along c (heights wrap with it)

  // Prepared site set.
  InsertionSettings settings_;
  std::vector<Stripe> stripes_;
  double total_weight_ = 0.0;
  core::Vec3 box_lo_ = core::Vec3::Zero(), box_hi_ = core::Vec3::Zero();
  std::string unavailable_;
};

}  // namespace ioncycle::cycling
