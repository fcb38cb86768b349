// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/strings.hpp"

using namespace ioncycle::core;

TEST_CASE("trim and split_whitespace drop every kind of blank", "[unit][strings]") {
  CHECK(trim("  a b \t\r\n") == "a b");
  CHECK(trim("") == "");
  CHECK(trim(" \t ") == "");
  CHECK(trim("x") == "x");

  const auto tokens = split_whitespace("  Li  0.0\t1.5 \n -2e3  ");
  REQUIRE(tokens.size() == 4);
  CHECK(tokens[0] == "Li");
  CHECK(tokens[1] == "0.0");
  CHECK(tokens[2] == "1.5");
  CHECK(tokens[3] == "-2e3");
  CHECK(split_whitespace("   ").empty());
  CHECK(split_whitespace("").empty());
}

TEST_CASE("to_lower and iequals compare ASCII case-insensitively", "[unit][strings]") {
  CHECK(to_lower("LiCoO2") == "licoo2");
  CHECK(iequals("Langevin", "lANGEVIN"));
  CHECK_FALSE(iequals("Langevin", "Langevi"));
  CHECK_FALSE(iequals("ab", "ac"));
}

TEST_CASE("parse_double accepts whole finite numbers only", "[unit][strings]") {
  CHECK(parse_double("1.5") == 1.5);
  CHECK(parse_double("-2.5e3") == -2500.0);
  CHECK(parse_double("+4") == 4.0);
  CHECK(parse_double(".5") == 0.5);
  CHECK(parse_double("1E-2") == 0.01);
  // Fortran double-precision exponents, as in old POSCAR/LAMMPS files.
  CHECK(parse_double("1.0D+03") == 1000.0);
  CHECK(parse_double("2.5d-1") == 0.25);
  // Underflow is a legitimate (tiny or zero) value, not an error.
  const auto tiny = parse_double("1e-400");
  REQUIRE(tiny);
  CHECK(*tiny == 0.0);

  for (const char* bad :
       {"", " 1", "1 ", "1.0x", "x", "nan", "inf", "-inf", "1e400", "+", "--1", "+-1", "1,5", "0x10"}) {
    INFO("text: '" << bad << "'");
    CHECK_FALSE(parse_double(bad).has_value());
  }
}

TEST_CASE("parse_integer accepts whole integers only", "[unit][strings]") {
  CHECK(parse_integer("42") == 42);
  CHECK(parse_integer("-7") == -7);
  CHECK(parse_integer("+7") == 7);
  CHECK(parse_integer("9223372036854775807") == std::numeric_limits<long long>::max());
  for (const char* bad : {"", "1.0", "1e3", "12a", " 1", "9223372036854775808", "x"}) {
    INFO("text: '" << bad << "'");
    CHECK_FALSE(parse_integer(bad).has_value());
  }
}

TEST_CASE("edit_distance is the Levenshtein distance", "[unit][strings]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);  // the textbook example
  CHECK(edit_distance("flaw", "lawn") == 2);
  CHECK(edit_distance("timestep", "timestep") == 0);
  CHECK(edit_distance("timestep", "timstep") == 1);  // deletion
  CHECK(edit_distance("Li", "LI") == 1);             // case-sensitive substitution
  // Symmetric.
  CHECK(edit_distance("min_distanse", "min_distance") == edit_distance("min_distance", "min_distanse"));
}

TEST_CASE("nearest suggests plausible typos and nothing else", "[unit][strings]") {
  const std::vector<std::string> keys{"timestep", "temperature", "thermostat", "barostat"};
  CHECK(nearest("timestpe", keys) == "timestep");
  CHECK(nearest("temprature", keys) == "temperature");
  CHECK(nearest("TIMESTEP", keys) == "timestep");  // case-only difference always matches
  CHECK_FALSE(nearest("seed", keys).has_value());
  CHECK_FALSE(nearest("x", std::vector<std::string>{}).has_value());

  CHECK(did_you_mean("barostatt", keys) == "did you mean 'barostat'?");
  CHECK(did_you_mean("completely_else", keys).empty());
}

TEST_CASE("format_double is the shortest text that reads back exactly", "[unit][strings]") {
  CHECK(format_double(0.1) == "0.1");
  CHECK(format_double(1e-10) == "1e-10");
  CHECK(format_double(2.0) == "2");
  CHECK(format_double(-1.5) == "-1.5");
  CHECK(format_double(1e6) == "1e6");
  for (const double x : {0.1, 1.0 / 3.0, 6.02214076e23, -1.602176634e-19, 123456.789, 5e-324,
                         std::numeric_limits<double>::max(), 0.0}) {
    const std::string text = format_double(x);
    INFO(text);
    const auto back = parse_double(text);
    REQUIRE(back);
    CHECK(*back == x);
  }
}
