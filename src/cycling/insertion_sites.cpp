// SPDX-License-Identifier: MIT
#include "cycling/insertion_sites.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "defects/layers.hpp"

namespace ioncycle::cycling {

namespace {

constexpr int kMaxZ = 118;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Floor division and modulo for bin indices that may lie outside [0, n) on periodic axes.
int floor_div(int i, int n) { return i >= 0 ? i / n : -((-i + n - 1) / n); }

std::string format_length(double x) {
  std::ostringstream out;
  out.precision(3);
  out << x << " A";
  return out.str();
}

std::string site_set_name(SiteSet set) {
  switch (set) {
    case SiteSet::galleries: return "galleries";
    case SiteSet::edge: return "edge sites";
    case SiteSet::surface: return "surface sites";
    case SiteSet::region: return "region";
    case SiteSet::anywhere: return "cell";
  }
  return "site set";
}

}  // namespace

SiteFinder::SiteFinder(const IonSettings& ion, SiteFinderOptions options) : ion_(ion), options_(options) {
  min_distance_sq_by_z_.assign(kMaxZ + 1, 0.0);
  for (int z = 1; z <= kMaxZ; ++z) {
    const double d = ion_.min_distance_for(z);
    min_distance_sq_by_z_[static_cast<std::size_t>(z)] = d * d;
  }
  ion_min_distance_ = ion_.min_distance_for(ion_.z);
}

core::Vec3 SiteFinder::to_fractional(const core::Vec3& r) const { return h_inv_.transpose() * (r - origin_); }

core::Vec3 SiteFinder::to_cartesian(const core::Vec3& s) const { return origin_ + h_.transpose() * s; }

void SiteFinder::prepare(const core::System& system, const InsertionSettings& settings) {
  settings_ = settings;
  const core::Cell& cell = system.cell();
  const auto positions = system.positions();
  has_lattice_ = cell.has_lattice();
  if (has_lattice_) {
    h_ = cell.matrix();
    h_inv_ = h_.inverse();
    origin_.setZero();
    periodic_ = cell.pbc();
    plane_spacing_ = cell.heights();
  } else {
    // A cluster in vacuum: a bounding box of the atoms stands in for the cell (never periodic).
    core::Vec3 lo = core::Vec3::Zero(), hi = core::Vec3::Zero();
    if (!positions.empty()) {
      lo = hi = positions.front();
      for (const auto& r : positions) {
        lo = lo.cwiseMin(r);
        hi = hi.cwiseMax(r);
      }
    }
    const core::Vec3 extent = (hi - lo).cwiseMax(1.0);
    h_ = extent.asDiagonal();
    h_inv_ = extent.cwiseInverse().asDiagonal();
    origin_ = lo;
    periodic_ = {false, false, false};
    plane_spacing_ = extent;
  }
  // The host's layers give the "auto" exclusion, which the grid's bin width must know.
  const bool auto_exclusion_wanted = std::isnan(ion_.exclusion);
  const bool needs_host = settings.sites == SiteSet::galleries || settings.sites == SiteSet::edge ||
                          settings.sites == SiteSet::surface;
  if (needs_host || auto_exclusion_wanted) analyse_host(system);
  exclusion_ = auto_exclusion_wanted ? auto_exclusion() : ion_.exclusion;
  if (ion_.z >= 1 && ion_.z <= kMaxZ) {
    const double d = std::max(ion_min_distance_, exclusion_);
    min_distance_sq_by_z_[static_cast<std::size_t>(ion_.z)] = d * d;
  }
  // Layers and free boundaries only matter to the site sets defined by them.
  if (!needs_host) {
    galleries_.clear();
    in_plane_ = {};
    normal_ = {};
    c_spacing_ = plane_spacing_[2];
  }
  build_grid(system);
  plan_site_set(settings);
}

void SiteFinder::build_grid(const core::System& system) {
  const auto positions = system.positions();
  const auto zs = system.atomic_numbers();
  const std::size_t n = system.num_atoms();

  max_min_distance_ = 0.0;
  for (const int z : zs) {
    const double d2 = (z >= 0 && z <= kMaxZ) ? min_distance_sq_by_z_[static_cast<std::size_t>(z)] : 0.0;
    max_min_distance_ = std::max(max_min_distance_, std::sqrt(d2));
  }

  // Fractional extent per axis: the whole period on periodic axes, the atoms' range elsewhere.
  std::array<double, 3> s_lo{0.0, 0.0, 0.0}, s_hi{1.0, 1.0, 1.0};
  for (int a = 0; a < 3; ++a) {
    if (periodic_[a] || n == 0) continue;
    s_lo[a] = kInf;
    s_hi[a] = -kInf;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const core::Vec3 s = to_fractional(positions[i]);
    for (int a = 0; a < 3; ++a) {
      if (periodic_[a]) continue;
      s_lo[a] = std::min(s_lo[a], s[a]);
      s_hi[a] = std::max(s_hi[a], s[a]);
    }
  }

  // Bins about one largest minimum distance wide (so the 27 nearest bins hold every atom that
  // can be too close), coarsened if that would mean many more bins than atoms.
  double width = std::max(max_min_distance_, 0.5);
  const double max_bins = std::max(64.0, 4.0 * static_cast<double>(n));
  for (;;) {
    double total = 1.0;
    for (int a = 0; a < 3; ++a) {
      grid_lo_[a] = s_lo[a];
      grid_span_[a] = std::max(s_hi[a] - s_lo[a], width / plane_spacing_[a]);
      const double length = grid_span_[a] * plane_spacing_[a];
      num_bins_[a] = std::max(1, static_cast<int>(std::min(std::floor(length / width), 1.0e6)));
      total *= num_bins_[a];
    }
    if (total <= max_bins) break;
    width *= 1.25;
  }
  for (int a = 0; a < 3; ++a) {
    const double bin_width = grid_span_[a] * plane_spacing_[a] / num_bins_[a];
    reach_[a] = max_min_distance_ > 0.0 ? static_cast<int>(std::ceil(max_min_distance_ / bin_width)) : 0;
    if (!periodic_[a]) reach_[a] = std::min(reach_[a], num_bins_[a]);
  }

  // Counting sort of the atoms into bins (CSR), with their wrapped positions.
  const std::size_t num_bins_total =
      static_cast<std::size_t>(num_bins_[0]) * static_cast<std::size_t>(num_bins_[1]) * static_cast<std::size_t>(num_bins_[2]);
  bin_start_.assign(num_bins_total + 1, 0);
  std::vector<std::uint32_t> bin_of(n);
  std::vector<core::Vec3> wrapped(n);
  for (std::size_t i = 0; i < n; ++i) {
    core::Vec3 s = to_fractional(positions[i]);
    std::array<int, 3> b{};
    for (int a = 0; a < 3; ++a) {
      if (periodic_[a]) {
        s[a] -= std::floor(s[a]);
        if (s[a] >= 1.0) s[a] = 0.0;
      }
      const double t = (s[a] - grid_lo_[a]) / grid_span_[a] * num_bins_[a];
      b[a] = std::clamp(static_cast<int>(std::floor(t)), 0, num_bins_[a] - 1);
    }
    wrapped[i] = to_cartesian(s);
    bin_of[i] = static_cast<std::uint32_t>((b[0] * num_bins_[1] + b[1]) * num_bins_[2] + b[2]);
    ++bin_start_[bin_of[i] + 1];
  }
  for (std::size_t k = 0; k < num_bins_total; ++k) bin_start_[k + 1] += bin_start_[k];
  binned_position_.resize(n);
  binned_min_sq_.resize(n);
  std::vector<std::uint32_t> fill(bin_start_.begin(), bin_start_.end() - 1);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t slot = fill[bin_of[i]]++;
    binned_position_[slot] = wrapped[i];
    const int z = zs[i];
    binned_min_sq_[slot] = (z >= 0 && z <= kMaxZ) ? min_distance_sq_by_z_[static_cast<std::size_t>(z)] : 0.0;
  }
}

namespace {

// The host's occupied range of values in [0, 1) on a circle of circumference 1 (a periodic
// axis): the widest empty arc is the candidate vacuum; `scale` converts to Å.
struct Arc {
  double widest_gap = 0.0;  // fractional
  double lo = 0.0, hi = 0.0;  // occupied range, hi in [lo, lo + 1)
};

Arc occupied_arc(std::vector<double>& v) {
  Arc arc;
  if (v.empty()) return arc;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  std::size_t start = 0;
  arc.widest_gap = v.front() + 1.0 - v.back();
  for (std::size_t k = 1; k < n; ++k) {
    const double gap = v[k] - v[k - 1];
    if (gap > arc.widest_gap) {
      arc.widest_gap = gap;
      start = k;
    }
  }
  arc.lo = v[start];
  arc.hi = start == 0 ? v.back() : v[start - 1] + 1.0;
  return arc;
}

}  // namespace

void SiteFinder::analyse_host(const core::System& system) {
  galleries_.clear();
  in_plane_ = {};
  normal_ = {};
  c_spacing_ = plane_spacing_[2];
  if (!has_lattice_) return;
  const auto positions = system.positions();
  const auto zs = system.atomic_numbers();

  std::array<std::vector<double>, 3> coords;
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    if (zs[i] == ion_.z) continue;
    core::Vec3 s = to_fractional(positions[i]);
    for (int a = 0; a < 3; ++a) {
      if (periodic_[a]) {
        s[a] -= std::floor(s[a]);
        if (s[a] >= 1.0) s[a] = 0.0;
      }
      coords[a].push_back(s[a]);
    }
  }
  if (coords[0].empty()) return;

  // Free boundaries: a non-periodic axis, or a periodic one across which the host leaves an
  // empty stripe wider than vacuum_gap. Extents are fractional in-plane, heights (Å) along c.
  for (int a = 0; a < 3; ++a) {
    Extent e;
    if (!periodic_[a]) {
      const auto [lo, hi] = std::minmax_element(coords[a].begin(), coords[a].end());
      e = {true, *lo, *hi};
    } else {
      const Arc arc = occupied_arc(coords[a]);
      e = {arc.widest_gap * plane_spacing_[a] > options_.vacuum_gap, arc.lo, arc.hi};
    }
    if (a < 2) {
      in_plane_[static_cast<std::size_t>(a)] = e;
    } else {
      normal_ = {e.free, e.lo * c_spacing_, e.hi * c_spacing_};
    }
  }

  // Galleries: between layers adjacent in height (and from the top layer to the bottom one's
  // image through a periodic c) whose clear gap is no vacuum.
  defects::LayerOptions layer_options;
  layer_options.gap = options_.layer_gap;
  layer_options.exclude = {ion_.z};
  const auto layers = defects::find_layers(system, layer_options);
  const std::size_t m = layers.size();
  for (std::size_t k = 0; k < m; ++k) {
    const bool wraps = k + 1 == m;
    if (wraps && !periodic_[2]) break;
    const auto& below = layers[k];
    const auto& above = layers[wraps ? 0 : k + 1];
    const double upper = above.height + (wraps ? c_spacing_ : 0.0);
    const double clear = upper - below.height - 0.5 * (below.thickness + above.thickness);
    if (clear > 0.0 && clear <= options_.vacuum_gap) {
      galleries_.push_back({static_cast<int>(k), below.height, upper});
    }
  }
}

double SiteFinder::auto_exclusion() const {
  // s_full² = 2 A / (√3 c_g): the spacing of c_g ions per gallery on a triangular lattice over the
  // host's in-plane area A (header comment).
  if (!has_lattice_ || galleries_.empty() || !(ion_.capacity > 0.0) || !periodic_[0] || !periodic_[1]) return 0.0;
  double area = h_.row(0).cross(h_.row(1)).norm();
  for (int a = 0; a < 2; ++a) {
    const Extent& e = in_plane_[static_cast<std::size_t>(a)];
    if (e.free) area *= std::clamp(e.hi - e.lo, 0.0, 1.0);
  }
  const double per_gallery = ion_.capacity / static_cast<double>(galleries_.size());
  if (!(area > 0.0) || !(per_gallery > 0.0)) return 0.0;
  return kAutoExclusionFraction * std::sqrt(2.0 * area / (std::sqrt(3.0) * per_gallery));
}

void SiteFinder::plan_site_set(const InsertionSettings& settings) {
  stripes_.clear();
  total_weight_ = 0.0;
  unavailable_.clear();
  switch (settings.sites) {
    case SiteSet::galleries:
      if (galleries_.empty()) {
        unavailable_ = has_lattice_ ? "the host has no galleries (no two adjacent layers less than " +
                                          format_length(options_.vacuum_gap) + " apart)"
                                    : "the structure has no cell, so it has no layers and no galleries";
      }
      break;
    case SiteSet::edge:
      if (galleries_.empty()) {
        unavailable_ = "the host has no galleries, so it has no gallery edges";
        break;
      }
      for (int a = 0; a < 2; ++a) {
        const Extent& e = in_plane_[static_cast<std::size_t>(a)];
        if (!e.free) continue;
        const double span = e.hi - e.lo;
        const double w = span > 0.0 ? std::min(settings.depth / plane_spacing_[a], span) : settings.depth / plane_spacing_[a];
        const Extent& other = in_plane_[static_cast<std::size_t>(1 - a)];
        const double other_span = other.free ? std::max(other.hi - other.lo, 1e-12) : 1.0;
        stripes_.push_back({a, e.lo, e.lo + w, w * other_span});
        stripes_.push_back({a, e.hi - w, e.hi, w * other_span});
      }
      if (stripes_.empty()) {
        unavailable_ = "the host has no free in-plane edge (a and b are periodic and the host leaves no gap wider than " +
                       format_length(options_.vacuum_gap) + ")";
      }
      break;
    case SiteSet::surface:
      if (!has_lattice_) {
        unavailable_ = "the structure has no cell, so it has no layer normal and no surface";
      } else if (!normal_.free) {
        unavailable_ = "the host has no free surface (c is periodic and the host leaves no gap wider than " +
                       format_length(options_.vacuum_gap) + " along it)";
      } else {
        stripes_.push_back({2, normal_.hi - settings.depth, normal_.hi + settings.depth, 1.0});
        stripes_.push_back({2, normal_.lo - settings.depth, normal_.lo + settings.depth, 1.0});
      }
      break;
    case SiteSet::region: {
      if (!settings.region) {
        unavailable_ = "no region was given";
        break;
      }
      // Infinite bounds are cut at the bounding box of the cell (and of the atoms, which may lie
      // outside the cell along non-periodic axes).
      core::Vec3 lo = core::Vec3::Constant(kInf), hi = core::Vec3::Constant(-kInf);
      for (int corner = 0; corner < 8; ++corner) {
        const core::Vec3 s((corner & 1) ? 1.0 : 0.0, (corner & 2) ? 1.0 : 0.0, (corner & 4) ? 1.0 : 0.0);
        const core::Vec3 r = to_cartesian(s);
        lo = lo.cwiseMin(r);
        hi = hi.cwiseMax(r);
      }
      for (const auto& r : binned_position_) {
        lo = lo.cwiseMin(r);
        hi = hi.cwiseMax(r);
      }
      box_lo_ = settings.region->lo.cwiseMax(lo);
      box_hi_ = settings.region->hi.cwiseMin(hi);
      if (!((box_hi_ - box_lo_).minCoeff() > 0.0)) unavailable_ = "the region does not overlap the cell";
      break;
    }
    case SiteSet::anywhere:
      break;
  }
  for (const auto& s : stripes_) total_weight_ += s.weight;
}

double SiteFinder::in_plane_coordinate(int axis, core::Rng& rng) const {
  const Extent& e = in_plane_[static_cast<std::size_t>(axis)];
  return e.free ? rng.uniform(e.lo, e.hi) : rng.uniform();
}

int SiteFinder::stripes_containing(const core::Vec3& fractional, double height) const {
  int count = 0;
  for (const auto& s : stripes_) {
    const double x = s.axis == 2 ? height : fractional[s.axis];
    if (x >= s.lo && x <= s.hi) ++count;
  }
  return count;
}

std::optional<SiteCandidate> SiteFinder::draw(core::Rng& rng) const {
  SiteCandidate c;
  core::Vec3 s = core::Vec3::Zero();
  double height = 0.0;
  const Stripe* stripe = nullptr;
  if (!stripes_.empty()) {
    // A stripe with probability proportional to its area, then a point uniform in it; a point in
    // k overlapping stripes is kept with probability 1/k, so the union is sampled uniformly.
    double pick = rng.uniform() * total_weight_;
    stripe = &stripes_.back();
    for (const auto& st : stripes_) {
      if (pick < st.weight) {
        stripe = &st;
        break;
      }
      pick -= st.weight;
    }
  }
  switch (settings_.sites) {
    case SiteSet::galleries:
    case SiteSet::edge: {
      const auto& g = galleries_[rng.uniform_index(galleries_.size())];
      s[0] = in_plane_coordinate(0, rng);
      s[1] = in_plane_coordinate(1, rng);
      if (stripe != nullptr) s[stripe->axis] = rng.uniform(stripe->lo, stripe->hi);
      height = g.mid() + rng.uniform(-options_.gallery_tolerance, options_.gallery_tolerance);
      s[2] = height / c_spacing_;
      c.gallery = g.index;
      c.label = (settings_.sites == SiteSet::edge ? "edge, gallery " : "gallery ") + std::to_string(g.index);
      break;
    }
    case SiteSet::surface:
      s[0] = in_plane_coordinate(0, rng);
      s[1] = in_plane_coordinate(1, rng);
      height = rng.uniform(stripe->lo, stripe->hi);
      s[2] = height / c_spacing_;
      c.label = "surface";
      break;
    case SiteSet::region:
      for (int a = 0; a < 3; ++a) c.position[a] = rng.uniform(box_lo_[a], box_hi_[a]);
      c.label = "region";
      return c;
    case SiteSet::anywhere:
      for (int a = 0; a < 3; ++a) s[a] = rng.uniform();
      c.label = "anywhere";
      break;
  }
  if (stripes_.size() > 1) {
    const int k = stripes_containing(s, height);
    if (k > 1 && rng.uniform() * k >= 1.0) return std::nullopt;
  }
  for (int a = 0; a < 3; ++a) {
    if (periodic_[a]) s[a] -= std::floor(s[a]);
  }
  c.position = to_cartesian(s);
  return c;
}

std::optional<SiteCandidate> SiteFinder::sample(core::Rng& rng) const { return sample(rng, settings_.max_tries); }

std::optional<SiteCandidate> SiteFinder::sample(core::Rng& rng, int max_tries) const {
  if (!unavailable_.empty()) return std::nullopt;
  for (int t = 0; t < max_tries; ++t) {
    auto c = draw(rng);
    if (c && is_free(c->position)) return c;
  }
  return std::nullopt;
}

bool SiteFinder::is_free(const core::Vec3& position) const {
  if (binned_position_.empty()) return true;
  core::Vec3 s = to_fractional(position);
  std::array<int, 3> b{};
  for (int a = 0; a < 3; ++a) {
    if (periodic_[a]) s[a] -= std::floor(s[a]);
    const double t = (s[a] - grid_lo_[a]) / grid_span_[a] * num_bins_[a];
    // Far outside a non-periodic range no bin is within reach; clamp to keep the int finite.
    const double bound = static_cast<double>(num_bins_[a] + reach_[a] + 1);
    b[a] = static_cast<int>(std::floor(std::clamp(t, -bound, bound)));
    if (periodic_[a]) b[a] = std::clamp(b[a], 0, num_bins_[a] - 1);
  }
  const core::Vec3 p = to_cartesian(s);
  const int n0 = num_bins_[0], n1 = num_bins_[1], n2 = num_bins_[2];
  for (int o0 = -reach_[0]; o0 <= reach_[0]; ++o0) {
    int i0 = b[0] + o0;
    core::Vec3 shift0 = core::Vec3::Zero();
    if (periodic_[0]) {
      const int m = floor_div(i0, n0);
      i0 -= m * n0;
      shift0 = m * h_.row(0).transpose();
    } else if (i0 < 0 || i0 >= n0) {
      continue;
    }
    for (int o1 = -reach_[1]; o1 <= reach_[1]; ++o1) {
      int i1 = b[1] + o1;
      core::Vec3 shift1 = shift0;
      if (periodic_[1]) {
        const int m = floor_div(i1, n1);
        i1 -= m * n1;
        shift1 += m * h_.row(1).transpose();
      } else if (i1 < 0 || i1 >= n1) {
        continue;
      }
      for (int o2 = -reach_[2]; o2 <= reach_[2]; ++o2) {
        int i2 = b[2] + o2;
        core::Vec3 shift = shift1;
        if (periodic_[2]) {
          const int m = floor_div(i2, n2);
          i2 -= m * n2;
          shift += m * h_.row(2).transpose();
        } else if (i2 < 0 || i2 >= n2) {
          continue;
        }
        // The image of an atom in this bin sits at x + shift; compare x with p - shift.
        const core::Vec3 q = p - shift;
        const std::size_t bin = static_cast<std::size_t>((i0 * n1 + i1) * n2 + i2);
        for (std::uint32_t k = bin_start_[bin]; k < bin_start_[bin + 1]; ++k) {
          if ((binned_position_[k] - q).squaredNorm() < binned_min_sq_[k]) return false;
        }
      }
    }
  }
  return true;
}

double SiteFinder::distance_to_free_boundary(const core::Vec3& position, SiteSet edge_or_surface) const {
  IONCYCLE_ASSERT(edge_or_surface == SiteSet::edge || edge_or_surface == SiteSet::surface,
                  "distance_to_free_boundary is for edge or surface");
  if (!has_free_boundary(edge_or_surface)) return kInf;
  const core::Vec3 s = to_fractional(position);
  // Signed distance from x to the occupied range [lo, hi] of a line or of a circle of
  // circumference `period` (0 = not periodic): positive inside, negative outside.
  const auto depth = [](double x, double lo, double hi, double period) {
    if (period > 0.0) {
      double t = std::fmod(x - lo, period);
      if (t < 0.0) t += period;
      const double length = hi - lo;
      return t <= length ? std::min(t, length - t) : -std::min(t - length, period - t);
    }
    if (x >= lo && x <= hi) return std::min(x - lo, hi - x);
    return -(x < lo ? lo - x : x - hi);
  };
  if (edge_or_surface == SiteSet::edge) {
    double best = kInf;
    for (int a = 0; a < 2; ++a) {
      const Extent& e = in_plane_[static_cast<std::size_t>(a)];
      if (!e.free) continue;
      best = std::min(best, plane_spacing_[a] * depth(s[a], e.lo, e.hi, periodic_[a] ? 1.0 : 0.0));
    }
    return best;
  }
  return depth(s[2] * c_spacing_, normal_.lo, normal_.hi, periodic_[2] ? c_spacing_ : 0.0);
}

bool SiteFinder::has_free_boundary(SiteSet edge_or_surface) const {
  if (!has_lattice_) return false;
  if (edge_or_surface == SiteSet::edge) return in_plane_[0].free || in_plane_[1].free;
  return normal_.free;
}

std::string SiteFinder::failure_message(int max_tries) const {
  if (!unavailable_.empty()) return "no " + site_set_name(settings_.sites) + ": " + unavailable_;
  std::string symbol = "ion";
  try {
    symbol = std::string(core::symbol(ion_.z));
  } catch (const Error&) {
  }
  std::string text = "no site in the " + site_set_name(settings_.sites) + " keeps " + symbol + " at least " +
                     format_length(ion_.min_distance) + " from other atoms";
  if (exclusion_ > ion_min_distance_) text += " and " + format_length(exclusion_) + " from other " + symbol;
  return text + " (" + std::to_string(max_tries) + " tries)";
}

}  // namespace ioncycle::cycling
