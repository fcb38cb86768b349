// SPDX-License-Identifier: MIT
//
// Capacity formulas counted on small hosts whose atoms are counted by hand.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>

#include "core/error.hpp"
#include "core/system.hpp"
#include "cycling/capacity.hpp"

namespace {

using ioncycle::InputError;
using ioncycle::core::System;
using ioncycle::cycling::capacity_ions;

constexpr int kLi = 3;
constexpr int kNa = 11;

/// A host with the given number of atoms per atomic number (positions do not matter here).
System host(const std::map<int, int>& counts) {
  System s;
  double x = 0.0;
  for (const auto& [z, n] : counts) {
    for (int i = 0; i < n; ++i) {
      ioncycle::core::AtomSpec a;
      a.z = z;
      a.position = {x, 0.0, 0.0};
      x += 1.0;
      (void)s.add_atom(a);
    }
  }
  return s;
}

std::string error_of(std::string_view text, const System& h, int ion_z) {
  try {
    (void)capacity_ions(text, h, ion_z);
  } catch (const InputError& e) {
    CHECK_FALSE(e.where().known());  // the caller places it at the value
    return e.message();
  }
  FAIL("no error for capacity \"" << text << "\"");
  return {};
}

}  // namespace

TEST_CASE("graphite capacities count carbon atoms per formula unit", "[unit][cycling][capacity]") {
  const System graphite = host({{6, 48}});  // 48 C: LiC6 holds 8 Li, LiC12 4, NaC8 6
  CHECK(capacity_ions("LiC6", graphite, kLi) == Approx(8.0));
  CHECK(capacity_ions("LiC12", graphite, kLi) == Approx(4.0));
  CHECK(capacity_ions("Li2C12", graphite, kLi) == Approx(8.0));
  CHECK(capacity_ions("NaC8", graphite, kNa) == Approx(6.0));
  CHECK(capacity_ions(" LiC6 ", graphite, kLi) == Approx(8.0));  // surrounding blanks are harmless

  SECTION("ions already in the host are not host atoms") {
    const System lithiated = host({{6, 48}, {kLi, 5}});
    CHECK(capacity_ions("LiC6", lithiated, kLi) == Approx(8.0));
  }
  SECTION("hydrogen-terminated edges do not count as metals or carbon") {
    const System edged = host({{6, 36}, {1, 6}});
    CHECK(capacity_ions("LiC6", edged, kLi) == Approx(6.0));
  }
}

TEST_CASE("layered oxide capacities count the metals", "[unit][cycling][capacity]") {
  const System lco = host({{kLi, 12}, {27, 12}, {8, 24}});  // Li12Co12O24
  CHECK(capacity_ions("LiCoO2", lco, kLi) == Approx(12.0));
  CHECK(capacity_ions("LiMO2", lco, kLi) == Approx(12.0));

  // NMC811 in a cell of 10 formula units: 8 Ni, 1 Mn, 1 Co, 20 O.
  const System nmc = host({{28, 8}, {25, 1}, {27, 1}, {8, 20}});
  CHECK(capacity_ions("LiNi0.8Mn0.1Co0.1O2", nmc, kLi) == Approx(10.0));
  CHECK(capacity_ions("LiMO2", nmc, kLi) == Approx(10.0));

  // A sodium layered oxide with Na already partly removed: Na0.5 host, NaMnO2 still counts Mn.
  const System nmo = host({{kNa, 3}, {25, 6}, {8, 12}});
  CHECK(capacity_ions("NaMnO2", nmo, kNa) == Approx(6.0));
  CHECK(capacity_ions("NaMO2", nmo, kNa) == Approx(6.0));

  // Several ions per formula unit: Li2MnO3 holds two Li per Mn.
  const System lmo = host({{25, 4}, {8, 12}});
  CHECK(capacity_ions("Li2MnO3", lmo, kLi) == Approx(8.0));
}

TEST_CASE("a number capacity is that many ions", "[unit][cycling][capacity]") {
  CHECK(capacity_ions(24.0) == 24.0);
  CHECK(capacity_ions(2.5) == 2.5);
  CHECK_THROWS_AS(capacity_ions(0.0), InputError);
  CHECK_THROWS_AS(capacity_ions(-3.0), InputError);
  CHECK_THROWS_AS(capacity_ions(std::numeric_limits<double>::quiet_NaN()), InputError);
  CHECK_THROWS_AS(capacity_ions(std::numeric_limits<double>::infinity()), InputError);
}

TEST_CASE("capacity formulas that do not fit the host or do not parse are errors", "[unit][cycling][capacity]") {
  const System graphite = host({{6, 24}});
  const System lco = host({{27, 4}, {8, 8}});
  using Catch::Contains;
  CHECK_THAT(error_of("LiC6", lco, kLi), Contains("counts C atoms, but the host has none") && Contains("O, Co"));
  CHECK_THAT(error_of("LiCoO2", graphite, kLi), Contains("counts Co atoms"));
  CHECK_THAT(error_of("LiMO2", graphite, kLi), Contains("M stands for the host's metals"));
  CHECK_THAT(error_of("NaC6", graphite, kLi), Contains("must start with the ion Li"));
  CHECK_THAT(error_of("C6", graphite, kLi), Contains("must start with the ion Li"));
  CHECK_THAT(error_of("lic6", graphite, kLi), Contains("unexpected 'l' at character 1"));
  CHECK_THAT(error_of("Li C6", graphite, kLi), Contains("unexpected ' ' at character 3"));
  CHECK_THAT(error_of("LiXy6", graphite, kLi), Contains("'Xy' is not an element"));
  CHECK_THAT(error_of("Li", graphite, kLi), Contains("names no host atoms"));
  CHECK_THAT(error_of("", graphite, kLi), Contains("is empty"));
  CHECK_THAT(error_of("LiC0", graphite, kLi), Contains("count '0' of C must be a positive number"));
  CHECK_THAT(error_of("LiC6.2.1", graphite, kLi), Contains("count '6.2.1'"));
  CHECK_THAT(error_of("LiC6Li", graphite, kLi), Contains("names the ion Li twice"));
  CHECK_THAT(error_of("LiCoCoO2", lco, kLi), Contains("names Co twice"));
  CHECK_THAT(error_of("LiO2", lco, kLi), Contains("no host atom before its anions"));
  CHECK_THAT(error_of("LiMCoO2", lco, kLi), Contains("combines M with named elements"));
}
