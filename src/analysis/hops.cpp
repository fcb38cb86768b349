// SPDX-License-Identifier: MIT
#include "analysis/hops.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>

#include "core/error.hpp"
#include "defects/defect_detection.hpp"
#include "defects/plane_lattice.hpp"
#include "defects/stacking.hpp"

namespace ioncycle::analysis {

const char* hop_kind_name(HopKind kind) { return kind == HopKind::inplane ? "inplane" : "interlayer"; }

namespace {

using core::Vec3;
using Vec2 = Eigen::Vector2d;
constexpr double kFsPerPs = 1000.0;

int mod3(int k) { return ((k % 3) + 3) % 3; }

// The frames in which one ion is present, with where the host puts it.
struct IonTrack {
  std::int64_t id = 0;
  std::vector<std::size_t> frame;  // trajectory indices, ascending
  std::vector<Vec3> position;      // as written
  std::vector<int> gallery;
  std::vector<Place> place;
};

// A stay on one site: observations first..last (indices into the track).
struct Stay {
  std::size_t first = 0;
  std::size_t last = 0;
  int gallery = -1;
  int site_class = -1;     // lattice
  Vec2 site = Vec2::Zero();  // lattice: the site in first-frame in-plane coordinates
  Vec3 mean = Vec3::Zero();  // residence: mean unwrapped position
};

// In-plane geometry of the first frame: the stacking lattice (t1, t2, origin) and the cell's a, b,
// in 2D coordinates along e1 = t1/|t1| and e2 = n × e1.
struct PlaneGeometry {
  Vec3 e1, e2, normal;
  Eigen::Matrix2d t;      // columns t1, t2
  Eigen::Matrix2d t_inv;
  Vec2 origin;
  Vec2 a, b;              // the cell's a and b, in plane
  Eigen::Matrix2d ab_inv;

  [[nodiscard]] Vec2 coords(const Vec3& v) const { return {v.dot(e1), v.dot(e2)}; }
  // The shortest in-plane vector equivalent to d modulo a and b.
  [[nodiscard]] Vec2 min_image(const Vec2& d) const { return defects::in_plane_min_image(d, a, b, ab_inv); }
};

// The site lattice of every gallery, or nullopt with the reason in `note`.
struct SiteLattice {
  PlaneGeometry plane;
  std::vector<GallerySites> galleries;
};

bool sorted_contains(const std::vector<std::int64_t>& sorted, std::int64_t id) {
  return std::binary_search(sorted.begin(), sorted.end(), id);
}

// Free classes of a facing plane (shifted by `shift` classes for the image one cell up).
std::vector<int> free_classes(const defects::PlaneRegistry& plane, int shift) {
  if (plane.hollow >= 0) return {mod3(plane.hollow + shift)};
  if (plane.site >= 0) {
    std::vector<int> out;
    for (int k = 0; k < 3; ++k) {
      if (k != mod3(plane.site + shift)) out.push_back(k);
    }
    return out;
  }
  return {};
}

std::optional<SiteLattice> find_site_lattice(const core::System& first, const HostLayers& host,
                                             const std::vector<int>& ion_species, double layer_gap, std::string& note) {
  defects::StackingOptions options;
  options.layers.gap = layer_gap;
  options.layers.exclude = ion_species;
  const auto stacking = defects::analyze_stacking(first, options);
  if (!stacking.has_lattice) {
    note = "no hexagonal in-plane lattice found in the first frame";
    return std::nullopt;
  }
  const std::size_t n = stacking.layers.size();
  if (n != host.num_layers || n == 0) {
    note = "the stacking analysis finds " + std::to_string(n) + " layers, the layer tracking " +
           std::to_string(host.num_layers);
    return std::nullopt;
  }
  // Same layers, same order: every atom of stacking layer k belongs to host layer k.
  for (std::size_t k = 0; k < n; ++k) {
    std::vector<std::int64_t> ids = host.layer_atom_ids[k];
    std::sort(ids.begin(), ids.end());
    for (const std::size_t i : stacking.layers[k].atoms) {
      if (!sorted_contains(ids, first.ids()[i])) {
        note = "the stacking analysis and the layer tracking group the layers differently";
        return std::nullopt;
      }
    }
  }
  SiteLattice lattice;
  auto& plane = lattice.plane;
  plane.normal = stacking.normal;
  plane.e1 = stacking.t1.normalized();
  plane.e2 = plane.normal.cross(plane.e1);
  plane.t.col(0) = plane.coords(stacking.t1);
  plane.t.col(1) = plane.coords(stacking.t2);
  plane.t_inv = plane.t.inverse();
  plane.origin = plane.coords(stacking.origin);
  plane.a = plane.coords(first.cell().vector(0));
  plane.b = plane.coords(first.cell().vector(1));
  Eigen::Matrix2d ab;
  ab.col(0) = plane.a;
  ab.col(1) = plane.b;
  plane.ab_inv = ab.inverse();
  const double a = stacking.t1.norm();

  for (std::size_t g = 0; g < host.num_galleries; ++g) {
    const std::size_t upper = (g + 1) % n;
    const bool wrap = g + 1 == n;
    if (wrap && stacking.image_class < 0) {
      note = "c is tilted by no lattice vector, so the sites across the cell boundary are unknown";
      return std::nullopt;
    }
    const auto& below = stacking.registry[g].planes;
    const auto& above = stacking.registry[upper].planes;
    if (below.empty() || above.empty()) {
      note = "layer without atomic planes";
      return std::nullopt;
    }
    const auto lower_free = free_classes(below.back(), 0);
    const auto upper_free = free_classes(above.front(), wrap ? stacking.image_class : 0);
    if (lower_free.empty() || upper_free.empty()) {
      note = "gallery " + std::to_string(g) + " is faced by a plane without a clear registry";
      return std::nullopt;
    }
    GallerySites sites;
    sites.gallery = static_cast<int>(g);
    for (const int k : lower_free) {
      if (std::find(upper_free.begin(), upper_free.end(), k) != upper_free.end()) sites.classes.push_back(k);
    }
    const bool sheets = below.back().hollow >= 0 || above.front().hollow >= 0;
    if (sites.classes.empty()) {
      // AB graphite: each sheet's hollows (see hops.hpp).
      sites.classes = lower_free;
      for (const int k : upper_free) {
        if (std::find(sites.classes.begin(), sites.classes.end(), k) == sites.classes.end()) sites.classes.push_back(k);
      }
      std::sort(sites.classes.begin(), sites.classes.end());
    }
    sites.kind = sheets ? "hollow" : sites.classes.size() == 1 ? "octahedral" : "prismatic";
    sites.spacing = sites.classes.size() == 1 ? a : a / std::sqrt(3.0);
    lattice.galleries.push_back(sites);
  }
  return lattice;
}

// Midpoint of the centres of the layers bounding gallery g in frame f (the upper one lifted by c
// across the cell boundary).
Vec3 gallery_centre(const HostLayers& host, const core::Cell& cell, std::size_t frame, std::size_t g) {
  const auto& fh = host.frames[frame];
  const std::size_t upper = (g + 1) % host.num_layers;
  Vec3 top = fh.layer_center[upper];
  if (g + 1 == host.num_layers && host.periodic) top += cell.vector(2);
  return 0.5 * (fh.layer_center[g] + top);
}

// Position r of frame f moved to the first frame relative to the gallery's centre (hops.hpp).
Vec3 to_first_frame(const Trajectory& trajectory, const HostLayers& host, std::size_t frame, std::size_t g,
                    const Vec3& r) {
  const core::Cell& cell = trajectory[frame].system.cell();
  const core::Cell& cell0 = trajectory.front().system.cell();
  const Vec3 centre = gallery_centre(host, cell, frame, g);
  const Vec3 centre0 = gallery_centre(host, cell0, 0, g);
  const Vec3 d = cell.minimum_image(r - centre);
  return centre0 + cell0.to_cartesian(cell.to_fractional(d));
}

// Nearest site of gallery `sites` to the first-frame position r0: class, site (2D), distance.
struct SiteHit {
  int site_class = -1;
  Vec2 site = Vec2::Zero();
  double distance = std::numeric_limits<double>::infinity();
};

SiteHit nearest_site(const PlaneGeometry& plane, const GallerySites& sites, const Vec3& r0) {
  const Vec2 p = plane.coords(r0) - plane.origin;
  const Vec2 uv = plane.t_inv * p;
  SiteHit best;
  for (const int k : sites.classes) {
    const Vec2 f = uv - defects::site_class_offset(k);
    const Vec2 base(std::round(f[0]), std::round(f[1]));
    for (int i = -1; i <= 1; ++i) {
      for (int j = -1; j <= 1; ++j) {
        const Vec2 n = base + Vec2(i, j);
        const double dist = (plane.t * (f - n)).norm();
        if (dist < best.distance) {
          best.distance = dist;
          best.site_class = k;
          best.site = plane.origin + plane.t * (n + defects::site_class_offset(k));
        }
      }
    }
  }
  return best;
}

bool same_lattice_site(const PlaneGeometry& plane, const Stay& x, const Stay& y, double tolerance) {
  return x.gallery == y.gallery && x.site_class == y.site_class &&
         plane.min_image(x.site - y.site).norm() < tolerance;
}

// Stays on lattice sites of one ion (hops.hpp): runs of on-site observations of one site,
// frames between sites ignored, runs shorter than settle_frames dropped.
std::vector<Stay> lattice_stays(const Trajectory& trajectory, const HostLayers& host, const SiteLattice& lattice,
                                const IonTrack& ion, const HopOptions& options) {
  std::vector<Stay> stays;
  std::optional<Stay> run;
  std::size_t run_count = 0;
  auto close = [&] {
    if (run && run_count >= options.settle_frames) stays.push_back(*run);
    run.reset();
    run_count = 0;
  };
  for (std::size_t j = 0; j < ion.frame.size(); ++j) {
    const int g = ion.gallery[j];
    if (g < 0 || static_cast<std::size_t>(g) >= lattice.galleries.size()) continue;
    if (ion.place[j] != Place::gallery && ion.place[j] != Place::edge) continue;
    const auto& sites = lattice.galleries[static_cast<std::size_t>(g)];
    const Vec3 r0 = to_first_frame(trajectory, host, ion.frame[j], static_cast<std::size_t>(g), ion.position[j]);
    const SiteHit hit = nearest_site(lattice.plane, sites, r0);
    if (hit.distance > options.capture_fraction * sites.spacing) continue;  // between sites
    Stay here;
    here.first = here.last = j;
    here.gallery = g;
    here.site_class = hit.site_class;
    here.site = hit.site;
    if (run && same_lattice_site(lattice.plane, *run, here, 0.25 * sites.spacing)) {
      run->last = j;
      ++run_count;
      continue;
    }
    close();
    run = here;
    run_count = 1;
  }
  close();
  return stays;
}

// Residence clusters of one ion (hops.hpp) on its unwrapped track.
std::vector<Stay> residence_stays(const Trajectory& trajectory, const IonTrack& ion, const HopOptions& options) {
  std::vector<Stay> stays;
  const std::size_t n = ion.frame.size();
  std::vector<Vec3> unwrapped(n);
  for (std::size_t j = 0; j < n; ++j) {
    unwrapped[j] = j == 0 ? ion.position[0]
                          : unwrapped[j - 1] + trajectory[ion.frame[j]].system.cell().minimum_image(
                                                   ion.position[j] - ion.position[j - 1]);
  }
  std::size_t first = 0, count = 0;
  Vec3 sum = Vec3::Zero();
  auto close = [&](std::size_t last) {
    if (count == 0) return;
    const double duration = trajectory[ion.frame[last]].time_fs - trajectory[ion.frame[first]].time_fs;
    if (count >= options.settle_frames && duration >= options.residence_time_fs - 1e-9) {
      Stay s;
      s.first = first;
      s.last = last;
      s.mean = sum / static_cast<double>(count);
      // The gallery the ion is in most of the time.
      std::map<int, std::size_t> votes;
      for (std::size_t j = first; j <= last; ++j) ++votes[ion.gallery[j]];
      s.gallery = std::max_element(votes.begin(), votes.end(), [](const auto& x, const auto& y) {
                    return x.second < y.second;
                  })->first;
      stays.push_back(s);
    }
    count = 0;
    sum.setZero();
  };
  for (std::size_t j = 0; j < n; ++j) {
    if (count > 0 && (unwrapped[j] - sum / static_cast<double>(count)).norm() > options.residence_radius) close(j - 1);
    if (count == 0) first = j;
    sum += unwrapped[j];
    ++count;
  }
  if (n > 0) close(n - 1);
  return stays;
}

// A first-frame defect followed through the trajectory with its layer.
struct TrackedDefect {
  std::string name;
  Vec3 position0;
  int layer = -1;
};

Vec3 defect_position(const Trajectory& trajectory, const HostLayers& host, const TrackedDefect& defect,
                     std::size_t frame) {
  const core::Cell& cell0 = trajectory.front().system.cell();
  const core::Cell& cell = trajectory[frame].system.cell();
  if (!cell0.has_lattice() || !cell.has_lattice()) return defect.position0;
  if (defect.layer >= 0 && static_cast<std::size_t>(defect.layer) < host.num_layers) {
    const auto l = static_cast<std::size_t>(defect.layer);
    const Vec3 c0 = host.frames.front().layer_center[l];
    return host.frames[frame].layer_center[l] + cell.to_cartesian(cell0.to_fractional(defect.position0 - c0));
  }
  return cell.to_cartesian(cell0.to_fractional(defect.position0));
}

std::string defect_name(const defects::DefectRecord& record) {
  char text[160];
  std::snprintf(text, sizeof text, "%s at (%.2f, %.2f, %.2f)", std::string(defects::to_string(record.type)).c_str(),
                record.position.x(), record.position.y(), record.position.z());
  return text;
}

// What the jump between stays `from` and `to` of `ion` passed near.
std::string near_feature(const Trajectory& trajectory, const HostLayers& host, const std::vector<TrackedDefect>& found,
                         const IonTrack& ion, std::size_t from, std::size_t to, double near_distance) {
  double best = near_distance;
  const TrackedDefect* nearest = nullptr;
  bool edge = false;
  for (std::size_t j = from; j <= to; ++j) {
    const std::size_t f = ion.frame[j];
    if (ion.place[j] == Place::edge) edge = true;
    const core::Cell& cell = trajectory[f].system.cell();
    for (const auto& d : found) {
      const double dist = cell.minimum_image(ion.position[j] - defect_position(trajectory, host, d, f)).norm();
      if (dist < best) {
        best = dist;
        nearest = &d;
      }
    }
  }
  if (nearest) return nearest->name;
  return edge ? "edge" : "";
}

}  // namespace

HopResult analyze_hops(const Trajectory& trajectory, const HostLayers& host, const std::vector<Segment>& segments,
                       const HopOptions& options) {
  HopResult result;
  result.options = options;
  if (host.frames.size() != trajectory.size()) {
    throw InputError("hops: the host layers cover " + std::to_string(host.frames.size()) + " frames, the trajectory " +
                     std::to_string(trajectory.size()));
  }

  // Ion tracks by id, and the ion species (for the lattice and defect searches).
  std::vector<IonTrack> tracks;
  std::unordered_map<std::int64_t, std::size_t> track_of;
  std::vector<int> ion_species{3, 11, 19};
  for (std::size_t f = 0; f < trajectory.size(); ++f) {
    const auto& fh = host.frames[f];
    const auto& system = trajectory[f].system;
    if (fh.ion_gallery.size() != fh.ion_ids.size() || fh.ion_place.size() != fh.ion_ids.size()) {
      throw InputError("hops: frame " + std::to_string(f) + " of the host layers lists " +
                       std::to_string(fh.ion_ids.size()) + " ions but not a gallery and place for each");
    }
    for (std::size_t i = 0; i < fh.ion_ids.size(); ++i) {
      const auto index = system.index_of(fh.ion_ids[i]);
      if (!index) continue;
      const int z = system.atomic_numbers()[*index];
      if (std::find(ion_species.begin(), ion_species.end(), z) == ion_species.end()) ion_species.push_back(z);
      auto [it, inserted] = track_of.try_emplace(fh.ion_ids[i], tracks.size());
      if (inserted) {
        tracks.emplace_back();
        tracks.back().id = fh.ion_ids[i];
      }
      auto& track = tracks[it->second];
      track.frame.push_back(f);
      track.position.push_back(system.positions()[*index]);
      track.gallery.push_back(fh.ion_gallery[i]);
      track.place.push_back(fh.ion_place[i]);
    }
  }
  result.num_ions = tracks.size();
  if (tracks.empty()) result.notes.push_back("no ions in the trajectory: no hops");

  // Sites.
  std::optional<SiteLattice> lattice;
  if (!trajectory.empty() && options.sites != SiteModel::residence && host.num_layers > 0) {
    std::string why;
    try {
      lattice = find_site_lattice(trajectory.front().system, host, ion_species, options.layer_gap, why);
    } catch (const Error& e) {
      why = e.what();
    }
    if (!lattice) result.notes.push_back("site lattice not used (" + why + "); residence clusters instead");
  }
  result.model = lattice ? SiteModel::lattice : SiteModel::residence;
  if (lattice) {
    result.galleries = lattice->galleries;
  } else {
    for (std::size_t g = 0; g < host.num_galleries; ++g) result.galleries.push_back({static_cast<int>(g), "residence", {}, 0.0});
  }

  // Defects of the first frame.
  std::vector<TrackedDefect> found;
  if (!trajectory.empty()) {
    defects::DetectionOptions detection;
    detection.intercalants = ion_species;
    detection.layer_gap = options.layer_gap;
    try {
      for (const auto& record : defects::detect_defects(trajectory.front().system, detection)) {
        found.push_back({defect_name(record), record.position, record.layer});
        result.defects.push_back(found.back().name);
      }
    } catch (const Error& e) {
      result.notes.push_back(std::string("defect detection failed on the first frame: ") + e.what());
    }
  }

  // Jumps.
  for (const auto& ion : tracks) {
    std::vector<Stay> stays = lattice ? lattice_stays(trajectory, host, *lattice, ion, options)
                                      : residence_stays(trajectory, ion, options);
    // Merge consecutive stays on the same site (a visit elsewhere too short to count between them).
    std::vector<Stay> merged;
    for (const auto& s : stays) {
      bool same = false;
      if (!merged.empty()) {
        const Stay& p = merged.back();
        if (lattice) {
          const auto& sites = lattice->galleries[static_cast<std::size_t>(s.gallery)];
          same = same_lattice_site(lattice->plane, p, s, 0.25 * sites.spacing);
        } else {
          same = p.gallery == s.gallery && (p.mean - s.mean).norm() <= options.residence_radius;
        }
      }
      if (same) {
        merged.back().last = s.last;
      } else {
        merged.push_back(s);
      }
    }
    for (std::size_t k = 1; k < merged.size(); ++k) {
      const Stay& a = merged[k - 1];
      const Stay& b = merged[k];
      Hop hop;
      hop.frame = ion.frame[b.first];
      hop.step = trajectory[hop.frame].step;
      hop.time_fs = trajectory[hop.frame].time_fs;
      hop.ion_id = ion.id;
      hop.from_gallery = a.gallery;
      hop.to_gallery = b.gallery;
      hop.kind = a.gallery == b.gallery ? HopKind::inplane : HopKind::interlayer;
      hop.from = ion.position[a.last];
      hop.to = ion.position[b.first];
      hop.near = near_feature(trajectory, host, found, ion, a.last, b.first, options.near_distance);
      result.hops.push_back(hop);
    }
  }
  std::stable_sort(result.hops.begin(), result.hops.end(), [](const Hop& x, const Hop& y) {
    return x.time_fs < y.time_fs || (x.time_fs == y.time_fs && x.ion_id < y.ion_id);
  });

  // Rates per segment.
  for (const auto& segment : segments) {
    HopRate rate;
    rate.label = segment.label;
    rate.cycle = segment.cycle;
    rate.half_cycle = segment.half_cycle;
    const auto frames = frames_in(trajectory, segment);
    std::vector<char> in_segment(trajectory.size(), 0);
    for (const std::size_t f : frames) in_segment[f] = 1;
    for (std::size_t k = 1; k < frames.size(); ++k) {
      const std::size_t f0 = frames[k - 1], f1 = frames[k];
      const double dt = trajectory[f1].time_fs - trajectory[f0].time_fs;
      // Ions present in both frames (ids ascending in both).
      const auto& x = host.frames[f0].ion_ids;
      const auto& y = host.frames[f1].ion_ids;
      std::size_t both = 0;
      for (std::size_t i = 0, j = 0; i < x.size() && j < y.size();) {
        if (x[i] < y[j]) {
          ++i;
        } else if (y[j] < x[i]) {
          ++j;
        } else {
          ++both;
          ++i;
          ++j;
        }
      }
      rate.ion_time_fs += dt * static_cast<double>(both);
    }
    for (const auto& hop : result.hops) {
      if (hop.frame == 0 || !in_segment[hop.frame] || !in_segment[hop.frame - 1]) continue;
      (hop.kind == HopKind::inplane ? rate.num_inplane : rate.num_interlayer) += 1;
    }
    if (rate.ion_time_fs > 0.0) {
      const double t_ps = rate.ion_time_fs / kFsPerPs;
      auto poisson = [t_ps](std::size_t count) {
        const double n = static_cast<double>(count);
        return Estimate{n / t_ps, std::sqrt(std::max(n, 1.0)) / t_ps};
      };
      rate.inplane_rate = poisson(rate.num_inplane);
      rate.interlayer_rate = poisson(rate.num_interlayer);
    }
    result.rates.push_back(rate);
  }
  return result;
}

nlohmann::json HopResult::to_json() const {
  nlohmann::json out;
  out["site_model"] = model == SiteModel::lattice ? "lattice" : "residence";
  nlohmann::json galleries_json = nlohmann::json::array();
  for (const auto& g : galleries) {
    galleries_json.push_back({{"gallery", g.gallery},
                              {"sites", g.kind},
                              {"classes", g.classes},
                              {"site_spacing_A", json_number(g.spacing > 0.0 ? g.spacing : std::nan(""))}});
  }
  out["galleries"] = galleries_json;
  out["defects"] = defects;
  out["num_ions"] = num_ions;
  std::size_t inplane = 0, interlayer = 0;
  std::map<std::string, std::size_t> where;
  for (const auto& h : hops) {
    if (h.kind == HopKind::inplane) {
      ++inplane;
    } else {
      ++interlayer;
      ++where[h.near.empty() ? "none" : h.near];
    }
  }
  out["num_inplane"] = inplane;
  out["num_interlayer"] = interlayer;
  out["interlayer_near"] = where;
  nlohmann::json segs = nlohmann::json::array();
  for (const auto& r : rates) {
    segs.push_back({{"segment", r.label},
                    {"cycle", r.cycle},
                    {"half_cycle", half_cycle_name(r.half_cycle)},
                    {"num_inplane", r.num_inplane},
                    {"num_interlayer", r.num_interlayer},
                    {"ion_time_ps", r.ion_time_fs / kFsPerPs},
                    {"inplane_rate_per_ps", analysis::to_json(r.inplane_rate)},
                    {"interlayer_rate_per_ps", analysis::to_json(r.interlayer_rate)}});
  }
  out["segments"] = segs;
  out["options"] = {{"settle_frames", options.settle_frames},
                    {"capture_fraction", options.capture_fraction},
                    {"residence_radius_A", options.residence_radius},
                    {"residence_time_ps", options.residence_time_fs / kFsPerPs},
                    {"near_distance_A", options.near_distance}};
  out["notes"] = notes;
  return out;
}

void HopResult::write_tables(const std::filesystem::path& dir) const {
  CsvTable table({"time_ps", "step", "ion_id", "kind", "from_gallery", "to_gallery", "from_x_A", "from_y_A", "from_z_A",
                  "to_x_A", "to_y_A", "to_z_A", "near"});
  for (const auto& h : hops) {
    table.row().add(h.time_fs / kFsPerPs).add(static_cast<long long>(h.step)).add(static_cast<long long>(h.ion_id));
    table.add(hop_kind_name(h.kind)).add(h.from_gallery).add(h.to_gallery);
    for (int c = 0; c < 3; ++c) table.add(h.from[c]);
    for (int c = 0; c < 3; ++c) table.add(h.to[c]);
    table.add(h.near);
  }
  table.write(dir / "hops.csv");

  CsvTable rate_table({"segment", "inplane_rate_per_ps", "inplane_err_per_ps", "interlayer_rate_per_ps",
                       "interlayer_err_per_ps", "ion_time_ps"});
  for (const auto& r : rates) {
    rate_table.row().add(r.label).add(r.inplane_rate.value).add(r.inplane_rate.error);
    rate_table.add(r.interlayer_rate.value).add(r.interlayer_rate.error).add(r.ion_time_fs / kFsPerPs);
  }
  rate_table.write(dir / "hop_rates.csv");
}

std::vector<SegmentQuantity> HopResult::segment_quantities() const {
  std::vector<SegmentQuantity> out;
  for (const auto& r : rates) {
    out.push_back({r.label, "inplane_rate", "1/ps", r.inplane_rate});
    out.push_back({r.label, "interlayer_rate", "1/ps", r.interlayer_rate});
  }
  return out;
}

}  // namespace ioncycle::analysis
