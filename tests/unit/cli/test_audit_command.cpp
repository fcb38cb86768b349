// SPDX-License-Identifier: MIT
//
// [potential] audit in `ioncycle md` and `ioncycle run` (distill/audit.hpp): rows at the audit's
// steps, the summary.json section, on_exceed = "stop" ending a run with status 1 after writing
// its row, and a protocol step ending on until = { audit_force_rmse = ... }. The "student" is a
// Lennard-Jones potential and the teacher the same one with a deeper well, so every check
// differs by a known amount.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "graphite_lj.hpp"
#include "io/structure_io.hpp"
#include "testing.hpp"

namespace t = ioncycle::testing;
namespace fs = std::filesystem;

namespace {

std::vector<std::vector<std::string>> audit_rows(const std::string& dir) { return t::csv_rows(dir + "/audit.csv"); }

void write_argon(const std::string& dir) {
  ioncycle::io::Frame f;
  f.system = t::fcc_argon();
  ioncycle::io::write_structure(dir + "/argon.extxyz", f);
}

std::string md_config(const std::string& dir, const std::string& audit) {
  const std::string path = dir + "/md.toml";
  std::ofstream(path) << "[run]\nname = \"audit\"\nseed = 2\n[structure]\nfile = \"argon.extxyz\"\n"
                      << "[potential]\ntype = \"lj\"\nshift = true\n" << audit << "\n"
                      << "[[potential.pair]]\nelements = [\"Ar\", \"Ar\"]\nepsilon = \"0.0104 eV\"\n"
                         "sigma = \"3.405 A\"\ncutoff = \"7.5 A\"\n"
                      << "[md]\ntimestep = \"2 fs\"\nsteps = 100\ninitial_temperature = \"60 K\"\n"
                      << "[output]\ndirectory = \"" << dir << "/out\"\n";
  return path;
}

constexpr const char* kTeacher = "lj:epsilon=0.01144 eV,sigma=3.405 A,cutoff=7.5 A";

t::CommandResult md(const std::string& config) {
  return t::run_command(t::shell_quote(t::ioncycle_binary()) + " md " + t::shell_quote(config));
}

}  // namespace

TEST_CASE("ioncycle md audits every 'every' with warn, and stops with status 1 with stop", "[cli][distill]") {
  const auto dir = t::temp_dir("md-audit");
  write_argon(dir);
  {
    const auto r = md(md_config(dir, std::string("audit = { teacher = \"") + kTeacher +
                                         "\", every = \"40 fs\", force_rmse_max = \"0.5 eV/A\" }"));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("audit       against lj every 40 fs") != std::string::npos);
    const auto rows = audit_rows(dir + "/out");
    REQUIRE(rows.size() == 6);  // steps 0, 20, ..., 100
    for (std::size_t k = 0; k < rows.size(); ++k) {
      CHECK(rows[k][0] == std::to_string(20 * k));
      if (k > 0) CHECK(std::stod(rows[k][4]) > 0.0);  // step 0: the perfect lattice has no force
      CHECK(rows[k][7] == "0");
    }
    const auto summary = nlohmann::json::parse(t::read_file(dir + "/out/summary.json"));
    CHECK(summary["audit"]["checks"] == 6);
    CHECK(summary["audit"]["exceeded"] == 0);
    CHECK(summary["audit"]["every_steps"] == 20);
    CHECK(summary["audit"]["teacher"] == kTeacher);
    CHECK(fs::exists(dir + "/out/audit_frames.extxyz"));
  }
  fs::remove_all(dir + "/out");
  {
    const auto r = md(md_config(dir, std::string("audit = { teacher = \"") + kTeacher +
                                         "\", every = \"40 fs\", force_rmse_max = \"0.1 meV/A\", on_exceed = \"stop\" }"));
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK(r.output.find("audit at step 20") != std::string::npos);
    CHECK(r.output.find("stopped") != std::string::npos);
    const auto rows = audit_rows(dir + "/out");
    REQUIRE(rows.size() == 2);  // step 0 (no force yet, within the bound) and step 20
    CHECK(rows[0][7] == "0");
    CHECK(rows[1][7] == "1");
    CHECK_FALSE(fs::exists(dir + "/out/summary.json"));
  }
  fs::remove_all(dir + "/out");
  {
    // A mistake in the audit is located and leaves nothing behind.
    const auto r = md(md_config(dir, "audit = { teacher = \"lj:epsilon=1 eV\", every = \"40 fs\" }"));
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("md.toml:") != std::string::npos);
    CHECK_FALSE(fs::exists(dir + "/out"));
  }
}

TEST_CASE("a protocol step ends on until = { audit_force_rmse }, and the condition needs an audit", "[cli][distill]") {
  const auto dir = t::temp_dir("run-audit");
  auto write = [&](const std::string& audit, const std::string& until) {
    std::string potential = t::kGraphiteLjPotential;
    potential.insert(potential.find("shift = true") + 12, "\n" + audit);
    const std::string path = dir + "/protocol.toml";
    std::ofstream(path) << "[run]\nname = \"audit-run\"\nseed = 3\n"
                        << "[structure]\nbuilder = \"graphite\"\nrepeat = [3, 3]\nlayers = 2\n"
                        << potential << "\n[md]\ntimestep = \"1 fs\"\ntemperature = \"300 K\"\n"
                        << "thermostat = { type = \"langevin\", damping = \"50 fs\" }\n"
                        << "[ion]\nspecies = \"Li\"\ncapacity = \"LiC6\"\nmu_ref = \"-0.5 eV\"\n"
                        << "[protocol]\ncycles = 1\n[[protocol.step]]\ntype = \"rest\"\n"
                        << until << "\n[output]\ndirectory = \"" << dir << "/run\"\n";
    return path;
  };
  const std::string run = t::shell_quote(t::ioncycle_binary()) + " run --no-analysis --overwrite ";
  {
    // The teacher's C–C well is 10 % deeper: the first check after step 0 ends the rest step.
    const auto r = t::run_command(
        run + write("audit = { teacher = \"lj:epsilon=0.33 eV,sigma=1.265 A,cutoff=1.9 A\", every = \"50 fs\" }",
                    "until = { time = \"200 fs\", audit_force_rmse = \"1 meV/A\" }"));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto summary = nlohmann::json::parse(t::read_file(dir + "/run/summary.json"));
    const auto& step = summary["protocol_steps"][0];
    CHECK(step["end_reason"].get<std::string>().find("audit force RMSE") != std::string::npos);
    CHECK(step["end_ps"].get<double>() == Approx(0.05));
    CHECK(summary["audit"]["checks"] == 2);
    const auto rows = audit_rows(dir + "/run");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0][0] == "0");
    CHECK(rows[1][0] == "50");
  }
  {
    // Two such steps: the check that ended the first (at its last step) does not end the second
    // at once; the second ends at the next check.
    const auto r = t::run_command(
        run + write("audit = { teacher = \"lj:epsilon=0.33 eV,sigma=1.265 A,cutoff=1.9 A\", every = \"50 fs\" }",
                    "until = { time = \"200 fs\", audit_force_rmse = \"1 meV/A\" }\n[[protocol.step]]\ntype = \"rest\"\n"
                    "until = { time = \"200 fs\", audit_force_rmse = \"1 meV/A\" }"));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto summary = nlohmann::json::parse(t::read_file(dir + "/run/summary.json"));
    REQUIRE(summary["protocol_steps"].size() == 2);
    CHECK(summary["protocol_steps"][0]["end_ps"].get<double>() == Approx(0.05));
    CHECK(summary["protocol_steps"][1]["start_ps"].get<double>() == Approx(0.05));
    CHECK(summary["protocol_steps"][1]["end_ps"].get<double>() == Approx(0.10));
  }
  {
    // The same C–C pair as the student (no Li in the host): the audit reads zero and the rest
    // step runs its whole duration.
    const auto r = t::run_command(
        run + write("audit = { teacher = \"lj:epsilon=0.3 eV,sigma=1.265 A,cutoff=1.9 A\", every = \"50 fs\" }",
                    "until = { time = \"200 fs\", audit_force_rmse = \"1 meV/A\" }"));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto summary = nlohmann::json::parse(t::read_file(dir + "/run/summary.json"));
    CHECK(summary["protocol_steps"][0]["end_ps"].get<double>() == Approx(0.2));
    CHECK(audit_rows(dir + "/run").size() == 5);
    CHECK(summary["audit"]["worst_force_rmse_eV_per_A"].get<double>() < 1e-9);
  }
  {
    const auto r = t::run_command(run + write("", "until = { time = \"200 fs\", audit_force_rmse = \"1 meV/A\" }"));
    CHECK(r.exit_code == 2);
    CHECK(r.output.find("protocol.toml:") != std::string::npos);
    CHECK(r.output.find("needs an audit") != std::string::npos);
  }
}
