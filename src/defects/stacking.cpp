// SPDX-License-Identifier: MIT
#include "defects/stacking.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/geometry.hpp"
#include "core/strings.hpp"
#include "defects/plane_lattice.hpp"
#include "defects/request_error.hpp"

namespace ioncycle::defects {

namespace {

using core::Vec3;

// 2D coordinates in the plane of the layers, with the minimum image over the cell's a and b.
struct InPlane {
  Vec3 e1, e2, normal;
  Vec2 a, b;
  Eigen::Matrix2d to_ab;  // Cartesian 2D -> fractions along (a, b)

  explicit InPlane(const core::Cell& cell) {
    normal = layer_normal(cell);
    e1 = cell.vector(0).normalized();
    e2 = normal.cross(e1);
    a = coords(cell.vector(0));
    b = coords(cell.vector(1));
    Eigen::Matrix2d m;
    m.col(0) = a;
    m.col(1) = b;
    to_ab = m.inverse();
  }
  [[nodiscard]] Vec2 coords(const Vec3& v) const { return {v.dot(e1), v.dot(e2)}; }
  [[nodiscard]] Vec3 lift(const Vec2& v) const { return v[0] * e1 + v[1] * e2; }
  [[nodiscard]] Vec2 min_image(const Vec2& d) const { return in_plane_min_image(d, a, b, to_ab); }
};

// The reference lattice t1, t2 in 2D, with the shortest-vector reduction of lattice differences.
struct PlaneLattice {
  Vec2 t1, t2;
  Eigen::Matrix2d to_frac;  // 2D -> fractions along (t1, t2)
  void set(const Vec2& v1, const Vec2& v2) {
    t1 = v1;
    t2 = v2;
    Eigen::Matrix2d m;
    m.col(0) = t1;
    m.col(1) = t2;
    to_frac = m.inverse();
  }
  // Shortest vector equivalent to d modulo the lattice.
  [[nodiscard]] Vec2 reduce(const Vec2& d) const { return in_plane_min_image(d, t1, t2, to_frac); }
  [[nodiscard]] Vec2 class_vector(int k) const {
    const Vec2 f = site_class_offset(k);
    return f[0] * t1 + f[1] * t2;
  }
  // Nearest class of a 2D position relative to the origin, and the distance to its site.
  [[nodiscard]] std::pair<int, double> nearest(const Vec2& r) const {
    int best = 0;
    double dist = 1e300;
    for (int k = 0; k < 3; ++k) {
      const double d = reduce(r - class_vector(k)).norm();
      if (d < dist) {
        dist = d;
        best = k;
      }
    }
    return {best, dist};
  }
};

struct AtomInLayer {
  std::size_t index;
  double height;  // unwrapped next to the layer
  Vec2 r;         // in-plane, of the unwrapped position
};

// The atoms of one layer, unwrapped along c to lie next to the layer's mean height.
std::vector<AtomInLayer> layer_atoms(const core::System& system, const Layer& layer, const InPlane& plane) {
  const core::Cell& cell = system.cell();
  const double d = cell.heights()[2];
  const Vec3 c = cell.vector(2);
  std::vector<AtomInLayer> out;
  for (const std::size_t i : layer.atoms) {
    Vec3 r = system.positions()[i];
    double s = cell.to_fractional(r)[2];
    if (cell.periodic(2)) {
      const double shift = std::round(s - layer.height / d);
      r -= shift * c;
      s -= shift;
    }
    out.push_back({i, s * d, plane.coords(r)});
  }
  std::sort(out.begin(), out.end(), [](const AtomInLayer& x, const AtomInLayer& y) { return x.height < y.height; });
  return out;
}

std::vector<std::vector<AtomInLayer>> split_planes(const std::vector<AtomInLayer>& atoms, double gap) {
  std::vector<std::vector<AtomInLayer>> planes;
  for (std::size_t k = 0; k < atoms.size(); ++k) {
    if (k == 0 || atoms[k].height - atoms[k - 1].height > gap) planes.emplace_back();
    planes.back().push_back(atoms[k]);
  }
  return planes;
}

// Whether shifting the plane by t maps (nearly) every sampled atom onto an atom.
bool is_translation(const std::vector<AtomInLayer>& plane_atoms, const InPlane& plane, const Vec2& t, double tol,
                    Vec2* mean_match) {
  const std::size_t n = plane_atoms.size();
  const std::size_t samples = std::min<std::size_t>(n, 64);
  std::size_t matched = 0;
  Vec2 sum = Vec2::Zero();
  for (std::size_t s = 0; s < samples; ++s) {
    const auto& from = plane_atoms[s * n / samples];
    double best = 1e300;
    Vec2 best_d = Vec2::Zero();
    for (const auto& to : plane_atoms) {
      // The residual modulo the cell: in a small supercell t and t - a may be the same image.
      const Vec2 residual = plane.min_image(to.r - from.r - t);
      const double miss = residual.norm();
      if (miss < best) {
        best = miss;
        best_d = t + residual;
      }
    }
    if (best < tol) {
      ++matched;
      sum += best_d;
    }
  }
  if (mean_match != nullptr && matched > 0) *mean_match = sum / static_cast<double>(matched);
  // 70 %: a bond vector of graphene maps only half the atoms onto atoms, while a translation
  // maps all of them, except those whose image falls into the vacuum of an edge geometry.
  return 10 * matched >= 7 * samples;
}

// The two shortest translations of a close-packed or honeycomb plane, 120° apart and
// right-handed in the (e1, e2) frame; nullopt when the plane is not hexagonal.
std::optional<PlaneLattice> find_lattice(const std::vector<AtomInLayer>& plane_atoms, const InPlane& plane) {
  if (plane_atoms.empty()) return std::nullopt;
  const Vec2 r0 = plane_atoms.front().r;
  std::vector<Vec2> candidates;
  for (std::size_t k = 1; k < plane_atoms.size(); ++k) {
    const Vec2 d = plane.min_image(plane_atoms[k].r - r0);
    if (d.norm() > 0.5 && d.norm() < 8.0) candidates.push_back(d);
  }
  // In a small cell (1 x 1) the primitive translations are the cell's own vectors, which map
  // every atom onto itself rather than onto another atom.
  for (const Vec2& d : {plane.a, plane.b, Vec2(plane.a + plane.b), Vec2(plane.a - plane.b)}) {
    if (d.norm() > 0.5 && d.norm() < 8.0) candidates.push_back(d);
  }
  std::sort(candidates.begin(), candidates.end(), [](const Vec2& x, const Vec2& y) { return x.squaredNorm() < y.squaredNorm(); });
  std::optional<Vec2> t1, t2;
  for (const Vec2& c : candidates) {
    if (t1 && c.norm() > 1.15 * t1->norm()) break;
    if (t1) {
      const double cross = (*t1)[0] * c[1] - (*t1)[1] * c[0];
      if (std::abs(cross) < 0.5 * t1->norm() * c.norm()) continue;  // (anti)parallel
    }
    Vec2 refined = c;
    if (!is_translation(plane_atoms, plane, c, std::min(0.5, 0.2 * c.norm()), &refined)) continue;
    if (!t1) {
      t1 = refined;
    } else {
      t2 = refined;
      break;
    }
  }
  if (!t1 || !t2) return std::nullopt;
  if (std::abs(t2->norm() - t1->norm()) > 0.1 * t1->norm()) return std::nullopt;
  if (t1->dot(*t2) > 0.0) *t2 -= *t1;  // 60° -> 120°
  // Hexagonal only: a square or rectangular plane (fcc (001), say) has no A/B/C registries.
  const double cos_angle = t1->dot(*t2) / (t1->norm() * t2->norm());
  if (std::abs(cos_angle + 0.5) > 0.05 || std::abs(t2->norm() - t1->norm()) > 0.1 * t1->norm()) return std::nullopt;
  const double cross = (*t1)[0] * (*t2)[1] - (*t1)[1] * (*t2)[0];
  PlaneLattice lattice;
  if (cross > 0.0) {
    lattice.set(*t1, *t2);
  } else {
    lattice.set(*t2, *t1);
  }
  return lattice;
}

// Least-squares refinement of the lattice over every atom of the plane. find_lattice() averages
// t1, t2 over 64 sampled atoms, which leaves an error of ~0.01 Å under 0.1 Å of thermal noise;
// an atom n spacings from the origin is then misplaced by n times that, and in an 18 × 18
// supercell the far atoms fall off their site classes. Here every atom within a radius R of the
// plane's first atom is assigned to its nearest site (an integer plus a class offset in the
// lattice basis, n_i) and d_i = T·n_i + c is fitted over all of them (c absorbs the first atom's
// own displacement). R starts at four spacings and doubles until the plane is covered, so that
// the site assignment is always made with a lattice accurate enough for that radius. Raw
// in-plane differences (not the minimum image), as in classify(): they are right for a plane
// that is not periodic in-plane, and for a periodic one the cell vectors are lattice vectors.
// O(N log(extent)); leaves the lattice unchanged when the fit is ill-posed or jumps.
void refine_over_plane(PlaneLattice& lattice, const std::vector<AtomInLayer>& atoms, double tolerance) {
  if (atoms.size() < 3) return;
  const Vec2 r0 = atoms.front().r;
  double extent = 0.0;
  for (const auto& a : atoms) extent = std::max(extent, (a.r - r0).norm());
  const double spacing = std::min(lattice.t1.norm(), lattice.t2.norm());
  Vec2 offset = Vec2::Zero();
  for (double radius = 4.0 * spacing;; radius *= 2.0) {
    Eigen::Matrix3d normal = Eigen::Matrix3d::Zero();
    Eigen::Matrix<double, 2, 3> rhs = Eigen::Matrix<double, 2, 3>::Zero();
    std::size_t used = 0;
    for (const auto& a : atoms) {
      const Vec2 d = a.r - r0;
      if (d.norm() > radius) continue;
      const auto [k, dist] = lattice.nearest(d - offset);
      if (dist > tolerance) continue;
      const Vec2 site = d - offset - lattice.reduce(d - offset - lattice.class_vector(k));
      const Vec2 n = lattice.to_frac * site;
      const Eigen::Vector3d x(n[0], n[1], 1.0);
      normal += x * x.transpose();
      rhs += d * x.transpose();
      ++used;
    }
    if (used < 3) return;
    const Eigen::FullPivLU<Eigen::Matrix3d> lu(normal);
    if (lu.rank() < 3) return;
    const Eigen::Matrix<double, 2, 3> p = (lu.solve(rhs.transpose())).transpose();
    const Vec2 t1 = p.col(0), t2 = p.col(1);
    // A fit that moves the lattice by more than a few per cent has locked onto something else
    // (a mixture of domains, say): keep the sampled lattice.
    if ((t1 - lattice.t1).norm() > 0.05 * spacing || (t2 - lattice.t2).norm() > 0.05 * spacing) return;
    lattice.set(t1, t2);
    offset = p.col(2);
    if (radius >= extent) return;
  }
}

// Largest deviation of the cell's a, b from integer combinations of t1, t2 that still counts as
// commensurate. The snap then moves an atom half a cell from the origin by at most
// 0.05 · |t|/2, ~0.06 Å in graphite, whatever the supercell size.
constexpr double kCommensurateTolerance = 0.05;

// The in-plane lattice of a crystal periodic along a and b is commensurate with the cell:
// [a b] = [t1 t2]·M with M an integer matrix, |det M| = |a × b|/|t1 × t2| the number of
// primitive cells. So M is found by rounding the fitted fractions of a and b along (t1, t2), and
// [t1 t2] = [a b]·M⁻¹ is then exact for the cell: no error grows with the distance from the
// origin, however large the supercell. Returns false, leaving the lattice unchanged, when the
// fractions are no integers (an edge geometry with vacuum inside the cell, an incommensurate
// layer), so the least-squares lattice is kept.
bool snap_to_cell(PlaneLattice& lattice, const InPlane& plane) {
  Eigen::Matrix2d ab;
  ab.col(0) = plane.a;
  ab.col(1) = plane.b;
  const Eigen::Matrix2d fractions = lattice.to_frac * ab;
  const Eigen::Matrix2d m = fractions.array().round().matrix();
  if ((fractions - m).cwiseAbs().maxCoeff() > kCommensurateTolerance) return false;
  if (std::abs(m.determinant()) < 0.5) return false;
  const Eigen::Matrix2d t = ab * m.inverse();
  lattice.set(t.col(0), t.col(1));
  return true;
}

PlaneRegistry classify(const std::vector<AtomInLayer>& atoms, const PlaneLattice& lattice, const Vec2& origin,
                       double tolerance) {
  PlaneRegistry p;
  std::array<std::size_t, 3> count{};
  std::size_t fitting = 0;
  double height = 0.0;
  for (const auto& a : atoms) {
    p.atoms.push_back(a.index);
    height += a.height;
    const auto [k, dist] = lattice.nearest(a.r - origin);
    if (dist < tolerance) {
      ++fitting;
      ++count[static_cast<std::size_t>(k)];
    }
  }
  std::sort(p.atoms.begin(), p.atoms.end());
  p.height = height / static_cast<double>(atoms.size());
  p.fitting = static_cast<double>(fitting) / static_cast<double>(atoms.size());
  for (int k = 0; k < 3; ++k) p.occupancy[static_cast<std::size_t>(k)] = static_cast<double>(count[static_cast<std::size_t>(k)]) / static_cast<double>(atoms.size());
  if (p.fitting < 0.8) return p;
  std::array<int, 3> order{0, 1, 2};
  std::sort(order.begin(), order.end(), [&](int x, int y) { return p.occupancy[static_cast<std::size_t>(x)] > p.occupancy[static_cast<std::size_t>(y)]; });
  const double first = p.occupancy[static_cast<std::size_t>(order[0])];
  const double second = p.occupancy[static_cast<std::size_t>(order[1])];
  if (first >= 0.9 * p.fitting) {
    p.site = order[0];
  } else if (second >= 0.25 * p.fitting && first + second >= 0.95 * p.fitting) {
    // Honeycomb: two classes (unequal when vacancies or substitutions thin one sublattice),
    // the third (the hexagon centres) empty.
    p.hollow = order[2];
  }
  return p;
}

int layer_label(const LayerRegistry& layer) {
  const auto& planes = layer.planes;
  if (planes.size() == 1) return planes[0].hollow >= 0 ? planes[0].hollow : planes[0].site;
  if (planes.size() % 2 == 1) return planes[planes.size() / 2].site;
  return -1;
}

// First `period` letters when the sequence holds at least two whole periods of them.
std::string periodic_name(const std::string& seq) {
  if (seq.empty() || seq.find('?') != std::string::npos) return seq;
  const std::size_t n = seq.size();
  for (std::size_t p = 1; p <= n; ++p) {
    bool ok = true;
    for (std::size_t i = p; i < n && ok; ++i) ok = seq[i] == seq[i - p];
    if (!ok) continue;
    if (p == n || n >= 2 * p) return p == 1 ? "AA" : seq.substr(0, p);
    break;
  }
  return seq;
}

int third_class(int x, int y) {
  for (int k = 0; k < 3; ++k) {
    if (k != x && k != y) return k;
  }
  return -1;
}

int mod3(int k) { return ((k % 3) + 3) % 3; }

}  // namespace

Vec3 StackingAnalysis::class_shift(int from, int to) const {
  const Vec2 f = site_class_offset(to) - site_class_offset(from);
  const Vec3 base = f[0] * t1 + f[1] * t2;
  Vec3 best = base;
  for (int i = -2; i <= 2; ++i) {
    for (int j = -2; j <= 2; ++j) {
      const Vec3 c = base + i * t1 + j * t2;
      if (c.squaredNorm() < best.squaredNorm() - 1e-12) best = c;
    }
  }
  return best;
}

std::pair<int, double> StackingAnalysis::nearest_class(const core::Cell& cell, const Vec3& r) const {
  const InPlane plane(cell);
  PlaneLattice lattice;
  lattice.set(plane.coords(t1), plane.coords(t2));
  return lattice.nearest(plane.coords(r - origin));
}

StackingAnalysis analyze_stacking(const core::System& system, const StackingOptions& options) {
  StackingAnalysis out;
  const core::Cell& cell = system.cell();
  out.layers = find_layers(system, options.layers);
  out.periodic = cell.periodic(2);
  if (out.layers.empty()) return out;
  const InPlane plane(cell);
  out.normal = plane.normal;

  std::vector<std::vector<std::vector<AtomInLayer>>> planes;
  for (const auto& layer : out.layers) planes.push_back(split_planes(layer_atoms(system, layer, plane), options.plane_gap));

  const auto& reference = planes[0][0];
  auto lattice = find_lattice(reference, plane);
  out.registry.resize(out.layers.size());
  if (!lattice) {
    out.sequence.assign(out.layers.size(), '?');
    return out;
  }
  out.has_lattice = true;
  const double tolerance = options.site_tolerance * lattice->t1.norm() / std::sqrt(3.0);
  // Over the whole plane, then exact for the cell when the cell is periodic in-plane.
  refine_over_plane(*lattice, reference, tolerance);
  if (cell.periodic(0) && cell.periodic(1)) (void)snap_to_cell(*lattice, plane);
  out.t1 = plane.lift(lattice->t1);
  out.t2 = plane.lift(lattice->t2);
  // Origin: an atom of the reference plane, moved to the mean position of the plane's sites so
  // that its own thermal displacement does not offset every other atom.
  Vec2 origin2 = reference.front().r;
  for (int pass = 0; pass < 2; ++pass) {
    Vec2 sum = Vec2::Zero();
    std::size_t count = 0;
    for (const auto& a : reference) {
      const auto [k, dist] = lattice->nearest(a.r - origin2);
      if (dist > 2.0 * tolerance) continue;
      sum += lattice->reduce(a.r - origin2 - lattice->class_vector(k));
      ++count;
    }
    if (count > 0) origin2 += sum / static_cast<double>(count);
  }
  out.origin = system.positions()[reference.front().index];
  out.origin += plane.lift(origin2 - reference.front().r);
  {
    const Vec2 c2 = plane.coords(cell.vector(2));
    const auto [k, dist] = lattice->nearest(c2);
    out.image_class = dist < tolerance ? k : -1;
  }

  for (std::size_t l = 0; l < out.layers.size(); ++l) {
    for (const auto& atoms : planes[l]) out.registry[l].planes.push_back(classify(atoms, *lattice, origin2, tolerance));
    out.registry[l].label = layer_label(out.registry[l]);
  }

  // Letters by first appearance.
  std::array<char, 3> letter{0, 0, 0};
  char next = 'A';
  for (const auto& r : out.registry) {
    if (r.label < 0) {
      out.sequence.push_back('?');
      continue;
    }
    auto& l = letter[static_cast<std::size_t>(r.label)];
    if (l == 0) l = next++;
    out.sequence.push_back(l);
  }

  const bool slabs = std::all_of(out.registry.begin(), out.registry.end(), [](const LayerRegistry& r) { return r.is_slab(); });
  const std::size_t n = out.registry.size();
  if (slabs) {
    const std::size_t num_galleries = out.periodic ? n : n - 1;
    for (std::size_t k = 0; k < num_galleries; ++k) {
      const int upper = out.registry[k].planes.back().site;
      int lower = out.registry[(k + 1) % n].planes.front().site;
      if (k + 1 == n && lower >= 0) lower = out.image_class < 0 ? -1 : mod3(lower + out.image_class);
      out.galleries.push_back(upper < 0 || lower < 0 ? '?' : upper == lower ? 'P' : 'O');
    }
  }

  out.name = periodic_name(out.sequence);
  if (slabs && !out.galleries.empty() && out.sequence.find('?') == std::string::npos) {
    const bool all_o = out.galleries.find_first_not_of('O') == std::string::npos;
    const bool all_p = out.galleries.find_first_not_of('P') == std::string::npos;
    if (all_o && out.name == "AA") out.name = "O1";
    if (all_o && out.name == "ABC") out.name = "O3";
    if (all_p && out.name == "AA" && n % 2 == 0) out.name = "P2";
  }
  return out;
}

std::string_view to_string(RegistryTarget target) {
  switch (target) {
    case RegistryTarget::aa: return "AA";
    case RegistryTarget::ab: return "AB";
    case RegistryTarget::abc: return "ABC";
    case RegistryTarget::o1: return "O1";
    case RegistryTarget::o3: return "O3";
  }
  return "?";
}

std::optional<RegistryRequest> parse_registry_request(std::string_view text) {
  auto name = [](std::string_view s) -> std::optional<RegistryTarget> {
    const std::string u = core::to_lower(core::trim(s));
    if (u == "aa") return RegistryTarget::aa;
    if (u == "ab") return RegistryTarget::ab;
    if (u == "abc") return RegistryTarget::abc;
    if (u == "o1") return RegistryTarget::o1;
    if (u == "o3") return RegistryTarget::o3;
    return std::nullopt;
  };
  RegistryRequest r;
  std::string_view to = text;
  for (const std::string_view arrow : {std::string_view("->"), std::string_view("\u2192")}) {
    const auto at = text.find(arrow);
    if (at == std::string_view::npos) continue;
    const auto from = name(text.substr(0, at));
    if (!from) return std::nullopt;
    r.from = std::string(to_string(*from));
    to = text.substr(at + arrow.size());
    break;
  }
  const auto target = name(to);
  if (!target) return std::nullopt;
  r.to = *target;
  return r;
}

FaultOutcome apply_stacking_fault(core::System& system, const StackingFault& fault, const StackingOptions& options) {
  const std::string layer_key = fault.block ? "above_layer" : "layer";
  const StackingAnalysis s = analyze_stacking(system, options);
  const int n = static_cast<int>(s.layers.size());
  const int j = fault.first_layer;
  const int shown = fault.block ? j - 1 : j;
  if (n < 2) {
    throw RequestError(layer_key, "the structure has " + std::to_string(n) + " layer" + (n == 1 ? "" : "s") +
                                      "; a stacking fault needs at least two",
                       "layers are groups of atoms along the normal of the a-b plane, more than 1.5 Å apart");
  }
  const int lowest = fault.block ? 0 : (s.periodic ? 0 : 1);
  const int highest = fault.block ? n - 2 : n - 1;
  if (shown < lowest || shown > highest) {
    throw RequestError(layer_key, "'" + layer_key + "' = " + std::to_string(shown) + " is out of range: the structure has " +
                                      std::to_string(n) + " layers, numbered 0 to " + std::to_string(n - 1) +
                                      " from the bottom",
                       fault.block ? "above_layer takes 0 to " + std::to_string(n - 2) + " (a layer with a layer above it)"
                                   : "layer takes " + std::to_string(lowest) + " to " + std::to_string(n - 1) +
                                         " (a layer with a layer below it)");
  }
  const bool has_registry = fault.registry.has_value();
  if (has_registry == fault.shift.has_value()) {
    throw RequestError("to", "give either 'to' (a registry) or 'shift' (a vector), not both",
                       "e.g. to = \"AA\" or shift = [\"0 A\", \"1.42 A\"]");
  }
  const bool tilt_default = fault.block && !fault.band && s.periodic;
  const bool tilt = fault.tilt_cell.value_or(tilt_default);
  if (tilt && !tilt_default) {
    throw RequestError("tilt_cell", std::string("tilt_cell = true applies to a whole block of layers (above_layer) "
                                                "without a band in a cell periodic along c") +
                                        (fault.band ? "; this fault shifts only a band" : "") +
                                        (!fault.block ? "; this fault shifts a single layer" : ""),
                       "remove tilt_cell");
  }
  if (fault.band) {
    const auto& b = *fault.band;
    if (!(b.from >= 0.0 && b.to <= 1.0 && b.from < b.to)) {
      throw RequestError("band", "the band [" + core::format_double(b.from) + ", " + core::format_double(b.to) +
                                     ") must satisfy 0 <= from < to <= 1 (fractional coordinates along " +
                                     (b.axis == 0 ? "a" : "b") + ")",
                         "e.g. band = { axis = \"a\", from = 0.25, to = 0.75 }");
    }
  }

  const auto& reg = s.registry;
  auto layer_of = [&](int k) -> const LayerRegistry& { return reg[static_cast<std::size_t>(((k % n) + n) % n)]; };
  // A site class of layer k, seen from layers 0..n-1: an index below 0 is the image one cell
  // down, whose classes move by -image_class (c tilted by earlier faults).
  auto seen = [&](int k, int site) {
    if (site < 0 || k >= 0) return site;
    return s.image_class < 0 ? -1 : mod3(site - s.image_class);
  };
  auto label = [&](int k) { return seen(k, layer_of(k).label); };
  const std::string before = s.sequence;
  Vec3 shift = Vec3::Zero();
  if (has_registry) {
    const RegistryRequest& rq = *fault.registry;
    const bool slab_target = rq.to == RegistryTarget::o1 || rq.to == RegistryTarget::o3;
    if (!s.has_lattice) {
      throw RequestError("to", "no hexagonal in-plane lattice was found in layer 0, so registries cannot be named",
                         "give the shift as a vector: shift = [\"x A\", \"y A\"]");
    }
    const bool is_slab = layer_of(j).is_slab();
    if (slab_target != is_slab) {
      throw RequestError("to", "registry '" + std::string(to_string(rq.to)) + "' applies to " +
                                   (slab_target ? "MO2 slabs (layered oxides)" : "single-plane layers (graphite)") +
                                   ", but layer " + std::to_string(j) + " is " +
                                   (is_slab ? "an O–M–O slab" : "a single atomic plane"),
                         is_slab ? "layered oxides take to = \"O1\" or \"O3\"" : "graphite takes to = \"AA\", \"AB\" or \"ABC\"");
    }
    const bool has_second_below = s.periodic ? n >= 3 : j >= 2;
    const int x = label(j);
    const int r1 = label(j - 1);
    const int r2 = has_second_below ? label(j - 2) : -1;
    if (x < 0 || r1 < 0 || (has_second_below && r2 < 0 && (rq.to == RegistryTarget::ab || rq.to == RegistryTarget::abc))) {
      throw RequestError("to", "the registry of layer " + std::to_string(x < 0 ? j : j - 1) +
                                   " could not be determined (sequence " + s.sequence + ")",
                         "give the shift as a vector: shift = [\"x A\", \"y A\"]");
    }
    // Local registry before the fault, for the optional "from->" part and the record.
    std::string local;
    int target = -1;
    if (!slab_target) {
      local = x == r1 ? "AA" : (r2 < 0 || r2 == x || r2 == r1) ? "AB" : "ABC";
      switch (rq.to) {
        case RegistryTarget::aa: target = r1; break;
        case RegistryTarget::ab: target = (r2 >= 0 && r2 != r1) ? r2 : mod3(r1 + 2); break;
        case RegistryTarget::abc:
          if (r2 < 0 || r2 == r1) {
            throw RequestError("to", "registry 'ABC' above layer " + std::to_string(j - 1) +
                                         " needs two layers below layer " + std::to_string(j) +
                                         " in different registries" +
                                         (r2 < 0 ? " (there is only one)" : " (layers " + std::to_string(j - 2) + " and " +
                                                                                 std::to_string(j - 1) + " are AA)"),
                               "use to = \"AB\" or \"AA\", or a fault higher in the stack");
          }
          target = third_class(r1, r2);
          break;
        default: break;
      }
    } else {
      // Slabs: the metal plane names the layer; the gallery between slab j-1 and j must stay
      // octahedral (the lower O plane of j, which moves with it, not above the upper O of j-1).
      const int upper_below = seen(j - 1, layer_of(j - 1).planes.back().site);
      const int lower_offset = mod3(layer_of(j).planes.front().site - x);
      if (upper_below < 0 || layer_of(j).planes.front().site < 0) {
        throw RequestError("to", "the oxygen planes next to the gallery below layer " + std::to_string(j) +
                                     " could not be placed on the lattice (sequence " + s.sequence + ")",
                           "give the shift as a vector: shift = [\"x A\", \"y A\"]");
      }
      const bool octahedral_now = mod3(x + lower_offset) != upper_below;
      local = !octahedral_now ? "P" : (x == r1 ? "O1" : "O3");
      for (int t = 0; t < 3; ++t) {
        const bool octahedral = mod3(t + lower_offset) != upper_below;
        if (!octahedral) continue;
        if ((rq.to == RegistryTarget::o1) == (t == r1)) target = t;
      }
      if (target < 0) {
        throw RequestError("to", "no rigid shift of slab " + std::to_string(j) + " gives an " + std::string(to_string(rq.to)) +
                                     " gallery: its oxygen planes face the slab below the wrong way (a P2-type stack)",
                           "give the shift as a vector instead");
      }
    }
    if (rq.from && *rq.from != local) {
      throw RequestError("to", "the stacking at layer " + std::to_string(j) + " is " + local + ", not " + *rq.from +
                                   " (sequence " + s.sequence + ")",
                         "write to = \"" + std::string(to_string(rq.to)) + "\" without the '" + *rq.from + "->' part");
    }
    if (target == x) {
      throw RequestError("to", "layer " + std::to_string(j) + " is already in the registry that '" +
                                   std::string(to_string(rq.to)) + "' asks for (sequence " + s.sequence +
                                   "), so the fault would move nothing",
                         "choose another registry or layer");
    }
    shift = s.class_shift(x, target);
    shift -= shift.dot(s.normal) * s.normal;  // exactly in-plane, not 1e-17 off
    for (int k = 0; k < 3; ++k) {
      if (std::abs(shift[k]) < 1e-12) shift[k] = 0.0;
    }
  } else {
    shift = *fault.shift;
    const double normal_part = shift.dot(s.normal);
    if (std::abs(normal_part) > 1e-9 * std::max(1.0, shift.norm())) {
      throw RequestError("shift", "the shift must lie in the plane of the layers (its component along the layer normal "
                                  "is " + core::format_double(normal_part) + " Å)",
                         "shift = [\"x A\", \"y A\"] is in-plane when the layers are normal to z");
    }
    if (shift.norm() < 1e-6) {
      throw RequestError("shift", "the shift is zero, so the fault would move nothing", "e.g. shift = [\"0 A\", \"1.42 A\"]");
    }
  }

  // Which atoms move.
  const core::Cell& cell = system.cell();
  const auto positions = system.positions();
  const auto zs = system.atomic_numbers();
  auto in_band = [&](std::size_t i) {
    if (!fault.band) return true;
    double f = cell.to_fractional(positions[i])[fault.band->axis];
    f -= std::floor(f);
    return f >= fault.band->from && f < fault.band->to;
  };
  std::vector<int> shifted;
  for (int k = j; k <= (fault.block ? n - 1 : j); ++k) shifted.push_back(k);
  std::vector<char> moves(system.num_atoms(), 0);
  for (const int k : shifted) {
    for (const std::size_t i : s.layers[static_cast<std::size_t>(k)].atoms) moves[i] = in_band(i) ? 1 : 0;
  }
  // Ions: gallery g lies above layer g (the layer with the highest height below the ion).
  const double d = cell.heights()[2];
  std::vector<double> layer_height;
  for (const auto& l : s.layers) layer_height.push_back(l.height);
  // -1 below layer 0: in a periodic cell that is the top gallery seen from the image one cell
  // down, which lies next to layer 0 and to the image of the top layer.
  auto raw_gallery_of = [&](std::size_t i) {
    double hgt = cell.to_fractional(positions[i])[2] * d;
    if (s.periodic) hgt -= d * std::floor(hgt / d);
    int g = -1;
    for (int k = 0; k < n; ++k) {
      if (layer_height[static_cast<std::size_t>(k)] <= hgt) g = k;
    }
    return g;
  };
  std::vector<std::size_t> resite;  // ions of the galleries next to the shifted layers
  std::vector<int> resite_gallery;
  const std::vector<int>& ions = options.layers.exclude;
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    if (std::find(ions.begin(), ions.end(), zs[i]) == ions.end()) continue;
    const int raw = raw_gallery_of(i);
    const int g = raw < 0 && s.periodic ? n - 1 : raw;
    if (g < 0 || !in_band(i)) continue;
    // An ion above the first shifted layer moves with the block; one stored below layer 0 is the
    // image-side copy of the top gallery and keeps its place next to layer 0 (with the tilt,
    // the image of the top layer it faces has moved with the block already).
    // Without the tilt the top gallery becomes a second faulted interface: its ions stay.
    const bool top_interface = fault.block && s.periodic && !tilt && g == n - 1;
    if (fault.block && raw >= j && !top_interface) {
      moves[i] = 1;
    } else if (g == (j - 1 + n) % n || (!fault.block && g == j) || top_interface) {
      resite.push_back(i);
      resite_gallery.push_back(g);
    }
  }

  // A partial fault pushes part of its band across the band's own edge (no AB->AA shift is
  // parallel to the edge), so a shifted atom can land on, or next to, an unshifted one. Closer
  // than 0.7 of the structure's shortest bond counts as a clash (measured before the shift).
  const double clash_distance = fault.band ? 0.7 * core::closest_pair(system).distance : 0.0;

  FaultOutcome out;
  out.shift = shift;
  out.layers = shifted;
  out.sequence_before = before;
  out.tilted = tilt;
  if (tilt) {
    core::Mat3 h = cell.matrix();
    h.row(2) += shift.transpose();
    system.set_cell(core::Cell(h, cell.pbc()));
  }
  const core::Cell& new_cell = system.cell();
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    if (!moves[i]) continue;
    system.positions()[i] = new_cell.wrap(system.positions()[i] + shift);
    ++out.num_moved;
  }
  // Ions next to a shifted slab: into the octahedral site of their gallery, when it has one.
  if (!resite.empty() && s.has_lattice) {
    const StackingAnalysis after = analyze_stacking(system, options);
    if (after.has_lattice && after.layers.size() == s.layers.size()) {
      const InPlane plane(new_cell);
      PlaneLattice lattice;
      lattice.set(plane.coords(after.t1), plane.coords(after.t2));
      const Vec2 origin = plane.coords(after.origin);
      for (std::size_t q = 0; q < resite.size(); ++q) {
        const int g = resite_gallery[q];
        const auto& below = after.registry[static_cast<std::size_t>(g)];
        const auto& above = after.registry[static_cast<std::size_t>((g + 1) % n)];
        if (!below.is_slab() || !above.is_slab()) continue;
        const int upper = below.planes.back().site, lower = above.planes.front().site;
        if (upper < 0 || lower < 0 || upper == lower) continue;
        const int octahedral = third_class(upper, lower);
        const std::size_t i = resite[q];
        const Vec2 r = plane.coords(system.positions()[i]) - origin;
        const Vec2 move = lattice.reduce(lattice.class_vector(octahedral) - r);
        if (move.norm() < 1e-9) continue;
        system.positions()[i] = new_cell.wrap(system.positions()[i] + plane.lift(move));
        ++out.num_ions_resited;
      }
    }
  }
  // Clashes of a partial fault: the shifted atom is removed, as at a real domain boundary
  // (a line of partial dislocations), which MD or a minimization then relaxes. Recorded below.
  std::vector<AtomRef> clashed;
  if (fault.band && clash_distance > 0.0) {
    const auto x = system.positions();
    for (std::size_t i = 0; i < system.num_atoms(); ++i) {
      if (!moves[i]) continue;
      for (std::size_t k = 0; k < system.num_atoms(); ++k) {
        if (moves[k] || k == i) continue;
        if (new_cell.minimum_image(x[i] - x[k]).norm() < clash_distance) {
          clashed.push_back({system.ids()[i], system.atomic_numbers()[i]});
          break;
        }
      }
    }
    if (!clashed.empty()) {
      std::vector<core::AtomId> ids;
      for (const auto& a : clashed) ids.push_back(a.id);
      system.remove_atoms(ids);
      out.num_removed = clashed.size();
    }
  }
  out.sequence_after = analyze_stacking(system, options).sequence;

  // The record: centre of the fault plane, midway between layers j-1 and j.
  DefectRecord& rec = out.record;
  rec.type = DefectType::stacking_fault;
  rec.layer = j;
  const double h_below = s.layers[static_cast<std::size_t>((j - 1 + n) % n)].height;
  double h_above = s.layers[static_cast<std::size_t>(j)].height;
  if (h_above < h_below) h_above += d;
  double mid = 0.5 * (h_below + h_above);
  if (s.periodic) mid -= d * std::floor(mid / d);
  rec.position = new_cell.to_cartesian(core::Vec3(0.5, 0.5, mid / d));
  if (fault.block) {
    rec.properties["above_layer"] = std::to_string(j - 1);
  } else {
    rec.properties["layer_only"] = std::to_string(j);
  }
  rec.properties["shift"] = core::format_double(shift[0]) + "," + core::format_double(shift[1]) + "," +
                            core::format_double(shift[2]);
  if (fault.registry) {
    rec.properties["to"] = std::string(to_string(fault.registry->to));
  }
  if (fault.band) {
    rec.properties["band"] = std::string(fault.band->axis == 0 ? "a" : "b") + ":" + core::format_double(fault.band->from) +
                             ":" + core::format_double(fault.band->to);
  }
  rec.properties["tilt_cell"] = tilt ? "true" : "false";
  rec.properties["moved_atoms"] = std::to_string(out.num_moved);
  if (!clashed.empty()) {
    rec.removed = clashed;
    rec.properties["boundary_removed"] = std::to_string(clashed.size());
  }
  if (out.num_ions_resited > 0) rec.properties["resited_ions"] = std::to_string(out.num_ions_resited);
  if (!before.empty()) rec.properties["sequence_before"] = before;
  if (!out.sequence_after.empty()) rec.properties["sequence_after"] = out.sequence_after;
  return out;
}

}  // namespace ioncycle::defects
