// SPDX-License-Identifier: MIT
//
// Geometric defect detection (defect_detection.hpp): nothing in pristine hosts or at free edges;
// each generated defect found again at its place with the atoms that reveal it.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <vector>

#include "core/geometry.hpp"
#include "core/rng.hpp"
#include "defects/defect_detection.hpp"
#include "defects/defect_placement.hpp"
#include "defects/layers.hpp"
#include "defects/point_defects.hpp"
#include "point_defect_hosts.hpp"

using ioncycle::core::AtomId;
using ioncycle::core::Rng;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using namespace ioncycle::defects;
using namespace ioncycle::testing::defect_hosts;

namespace {

std::vector<DefectRecord> of_type(const std::vector<DefectRecord>& records, DefectType type) {
  std::vector<DefectRecord> out;
  std::copy_if(records.begin(), records.end(), std::back_inserter(out),
               [type](const DefectRecord& r) { return r.type == type; });
  return out;
}

double distance(const System& s, const Vec3& a, const Vec3& b) { return s.cell().minimum_image(b - a).norm(); }

std::vector<DefectRecord> generate(System& s, DefectRequest r, std::uint64_t seed) {
  HostLayers layers = host_layers(s);
  Rng rng(seed);
  return generate_defects(s, r, layers, rng);
}

// A little thermal noise (Å), so detection is not tested on perfect lattices only.
void jiggle(System& s, double amplitude, std::uint64_t seed) {
  Rng rng(seed);
  for (auto& p : s.positions()) p += amplitude * Vec3(rng.normal(), rng.normal(), rng.normal());
}

}  // namespace

TEST_CASE("pristine hosts have no defects", "[unit][defects]") {
  System g = ab_graphite(5, 4);
  CHECK(detect_defects(g).empty());
  jiggle(g, 0.05, 1);
  CHECK(detect_defects(g).empty());
  System o = layered_oxide(3);
  CHECK(detect_defects(o).empty());
  jiggle(o, 0.05, 2);
  CHECK(detect_defects(o).empty());
}

TEST_CASE("a carbon vacancy is found at its place with its three neighbours", "[unit][defects]") {
  System s = ab_graphite(5, 2);
  const Vec3 p = s.positions()[17];
  const std::vector<std::vector<AtomId>> groups{{17}};
  make_vacancies(s, groups, DefectType::vacancy);
  jiggle(s, 0.03, 3);
  const auto found = detect_defects(s);
  REQUIRE(found.size() == 1);
  CHECK(found[0].type == DefectType::vacancy);
  CHECK(found[0].removed == std::vector<AtomRef>{{-1, 6}});
  CHECK(found[0].atoms.size() == 3);
  CHECK(found[0].layer == 0);
  CHECK(distance(s, found[0].position, p) < 0.15);
  for (const auto& a : found[0].atoms) {
    CHECK(distance(s, s.positions()[*s.index_of(a.id)], p) == Approx(kCC).margin(0.2));
  }
}

TEST_CASE("generated vacancies and divacancies are found again, one record each", "[unit][defects]") {
  System s = ab_graphite(8, 2);
  DefectRequest mono;
  mono.type = DefectType::vacancy;
  mono.z = 6;
  mono.count = 3;
  mono.layers = {0};
  mono.min_separation = 6.0;
  DefectRequest di = mono;
  di.type = DefectType::divacancy;
  di.count = 2;
  di.layers = {1};
  const auto made_mono = generate(s, mono, 1);
  const auto made_di = generate(s, di, 2);
  jiggle(s, 0.03, 5);
  const auto found = detect_defects(s);
  const auto vacancies = of_type(found, DefectType::vacancy);
  const auto divacancies = of_type(found, DefectType::divacancy);
  CHECK(found.size() == 5);
  REQUIRE(vacancies.size() == 3);
  REQUIRE(divacancies.size() == 2);
  const auto matches = [&](const std::vector<DefectRecord>& made, const std::vector<DefectRecord>& seen) {
    for (const auto& m : made) {
      std::size_t hits = 0;
      for (const auto& f : seen) hits += distance(s, f.position, m.position) < 0.15 && f.layer == m.layer ? 1 : 0;
      CHECK(hits == 1);
    }
  };
  matches(made_mono, vacancies);
  matches(made_di, divacancies);
  for (const auto& d : divacancies) {
    CHECK(d.removed == std::vector<AtomRef>{{-1, 6}, {-1, 6}});
    CHECK(d.atoms.size() == 4);
  }
}

TEST_CASE("an oxygen vacancy in an MO2 slab is found from its three metal neighbours", "[unit][defects]") {
  System s = layered_oxide(3);
  const auto zs = s.atomic_numbers();
  const auto o = static_cast<std::size_t>(std::find(zs.begin(), zs.end(), 8) - zs.begin());
  const AtomId id = s.ids()[o];
  const Vec3 p = s.positions()[o];
  const std::vector<std::vector<AtomId>> groups{{id}};
  make_vacancies(s, groups, DefectType::vacancy);
  const auto found = detect_defects(s);
  REQUIRE(found.size() == 1);
  CHECK(found[0].type == DefectType::vacancy);
  CHECK(found[0].removed == std::vector<AtomRef>{{-1, 8}});
  CHECK(found[0].atoms.size() == 3);
  for (const auto& a : found[0].atoms) CHECK(a.z == 28);
  CHECK(distance(s, found[0].position, p) < 0.05);
}

TEST_CASE("a Stone-Wales rotation is found as its 7-7 bond", "[unit][defects]") {
  System s = ab_graphite(6, 2);
  DefectRequest r;
  r.type = DefectType::stone_wales;
  r.z = 6;
  r.count = 1;
  r.layers = {1};
  const auto made = generate(s, r, 8);
  REQUIRE(made.size() == 1);
  jiggle(s, 0.03, 4);
  const auto found = detect_defects(s);
  REQUIRE(found.size() == 1);
  CHECK(found[0].type == DefectType::stone_wales);
  CHECK(found[0].layer == 1);
  std::set<AtomId> a{found[0].atoms[0].id, found[0].atoms[1].id};
  std::set<AtomId> b{made[0].moved[0].id, made[0].moved[1].id};
  CHECK(a == b);
  CHECK(distance(s, found[0].position, made[0].position) < 0.1);
}

TEST_CASE("boron in a graphene sheet is a substitution, a carbon between sheets an interstitial", "[unit][defects]") {
  System s = ab_graphite(5, 4);
  const std::vector<AtomId> ids{30};
  const auto sub = make_substitutions(s, ids, 5);
  const std::vector<Vec3> between{s.cell().to_cartesian(Vec3(0.33, 0.51, 0.5))};  // mid-gallery
  const auto inter = make_interstitials(s, 6, between);
  const auto found = detect_defects(s);
  const auto subs = of_type(found, DefectType::substitution);
  const auto inters = of_type(found, DefectType::interstitial);
  REQUIRE(subs.size() == 1);
  CHECK(subs[0].atoms == sub[0].added);
  CHECK(subs[0].properties.at("host") == "C");
  CHECK(subs[0].layer == 0);
  REQUIRE(inters.size() == 1);
  CHECK(inters[0].atoms == inter[0].added);
  CHECK(inters[0].layer == -1);
  // Li in a gallery is an intercalant, not a defect.
  const std::vector<Vec3> li{s.cell().to_cartesian(Vec3(0.1, 0.2, 0.75))};
  make_interstitials(s, 3, li);
  CHECK(detect_defects(s).size() == found.size());
}

TEST_CASE("Li/Ni exchange shows as two antisites", "[unit][defects]") {
  System s = layered_oxide(3);
  DefectRequest r;
  r.type = DefectType::antisite;
  r.z = 3;
  r.other_z = 28;
  r.count = 1;
  const auto made = generate(s, r, 3);
  REQUIRE(made.size() == 1);
  const auto found = detect_defects(s);
  const auto antisites = of_type(found, DefectType::antisite);
  REQUIRE(antisites.size() == 2);
  std::set<AtomId> ids{antisites[0].atoms[0].id, antisites[1].atoms[0].id};
  CHECK(ids == std::set<AtomId>{made[0].moved[0].id, made[0].moved[1].id});
}

TEST_CASE("free edges of a ribbon are not vacancies", "[unit][defects]") {
  System s = ab_graphite(8, 2);
  std::vector<AtomId> cut;
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    const double sa = s.cell().to_fractional(s.positions()[i])[0];
    if (sa > 0.5) cut.push_back(s.ids()[i]);
  }
  s.remove_atoms(cut);
  REQUIRE(s.num_atoms() < 256);
  REQUIRE(ioncycle::core::closest_pair(s).distance > 1.4);
  const std::vector<std::vector<AtomId>> hole{{s.ids()[40]}};  // one real vacancy inside the ribbon
  make_vacancies(s, hole, DefectType::vacancy);
  const auto found = detect_defects(s);
  CHECK(of_type(found, DefectType::vacancy).size() == 1);
  for (const auto& r : found) {
    CAPTURE(format_defect_record(r));
    CHECK(r.type != DefectType::divacancy);
    CHECK(r.type != DefectType::vacancy_cluster);
  }
}
