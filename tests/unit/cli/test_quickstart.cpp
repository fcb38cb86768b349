// SPDX-License-Identifier: MIT
//
// The README's main job, examples/quickstart.toml, end to end with the default model
// (SevenNet-0 + D3) in a shortened form: the same file with the charge cut to two insertions,
// a short rest and one removal. Checks that the outputs exist and agree with each other, and
// that the analysis at the end of the run wrote summary.json's "analysis", its tables and plots.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "testing.hpp"

namespace t = ioncycle::testing;
namespace fs = std::filesystem;

namespace {
std::size_t count_lines(const std::string& text) {
  std::size_t n = 0;
  for (const char c : text) n += c == '\n' ? 1 : 0;
  return n;
}
}  // namespace

TEST_CASE("quickstart, shortened, runs end to end with the default model", "[integration][cycling][slow]") {
  const std::string dir = t::temp_dir("quickstart");
  std::string text = t::read_file(t::source_path("examples/quickstart.toml"));
  REQUIRE(text.find("until = { soc = 1.0 }") != std::string::npos);
  REQUIRE(text.find("until = { soc = 0.0 }") != std::string::npos);
  REQUIRE(text.find("duration = \"25 fs\"") != std::string::npos);
  text = std::regex_replace(text, std::regex(R"(until = \{ soc = 1\.0 \})"), "until = { events = 2 }");
  text = std::regex_replace(text, std::regex(R"(until = \{ soc = 0\.0 \})"), "until = { events = 1 }");
  text = std::regex_replace(text, std::regex(R"(duration = "25 fs")"), "duration = \"10 fs\"");
  text = std::regex_replace(text, std::regex(R"(directory = "runs/quickstart")"), "directory = \"" + dir + "/run\"");
  const std::string path = dir + "/quickstart.toml";
  std::ofstream(path) << text;

  const auto r = t::run_command("IONCYCLE_CACHE_DIR=" + t::shell_quote(dir + "/cache") + " " +
                                t::shell_quote(t::ioncycle_binary()) + " run " + t::shell_quote(path) + " --threads 2");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string out = dir + "/run";
  for (const char* f : {"input.toml", "resolved.toml", "initial.extxyz", "thermo.csv", "events.csv", "trajectory.h5",
                        "checkpoint.h5", "log.txt", "final.extxyz", "summary.json", "voltage_profile.csv"}) {
    CHECK(fs::exists(out + "/" + f));
  }
  // two insertions at 25 and 50 fs, rest to 60 fs, one removal at 85 fs
  const std::string events = t::read_file(out + "/events.csv");
  REQUIRE(count_lines(events) == 4);
  CHECK(events.find(",25,1,1,intercalate,charge,insert,") != std::string::npos);
  CHECK(events.find(",50,1,1,intercalate,charge,insert,") != std::string::npos);
  CHECK(events.find(",85,1,3,deintercalate,discharge,remove,") != std::string::npos);

  const auto summary = nlohmann::json::parse(t::read_file(out + "/summary.json"));
  CHECK(summary["ion"]["inserted"] == 2);
  CHECK(summary["ion"]["removed"] == 1);
  CHECK(summary["ion"]["present"] == 1);
  CHECK(summary["ion"]["final_soc"].get<double>() == Approx(1.0 / 6.0));
  CHECK(summary["steps"] == 85);
  // μ_ref of bcc Li with SevenNet-0 + D3 is a cohesive-energy-sized negative number.
  CHECK(summary["ion"]["mu_ref_eV"].get<double>() < -1.0);
  CHECK(summary["ion"]["mu_ref_eV"].get<double>() > -4.0);
  CHECK(summary["protocol_steps"].size() == 3);
  // the thermo table's last row has the final ion count and state of charge
  const std::string thermo = t::read_file(out + "/thermo.csv");
  const auto last_row = thermo.substr(thermo.rfind('\n', thermo.size() - 2) + 1);
  CHECK(last_row.rfind("85,", 0) == 0);
  CHECK(last_row.find(",1,") != std::string::npos);

  // The run ends with the analysis (issue 7): summary.json's "analysis", the tables, and plots
  // that open as images (checked with Pillow from the venv).
  REQUIRE(summary.contains("analysis"));
  CHECK(summary["analysis"]["frames"].get<int>() >= 9);
  for (const char* table : {"staging.csv", "stage.csv", "spacing.csv", "layers.csv", "stacking.csv", "stress.csv",
                            "msd.csv", "diffusion.csv", "cycles.csv", "voltage.csv", "asymmetry.csv"}) {
    INFO(table);
    CHECK(count_lines(t::read_file(out + "/analysis/" + table)) >= 2);
  }
  const auto images = t::run_python(
      "import sys, pathlib\nfrom PIL import Image\n"
      "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.png')):\n"
      "    with Image.open(p) as im:\n"
      "        im.load()\n"
      "        print('IMAGE', p.name, im.format, im.size[0], im.size[1])\n",
      t::shell_quote(out + "/plots"));
  INFO(images.output);
  REQUIRE(images.exit_code == 0);
  const auto opened = t::tagged_lines(images.output, "IMAGE");
  for (const char* plot : {"staging_map.png", "spacing_vs_soc.png", "stress_vs_time.png", "stress_vs_soc.png",
                           "msd.png", "voltage_vs_soc.png"}) {
    INFO(plot);
    bool found = false;
    for (const auto& line : opened) found = found || line.rfind(std::string(plot) + " PNG ", 0) == 0;
    CHECK(found);
  }
}
