// SPDX-License-Identifier: MIT
//
// Interlayer spacing, stacking registry and layer sliding through a trajectory.
//
// Spacing. The spacing of gallery g is the height difference of its bounding layers from
// host_layers.hpp (continuous heights, a cell that changes shape included), every frame, with the
// number of ions the gallery holds. Its mean against the state of charge: frames with a finite
// SOC are put into bins of width 1/soc_bins over [0, max(1, largest SOC)], and each bin gives the
// mean over its galleries and frames with the naive standard error sd/√count (frames are
// correlated in time, so this is a lower bound on the uncertainty).
//
// Registry. Each analyzed frame goes through defects::analyze_stacking (stacking.hpp: the
// in-plane hexagonal lattice of the bottom plane, each layer's site class A/B/C, the stacking name
// AB, AA, ABC, O3, O1, P2 or the raw sequence). Its layers are matched to the tracked layers by
// atom ids. Site classes are relative to an atom of the bottom layer, so a layer's letter comes
// from its class relative to tracked layer 0: the class difference 0 is 'A', and the two other
// differences get 'B' and 'C' in order of first appearance (bottom to top, first analyzed frame
// first), fixed for the whole trajectory. So Bernal graphite reads ABAB, and a layer that slides
// into the other registry changes its own letter and no other's. (A slide of layer 0 alone shows
// as a change of every other layer: registry is relative.) '?' marks a layer the detection cannot
// name. Detection costs O(N) per frame plus a lattice search: by default every frame is analyzed
// up to max_frames (500) frames, beyond that every ceil(N/max_frames)-th frame (and the last);
// `stride` overrides. layers.csv and stacking.csv have one block of rows per analyzed frame.
//
// Sliding. The in-plane shift of a layer is host_layers.hpp's: the displacement of its centre of
// mass since the first frame relative to the host's centre of mass, so a rigid shift v of one of
// n equal layers reads v(1 − 1/n) for it and −v/n for the others (their difference is v). A
// sliding event is a change of a layer's letter that persists: the new letter must be found in
// `persist_frames` consecutive analyzed frames (default 3); the event is dated at the first of
// them. Frames where the layer is '?' neither start nor confirm a change.
//
// Per segment: "sliding" (Å), the largest change over the segment (last frame − first frame) of
// any layer's in-plane shift |Δshift_k|; "spacing_change" (Å), the mean over galleries of
// spacing(last frame) − spacing(first frame), with the standard error over galleries.
//
// Units: Å, times in fs internally and ps in tables. Pure function; thread-safe.
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
#include "defects/stacking.hpp"

namespace ioncycle::analysis {

struct LayerAnalysisOptions {
  /// Analyze the registry of every stride-th frame; 0: automatic (see the header comment).
  std::size_t stride = 0;
  /// With stride 0: at most about this many analyzed frames.
  std::size_t max_frames = 500;
  /// Analyzed frames a new registry must persist to count as a sliding event.
  std::size_t persist_frames = 3;
  /// SOC bins over [0, 1] for spacing_vs_soc.csv.
  std::size_t soc_bins = 10;
  /// Registry detection (defects::analyze_stacking); Li, Na and K belong to no layer by default.
  defects::StackingOptions stacking;
};

struct LayerFrame {
  std::int64_t step = 0;
  double time_fs = 0.0;
  double soc = 0.0;                   ///< NaN when the frame has none
  std::vector<double> height;         ///< per layer, Å
  std::vector<core::Vec3> shift;      ///< per layer, in-plane, Å
  std::vector<double> spacing;        ///< per gallery, Å
  std::vector<int> num_ions;          ///< per gallery
  bool analyzed = false;              ///< whether the registry was detected in this frame
  std::string registry;               ///< analyzed: one letter per layer ('A', 'B', 'C', '?')
  std::string stacking;               ///< analyzed: the stacking name ("AB", "O3", ...; "?" unknown)
};

struct SlidingEvent {
  std::int64_t step = 0;
  double time_fs = 0.0;
  std::size_t layer = 0;
  char from = '?';
  char to = '?';
};

struct SpacingBin {
  double soc_lo = 0.0, soc_hi = 0.0;
  Estimate spacing;  ///< Å: mean and naive standard error
  std::size_t count = 0;
};

struct LayerSegment {
  std::string label;
  Estimate sliding;         ///< Å
  Estimate spacing_change;  ///< Å
};

struct LayerResult {
  std::size_t num_layers = 0;
  std::size_t num_galleries = 0;
  bool periodic = true;
  std::size_t stride = 1;  ///< as used
  std::vector<LayerFrame> frames;
  std::vector<SlidingEvent> events;
  std::vector<SpacingBin> spacing_vs_soc;  ///< non-empty bins, ascending
  std::vector<LayerSegment> segments;
  LayerAnalysisOptions options;

  /// The "layers" object of summary.json.
  [[nodiscard]] nlohmann::json to_json() const;
  /// spacing.csv, spacing_vs_soc.csv, layers.csv, stacking.csv, sliding_events.csv in `dir`.
  void write_tables(const std::filesystem::path& dir) const;
  /// Per segment: "sliding" (A) and "spacing_change" (A).
  [[nodiscard]] std::vector<SegmentQuantity> segment_quantities() const;
};

/// Spacing, registry and sliding of `trajectory`, whose host layers come from track_host_layers.
[[nodiscard]] LayerResult analyze_layers(const Trajectory& trajectory, const HostLayers& layers,
                                         const std::vector<Segment>& segments, const LayerAnalysisOptions& options);

}  // namespace ioncycle::analysis
