// SPDX-License-Identifier: MIT
//
// The point-defect operations on a System (point_defects.hpp): which atoms are removed, added or
// moved (by id), where they end up, what the records say, and that bad ids change nothing.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "core/error.hpp"
#include "core/geometry.hpp"
#include "defects/layers.hpp"
#include "defects/point_defects.hpp"
#include "point_defect_hosts.hpp"

using ioncycle::InputError;
using ioncycle::core::AtomId;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using namespace ioncycle::defects;
using namespace ioncycle::testing::defect_hosts;

namespace {

bool has_id(const System& s, AtomId id) { return s.index_of(id).has_value(); }

Vec3 position_of(const System& s, AtomId id) { return s.positions()[*s.index_of(id)]; }

// Two carbon atoms of one layer 1.42 Å apart (the first bonded pair found).
std::array<AtomId, 2> some_bond(const System& s, std::size_t first = 0) {
  const auto ids = s.ids();
  for (std::size_t j = 0; j < s.num_atoms(); ++j) {
    if (j == first) continue;
    const double d = s.cell().minimum_image(s.positions()[j] - s.positions()[first]).norm();
    if (std::abs(d - kCC) < 1e-6) return {ids[first], ids[j]};
  }
  FAIL("no bond found");
  return {};
}

}  // namespace

TEST_CASE("vacancies remove exactly the given atoms and record them", "[unit][defects]") {
  System s = ab_graphite(3, 2);
  const std::size_t n0 = s.num_atoms();
  const auto bond = some_bond(s, 4);
  const Vec3 p0 = position_of(s, 0), pa = position_of(s, bond[0]), pb = position_of(s, bond[1]);
  const std::vector<std::vector<AtomId>> mono{{0}};
  const auto vac = make_vacancies(s, mono, DefectType::vacancy);
  const std::vector<std::vector<AtomId>> di{{bond[0], bond[1]}};
  const auto divac = make_vacancies(s, di, DefectType::divacancy);

  CHECK(s.num_atoms() == n0 - 3);
  CHECK_FALSE(has_id(s, 0));
  CHECK_FALSE(has_id(s, bond[0]));
  CHECK_FALSE(has_id(s, bond[1]));
  for (AtomId id = 0; id < static_cast<AtomId>(n0); ++id) {
    if (id != 0 && id != bond[0] && id != bond[1]) CHECK(has_id(s, id));
  }
  REQUIRE(vac.size() == 1);
  CHECK(vac[0].type == DefectType::vacancy);
  CHECK(vac[0].removed == std::vector<AtomRef>{{0, 6}});
  CHECK((vac[0].position - s.cell().wrap(p0)).norm() < 1e-12);
  CHECK(vac[0].added.empty());
  CHECK(vac[0].moved.empty());
  REQUIRE(divac.size() == 1);
  CHECK(divac[0].type == DefectType::divacancy);
  CHECK(divac[0].removed == std::vector<AtomRef>{{bond[0], 6}, {bond[1], 6}});
  const Vec3 mid = pa + 0.5 * s.cell().minimum_image(pb - pa);
  CHECK(s.cell().minimum_image(divac[0].position - mid).norm() < 1e-9);
}

TEST_CASE("Stone-Wales turns a bond by 90 degrees about its midpoint in the layer plane", "[unit][defects]") {
  System s = ab_graphite(4, 2);
  const auto before = SystemSnapshot(s);
  const auto bond = some_bond(s, 5);
  const Vec3 a0 = position_of(s, bond[0]), b0 = position_of(s, bond[1]);
  const Vec3 d0 = s.cell().minimum_image(b0 - a0);
  const Vec3 normal = layer_normal(s.cell());
  const std::vector<std::array<AtomId, 2>> bonds{bond};
  const auto records = make_stone_wales(s, bonds, normal);

  REQUIRE(records.size() == 1);
  CHECK(records[0].type == DefectType::stone_wales);
  CHECK(records[0].moved == std::vector<AtomRef>{{bond[0], 6}, {bond[1], 6}});
  CHECK(records[0].removed.empty());
  // Same atoms, same ids and species, only the two positions changed.
  CHECK(std::vector<AtomId>(s.ids().begin(), s.ids().end()) == before.ids);
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    const AtomId id = s.ids()[i];
    if (id == bond[0] || id == bond[1]) continue;
    CHECK(s.positions()[i] == before.positions[i]);
  }
  const Vec3 a1 = position_of(s, bond[0]), b1 = position_of(s, bond[1]);
  const Vec3 d1 = s.cell().minimum_image(b1 - a1);
  CHECK(d1.norm() == Approx(kCC).epsilon(1e-12));
  CHECK(std::abs(d1.dot(d0)) < 1e-9);      // perpendicular to the old bond
  CHECK(std::abs(d1.dot(normal)) < 1e-9);  // still in the layer plane
  const Vec3 mid0 = a0 + 0.5 * d0, mid1 = a1 + 0.5 * d1;
  CHECK(s.cell().minimum_image(mid1 - mid0).norm() < 1e-9);
  // Each atom moved by half a bond... times sqrt(2) (a quarter turn of a radius of 0.71 Å).
  CHECK(s.cell().minimum_image(a1 - a0).norm() == Approx(kCC / std::sqrt(2.0)).epsilon(1e-9));
  // Unrelaxed SW: the new bonds are 1.51 Å; nothing closer than the rotated bond itself.
  CHECK(ioncycle::core::closest_pair(s).distance > 1.40);
}

TEST_CASE("substitution retires the atom and adds the new element at its place", "[unit][defects]") {
  System s = ab_graphite(3, 2);
  const std::size_t n0 = s.num_atoms();
  const AtomId next = s.next_id();
  const Vec3 p7 = position_of(s, 7), p9 = position_of(s, 9);
  s.velocities()[*s.index_of(7)] = Vec3(0.01, 0.02, 0.03);
  const std::vector<AtomId> ids{7, 9};
  const auto records = make_substitutions(s, ids, 5);

  CHECK(s.num_atoms() == n0);
  CHECK_FALSE(has_id(s, 7));
  CHECK_FALSE(has_id(s, 9));
  REQUIRE(records.size() == 2);
  CHECK(records[0].removed == std::vector<AtomRef>{{7, 6}});
  CHECK(records[0].added == std::vector<AtomRef>{{next, 5}});
  CHECK(records[1].added == std::vector<AtomRef>{{next + 1, 5}});
  const auto i = *s.index_of(next);
  CHECK(s.atomic_numbers()[i] == 5);
  CHECK(s.positions()[i] == p7);
  CHECK(s.velocities()[i] == Vec3(0.01, 0.02, 0.03));
  CHECK(s.masses()[i] == Approx(10.81));
  CHECK(position_of(s, next + 1) == p9);
  CHECK(count_element(s, 5) == 2);
  CHECK(count_element(s, 6) == n0 - 2);
}

TEST_CASE("antisite exchange swaps the places of a Li and a Ni and keeps ids", "[unit][defects]") {
  System s = layered_oxide(2);
  const auto zs = s.atomic_numbers();
  const auto li = static_cast<AtomId>(std::find(zs.begin(), zs.end(), 3) - zs.begin());
  const auto ni = static_cast<AtomId>(std::find(zs.begin(), zs.end(), 28) - zs.begin());
  const Vec3 pli = position_of(s, li), pni = position_of(s, ni);
  const std::vector<std::array<AtomId, 2>> pairs{{li, ni}};
  const auto records = make_antisites(s, pairs);
  CHECK(position_of(s, li) == pni);
  CHECK(position_of(s, ni) == pli);
  CHECK(count_element(s, 3) == count_element(s, 28));
  REQUIRE(records.size() == 1);
  CHECK(records[0].type == DefectType::antisite);
  CHECK(records[0].moved == std::vector<AtomRef>{{li, 3}, {ni, 28}});
  CHECK((records[0].position - s.cell().wrap(pli)).norm() < 1e-12);
}

TEST_CASE("interstitials are added at the given places, wrapped into the cell", "[unit][defects]") {
  System s = ab_graphite(3, 2);
  const AtomId next = s.next_id();
  const double lx = s.cell().vector(0).norm();
  const std::vector<Vec3> places{Vec3(1.0, 0.5, kSpacing), Vec3(lx + 1.0, 0.5, 0.1)};
  const auto records = make_interstitials(s, 3, places);
  REQUIRE(records.size() == 2);
  CHECK(records[0].added == std::vector<AtomRef>{{next, 3}});
  CHECK(records[1].added == std::vector<AtomRef>{{next + 1, 3}});
  CHECK((position_of(s, next) - places[0]).norm() < 1e-12);
  CHECK((position_of(s, next + 1) - Vec3(1.0, 0.5, 0.1)).norm() < 1e-9);
  CHECK((records[1].position - Vec3(1.0, 0.5, 0.1)).norm() < 1e-9);
}

TEST_CASE("an unknown or repeated id changes nothing", "[unit][defects]") {
  System s = layered_oxide(2);
  const SystemSnapshot before(s);
  const std::vector<std::vector<AtomId>> unknown{{0}, {9999}};
  CHECK_THROWS_AS(make_vacancies(s, unknown, DefectType::vacancy), InputError);
  const std::vector<std::vector<AtomId>> repeated{{1}, {1}};
  CHECK_THROWS_AS(make_vacancies(s, repeated, DefectType::vacancy), InputError);
  const std::vector<AtomId> subst{2, 12345};
  CHECK_THROWS_AS(make_substitutions(s, subst, 13), InputError);
  const std::vector<std::array<AtomId, 2>> same_element{{2, 6}};  // two O atoms
  REQUIRE(s.atomic_numbers()[2] == s.atomic_numbers()[6]);
  CHECK_THROWS_AS(make_antisites(s, same_element), InputError);
  const std::vector<std::array<AtomId, 2>> bonds{{0, 0}};
  CHECK_THROWS_AS(make_stone_wales(s, bonds, Vec3(0, 0, 1)), InputError);
  CHECK(SystemSnapshot(s) == before);
}

TEST_CASE("periodic centre of atoms across the cell boundary", "[unit][defects]") {
  const auto cell = ioncycle::core::Cell::orthorhombic(10, 10, 10);
  const std::vector<Vec3> points{Vec3(9.5, 5, 5), Vec3(0.5, 5, 5)};
  CHECK((periodic_centre(cell, points) - Vec3(0, 5, 5)).norm() < 1e-12);
}
