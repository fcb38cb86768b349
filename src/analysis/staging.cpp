// SPDX-License-Identifier: MIT
#include "analysis/staging.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <unordered_map>

#include "core/error.hpp"
#include "defects/plane_lattice.hpp"
#include "defects/stacking.hpp"

namespace ioncycle::analysis {

namespace {

using core::Vec3;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kCarbon = 6;
constexpr int kOxygen = 8;

int mod3(long k) { return static_cast<int>(((k % 3) + 3) % 3); }

// The hexagon-centre lattice of one graphene sheet in the first frame, in fractional coordinates
// of the first cell, so that it follows the cell's deformation.
struct SheetLattice {
  bool ok = false;
  Vec3 t1 = Vec3::Zero(), t2 = Vec3::Zero();  // fractional (linear map of the Cartesian vectors)
  Vec3 hollow = Vec3::Zero();                 // fractional position of one hexagon centre
};

// Full filling of one layer from its composition in the first frame; NaN when unknown.
double layer_capacity(const core::System& system, const std::vector<std::int64_t>& ids) {
  std::size_t carbon = 0, oxygen = 0, other = 0;
  for (const auto id : ids) {
    const auto i = system.index_of(id);
    if (!i) continue;
    const int z = system.atomic_numbers()[*i];
    if (z == kCarbon) {
      ++carbon;
    } else if (z == kOxygen) {
      ++oxygen;
    } else {
      ++other;
    }
  }
  const std::size_t total = carbon + oxygen + other;
  if (total == 0) return kNaN;
  if (10 * carbon >= 9 * total) return static_cast<double>(carbon) / 6.0;  // LiC6
  if (oxygen > 0 && other > 0) return static_cast<double>(other);        // A MO2: one A per M
  return kNaN;
}

std::vector<SheetLattice> sheet_lattices(const core::System& first, const HostLayers& layers) {
  std::vector<SheetLattice> out(layers.num_layers);
  const defects::StackingAnalysis sa = defects::analyze_stacking(first);
  if (!sa.has_lattice) return out;
  std::unordered_map<std::int64_t, std::size_t> layer_of;
  for (std::size_t k = 0; k < layers.num_layers; ++k) {
    for (const auto id : layers.layer_atom_ids[k]) layer_of[id] = k;
  }
  const core::Cell& cell = first.cell();
  for (std::size_t m = 0; m < sa.layers.size(); ++m) {
    const auto& reg = sa.registry[m];
    if (reg.planes.size() != 1 || reg.planes[0].hollow < 0) continue;
    // Only a carbon sheet is graphene.
    const auto& atoms = sa.layers[m].atoms;
    const bool carbon = std::all_of(atoms.begin(), atoms.end(), [&](std::size_t i) { return first.atomic_numbers()[i] == kCarbon; });
    if (!carbon || atoms.empty()) continue;
    const auto it = layer_of.find(first.ids()[atoms.front()]);
    if (it == layer_of.end()) continue;
    const defects::Vec2 f = defects::site_class_offset(reg.planes[0].hollow);
    SheetLattice s;
    s.ok = true;
    s.t1 = cell.to_fractional(sa.t1);
    s.t2 = cell.to_fractional(sa.t2);
    s.hollow = cell.to_fractional(sa.origin + f[0] * sa.t1 + f[1] * sa.t2);
    out[it->second] = s;
  }
  return out;
}

// Fraction of the ions on the most populated √3×√3 coset of the hexagon centres `lattice`
// (moved by the sheet's fractional displacement `moved`) in `cell`.
double sqrt3_fraction(const std::vector<Vec3>& ions, const SheetLattice& lattice, const Vec3& moved,
                      const core::Cell& cell) {
  if (ions.size() < 2 || !lattice.ok) return kNaN;
  const Vec3 t1 = cell.to_cartesian(lattice.t1);
  const Vec3 t2 = cell.to_cartesian(lattice.t2);
  const Vec3 hollow = cell.to_cartesian(lattice.hollow + moved);
  Eigen::Matrix<double, 3, 2> g;
  g.col(0) = t1;
  g.col(1) = t2;
  const Eigen::Matrix<double, 2, 3> project = (g.transpose() * g).inverse() * g.transpose();
  std::array<std::size_t, 3> count{};
  for (const Vec3& r : ions) {
    const Eigen::Vector2d f = project * cell.minimum_image(r - hollow);
    const long n1 = std::lround(f[0]);
    const long n2 = std::lround(f[1]);
    ++count[static_cast<std::size_t>(mod3(n1 + n2))];
  }
  const std::size_t best = *std::max_element(count.begin(), count.end());
  return static_cast<double>(best) / static_cast<double>(ions.size());
}

double frames_mean(const std::vector<double>& values, double* stderr_out) {
  std::size_t n = 0;
  double sum = 0.0;
  for (const double v : values) {
    if (!std::isfinite(v)) continue;
    sum += v;
    ++n;
  }
  if (n == 0) {
    *stderr_out = kNaN;
    return kNaN;
  }
  const double mean = sum / static_cast<double>(n);
  double ss = 0.0;
  for (const double v : values) {
    if (std::isfinite(v)) ss += (v - mean) * (v - mean);
  }
  *stderr_out = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n)) : kNaN;
  return mean;
}

}  // namespace

std::string Stage::label() const {
  switch (kind) {
    case StageKind::staged: return std::to_string(index);
    case StageKind::mixed: return "mixed";
    case StageKind::disordered: return "disordered";
    case StageKind::empty: return "empty";
    case StageKind::overfilled: return "overfilled";
  }
  return "empty";
}

Stage classify_stage(const std::vector<double>& occupancy, bool periodic, const StagingOptions& options) {
  Stage stage;
  const std::size_t num = occupancy.size();
  std::vector<char> filled(num, 0);
  bool any_filled = false;
  for (const double o : occupancy) {
    // More ions than the full filling: no stage, however the other galleries look. A small
    // tolerance keeps a gallery at exactly its capacity (occupancy 1 up to rounding) filled.
    if (o > options.overfilled_threshold + 1e-9) {
      stage.kind = StageKind::overfilled;
      return stage;
    }
  }
  for (std::size_t g = 0; g < num; ++g) {
    const double o = occupancy[g];
    if (!(o >= options.filled_threshold) && !(o <= options.empty_threshold)) {
      stage.kind = StageKind::disordered;  // intermediate or NaN
      return stage;
    }
    filled[g] = o >= options.filled_threshold ? 1 : 0;
    any_filled = any_filled || filled[g];
  }
  if (!any_filled) return stage;  // empty
  for (std::size_t n = 1; n <= num; ++n) {
    if (periodic && num % n != 0) continue;  // the period must close around the cell
    for (std::size_t g0 = 0; g0 < n; ++g0) {
      bool fits = true;
      for (std::size_t g = 0; g < num && fits; ++g) fits = (filled[g] != 0) == (g % n == g0);
      if (fits) {
        stage.kind = StageKind::staged;
        stage.index = static_cast<int>(n);
        return stage;
      }
    }
  }
  stage.kind = StageKind::mixed;
  return stage;
}

StagingResult analyze_staging(const Trajectory& trajectory, const HostLayers& layers,
                              const std::vector<Segment>& segments, const StagingOptions& options) {
  if (layers.frames.size() != trajectory.size()) {
    throw InputError("staging: the host layers were tracked on another trajectory (" +
                     std::to_string(layers.frames.size()) + " frames, not " + std::to_string(trajectory.size()) + ")");
  }
  if (!(options.filled_threshold <= options.overfilled_threshold)) {
    throw InputError("staging: overfilled_threshold must be at least filled_threshold");
  }
  if (!(options.empty_threshold < options.filled_threshold)) {
    throw InputError("staging: empty_threshold must be below filled_threshold");
  }
  StagingResult out;
  out.options = options;
  out.num_galleries = layers.num_galleries;
  out.periodic = layers.periodic;
  const std::size_t num_g = layers.num_galleries;
  const std::size_t n = layers.num_layers;
  if (trajectory.empty() || num_g == 0) return out;
  const core::System& first = trajectory.front().system;

  // Capacities.
  out.capacity.assign(num_g, kNaN);
  if (options.gallery_capacity > 0.0) {
    out.capacity.assign(num_g, options.gallery_capacity);
    out.capacity_source = "option";
  } else {
    std::vector<double> per_layer(n);
    for (std::size_t k = 0; k < n; ++k) per_layer[k] = layer_capacity(first, layers.layer_atom_ids[k]);
    bool known = true;
    for (std::size_t g = 0; g < num_g; ++g) {
      const double lo = per_layer[g], hi = per_layer[(g + 1) % n];
      out.capacity[g] = std::isfinite(lo) && std::isfinite(hi) ? 0.5 * (lo + hi) : std::isfinite(lo) ? lo : hi;
      known = known && std::isfinite(out.capacity[g]) && out.capacity[g] > 0.0;
    }
    out.capacity_source = "composition";
    if (!known) {
      out.capacity_source = "max_observed";
      std::vector<int> most(num_g, 0);
      for (const auto& frame : layers.frames) {
        std::vector<int> count(num_g, 0);
        for (const int g : frame.ion_gallery) {
          if (g >= 0) ++count[static_cast<std::size_t>(g)];
        }
        for (std::size_t g = 0; g < num_g; ++g) most[g] = std::max(most[g], count[g]);
      }
      for (std::size_t g = 0; g < num_g; ++g) out.capacity[g] = most[g] > 0 ? most[g] : kNaN;
    }
  }

  const std::vector<SheetLattice> sheets = sheet_lattices(first, layers);
  std::vector<Vec3> centre0(n);
  for (std::size_t k = 0; k < n; ++k) centre0[k] = first.cell().to_fractional(layers.frames[0].layer_center[k]);

  std::vector<std::vector<Vec3>> ions(num_g);
  out.frames.resize(trajectory.size());
  for (std::size_t f = 0; f < trajectory.size(); ++f) {
    const auto& tf = trajectory[f];
    const FrameHost& host = layers.frames[f];
    StagingFrame& sf = out.frames[f];
    sf.step = tf.step;
    sf.time_fs = tf.time_fs;
    sf.soc = observable(tf, "state_of_charge");
    for (auto& list : ions) list.clear();
    for (std::size_t j = 0; j < host.ion_ids.size(); ++j) {
      const int g = host.ion_gallery[j];
      if (g < 0) continue;
      const auto i = tf.system.index_of(host.ion_ids[j]);
      if (i) ions[static_cast<std::size_t>(g)].push_back(tf.system.positions()[*i]);
    }
    sf.num_ions.resize(num_g);
    sf.occupancy.resize(num_g);
    sf.sqrt3_order.resize(num_g);
    const core::Cell& cell = tf.system.cell();
    for (std::size_t g = 0; g < num_g; ++g) {
      sf.num_ions[g] = static_cast<int>(ions[g].size());
      sf.occupancy[g] = static_cast<double>(ions[g].size()) / out.capacity[g];
      Vec3 moved = cell.to_fractional(host.layer_center[g]) - centre0[g];
      moved[2] = 0.0;
      sf.sqrt3_order[g] = sqrt3_fraction(ions[g], sheets[g], moved, cell);
    }
    sf.stage = classify_stage(sf.occupancy, layers.periodic, options);
  }

  for (const Segment& segment : segments) {
    StagingSegment s;
    s.label = segment.label;
    std::vector<double> spread, order;
    for (const std::size_t f : frames_in(trajectory, segment)) {
      const auto& occ = out.frames[f].occupancy;
      double mean = 0.0;
      for (const double o : occ) mean += o;
      mean /= static_cast<double>(occ.size());
      double var = 0.0;
      for (const double o : occ) var += (o - mean) * (o - mean);
      spread.push_back(std::sqrt(var / static_cast<double>(occ.size())));
      for (const double q : out.frames[f].sqrt3_order) order.push_back(q);
      ++s.num_frames;
    }
    s.occupancy_spread.value = frames_mean(spread, &s.occupancy_spread.error);
    s.sqrt3_order.value = frames_mean(order, &s.sqrt3_order.error);
    out.segments.push_back(std::move(s));
  }
  return out;
}

nlohmann::json StagingResult::to_json() const {
  nlohmann::json j;
  j["num_galleries"] = num_galleries;
  j["periodic"] = periodic;
  nlohmann::json caps = nlohmann::json::array();
  for (const double c : capacity) caps.push_back(json_number(c));
  j["capacity"] = caps;
  j["capacity_source"] = capacity_source;
  j["filled_threshold"] = options.filled_threshold;
  j["empty_threshold"] = options.empty_threshold;
  std::map<std::string, std::size_t> counts;
  for (const auto& f : frames) ++counts[f.stage.label()];
  j["frames_per_stage"] = counts;
  auto frame_json = [](const StagingFrame& f) {
    nlohmann::json occ = nlohmann::json::array();
    for (const double o : f.occupancy) occ.push_back(json_number(o));
    return nlohmann::json{{"time_ps", f.time_fs / 1000.0}, {"step", f.step}, {"soc", json_number(f.soc)},
                          {"stage", f.stage.index}, {"label", f.stage.label()}, {"occupancy", occ}};
  };
  j["first"] = frames.empty() ? nlohmann::json(nullptr) : frame_json(frames.front());
  j["last"] = frames.empty() ? nlohmann::json(nullptr) : frame_json(frames.back());
  nlohmann::json segs = nlohmann::json::array();
  for (const auto& s : segments) {
    segs.push_back({{"segment", s.label},
                    {"num_frames", s.num_frames},
                    {"occupancy_spread", analysis::to_json(s.occupancy_spread)},
                    {"sqrt3_order", analysis::to_json(s.sqrt3_order)}});
  }
  j["segments"] = segs;
  return j;
}

void StagingResult::write_tables(const std::filesystem::path& dir) const {
  CsvTable staging({"time_ps", "step", "soc", "gallery", "num_ions", "capacity", "occupancy", "sqrt3_order"});
  CsvTable stage({"time_ps", "step", "soc", "stage", "label"});
  for (const auto& f : frames) {
    const double t_ps = f.time_fs / 1000.0;
    for (std::size_t g = 0; g < f.occupancy.size(); ++g) {
      staging.row()
          .add(t_ps)
          .add(static_cast<long long>(f.step))
          .add(f.soc)
          .add(g)
          .add(f.num_ions[g])
          .add(capacity[g])
          .add(f.occupancy[g])
          .add(f.sqrt3_order[g]);
    }
    stage.row().add(t_ps).add(static_cast<long long>(f.step)).add(f.soc).add(f.stage.index).add(f.stage.label());
  }
  staging.write(dir / "staging.csv");
  stage.write(dir / "stage.csv");
}

std::vector<SegmentQuantity> StagingResult::segment_quantities() const {
  std::vector<SegmentQuantity> out;
  for (const auto& s : segments) {
    out.push_back({s.label, "occupancy_spread", "", s.occupancy_spread});
    out.push_back({s.label, "sqrt3_order", "", s.sqrt3_order});
  }
  return out;
}

}  // namespace ioncycle::analysis
