// SPDX-License-Identifier: MIT
#include "analysis/host_layers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>

#include "core/error.hpp"
#include "defects/layers.hpp"

namespace ioncycle::analysis {

const char* place_name(Place place) {
  switch (place) {
    case Place::gallery: return "gallery";
    case Place::edge: return "edge";
    case Place::surface: return "surface";
    case Place::outside: return "outside";
  }
  return "outside";
}

namespace {

using core::Vec3;
using Vec2 = Eigen::Vector2d;

bool contains(const std::vector<int>& list, int z) { return std::find(list.begin(), list.end(), z) != list.end(); }

// Reduce a fractional difference to [-1/2, 1/2).
double reduce(double x) { return x - std::floor(x + 0.5); }

std::string frame_name(const TrajectoryFrame& frame, std::size_t index) {
  return "frame " + std::to_string(index) + " (step " + std::to_string(frame.step) + ")";
}

// In-plane coordinates (u, v) along a and b of the projection of r on the a-b plane, and the
// minimum image of in-plane differences. The normal part of r drops out of (GᵀG)⁻¹Gᵀr with
// G = [a b], so a tilted c does not move in-plane coordinates.
struct PlaneFrame {
  Vec3 a, b;
  Eigen::Matrix<double, 2, 3> project;
  bool periodic_a = true, periodic_b = true;
  double width_a = 0.0, width_b = 0.0;  // in-plane distances between the lines of constant u (v)

  explicit PlaneFrame(const core::Cell& cell) {
    a = cell.vector(0);
    b = cell.vector(1);
    Eigen::Matrix<double, 3, 2> g;
    g.col(0) = a;
    g.col(1) = b;
    project = (g.transpose() * g).inverse() * g.transpose();
    periodic_a = cell.periodic(0);
    periodic_b = cell.periodic(1);
    const double area = a.cross(b).norm();
    width_a = area / b.norm();
    width_b = area / a.norm();
  }
  [[nodiscard]] Vec2 uv(const Vec3& r) const { return project * r; }
  // Shortest in-plane Cartesian vector from q to p (both in (u, v)).
  [[nodiscard]] Vec3 difference(const Vec2& p, const Vec2& q) const {
    double du = p[0] - q[0];
    double dv = p[1] - q[1];
    if (periodic_a) du = reduce(du);
    if (periodic_b) dv = reduce(dv);
    const Vec3 base = du * a + dv * b;
    Vec3 best = base;
    // In a skewed plane cell the reduced vector is not always the shortest image.
    for (int i = -1; i <= 1; ++i) {
      if (i != 0 && !periodic_a) continue;
      for (int j = -1; j <= 1; ++j) {
        if (j != 0 && !periodic_b) continue;
        const Vec3 c = base + i * a + j * b;
        if (c.squaredNorm() < best.squaredNorm()) best = c;
      }
    }
    return best;
  }
};

// Host atoms of one layer in one frame, binned in (u, v) so that neighbours of a point within a
// radius are found by visiting nearby bins only.
class PlaneGrid {
 public:
  void build(const PlaneFrame& plane, const std::vector<Vec2>& points, double bin) {
    points_ = &points;
    periodic_a_ = plane.periodic_a;
    periodic_b_ = plane.periodic_b;
    nu_ = std::clamp(static_cast<int>(plane.width_a / bin), 1, 512);
    nv_ = std::clamp(static_cast<int>(plane.width_b / bin), 1, 512);
    bin_u_ = plane.width_a / nu_;
    bin_v_ = plane.width_b / nv_;
    start_.assign(static_cast<std::size_t>(nu_ * nv_) + 1, 0);
    order_.resize(points.size());
    cell_of_.resize(points.size());
    for (std::size_t i = 0; i < points.size(); ++i) {
      cell_of_[i] = cell(points[i]);
      ++start_[static_cast<std::size_t>(cell_of_[i]) + 1];
    }
    for (std::size_t c = 1; c < start_.size(); ++c) start_[c] += start_[c - 1];
    fill_ = start_;
    for (std::size_t i = 0; i < points.size(); ++i) order_[fill_[static_cast<std::size_t>(cell_of_[i])]++] = i;
  }

  // Calls f(in-plane vector from the point to the host atom) for every host atom within
  // `radius` of p (and possibly a few farther ones; f filters by distance).
  template <class F>
  void visit(const PlaneFrame& plane, const Vec2& p, double radius, F&& f) const {
    const int ku = static_cast<int>(std::ceil(radius / bin_u_));
    const int kv = static_cast<int>(std::ceil(radius / bin_v_));
    const int iu = index(p[0], nu_, plane.periodic_a);
    const int iv = index(p[1], nv_, plane.periodic_b);
    const auto range = [](int i, int k, int n, bool periodic, int& lo, int& hi) {
      if (2 * k + 1 >= n) {
        lo = 0;
        hi = n - 1;
        return false;  // the whole axis, no wrap needed
      }
      lo = i - k;
      hi = i + k;
      if (!periodic) {
        lo = std::max(lo, 0);
        hi = std::min(hi, n - 1);
      }
      return periodic;
    };
    int ulo = 0, uhi = 0, vlo = 0, vhi = 0;
    const bool wrap_u = range(iu, ku, nu_, plane.periodic_a, ulo, uhi);
    const bool wrap_v = range(iv, kv, nv_, plane.periodic_b, vlo, vhi);
    for (int u = ulo; u <= uhi; ++u) {
      const int cu = wrap_u ? ((u % nu_) + nu_) % nu_ : u;
      for (int v = vlo; v <= vhi; ++v) {
        const int cv = wrap_v ? ((v % nv_) + nv_) % nv_ : v;
        const auto c = static_cast<std::size_t>(cu * nv_ + cv);
        for (std::size_t k = start_[c]; k < start_[c + 1]; ++k) {
          f(plane.difference((*points_)[order_[k]], p));
        }
      }
    }
  }

 private:
  [[nodiscard]] static int index(double x, int n, bool periodic) {
    if (periodic) x -= std::floor(x);
    return std::clamp(static_cast<int>(x * n), 0, n - 1);
  }
  [[nodiscard]] int cell(const Vec2& p) const {
    return index(p[0], nu_, periodic_a_) * nv_ + index(p[1], nv_, periodic_b_);
  }

  const std::vector<Vec2>* points_ = nullptr;
  bool periodic_a_ = true, periodic_b_ = true;
  int nu_ = 1, nv_ = 1;
  double bin_u_ = 1.0, bin_v_ = 1.0;
  std::vector<std::size_t> start_, fill_, order_;
  std::vector<int> cell_of_;
};

// Host atoms of the bounding layers around an ion: how many within the edge radius, the sum of
// the unit vectors towards them, and the nearest distance.
struct Surroundings {
  std::size_t count = 0;
  Vec3 direction_sum = Vec3::Zero();
  double nearest = std::numeric_limits<double>::infinity();
};

void survey(const PlaneFrame& plane, const PlaneGrid& grid, const Vec2& p, double edge, double search,
            Surroundings& s) {
  grid.visit(plane, p, search, [&](const Vec3& d) {
    const double r = d.norm();
    s.nearest = std::min(s.nearest, r);
    if (r <= edge) {
      ++s.count;
      // An atom (almost) straight above or below has no direction; it still counts as a neighbour.
      if (r > 0.2) s.direction_sum += d / r;
    }
  });
}

struct LayerAtom {
  std::int64_t id = 0;
  std::size_t layer = 0;
  double mass = 0.0;
  Vec3 s0 = Vec3::Zero();      // fractional, unwrapped, first frame
  Vec3 s_prev = Vec3::Zero();  // fractional, unwrapped, last frame where present
};

}  // namespace

HostLayers track_host_layers(const Trajectory& trajectory, const HostLayerOptions& options) {
  if (trajectory.empty()) {
    throw InputError("the trajectory has no frames, so it has no host layers");
  }
  const core::System& first = trajectory.front().system;
  if (!first.cell().has_lattice()) {
    throw InputError("the first frame of the trajectory has no cell, so its host layers cannot be found",
                     "layer analysis needs the lattice vectors a, b (in-plane) and c (stacking)");
  }
  defects::LayerOptions layer_options;
  layer_options.gap = options.gap;
  layer_options.exclude = options.ion_species;
  const auto found = defects::find_layers(first, layer_options);
  if (found.empty()) {
    throw InputError("the first frame of the trajectory has no host layer (only ions, or no atoms)",
                     "the ion species are " + std::to_string(options.ion_species.size()) +
                         " element(s) excluded from the layers; the host must hold other atoms");
  }

  const core::Cell& cell0 = first.cell();
  const double d0 = cell0.heights()[2];
  const bool periodic_c = cell0.periodic(2);
  const std::size_t n = found.size();
  const auto positions0 = first.positions();

  // Extent of each layer along the normal (fractional, next to its mean height).
  std::vector<double> bottom(n), top(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double centre = found[k].height / d0;
    bottom[k] = std::numeric_limits<double>::infinity();
    top[k] = -std::numeric_limits<double>::infinity();
    for (const std::size_t i : found[k].atoms) {
      double s = cell0.to_fractional(positions0[i])[2];
      if (periodic_c) s -= std::round(s - centre);
      bottom[k] = std::min(bottom[k], s);
      top[k] = std::max(top[k], s);
    }
  }

  // Order the layers bottom to top and decide whether the stack is periodic: on a periodic c the
  // layers lie on a circle; the widest gap between facing planes, if wider than vacuum_gap, is
  // vacuum and the layer above it is the bottom of a slab.
  std::vector<std::size_t> order(n);
  std::vector<double> centre(n);  // fractional height, unwrapped, in the new order
  HostLayers out;
  out.num_layers = n;
  out.periodic = periodic_c;
  if (periodic_c) {
    std::size_t widest = 0;
    double widest_gap = -1.0;
    for (std::size_t k = 0; k < n; ++k) {
      const std::size_t next = (k + 1) % n;
      const double gap = (bottom[next] + (next == 0 ? 1.0 : 0.0) - top[k]) * d0;
      if (gap > widest_gap) {
        widest_gap = gap;
        widest = k;
      }
    }
    if (widest_gap > options.vacuum_gap) {
      out.periodic = false;
      for (std::size_t k = 0; k < n; ++k) order[k] = (widest + 1 + k) % n;
    } else {
      for (std::size_t k = 0; k < n; ++k) order[k] = k;
    }
  } else {
    for (std::size_t k = 0; k < n; ++k) order[k] = k;
  }
  for (std::size_t k = 0; k < n; ++k) {
    centre[k] = found[order[k]].height / d0;
    if (k > 0 && centre[k] < centre[k - 1]) centre[k] += 1.0;  // past the cell boundary
  }
  out.num_galleries = out.periodic ? n : n - 1;
  out.normal = defects::layer_normal(cell0);

  // Every layer atom, with its first-frame fractional position unwrapped along c next to its layer.
  std::vector<LayerAtom> atoms;
  const auto ids0 = first.ids();
  const auto masses0 = first.masses();
  out.layer_atom_ids.resize(n);
  std::vector<double> layer_mass(n, 0.0);
  std::vector<Vec3> sigma0(n, Vec3::Zero());  // fractional centre of mass, first frame
  Vec3 host_sigma0 = Vec3::Zero();
  double host_mass = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    for (const std::size_t i : found[order[k]].atoms) {
      Vec3 s = cell0.to_fractional(positions0[i]);
      if (periodic_c) s[2] -= std::round(s[2] - centre[k]);
      atoms.push_back({ids0[i], k, masses0[i], s, s});
      out.layer_atom_ids[k].push_back(ids0[i]);
      layer_mass[k] += masses0[i];
      sigma0[k] += masses0[i] * s;
    }
    std::sort(out.layer_atom_ids[k].begin(), out.layer_atom_ids[k].end());
    host_sigma0 += sigma0[k];
    host_mass += layer_mass[k];
    sigma0[k] /= layer_mass[k];
  }
  host_sigma0 /= host_mass;

  std::vector<Vec3> sigma = sigma0;     // current fractional centres (kept when a layer is absent)
  std::vector<Vec3> sum_disp(n);
  std::vector<double> sum_mass(n);
  std::vector<double> lowest(n), highest(n);
  std::vector<std::vector<Vec2>> plane_points(n);
  std::vector<PlaneGrid> grids(n);
  std::vector<char> grid_built(n);
  std::vector<std::pair<std::int64_t, std::size_t>> ions;
  const double search = std::max(options.edge_distance, options.outside_distance);

  out.frames.resize(trajectory.size());
  for (std::size_t f = 0; f < trajectory.size(); ++f) {
    const core::System& system = trajectory[f].system;
    const core::Cell& cell = system.cell();
    if (!cell.has_lattice()) {
      throw InputError(frame_name(trajectory[f], f) + " of the trajectory has no cell",
                       "every frame needs the lattice vectors to follow the host layers");
    }
    const auto positions = system.positions();
    const double d = cell.heights()[2];
    const std::array<bool, 3> pbc{cell.periodic(0), cell.periodic(1), cell.periodic(2)};
    const PlaneFrame plane(cell);

    std::fill(sum_disp.begin(), sum_disp.end(), Vec3::Zero());
    std::fill(sum_mass.begin(), sum_mass.end(), 0.0);
    std::fill(lowest.begin(), lowest.end(), std::numeric_limits<double>::infinity());
    std::fill(highest.begin(), highest.end(), -std::numeric_limits<double>::infinity());
    for (auto& pts : plane_points) pts.clear();
    for (auto& atom : atoms) {
      const auto index = system.index_of(atom.id);
      if (!index) continue;
      const Vec3& r = positions[*index];
      Vec3 s = cell.to_fractional(r);
      for (int axis = 0; axis < 3; ++axis) {
        if (pbc[static_cast<std::size_t>(axis)]) s[axis] = atom.s_prev[axis] + reduce(s[axis] - atom.s_prev[axis]);
      }
      atom.s_prev = s;
      sum_disp[atom.layer] += atom.mass * (s - atom.s0);
      sum_mass[atom.layer] += atom.mass;
      lowest[atom.layer] = std::min(lowest[atom.layer], s[2]);
      highest[atom.layer] = std::max(highest[atom.layer], s[2]);
      plane_points[atom.layer].push_back(plane.uv(r));
    }
    Vec3 host_disp = Vec3::Zero();
    double host_present = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
      if (sum_mass[k] > 0.0) {
        sigma[k] = sigma0[k] + sum_disp[k] / sum_mass[k];
      } else {
        lowest[k] = highest[k] = sigma[k][2];
      }
      host_disp += sum_disp[k];
      host_present += sum_mass[k];
    }
    if (host_present > 0.0) host_disp /= host_present;

    FrameHost& frame = out.frames[f];
    frame.layer_height.resize(n);
    frame.layer_center.resize(n);
    frame.layer_shift.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      frame.layer_center[k] = cell.to_cartesian(sigma[k]);
      frame.layer_height[k] = sigma[k][2] * d;
      Vec3 rel = (sigma[k] - sigma0[k]) - host_disp;
      rel[2] = 0.0;
      frame.layer_shift[k] = cell.to_cartesian(rel);
    }
    frame.gallery_spacing.resize(out.num_galleries);
    for (std::size_t g = 0; g < out.num_galleries; ++g) {
      const double upper = g + 1 < n ? sigma[g + 1][2] : sigma[0][2] + 1.0;
      frame.gallery_spacing[g] = (upper - sigma[g][2]) * d;
    }

    // Ions, ascending by id.
    ions.clear();
    const auto zs = system.atomic_numbers();
    const auto ids = system.ids();
    for (std::size_t i = 0; i < system.num_atoms(); ++i) {
      if (contains(options.ion_species, zs[i])) ions.emplace_back(ids[i], i);
    }
    std::sort(ions.begin(), ions.end());
    frame.ion_ids.resize(ions.size());
    frame.ion_gallery.assign(ions.size(), -1);
    frame.ion_place.assign(ions.size(), Place::outside);
    std::fill(grid_built.begin(), grid_built.end(), 0);
    auto grid = [&](std::size_t k) -> const PlaneGrid& {
      if (!grid_built[k]) {
        grids[k].build(plane, plane_points[k], options.edge_distance);
        grid_built[k] = 1;
      }
      return grids[k];
    };

    for (std::size_t j = 0; j < ions.size(); ++j) {
      frame.ion_ids[j] = ions[j].first;
      const Vec3& r = positions[ions[j].second];
      double s = cell.to_fractional(r)[2];
      const Vec2 p = plane.uv(r);
      int gallery = -1;
      int outer = -1;  // slab: the outer layer the ion lies beyond
      double beyond = 0.0;  // Å beyond the outermost atoms of that layer
      if (out.periodic) {
        double x = s - sigma[0][2];
        x -= std::floor(x);
        gallery = 0;
        for (std::size_t k = 1; k < n; ++k) {
          if (sigma[k][2] - sigma[0][2] <= x) gallery = static_cast<int>(k);
        }
      } else {
        if (pbc[2]) {
          const double middle = 0.5 * (sigma[0][2] + sigma[n - 1][2]);
          s -= std::round(s - middle);
        }
        if (s < sigma[0][2]) {
          outer = 0;
          beyond = (lowest[0] - s) * d;
        } else if (s >= sigma[n - 1][2]) {
          outer = static_cast<int>(n - 1);
          beyond = (s - highest[n - 1]) * d;
        } else {
          for (std::size_t k = 0; k + 1 < n; ++k) {
            if (sigma[k][2] <= s) gallery = static_cast<int>(k);
          }
        }
      }

      if (gallery >= 0) {
        Surroundings around;
        const auto lower = static_cast<std::size_t>(gallery);
        const std::size_t upper = (lower + 1) % n;
        // The edge radius first; only an ion with no host atom within it needs the wider search.
        survey(plane, grid(lower), p, options.edge_distance, options.edge_distance, around);
        if (upper != lower) survey(plane, grid(upper), p, options.edge_distance, options.edge_distance, around);
        if (around.count == 0) {
          survey(plane, grid(lower), p, options.edge_distance, search, around);
          if (upper != lower) survey(plane, grid(upper), p, options.edge_distance, search, around);
        }
        Place place = Place::gallery;
        if (around.count == 0) {
          place = around.nearest <= options.outside_distance ? Place::edge : Place::outside;
        } else if (around.direction_sum.norm() / static_cast<double>(around.count) > options.edge_asymmetry) {
          place = Place::edge;
        }
        frame.ion_place[j] = place;
        frame.ion_gallery[j] = place == Place::outside ? -1 : gallery;
      } else if (outer >= 0) {
        Place place = Place::outside;
        if (beyond <= options.surface_distance) {
          Surroundings around;
          survey(plane, grid(static_cast<std::size_t>(outer)), p, options.edge_distance, options.edge_distance,
                 around);
          if (around.count > 0) place = Place::surface;
        }
        frame.ion_place[j] = place;
      }
    }
  }
  return out;
}

}  // namespace ioncycle::analysis
