// SPDX-License-Identifier: MIT
#include "analysis/layer_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>

#include "core/error.hpp"

namespace ioncycle::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

int mod3(int k) { return ((k % 3) + 3) % 3; }

std::size_t automatic_stride(std::size_t num_frames, const LayerAnalysisOptions& options) {
  if (options.stride > 0) return options.stride;
  const std::size_t cap = std::max<std::size_t>(options.max_frames, 1);
  return num_frames <= cap ? 1 : (num_frames + cap - 1) / cap;
}

struct Detection {
  std::vector<int> label;  // site class (0..2) per tracked layer, -1 where unknown
  std::string name;        // stacking name
  core::Vec3 t1 = core::Vec3::Zero();  // the in-plane lattice vector the classes refer to
  core::Vec3 normal = core::Vec3::UnitZ();
};

Detection detect(const core::System& system, const HostLayers& layers,
                 const std::unordered_map<std::int64_t, std::size_t>& layer_of, const defects::StackingOptions& options) {
  std::vector<int> label(layers.num_layers, -1);
  const defects::StackingAnalysis sa = defects::analyze_stacking(system, options);
  const std::string name = sa.name.empty() ? "?" : sa.name;
  if (!sa.has_lattice) return {label, name};
  std::vector<int> matched(layers.num_layers, 0);
  for (std::size_t m = 0; m < sa.layers.size(); ++m) {
    // The tracked layer holding most of this layer's atoms; it must hold more than half.
    std::unordered_map<std::size_t, std::size_t> votes;
    for (const std::size_t i : sa.layers[m].atoms) {
      const auto it = layer_of.find(system.ids()[i]);
      if (it != layer_of.end()) ++votes[it->second];
    }
    std::size_t best = 0, best_votes = 0;
    for (const auto& [k, v] : votes) {
      if (v > best_votes) {
        best = k;
        best_votes = v;
      }
    }
    if (2 * best_votes <= sa.layers[m].atoms.size()) continue;
    ++matched[best];
    label[best] = sa.registry[m].label;
  }
  // A tracked layer split into two detected layers (or merged with another) has no registry.
  for (std::size_t k = 0; k < layers.num_layers; ++k) {
    if (matched[k] != 1) label[k] = -1;
  }
  return {label, name, sa.t1, sa.normal};
}

Estimate mean_and_stderr(const std::vector<double>& values) {
  Estimate e;
  if (values.empty()) return e;
  double sum = 0.0;
  for (const double v : values) sum += v;
  e.value = sum / static_cast<double>(values.size());
  if (values.size() > 1) {
    double ss = 0.0;
    for (const double v : values) ss += (v - e.value) * (v - e.value);
    e.error = std::sqrt(ss / static_cast<double>(values.size() - 1) / static_cast<double>(values.size()));
  }
  return e;
}

}  // namespace

LayerResult analyze_layers(const Trajectory& trajectory, const HostLayers& layers, const std::vector<Segment>& segments,
                           const LayerAnalysisOptions& options) {
  if (layers.frames.size() != trajectory.size()) {
    throw InputError("layer analysis: the host layers were tracked on another trajectory (" +
                     std::to_string(layers.frames.size()) + " frames, not " + std::to_string(trajectory.size()) + ")");
  }
  if (options.soc_bins == 0) throw InputError("layer analysis: soc_bins must be at least 1");
  LayerResult out;
  out.options = options;
  out.num_layers = layers.num_layers;
  out.num_galleries = layers.num_galleries;
  out.periodic = layers.periodic;
  const std::size_t num_frames = trajectory.size();
  out.stride = automatic_stride(num_frames, options);
  if (num_frames == 0) return out;

  std::unordered_map<std::int64_t, std::size_t> layer_of;
  for (std::size_t k = 0; k < layers.num_layers; ++k) {
    for (const auto id : layers.layer_atom_ids[k]) layer_of[id] = k;
  }
  // Letters of the class differences relative to layer 0, by first appearance.
  std::array<char, 3> letter{'A', 0, 0};
  char next_letter = 'B';
  // The lattice basis found in each frame may be any of the six right-handed 120° pairs; one
  // turned by an odd multiple of 60° from the first frame's exchanges the classes p1 and p2
  // (a 60° rotation about a site swaps the B and C positions of close packing), so class
  // differences are mapped back to the first frame's basis, kept in its fractional coordinates.
  std::optional<core::Vec3> reference_t1;

  out.frames.resize(num_frames);
  for (std::size_t f = 0; f < num_frames; ++f) {
    const TrajectoryFrame& tf = trajectory[f];
    const FrameHost& host = layers.frames[f];
    LayerFrame& lf = out.frames[f];
    lf.step = tf.step;
    lf.time_fs = tf.time_fs;
    lf.soc = observable(tf, "state_of_charge");
    lf.height = host.layer_height;
    lf.shift = host.layer_shift;
    lf.spacing = host.gallery_spacing;
    lf.num_ions.assign(layers.num_galleries, 0);
    for (const int g : host.ion_gallery) {
      if (g >= 0) ++lf.num_ions[static_cast<std::size_t>(g)];
    }
    lf.analyzed = f % out.stride == 0 || f + 1 == num_frames;
    if (!lf.analyzed) continue;
    const Detection found = detect(tf.system, layers, layer_of, options.stacking);
    const auto& label = found.label;
    const core::Cell& cell = tf.system.cell();
    lf.stacking = found.name;
    lf.registry.assign(layers.num_layers, '?');
    if (label.empty() || label[0] < 0) continue;
    if (!reference_t1) reference_t1 = cell.to_fractional(found.t1);
    const core::Vec3 ref = cell.to_cartesian(*reference_t1);
    const double angle = std::atan2(ref.cross(found.t1).dot(found.normal), ref.dot(found.t1));
    const long sixths = std::lround(angle / (std::acos(-1.0) / 3.0));
    const int sign = sixths % 2 == 0 ? 1 : -1;
    for (std::size_t k = 0; k < layers.num_layers; ++k) {
      if (label[k] < 0) continue;
      const auto diff = static_cast<std::size_t>(mod3(sign * (label[k] - label[0])));
      if (letter[diff] == 0) letter[diff] = next_letter++;
      lf.registry[k] = letter[diff];
    }
  }

  // Debounced registry changes.
  const std::size_t persist = std::max<std::size_t>(options.persist_frames, 1);
  std::vector<std::size_t> analyzed;
  for (std::size_t f = 0; f < num_frames; ++f) {
    if (out.frames[f].analyzed) analyzed.push_back(f);
  }
  for (std::size_t k = 0; k < layers.num_layers; ++k) {
    char current = '?';
    for (std::size_t a = 0; a < analyzed.size(); ++a) {
      const char here = out.frames[analyzed[a]].registry[k];
      if (here == '?' || here == current) continue;
      if (current == '?') {
        current = here;  // the first known registry
        continue;
      }
      bool persists = a + persist <= analyzed.size();
      for (std::size_t b = a; b < a + persist && persists; ++b) persists = out.frames[analyzed[b]].registry[k] == here;
      if (!persists) continue;
      const LayerFrame& lf = out.frames[analyzed[a]];
      out.events.push_back({lf.step, lf.time_fs, k, current, here});
      current = here;
    }
  }
  std::stable_sort(out.events.begin(), out.events.end(),
                   [](const SlidingEvent& x, const SlidingEvent& y) { return x.time_fs < y.time_fs; });

  // Spacing against SOC.
  double soc_max = 1.0;
  for (const auto& lf : out.frames) {
    if (std::isfinite(lf.soc)) soc_max = std::max(soc_max, lf.soc);
  }
  const double width = 1.0 / static_cast<double>(options.soc_bins);
  const auto num_bins = static_cast<std::size_t>(std::ceil(soc_max / width - 1e-9));
  std::vector<std::vector<double>> bins(std::max<std::size_t>(num_bins, 1));
  for (const auto& lf : out.frames) {
    if (!std::isfinite(lf.soc) || lf.soc < 0.0) continue;
    const auto b = std::min(static_cast<std::size_t>(lf.soc / width), bins.size() - 1);
    for (const double s : lf.spacing) bins[b].push_back(s);
  }
  for (std::size_t b = 0; b < bins.size(); ++b) {
    if (bins[b].empty()) continue;
    SpacingBin bin;
    bin.soc_lo = static_cast<double>(b) * width;
    bin.soc_hi = static_cast<double>(b + 1) * width;
    bin.spacing = mean_and_stderr(bins[b]);
    bin.count = bins[b].size();
    out.spacing_vs_soc.push_back(bin);
  }

  for (const Segment& segment : segments) {
    LayerSegment s;
    s.label = segment.label;
    const auto idx = frames_in(trajectory, segment);
    if (idx.size() >= 2) {
      const LayerFrame& a = out.frames[idx.front()];
      const LayerFrame& b = out.frames[idx.back()];
      double largest = 0.0;
      for (std::size_t k = 0; k < layers.num_layers; ++k) largest = std::max(largest, (b.shift[k] - a.shift[k]).norm());
      s.sliding.value = largest;
      std::vector<double> change;
      for (std::size_t g = 0; g < layers.num_galleries; ++g) change.push_back(b.spacing[g] - a.spacing[g]);
      s.spacing_change = mean_and_stderr(change);
    }
    out.segments.push_back(std::move(s));
  }
  return out;
}

nlohmann::json LayerResult::to_json() const {
  nlohmann::json j;
  j["num_layers"] = num_layers;
  j["num_galleries"] = num_galleries;
  j["periodic"] = periodic;
  j["stride"] = stride;
  j["persist_frames"] = options.persist_frames;
  std::vector<double> all;
  double max_shift = 0.0;
  for (const auto& f : frames) {
    all.insert(all.end(), f.spacing.begin(), f.spacing.end());
    for (const auto& s : f.shift) max_shift = std::max(max_shift, s.norm());
  }
  const Estimate mean = mean_and_stderr(all);
  j["mean_spacing_A"] = json_number(mean.value);
  j["max_shift_A"] = json_number(max_shift);
  auto first_analyzed = std::find_if(frames.begin(), frames.end(), [](const LayerFrame& f) { return f.analyzed; });
  auto last_analyzed = std::find_if(frames.rbegin(), frames.rend(), [](const LayerFrame& f) { return f.analyzed; });
  j["stacking_first"] = first_analyzed == frames.end() ? nlohmann::json(nullptr) : nlohmann::json(first_analyzed->stacking);
  j["stacking_last"] = last_analyzed == frames.rend() ? nlohmann::json(nullptr) : nlohmann::json(last_analyzed->stacking);
  j["registry_first"] = first_analyzed == frames.end() ? nlohmann::json(nullptr) : nlohmann::json(first_analyzed->registry);
  j["registry_last"] = last_analyzed == frames.rend() ? nlohmann::json(nullptr) : nlohmann::json(last_analyzed->registry);
  j["num_sliding_events"] = events.size();
  nlohmann::json segs = nlohmann::json::array();
  for (const auto& s : segments) {
    segs.push_back({{"segment", s.label},
                    {"sliding_A", analysis::to_json(s.sliding)},
                    {"spacing_change_A", analysis::to_json(s.spacing_change)}});
  }
  j["segments"] = segs;
  return j;
}

void LayerResult::write_tables(const std::filesystem::path& dir) const {
  CsvTable spacing({"time_ps", "step", "soc", "gallery", "spacing_A", "num_ions"});
  CsvTable vs_soc({"soc_lo", "soc_hi", "mean_spacing_A", "stderr_A", "count"});
  CsvTable layer_table({"time_ps", "step", "soc", "layer", "height_A", "registry", "shift_x_A", "shift_y_A", "shift_A"});
  CsvTable stacking({"time_ps", "step", "soc", "stacking"});
  CsvTable sliding({"time_ps", "step", "layer", "from", "to"});
  for (const auto& f : frames) {
    const double t = f.time_fs / 1000.0;
    const auto step = static_cast<long long>(f.step);
    for (std::size_t g = 0; g < f.spacing.size(); ++g) {
      spacing.row().add(t).add(step).add(f.soc).add(g).add(f.spacing[g]).add(f.num_ions[g]);
    }
    if (!f.analyzed) continue;
    for (std::size_t k = 0; k < f.height.size(); ++k) {
      layer_table.row()
          .add(t)
          .add(step)
          .add(f.soc)
          .add(k)
          .add(f.height[k])
          .add(std::string(1, f.registry[k]))
          .add(f.shift[k].x())
          .add(f.shift[k].y())
          .add(f.shift[k].norm());
    }
    stacking.row().add(t).add(step).add(f.soc).add(f.stacking);
  }
  for (const auto& b : spacing_vs_soc) {
    vs_soc.row().add(b.soc_lo).add(b.soc_hi).add(b.spacing.value).add(b.spacing.error).add(b.count);
  }
  for (const auto& e : events) {
    sliding.row().add(e.time_fs / 1000.0).add(static_cast<long long>(e.step)).add(e.layer).add(std::string(1, e.from)).add(
        std::string(1, e.to));
  }
  spacing.write(dir / "spacing.csv");
  vs_soc.write(dir / "spacing_vs_soc.csv");
  layer_table.write(dir / "layers.csv");
  stacking.write(dir / "stacking.csv");
  sliding.write(dir / "sliding_events.csv");
}

std::vector<SegmentQuantity> LayerResult::segment_quantities() const {
  std::vector<SegmentQuantity> out;
  for (const auto& s : segments) {
    out.push_back({s.label, "sliding", "A", s.sliding});
    out.push_back({s.label, "spacing_change", "A", s.spacing_change});
  }
  return out;
}

}  // namespace ioncycle::analysis
