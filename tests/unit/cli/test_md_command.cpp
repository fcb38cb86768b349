// SPDX-License-Identifier: MIT
//
// `ioncycle md` end to end: a small Lennard-Jones argon crystal runs NVE and NVT, the outputs
// exist and are consistent with each other (thermo rows, trajectory frames, final structure),
// and configuration mistakes give one located error, status 2, and no run directory.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/cell.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"
#include "io/structure_io.hpp"
#include "testing.hpp"

namespace t = ioncycle::testing;
namespace fs = std::filesystem;

namespace {

// fcc argon (testing.hpp) as argon.extxyz in `dir`.
std::string write_argon(const std::string& dir) {
  ioncycle::io::Frame f;
  f.system = t::fcc_argon();
  const std::string path = dir + "/argon.extxyz";
  ioncycle::io::write_structure(path, f);
  return path;
}

const char* kPotential = R"(
[potential]
type = "lj"
shift = true
[[potential.pair]]
elements = ["Ar", "Ar"]
epsilon = "0.0104 eV"
sigma = "3.405 A"
cutoff = "7.5 A"
)";

t::CommandResult run_md(const std::string& config, const std::string& extra = {}) {
  return t::run_command(t::shell_quote(t::ioncycle_binary()) + " md " + extra + " " + t::shell_quote(config));
}

std::vector<std::vector<double>> read_csv(const std::string& path, std::vector<std::string>& header) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  std::stringstream hs(line);
  for (std::string h; std::getline(hs, h, ',');) header.push_back(h);
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::vector<double> row;
    for (std::string v; std::getline(ls, v, ',');) row.push_back(std::stod(v));
    rows.push_back(row);
  }
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  REQUIRE(it != header.end());
  return static_cast<std::size_t>(it - header.begin());
}

}  // namespace

TEST_CASE("ioncycle md runs NVE argon and its outputs agree with each other", "[unit][cli][md]") {
  const auto dir = t::temp_dir("md-nve");
  write_argon(dir);
  const std::string config = dir + "/nve.toml";
  std::ofstream(config) << "[run]\nname = \"nve\"\nseed = 3\n\n[structure]\nfile = \"argon.extxyz\"\n" << kPotential
                        << "\n[md]\ntimestep = \"2 fs\"\nsteps = 200\ninitial_temperature = \"40 K\"\n\n"
                           "[output]\ndirectory = \"" << dir << "/out\"\nthermo_every = \"20 fs\"\n"
                           "trajectory_every = \"100 fs\"\ntrajectory_velocities = true\n";
  const auto r = run_md(config);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  for (const char* f : {"input.toml", "initial.extxyz", "thermo.csv", "trajectory.h5", "final.extxyz", "summary.json", "log.txt"}) {
    CHECK(fs::exists(dir + "/out/" + f));
  }
  std::vector<std::string> header;
  const auto rows = read_csv(dir + "/out/thermo.csv", header);
  REQUIRE(rows.size() == 21);  // steps 0, 10, ..., 200
  const auto step = column(header, "step");
  const auto temp = column(header, "temperature_K");
  const auto total = column(header, "total_energy_eV");
  CHECK(rows.front()[step] == 0);
  CHECK(rows.back()[step] == 200);
  CHECK(rows.front()[temp] == Approx(40.0).epsilon(1e-6));  // rescaled to exactly 40 K
  // NVE with dt = 2 fs: the total energy of 108 argon atoms stays within 1e-4 eV/atom.
  for (const auto& row : rows) CHECK(std::abs(row[total] - rows.front()[total]) < 1e-4 * 108);
  // The trajectory holds steps 0, 50, 100, 150, 200 and its last frame is the final structure.
  const auto traj = ioncycle::io::read_frames(dir + "/out/trajectory.h5");
  REQUIRE(traj.size() == 5);
  const auto final_frame = ioncycle::io::read_structure(dir + "/out/final.extxyz");
  REQUIRE(traj.back().system.num_atoms() == final_frame.system.num_atoms());
  for (std::size_t i = 0; i < final_frame.system.num_atoms(); ++i) {
    CHECK((traj.back().system.positions()[i] - final_frame.system.positions()[i]).norm() < 1e-9);
    CHECK((traj.back().system.velocities()[i] - final_frame.system.velocities()[i]).norm() < 1e-12);
  }
  // --check validates without running or writing.
  const auto c = run_md(config, "--check --output " + dir + "/checked");
  CHECK(c.exit_code == 0);
  CHECK_FALSE(fs::exists(dir + "/checked"));
}

TEST_CASE("ioncycle md with a Langevin thermostat holds the temperature", "[unit][cli][md]") {
  const auto dir = t::temp_dir("md-nvt");
  write_argon(dir);
  const std::string config = dir + "/nvt.toml";
  std::ofstream(config) << "[structure]\nfile = \"argon.extxyz\"\n" << kPotential
                        << "\n[md]\ntimestep = \"4 fs\"\nduration = \"8 ps\"\ntemperature = \"60 K\"\n"
                           "thermostat = { type = \"langevin\", damping = \"200 fs\" }\n\n"
                           "[output]\ndirectory = \"" << dir << "/out\"\nthermo_every = \"40 fs\"\n";
  const auto r = run_md(config);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> header;
  const auto rows = read_csv(dir + "/out/thermo.csv", header);
  const auto temp = column(header, "temperature_K");
  // Average over the second half (after equilibration); 108 atoms fluctuate by
  // T·sqrt(2/(3N)) ≈ 4.7 K per sample, and 25 nearly independent samples give a band of ~3 K.
  double mean = 0.0;
  int n = 0;
  for (std::size_t i = rows.size() / 2; i < rows.size(); ++i, ++n) mean += rows[i][temp];
  mean /= n;
  CHECK(std::abs(mean - 60.0) < 6.0);
}

TEST_CASE("mistakes in an md configuration give one located error and no run directory", "[unit][cli][md]") {
  const auto dir = t::temp_dir("md-bad");
  write_argon(dir);
  const std::string head = std::string("[structure]\nfile = \"argon.extxyz\"\n") + kPotential;  // 11 lines
  struct Case {
    std::string name, md, expected;
  };
  const std::vector<Case> cases = {
      {"unknown_key.toml", "[md]\ntimestep = \"1 fs\"\nsteps = 10\ntimestpe = \"1 fs\"\n", "16:1: error: unknown key 'timestpe'"},
      {"missing_unit.toml", "[md]\ntimestep = 1\nsteps = 10\n", "14:12: error: 'timestep' needs a time"},
      {"negative_timestep.toml", "[md]\ntimestep = \"-1 fs\"\nsteps = 10\n", "14:12: error: 'timestep' must be positive"},
      {"unknown_thermostat.toml",
       "[md]\ntimestep = \"1 fs\"\nsteps = 10\ntemperature = \"300 K\"\nthermostat = { type = \"langevn\" }\n",
       "did you mean 'langevin'"},
      {"no_length.toml", "[md]\ntimestep = \"1 fs\"\n", "the run length is missing"},
      {"bad_duration.toml", "[md]\ntimestep = \"3 fs\"\nduration = \"10 fs\"\n", "not a whole, positive number"},
      {"bad_pair.toml", "[md]\ntimestep = \"1 fs\"\nsteps = 1\n", "no parameters for"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      std::string text = head + "\n" + c.md;
      if (c.name == "bad_pair.toml") {
        // A structure element the potential lacks: argon structure, carbon-only LJ.
        text = "[structure]\nfile = \"argon.extxyz\"\n[potential]\ntype = \"lj\"\n[[potential.pair]]\n"
               "elements = [\"C\", \"C\"]\nepsilon = \"0.002 eV\"\nsigma = \"3.4 A\"\ncutoff = \"8 A\"\n" + c.md;
      }
      const std::string path = dir + "/" + c.name;
      std::ofstream(path) << text;
      const std::string out = dir + "/out-" + c.name;
      const auto r = run_md(path, "--output " + out);
      INFO(r.output);
      CHECK(r.exit_code == 2);
      CHECK_THAT(r.output, Catch::Contains(c.name + ":") && Catch::Contains(c.expected));
      CHECK_FALSE(fs::exists(out));
    }
  }
}

TEST_CASE("[minimize] relaxes a perturbed crystal before the MD", "[unit][cli][md]") {
  const auto dir = t::temp_dir("md-min");
  write_argon(dir);
  // Perturb the crystal so that the minimization has work to do.
  auto frame = ioncycle::io::read_structure(dir + "/argon.extxyz");
  ioncycle::core::Rng rng(5);
  for (auto& x : frame.system.positions()) x += ioncycle::core::Vec3(rng.normal(), rng.normal(), rng.normal()) * 0.1;
  ioncycle::io::write_structure(dir + "/argon.extxyz", frame);
  const std::string config = dir + "/min.toml";
  std::ofstream(config) << "[structure]\nfile = \"argon.extxyz\"\n" << kPotential
                        << "\n[minimize]\nforce_tolerance = \"1e-4 eV/A\"\nmax_steps = 5000\n"
                           "\n[md]\ntimestep = \"1 fs\"\nsteps = 0\n\n[output]\ndirectory = \"" << dir << "/out\"\n";
  const auto r = run_md(config);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("minimized   converged"));
  // The relaxed structure is the initial (and, with 0 steps, the final) structure: its forces
  // are below the tolerance, so every atom sits back near its lattice site.
  const auto relaxed = ioncycle::io::read_structure(dir + "/out/initial.extxyz");
  std::ifstream summary(dir + "/out/summary.json");
  const std::string text((std::istreambuf_iterator<char>(summary)), std::istreambuf_iterator<char>());
  CHECK_THAT(text, Catch::Contains("\"converged\": true"));
  double moved_back = 0.0;
  for (std::size_t i = 0; i < relaxed.system.num_atoms(); ++i) {
    const auto d = relaxed.system.positions()[i] - frame.system.positions()[i];
    moved_back = std::max(moved_back, d.norm());
  }
  CHECK(moved_back > 0.05);
}
