// SPDX-License-Identifier: MIT
//
// Choosing defect sites (defect_placement.hpp): eligible sites by element, layer and region,
// count and concentration, minimum separation under periodic boundaries, no pair too close after
// generation, reproducibility from the seed, and the requests that cannot be met.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/geometry.hpp"
#include "core/rng.hpp"
#include "defects/defect_placement.hpp"
#include "defects/layers.hpp"
#include "point_defect_hosts.hpp"

using Catch::Matchers::Contains;
using ioncycle::InputError;
using ioncycle::core::AtomId;
using ioncycle::core::Rng;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using namespace ioncycle::defects;
using namespace ioncycle::testing::defect_hosts;

namespace {

std::vector<DefectRecord> generate(System& s, const DefectRequest& r, std::uint64_t seed) {
  HostLayers layers = host_layers(s);
  Rng rng(seed);
  return generate_defects(s, r, layers, rng);
}

DefectRequest request(DefectType type, int z, std::int64_t count) {
  DefectRequest r;
  r.type = type;
  r.z = z;
  r.count = count;
  return r;
}

double smallest_separation(const System& s, const std::vector<DefectRecord>& records) {
  double best = 1e300;
  for (std::size_t i = 0; i < records.size(); ++i) {
    for (std::size_t j = i + 1; j < records.size(); ++j) {
      best = std::min(best, s.cell().minimum_image(records[j].position - records[i].position).norm());
    }
  }
  return best;
}

std::string message_of(System& s, const DefectRequest& r) {
  const SystemSnapshot before(s);
  try {
    generate(s, r, 1);
  } catch (const InputError& e) {
    CHECK(SystemSnapshot(s) == before);
    return e.message();
  }
  FAIL("expected an InputError");
  return {};
}

}  // namespace

TEST_CASE("vacancies by count in chosen layers keep their minimum separation", "[unit][defects]") {
  System s = ab_graphite(6, 4);
  const System host = s;
  const HostLayers layers = host_layers(host);
  REQUIRE(layers.size() == 4);
  DefectRequest r = request(DefectType::vacancy, 6, 5);
  r.layers = {1, 2};
  r.min_separation = 6.0;
  const auto records = generate(s, r, 7);

  REQUIRE(records.size() == 5);
  CHECK(s.num_atoms() == host.num_atoms() - 5);
  std::set<AtomId> removed;
  for (const auto& rec : records) {
    REQUIRE(rec.removed.size() == 1);
    const AtomId id = rec.removed.front().id;
    removed.insert(id);
    CHECK_FALSE(s.index_of(id).has_value());
    CHECK((rec.layer == 1 || rec.layer == 2));
    CHECK(layers.layer_of(id) == rec.layer);
    // The record's position is where the removed atom was.
    CHECK(host.cell().minimum_image(host.positions()[*host.index_of(id)] - rec.position).norm() < 1e-9);
  }
  CHECK(removed.size() == 5);
  CHECK(smallest_separation(s, records) >= 6.0);
  // Everything else is untouched.
  for (std::size_t i = 0; i < host.num_atoms(); ++i) {
    const AtomId id = host.ids()[i];
    if (removed.count(id) != 0) continue;
    CHECK(s.positions()[*s.index_of(id)] == host.positions()[i]);
  }
}

TEST_CASE("a concentration is a fraction of the eligible atoms", "[unit][defects]") {
  System s = ab_graphite(5, 2);  // 100 C
  DefectRequest r = request(DefectType::vacancy, 6, 0);
  r.count.reset();
  r.concentration = 0.04;
  CHECK(generate(s, r, 3).size() == 4);
  System t = ab_graphite(5, 2);
  r.type = DefectType::divacancy;
  r.concentration = 0.04;  // 4 atoms: 2 divacancies
  CHECK(generate(t, r, 3).size() == 2);
  CHECK(t.num_atoms() == 96);
}

TEST_CASE("a region restricts the sites to a box", "[unit][defects]") {
  System s = ab_graphite(6, 4);
  DefectRequest r = request(DefectType::substitution, 6, 4);
  r.other_z = 7;
  r.region = Region{Vec3(-100, -100, 2 * kSpacing), Vec3(100, 100, 3 * kSpacing)};  // layer 2 only
  const auto records = generate(s, r, 11);
  REQUIRE(records.size() == 4);
  for (const auto& rec : records) {
    CHECK(rec.layer == 2);
    CHECK(rec.position.z() == Approx(2.5 * kSpacing));
  }
  CHECK(count_element(s, 7) == 4);
}

TEST_CASE("the same seed gives the identical structure, different seeds differ", "[unit][defects]") {
  const auto run = [](std::uint64_t seed, DefectType type) {
    System s = ab_graphite(6, 2);
    DefectRequest r = request(type, 6, 3);
    r.min_separation = 4.0;
    r.other_z = 5;
    generate(s, r, seed);
    return SystemSnapshot(s);
  };
  for (const auto type :
       {DefectType::vacancy, DefectType::divacancy, DefectType::stone_wales, DefectType::substitution}) {
    CAPTURE(to_string(type));
    CHECK(run(42, type) == run(42, type));
    CHECK_FALSE(run(42, type) == run(43, type));
  }
  const auto interstitials = [](std::uint64_t seed) {
    System s = ab_graphite(4, 2);
    DefectRequest r = request(DefectType::interstitial, 3, 3);
    generate(s, r, seed);
    return SystemSnapshot(s);
  };
  CHECK(interstitials(5) == interstitials(5));
  CHECK_FALSE(interstitials(5) == interstitials(6));
}

TEST_CASE("divacancies remove two bonded carbons of one layer", "[unit][defects]") {
  System s = ab_graphite(6, 2);
  const System host = s;
  const HostLayers layers = host_layers(host);
  DefectRequest r = request(DefectType::divacancy, 6, 3);
  r.layers = {0};
  r.min_separation = 5.0;
  const auto records = generate(s, r, 5);
  REQUIRE(records.size() == 3);
  CHECK(s.num_atoms() == host.num_atoms() - 6);
  for (const auto& rec : records) {
    REQUIRE(rec.removed.size() == 2);
    const Vec3 a = host.positions()[*host.index_of(rec.removed[0].id)];
    const Vec3 b = host.positions()[*host.index_of(rec.removed[1].id)];
    CHECK(host.cell().minimum_image(b - a).norm() == Approx(kCC));
    CHECK(layers.layer_of(rec.removed[0].id) == 0);
    CHECK(layers.layer_of(rec.removed[1].id) == 0);
  }
  CHECK(smallest_separation(s, records) >= 5.0);
}

TEST_CASE("Stone-Wales defects rotate separate bonds and leave no pair closer than 1.4 A", "[unit][defects]") {
  System s = ab_graphite(8, 2);
  const System host = s;
  DefectRequest r = request(DefectType::stone_wales, 6, 4);
  r.layers = {1};
  r.min_separation = 7.0;
  const auto records = generate(s, r, 9);
  REQUIRE(records.size() == 4);
  CHECK(s.num_atoms() == host.num_atoms());
  std::set<AtomId> moved;
  for (const auto& rec : records) {
    CHECK(rec.layer == 1);
    REQUIRE(rec.moved.size() == 2);
    const AtomId a = rec.moved[0].id, b = rec.moved[1].id;
    moved.insert(a);
    moved.insert(b);
    const Vec3 d0 =
        host.cell().minimum_image(host.positions()[*host.index_of(b)] - host.positions()[*host.index_of(a)]);
    const Vec3 d1 = s.cell().minimum_image(s.positions()[*s.index_of(b)] - s.positions()[*s.index_of(a)]);
    CHECK(std::abs(d0.dot(d1)) < 1e-9);
    CHECK(d1.norm() == Approx(kCC));
  }
  CHECK(moved.size() == 8);
  for (std::size_t i = 0; i < host.num_atoms(); ++i) {
    if (moved.count(host.ids()[i]) == 0) CHECK(s.positions()[i] == host.positions()[i]);
  }
  CHECK(smallest_separation(s, records) >= 7.0);
  CHECK(ioncycle::core::closest_pair(s).distance > 1.40);
}

TEST_CASE("dense Stone-Wales defects without a separation still keep atoms apart", "[unit][defects]") {
  System s = ab_graphite(8, 2);
  DefectRequest r = request(DefectType::stone_wales, 6, 6);
  r.layers = {0};
  const auto records = generate(s, r, 13);
  REQUIRE(records.size() == 6);
  CHECK(ioncycle::core::closest_pair(s).distance > 1.40);
  // Rotated atoms are never within two bonds of each other's rotated atoms.
  for (std::size_t i = 0; i < records.size(); ++i) {
    for (std::size_t j = i + 1; j < records.size(); ++j) {
      CHECK(s.cell().minimum_image(records[j].position - records[i].position).norm() > 2.0 * kCC);
    }
  }
}

TEST_CASE("antisites exchange Li with the nearest Ni by fraction of Li sites", "[unit][defects]") {
  System s = layered_oxide(4);  // 48 Li, 48 Ni, 96 O
  const System host = s;
  DefectRequest r;
  r.type = DefectType::antisite;
  r.z = 3;
  r.other_z = 28;
  r.concentration = 0.0625;  // 3 of 48 Li sites
  r.min_separation = 5.0;
  const auto records = generate(s, r, 21);
  REQUIRE(records.size() == 3);
  CHECK(smallest_separation(s, records) >= 5.0);
  std::set<AtomId> exchanged;
  for (const auto& rec : records) {
    REQUIRE(rec.moved.size() == 2);
    CHECK(rec.moved[0].z == 3);
    CHECK(rec.moved[1].z == 28);
    const Vec3 li0 = host.positions()[*host.index_of(rec.moved[0].id)];
    const Vec3 ni0 = host.positions()[*host.index_of(rec.moved[1].id)];
    CHECK(s.positions()[*s.index_of(rec.moved[0].id)] == ni0);
    CHECK(s.positions()[*s.index_of(rec.moved[1].id)] == li0);
    // The partner is a nearest Ni (2.85 A in LiNiO2-like geometry, across the O layer).
    double nearest = 1e300;
    for (std::size_t i = 0; i < host.num_atoms(); ++i) {
      if (host.atomic_numbers()[i] == 28)
        nearest = std::min(nearest, host.cell().minimum_image(host.positions()[i] - li0).norm());
    }
    CHECK(host.cell().minimum_image(ni0 - li0).norm() == Approx(nearest));
    CHECK(rec.layer >= 0);  // the Ni's slab
    exchanged.insert(rec.moved[0].id);
    exchanged.insert(rec.moved[1].id);
  }
  CHECK(exchanged.size() == 6);
  CHECK(ioncycle::core::closest_pair(s).distance == Approx(ioncycle::core::closest_pair(host).distance));
}

TEST_CASE("interstitials keep min_distance from every atom and stay in their gallery", "[unit][defects]") {
  System s = ab_graphite(5, 4);
  const System host = s;
  const HostLayers layers = host_layers(host);
  DefectRequest r = request(DefectType::interstitial, 3, 6);
  r.galleries = {1};
  r.min_distance = 1.8;
  r.min_separation = 3.0;
  const auto records = generate(s, r, 4);
  REQUIRE(records.size() == 6);
  CHECK(s.num_atoms() == host.num_atoms() + 6);
  for (const auto& rec : records) {
    REQUIRE(rec.added.size() == 1);
    CHECK(rec.added[0].z == 3);
    const Vec3 p = s.positions()[*s.index_of(rec.added[0].id)];
    const double h = layer_height(s.cell(), p);
    CHECK(h > layers.layers[1].height);
    CHECK(h < layers.layers[2].height);
    for (std::size_t i = 0; i < s.num_atoms(); ++i) {
      if (s.ids()[i] == rec.added[0].id) continue;
      CHECK(s.cell().minimum_image(s.positions()[i] - p).norm() >= 1.8);
    }
  }
  CHECK(smallest_separation(s, records) >= 3.0);
  CHECK(ioncycle::core::closest_pair(s).distance >= kCC - 1e-9);
}

TEST_CASE("requests that cannot be met say why and change nothing", "[unit][defects]") {
  System s = ab_graphite(4, 2);  // 64 C, in-plane period 9.84 A, c = 6.7 A
  SECTION("layer out of range") {
    DefectRequest r = request(DefectType::vacancy, 6, 1);
    r.layers = {2};
    CHECK_THAT(message_of(s, r), Contains("layer 2 does not exist") && Contains("2 layers"));
  }
  SECTION("element absent") {
    CHECK_THAT(message_of(s, request(DefectType::vacancy, 8, 1)), Contains("no O atom") && Contains("holds C"));
  }
  SECTION("more defects than sites") {
    CHECK_THAT(message_of(s, request(DefectType::vacancy, 6, 65)), Contains("65 vacancies") && Contains("only 64"));
    CHECK_THAT(message_of(s, request(DefectType::divacancy, 6, 33)), Contains("(66 atoms)"));
  }
  SECTION("separation larger than the cell") {
    DefectRequest r = request(DefectType::vacancy, 6, 2);
    r.min_separation = 20.0;
    CHECK_THAT(message_of(s, r), Contains("larger than the cell allows") && Contains("20 A"));
  }
  SECTION("too many for the separation") {
    DefectRequest r = request(DefectType::vacancy, 6, 12);
    r.min_separation = 4.0;
    CHECK_THAT(message_of(s, r), Contains("of the 12 vacancies fit with min_separation 4 A"));
  }
  SECTION("concentration too small for one defect") {
    DefectRequest r = request(DefectType::vacancy, 6, 0);
    r.count.reset();
    r.concentration = 0.001;
    CHECK_THAT(message_of(s, r), Contains("gives no defect"));
  }
  SECTION("Li is not in any layer") {
    System o = layered_oxide(2);
    DefectRequest r = request(DefectType::vacancy, 3, 1);
    r.layers = {0};
    const SystemSnapshot before(o);
    try {
      generate(o, r, 1);
      FAIL("expected an InputError");
    } catch (const InputError& e) {
      CHECK_THAT(e.message(), Contains("no Li atom in layers [0]"));
      CHECK_THAT(e.hint(), Contains("region"));
    }
    CHECK(SystemSnapshot(o) == before);
  }
  SECTION("no room for interstitials") {
    DefectRequest r = request(DefectType::interstitial, 6, 3);
    r.min_distance = 3.0;
    CHECK_THAT(message_of(s, r), Contains("found room for only 0 of 3"));
  }
  SECTION("gallery out of range") {
    DefectRequest r = request(DefectType::interstitial, 3, 1);
    r.galleries = {2};
    CHECK_THAT(message_of(s, r), Contains("gallery 2 does not exist"));
  }
}

TEST_CASE("proximity grid agrees with a brute-force search in a skewed cell", "[unit][defects]") {
  ioncycle::core::Mat3 h;
  h << 7.0, 0, 0, 3.1, 6.0, 0, 1.2, -2.0, 9.0;
  const ioncycle::core::Cell cell(h);
  Rng rng(3);
  std::vector<Vec3> points;
  for (int i = 0; i < 200; ++i) points.push_back(cell.to_cartesian(Vec3(rng.uniform(), rng.uniform(), rng.uniform())));
  ProximityGrid grid(cell, 2.0);
  for (std::size_t i = 0; i < points.size(); ++i) grid.add(points[i], i);
  for (int q = 0; q < 100; ++q) {
    const Vec3 p = cell.to_cartesian(Vec3(rng.uniform(-1, 2), rng.uniform(-1, 2), rng.uniform(-1, 2)));
    for (const double radius : {0.7, 1.5, 2.0, 3.5}) {  // 3.5: beyond the grid's range
      std::vector<std::size_t> found;
      grid.within(p, radius, found);
      std::sort(found.begin(), found.end());
      std::vector<std::size_t> expected;
      for (std::size_t i = 0; i < points.size(); ++i) {
        if (cell.minimum_image(points[i] - p).norm() < radius) expected.push_back(i);
      }
      CHECK(found == expected);
      CHECK(grid.any_within(p, radius) == !expected.empty());
    }
  }
}

TEST_CASE("a slab without periodicity along c has one gallery fewer than layers", "[unit][defects]") {
  System s = ab_graphite(4, 3);
  s.set_cell(ioncycle::core::Cell(s.cell().matrix(), {true, true, false}));
  const HostLayers layers = host_layers(s);
  REQUIRE(layers.size() == 3);
  DefectRequest r = request(DefectType::interstitial, 3, 2);
  r.galleries = {1};
  r.min_distance = 1.6;
  const auto records = generate(s, r, 2);
  REQUIRE(records.size() == 2);
  for (const auto& rec : records) {
    const double h = layer_height(s.cell(), rec.position);
    CHECK(h > layers.layers[1].height);
    CHECK(h < layers.layers[2].height);
  }
  r.galleries = {2};
  CHECK_THAT(message_of(s, r), Contains("gallery 2 does not exist") && Contains("so galleries 0 to 1"));
}
