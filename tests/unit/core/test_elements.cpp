// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "core/elements.hpp"
#include "core/error.hpp"

using namespace ioncycle::core;

namespace {

struct Expected {
  int z;
  const char* symbol;
  const char* name;
  double mass;
};

}  // namespace

TEST_CASE("elements of battery materials have their IUPAC symbols, numbers and masses", "[unit][elements]") {
  // Values from the IUPAC/CIAAW 2021 table of standard atomic weights (conventional values for
  // H, Li, C, O, which have intervals); Pu and Og carry the mass number of their longest-lived
  // isotope (244Pu, 294Og).
  const std::vector<Expected> sample{
      {1, "H", "hydrogen", 1.008},         {3, "Li", "lithium", 6.94},
      {6, "C", "carbon", 12.011},          {8, "O", "oxygen", 15.999},
      {11, "Na", "sodium", 22.98976928},   {15, "P", "phosphorus", 30.973761998},
      {25, "Mn", "manganese", 54.938043},  {26, "Fe", "iron", 55.845},
      {27, "Co", "cobalt", 58.933194},     {28, "Ni", "nickel", 58.6934},
      {13, "Al", "aluminium", 26.9815384}, {55, "Cs", "caesium", 132.90545196},
      {94, "Pu", "plutonium", 244.0},      {118, "Og", "oganesson", 294.0},
  };
  for (const auto& e : sample) {
    INFO(e.symbol);
    CHECK(atomic_number(e.symbol) == e.z);
    CHECK(find_atomic_number(e.symbol) == e.z);
    CHECK(symbol(e.z) == e.symbol);
    CHECK(element(e.z).name == e.name);
    CHECK(element(e.z).z == e.z);
    CHECK(standard_mass(e.z) == Approx(e.mass).epsilon(1e-12));
  }
}

TEST_CASE("the periodic table is complete and self-consistent", "[unit][elements]") {
  REQUIRE(max_atomic_number() == 118);
  std::set<std::string> symbols;
  std::set<std::string> names;
  std::vector<int> inversions;
  for (int z = 1; z <= max_atomic_number(); ++z) {
    const Element& e = element(z);
    INFO("Z = " << z << " " << e.symbol);
    CHECK(e.z == z);
    // One capital letter and at most one lower-case letter (no placeholder names since 2016).
    REQUIRE((e.symbol.size() == 1 || e.symbol.size() == 2));
    CHECK(std::isupper(static_cast<unsigned char>(e.symbol[0])));
    if (e.symbol.size() == 2) CHECK(std::islower(static_cast<unsigned char>(e.symbol[1])));
    CHECK(find_atomic_number(e.symbol) == z);
    symbols.emplace(e.symbol);
    names.emplace(e.name);
    CHECK_FALSE(e.name.empty());
    // Nuclei hold at least as many neutrons as protons (except 1H) and at most ~1.6 times as many:
    // the atomic weight lies between Z and 2.6 Z.
    CHECK(e.mass >= static_cast<double>(z));
    CHECK(e.mass <= 2.6 * z);
    if (z > 1 && element(z - 1).mass > e.mass) inversions.push_back(z - 1);
  }
  CHECK(symbols.size() == 118);
  CHECK(names.size() == 118);
  // Where the atomic weight decreases with Z: the classic pairs Ar-K, Co-Ni, Te-I, Th-Pa, then
  // U (238.03) - Np [237], Pu [244] - Am [243] and Bh [270] - Hs [269]. A typing slip in the table
  // would show up as an extra or a missing pair.
  CHECK(inversions == std::vector<int>{18, 27, 52, 90, 92, 94, 107});
}

TEST_CASE("unknown symbols and atomic numbers are input errors", "[unit][elements]") {
  CHECK_FALSE(find_atomic_number("LI").has_value());  // symbols are case-sensitive
  CHECK_FALSE(find_atomic_number("").has_value());
  CHECK_FALSE(find_atomic_number("Xx").has_value());

  try {
    (void)atomic_number("LI");
    FAIL("'LI' accepted");
  } catch (const ioncycle::InputError& e) {
    CHECK_THAT(e.message(), Catch::Contains("'LI'") && Catch::Contains("did you mean 'Li'?"));
    CHECK_THAT(e.hint(), Catch::Contains("case-sensitive"));
  }
  try {
    (void)atomic_number("Lithium");
    FAIL("'Lithium' accepted");
  } catch (const ioncycle::InputError& e) {
    CHECK_THAT(e.message(), Catch::Contains("'Lithium'"));
  }
  CHECK_THROWS_AS(element(0), ioncycle::InputError);
  CHECK_THROWS_AS(element(119), ioncycle::InputError);
  CHECK_THROWS_WITH(standard_mass(-1), Catch::Contains("-1"));
}
