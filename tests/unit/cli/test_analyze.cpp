// SPDX-License-Identifier: MIT
//
// `ioncycle analyze` and `ioncycle compare` end to end on runs of a small graphite host with an
// analytic Lennard-Jones potential: the analysis that `ioncycle run` makes when it ends (every
// table, the "analysis" key of summary.json, plots that open as images), the cycle bookkeeping
// against the events table (trapped ions, the voltage hysteresis), damaged run directories
// (missing events table, truncated trajectory, a trajectory without ions, a malformed table:
// warnings and whatever can still be computed, never a crash), and two runs side by side.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "graphite_lj.hpp"
#include "testing.hpp"

namespace t = ioncycle::testing;
namespace fs = std::filesystem;

namespace {

// Two cycles: charge to LiC6 (6 ions, one per 20 fs), rest, discharge to half (3 ions out, first
// in first out). Cycle 1 leaves 3 of its ions in; cycle 2 inserts 3 and removes cycle 1's 3.
const char* kProtocol = R"(
[protocol]
cycles = 2
[[protocol.step]]
type = "intercalate"
rate = "1 ion / 20 fs"
until = { soc = 1.0 }
policy = "random"
[[protocol.step]]
type = "rest"
duration = "40 fs"
[[protocol.step]]
type = "deintercalate"
rate = "1 ion / 25 fs"
until = { soc = 0.5 }
policy = "first_in"
)";

std::vector<std::vector<std::string>> read_table(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& line : t::lines_of(t::read_file(path))) rows.push_back(t::csv_cells(line));
  return rows;
}
std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t k = 0; k < header.size(); ++k)
    if (header[k] == name) return k;
  FAIL("no column " << name);
  return 0;
}

std::string write_protocol(const std::string& dir, const std::string& out, int seed) {
  std::ostringstream s;
  s << "[run]\nname = \"analysis-test\"\nseed = " << seed << "\n\n"
    << "[structure]\nbuilder = \"graphite\"\nstacking = \"AB\"\nrepeat = [3, 3]\nlayers = 2\n"
    << t::kGraphiteLjPotential << "\n"
    << "[md]\ntimestep = \"1 fs\"\ntemperature = \"300 K\"\n"
    << "thermostat = { type = \"langevin\", damping = \"50 fs\" }\n\n"
    << "[ion]\nspecies = \"Li\"\ncapacity = \"LiC6\"\nelectrode = \"anode\"\nmu_ref = \"-0.5 eV\"\n\n"
    << kProtocol << "\n[output]\ndirectory = \"" << out
    << "\"\nthermo_every = \"5 fs\"\ntrajectory_every = \"5 fs\"\ncheckpoint_every = \"100 fs\"\n";
  const std::string path = dir + "/protocol-" + std::to_string(seed) + ".toml";
  std::ofstream(path) << s.str();
  return path;
}

t::CommandResult run_ioncycle(const std::string& args) {
  return t::run_command(t::shell_quote(t::ioncycle_binary()) + " " + args);
}

// Open every PNG with Pillow (the venv's) and print "IMAGE name width height mode".
std::map<std::string, std::pair<int, int>> open_images(const std::string& plots_dir) {
  const auto r = t::run_python(
      "import sys, pathlib\nfrom PIL import Image\n"
      "for p in sorted(pathlib.Path(sys.argv[1]).glob('*.png')):\n"
      "    with Image.open(p) as im:\n"
      "        im.load()\n"
      "        lo, hi = im.convert('L').getextrema()\n"
      "        print('IMAGE', p.name, im.size[0], im.size[1], im.format, hi - lo)\n",
      t::shell_quote(plots_dir));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, std::pair<int, int>> images;
  for (const auto& line : t::tagged_lines(r.output, "IMAGE")) {
    std::istringstream in(line);
    std::string name, format;
    int w = 0, h = 0, contrast = 0;
    in >> name >> w >> h >> format >> contrast;
    CHECK(format == "PNG");
    CHECK(contrast > 0);  // not a blank image
    images[name] = {w, h};
  }
  return images;
}

}  // namespace

TEST_CASE("run ends with the analysis: summary.json, every table, plots that open as images",
          "[integration][analysis]") {
  const std::string dir = t::temp_dir("analyze-run");
  const std::string out = dir + "/run";
  const auto r = run_ioncycle("run " + t::shell_quote(write_protocol(dir, out, 5)) + " --threads 1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("analysis ") != std::string::npos);

  const auto summary = nlohmann::json::parse(t::read_file(out + "/summary.json"));
  CHECK(summary["ion"]["inserted"] == 9);  // the run's own keys are kept
  REQUIRE(summary.contains("analysis"));
  const auto& a = summary["analysis"];
  for (const char* key : {"cycles", "stress", "transport", "staging", "layers", "hops", "asymmetry",
                          "segment_quantities", "segments", "warnings", "tables"})
    CHECK(a.contains(key));
  CHECK(a["frames"].get<int>() >= 410 / 5);
  CHECK(a["temperature_K"] == 300.0);  // [md] temperature of resolved.toml  // 410 fs of protocol, a frame every 5 fs

  for (const char* table : {"staging.csv", "stage.csv", "spacing.csv", "spacing_vs_soc.csv", "layers.csv",
                            "stacking.csv", "stress.csv", "stress_segments.csv", "residual_stress.csv", "msd.csv",
                            "diffusion.csv", "hop_rates.csv", "asymmetry.csv", "cycles.csv", "voltage.csv"}) {
    INFO(table);
    const auto rows = read_table(out + "/analysis/" + table);
    CHECK(rows.size() >= 2);  // a header and at least one row
  }

  // Trapped ions from the events: cycle 1 inserts 6 and takes back 3 of them; cycle 2 inserts 3
  // and removes the 3 left from cycle 1, so 3 of its own stay.
  const auto cycles = read_table(out + "/analysis/cycles.csv");
  const auto& h = cycles[0];
  int cycle_rows = 0;
  for (std::size_t k = 1; k < cycles.size(); ++k) {
    if (cycles[k][column(h, "step_type")] != "cycle") continue;
    ++cycle_rows;
    const int c = std::stoi(cycles[k][column(h, "cycle")]);
    CHECK(std::stoi(cycles[k][column(h, "inserted")]) == (c == 1 ? 6 : 3));
    CHECK(std::stoi(cycles[k][column(h, "removed")]) == 3);
    CHECK(std::stoi(cycles[k][column(h, "trapped")]) == 3);
  }
  CHECK(cycle_rows == 2);

  // The voltage hysteresis of cycle 1: mean insertion minus mean removal voltage estimate of the
  // events, computed here from events.csv.
  const auto events = read_table(out + "/events.csv");
  double sum_in = 0, sum_out = 0;
  int n_in = 0, n_out = 0;
  for (std::size_t k = 1; k < events.size(); ++k) {
    if (events[k][column(events[0], "cycle")] != "1") continue;
    const double v = std::stod(events[k][column(events[0], "voltage_V")]);
    if (events[k][column(events[0], "event")] == "insert") {
      sum_in += v;
      ++n_in;
    } else {
      sum_out += v;
      ++n_out;
    }
  }
  REQUIRE((n_in == 6 && n_out == 3));
  const auto asym = read_table(out + "/analysis/asymmetry.csv");
  bool found = false;
  for (std::size_t k = 1; k < asym.size(); ++k) {
    if (asym[k][column(asym[0], "quantity")] != "voltage" || asym[k][column(asym[0], "cycle")] != "1") continue;
    found = true;
    CHECK(std::stod(asym[k][column(asym[0], "charge")]) == Approx(sum_in / n_in).epsilon(1e-8));
    CHECK(std::stod(asym[k][column(asym[0], "discharge")]) == Approx(sum_out / n_out).epsilon(1e-8));
    CHECK(std::stod(asym[k][column(asym[0], "difference")]) == Approx(sum_in / n_in - sum_out / n_out).epsilon(1e-8));
  }
  CHECK(found);
  // The cycle summary carries the half cycles' and steps' quantities.
  const auto& cycle1 = a["cycles"]["cycles"][0];
  CHECK(cycle1["charge"]["voltage"]["value"].get<double>() == Approx(sum_in / n_in).epsilon(1e-8));
  CHECK(cycle1["discharge"]["voltage"]["value"].get<double>() == Approx(sum_out / n_out).epsilon(1e-8));
  CHECK(cycle1["steps"][0]["quantities"].contains("D"));
  CHECK(cycle1["steps"][0]["quantities"]["ions_moved"]["value"] == 6);

  const auto images = open_images(out + "/plots");
  for (const char* plot : {"staging_map.png", "stage.png", "spacing_vs_time.png", "spacing_vs_soc.png",
                           "stress_vs_time.png", "stress_vs_soc.png", "msd.png", "voltage_vs_soc.png",
                           "asymmetry.png", "sliding.png"}) {
    INFO(plot);
    REQUIRE(images.count(plot) == 1);
    CHECK(images.at(plot).first > 200);
    CHECK(images.at(plot).second > 150);
  }

  // Analyzing again gives the same tables (the analysis is a function of the run directory).
  const std::string before = t::read_file(out + "/analysis/cycles.csv") + t::read_file(out + "/analysis/msd.csv");
  const auto again = run_ioncycle("analyze " + t::shell_quote(out) + " --no-plots");
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  CHECK(t::read_file(out + "/analysis/cycles.csv") + t::read_file(out + "/analysis/msd.csv") == before);
  // The fit range of D: fractions of the block duration (default 0.1 to 0.5, a ratio of 5).
  auto fit_ratio = [&] {
    const auto d = read_table(out + "/analysis/diffusion.csv");
    for (std::size_t k = 1; k < d.size(); ++k)
      if (d[k][0] == "all" && d[k][1] == "Li")
        return std::stod(d[k][column(d[0], "fit_end_ps")]) / std::stod(d[k][column(d[0], "fit_start_ps")]);
    return 0.0;
  };
  CHECK(fit_ratio() == Approx(5.0));
  const auto refit = run_ioncycle("analyze " + t::shell_quote(out) + " --no-plots --fit-start 0.2 --fit-end 0.4");
  REQUIRE(refit.exit_code == 0);
  CHECK(fit_ratio() == Approx(2.0));
  const auto bad_fit = run_ioncycle("analyze " + t::shell_quote(out) + " --fit-start 0.6 --fit-end 0.4");
  CHECK(bad_fit.exit_code == 2);
  CHECK(bad_fit.output.find("--fit-start must be below --fit-end") != std::string::npos);

  // Two runs side by side.
  const std::string out2 = dir + "/run2";
  const auto r2 = run_ioncycle("run " + t::shell_quote(write_protocol(dir, out2, 6)) + " --threads 1 --no-analysis");
  REQUIRE(r2.exit_code == 0);
  CHECK(!fs::exists(out2 + "/analysis"));
  const auto cmp = run_ioncycle("compare " + t::shell_quote(out) + " " + t::shell_quote(out2) + " --out " +
                            t::shell_quote(dir + "/cmp"));
  INFO(cmp.output);
  REQUIRE(cmp.exit_code == 0);
  CHECK(fs::exists(out2 + "/analysis/cycles.csv"));  // analyzed on the way
  const auto comparison = read_table(dir + "/cmp/comparison.csv");
  REQUIRE(comparison.size() > 5);
  CHECK(comparison[0][2] == "run");
  CHECK(comparison[0][4] == "run2");
  bool trapped_row = false;
  for (const auto& row : comparison)
    if (row[0] == "trapped [c1]") {
      trapped_row = true;
      CHECK(row[2] == "3");
      CHECK(row[4] == "3");
    }
  CHECK(trapped_row);
  CHECK(!open_images(dir + "/cmp/plots").empty());
}

TEST_CASE("analyze: damaged run directories give warnings and what can still be computed, never a crash",
          "[integration][analysis]") {
  const std::string dir = t::temp_dir("analyze-damaged");
  const std::string out = dir + "/run";
  const auto r = run_ioncycle("run " + t::shell_quote(write_protocol(dir, out, 9)) + " --threads 1 --no-analysis");
  REQUIRE(r.exit_code == 0);

  SECTION("no events table") {
    fs::remove(out + "/events.csv");
    const auto a = run_ioncycle("analyze " + t::shell_quote(out) + " --no-plots");
    INFO(a.output);
    CHECK(a.exit_code == 0);
    CHECK(a.output.find("events.csv") != std::string::npos);
    CHECK(fs::exists(out + "/analysis/staging.csv"));
    CHECK(fs::exists(out + "/analysis/msd.csv"));
    CHECK(fs::exists(out + "/analysis/cycles.csv"));  // from summary.json's protocol steps
  }
  SECTION("a malformed events table names the file and line") {
    std::string text = t::read_file(out + "/events.csv");
    const auto second_line = text.find('\n') + 1;
    text.replace(second_line, text.find(',', second_line) - second_line, "abc");
    std::ofstream(out + "/events.csv") << text;
    const auto a = run_ioncycle("analyze " + t::shell_quote(out) + " --no-plots");
    INFO(a.output);
    CHECK(a.exit_code == 0);
    CHECK(a.output.find("events.csv:2:") != std::string::npos);
    CHECK(fs::exists(out + "/analysis/staging.csv"));
  }
  SECTION("a truncated trajectory") {
    const auto size = fs::file_size(out + "/trajectory.h5");
    fs::resize_file(out + "/trajectory.h5", size / 2);
    const auto a = run_ioncycle("analyze " + t::shell_quote(out) + " --no-plots");
    INFO(a.output);
    CHECK(a.exit_code == 0);
    CHECK(a.output.find("trajectory.h5") != std::string::npos);
    CHECK(fs::exists(out + "/analysis/cycles.csv"));
    CHECK(fs::exists(out + "/analysis/voltage.csv"));
    const auto summary = nlohmann::json::parse(t::read_file(out + "/summary.json"));
    CHECK(!summary["analysis"]["warnings"].empty());
  }
  SECTION("no summary.json (a killed run): steps come from thermo.csv") {
    fs::remove(out + "/summary.json");
    const auto a = run_ioncycle("analyze " + t::shell_quote(out) + " --no-plots");
    INFO(a.output);
    CHECK(a.exit_code == 0);
    const auto cycles = read_table(out + "/analysis/cycles.csv");
    int cycle_rows = 0;
    for (const auto& row : cycles) cycle_rows += row.size() > 2 && row[2] == "cycle" ? 1 : 0;
    CHECK(cycle_rows == 2);
  }
  SECTION("not a directory") {
    const auto a = run_ioncycle("analyze " + t::shell_quote(dir + "/nothing-here"));
    CHECK(a.exit_code == 2);
    CHECK(a.output.find("not a run directory") != std::string::npos);
  }
}

TEST_CASE("analyze: a trajectory without ions (plain MD) gives the host analyses and says there are no ions",
          "[integration][analysis]") {
  const std::string dir = t::temp_dir("analyze-noions");
  std::ostringstream s;
  s << "[run]\nname = \"md\"\nseed = 3\n[structure]\nbuilder = \"graphite\"\nstacking = \"AB\"\nrepeat = [3, 3]\n"
    << "layers = 2\n" << t::kGraphiteLjPotential << "\n[md]\ntimestep = \"1 fs\"\ntemperature = \"300 K\"\nsteps = 100\n"
    << "thermostat = { type = \"langevin\", damping = \"50 fs\" }\n[output]\ndirectory = \"" << dir
    << "/md\"\ntrajectory_every = \"5 fs\"\n";
  std::ofstream(dir + "/md.toml") << s.str();
  const auto r = run_ioncycle("md " + t::shell_quote(dir + "/md.toml") + " --threads 1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto a = run_ioncycle("analyze " + t::shell_quote(dir + "/md"));
  INFO(a.output);
  CHECK(a.exit_code == 0);
  CHECK(a.output.find("no Li ions") != std::string::npos);
  CHECK(fs::exists(dir + "/md/analysis/stacking.csv"));
  CHECK(fs::exists(dir + "/md/analysis/stress.csv"));
  const auto msd = read_table(dir + "/md/analysis/msd.csv");
  bool host_rows = false;
  for (const auto& row : msd) host_rows = host_rows || (row.size() > 1 && row[1] == "host");
  CHECK(host_rows);  // the host still has an MSD
}

TEST_CASE("analyze --arrhenius: D of each run against its temperature gives Ea and D0", "[integration][analysis]") {
  // Three analyzed runs (summary.json with the analysis: the run's temperature and D over the
  // whole run) at 500, 700 and 1000 K whose D follows D0 exp(-Ea/kT) with Ea = 0.3 eV, D0 = 1e-3 cm²/s exactly.
  const std::string dir = t::temp_dir("arrhenius");
  const double kB = 8.617333262e-5;  // eV/K (CODATA 2018)
  std::string args;
  for (const double temperature : {500.0, 700.0, 1000.0}) {
    const std::string run = dir + "/T" + std::to_string(static_cast<int>(temperature));
    fs::create_directories(run);
    const double d = 1e-3 * std::exp(-0.3 / (kB * temperature));
    nlohmann::json summary = {{"analysis",
                               {{"temperature_K", temperature},
                                {"segment_quantities",
                                 {{{"segment", "all"}, {"name", "D"}, {"unit", "cm2/s"}, {"value", d}, {"error", 0.05 * d}}}}}}};
    std::ofstream(run + "/summary.json") << summary.dump(2);
    args += " " + t::shell_quote(run);
  }
  const auto r = run_ioncycle("analyze --arrhenius" + args + " --out " + t::shell_quote(dir + "/fit"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto fit = nlohmann::json::parse(t::read_file(dir + "/fit/arrhenius.json"));
  CHECK(fit["Ea_eV"]["value"].get<double>() == Approx(0.3).epsilon(1e-8));
  CHECK(fit["prefactor_cm2_s"]["value"].get<double>() == Approx(1e-3).epsilon(1e-8));
  CHECK(fit["Ea_eV"]["error"].get<double>() > 0.0);
  const auto rows = read_table(dir + "/fit/arrhenius.csv");
  REQUIRE(rows.size() == 4);
  CHECK(rows[1][0] == "T500");
  CHECK(std::stod(rows[1][1]) == 500.0);
}
