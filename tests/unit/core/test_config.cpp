// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "testing.hpp"

using ioncycle::InputError;
using ioncycle::core::ConfigTable;
using ioncycle::core::Sign;
using ioncycle::units::Dimension;

namespace {

ConfigTable parse(const std::string& text) { return ConfigTable::parse_string(text, "test.toml"); }

/// The InputError thrown by `f`; fails the test when none is thrown.
InputError error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e;
  }
  FAIL("expected an InputError");
  return InputError("unreachable");
}

/// First line of what(): "file:line:col: error: message".
std::string headline(const InputError& e) {
  const std::string what = e.what();
  return what.substr(0, what.find('\n'));
}

}  // namespace

TEST_CASE("a valid protocol parses to internal units", "[unit][config]") {
  const auto root = parse(R"(# a comment
[run]
name = "graphite-3-cycles"
seed = 7

[structure]
repeat = [6, 6]
layers = 4
vacuum = false

[md]
timestep = "0.5 fs"
temperature = "300 K"
thermostat = { type = "langevin", damping = "100 fs" }
barostat = { pressure = "1 bar", damping = "1 ps" }

[protocol]
cycles = 3

[[protocol.step]]
type = "intercalate"
rate = "1 ion / 2 ps"
until = { soc = 1.0 }

[[protocol.step]]
type = "rest"
duration = "20 ps"

[output]
species = ["Li", "C"]
)");
  CHECK(root.path().empty());
  CHECK(root.source_name() == "test.toml");
  CHECK(root.keys() == std::vector<std::string>{"run", "structure", "md", "protocol", "output"});

  const auto run = root.require_table("run");
  CHECK(run.path() == "run");
  CHECK(run.require_string("name") == "graphite-3-cycles");
  CHECK(run.require_integer("seed", Sign::non_negative) == 7);
  CHECK(run.number_or("seed", 0.0) == 7.0);  // an integer is also a number
  CHECK_NOTHROW(run.reject_unknown_keys());

  const auto structure = root.require_table("structure");
  CHECK(structure.require_integer_array("repeat", 2) == std::vector<std::int64_t>{6, 6});
  CHECK(structure.require_number_array("repeat") == std::vector<double>{6.0, 6.0});
  CHECK(structure.require_integer("layers", Sign::positive) == 4);
  CHECK_FALSE(structure.require_bool("vacuum"));
  CHECK(structure.bool_or("periodic", true));
  CHECK_NOTHROW(structure.reject_unknown_keys());

  const auto md = root.require_table("md");
  CHECK(md.require_quantity("timestep", Dimension::time, Sign::positive) == 0.5);
  CHECK(md.require_quantity("temperature", Dimension::temperature) == 300.0);
  CHECK(md.quantity_or("cutoff", Dimension::length, "6 A") == 6.0);  // absent: the default
  CHECK_FALSE(md.optional_quantity("pressure", Dimension::pressure).has_value());
  const auto thermostat = md.require_table("thermostat");
  CHECK(thermostat.path() == "md.thermostat");
  CHECK(thermostat.require_choice("type", {"langevin", "nose_hoover"}) == "langevin");
  CHECK(thermostat.require_quantity("damping", Dimension::time) == 100.0);
  CHECK_NOTHROW(thermostat.reject_unknown_keys());
  const auto barostat = md.optional_table("barostat");
  REQUIRE(barostat);
  // 1 bar = 1e5 Pa = 1e5 / 1.602176634e11 eV/Å³.
  CHECK(barostat->require_quantity("pressure", Dimension::pressure) ==
        Approx(1e5 / 1.602176634e11).epsilon(1e-12));
  CHECK(barostat->require_quantity("damping", Dimension::time) == 1000.0);
  CHECK(barostat->choice_or("couple", {"xyz", "xy", "none"}, "xyz") == "xyz");
  CHECK_NOTHROW(barostat->reject_unknown_keys());
  CHECK_FALSE(md.optional_table("minimizer").has_value());
  CHECK_NOTHROW(md.reject_unknown_keys());

  const auto protocol = root.require_table("protocol");
  CHECK(protocol.integer_or("cycles", 1) == 3);
  const auto steps = protocol.table_array("step");
  REQUIRE(steps.size() == 2);
  CHECK(steps[0].path() == "protocol.step[1]");
  CHECK(steps[1].path() == "protocol.step[2]");
  CHECK(steps[0].require_string("type") == "intercalate");
  CHECK(steps[0].require_quantity("rate", Dimension::ion_rate, Sign::positive) == Approx(1.0 / 2000.0));
  CHECK(steps[0].require_table("until").require_number("soc") == 1.0);
  CHECK(steps[0].require_table("until").path() == "protocol.step[1].until");
  CHECK(steps[1].require_string("type") == "rest");
  CHECK(steps[1].require_quantity("duration", Dimension::time) == 20000.0);
  CHECK(steps[0].location().line == 20);
  CHECK(steps[1].location().line == 25);
  CHECK(protocol.table_array("absent").empty());
  CHECK_NOTHROW(protocol.reject_unknown_keys());

  const auto output = root.require_table("output");
  CHECK(output.require_string_array("species") == std::vector<std::string>{"Li", "C"});
  CHECK(output.string_or("format", "h5md") == "h5md");
  CHECK_NOTHROW(output.reject_unknown_keys());
  CHECK_NOTHROW(root.reject_unknown_keys());
}

TEST_CASE("locations point at the value, key and table", "[unit][config]") {
  const auto root = parse("[md]\ntimestep = \"1 fs\"\n  temperature   = \"300 K\"\n");
  const auto md = root.require_table("md");
  CHECK(md.location().str() == "test.toml:1:1");
  CHECK(md.location_of("timestep").str() == "test.toml:2:12");
  CHECK(md.location_of("temperature").str() == "test.toml:3:19");
  CHECK(md.location_of("absent").str() == "test.toml:1:1");  // falls back to the table
  CHECK(headline(md.error_at("timestep", "'timestep' is too long for this potential")) ==
        "test.toml:2:12: error: 'timestep' is too long for this potential");
  // location_of does not make a key known.
  CHECK_THROWS_AS(md.reject_unknown_keys(), InputError);
}

TEST_CASE("unknown keys are errors at the key with the nearest known key suggested", "[unit][config]") {
  const auto root = parse("[md]\ntimestep = \"1 fs\"\ntemprature = \"300 K\"\n");
  const auto md = root.require_table("md");
  (void)md.require_quantity("timestep", Dimension::time);
  (void)md.optional_quantity("temperature", Dimension::temperature);
  (void)md.has("thermostat");
  const auto e = error_of([&] { md.reject_unknown_keys(); });
  CHECK(headline(e) == "test.toml:3:1: error: unknown key 'temprature' in [md]; did you mean 'temperature'?");
  CHECK_THAT(e.hint(),
             Catch::Contains("temperature") && Catch::Contains("thermostat") && Catch::Contains("timestep"));
  CHECK(e.where().line == 3);
  CHECK(e.where().column == 1);

  SECTION("at the top level, with no suggestion when nothing is close") {
    const auto top = parse("[run]\nseed = 1\n\n[zzz]\nq = 1\n");
    (void)top.require_table("run");
    const auto err = error_of([&] { top.reject_unknown_keys(); });
    CHECK(headline(err) == "test.toml:4:2: error: unknown key 'zzz' at the top level");
  }
  SECTION("keys read through another handle of the same table count as known") {
    (void)root.require_table("md").optional_quantity("temperature", Dimension::temperature);
    const auto again = root.require_table("md");
    CHECK_THROWS_WITH(again.reject_unknown_keys(), Catch::Contains("temprature"));
    (void)again.has("temprature");
    CHECK_NOTHROW(md.reject_unknown_keys());
  }
}

TEST_CASE("a bare number where a unit is needed is an error at the value", "[unit][config]") {
  const auto md =
      parse("[md]\ntimestep = 1\ncutoff = 1.6\nrate = 2\ndamping = { value = 3 }\n").require_table("md");
  const auto e = error_of([&] { (void)md.require_quantity("timestep", Dimension::time); });
  CHECK(headline(e) == "test.toml:2:12: error: 'timestep' needs a time such as \"1 fs\" (got 1)");
  CHECK_THAT(e.hint(), Catch::Contains("fs") && Catch::Contains("ps"));
  CHECK(headline(error_of([&] { (void)md.require_quantity("cutoff", Dimension::length); })) ==
        "test.toml:3:10: error: 'cutoff' needs a length such as \"1.6 A\" (got 1.6)");
  CHECK(headline(error_of([&] { (void)md.require_quantity("rate", Dimension::ion_rate); })) ==
        "test.toml:4:8: error: 'rate' needs an ion rate such as \"1 ion / 2 ps\" (got 2)");
  CHECK(headline(error_of([&] { (void)md.require_quantity("damping", Dimension::time); })) ==
        "test.toml:5:11: error: 'damping' must be a string with a unit such as \"1 fs\", not a table "
        "(got a table)");
  // Plain numbers are fine where no unit is needed.
  CHECK(md.require_quantity("timestep", Dimension::dimensionless) == 1.0);
}

TEST_CASE("a bad unit inside the string is located at the value", "[unit][config]") {
  const auto md = parse("[md]\ntemperature = \"300 C\"\ntimestep = \"1 fss\"\n").require_table("md");
  const auto e = error_of([&] { (void)md.require_quantity("temperature", Dimension::temperature); });
  CHECK_THAT(headline(e), Catch::StartsWith("test.toml:2:15: error: 'temperature': \"300 C\"") &&
                              Catch::Contains("kelvin"));
  const auto f = error_of([&] { (void)md.require_quantity("timestep", Dimension::time); });
  CHECK_THAT(headline(f), Catch::StartsWith("test.toml:3:12: error: 'timestep': unknown unit 'fss'") &&
                              Catch::Contains("did you mean 'fs'?"));
  CHECK_THAT(f.hint(), Catch::Contains("\"1 fs\""));
}

TEST_CASE("sign constraints are errors at the value", "[unit][config]") {
  const auto md = parse("[md]\ntimestep = \"-1 fs\"\ncount = 0\nx = -0.5\n").require_table("md");
  CHECK(headline(error_of([&] { (void)md.require_quantity("timestep", Dimension::time, Sign::positive); })) ==
        "test.toml:2:12: error: 'timestep' must be positive (got \"-1 fs\")");
  CHECK(headline(error_of([&] { (void)md.require_integer("count", Sign::positive); })) ==
        "test.toml:3:9: error: 'count' must be positive (got 0)");
  CHECK(md.require_integer("count", Sign::non_negative) == 0);
  CHECK(headline(error_of([&] { (void)md.number_or("x", 1.0, Sign::non_negative); })) ==
        "test.toml:4:5: error: 'x' must be zero or positive (got -0.5)");
  CHECK(md.require_number("x") == -0.5);
  CHECK(md.require_quantity("timestep", Dimension::time) == -1.0);
}

TEST_CASE("a value of the wrong TOML type names both types", "[unit][config]") {
  const auto run = parse(
                       "[run]\nseed = \"seven\"\ncycles = 2.5\nname = 3\nflag = 1\nlist = [1, \"a\"]\n"
                       "sub = 4\n")
                       .require_table("run");
  CHECK(headline(error_of([&] { (void)run.require_integer("seed"); })) ==
        "test.toml:2:8: error: 'seed' must be an integer, not a string (got \"seven\")");
  CHECK(headline(error_of([&] { (void)run.require_integer("cycles"); })) ==
        "test.toml:3:10: error: 'cycles' must be an integer, not a floating-point number (got 2.5)");
  CHECK(headline(error_of([&] { (void)run.require_string("name"); })) ==
        "test.toml:4:8: error: 'name' must be a string, not an integer (got 3)");
  CHECK(headline(error_of([&] { (void)run.require_number("seed"); })) ==
        "test.toml:2:8: error: 'seed' must be a number, not a string (got \"seven\")");
  CHECK_THAT(headline(error_of([&] { (void)run.require_bool("flag"); })),
             Catch::StartsWith("test.toml:5:8: error: 'flag' must be a boolean") &&
                 Catch::Contains("not an integer (got 1)"));
  CHECK(headline(error_of([&] { (void)run.require_number_array("list"); })) ==
        "test.toml:6:12: error: element 2 of 'list' must be a number, not a string (got \"a\")");
  CHECK(headline(error_of([&] { (void)run.require_number_array("seed"); })) ==
        "test.toml:2:8: error: 'seed' must be an array of numbers, not a string (got \"seven\")");
  CHECK(headline(error_of([&] { (void)run.require_table("sub"); })) ==
        "test.toml:7:7: error: 'sub' must be a table, not an integer (got 4)");
  CHECK(headline(error_of([&] { (void)run.table_array("sub"); })) ==
        "test.toml:7:7: error: 'sub' must be an array of tables ([[run.sub]]), not an integer (got 4)");
}

TEST_CASE("missing keys and arrays of the wrong length", "[unit][config]") {
  const auto root = parse("title = \"x\"\n\n[structure]\nrepeat = [6, 6, 1]\n");
  const auto structure = root.require_table("structure");
  CHECK(headline(error_of([&] { (void)structure.require_string("builder"); })) ==
        "test.toml:3:1: error: missing key 'builder' in [structure]");
  CHECK(headline(error_of([&] { (void)root.require_table("md"); })) ==
        "test.toml:1:1: error: missing key 'md' at the top level");
  CHECK(headline(error_of([&] { (void)structure.require_integer_array("repeat", 2); })) ==
        "test.toml:4:10: error: 'repeat' must have 2 integers (got 3)");
  CHECK(structure.require_integer_array("repeat", 3) == std::vector<std::int64_t>{6, 6, 1});
}

TEST_CASE("an unknown choice lists the choices and suggests the nearest", "[unit][config]") {
  const auto t =
      parse("[md.thermostat]\ntype = \"langevn\"\n").require_table("md").require_table("thermostat");
  const auto e = error_of([&] { (void)t.require_choice("type", {"langevin", "nose_hoover", "berendsen"}); });
  CHECK(headline(e) ==
        "test.toml:2:8: error: 'type' must be one of 'langevin', 'nose_hoover', 'berendsen' "
        "(got \"langevn\"); did you mean 'langevin'?");
  CHECK_THAT(headline(error_of([&] {
               (void)t.choice_or("type", {"csvr", "berendsen"}, "csvr");
             })),
             Catch::Contains("'csvr', 'berendsen' (got \"langevn\")") && !Catch::Contains("did you mean"));
  const auto missing = error_of([&] { (void)t.require_choice("kind", {"a", "b"}); });
  CHECK(headline(missing) == "test.toml:1:1: error: missing key 'kind' in [md.thermostat]");
  CHECK_THAT(missing.hint(), Catch::Contains("'a', 'b'"));
}

TEST_CASE("TOML syntax errors are input errors at TOML++'s position", "[unit][config]") {
  const auto e = error_of([] { (void)parse("a = 1\nb = = 2\n"); });
  CHECK_THAT(headline(e),
             Catch::StartsWith("test.toml:2:5: error: invalid TOML: ") && Catch::Contains("value"));
  // The mistake users make first: a unit without quotes.
  const auto f = error_of([] { (void)parse("[md]\ntimestep = 1 fs\n"); });
  CHECK_THAT(headline(f), Catch::StartsWith("test.toml:2:14: error: invalid TOML: "));
  CHECK_THAT(f.hint(), Catch::Contains("\"1 fs\""));
  const auto g = error_of([] { (void)parse("[md]\nx = 1\n[md]\n"); });
  CHECK_THAT(headline(g), Catch::StartsWith("test.toml:3:1: error: invalid TOML: ") && Catch::Contains("md"));
}

TEST_CASE("arrays of tables count from 1 and errors say which one", "[unit][config]") {
  const auto protocol = parse(R"([protocol]
cycles = 2

[[protocol.step]]
type = "rest"
duration = "20 ps"

[[protocol.step]]
type = "rest"
duratoin = "5 ps"
)")
                            .require_table("protocol");
  (void)protocol.require_integer("cycles");
  const auto steps = protocol.table_array("step");
  REQUIRE(steps.size() == 2);
  for (const auto& step : steps) {
    (void)step.require_string("type");
    (void)step.optional_quantity("duration", Dimension::time);
  }
  CHECK_NOTHROW(steps[0].reject_unknown_keys());
  CHECK(headline(error_of([&] { steps[1].reject_unknown_keys(); })) ==
        "test.toml:10:1: error: unknown key 'duratoin' in [protocol.step[2]]; did you mean 'duration'?");
  CHECK(headline(error_of([&] { (void)steps[1].require_quantity("duration", Dimension::time); })) ==
        "test.toml:8:1: error: missing key 'duration' in [protocol.step[2]]");

  SECTION("inline arrays of tables and single tables are accepted too") {
    const auto root = parse(
        "steps = [{ type = \"rest\" }, { type = \"hold\" }]\none = { type = \"rest\" }\n"
        "bad = [{ type = \"rest\" }, 3]\n");
    const auto inline_steps = root.table_array("steps");
    REQUIRE(inline_steps.size() == 2);
    CHECK(inline_steps[1].require_string("type") == "hold");
    CHECK(inline_steps[1].path() == "steps[2]");
    CHECK(inline_steps[1].location().str() == "test.toml:1:29");
    const auto single = root.table_array("one");
    REQUIRE(single.size() == 1);
    CHECK(single[0].require_string("type") == "rest");
    CHECK(headline(error_of([&] { (void)root.table_array("bad"); })) ==
          "test.toml:3:27: error: element 2 of 'bad' must be a table, not an integer (got 3)");
  }
}

TEST_CASE("nested tables, header and inline, carry their path and positions", "[unit][config]") {
  const auto root = parse(R"([md]
timestep = "1 fs"
thermostat = { type = "langevin", damping = 100 }

[md.barostat]
type = "c_rescale"
presure = "1 bar"

[a.b.c]
x = "2 A"
)");
  const auto md = root.require_table("md");
  const auto thermostat = md.require_table("thermostat");
  CHECK(thermostat.location().str() == "test.toml:3:14");
  CHECK(headline(error_of([&] { (void)thermostat.require_quantity("damping", Dimension::time); })) ==
        "test.toml:3:45: error: 'damping' needs a time such as \"100 fs\" (got 100)");

  const auto barostat = md.require_table("barostat");
  CHECK(barostat.path() == "md.barostat");
  CHECK(barostat.location().str() == "test.toml:5:1");
  (void)barostat.require_string("type");
  (void)barostat.optional_quantity("pressure", Dimension::pressure);
  CHECK(headline(error_of([&] { barostat.reject_unknown_keys(); })) ==
        "test.toml:7:1: error: unknown key 'presure' in [md.barostat]; did you mean 'pressure'?");

  // An unknown sub-table is reported at its name in the header.
  const auto other = parse("[md]\nx = 1\n[md.barostatt]\ny = 1\n").require_table("md");
  (void)other.require_number("x");
  (void)other.optional_table("barostat");
  CHECK(headline(error_of([&] { other.reject_unknown_keys(); })) ==
        "test.toml:3:5: error: unknown key 'barostatt' in [md]; did you mean 'barostat'?");

  const auto c = root.require_table("a").require_table("b").require_table("c");
  CHECK(c.path() == "a.b.c");
  CHECK(c.require_quantity("x", Dimension::length) == 2.0);

  const std::string text = thermostat.to_toml();
  CHECK_THAT(text, Catch::Contains("type") && Catch::Contains("langevin") && Catch::Contains("damping"));
  // to_toml() output is TOML again.
  const auto reparsed = ConfigTable::parse_string(text, "again.toml");
  CHECK(reparsed.require_string("type") == "langevin");
  CHECK(reparsed.require_integer("damping") == 100);
}

TEST_CASE("to_toml_document writes a table under its own headers, nested tables included", "[unit][config]") {
  const auto root = ConfigTable::parse_string("[run]\nname = \"x\"\n[potential]\nspec = \"d3\"\n"
                                              "[potential.d3]\ncutoff = \"40 A\"\n[a.b]\nc = 1\n",
                                              "in.toml");
  const std::string potential = root.require_table("potential").to_toml_document();
  // Read back as a document: the nested table stays inside [potential], nothing leaks to the top.
  const auto again = ConfigTable::parse_string(potential, "again.toml");
  CHECK(again.keys() == std::vector<std::string>{"potential"});
  const auto p = again.require_table("potential");
  CHECK(p.require_string("spec") == "d3");
  CHECK(p.require_table("d3").require_string("cutoff") == "40 A");
  const auto deep = ConfigTable::parse_string(root.require_table("a").require_table("b").to_toml_document(), "deep.toml");
  CHECK(deep.require_table("a").require_table("b").require_integer("c") == 1);
}

TEST_CASE("files: locations use the path as given, and a missing file names its path", "[unit][config]") {
  const std::string dir = ioncycle::testing::temp_dir("config");
  const std::string path = dir + "/protocol.toml";
  {
    std::ofstream out(path);
    out << "[md]\ntimestep = 2\n";
  }
  const auto root = ConfigTable::parse_file(path);
  CHECK(root.source_name() == path);
  CHECK(headline(error_of([&] {
          (void)root.require_table("md").require_quantity("timestep", Dimension::time);
        })) == path + ":2:12: error: 'timestep' needs a time such as \"2 fs\" (got 2)");

  const std::string missing = dir + "/nope.toml";
  const auto e = error_of([&] { (void)ConfigTable::parse_file(missing); });
  CHECK_THAT(e.message(), Catch::Contains(missing));
  CHECK(e.where().file == missing);
  CHECK_THAT(error_of([&] { (void)ConfigTable::parse_file(dir); }).message(), Catch::Contains("directory"));
  const std::string empty = dir + "/empty.toml";
  std::ofstream(empty).close();
  const auto e_empty = error_of([&] { (void)ConfigTable::parse_file(empty); });
  CHECK_THAT(e_empty.message(), Catch::Contains("is empty"));  // not "check its permissions"
  CHECK(e_empty.hint().find("permission") == std::string::npos);
  std::filesystem::remove_all(dir);
}
