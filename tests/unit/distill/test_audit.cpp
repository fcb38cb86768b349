// SPDX-License-Identifier: MIT
//
// The audit of a student against its teacher during MD (distill/audit.hpp): rows at exactly the
// multiples of `every` however the run is chunked, the numbers of a row against a direct
// evaluation, the worst frames kept with the teacher's labels, a resumed audit keeping what came
// before its checkpoint, and on_exceed = "stop" ending the run after writing the row.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "distill/audit.hpp"
#include "io/structure_io.hpp"
#include "md/simulation.hpp"
#include "md/velocities.hpp"
#include "md/velocity_verlet.hpp"
#include "potentials/lennard_jones.hpp"
#include "testing.hpp"

namespace d = ioncycle::distill;
namespace t = ioncycle::testing;
using ioncycle::core::System;

namespace {

// fcc argon with velocities for 60 K.
System argon() {
  System sys = t::fcc_argon();
  ioncycle::core::Rng rng(4);
  ioncycle::md::assign_maxwell_boltzmann(sys, 60.0, rng);
  return sys;
}

std::unique_ptr<ioncycle::potentials::LennardJones> argon_lj(double epsilon) {
  ioncycle::potentials::LennardJones::Params p;
  p.pairs = {{18, 18, epsilon, 3.405, 7.5}};
  p.shift = true;
  return std::make_unique<ioncycle::potentials::LennardJones>(p);
}

std::vector<std::vector<std::string>> rows(const std::string& dir) { return t::csv_rows(dir + "/audit.csv"); }

}  // namespace

TEST_CASE("audit rows fall on multiples of 'every', match a direct evaluation, and keep the worst frames",
          "[unit][distill]") {
  const std::string dir = t::temp_dir("audit");
  System system = argon();
  auto student = argon_lj(0.0104);
  d::AuditSettings settings;
  settings.force_rmse_max = 1.0;
  settings.keep = 3;
  std::ostringstream log;
  // The teacher: the same pair with a 10 % deeper well, so every force differs by exactly 10 %.
  d::Audit audit(*student, argon_lj(0.01144), settings, 10, dir, log);
  ioncycle::md::Simulation sim(system, *student, std::make_unique<ioncycle::md::VelocityVerlet>(2.0), 1.0);
  sim.add_observer(audit, 10);
  // Chunks that do not line up with 'every' (observers also see the last step of each chunk).
  for (const int chunk : {7, 13, 9, 21, 50}) (void)sim.run(chunk);
  const auto r = rows(dir);
  REQUIRE(r.size() == 11);  // steps 0, 10, ..., 100
  for (std::size_t k = 0; k < r.size(); ++k) {
    CHECK(std::stoll(r[k][0]) == static_cast<long long>(10 * k));
    CHECK(std::stod(r[k][1]) == Approx(20.0 * static_cast<double>(k)));
    CHECK(r[k][2] == "108");
    CHECK(r[k][7] == "0");
  }
  // The last row against a direct evaluation: forces differ by 10 % of the student's.
  double sq = 0.0;
  for (const auto& f : system.forces()) sq += f.squaredNorm();
  const double expected_rmse = 0.1 * std::sqrt(sq / (3.0 * 108.0));
  CHECK(std::stod(r.back()[4]) == Approx(expected_rmse).epsilon(1e-4));
  ioncycle::potentials::ForceRequest what;
  what.forces = true;
  System copy = system;
  const double e_student = student->compute_once(copy, what).energy;
  CHECK(std::stod(r.back()[3]) == Approx(-0.1 * e_student / 108.0 * 1e3).epsilon(1e-4));
  CHECK_FALSE(r.back()[6].empty());  // a 3-periodic cell has a stress error
  CHECK(std::stod(r.back()[6]) > 0.0);
  CHECK(audit.summary().checks == 11);
  CHECK(audit.summary().exceeded == 0);
  CHECK(log.str().empty());

  // The worst three frames, worst first, labelled by the teacher.
  const auto frames = ioncycle::io::read_frames(dir + "/audit_frames.extxyz");
  REQUIRE(frames.size() == 3);
  double worst = 0.0;
  for (const auto& row : r) worst = std::max(worst, std::stod(row[4]));
  CHECK(std::get<double>(frames[0].info.at("audit_force_rmse")) == Approx(worst).epsilon(1e-5));  // CSV: 6 digits
  CHECK(std::get<double>(frames[0].info.at("audit_force_rmse")) >= std::get<double>(frames[1].info.at("audit_force_rmse")));
  CHECK(std::get<double>(frames[1].info.at("audit_force_rmse")) >= std::get<double>(frames[2].info.at("audit_force_rmse")));
  CHECK(frames[0].has_forces);
  CHECK(frames[0].info.contains("energy"));
  CHECK(frames[0].info.contains("stress"));

  // A resumed audit keeps the rows and frames up to its checkpoint's step and goes on from there.
  d::Audit resumed(*student, argon_lj(0.01144), settings, 10, dir, log, 50);
  CHECK(resumed.summary().checks == 6);
  CHECK(resumed.latest_step() == 50);
  CHECK(resumed.latest_force_rmse().value() == Approx(std::stod(r[5][4])));
}

TEST_CASE("an audit with an identical teacher reads zero; on_exceed = stop ends the run after its row",
          "[unit][distill]") {
  const std::string dir = t::temp_dir("audit_stop");
  {
    System system = argon();
    auto student = argon_lj(0.0104);
    std::ostringstream log;
    d::Audit audit(*student, argon_lj(0.0104), d::AuditSettings{}, 5, dir, log);
    ioncycle::md::Simulation sim(system, *student, std::make_unique<ioncycle::md::VelocityVerlet>(2.0), 1.0);
    sim.add_observer(audit, 5);
    (void)sim.run(20);
    for (const auto& row : rows(dir)) {
      CHECK(std::stod(row[4]) < 1e-12);
      CHECK(std::abs(std::stod(row[3])) < 1e-9);
    }
  }
  System system = argon();
  auto student = argon_lj(0.0104);
  d::AuditSettings settings;
  settings.force_rmse_max = 1e-4;
  std::ostringstream log;
  {
    // warn: a warning line per check, the run goes on. At step 0 the perfect lattice has no
    // force, so only the checks at steps 5 and 10 exceed the bound.
    d::Audit audit(*student, argon_lj(0.013), settings, 5, dir, log);
    ioncycle::md::Simulation sim(system, *student, std::make_unique<ioncycle::md::VelocityVerlet>(2.0), 1.0);
    sim.add_observer(audit, 5);
    CHECK(sim.run(10) == 10);
    CHECK(audit.summary().exceeded == 2);
    CHECK(audit.summary().first_exceeded_step.value() == 5);
    CHECK(log.str().find("warning: audit at step 10") != std::string::npos);
  }
  settings.stop_on_exceed = true;
  d::Audit audit(*student, argon_lj(0.013), settings, 5, dir, log);
  ioncycle::md::Simulation sim(system, *student, std::make_unique<ioncycle::md::VelocityVerlet>(2.0), 1.0);
  sim.add_observer(audit, 5);
  CHECK_THROWS_AS(sim.run(10), ioncycle::SimulationError);
  CHECK(sim.step() == 0);  // stopped at the first check, step 0 of this run (the atoms have moved)
  const auto r = rows(dir);
  REQUIRE(r.size() == 1);
  CHECK(r[0][7] == "1");
  CHECK(ioncycle::io::read_frames(dir + "/audit_frames.extxyz").size() == 1);
}

TEST_CASE("audit keys are checked where they are written", "[unit][distill]") {
  const auto table = ioncycle::core::ConfigTable::parse_string(
      "[potential]\naudit = { teacher = \"default\", every = \"1 ps\", force_rmse_max = \"0.1 eV/A\", on_exceed = \"halt\" }\n",
      "audit.toml");
  const auto audit = table.require_table("potential").require_table("audit");
  CHECK_THROWS_WITH(d::parse_audit(audit), Catch::Contains("audit.toml:2") && Catch::Contains("on_exceed"));
  const auto ok = ioncycle::core::ConfigTable::parse_string(
      "[potential]\naudit = { every = \"500 fs\", force_rmse_max = \"120 meV/A\", on_exceed = \"stop\", keep = 5 }\n",
      "audit.toml");
  const auto s = d::parse_audit(ok.require_table("potential").require_table("audit"));
  CHECK(s.teacher == "default");
  CHECK(s.every == Approx(500.0));
  CHECK(s.force_rmse_max == Approx(0.12));
  CHECK(s.stop_on_exceed);
  CHECK(s.keep == 5);
}
