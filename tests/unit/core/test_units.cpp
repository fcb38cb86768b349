// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"

using ioncycle::InputError;
using ioncycle::units::Dimension;
using ioncycle::units::format_quantity;
using ioncycle::units::parse_quantity;

namespace {

// Reference values computed independently of units.cpp, from the SI definitions (exact e and N_A
// of the 2019 SI) with exact rational arithmetic, then rounded to double:
//   1 bar  = 1e5 Pa / (1.602176634e-19 J / 1e-30 m^3)      = 6.241509074460762e-07 eV/Å³
//   1 atm  = 101325 Pa / 1.602176634e11 Pa per eV/Å³       = 6.324209069697368e-07 eV/Å³
//   1 kJ/mol = 1e3 J / (6.02214076e23 · 1.602176634e-19 C) = 0.010364269656262174 eV
//   1 kcal/mol = 4.184 kJ/mol                              = 0.043364104241800934 eV
//   1 nN = 1e-9 J/m = 0.6241509074460763 eV/Å
constexpr double bar_ref = 6.241509074460762e-07;
constexpr double atm_ref = 6.324209069697368e-07;
constexpr double pa_ref = bar_ref * 1e-5;
constexpr double kj_mol_ref = 0.010364269656262174;
constexpr double kcal_mol_ref = 0.043364104241800934;
constexpr double nano_newton_ref = 0.6241509074460763;
constexpr double bohr_codata2018 = 0.529177210903;      // Å
constexpr double hartree_codata2018 = 27.211386245988;  // eV

struct Case {
  const char* text;
  Dimension dim;
  double expected;
};

InputError parse_error(const std::string& text, Dimension dim) {
  try {
    (void)parse_quantity(text, dim);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError for \"" << text << "\"");
  return InputError("unreachable");
}

}  // namespace

TEST_CASE("quantities convert to internal units (Å, fs, eV, amu, K, V, eV/Å³)", "[unit][units]") {
  const std::vector<Case> cases{
      // time -> fs
      {"1 fs", Dimension::time, 1.0},
      {"2.5 ps", Dimension::time, 2500.0},
      {"1ns", Dimension::time, 1.0e6},
      {"2.5e3 fs", Dimension::time, 2500.0},
      {"2.5E-3 ns", Dimension::time, 2500.0},
      {"  20 ps ", Dimension::time, 20000.0},
      {"1 us", Dimension::time, 1.0e9},
      {"1 \xC2\xB5s", Dimension::time, 1.0e9},
      // temperature -> K
      {"300 K", Dimension::temperature, 300.0},
      {"-3 K", Dimension::temperature, -3.0},  // sign checks belong to the caller
      // pressure -> eV/Å³
      {"1 bar", Dimension::pressure, bar_ref},
      {"1 kbar", Dimension::pressure, 1e3 * bar_ref},
      {"1 atm", Dimension::pressure, atm_ref},
      {"1 Pa", Dimension::pressure, pa_ref},
      {"1 MPa", Dimension::pressure, 1e6 * pa_ref},
      {"1 GPa", Dimension::pressure, 1e9 * pa_ref},
      {"160.2176634 GPa", Dimension::pressure, 1.0},
      {"1 eV/A^3", Dimension::pressure, 1.0},
      {"1 eV/\xC3\x85\xC2\xB3", Dimension::pressure, 1.0},  // eV/Å³
      {"1 eV / A^3", Dimension::pressure, 1.0},
      // voltage -> V
      {"0.1 V", Dimension::voltage, 0.1},
      {"100 mV", Dimension::voltage, 0.1},
      // length -> Å
      {"6 A", Dimension::length, 6.0},
      {"6 \xC3\x85", Dimension::length, 6.0},      // Å U+00C5
      {"6 \xE2\x84\xAB", Dimension::length, 6.0},  // Å U+212B ANGSTROM SIGN
      {"6\xC2\xA0" "A", Dimension::length, 6.0},  // U+00A0 NO-BREAK SPACE, as word processors write it
      {"6\xE2\x80\xAF" "A", Dimension::length, 6.0},  // U+202F NARROW NO-BREAK SPACE
      {"300 \xE2\x84\xAA", Dimension::temperature, 300.0},  // U+212A KELVIN SIGN
      {"6 Ang", Dimension::length, 6.0},
      {"6 angstrom", Dimension::length, 6.0},
      {"0.6 nm", Dimension::length, 6.0},
      {"600 pm", Dimension::length, 6.0},
      {"1 bohr", Dimension::length, bohr_codata2018},
      // energy -> eV
      {"1 eV", Dimension::energy, 1.0},
      {"1eV", Dimension::energy, 1.0},  // the 'e' of eV is not an exponent
      {"10 meV", Dimension::energy, 0.01},
      {"1 hartree", Dimension::energy, hartree_codata2018},
      {"1 Ha", Dimension::energy, hartree_codata2018},
      {"1 Ry", Dimension::energy, hartree_codata2018 / 2},
      {"1 kJ/mol", Dimension::energy, kj_mol_ref},
      {"1 kJ / mol", Dimension::energy, kj_mol_ref},
      {"1 kcal/mol", Dimension::energy, kcal_mol_ref},
      // mass -> amu
      {"12 amu", Dimension::mass, 12.0},
      {"12 u", Dimension::mass, 12.0},
      {"12 g/mol", Dimension::mass, 12.0},
      {"12 Da", Dimension::mass, 12.0},
      // force -> eV/Å
      {"1 eV/A", Dimension::force, 1.0},
      {"1 eV/\xC3\x85", Dimension::force, 1.0},
      {"1 nN", Dimension::force, nano_newton_ref},
      {"1 Ha/bohr", Dimension::force, hartree_codata2018 / bohr_codata2018},
      {"1 kcal/mol/A", Dimension::force, kcal_mol_ref},
      // velocity -> Å/fs
      {"0.01 A/fs", Dimension::velocity, 0.01},
      {"1 km/s", Dimension::velocity, 0.01},
      {"1 m/s", Dimension::velocity, 1e-5},
      {"1 nm/ps", Dimension::velocity, 0.01},
      // ion rate -> ions/fs
      {"1 ion / 2 ps", Dimension::ion_rate, 1.0 / 2000.0},
      {"1 ions/ps", Dimension::ion_rate, 1.0e-3},
      {"3 ion / 10 ps", Dimension::ion_rate, 3.0e-4},
      {"0.5 ion/fs", Dimension::ion_rate, 0.5},
      {"2 ions per ns", Dimension::ion_rate, 2.0e-6},
      {"-1 ion / 2 ps", Dimension::ion_rate, -1.0 / 2000.0},
      // plain numbers
      {"0.5", Dimension::dimensionless, 0.5},
      {"-2e3", Dimension::dimensionless, -2000.0},
  };
  for (const auto& c : cases) {
    INFO("\"" << c.text << "\" as " << ioncycle::units::dimension_name(c.dim));
    CHECK(parse_quantity(c.text, c.dim) == Approx(c.expected).epsilon(1e-12));
  }
}

TEST_CASE("unit constants agree with each other and with textbook values", "[unit][units]") {
  using namespace ioncycle::units;
  // k_B T at 300 K is 25.852 meV.
  CHECK(boltzmann * 300.0 == Approx(0.025851999786).epsilon(1e-10));
  // 1 amu Å²/fs² = 1e-3 kg/mol · 1e10 m²/s² = 1e4 kJ/mol (up to M_u = 0.99999999965 g/mol).
  CHECK(amu_A2_per_fs2_in_eV == Approx(parse_quantity("1e4 kJ/mol", Dimension::energy)).epsilon(1e-9));
  // A lithium atom at 1 km/s carries ½ m v² = 0.5 · 6.94e-3 kg/mol · 1e6 m²/s² = 3470 J/mol.
  const double v = parse_quantity("1 km/s", Dimension::velocity);
  CHECK(0.5 * 6.94 * v * v * amu_A2_per_fs2_in_eV ==
        Approx(parse_quantity("3.47 kJ/mol", Dimension::energy)).epsilon(1e-9));
  // 1 atm = 1.01325 bar exactly.
  CHECK(parse_quantity("1 atm", Dimension::pressure) / parse_quantity("1 bar", Dimension::pressure) ==
        Approx(1.01325).epsilon(1e-14));
}

TEST_CASE("every example() parses as its own dimension", "[unit][units]") {
  for (const auto dim : {Dimension::dimensionless, Dimension::length, Dimension::time, Dimension::energy,
                         Dimension::mass, Dimension::temperature, Dimension::pressure, Dimension::voltage,
                         Dimension::force, Dimension::velocity, Dimension::ion_rate}) {
    std::string ex(ioncycle::units::example(dim));
    if (ex.size() >= 2 && ex.front() == '"') ex = ex.substr(1, ex.size() - 2);
    INFO(ex);
    CHECK_NOTHROW((void)parse_quantity(ex, dim));
    CHECK_FALSE(ioncycle::units::dimension_name(dim).empty());
    if (dim != Dimension::dimensionless) CHECK_FALSE(ioncycle::units::accepted_units(dim).empty());
  }
  CHECK(ioncycle::units::internal_unit(Dimension::time) == "fs");
  CHECK(ioncycle::units::internal_unit(Dimension::ion_rate) == "ion/fs");
}

TEST_CASE("bad quantities name the text and show an example", "[unit][units]") {
  SECTION("unknown unit, with the nearest unit suggested") {
    const auto e = parse_error("1 fss", Dimension::time);
    CHECK_THAT(e.message(), Catch::Contains("\"1 fss\"") && Catch::Contains("time") &&
                                Catch::Contains("did you mean 'fs'?"));
    CHECK_THAT(e.hint(), Catch::Contains("\"1 fs\"") && Catch::Contains("ps") && Catch::Contains("ns"));
    CHECK_FALSE(e.where().known());
  }
  SECTION("wrong case is not guessed (meV vs MeV), but suggested") {
    const auto e = parse_error("1 EV", Dimension::energy);
    CHECK_THAT(e.message(), Catch::Contains("\"1 EV\"") && Catch::Contains("did you mean 'eV'?"));
  }
  SECTION("bare number where a temperature is needed") {
    const auto e = parse_error("300", Dimension::temperature);
    CHECK_THAT(e.message(), Catch::Contains("\"300\"") && Catch::Contains("temperature"));
    CHECK_THAT(e.hint(), Catch::Contains("\"300 K\""));
  }
  SECTION("a time where a temperature is needed") {
    const auto e = parse_error("1 fs", Dimension::temperature);
    CHECK_THAT(e.message(),
               Catch::Contains("\"1 fs\"") && Catch::Contains("a time") && Catch::Contains("temperature"));
    CHECK_THAT(e.hint(), Catch::Contains("\"300 K\""));
  }
  SECTION("a temperature where an ion rate is needed") {
    const auto e = parse_error("300 K", Dimension::ion_rate);
    CHECK_THAT(e.message(), Catch::Contains("\"300 K\"") && Catch::Contains("ion rate"));
    CHECK_THAT(e.hint(), Catch::Contains("\"1 ion / 2 ps\""));
  }
  SECTION("empty text") {
    const auto e = parse_error("", Dimension::length);
    CHECK_THAT(e.message(), Catch::Contains("\"\"") && Catch::Contains("length"));
    CHECK_THAT(e.hint(), Catch::Contains("\"6 A\""));
    CHECK_THAT(parse_error("   ", Dimension::length).message(), Catch::Contains("\"   \""));
  }
  SECTION("text that is not a number") {
    const auto e = parse_error("abc K", Dimension::temperature);
    CHECK_THAT(e.message(), Catch::Contains("\"abc K\"") && Catch::Contains("temperature"));
    CHECK_THAT(e.hint(), Catch::Contains("\"300 K\""));
    for (const char* bad : {"nan K", "inf K", "K", "1e999 K", ". K"}) {
      INFO(bad);
      CHECK_THAT(parse_error(bad, Dimension::temperature).message(), Catch::Contains(bad));
    }
  }
  SECTION("Celsius is refused with a pointer to kelvin") {
    for (const char* celsius : {"25 C", "25 °C", "25 degC"}) {
      const auto e = parse_error(celsius, Dimension::temperature);
      CHECK_THAT(e.message(), Catch::Contains(celsius) && Catch::Contains("kelvin"));
      CHECK_THAT(e.hint(), Catch::Contains("273.15") && Catch::Contains("\"300 K\""));
    }
  }
  SECTION("ion rates") {
    CHECK_THAT(parse_error("1 ion / 0 ps", Dimension::ion_rate).message(), Catch::Contains("zero"));
    CHECK_THAT(parse_error("1 ion / 2 pss", Dimension::ion_rate).message(),
               Catch::Contains("\"1 ion / 2 pss\"") && Catch::Contains("did you mean 'ps'?"));
    CHECK_THAT(parse_error("1 ion / 2 K", Dimension::ion_rate).message(), Catch::Contains("'K'"));
    // An ion rate is not a time and not a plain number.
    CHECK_THAT(parse_error("1 ion / 2 ps", Dimension::time).message(), Catch::Contains("ion rate"));
  }
  SECTION("a unit where a plain number is needed") {
    CHECK_THAT(parse_error("3 fs", Dimension::dimensionless).message(), Catch::Contains("\"3 fs\""));
    CHECK_THAT(parse_error("3 furlongs", Dimension::dimensionless).message(),
               Catch::Contains("plain number"));
  }
}

TEST_CASE("format_quantity picks a readable unit and round-trips exactly", "[unit][units]") {
  using ioncycle::units::bar;
  using ioncycle::units::GPa;
  CHECK(format_quantity(2000.0, Dimension::time) == "2 ps");
  CHECK(format_quantity(0.5, Dimension::time) == "0.5 fs");
  CHECK(format_quantity(2.5e6, Dimension::time) == "2.5 ns");
  CHECK(format_quantity(300.0, Dimension::temperature) == "300 K");
  CHECK(format_quantity(bar, Dimension::pressure) == "1 bar");
  CHECK(format_quantity(5.0 * GPa, Dimension::pressure) == "5 GPa");
  CHECK(format_quantity(6.0, Dimension::length) == "6 A");
  CHECK(format_quantity(1.0 / 2000.0, Dimension::ion_rate) == "0.5 ion/ps");

  const std::vector<double> values{0.0,    0.1,     1.0 / 3.0, 2000.0, 1e-7,   123456.789,
                                   -5.0,   2.5e6,   1e12,      7e-3,   -0.3,   6.241509074460762e-07,
                                   999.99, 1000.01, 3.14159,   1e-300, 4.2e-5, 17.0};
  for (const auto dim : {Dimension::dimensionless, Dimension::length, Dimension::time, Dimension::energy,
                         Dimension::mass, Dimension::temperature, Dimension::pressure, Dimension::voltage,
                         Dimension::force, Dimension::velocity, Dimension::ion_rate}) {
    for (const double x : values) {
      const std::string text = format_quantity(x, dim);
      INFO(text << " for " << x << " (" << ioncycle::units::dimension_name(dim) << ")");
      CHECK(parse_quantity(text, dim) == x);
    }
  }
}

TEST_CASE("inverse lengths (the Morse alpha) convert to 1/Å", "[unit][units]") {
  CHECK(parse_quantity("1.5 1/A", Dimension::inverse_length) == 1.5);
  CHECK(parse_quantity("1.5 /A", Dimension::inverse_length) == 1.5);
  CHECK(parse_quantity("2 A^-1", Dimension::inverse_length) == 2.0);
  // 1/nm is a tenth of 1/Å; 1/bohr is 1/0.529177210903 Å⁻¹ (CODATA 2018).
  CHECK(parse_quantity("10 1/nm", Dimension::inverse_length) == Approx(1.0).epsilon(1e-15));
  CHECK(parse_quantity("1 1/bohr", Dimension::inverse_length) == Approx(1.0 / 0.529177210903).epsilon(1e-15));
  CHECK_THROWS_WITH(parse_quantity("1.5", Dimension::inverse_length), Catch::Contains("1.5 1/A"));
  CHECK_THROWS_AS(parse_quantity("1.5 A", Dimension::inverse_length), InputError);
  const double x = parse_quantity(format_quantity(0.75, Dimension::inverse_length), Dimension::inverse_length);
  CHECK(x == 0.75);
}
