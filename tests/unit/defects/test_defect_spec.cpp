// SPDX-License-Identifier: MIT
//
// [[structure.defect]] tables (defect_spec.hpp): a spec applied in order with the records it
// returns, reproducibility and independence of the tables' random streams, external types, the
// located errors of impossible or malformed requests (with the System unchanged), and the
// records' stored form round-tripping through an extxyz file (and read by ASE).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "defects/defect_record.hpp"
#include "defects/defect_spec.hpp"
#include "io/extxyz.hpp"
#include "io/frame.hpp"
#include "point_defect_hosts.hpp"
#include "testing.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using ioncycle::InputError;
using ioncycle::core::AtomId;
using ioncycle::core::ConfigTable;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using namespace ioncycle::defects;
using namespace ioncycle::testing::defect_hosts;

namespace {

std::vector<DefectRecord> apply(System& s, const std::string& toml, std::uint64_t seed,
                                std::span<const ExternalDefectType> external = {}) {
  const auto root = ConfigTable::parse_string(toml, "defects.toml");
  return apply_defects(s, root.require_table("structure"), seed, external);
}

const std::string kSpec = R"([structure]
builder = "graphite"

[[structure.defect]]
type = "vacancy"
species = "C"
count = 2
layers = [0, 1]
min_separation = "6 A"

[[structure.defect]]
type = "substitution"
species = "C"
by = "B"
concentration = 0.02
layer = 2

[[structure.defect]]
type = "stone_wales"
count = 1
layer = 3

[[structure.defect]]
type = "interstitial"
species = "Li"
count = 2
galleries = [1]
min_distance = "1.8 A"
)";

}  // namespace

TEST_CASE("a defect spec is applied in order and every defect is recorded", "[unit][defects]") {
  System s = ab_graphite(6, 4);  // 72 C per layer
  const System host = s;
  const auto records = apply(s, kSpec, 7);
  REQUIRE(records.size() == 6);
  CHECK(records[0].type == DefectType::vacancy);
  CHECK(records[1].type == DefectType::vacancy);
  CHECK(records[2].type == DefectType::substitution);  // 0.02 * 72 = 1.44 -> 1
  CHECK(records[3].type == DefectType::stone_wales);
  CHECK(records[4].type == DefectType::interstitial);
  CHECK(records[5].type == DefectType::interstitial);
  CHECK((records[0].layer == 0 || records[0].layer == 1));
  CHECK(records[2].layer == 2);
  CHECK(records[3].layer == 3);
  CHECK(records[2].removed.front().z == 6);
  CHECK(records[2].added.front().z == 5);
  CHECK(s.num_atoms() == host.num_atoms() - 2 + 2);
  CHECK(count_element(s, 5) == 1);
  CHECK(count_element(s, 3) == 2);
  CHECK(s.cell().minimum_image(records[1].position - records[0].position).norm() >= 6.0);
}

TEST_CASE("the seed decides the structure, and each table has its own random stream", "[unit][defects]") {
  const auto run = [](std::uint64_t seed, const std::string& toml) {
    System s = ab_graphite(6, 4);
    const auto records = apply(s, toml, seed);
    return std::make_pair(SystemSnapshot(s), records);
  };
  const auto [a, ra] = run(11, kSpec);
  const auto [b, rb] = run(11, kSpec);
  const auto [c, rc] = run(12, kSpec);
  CHECK(a == b);
  CHECK(ra == rb);
  CHECK_FALSE(a == c);
  // A table appended at the end leaves the earlier defects where they were.
  const auto [d, rd] = run(11, kSpec + "\n[[structure.defect]]\ntype = \"vacancy\"\nspecies = \"C\"\ncount = 3\n");
  REQUIRE(rd.size() == ra.size() + 3);
  CHECK(std::vector<DefectRecord>(rd.begin(), rd.begin() + static_cast<std::ptrdiff_t>(ra.size())) == ra);
}

TEST_CASE("no [[structure.defect]] tables: nothing happens", "[unit][defects]") {
  System s = ab_graphite(2, 2);
  const SystemSnapshot before(s);
  CHECK(apply(s, "[structure]\nbuilder = \"graphite\"\n", 1).empty());
  CHECK(SystemSnapshot(s) == before);
}

TEST_CASE("impossible or malformed defect requests are located errors and change nothing", "[unit][defects]") {
  struct Case {
    std::string name;
    std::string body;      // after "[structure]\n[[structure.defect]]\n" (lines 1-2)
    std::string location;  // defects.toml:line:col
    std::string reason;
  };
  const std::vector<Case> cases{
      {"negative count", "type = \"vacancy\"\nspecies = \"C\"\ncount = -1\n", "defects.toml:5:9",
       "'count' must be positive"},
      {"zero count", "type = \"vacancy\"\nspecies = \"C\"\ncount = 0\n", "defects.toml:5:9",
       "'count' must be positive"},
      {"concentration above 1", "type = \"vacancy\"\nspecies = \"C\"\nconcentration = 1.5\n", "defects.toml:5:17",
       "must lie in (0, 1]"},
      {"layer out of range", "type = \"vacancy\"\nspecies = \"C\"\ncount = 1\nlayer = 7\n", "defects.toml:6:9",
       "layer 7 does not exist: the structure has 4 layers"},
      {"unknown element", "type = \"vacancy\"\nspecies = \"Cx\"\ncount = 1\n", "defects.toml:4:11", "'species'"},
      {"element absent", "type = \"vacancy\"\nspecies = \"N\"\ncount = 1\n", "defects.toml:4:11",
       "there is no N atom in the structure"},
      {"separation larger than the cell",
       "type = \"vacancy\"\nspecies = \"C\"\ncount = 2\nlayer = 0\nmin_separation = \"40 A\"\n", "defects.toml:7:18",
       "larger than the cell allows"},
      {"too many for the separation", "type = \"vacancy\"\nspecies = \"C\"\ncount = 40\nmin_separation = \"5 A\"\n",
       "defects.toml:6:18", "of the 40 vacancies fit with min_separation 5 A"},
      {"more than eligible", "type = \"divacancy\"\ncount = 100\nlayer = 1\n", "defects.toml:4:9",
       "asks for 100 divacancies (200 atoms) but only 32 C atoms are eligible"},
      {"separation without unit", "type = \"vacancy\"\nspecies = \"C\"\ncount = 1\nmin_separation = 6\n",
       "defects.toml:6:18", "needs a length"},
      {"negative separation", "type = \"vacancy\"\nspecies = \"C\"\ncount = 1\nmin_separation = \"-2 A\"\n",
       "defects.toml:6:18", "must be zero or positive"},
      {"unknown type", "type = \"vacancies\"\nspecies = \"C\"\ncount = 1\n", "defects.toml:3:8",
       "did you mean 'vacancy'?"},
      {"unknown key", "type = \"vacancy\"\nspecies = \"C\"\ncount = 1\nmin_separaton = \"3 A\"\n", "defects.toml:6:1",
       "did you mean 'min_separation'?"},
      {"count and concentration", "type = \"vacancy\"\nspecies = \"C\"\ncount = 1\nconcentration = 0.1\n",
       "defects.toml:6:17", "not both"},
      {"neither count nor concentration", "type = \"vacancy\"\nspecies = \"C\"\n", "defects.toml:2:1",
       "needs 'count' or 'concentration'"},
      {"substitution by itself", "type = \"substitution\"\nspecies = \"C\"\nby = \"C\"\ncount = 1\n",
       "defects.toml:5:6", "'by' must differ"},
      {"interstitial in a layer", "type = \"interstitial\"\nspecies = \"Li\"\ncount = 1\nlayers = [1]\n",
       "defects.toml:6:10", "use 'galleries'"},
      {"interstitial by concentration", "type = \"interstitial\"\nspecies = \"Li\"\nconcentration = 0.1\n",
       "defects.toml:5:17", "give 'count'"},
      {"gallery out of range", "type = \"interstitial\"\nspecies = \"Li\"\ncount = 1\ngalleries = [4]\n",
       "defects.toml:6:13", "gallery 4 does not exist"},
      {"empty region",
       "type = \"vacancy\"\nspecies = \"C\"\ncount = 1\nregion = { lo = [\"0 A\", \"0 A\", \"5 A\"], hi = [\"9 A\", "
       "\"9 A\", \"4 A\"] }\n",
       "defects.toml:6:45", "'hi' must exceed 'lo'"},
      {"region without atoms",
       "type = \"vacancy\"\nspecies = \"C\"\ncount = 1\nregion = { lo = [\"0 A\", \"0 A\", \"0.1 A\"], hi = [\"9 A\", "
       "\"9 A\", \"0.2 A\"] }\n",
       "defects.toml:6:10", "no C atom inside the region"},
      {"region corner of two values",
       "type = \"vacancy\"\nspecies = \"C\"\ncount = 1\nregion = { lo = [\"0 A\", \"0 A\"], hi = [\"9 A\", \"9 A\", "
       "\"4 A\"] }\n",
       "defects.toml:6:17", "three lengths"},
      {"Li in layers", "type = \"vacancy\"\nspecies = \"Li\"\ncount = 1\nlayer = 0\n", "defects.toml:4:11",
       "there is no Li atom"},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      System s = ab_graphite(4, 4);
      const SystemSnapshot before(s);
      try {
        apply(s, "[structure]\n[[structure.defect]]\n" + c.body, 3);
        FAIL("expected an InputError for: " + c.name);
      } catch (const InputError& e) {
        CAPTURE(e.what());
        CHECK_THAT(std::string(e.what()), StartsWith(c.location + ": error: "));
        CHECK_THAT(std::string(e.what()), Contains(c.reason));
      }
      CHECK(SystemSnapshot(s) == before);
    }
  }
}

TEST_CASE("a later impossible table leaves the System untouched by the earlier ones", "[unit][defects]") {
  System s = ab_graphite(4, 2);
  const SystemSnapshot before(s);
  const std::string toml = R"([structure]
[[structure.defect]]
type = "vacancy"
species = "C"
count = 3

[[structure.defect]]
type = "stone_wales"
count = 1
layer = 5
)";
  try {
    apply(s, toml, 1);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK_THAT(std::string(e.what()),
               StartsWith("defects.toml:10:9: error: [structure.defect[2]]: layer 5 does not exist"));
  }
  CHECK(SystemSnapshot(s) == before);
}

TEST_CASE("external defect types are parsed first and applied in order", "[unit][defects]") {
  // A stand-in for the stacking-fault builder: shifts every atom above a height along x.
  std::vector<std::string> calls;
  const ExternalDefectType shift{"stacking_fault", [&calls](const ConfigTable& table) -> DefectApplier {
                                   const double height =
                                       static_cast<double>(table.require_integer("above_layer")) * kSpacing + kSpacing;
                                   table.reject_unknown_keys();
                                   calls.push_back("parsed");
                                   return [height, &calls](System& s, ioncycle::core::Rng&) {
                                     calls.push_back("applied");
                                     for (auto& p : s.positions()) {
                                       if (p.z() > height) p.x() += 0.5;
                                     }
                                     DefectRecord r;
                                     r.type = DefectType::stacking_fault;
                                     r.properties["shift"] = "0.5,0,0";
                                     return std::vector<DefectRecord>{r};
                                   };
                                 }};
  const std::vector<ExternalDefectType> external{shift};
  const std::string toml = R"([structure]
[[structure.defect]]
type = "vacancy"
species = "C"
count = 1

[[structure.defect]]
type = "stacking_fault"
above_layer = 0
)";
  System s = ab_graphite(3, 2);
  const auto records = apply(s, toml, 2, external);
  REQUIRE(records.size() == 2);
  CHECK(records[0].type == DefectType::vacancy);
  CHECK(records[1].type == DefectType::stacking_fault);
  CHECK(calls == std::vector<std::string>{"parsed", "applied"});

  // An error in the external table comes before any point defect is applied.
  System t = ab_graphite(3, 2);
  const SystemSnapshot before(t);
  calls.clear();
  try {
    apply(t, toml + "registry = \"AA\"\n", 2, external);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK_THAT(std::string(e.what()), StartsWith("defects.toml:10:1: error: unknown key 'registry'"));
  }
  CHECK(calls.empty());
  CHECK(SystemSnapshot(t) == before);
  // Unknown types list the external ones too.
  try {
    apply(t, "[structure]\n[[structure.defect]]\ntype = \"stacking_falt\"\n", 2, external);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK_THAT(std::string(e.what()), StartsWith("defects.toml:3:8: error: unknown defect type \"stacking_falt\""));
    CHECK_THAT(std::string(e.what()), Contains("did you mean 'stacking_fault'?"));
  }
}

TEST_CASE("defect records have a stored form that reads back exactly", "[unit][defects]") {
  DefectRecord r;
  r.type = DefectType::divacancy;
  r.position = Vec3(0.1, 1.0 / 3.0, -2.5e-7);
  r.layer = 3;
  r.removed = {{12, 6}, {13, 6}};
  r.atoms = {{-1, 8}};
  r.properties["host"] = "C";
  const std::string text = format_defect_record(r);
  CHECK(text == "divacancy pos=0.1,0.3333333333333333,-2.5e-7 layer=3 removed=12:C,13:C atoms=-1:O host=C");
  CHECK(parse_defect_record(text) == r);
  DefectRecord bare;
  bare.type = DefectType::interstitial;
  bare.added = {{7, 3}};
  CHECK(format_defect_record(bare) == "interstitial pos=0,0,0 added=7:Li");
  CHECK(parse_defect_record(format_defect_record(bare)) == bare);

  for (const std::string bad : {"", "vacancy", "vacuum pos=0,0,0", "vacancy pos=0,0", "vacancy pos=0,0,0 removed=12",
                                "vacancy pos=0,0,0 removed=12:Qq", "vacancy pos=0,0,0 layer=x", "vacancy pos=0,a,0"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_defect_record(bad), InputError);
  }
  DefectRecord reserved;
  reserved.properties["layer"] = "1";
  CHECK_THROWS_AS(format_defect_record(reserved), InputError);
  DefectRecord spaced;
  spaced.properties["note"] = "two words";
  CHECK_THROWS_AS(format_defect_record(spaced), InputError);
}

TEST_CASE("defect records travel with the structure through an extxyz file", "[unit][defects]") {
  System s = layered_oxide(3);
  const std::string toml = R"([structure]
[[structure.defect]]
type = "vacancy"
species = "O"
count = 2
min_separation = "4 A"

[[structure.defect]]
type = "antisite"
count = 1

[[structure.defect]]
type = "substitution"
species = "Ni"
by = "Al"
count = 1
layer = 1
)";
  const auto records = apply(s, toml, 5);
  REQUIRE(records.size() == 4);
  ioncycle::io::Frame frame;
  frame.system = s;
  frame.info["energy"] = -1.5;
  record_defects(frame, records);
  record_defects(frame, {});  // nothing to add: unchanged
  const std::string dir = ioncycle::testing::temp_dir("defects");
  const std::string path = dir + "/defects.extxyz";
  {
    std::ofstream out(path);
    ioncycle::io::write_extxyz(out, {frame});
  }
  std::ifstream in(path);
  const auto frames = ioncycle::io::read_extxyz(in, path);
  REQUIRE(frames.size() == 1);
  const auto back = read_defect_records(frames[0]);
  CHECK(back == records);
  // The ids in the records are those of the structure in the file.
  const System& read = frames[0].system;
  for (const auto& r : back) {
    for (const auto& a : r.removed) CHECK_FALSE(read.index_of(a.id).has_value());
    for (const auto& a : r.added) {
      REQUIRE(read.index_of(a.id).has_value());
      CHECK(read.atomic_numbers()[*read.index_of(a.id)] == a.z);
    }
    for (const auto& a : r.moved) {
      REQUIRE(read.index_of(a.id).has_value());
      CHECK(read.atomic_numbers()[*read.index_of(a.id)] == a.z);
    }
  }
  // Appending keeps what is there.
  ioncycle::io::Frame more = frames[0];
  record_defects(more, {records.front()});
  CHECK(read_defect_records(more).size() == 5);

  // ASE reads the list as Python strings.
  const auto result = ioncycle::testing::run_python(
      "import sys, ase.io\n"
      "atoms = ase.io.read(sys.argv[1])\n"
      "d = atoms.info['defects']\n"
      "print(type(d).__name__, len(d))\n"
      "print(d[0].split()[0], d[2].split()[0])\n",
      ioncycle::testing::shell_quote(path));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.output, Contains("list 4"));
  CHECK_THAT(result.output, Contains("vacancy antisite"));
}
