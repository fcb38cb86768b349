// SPDX-License-Identifier: MIT
//
// The ioncycle command as a user meets it: help, version, exit statuses, convert, info, model
// info and run, each run as a separate process.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "core/cell.hpp"
#include "core/geometry.hpp"
#include "io/structure_io.hpp"
#include "testing.hpp"

namespace t = ioncycle::testing;
namespace fs = std::filesystem;

namespace {
t::CommandResult run_ioncycle(const std::string& args) { return t::run_command(t::shell_quote(t::ioncycle_binary()) + " " + args); }
std::string graphite() { return std::string(IONCYCLE_SOURCE_DIR) + "/examples/data/graphite-AB-4x4.extxyz"; }
std::string write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}
std::size_t count_entries(const std::string& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++n;
  return n;
}
}  // namespace

TEST_CASE("help, version and usage errors", "[unit][cli]") {
  auto r = run_ioncycle("--help");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("usage: ioncycle") && Catch::Contains("convert") && Catch::Contains("info"));
  r = run_ioncycle("--version");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::StartsWith("ioncycle 0."));
  for (const char* cmd : {"run", "info", "convert", "model info"}) {
    r = run_ioncycle(std::string(cmd) + " --help");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains(std::string("usage: ioncycle ") + cmd));
  }
  SECTION("unknown option prints the usage and exits with 2") {
    r = run_ioncycle("info --jsn " + graphite());
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("unknown option '--jsn'") && Catch::Contains("did you mean '--json'") &&
                             Catch::Contains("usage: ioncycle info"));
    r = run_ioncycle("--frobnicate");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("usage: ioncycle"));
  }
  SECTION("unknown command and missing arguments") {
    r = run_ioncycle("convrt a b");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("did you mean 'convert'"));
    r = run_ioncycle("convert only-one.xyz");
    CHECK(r.exit_code == 2);
    r = run_ioncycle("");
    CHECK(r.exit_code == 2);
  }
}

TEST_CASE("info describes a structure in text and JSON", "[unit][cli]") {
  auto r = run_ioncycle("info " + t::shell_quote(graphite()));
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("64 (C64)"));
  CHECK_THAT(r.output, Catch::Contains("closest     1.42"));
  r = run_ioncycle("info --json " + t::shell_quote(graphite()));
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("\"formula\": \"C64\""));
  // Graphite: 4 atoms in a = 2.46 Å, c = 6.70 Å; density = 4·12.011 amu / V.
  const double v = 16 * 2.46 * 2.46 * std::sqrt(3.0) / 2 * 6.70;
  const double rho = 64 * 12.011 * 1.66053906660 / v;
  CHECK_THAT(r.output, Catch::Contains("\"density_g_per_cm3\": " + std::to_string(rho).substr(0, 5)));
  r = run_ioncycle("info /nonexistent/file.xyz");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains("/nonexistent/file.xyz"));
}

TEST_CASE("convert goes through every format and keeps the structure", "[unit][cli]") {
  const auto dir = t::temp_dir("cli-convert");
  auto r = run_ioncycle("convert " + t::shell_quote(graphite()) + " " + dir + "/POSCAR");
  REQUIRE(r.exit_code == 0);
  r = run_ioncycle("convert " + dir + "/POSCAR " + dir + "/back.extxyz");
  REQUIRE(r.exit_code == 0);
  r = run_ioncycle("convert " + dir + "/back.extxyz " + dir + "/graphite.data");
  REQUIRE(r.exit_code == 0);
  const auto a = ioncycle::io::read_structure(graphite());
  const auto b = ioncycle::io::read_structure(dir + "/back.extxyz");
  REQUIRE(a.system.num_atoms() == b.system.num_atoms());
  for (std::size_t i = 0; i < a.system.num_atoms(); ++i) {
    CHECK((a.system.positions()[i] - b.system.positions()[i]).norm() < 1e-10);
    CHECK(a.system.ids()[i] == b.system.ids()[i]);
  }
  CHECK((a.system.cell().matrix() - b.system.cell().matrix()).norm() < 1e-12);
  SECTION("unknown output format is an error and writes nothing") {
    r = run_ioncycle("convert " + t::shell_quote(graphite()) + " " + dir + "/out.weird");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("--format"));
    CHECK_FALSE(fs::exists(dir + "/out.weird"));
  }
}

TEST_CASE("model info reads the default model", "[unit][cli][model]") {
  auto r = run_ioncycle("model info default");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("sevennet") && Catch::Contains("cutoff      5 Å") && Catch::Contains("89:"));
  r = run_ioncycle("model info /nonexistent.pt");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains("not found"));
}

TEST_CASE("run --check validates the quickstart and writes nothing", "[unit][cli][run]") {
  const auto dir = t::temp_dir("cli-run");
  const std::string quickstart = std::string(IONCYCLE_SOURCE_DIR) + "/examples/quickstart.toml";
  const auto r = t::run_command("cd " + t::shell_quote(dir) + " && " + t::shell_quote(t::ioncycle_binary()) +
                                " run --check " + t::shell_quote(quickstart));
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("is valid") && Catch::Contains("capacity LiC6 = 6 ions"));
  CHECK(count_entries(dir) == 0);  // no run directory
}

// Unknown tables and keys, and every mistake of [md], [ion] and [protocol], are covered by the
// files in tests/input_errors (test_protocol_errors.cpp).
TEST_CASE("bad run files give one located error, status 2, and no run directory", "[unit][cli][run]") {
  const auto dir = t::temp_dir("cli-badrun");
  const std::string structure = graphite();
  const std::string good_head = "[run]\nname = \"x\"\n\n[structure]\nfile = \"" + structure + "\"\n\n";
  struct Case {
    std::string name, text, expected;
  };
  const std::vector<Case> cases = {
      {"unknown_key.toml", good_head + "[potential]\nmodle = \"default\"\n", "8:1: error: unknown key 'modle'"},
      {"missing_structure.toml", "[run]\nname = \"x\"\n[structure]\nfile = \"nope.extxyz\"\n[potential]\n",
       "4:8: error: structure file 'nope.extxyz' not found"},
      {"syntax.toml", "[run]\nname = \"x\n", "bad_syntax"},
      {"wrong_type.toml", "[run]\nname = 3\n", "2:8: error"},
      {"negative_seed.toml", "[run]\nname = \"x\"\nseed = -4\n", "3:8: error"},
      {"missing_model.toml", good_head + "[potential]\nmodel = \"/nonexistent/model.pt\"\n", "8:9: error: model"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      const std::string path = write(dir + "/" + c.name, c.text);
      const std::string out = dir + "/out-" + c.name;
      const auto r = run_ioncycle("run --output " + out + " " + path);
      CHECK(r.exit_code == 2);
      if (c.expected != "bad_syntax") {
        CHECK_THAT(r.output, Catch::Contains(c.name + ":") && Catch::Contains(c.expected));
      } else {
        CHECK_THAT(r.output, Catch::Contains(c.name + ":2:"));
      }
      CHECK_FALSE(fs::exists(out));
      CHECK(count_entries(dir) == 1);  // only the input itself: no partial run directory either
    }
  }
}
