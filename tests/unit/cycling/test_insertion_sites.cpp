// SPDX-License-Identifier: MIT
//
// SiteFinder: the minimum-distance test against a brute-force search over periodic images
// (triclinic, narrow and partly periodic cells, per-species distances); candidates of every
// site set where they belong (galleries between the right layers, edge and surface sites within
// `depth` of the free boundary, region inside its box); uniform sampling; and failure.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/cell.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"
#include "cycling/insertion_sites.hpp"
#include "cycling/protocol.hpp"
#include "cycling/capacity.hpp"
#include "defects/graphite.hpp"
#include "defects/layered_oxide.hpp"

using namespace ioncycle;
using ioncycle::core::Vec3;
using ioncycle::cycling::InsertionSettings;
using ioncycle::cycling::IonSettings;
using ioncycle::cycling::SiteFinder;
using ioncycle::cycling::SiteSet;

namespace {

IonSettings lithium(double min_distance = 1.5) {
  IonSettings ion;
  ion.z = 3;
  ion.min_distance = min_distance;
  return ion;
}

// Smallest distance between r and any periodic image of x (images on periodic axes only),
// by brute force over |n_i| <= 3.
double brute_distance(const core::Cell& cell, const Vec3& r, const Vec3& x) {
  double best = std::numeric_limits<double>::infinity();
  const int range = 3;
  for (int i = -range; i <= range; ++i) {
    if (i != 0 && !cell.periodic(0)) continue;
    for (int j = -range; j <= range; ++j) {
      if (j != 0 && !cell.periodic(1)) continue;
      for (int k = -range; k <= range; ++k) {
        if (k != 0 && !cell.periodic(2)) continue;
        const Vec3 image = x + i * cell.vector(0) + j * cell.vector(1) + k * cell.vector(2);
        best = std::min(best, (image - r).norm());
      }
    }
  }
  return best;
}

// Whether r keeps at least the species distance from every atom, by brute force.
bool brute_free(const core::System& s, const IonSettings& ion, const Vec3& r) {
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    if (brute_distance(s.cell(), r, s.positions()[i]) < ion.min_distance_for(s.atomic_numbers()[i])) return false;
  }
  return true;
}

core::System random_atoms(const core::Cell& cell, int count, std::uint64_t seed, double spread = 1.0) {
  core::System s(cell);
  core::Rng rng(seed);
  const std::array<int, 3> species{6, 8, 3};
  for (int i = 0; i < count; ++i) {
    core::AtomSpec a;
    a.z = species[static_cast<std::size_t>(i) % 3];
    const Vec3 f(rng.uniform(-0.5, 0.5 + spread), rng.uniform(-0.5, 0.5 + spread), rng.uniform(-0.5, 0.5 + spread));
    a.position = f[0] * cell.vector(0) + f[1] * cell.vector(1) + f[2] * cell.vector(2);
    (void)s.add_atom(a);
  }
  return s;
}

// Height of r along the layer normal (z for these graphite cells).
double height(const Vec3& r) { return r[2]; }

core::System graphite(int layers, std::optional<double> vacuum = std::nullopt,
                      std::optional<defects::EdgeType> edge = std::nullopt) {
  defects::GraphiteParams p;
  p.repeat_a = 4;
  p.repeat_b = 4;
  p.num_layers = layers;
  p.vacuum = vacuum;
  p.edge = edge;
  if (edge) p.cell = defects::PlaneCellShape::orthogonal;
  return defects::build_graphite(p);
}

}  // namespace

TEST_CASE("is_free agrees with a brute-force image search, per species", "[unit][cycling][sites]") {
  IonSettings ion = lithium(1.5);
  ion.min_distance_to[6] = 2.1;  // C
  ion.min_distance_to[8] = 1.1;  // O
  struct Case {
    const char* name;
    core::Cell cell;
    int atoms;
    double spread;
  };
  std::vector<Case> cases{
      {"triclinic", core::Cell::from_parameters(9.0, 10.0, 11.0, 70.0, 80.0, 100.0), 40, 0.0},
      {"narrow triclinic (several images within reach)", core::Cell::from_parameters(2.9, 3.3, 7.0, 80.0, 95.0, 62.0), 3, 0.0},
      {"periodic in a and b only, atoms beyond the cell along c",
       core::Cell(core::Cell::from_parameters(6.0, 7.0, 8.0, 90.0, 90.0, 115.0).matrix(), {true, true, false}), 20, 1.0},
      {"no periodicity", core::Cell(core::Cell::orthorhombic(6.0, 6.0, 6.0).matrix(), {false, false, false}), 20, 0.5},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const core::System s = random_atoms(c.cell, c.atoms, 17, c.spread);
    SiteFinder finder(ion);
    InsertionSettings settings;
    settings.sites = SiteSet::anywhere;
    finder.prepare(s, settings);
    core::Rng rng(3);
    int free_count = 0;
    for (int t = 0; t < 3000; ++t) {
      // Points also outside the cell, so wrapping is exercised.
      const Vec3 f(rng.uniform(-1.2, 2.2), rng.uniform(-1.2, 2.2), rng.uniform(-1.2, 2.2));
      const Vec3 r = f[0] * c.cell.vector(0) + f[1] * c.cell.vector(1) + f[2] * c.cell.vector(2);
      const bool expected = brute_free(s, ion, r);
      free_count += expected ? 1 : 0;
      if (finder.is_free(r) != expected) {
        FAIL_CHECK("point " << r.transpose() << ": is_free " << !expected << ", brute force " << expected);
      }
    }
    // Both answers occur, so the comparison means something.
    CHECK(free_count > 30);
    CHECK(free_count < 2970);
  }
}

TEST_CASE("candidates never come closer than the minimum distance", "[unit][cycling][sites]") {
  IonSettings ion = lithium(1.4);
  ion.min_distance_to[6] = 1.9;
  const core::Cell cell = core::Cell::from_parameters(10.0, 11.0, 9.0, 75.0, 85.0, 105.0);
  const core::System s = random_atoms(cell, 60, 5);
  SiteFinder finder(ion);
  InsertionSettings settings;
  settings.sites = SiteSet::anywhere;
  finder.prepare(s, settings);
  core::Rng rng(11);
  for (int t = 0; t < 500; ++t) {
    const auto c = finder.sample(rng);
    REQUIRE(c.has_value());
    CHECK(c->label == "anywhere");
    for (std::size_t i = 0; i < s.num_atoms(); ++i) {
      CHECK(brute_distance(cell, c->position, s.positions()[i]) >= ion.min_distance_for(s.atomic_numbers()[i]));
    }
    // Wrapped into the cell.
    const Vec3 f = cell.to_fractional(c->position);
    CHECK(f.minCoeff() >= -1e-12);
    CHECK(f.maxCoeff() < 1.0 + 1e-12);
  }
}

TEST_CASE("anywhere samples the cell uniformly", "[unit][cycling][sites][stochastic]") {
  // An empty triclinic cell: the octants of fractional space are equally likely (chi-square,
  // 7 degrees of freedom, 0.1 % critical value 24.3).
  const core::System s(core::Cell::from_parameters(8.0, 9.0, 10.0, 80.0, 100.0, 110.0));
  SiteFinder finder(lithium());
  InsertionSettings settings;
  settings.sites = SiteSet::anywhere;
  finder.prepare(s, settings);
  core::Rng rng(99);
  std::array<int, 8> counts{};
  const int n = 16000;
  for (int t = 0; t < n; ++t) {
    const Vec3 f = s.cell().to_fractional(finder.sample(rng)->position);
    counts[static_cast<std::size_t>((f[0] >= 0.5) + 2 * (f[1] >= 0.5) + 4 * (f[2] >= 0.5))]++;
  }
  double chi2 = 0.0;
  for (const int c : counts) chi2 += (c - n / 8.0) * (c - n / 8.0) / (n / 8.0);
  CHECK(chi2 < 24.3);
}

TEST_CASE("gallery candidates lie on the mid-plane between the right layers", "[unit][cycling][sites]") {
  SECTION("periodic graphite: four galleries, the fourth through the cell boundary") {
    const core::System g = graphite(4);  // layers at (k + 1/2) x 3.35 A
    SiteFinder finder(lithium());
    InsertionSettings settings;
    settings.sites = SiteSet::galleries;
    finder.prepare(g, settings);
    REQUIRE(finder.galleries().size() == 4);
    const double d = 4 * 3.35;
    core::Rng rng(1);
    std::array<int, 4> per_gallery{};
    for (int t = 0; t < 800; ++t) {
      const auto c = finder.sample(rng);
      REQUIRE(c.has_value());
      REQUIRE(c->gallery >= 0);
      REQUIRE(c->gallery < 4);
      CHECK(c->label == "gallery " + std::to_string(c->gallery));
      per_gallery[static_cast<std::size_t>(c->gallery)]++;
      // Gallery k lies between layer k at (k + 1/2) 3.35 and layer k + 1, mid-plane (k + 1) 3.35.
      const double mid = std::fmod((c->gallery + 1) * 3.35, d);
      double dz = height(c->position) - mid;
      dz -= d * std::round(dz / d);
      CHECK(std::abs(dz) <= 0.2 + 1e-9);
    }
    for (const int n : per_gallery) CHECK(n > 140);  // 200 expected each
  }
  SECTION("a three-layer slab has two galleries; the vacuum is none") {
    const core::System g = graphite(3, 20.0);
    SiteFinder finder(lithium());
    InsertionSettings settings;
    settings.sites = SiteSet::galleries;
    finder.prepare(g, settings);
    REQUIRE(finder.galleries().size() == 2);
    double zmin = 1e9, zmax = -1e9;
    for (const auto& r : g.positions()) {
      zmin = std::min(zmin, r[2]);
      zmax = std::max(zmax, r[2]);
    }
    core::Rng rng(2);
    for (int t = 0; t < 200; ++t) {
      const auto c = finder.sample(rng);
      REQUIRE(c.has_value());
      const double expected_mid = zmin + (c->gallery + 0.5) * 3.35;
      CHECK(std::abs(height(c->position) - expected_mid) <= 0.2 + 1e-9);
      CHECK(height(c->position) > zmin);
      CHECK(height(c->position) < zmax);
    }
  }
  SECTION("a single sheet in vacuum has no gallery") {
    const core::System g = graphite(1, 15.0);
    SiteFinder finder(lithium());
    InsertionSettings settings;
    settings.sites = SiteSet::galleries;
    finder.prepare(g, settings);
    CHECK(finder.galleries().empty());
    core::Rng rng(2);
    CHECK_FALSE(finder.sample(rng).has_value());
    CHECK_THAT(finder.failure_message(10), Catch::Contains("no galleries"));
  }
}

TEST_CASE("edge candidates lie within depth of the free edge, inside the host", "[unit][cycling][sites]") {
  const core::System g = graphite(2, std::nullopt, defects::EdgeType::armchair);
  // The host's extent along x (the edges are normal to x), from the atoms, wrapped into the cell.
  const double lx = g.cell().vector(0)[0];
  std::vector<double> xs;
  for (const auto& r : g.positions()) xs.push_back(r[0] - lx * std::floor(r[0] / lx));
  std::sort(xs.begin(), xs.end());
  // The widest empty stripe along x is the vacuum; the host runs from after it to before it.
  std::size_t start = 0;
  double widest = xs.front() + lx - xs.back();
  for (std::size_t k = 1; k < xs.size(); ++k) {
    if (xs[k] - xs[k - 1] > widest) {
      widest = xs[k] - xs[k - 1];
      start = k;
    }
  }
  REQUIRE(widest > 10.0);
  const double x_lo = xs[start];
  const double width = lx - widest;
  const double depth = 4.0;

  SiteFinder finder(lithium());
  InsertionSettings settings;
  settings.sites = SiteSet::edge;
  settings.depth = depth;
  finder.prepare(g, settings);
  REQUIRE(finder.has_free_boundary(SiteSet::edge));
  CHECK_FALSE(finder.has_free_boundary(SiteSet::surface));
  core::Rng rng(4);
  int near_low = 0, near_high = 0;
  for (int t = 0; t < 400; ++t) {
    const auto c = finder.sample(rng);
    REQUIRE(c.has_value());
    CHECK_THAT(c->label, Catch::StartsWith("edge, gallery "));
    double u = c->position[0] - x_lo;  // position within the host along x
    u -= lx * std::floor(u / lx);
    REQUIRE(u <= width + 1e-9);
    const double to_edge = std::min(u, width - u);
    CHECK(to_edge <= depth + 1e-9);
    CHECK(finder.distance_to_free_boundary(c->position, SiteSet::edge) == Approx(to_edge).margin(1e-9));
    (u < 0.5 * width ? near_low : near_high)++;
  }
  CHECK(near_low > 150);
  CHECK(near_high > 150);
  // A point in the vacuum is outside: negative distance.
  const Vec3 outside(x_lo - 2.0, 1.0, 3.35);
  CHECK(finder.distance_to_free_boundary(outside, SiteSet::edge) == Approx(-2.0).margin(1e-9));

  SECTION("periodic bulk graphite has no edge") {
    SiteFinder bulk(lithium());
    bulk.prepare(graphite(2), settings);
    CHECK_FALSE(bulk.has_free_boundary(SiteSet::edge));
    CHECK_FALSE(bulk.sample(rng).has_value());
    CHECK(bulk.distance_to_free_boundary(Vec3::Zero(), SiteSet::edge) == std::numeric_limits<double>::infinity());
    CHECK_THAT(bulk.unavailable_reason(), Catch::Contains("no free in-plane edge"));
  }
}

TEST_CASE("surface candidates lie within depth of the outermost layer, both faces", "[unit][cycling][sites]") {
  const core::System g = graphite(3, 20.0);
  double zmin = 1e9, zmax = -1e9;
  for (const auto& r : g.positions()) {
    zmin = std::min(zmin, r[2]);
    zmax = std::max(zmax, r[2]);
  }
  const double depth = 3.0;
  SiteFinder finder(lithium());
  InsertionSettings settings;
  settings.sites = SiteSet::surface;
  settings.depth = depth;
  finder.prepare(g, settings);
  REQUIRE(finder.has_free_boundary(SiteSet::surface));
  core::Rng rng(8);
  int top = 0, bottom = 0, outside = 0;
  for (int t = 0; t < 400; ++t) {
    const auto c = finder.sample(rng);
    REQUIRE(c.has_value());
    CHECK(c->label == "surface");
    const double z = c->position[2];
    const double to_face = std::min(std::abs(z - zmax), std::abs(z - zmin));
    CHECK(to_face <= depth + 1e-9);
    const double expected = (z >= zmin && z <= zmax) ? std::min(z - zmin, zmax - z) : -to_face;
    CHECK(finder.distance_to_free_boundary(c->position, SiteSet::surface) == Approx(expected).margin(1e-9));
    (z > 0.5 * (zmin + zmax) ? top : bottom)++;
    outside += (z > zmax || z < zmin) ? 1 : 0;
  }
  CHECK(top > 120);
  CHECK(bottom > 120);
  CHECK(outside > 120);  // most of the shell is outside the host (inside points are crowded by carbon)

  SECTION("periodic bulk graphite has no surface") {
    SiteFinder bulk(lithium());
    bulk.prepare(graphite(4), settings);
    CHECK_FALSE(bulk.has_free_boundary(SiteSet::surface));
    CHECK_FALSE(bulk.sample(rng).has_value());
  }
}

TEST_CASE("region candidates lie inside the box; infinite bounds stop at the cell", "[unit][cycling][sites]") {
  const core::System g = graphite(4);
  SiteFinder finder(lithium());
  InsertionSettings settings;
  settings.sites = SiteSet::region;
  const double inf = std::numeric_limits<double>::infinity();
  settings.region = cycling::Region{Vec3(-inf, -inf, 5.5), Vec3(inf, inf, 7.9)};
  finder.prepare(g, settings);
  core::Rng rng(6);
  const IonSettings ion = lithium();
  for (int t = 0; t < 300; ++t) {
    const auto c = finder.sample(rng);
    REQUIRE(c.has_value());
    CHECK(c->label == "region");
    CHECK(c->position[2] >= 5.5);
    CHECK(c->position[2] <= 7.9);
    CHECK(brute_free(g, ion, c->position));
  }
  SECTION("a finite box") {
    settings.region = cycling::Region{Vec3(1.0, 2.0, 6.0), Vec3(3.0, 3.5, 7.5)};
    finder.prepare(g, settings);
    for (int t = 0; t < 100; ++t) {
      const auto c = finder.sample(rng);
      REQUIRE(c.has_value());
      CHECK((c->position.array() >= settings.region->lo.array()).all());
      CHECK((c->position.array() <= settings.region->hi.array()).all());
    }
  }
}

TEST_CASE("no candidate in max_tries gives nullopt and a message", "[unit][cycling][sites]") {
  // A box around one carbon atom, smaller than the minimum distance: nothing fits.
  core::System s(core::Cell::orthorhombic(10, 10, 10));
  core::AtomSpec c;
  c.z = 6;
  c.position = Vec3(5, 5, 5);
  (void)s.add_atom(c);
  SiteFinder finder(lithium(1.5));
  InsertionSettings settings;
  settings.sites = SiteSet::region;
  settings.region = cycling::Region{Vec3(4.5, 4.5, 4.5), Vec3(5.5, 5.5, 5.5)};
  settings.max_tries = 50;
  finder.prepare(s, settings);
  core::Rng rng(1);
  CHECK_FALSE(finder.sample(rng).has_value());
  CHECK(finder.unavailable_reason().empty());
  CHECK_THAT(finder.failure_message(50), Catch::Contains("1.5 A") && Catch::Contains("50 tries"));
}

TEST_CASE("the auto exclusion is 0.8 x the full gallery's ion spacing; new ions keep it from other ions",
          "[unit][cycling][sites]") {
  InsertionSettings settings;
  settings.sites = SiteSet::galleries;
  SECTION("LiC6 in graphite: 0.8 x sqrt(3) a, halfway between the first and second hexagon distances") {
    defects::GraphiteParams p;
    p.repeat_a = 3;
    p.repeat_b = 3;
    p.num_layers = 2;
    core::System g = defects::build_graphite(p);
    IonSettings ion = lithium();
    ion.capacity = 6.0;  // LiC6 on 36 C: 3 per gallery
    SiteFinder finder(ion);
    finder.prepare(g, settings);
    const double a = std::sqrt(3.0) * 1.42;
    CHECK(finder.exclusion() == Approx(0.8 * std::sqrt(3.0) * a).epsilon(1e-9));
    // Random sequential insertion until no site is left: every Li pair (all images) keeps the
    // exclusion, and the first hexagon distance a = 2.46 A is never reached.
    core::Rng rng(3);
    int inserted = 0;
    for (;; ++inserted) {
      finder.prepare(g, settings);
      const auto c = finder.sample(rng);
      if (!c) break;
      core::AtomSpec li;
      li.z = 3;
      li.position = c->position;
      (void)g.add_atom(li);
    }
    // Measured over seeds 1-40 in this static cell: 6 ions (the capacity) 35 times, 7 five times.
    CHECK(inserted >= 6);
    CHECK_THAT(finder.failure_message(1000), Catch::Contains("from other Li"));
    for (std::size_t i = 0; i < g.num_atoms(); ++i) {
      for (std::size_t j = i + 1; j < g.num_atoms(); ++j) {
        if (g.atomic_numbers()[i] != 3 || g.atomic_numbers()[j] != 3) continue;
        CHECK(brute_distance(g.cell(), g.positions()[i], g.positions()[j]) >= finder.exclusion() - 1e-9);
      }
    }
  }
  SECTION("LiCoO2: 0.8 a, one Li per Co site") {
    defects::LayeredOxideParams p;
    p.composition = defects::parse_composition("Co");
    p.lattice = *defects::default_oxide_lattice(3, p.polytype, p.composition);
    p.repeat_a = 2;
    p.repeat_b = 2;
    p.x = 0.5;
    const core::System o = defects::build_layered_oxide(p, 1);
    IonSettings ion = lithium();
    ion.capacity = cycling::capacity_ions("LiCoO2", o, 3);
    SiteFinder finder(ion);
    finder.prepare(o, settings);
    REQUIRE(finder.galleries().size() == 3);
    const double a = (o.cell().vector(0)).norm() / 2.0;
    CHECK(finder.exclusion() == Approx(0.8 * a).epsilon(1e-9));
  }
  SECTION("\"none\" and a given length are used as they are; without a capacity auto is none") {
    const core::System g = graphite(2);
    IonSettings ion = lithium();
    ion.capacity = 0.0;
    SiteFinder automatic(ion);
    automatic.prepare(g, settings);
    CHECK(automatic.exclusion() == 0.0);
    ion.capacity = 10.0;
    ion.exclusion = 0.0;
    SiteFinder none(ion);
    none.prepare(g, settings);
    CHECK(none.exclusion() == 0.0);
    ion.exclusion = 3.0;
    SiteFinder given(ion);
    given.prepare(g, settings);
    CHECK(given.exclusion() == 3.0);
    core::System with_li = g;
    core::AtomSpec li;
    li.z = 3;
    li.position = Vec3(5.0, 2.0, 3.35);  // mid-plane of the first gallery
    (void)with_li.add_atom(li);
    given.prepare(with_li, settings);
    CHECK_FALSE(given.is_free(Vec3(5.0, 4.9, 3.35)));  // 2.9 A from the Li
    CHECK(given.is_free(Vec3(5.0, 5.1, 3.35)) == brute_free(with_li, lithium(), Vec3(5.0, 5.1, 3.35)));
  }
}
