// SPDX-License-Identifier: MIT
#include "defects/graphite.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/elements.hpp"
#include "core/strings.hpp"
#include "defects/plane_lattice.hpp"
#include "defects/request_error.hpp"

namespace ioncycle::defects {

namespace {

constexpr int kCarbon = 6;
constexpr int kLithium = 3;

// Supercells (rows in units of a1, a2) of one repeat.
constexpr IntMatrix2 kHexagonal{{{1, 0}, {0, 1}}};
constexpr IntMatrix2 kOrthogonal{{{1, 0}, {1, 2}}};         // a1 along x, a1 + 2a2 along y
constexpr IntMatrix2 kOrthogonalZigzag{{{1, 2}, {-1, 0}}};  // a1 + 2a2 along x, -a1 along y
constexpr IntMatrix2 kRoot3{{{2, 1}, {-1, 1}}};             // √3 × √3 R30°
constexpr IntMatrix2 kRoot3Orthogonal{{{3, 0}, {1, 2}}};    // 3a1 along x, a1 + 2a2 along y

// Site class of the registry letter's origin: A = p0, B = A + p2, C = A + p1.
int letter_class(char letter) { return letter == 'A' ? 0 : letter == 'B' ? 2 : 1; }

struct PlaneAtom {
  Vec2 r;  // Cartesian, rotated frame
  int layer;
};

void check(const GraphiteParams& p) {
  if (p.repeat_a < 1 || p.repeat_b < 1) {
    throw RequestError("repeat", "'repeat' must be two positive integers (got [" + std::to_string(p.repeat_a) + ", " +
                                     std::to_string(p.repeat_b) + "])",
                       "e.g. repeat = [4, 4]");
  }
  if (p.num_layers < 1) {
    throw RequestError("layers", "'layers' must be at least 1 (got " + std::to_string(p.num_layers) + ")",
                       "e.g. layers = 4");
  }
  if (!(p.bond_length > 0.5 && p.bond_length < 3.0)) {
    throw RequestError("bond_length", "'bond_length' must lie between 0.5 and 3 Å (got " +
                                          core::format_double(p.bond_length) + " Å)",
                       "graphite: bond_length = \"1.42 A\"");
  }
  for (const auto& [key, value] : {std::pair<const char*, double>{"spacing", p.spacing},
                                   {"lithiated_spacing", p.lithiated_spacing}}) {
    if (!(value >= 1.0)) {
      throw RequestError(key, std::string("'") + key + "' must be at least 1 Å (got " + core::format_double(value) +
                                  " Å)",
                         "graphite: spacing = \"3.35 A\"; LiC6: lithiated_spacing = \"3.70 A\"");
    }
  }
  if (p.stacking.empty() || p.stacking.find_first_not_of("ABC") != std::string::npos) {
    throw RequestError("stacking", "'stacking' must be a sequence of the letters A, B and C (got \"" + p.stacking + "\")",
                       "e.g. \"AB\" (Bernal), \"AA\", \"ABC\" (rhombohedral) or \"ABAC\"");
  }
  if (p.vacuum && !(*p.vacuum > 0.0)) {
    throw RequestError("vacuum", "'vacuum' must be positive", "e.g. vacuum = \"15 A\"");
  }
  if (p.edge && !(p.edge_vacuum > 0.0)) {
    throw RequestError("edge_vacuum", "'edge_vacuum' must be positive", "e.g. edge_vacuum = \"15 A\"");
  }
  if (p.edge && p.cell == PlaneCellShape::hexagonal) {
    throw RequestError("cell", "an edge geometry needs cell = \"orthogonal\": the vacuum is along x, normal to the edge",
                       "remove 'cell' or set cell = \"orthogonal\"");
  }
  if (p.edge && p.phase != GraphitePhase::carbon) {
    throw RequestError("edge", "edges are built for pristine graphite only, not for LiC6 or LiC12",
                       "build the edge of pristine graphite and insert Li with a protocol");
  }
  if (p.phase != GraphitePhase::carbon) {
    if (p.stacking.find_first_not_of('A') != std::string::npos) {
      throw RequestError("stacking", std::string(p.phase == GraphitePhase::lic6 ? "LiC6" : "LiC12") +
                                         " has AA stacking (AαAα); stacking \"" + p.stacking + "\" is not available",
                         "remove 'stacking' or set stacking = \"AA\"");
    }
  }
  const bool periodic = !p.vacuum.has_value();
  if (periodic) {
    const std::size_t period = stacking_period(p.stacking);
    if (static_cast<std::size_t>(p.num_layers) % period != 0) {
      throw RequestError("layers", std::to_string(p.num_layers) + " layers do not complete the stacking \"" +
                                       p.stacking + "\" (period " + std::to_string(period) +
                                       "), so the cell boundary along c would add a stacking fault",
                         "use a multiple of " + std::to_string(period) +
                             " layers, or give 'vacuum' to build a slab with any number of layers");
    }
    if (p.phase == GraphitePhase::lic12 && p.num_layers % 2 != 0) {
      throw RequestError("layers", "stage-2 LiC12 fills every second gallery, so a periodic cell needs an even number of "
                                   "layers (got " + std::to_string(p.num_layers) + ")",
                         "e.g. layers = 2");
    }
  }
}

IntMatrix2 unit_supercell(const GraphiteParams& p) {
  const bool orthogonal = p.cell == PlaneCellShape::orthogonal || p.edge.has_value();
  if (p.phase != GraphitePhase::carbon) return orthogonal ? kRoot3Orthogonal : kRoot3;
  if (!orthogonal) return kHexagonal;
  return p.edge == EdgeType::zigzag ? kOrthogonalZigzag : kOrthogonal;
}

bool gallery_filled(const GraphiteParams& p, int gallery) {
  switch (p.phase) {
    case GraphitePhase::carbon: return false;
    case GraphitePhase::lic6: return true;
    case GraphitePhase::lic12: return gallery % 2 == 0;
  }
  return false;
}

// Cut of one layer for the edge geometry: fractional coordinate along A (in [0, 1)) where the
// layer is opened, the middle of one of its widest empty stripes; among equally wide stripes the
// one nearest (cyclically) to `reference`.
double edge_cut(std::vector<double> u, double reference) {
  std::sort(u.begin(), u.end());
  const std::size_t n = u.size();
  double widest = 0.0;
  std::vector<double> gaps(n), mids(n);
  for (std::size_t k = 0; k < n; ++k) {
    const double lo = u[k];
    const double hi = k + 1 < n ? u[k + 1] : u[0] + 1.0;
    gaps[k] = hi - lo;
    mids[k] = std::fmod(0.5 * (lo + hi), 1.0);
    widest = std::max(widest, gaps[k]);
  }
  double best = mids[0], best_distance = 2.0;
  for (std::size_t k = 0; k < n; ++k) {
    if (gaps[k] < widest - 1e-6) continue;
    double d = std::abs(mids[k] - reference);
    d = std::min(d, 1.0 - d);
    if (d < best_distance - 1e-9) {
      best_distance = d;
      best = mids[k];
    }
  }
  return best;
}

}  // namespace

std::size_t stacking_period(const std::string& stacking) {
  const std::size_t n = stacking.size();
  for (std::size_t p = 1; p < n; ++p) {
    if (n % p != 0) continue;
    bool ok = true;
    for (std::size_t i = p; i < n && ok; ++i) ok = stacking[i] == stacking[i - p];
    if (ok) return p;
  }
  return std::max<std::size_t>(n, 1);
}

core::System build_graphite(const GraphiteParams& p) {
  check(p);
  const double a = std::sqrt(3.0) * p.bond_length;
  const IntMatrix2 s = repeat_rows(unit_supercell(p), p.repeat_a, p.repeat_b);
  const PlaneSupercell plane(a, s);
  const int n = p.num_layers;
  const bool periodic = !p.vacuum.has_value();

  // Galleries: gallery k lies above layer k; in a periodic cell the last one wraps across the
  // boundary to the image of layer 0, in a slab it is the vacuum.
  std::vector<double> gap(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) gap[static_cast<std::size_t>(k)] = gallery_filled(p, k) ? p.lithiated_spacing : p.spacing;
  std::vector<double> z(static_cast<std::size_t>(n));
  z[0] = periodic ? 0.5 * gap.back() : 0.5 * *p.vacuum;
  for (int k = 1; k < n; ++k) z[static_cast<std::size_t>(k)] = z[static_cast<std::size_t>(k - 1)] + gap[static_cast<std::size_t>(k - 1)];
  double c = 0.0;
  if (periodic) {
    for (const double g : gap) c += g;
  } else {
    c = z.back() - z.front() + *p.vacuum;
  }

  std::vector<PlaneAtom> carbons;
  std::vector<std::pair<Vec2, double>> lithium;  // in-plane position, height
  for (int k = 0; k < n; ++k) {
    const char letter = p.phase == GraphitePhase::carbon ? p.stacking[static_cast<std::size_t>(k) % p.stacking.size()] : 'A';
    const Vec2 origin = site_class_offset(letter_class(letter));
    for (const int site : {0, 1}) {
      for (const Vec2& f : plane.sites(origin + site_class_offset(site))) carbons.push_back({plane.cartesian(f), k});
    }
    const bool has_gallery_above = periodic || k + 1 < n;
    if (gallery_filled(p, k) && has_gallery_above) {
      // α sites: hexagon centres (class p2 of an A layer) on the √3 × √3 superlattice.
      for (const Vec2& f : plane.sites(site_class_offset(2), kRoot3)) {
        lithium.emplace_back(plane.cartesian(f), z[static_cast<std::size_t>(k)] + 0.5 * gap[static_cast<std::size_t>(k)]);
      }
    }
  }
  // Stable order within a layer: sites() is ordered by supercell fraction; merge the two
  // sublattices the same way.
  std::stable_sort(carbons.begin(), carbons.end(), [&](const PlaneAtom& x, const PlaneAtom& y) {
    if (x.layer != y.layer) return x.layer < y.layer;
    const Vec2 ux = plane.supercell_fraction(x.r), uy = plane.supercell_fraction(y.r);
    if (std::abs(ux[1] - uy[1]) > 1e-9) return ux[1] < uy[1];
    return ux[0] < uy[0] - 1e-9;
  });

  Vec2 big_a = plane.vector_a();
  double x_offset = 0.0;
  std::vector<double> x_of(carbons.size(), 0.0);
  if (p.edge) {
    // Open every layer at its own widest stripe along A, nearest to where layer 0 is opened.
    const double length = big_a[0];
    std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < carbons.size(); ++i) members[static_cast<std::size_t>(carbons[i].layer)].push_back(i);
    double reference = 0.0;
    double lo = 1e300, hi = -1e300;
    for (int k = 0; k < n; ++k) {
      std::vector<double> u;
      for (const std::size_t i : members[static_cast<std::size_t>(k)]) u.push_back(plane.supercell_fraction(carbons[i].r)[0]);
      double cut = edge_cut(u, reference);
      if (k == 0) reference = cut;
      // Open the layer at the cut taken in the period nearest to layer 0's, so that all layers
      // are unwrapped into the same stretch along x.
      if (cut - reference > 0.5) cut -= 1.0;
      if (cut - reference < -0.5) cut += 1.0;
      for (const std::size_t i : members[static_cast<std::size_t>(k)]) {
        double t = plane.supercell_fraction(carbons[i].r)[0];
        t -= std::floor(t - cut);  // into [cut, cut + 1)
        x_of[i] = t * length;
        lo = std::min(lo, x_of[i]);
        hi = std::max(hi, x_of[i]);
      }
    }
    x_offset = 0.5 * p.edge_vacuum - lo;
    big_a = Vec2(hi - lo + p.edge_vacuum, 0.0);
  }

  core::Mat3 h = core::Mat3::Zero();
  h(0, 0) = big_a[0];
  h(1, 0) = plane.vector_b()[0];
  h(1, 1) = plane.vector_b()[1];
  h(2, 2) = c;
  core::System system{core::Cell(h)};
  std::vector<core::AtomSpec> atoms;
  atoms.reserve(carbons.size() + lithium.size());
  const Vec2 big_b = plane.vector_b();
  for (std::size_t i = 0; i < carbons.size(); ++i) {
    const auto& atom = carbons[i];
    core::AtomSpec spec;
    spec.z = kCarbon;
    const Vec2 u = plane.supercell_fraction(atom.r);
    if (p.edge) {
      // x from the cut; y from the supercell fraction along B (B is along y here).
      spec.position = core::Vec3(x_of[i] + x_offset + u[1] * big_b[0], u[1] * big_b[1],
                                 z[static_cast<std::size_t>(atom.layer)]);
    } else {
      const Vec2 r = u[0] * big_a + u[1] * big_b;
      spec.position = core::Vec3(r[0], r[1], z[static_cast<std::size_t>(atom.layer)]);
    }
    atoms.push_back(spec);
  }
  for (const auto& [r2, height] : lithium) {
    core::AtomSpec spec;
    spec.z = kLithium;
    const Vec2 u = plane.supercell_fraction(r2);
    const Vec2 r = u[0] * big_a + u[1] * big_b;
    spec.position = core::Vec3(r[0], r[1], height);
    atoms.push_back(spec);
  }
  (void)system.insert_atoms(atoms);
  return system;
}

}  // namespace ioncycle::defects
