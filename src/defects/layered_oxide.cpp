// SPDX-License-Identifier: MIT
#include "defects/layered_oxide.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/strings.hpp"
#include "defects/plane_lattice.hpp"
#include "defects/request_error.hpp"

namespace ioncycle::defects {

namespace {

constexpr int kOxygen = 8;
constexpr int kLithium = 3;
constexpr int kSodium = 11;
constexpr IntMatrix2 kHexagonal{{{1, 0}, {0, 1}}};
constexpr IntMatrix2 kOrthogonal{{{1, 0}, {1, 2}}};
constexpr IntMatrix2 kRoot3{{{2, 1}, {-1, 1}}};
constexpr std::uint64_t kMetalStream = 1;
constexpr std::uint64_t kIonStream = 2;

// Tabulated lattices: room-temperature values rounded from the cited diffraction studies.
struct Tabulated {
  int ion_z;
  Polytype polytype;
  std::vector<MetalFraction> composition;
  OxideLattice lattice;
};

const std::vector<Tabulated>& table() {
  static const std::vector<Tabulated> t = {
      {kLithium, Polytype::o3, {{27, 1.0}},
       {2.816, 14.05, 1.92, "LiCoO2: Akimoto, Gotoh & Oosawa, J. Solid State Chem. 141, 298 (1998)"}},
      {kLithium, Polytype::o3, {{28, 1.0}},
       {2.878, 14.19, 1.97, "LiNiO2: Hirano et al., Solid State Ionics 78, 123 (1995)"}},
      {kLithium, Polytype::o3, {{28, 0.8}, {25, 0.1}, {27, 0.1}},
       {2.872, 14.20, 1.96, "NMC811: Noh et al., J. Power Sources 233, 121 (2013)"}},
      {kLithium, Polytype::o3, {{28, 0.6}, {25, 0.2}, {27, 0.2}},
       {2.867, 14.22, 1.95, "NMC622: Noh et al., J. Power Sources 233, 121 (2013)"}},
      {kLithium, Polytype::o3, {{28, 1.0 / 3.0}, {25, 1.0 / 3.0}, {27, 1.0 / 3.0}},
       {2.862, 14.23, 1.95, "NMC111: Yabuuchi & Ohzuku, J. Power Sources 119-121, 171 (2003)"}},
      {kLithium, Polytype::o3, {{28, 0.8}, {27, 0.15}, {13, 0.05}},
       {2.865, 14.18, 1.95, "NCA (LiNi0.8Co0.15Al0.05O2): typical literature values"}},
      {kSodium, Polytype::o3, {{27, 1.0}},
       {2.889, 15.61, 1.93, "O3-NaCoO2: typical literature values (structure type: Delmas, Fouassier & Hagenmuller, Physica B+C 99, 81 (1980))"}},
      {kSodium, Polytype::o3, {{26, 1.0}},
       {3.022, 16.09, 2.02, "alpha-NaFeO2: typical literature values"}},
      {kSodium, Polytype::p2, {{27, 1.0}},
       {2.833, 10.90, 1.91, "P2-Na(x)CoO2: Berthelot, Carlier & Delmas, Nat. Mater. 10, 74 (2011)"}},
      {kSodium, Polytype::p2, {{28, 1.0 / 3.0}, {25, 2.0 / 3.0}},
       {2.886, 11.15, 1.93, "P2-Na(x)Ni1/3Mn2/3O2: Lu & Dahn, J. Electrochem. Soc. 148, A1225 (2001)"}},
  };
  return t;
}

bool same_composition(const std::vector<MetalFraction>& x, const std::vector<MetalFraction>& y) {
  if (x.size() != y.size()) return false;
  for (const auto& e : x) {
    const auto it = std::find_if(y.begin(), y.end(), [&](const MetalFraction& f) { return f.z == e.z; });
    if (it == y.end() || std::abs(it->fraction - e.fraction) > 5e-3) return false;
  }
  return true;
}

// Heights and site classes of the slabs of one polytype.
struct SlabLayout {
  int metal;        // class of the M plane
  int lower_oxygen;
  int upper_oxygen;
  int ion;          // class of the A site in the gallery above
};

SlabLayout slab_layout(Polytype polytype, int k) {
  switch (polytype) {
    case Polytype::o3: {
      const int m = (2 * k) % 3;
      return {m, (m + 1) % 3, (m + 2) % 3, (m + 1) % 3};
    }
    case Polytype::o1: return {0, 1, 2, 0};
    case Polytype::p2:
      return k % 2 == 0 ? SlabLayout{0, 1, 2, 1} : SlabLayout{0, 2, 1, 2};
  }
  return {0, 1, 2, 0};
}

struct Site {
  Vec2 f;  // primitive fractional coordinates
  int slab;
  int sublattice;  // √3 × √3 sublattice of an M site (0, 1, 2)
};

template <typename T>
void shuffle(std::vector<T>& v, core::Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(rng.uniform_index(i));
    std::swap(v[i - 1], v[j]);
  }
}

std::string fraction_text(double f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", f);
  return buf;
}

}  // namespace

std::string_view to_string(Polytype polytype) {
  switch (polytype) {
    case Polytype::o3: return "O3";
    case Polytype::o1: return "O1";
    case Polytype::p2: return "P2";
  }
  return "?";
}

int slabs_per_cell(Polytype polytype) {
  switch (polytype) {
    case Polytype::o3: return 3;
    case Polytype::o1: return 1;
    case Polytype::p2: return 2;
  }
  return 1;
}

std::vector<MetalFraction> parse_composition(std::string_view text) {
  const std::string hint = "e.g. composition = \"Co\", \"Ni0.8Mn0.1Co0.1\" or \"Ni1/3Mn1/3Co1/3\"";
  std::vector<MetalFraction> out;
  std::size_t i = 0;
  const std::string whole(text);
  if (core::trim(text).empty()) throw InputError("the composition is empty", hint);
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i])) != 0) {
      ++i;
      continue;
    }
    if (std::isupper(static_cast<unsigned char>(text[i])) == 0) {
      throw InputError("composition \"" + whole + "\": expected an element symbol at \"" + std::string(text.substr(i)) +
                           "\"",
                       hint);
    }
    std::size_t j = i + 1;
    while (j < text.size() && std::islower(static_cast<unsigned char>(text[j])) != 0) ++j;
    const std::string symbol(text.substr(i, j - i));
    int z = 0;
    try {
      z = core::atomic_number(symbol);
    } catch (const InputError& e) {
      throw InputError("composition \"" + whole + "\": " + e.message(), e.hint().empty() ? hint : e.hint());
    }
    std::size_t k = j;
    while (k < text.size() && (std::isdigit(static_cast<unsigned char>(text[k])) != 0 || text[k] == '.' ||
                               text[k] == '/' || text[k] == 'e' || text[k] == 'E')) {
      ++k;
    }
    double fraction = 1.0;
    if (k > j) {
      const std::string number(text.substr(j, k - j));
      const auto slash = number.find('/');
      std::optional<double> value;
      if (slash == std::string::npos) {
        value = core::parse_double(number);
      } else {
        const auto p = core::parse_double(number.substr(0, slash));
        const auto q = core::parse_double(number.substr(slash + 1));
        if (p && q && *q != 0.0) value = *p / *q;
      }
      if (!value) {
        throw InputError("composition \"" + whole + "\": \"" + number + "\" after " + symbol + " is not a number",
                         hint);
      }
      fraction = *value;
    }
    if (!(fraction > 0.0)) {
      throw InputError("composition \"" + whole + "\": the fraction of " + symbol + " must be positive", hint);
    }
    if (std::any_of(out.begin(), out.end(), [&](const MetalFraction& m) { return m.z == z; })) {
      throw InputError("composition \"" + whole + "\": " + symbol + " appears twice", hint);
    }
    if (z == kOxygen || z == kLithium || z == kSodium) {
      throw InputError("composition \"" + whole + "\" lists " + symbol +
                           ", but it names the transition metals M of A_xMO2 only",
                       "oxygen is implied and the ion is set by 'ion' and 'x'");
    }
    out.push_back({z, fraction});
    i = k;
  }
  double sum = 0.0;
  for (const auto& m : out) sum += m.fraction;
  if (std::abs(sum - 1.0) > 1e-6) {
    throw InputError("composition \"" + whole + "\": the fractions add up to " + fraction_text(sum) + ", not 1",
                     "write fractions that sum to 1, e.g. \"Ni0.8Mn0.1Co0.1\"; thirds as 1/3");
  }
  return out;
}

std::optional<OxideLattice> default_oxide_lattice(int ion_z, Polytype polytype,
                                                  const std::vector<MetalFraction>& composition) {
  if (polytype == Polytype::o1) {
    // O1 stacks the same slabs one per cell: the O3 slab spacing c/3.
    auto o3 = default_oxide_lattice(ion_z, Polytype::o3, composition);
    if (o3) {
      o3->c /= 3.0;
      o3->source += "; O1: the O3 slab spacing c/3";
    }
    return o3;
  }
  for (const auto& t : table()) {
    if (t.ion_z == ion_z && t.polytype == polytype && same_composition(t.composition, composition)) return t.lattice;
  }
  if (ion_z != kLithium || polytype != Polytype::o3) return std::nullopt;
  // Vegard's law for Li O3 mixtures of Co, Ni and Mn. The Mn end member is
  // not a stable layered compound; its effective parameters make the law reproduce NMC111:
  // x_Mn = 3·x_NMC111 − x_Co − x_Ni.
  struct End {
    int z;
    double a, c, d;
  };
  const End co{27, 2.816, 14.05, 1.92}, ni{28, 2.878, 14.19, 1.97};
  const End mn{25, 3 * 2.862 - co.a - ni.a, 3 * 14.23 - co.c - ni.c, 3 * 1.95 - co.d - ni.d};
  OxideLattice out;
  for (const auto& m : composition) {
    const End* e = m.z == 27 ? &co : m.z == 28 ? &ni : m.z == 25 ? &mn : nullptr;
    if (e == nullptr) return std::nullopt;
    out.a += m.fraction * e->a;
    out.c += m.fraction * e->c;
    out.metal_oxygen += m.fraction * e->d;
  }
  out.source = "Vegard's law between LiCoO2, LiNiO2 and an effective Mn end member fitted to NMC111";
  return out;
}

core::System build_layered_oxide(const LayeredOxideParams& p, std::uint64_t seed) {
  if (p.repeat_a < 1 || p.repeat_b < 1) {
    throw RequestError("repeat", "'repeat' must be two positive integers (got [" + std::to_string(p.repeat_a) + ", " +
                                     std::to_string(p.repeat_b) + "])",
                       "e.g. repeat = [3, 3]");
  }
  const int period = slabs_per_cell(p.polytype);
  if (p.num_layers < 1) {
    throw RequestError("layers", "'layers' (MO2 slabs) must be at least 1 (got " + std::to_string(p.num_layers) + ")",
                       "e.g. layers = " + std::to_string(period));
  }
  const bool periodic = !p.vacuum.has_value();
  if (periodic && p.num_layers % period != 0) {
    throw RequestError("layers", std::to_string(p.num_layers) + " MO2 slabs do not complete the " +
                                     std::string(to_string(p.polytype)) + " stacking (" + std::to_string(period) +
                                     " slabs per cell), so the cell boundary along c would add a stacking fault",
                       "use a multiple of " + std::to_string(period) + " slabs, or give 'vacuum' for a slab");
  }
  if (p.vacuum && !(*p.vacuum > 0.0)) throw RequestError("vacuum", "'vacuum' must be positive", "e.g. vacuum = \"15 A\"");
  if (!(p.x >= 0.0 && p.x <= 1.0)) {
    throw RequestError("x", "'x' must lie in [0, 1] (got " + core::format_double(p.x) + ")",
                       "x is the fraction of the ion sites that are occupied: 1 for LiCoO2, 0.5 for Li0.5CoO2");
  }
  if (p.composition.empty()) throw RequestError("composition", "the composition is empty", "e.g. composition = \"Co\"");
  const double a = p.lattice.a;
  if (!(a > 0.0)) throw RequestError("a", "'a' must be positive", "e.g. a = \"2.816 A\"");
  if (!(p.lattice.c > 0.0)) throw RequestError("c", "'c' must be positive", "e.g. c = \"14.05 A\"");
  const double in_plane = a / std::sqrt(3.0);
  if (!(p.lattice.metal_oxygen > in_plane)) {
    throw RequestError("metal_oxygen_distance",
                       "'metal_oxygen_distance' (" + core::format_double(p.lattice.metal_oxygen) +
                           " Å) must exceed a/√3 = " + fraction_text(in_plane) +
                           " Å, the in-plane distance from a metal to its oxygen neighbours",
                       "typical M–O bonds are 1.9–2.0 Å");
  }
  const double h = std::sqrt(p.lattice.metal_oxygen * p.lattice.metal_oxygen - in_plane * in_plane);
  const double spacing = p.lattice.c / period;
  if (!(2.0 * h < spacing - 1.0)) {
    throw RequestError("c", "'c' (" + core::format_double(p.lattice.c) + " Å) leaves no room for the " +
                                "ion layer: the MO2 slabs are " + fraction_text(2 * h) + " Å thick and " +
                                fraction_text(spacing) + " Å apart",
                       "check 'c' (the conventional cell holds " + std::to_string(period) + " slabs) and "
                       "'metal_oxygen_distance'");
  }

  const IntMatrix2 s = repeat_rows(p.cell == PlaneCellShape::orthogonal ? kOrthogonal : kHexagonal, p.repeat_a, p.repeat_b);
  const PlaneSupercell plane(a, s);
  const int n = p.num_layers;
  const int per_plane = plane.num_cells();
  const int num_metals = per_plane * n;

  // √3 × √3 ordering is checked first: its conditions explain a failure better than counts.
  std::vector<int> by_sublattice;
  if (p.ordering == MetalOrdering::sqrt3) {
    // The supercell must keep the three sublattices apart, and each element must fill whole
    // sublattices.
    for (const auto& row : s) {
      if ((row[0] + row[1]) % 3 != 0) {
        throw RequestError("ordering", "ordering = \"sqrt3\" needs a supercell commensurate with the √3 × √3 "
                                       "superlattice",
                           p.cell == PlaneCellShape::orthogonal ? "with cell = \"orthogonal\" use repeat = [3n, m]"
                                                                : "use repeat = [3n, 3m]");
      }
    }
    for (std::size_t e = 0; e < p.composition.size(); ++e) {
      const double thirds = p.composition[e].fraction * 3.0;
      if (std::abs(thirds - std::round(thirds)) > 1e-6) {
        throw RequestError("ordering", "ordering = \"sqrt3\" fills whole √3 × √3 sublattices, so every fraction must "
                                       "be a multiple of 1/3 (" + std::string(core::symbol(p.composition[e].z)) +
                                           " is " + fraction_text(p.composition[e].fraction) + ")",
                           "e.g. composition = \"Ni1/3Mn1/3Co1/3\", or ordering = \"random\"");
      }
      by_sublattice.insert(by_sublattice.end(), static_cast<std::size_t>(std::lround(thirds)), p.composition[e].z);
    }
  }
  // Metal species: exact counts.
  std::vector<int> counts;
  for (const auto& m : p.composition) {
    const double want = m.fraction * num_metals;
    const double rounded = std::round(want);
    if (std::abs(want - rounded) > 1e-6) {
      // The smallest number of M sites that gives whole numbers for every element.
      int need = 1;
      for (; need <= 10000; ++need) {
        bool ok = true;
        for (const auto& e : p.composition) {
          const double w = e.fraction * need;
          ok = ok && std::abs(w - std::round(w)) < 1e-6;
        }
        if (ok) break;
      }
      throw RequestError("composition",
                         std::to_string(num_metals) + " metal sites (" + std::to_string(per_plane) + " per slab × " +
                             std::to_string(n) + " slabs) cannot hold " + fraction_text(m.fraction) + " " +
                             std::string(core::symbol(m.z)) + " exactly (" + fraction_text(want) + " atoms)",
                         "choose 'repeat' and 'layers' so that the number of metal sites is a multiple of " +
                             std::to_string(need));
    }
    counts.push_back(static_cast<int>(rounded));
  }

  // Sites, slab by slab.
  const bool periodic_c = periodic;
  std::vector<double> z(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    z[static_cast<std::size_t>(k)] = periodic_c ? (k + 0.5) * spacing : 0.5 * *p.vacuum + h + k * spacing;
  }
  const double cell_c = periodic_c ? n * spacing : (n - 1) * spacing + 2 * h + *p.vacuum;
  std::vector<Site> metal_sites, lower_o, upper_o, ion_sites;
  for (int k = 0; k < n; ++k) {
    const SlabLayout layout = slab_layout(p.polytype, k);
    const Vec2 m_origin = site_class_offset(layout.metal);
    for (const Vec2& f : plane.sites(m_origin)) {
      const Vec2 lattice_point = f - m_origin;
      const auto n0 = static_cast<long>(std::lround(lattice_point[0]));
      const auto n1 = static_cast<long>(std::lround(lattice_point[1]));
      const int sub = static_cast<int>(((n0 + n1) % 3 + 3) % 3);
      metal_sites.push_back({f, k, sub});
    }
    for (const Vec2& f : plane.sites(site_class_offset(layout.lower_oxygen))) lower_o.push_back({f, k, 0});
    for (const Vec2& f : plane.sites(site_class_offset(layout.upper_oxygen))) upper_o.push_back({f, k, 0});
    if (periodic_c || k + 1 < n) {
      for (const Vec2& f : plane.sites(site_class_offset(layout.ion))) ion_sites.push_back({f, k, 0});
    }
  }

  // Species of each metal site.
  std::vector<int> species(metal_sites.size(), 0);
  if (p.ordering == MetalOrdering::random) {
    std::vector<int> pool;
    for (std::size_t e = 0; e < p.composition.size(); ++e) pool.insert(pool.end(), static_cast<std::size_t>(counts[e]), p.composition[e].z);
    core::Rng rng(seed, kMetalStream);
    shuffle(pool, rng);
    species = pool;
  } else {
    for (std::size_t i = 0; i < metal_sites.size(); ++i) species[i] = by_sublattice[static_cast<std::size_t>(metal_sites[i].sublattice)];
  }

  // Ions: exact count, the rest removed at random.
  // x may be written rounded (0.667 for 2/3): it must lie within 0.001 of a whole number of
  // ions per site, and that whole number is used.
  const double want_ions = p.x * static_cast<double>(ion_sites.size());
  if (ion_sites.empty() ||
      std::abs(p.x - std::round(want_ions) / static_cast<double>(ion_sites.size())) > 1e-3 + 1e-12) {
    throw RequestError("x", "x = " + core::format_double(p.x) + " of " + std::to_string(ion_sites.size()) +
                                " ion sites is " + fraction_text(want_ions) + " ions, not a whole number",
                       "nearest possible: x = " +
                           fraction_text(std::floor(want_ions) / static_cast<double>(ion_sites.size())) + " or " +
                           fraction_text(std::ceil(want_ions) / static_cast<double>(ion_sites.size())));
  }
  const auto num_ions = static_cast<std::size_t>(std::llround(want_ions));
  std::vector<std::size_t> keep(ion_sites.size());
  std::iota(keep.begin(), keep.end(), std::size_t{0});
  if (num_ions < ion_sites.size()) {
    core::Rng rng(seed, kIonStream);
    shuffle(keep, rng);
    keep.resize(num_ions);
    std::sort(keep.begin(), keep.end());
  }

  core::Mat3 hm = core::Mat3::Zero();
  hm(0, 0) = plane.vector_a()[0];
  hm(1, 0) = plane.vector_b()[0];
  hm(1, 1) = plane.vector_b()[1];
  hm(2, 2) = cell_c;
  core::System system{core::Cell(hm)};
  const Vec2 big_a = plane.vector_a(), big_b = plane.vector_b();
  auto place = [&](const Vec2& f, double height) {
    const Vec2 u = plane.supercell_fraction(plane.cartesian(f));
    const Vec2 r = u[0] * big_a + u[1] * big_b;
    return core::Vec3(r[0], r[1], height);
  };
  std::vector<core::AtomSpec> atoms;
  for (const auto& m : p.composition) {
    for (std::size_t i = 0; i < metal_sites.size(); ++i) {
      if (species[i] != m.z) continue;
      core::AtomSpec spec;
      spec.z = m.z;
      spec.position = place(metal_sites[i].f, z[static_cast<std::size_t>(metal_sites[i].slab)]);
      atoms.push_back(spec);
    }
  }
  // Oxygen: slab by slab, lower plane then upper plane.
  for (int k = 0; k < n; ++k) {
    for (const auto* plane_sites : {&lower_o, &upper_o}) {
      const double dz = plane_sites == &lower_o ? -h : h;
      for (const auto& site : *plane_sites) {
        if (site.slab != k) continue;
        core::AtomSpec spec;
        spec.z = kOxygen;
        spec.position = place(site.f, z[static_cast<std::size_t>(k)] + dz);
        atoms.push_back(spec);
      }
    }
  }
  for (const std::size_t i : keep) {
    core::AtomSpec spec;
    spec.z = p.ion_z;
    double height = z[static_cast<std::size_t>(ion_sites[i].slab)] + 0.5 * spacing;
    if (height >= cell_c) height -= cell_c;  // the top gallery of a periodic cell is at z = 0
    spec.position = place(ion_sites[i].f, height);
    atoms.push_back(spec);
  }
  (void)system.insert_atoms(atoms);
  return system;
}

}  // namespace ioncycle::defects
