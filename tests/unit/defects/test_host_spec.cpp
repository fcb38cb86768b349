// SPDX-License-Identifier: MIT
//
// The [structure] builder and [[structure.fault]] tables: defaults, units, and every malformed
// or impossible request as an InputError at the file:line:column of the key responsible.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/config.hpp"
#include "core/error.hpp"
#include "defects/host_spec.hpp"
#include "host_checks.hpp"

using namespace ioncycle;
using namespace ioncycle::defects;
namespace hosts = ioncycle::testing::hosts;

namespace {

core::ConfigTable structure_of(const std::string& text) {
  return core::ConfigTable::parse_string(text, "spec.toml").require_table("structure");
}

// Read the spec, build it and apply its faults, as `ioncycle build` does.
core::System build_all(const std::string& text) {
  const auto t = structure_of(text);
  const auto spec = read_host_spec(t);
  const auto faults = read_faults(t);
  t.reject_unknown_keys();
  auto system = build_host(spec, 7, t);
  (void)apply_faults(system, faults);
  return system;
}

struct ErrorCase {
  std::string toml;
  int line;
  int column;
  std::string text;
};

}  // namespace

TEST_CASE("graphite tables: defaults and values with units", "[unit][defects][host_spec]") {
  auto t = structure_of("[structure]\nbuilder = \"graphite\"\n");
  auto spec = read_host_spec(t);
  CHECK(spec.builder == HostBuilder::graphite);
  CHECK(spec.graphite.stacking == "AB");
  CHECK(spec.graphite.num_layers == 2);
  CHECK(spec.graphite.spacing == 3.35);
  CHECK(spec.graphite.bond_length == 1.42);
  CHECK(spec.graphite.cell == PlaneCellShape::hexagonal);
  CHECK_FALSE(spec.graphite.vacuum);
  t = structure_of(R"([structure]
builder = "graphite"
stacking = "ABC"
repeat = [5, 3]
layers = 6
spacing = "0.34 nm"
cell = "orthogonal"
vacuum = "2 nm"
)");
  spec = read_host_spec(t);
  CHECK(spec.graphite.stacking == "ABC");
  CHECK(spec.graphite.repeat_a == 5);
  CHECK(spec.graphite.repeat_b == 3);
  CHECK(spec.graphite.num_layers == 6);
  CHECK(spec.graphite.spacing == Approx(3.4));
  CHECK(spec.graphite.cell == PlaneCellShape::orthogonal);
  CHECK(*spec.graphite.vacuum == Approx(20.0));
  t.reject_unknown_keys();
  t = structure_of("[structure]\nbuilder = \"graphite\"\nphase = \"LiC6\"\nrepeat = [2, 2]\n");
  spec = read_host_spec(t);
  CHECK(spec.graphite.phase == GraphitePhase::lic6);
  CHECK(spec.graphite.num_layers == 1);
  CHECK(spec.graphite.lithiated_spacing == 3.70);
  const auto lic6 = build_host(spec, 1, t);
  CHECK(hosts::counts(lic6) == std::map<int, std::size_t>{{3, 4}, {6, 24}});
  t = structure_of("[structure]\nbuilder = \"graphene\"\nedge = \"zigzag\"\nrepeat = [3, 4]\n");
  spec = read_host_spec(t);
  CHECK(spec.graphite.num_layers == 1);
  CHECK(*spec.graphite.vacuum == 15.0);
  CHECK(spec.graphite.edge == EdgeType::zigzag);
  CHECK(spec.graphite.cell == PlaneCellShape::orthogonal);  // edges imply it
}

TEST_CASE("layered-oxide tables: tabulated defaults, overrides, seed", "[unit][defects][host_spec]") {
  auto t = structure_of("[structure]\nbuilder = \"layered_oxide\"\ncomposition = \"Co\"\n");
  auto spec = read_host_spec(t);
  CHECK(spec.oxide.ion_z == 3);
  CHECK(spec.oxide.polytype == Polytype::o3);
  CHECK(spec.oxide.num_layers == 3);
  CHECK(spec.oxide.lattice.a == 2.816);
  CHECK(spec.oxide.lattice.c == 14.05);
  CHECK_THAT(spec.oxide.lattice.source, Catch::Contains("Akimoto"));
  t = structure_of(R"([structure]
builder = "layered_oxide"
composition = "Co"
ion = "Na"
polytype = "P2"
x = 0.5
a = "2.84 A"
repeat = [2, 2]
)");
  spec = read_host_spec(t);
  CHECK(spec.oxide.ion_z == 11);
  CHECK(spec.oxide.num_layers == 2);
  CHECK(spec.oxide.lattice.a == 2.84);
  CHECK(spec.oxide.lattice.c == 10.90);
  const auto s = build_host(spec, 3, t);
  CHECK(hosts::counts(s) == std::map<int, std::size_t>{{8, 16}, {11, 4}, {27, 8}});
}

TEST_CASE("fault tables", "[unit][defects][host_spec]") {
  const auto t = structure_of(R"([structure]
builder = "graphite"
layers = 4

[[structure.fault]]
above_layer = 1
to = "AB->ABC"

[[structure.fault]]
layer = 3
shift = ["0.5 A", "-2 A"]
band = { axis = "b", from = 0.0, to = 0.5 }

[[structure.fault]]
above_layer = 2
to = "AA"
tilt_cell = false
)");
  const auto faults = read_faults(t);
  REQUIRE(faults.size() == 3);
  CHECK(faults[0].fault.block);
  CHECK(faults[0].fault.first_layer == 2);
  CHECK(faults[0].fault.registry->to == RegistryTarget::abc);
  CHECK(*faults[0].fault.registry->from == "AB");
  CHECK_FALSE(faults[1].fault.block);
  CHECK(faults[1].fault.first_layer == 3);
  CHECK(faults[1].fault.shift->isApprox(core::Vec3(0.5, -2.0, 0.0)));
  CHECK(faults[1].fault.band->axis == 1);
  CHECK(faults[1].fault.band->to == 0.5);
  CHECK(*faults[2].fault.tilt_cell == false);
  SECTION("applied in order") {
    const auto g = build_all(R"([structure]
builder = "graphite"
layers = 6
repeat = [2, 2]
[[structure.fault]]
above_layer = 1
to = "ABC"
)");
    CHECK(analyze_stacking(g).sequence == "ABCACA");
  }
}

TEST_CASE("malformed and impossible requests are located at their key", "[unit][defects][host_spec][errors]") {
  const std::string g = "[structure]\nbuilder = \"graphite\"\n";      // lines 1-2
  const std::string o = "[structure]\nbuilder = \"layered_oxide\"\n";  // lines 1-2
  const std::vector<ErrorCase> cases = {
      {g + "repeat = [-2, 4]\n", 3, 10, "'repeat' must be two positive integers"},
      {g + "layers = 0\n", 3, 10, "'layers' must be a positive number"},
      {g + "spacing = 3.35\n", 3, 11, "length"},
      {g + "spacing = \"-3 A\"\n", 3, 11, "positive"},
      {g + "stacking = \"ABX\"\n", 3, 12, "letters A, B and C"},
      {"[structure]\nbuilder = \"grafite\"\n", 2, 11, "graphite"},
      {g + "layers = 3\n", 3, 10, "do not complete the stacking"},
      {g + "edge = \"armchair\"\ncell = \"hexagonal\"\n", 4, 8, "orthogonal"},
      {g + "phase = \"LiC6\"\nspacing = \"3.5 A\"\n", 4, 11, "no empty-gallery"},
      {"[structure]\nbuilder = \"graphene\"\nlayers = 2\n", 3, 10, "single sheet"},
      {g + "edge_vacuum = \"10 A\"\n", 3, 15, "needs 'edge'"},
      {o + "composition = \"Ni0.8Mn0.1Co0.2\"\n", 3, 15, "add up to 1.1"},
      {o + "composition = \"Ni0.5Qq0.5\"\n", 3, 15, "Qq"},
      {o + "composition = \"Co\"\nx = 1.5\n", 4, 5, "'x' must lie in [0, 1]"},
      {o + "composition = \"Co\"\nx = 0.5\n", 4, 5, "not a whole number"},  // 3 Li sites
      {o + "composition = \"Ni0.8Mn0.1Co0.1\"\n", 3, 15, "cannot hold"},   // 3 metal sites
      {o + "composition = \"Co\"\npolytype = \"P2\"\n", 3, 15, "no default lattice"},
      {o + "composition = \"Co\"\nmetal_oxygen_distance = \"1.2 A\"\n", 4, 25, "must exceed a/"},
      {o + "composition = \"Co\"\nordering = \"sqrt3\"\n", 4, 12, "sqrt3"},
      {g + "layers = 4\n[[structure.fault]]\nabove_layer = 5\nto = \"AA\"\n", 5, 15, "out of range"},
      {g + "layers = 4\n[[structure.fault]]\nabove_layer = -1\nto = \"AA\"\n", 5, 15, "above_layer"},
      {g + "layers = 4\n[[structure.fault]]\nabove_layer = 1\nto = \"AX\"\n", 6, 6, "unknown registry 'AX'"},
      {g + "layers = 4\n[[structure.fault]]\nabove_layer = 1\nto = \"AA\"\nshift = [\"1 A\", \"0 A\"]\n", 7, 9,
       "not both"},
      {g + "layers = 4\n[[structure.fault]]\nlayer = 2\nto = \"AA\"\nband = { axis = \"a\", from = 0.6, to = 0.2 }\n",
       7, 29, "0 <= from < to <= 1"},
      {g + "layers = 4\n[[structure.fault]]\nabov_layer = 1\nto = \"AA\"\n", 5, 1, "did you mean 'above_layer'"},
      {g + "layers = 2\n[[structure.fault]]\nabove_layer = 0\nto = \"ABC\"\n", 6, 6, "'ABC'"},
      {g + "layers = 4\n[[structure.fault]]\nabove_layer = 1\nto = \"O1\"\n", 6, 6, "MO2 slabs"},
      {g + "layers = 4\n[[structure.fault]]\nabove_layer = 1\nshift = [\"0 A\"]\n", 6, 9, "two lengths"},
      {g + "layers = 4\n[[structure.fault]]\nabove_layer = 1\nshift = [\"0\", \"1 A\"]\n", 6, 9, "length"},
      {g + "layers = 4\n[[structure.fault]]\nabove_layer = 1\n", 4, 1, "needs 'to'"},
  };
  for (const auto& c : cases) {
    INFO(c.toml);
    try {
      (void)build_all(c.toml);
      FAIL("no error");
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(e.where().file == "spec.toml");
      CHECK(e.where().line == c.line);
      CHECK(e.where().column == c.column);
      CHECK_THAT(std::string(e.what()), Catch::Contains(c.text));
      CHECK_THAT(std::string(e.what()), Catch::StartsWith("spec.toml:" + std::to_string(c.line) + ":"));
    }
  }
}
