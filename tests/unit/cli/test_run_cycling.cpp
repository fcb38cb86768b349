// SPDX-License-Identifier: MIT
//
// `ioncycle run` end to end on a small graphite host with an analytic Lennard-Jones potential
// (so the whole protocol runs in seconds): galvanostatic events at exactly their scheduled
// times, the ion ledger against the trajectory, resume after SIGKILL at random moments equal to
// the bit to an uninterrupted run, SIGINT writes a checkpoint and --resume finishes the run, and
// `hold` reproduces the exact lattice-gas occupancy (a Fermi function of the voltage).
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/rng.hpp"
#include "io/h5md_reader.hpp"
#include "graphite_lj.hpp"
#include "testing.hpp"

namespace t = ioncycle::testing;
namespace fs = std::filesystem;

namespace {

std::string cycling_file(const std::string& dir, const std::string& protocol, const std::string& output) {
  std::ostringstream s;
  s << "[run]\nname = \"cycling-test\"\nseed = 11\n\n"
    << "[structure]\nbuilder = \"graphite\"\nstacking = \"AB\"\nrepeat = [3, 3]\nlayers = 2\n"
    << t::kGraphiteLjPotential << "\n"
    << "[md]\ntimestep = \"1 fs\"\ntemperature = \"300 K\"\n"
    << "thermostat = { type = \"langevin\", damping = \"50 fs\" }\n\n"
    << "[ion]\nspecies = \"Li\"\ncapacity = \"LiC6\"\nelectrode = \"anode\"\nmu_ref = \"-0.5 eV\"\n\n"
    << protocol << "\n" << output;
  const std::string path = dir + "/protocol.toml";
  std::ofstream(path) << s.str();
  return path;
}

const char* kCycle = R"(
[protocol]
cycles = 1
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

// The runs here test the run itself; the analysis at its end has its own tests (test_analyze.cpp).
t::CommandResult run(const std::string& args) {
  return t::run_command(t::shell_quote(t::ioncycle_binary()) + " run --no-analysis " + args);
}

}  // namespace

TEST_CASE("run: galvanostatic events at their scheduled times, ledger balances with the trajectory",
          "[integration][cycling]") {
  const std::string dir = t::temp_dir("run-galvanostatic");
  const std::string out = dir + "/run";
  const auto file = cycling_file(dir, kCycle,
                                 "[output]\ndirectory = \"" + out +
                                     "\"\nthermo_every = \"5 fs\"\ntrajectory_every = \"5 fs\"\ncheckpoint_every = \"50 fs\"\n");
  const auto r = run(t::shell_quote(file) + " --threads 1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  for (const char* f : {"input.toml", "resolved.toml", "initial.extxyz", "thermo.csv", "events.csv", "trajectory.h5",
                        "checkpoint.h5", "log.txt", "final.extxyz", "summary.json", "voltage_profile.csv"}) {
    CHECK(fs::exists(out + "/" + f));
  }
  // 36 C -> LiC6 capacity 6: six insertions at 20, 40, ..., 120 fs; rest 40 fs (to 160 fs);
  // three removals at 185, 210, 235 fs (soc 0.5), first in first out.
  const auto rows = t::lines_of(t::read_file(out + "/events.csv"));
  REQUIRE(rows.size() == 1 + 6 + 3);
  std::vector<long long> inserted_ids;
  for (std::size_t k = 1; k <= 6; ++k) {
    const auto c = t::csv_cells(rows[k]);
    CHECK(std::stoll(c[1]) == static_cast<long long>(20 * k));
    CHECK(c[6] == "insert");
    CHECK(c[5] == "charge");
    inserted_ids.push_back(std::stoll(c[7]));
    CHECK(std::stod(c[14]) == Approx(static_cast<double>(k) / 6.0));
  }
  const long long removal_steps[3] = {185, 210, 235};
  for (std::size_t k = 0; k < 3; ++k) {
    const auto c = t::csv_cells(rows[7 + k]);
    CHECK(std::stoll(c[1]) == removal_steps[k]);
    CHECK(c[6] == "remove");
    CHECK(c[5] == "discharge");
    CHECK(std::stoll(c[7]) == inserted_ids[k]);  // first_in
  }
  // ids never reused
  CHECK(std::set<long long>(inserted_ids.begin(), inserted_ids.end()).size() == inserted_ids.size());

  // Every event matches the trajectory: an inserted ion is absent from the frames up to its
  // event step and present after it until its removal.
  auto reader = ioncycle::io::H5mdReader::open(out + "/trajectory.h5");
  std::map<long long, std::pair<long long, long long>> life;  // id -> (inserted step, removed step)
  for (std::size_t k = 1; k < rows.size(); ++k) {
    const auto c = t::csv_cells(rows[k]);
    const long long id = std::stoll(c[7]);
    if (c[6] == "insert") life[id] = {std::stoll(c[1]), -1};
    else life[id].second = std::stoll(c[1]);
  }
  REQUIRE(reader.num_frames() > 10);
  for (std::size_t f = 0; f < reader.num_frames(); ++f) {
    const auto frame = reader.read_frame(f);
    const auto step = std::get<std::int64_t>(frame.info.at("step"));
    std::set<long long> ids(frame.system.ids().begin(), frame.system.ids().end());
    std::size_t num_li = 0;
    for (const int z : frame.system.atomic_numbers()) num_li += z == 3 ? 1 : 0;
    std::size_t expected = 0;
    for (const auto& [id, span] : life) {
      const bool present = step > span.first && (span.second < 0 || step <= span.second);
      CHECK(ids.count(id) == (present ? 1U : 0U));
      expected += present ? 1 : 0;
    }
    CHECK(num_li == expected);
  }
  const auto summary = t::read_file(out + "/summary.json");
  CHECK(summary.find("\"inserted\": 6") != std::string::npos);
  CHECK(summary.find("\"removed\": 3") != std::string::npos);
}

TEST_CASE("run: an existing run directory is never overwritten without --overwrite", "[integration][cycling]") {
  const std::string dir = t::temp_dir("run-overwrite");
  const std::string out = dir + "/run";
  const auto file = cycling_file(dir, kCycle, "[output]\ndirectory = \"" + out + "\"\n");
  REQUIRE(run(t::shell_quote(file) + " --threads 1").exit_code == 0);
  REQUIRE(run(t::shell_quote(file) + " --threads 1").exit_code == 0);
  CHECK(fs::exists(out + "/summary.json"));
  CHECK(fs::exists(out + "-2/summary.json"));
  std::ofstream(out + "/marker") << "x";
  REQUIRE(run(t::shell_quote(file) + " --threads 1 --overwrite").exit_code == 0);
  CHECK_FALSE(fs::exists(out + "/marker"));
}

TEST_CASE("run: resumed after SIGKILL at random moments, the run ends identical to the bit", "[integration][cycling]") {
  const std::string dir = t::temp_dir("run-kill");
  // A longer protocol with many checkpoints, so that kills land in the middle of it.
  const std::string protocol = R"(
[protocol]
cycles = 2
[[protocol.step]]
type = "intercalate"
rate = "1 ion / 200 fs"
until = { soc = 1.0 }
policy = "lowest_energy"
candidates = 4
[[protocol.step]]
type = "deintercalate"
rate = "1 ion / 200 fs"
until = { soc = 0.0 }
policy = "highest_energy"
)";
  const std::string output_keys = "\nthermo_every = \"10 fs\"\ntrajectory_every = \"50 fs\"\ncheckpoint_every = \"100 fs\"\n";
  const std::string reference = dir + "/reference";
  const auto file = cycling_file(dir, protocol, "[output]\ndirectory = \"" + reference + "\"" + output_keys);
  const auto t0 = std::chrono::steady_clock::now();
  const auto ref = run(t::shell_quote(file) + " --threads 1");
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO(ref.output);
  REQUIRE(ref.exit_code == 0);

  ioncycle::core::Rng rng(20261121);
  int resumed = 0;
  for (int attempt = 0; attempt < 12 && resumed < 3; ++attempt) {
    const std::string out = dir + "/killed-" + std::to_string(attempt);
    const double at = wall * rng.uniform(0.25, 0.95);
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", at);
    const auto killed = t::run_command("timeout -s KILL " + std::string(seconds) + " " +
                                       t::shell_quote(t::ioncycle_binary()) + " run --no-analysis " + t::shell_quote(file) +
                                       " --threads 1 --output " + t::shell_quote(out));
    if (killed.exit_code == 0 || !fs::exists(out + "/checkpoint.h5")) continue;  // finished first, or no checkpoint yet
    const auto again = run("--resume " + t::shell_quote(out) + " --threads 1");
    INFO(again.output);
    REQUIRE(again.exit_code == 0);
    ++resumed;
    CHECK(t::read_file(out + "/final.extxyz") == t::read_file(reference + "/final.extxyz"));
    CHECK(t::read_file(out + "/events.csv") == t::read_file(reference + "/events.csv"));
    CHECK(t::read_file(out + "/thermo.csv") == t::read_file(reference + "/thermo.csv"));
    auto a = ioncycle::io::H5mdReader::open(out + "/trajectory.h5");
    auto b = ioncycle::io::H5mdReader::open(reference + "/trajectory.h5");
    REQUIRE(a.num_frames() == b.num_frames());
    for (std::size_t f = 0; f < a.num_frames(); ++f) {
      const auto fa = a.read_frame(f);
      const auto fb = b.read_frame(f);
      REQUIRE(fa.system.num_atoms() == fb.system.num_atoms());
      for (std::size_t i = 0; i < fa.system.num_atoms(); ++i) {
        CHECK(fa.system.ids()[i] == fb.system.ids()[i]);
        CHECK(fa.system.positions()[i] == fb.system.positions()[i]);
      }
    }
  }
  CHECK(resumed >= 3);
}

TEST_CASE("run: SIGINT writes a checkpoint and exits; --resume finishes the run", "[integration][cycling]") {
  const std::string dir = t::temp_dir("run-sigint");
  const std::string protocol = R"(
[protocol]
cycles = 1
[[protocol.step]]
type = "rest"
duration = "400 ps"
)";
  const std::string out = dir + "/run";
  const auto file = cycling_file(dir, protocol,
                                 "[output]\ndirectory = \"" + out + "\"\nthermo_every = \"100 fs\"\ncheckpoint_every = \"100 ps\"\n");
  const auto interrupted = t::run_command("timeout --preserve-status -s INT 2 " + t::shell_quote(t::ioncycle_binary()) + " run --no-analysis " +
                                          t::shell_quote(file) + " --threads 1");
  INFO(interrupted.output);
  REQUIRE(interrupted.exit_code == 130);
  REQUIRE(fs::exists(out + "/checkpoint.h5"));
  CHECK_FALSE(fs::exists(out + "/summary.json"));
  CHECK(interrupted.output.find("--resume") != std::string::npos);
  const auto resumed = run("--resume " + t::shell_quote(out) + " --threads 1");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  // thermo rows continue without duplicated or missing steps
  const auto rows = t::lines_of(t::read_file(out + "/thermo.csv"));
  REQUIRE(rows.size() > 3);
  long long previous = -1;
  for (std::size_t k = 1; k < rows.size(); ++k) {
    const long long step = std::stoll(t::csv_cells(rows[k])[0]);
    CHECK(step == previous + (previous < 0 ? 1 : 100));
    previous = step;
  }
  CHECK(previous == 400000);
}

TEST_CASE("run: hold reproduces the exact lattice-gas occupancy at several voltages", "[integration][cycling][stochastic]") {
  // Independent sites: Li sees nothing (its pairs are cut off below the insertion distance), so
  // every insertion costs ΔE = 0 exactly and the occupancy of the M = capacity sites is the
  // Fermi function θ = 1 / (1 + exp((ΔE − μ)/kT)), μ = μ_ref − eV (docs/theory.md).
  const double kT = 8.617333262e-5 * 300.0;
  const double mu_ref = -0.02;
  for (const double volts : {-0.04, 0.0, 0.03}) {
    const std::string dir = t::temp_dir("run-hold");
    const std::string out = dir + "/run";
    std::ostringstream s;
    s << "[run]\nname = \"hold\"\nseed = 5\n\n[structure]\nbuilder = \"graphite\"\nstacking = \"AB\"\nrepeat = [3, 3]\nlayers = 2\n"
      << "[potential]\ntype = \"lj\"\n[[potential.pair]]\nelements = [\"C\", \"C\"]\nepsilon = \"0.3 eV\"\nsigma = \"1.265 A\"\ncutoff = \"1.9 A\"\n"
      << "[[potential.pair]]\nelements = [\"Li\", \"C\"]\nepsilon = \"0.001 eV\"\nsigma = \"0.5 A\"\ncutoff = \"0.6 A\"\n"
      << "[[potential.pair]]\nelements = [\"Li\", \"Li\"]\nepsilon = \"0.001 eV\"\nsigma = \"0.5 A\"\ncutoff = \"0.6 A\"\n"
      << "[md]\ntimestep = \"0.01 fs\"\ntemperature = \"300 K\"\nthermostat = { type = \"langevin\", damping = \"100 fs\" }\n"
      << "[ion]\nspecies = \"Li\"\ncapacity = 12\nmu_ref = \"" << mu_ref << " eV\"\nmin_distance = \"1.2 A\"\n"
      << "[protocol]\n[[protocol.step]]\ntype = \"hold\"\nvoltage = \"" << volts << " V\"\nexchange_every = \"0.01 fs\"\nmoves = 20\n"
      << "sites = \"anywhere\"\nuntil = { time = \"40 fs\" }\n"
      << "[output]\ndirectory = \"" << out << "\"\nthermo_every = \"0.01 fs\"\ntrajectory_every = \"40 fs\"\ncheckpoint_every = \"40 fs\"\n";
    const std::string path = dir + "/hold.toml";
    std::ofstream(path) << s.str();
    const auto r = run(t::shell_quote(path) + " --threads 1");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    // Time average of N over the rows after the first quarter, with a block-averaged error.
    const auto rows = t::lines_of(t::read_file(out + "/thermo.csv"));
    std::vector<double> n;
    for (std::size_t k = 1 + (rows.size() - 1) / 4; k < rows.size(); ++k) n.push_back(std::stod(t::csv_cells(rows[k])[9]));
    const std::size_t num_blocks = 20;
    const std::size_t block = n.size() / num_blocks;
    std::vector<double> means;
    for (std::size_t b = 0; b < num_blocks; ++b) {
      double sum = 0.0;
      for (std::size_t k = b * block; k < (b + 1) * block; ++k) sum += n[k];
      means.push_back(sum / static_cast<double>(block) / 12.0);
    }
    double mean = 0.0;
    for (const double m : means) mean += m / static_cast<double>(num_blocks);
    double var = 0.0;
    for (const double m : means) var += (m - mean) * (m - mean) / static_cast<double>(num_blocks - 1);
    const double stderr_mean = std::sqrt(var / static_cast<double>(num_blocks));
    const double mu = mu_ref - volts;
    const double exact = 1.0 / (1.0 + std::exp((0.0 - mu) / kT));
    INFO("V = " << volts << " occupancy " << mean << " ± " << stderr_mean << ", exact " << exact);
    CHECK(std::abs(mean - exact) < 3.0 * stderr_mean + 1e-9);
    CHECK(stderr_mean < 0.05);
  }
}

TEST_CASE("run: minimize relaxes, ramp moves the thermostat's target", "[integration][cycling][stochastic]") {
  const std::string dir = t::temp_dir("run-ramp");
  const std::string out = dir + "/run";
  const std::string protocol = R"(
[protocol]
[[protocol.step]]
type = "minimize"
force_tolerance = "0.01 eV/A"
[[protocol.step]]
type = "rest"
duration = "500 fs"
temperature = "100 K"
[[protocol.step]]
type = "ramp"
from = "100 K"
to = "900 K"
duration = "2 ps"
[[protocol.step]]
type = "rest"
duration = "500 fs"
temperature = "900 K"
)";
  const auto file = cycling_file(dir, protocol, "[output]\ndirectory = \"" + out + "\"\nthermo_every = \"10 fs\"\n");
  const auto r = run(t::shell_quote(file) + " --threads 1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string log = t::read_file(out + "/log.txt");
  CHECK(log.find("minimized: converged") != std::string::npos);
  // mean temperature of the rest at 100 K against the rest after the ramp to 900 K
  const auto rows = t::lines_of(t::read_file(out + "/thermo.csv"));
  double cold = 0.0, hot = 0.0;
  int num_cold = 0, num_hot = 0;
  for (std::size_t k = 1; k < rows.size(); ++k) {
    const auto c = t::csv_cells(rows[k]);
    const double time_fs = std::stod(c[1]) * 1e3;
    const double temperature = std::stod(c[2]);
    if (time_fs > 250 && time_fs <= 500) cold += temperature, ++num_cold;
    if (time_fs > 2750) hot += temperature, ++num_hot;
  }
  REQUIRE(num_cold > 10);
  REQUIRE(num_hot > 10);
  cold /= num_cold;
  hot /= num_hot;
  INFO("cold " << cold << " K, hot " << hot << " K");
  CHECK(cold == Approx(100.0).margin(40.0));
  CHECK(hot == Approx(900.0).margin(250.0));
}

TEST_CASE("run: a runaway temperature stops the run naming step, time and checkpoint", "[integration][cycling]") {
  const std::string dir = t::temp_dir("run-guard");
  const std::string out = dir + "/run";
  const std::string protocol = R"(
[protocol]
[[protocol.step]]
type = "rest"
duration = "1 ps"
)";
  auto file = cycling_file(dir, protocol, "[output]\ndirectory = \"" + out + "\"\nthermo_every = \"10 fs\"\n");
  // start far too hot: 30000 K against a 300 K target
  std::string text = t::read_file(file);
  text.replace(text.find("[md]\n"), 5, "[md]\ninitial_temperature = \"30000 K\"\n");
  std::ofstream(file) << text;
  const auto r = run(t::shell_quote(file) + " --threads 1");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.output, Catch::Contains("step 0, t = 0 fs") && Catch::Contains("above the guard limit") &&
                           Catch::Contains("no checkpoint was written yet"));
  CHECK_FALSE(fs::exists(out + "/summary.json"));
  CHECK(fs::exists(out + "/log.txt"));
}

TEST_CASE("the ready-made protocols, the quickstart and the distill example validate", "[integration][cycling][slow]") {
  const std::string dir = t::temp_dir("protocols-check");
  for (const char* name : {"examples/quickstart.toml", "protocols/graphite-cycling.toml",
                           "protocols/graphite-stacking-fault.toml", "protocols/graphite-vacancies.toml",
                           "protocols/licoo2-cycling.toml", "protocols/voltage-staircase.toml"}) {
    const auto r = t::run_command("cd " + t::shell_quote(dir) + " && " + t::shell_quote(t::ioncycle_binary()) +
                                  " run --check " + t::shell_quote(t::source_path(name)));
    INFO(name << "\n" << r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("is valid"));
  }
  // The distill example builds its hosts and loads its teacher (SevenNet-0, deployed by set-up).
  const auto r = t::run_command("cd " + t::shell_quote(dir) + " && " + t::shell_quote(t::ioncycle_binary()) +
                                " distill --check " + t::shell_quote(t::source_path("examples/distill-li-graphite.toml")));
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("hosts       3"));
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}) == 0);
}

TEST_CASE("run: the protocol's global end condition stops the whole run", "[integration][cycling]") {
  const std::string dir = t::temp_dir("run-global-end");
  const std::string out = dir + "/run";
  std::string protocol = kCycle;
  // three cycles, but the whole run ends after 4 events
  protocol.replace(protocol.find("cycles = 1"), 10, "cycles = 3\nuntil = { events = 4 }");
  const auto file = cycling_file(dir, protocol, "[output]\ndirectory = \"" + out + "\"\n");
  const auto r = run(t::shell_quote(file) + " --threads 1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto rows = t::lines_of(t::read_file(out + "/events.csv"));
  CHECK(rows.size() == 1 + 4);
  const std::string summary = t::read_file(out + "/summary.json");
  CHECK(summary.find("protocol event limit reached") != std::string::npos);
  CHECK(summary.find("\"steps\": 80") != std::string::npos);
}

TEST_CASE("run: a run file given without a directory (in the working directory) runs", "[integration][cycling]") {
  const std::string dir = t::temp_dir("run-cwd");
  (void)cycling_file(dir, kCycle, "[output]\ndirectory = \"run\"\n");
  const auto r = t::run_command("cd " + t::shell_quote(dir) + " && " + t::shell_quote(t::ioncycle_binary()) +
                                " run --no-analysis protocol.toml");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(fs::exists(dir + "/run/summary.json"));
}

TEST_CASE("run: a charge that finds the host full ends its step, and the protocol goes on", "[integration][cycling]") {
  // An exclusion above LiC6's Li-Li distance (4.26 A): the 3x3 galleries of the 36-C host hold
  // fewer ions than its capacity of 6, so the charge to soc 1 cannot finish.
  const std::string dir = t::temp_dir("run-host-full");
  const std::string out = dir + "/run";
  const auto file = cycling_file(dir, kCycle, "[output]\ndirectory = \"" + out + "\"\n");
  {
    std::string text = t::read_file(file);
    text.replace(text.find("mu_ref"), 0, "exclusion = \"4.4 A\"\n");
    std::ofstream(file) << text;
  }
  const auto r = run(t::shell_quote(file) + " --threads 1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto rows = t::lines_of(t::read_file(out + "/events.csv"));
  int inserted = 0;
  for (std::size_t k = 1; k < rows.size(); ++k) inserted += t::csv_cells(rows[k])[6] == "insert" ? 1 : 0;
  CHECK(inserted >= 2);
  CHECK(inserted < 6);
  const auto summary = nlohmann::json::parse(t::read_file(out + "/summary.json"));
  const auto& steps = summary.at("protocol_steps");
  REQUIRE(steps.size() == 3);
  CHECK_THAT(steps[0].at("end_reason").get<std::string>(), Catch::StartsWith("host full: no site") &&
                                                             Catch::Contains("4.4 A from other Li"));
  CHECK(steps[1].at("type").get<std::string>() == "rest");
  CHECK(steps[2].at("type").get<std::string>() == "deintercalate");
  CHECK(t::read_file(out + "/resolved.toml").find("exclusion = \"4.4 A\"") != std::string::npos);
}
