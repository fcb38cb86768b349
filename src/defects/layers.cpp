// SPDX-License-Identifier: MIT
#include "defects/layers.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.hpp"

namespace ioncycle::defects {

core::Vec3 layer_normal(const core::Cell& cell) {
  const core::Vec3 n = cell.vector(0).cross(cell.vector(1));
  const double len = n.norm();
  if (!(len > 0.0)) {
    throw InputError("the cell has no a x b plane (a and b are parallel or zero), so it has no layers",
                     "layered structures need a periodic cell with the layers parallel to a and b");
  }
  return n / len;
}

namespace {

struct Entry {
  double height;      // along the normal, in [0, d) when c is periodic
  std::size_t atom;
};

}  // namespace

std::vector<Layer> find_layers(const core::System& system, const LayerOptions& options) {
  const core::Cell& cell = system.cell();
  if (!cell.has_lattice()) {
    throw InputError("the structure has no cell, so its layers cannot be found",
                     "layer detection needs the lattice vectors a, b (in-plane) and c (stacking)");
  }
  (void)layer_normal(cell);  // checks that a x b is defined
  // Interplanar spacing of the lattice planes spanned by a and b: r·n = s_c · d for every
  // position, since a·n = b·n = 0. So s_c · d is the height along the normal whatever the tilt of c.
  const double d = cell.heights()[2];
  const bool periodic_c = cell.periodic(2);

  std::vector<Entry> entries;
  entries.reserve(system.num_atoms());
  const auto positions = system.positions();
  const auto zs = system.atomic_numbers();
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    if (std::find(options.exclude.begin(), options.exclude.end(), zs[i]) != options.exclude.end()) continue;
    double s = cell.to_fractional(positions[i])[2];
    if (periodic_c) {
      s -= std::floor(s);
      // An atom a rounding error below the boundary (-1e-16, as files often hold 0) is at 0.
      if (s >= 1.0 - 1e-12) s = 0.0;
    }
    entries.push_back({s * d, i});
  }
  std::vector<Layer> layers;
  if (entries.empty()) return layers;
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) {
    return x.height < y.height || (x.height == y.height && x.atom < y.atom);
  });
  const std::size_t n = entries.size();

  // On a periodic c the heights lie on a circle of circumference d. Start the sweep just after the
  // widest empty gap (including the gap that wraps from the top of the cell to the bottom): that gap
  // is certainly between two layers, so no layer is cut in two by the cell boundary.
  std::size_t start = 0;
  if (periodic_c) {
    double widest = entries.front().height + d - entries.back().height;
    for (std::size_t k = 1; k < n; ++k) {
      const double g = entries[k].height - entries[k - 1].height;
      if (g > widest) {
        widest = g;
        start = k;
      }
    }
  }

  // Sweep once around, unwrapping heights (adding d after passing the top of the cell), and cut
  // wherever consecutive heights are more than `gap` apart.
  std::vector<std::vector<Entry>> groups;
  double previous = 0.0;
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t idx = (start + k) % n;
    Entry e = entries[idx];
    if (periodic_c && idx < start) e.height += d;
    if (k == 0 || e.height - previous > options.gap) groups.emplace_back();
    groups.back().push_back(e);
    previous = e.height;
  }

  layers.reserve(groups.size());
  for (const auto& g : groups) {
    Layer layer;
    double lo = g.front().height, hi = g.front().height, sum = 0.0;
    for (const auto& e : g) {
      layer.atoms.push_back(e.atom);
      lo = std::min(lo, e.height);
      hi = std::max(hi, e.height);
      sum += e.height;
    }
    std::sort(layer.atoms.begin(), layer.atoms.end());
    layer.thickness = hi - lo;
    layer.height = sum / static_cast<double>(g.size());
    if (periodic_c) {
      layer.height -= d * std::floor(layer.height / d);
      if (layer.height >= d * (1.0 - 1e-12)) layer.height = 0.0;
    }
    layers.push_back(std::move(layer));
  }
  std::sort(layers.begin(), layers.end(), [](const Layer& x, const Layer& y) {
    return x.height < y.height || (x.height == y.height && x.atoms.front() < y.atoms.front());
  });
  return layers;
}

}  // namespace ioncycle::defects
