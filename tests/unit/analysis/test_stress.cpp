// SPDX-License-Identifier: MIT
//
// analyze_stress(): sign convention (σ = −P, ASE), segment changes, rates and residual stress of
// a synthetic trajectory whose pressure ramps linearly on charge and back on discharge (exact
// without noise; within the stated uncertainty with noise, and that uncertainty calibrated over
// repeats), and trajectories whose frames lack the pressure observable.
#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/stress.hpp"
#include "core/rng.hpp"
#include "segment_fixtures.hpp"
#include "testing.hpp"

using namespace ioncycle;
using namespace ioncycle::analysis;
using ioncycle::analysis::fixtures::segment;

namespace {

// Piecewise-linear ramp r(t) (t in ps) through the knots: two cycles of 20 ps, charge up by
// 2.0 over 10 ps, discharge down by 1.5 over 10 ps, so each cycle leaves +0.5 behind.
double ramp(double t_ps) {
  const std::array<double, 5> knot_t{0.0, 10.0, 20.0, 30.0, 40.0};
  const std::array<double, 5> knot_r{0.0, 2.0, 0.5, 2.5, 1.0};
  for (std::size_t k = 0; k + 1 < knot_t.size(); ++k) {
    if (t_ps <= knot_t[k + 1] + 1e-12) {
      return knot_r[k] + (knot_r[k + 1] - knot_r[k]) * (t_ps - knot_t[k]) / (knot_t[k + 1] - knot_t[k]);
    }
  }
  return knot_r.back();
}

// P(t) = P0 + r(t)·M (row-major, GPa), M symmetric.
constexpr std::array<double, 9> kP0{0.3, 0.05, 0.0, 0.05, -0.2, 0.0, 0.0, 0.0, 0.1};
constexpr std::array<double, 9> kM{1.0, 0.1, 0.0, 0.1, 0.5, -0.2, 0.0, -0.2, -0.8};
constexpr double kTraceM3 = (1.0 + 0.5 - 0.8) / 3.0;  // dp/dr

Trajectory ramp_trajectory(double noise_gpa, std::uint64_t seed, double dt_fs = 100.0, double end_fs = 40000.0) {
  core::Rng rng(seed, 1);
  Trajectory trajectory;
  for (double t = 0.0; t <= end_fs + 1e-9; t += dt_fs) {
    TrajectoryFrame frame;
    frame.step = static_cast<std::int64_t>(std::llround(t));
    frame.time_fs = t;
    std::vector<double> p(9);
    for (std::size_t i = 0; i < 9; ++i) p[i] = kP0[i] + ramp(t / 1000.0) * kM[i] + noise_gpa * rng.normal();
    frame.observables["pressure"] = p;
    frame.observables["state_of_charge"] = {ramp(t / 1000.0) / 2.5};
    trajectory.push_back(std::move(frame));
  }
  return trajectory;
}

std::vector<Segment> two_cycles() {
  return {segment("all", 0, HalfCycle::other, 0, 40),
          segment("c1.charge", 1, HalfCycle::charge, 0, 10),
          segment("c1.discharge", 1, HalfCycle::discharge, 10, 20),
          segment("c2.charge", 2, HalfCycle::charge, 20, 30),
          segment("c2.discharge", 2, HalfCycle::discharge, 30, 40)};
}

// Known change of σ_q (Voigt q) and of p between t0 and t1 (ps).
double stress_change(std::size_t q, double t0, double t1) {
  constexpr std::array<std::size_t, 6> diag{0, 4, 8, 5, 2, 1};
  return -(ramp(t1) - ramp(t0)) * kM[diag[q]];
}
double pressure_change(double t0, double t1) { return (ramp(t1) - ramp(t0)) * kTraceM3; }

const StressSegment& find(const StressResult& r, const std::string& label) {
  for (const auto& s : r.segments) {
    if (s.label == label) return s;
  }
  FAIL("no segment " << label);
  return r.segments.front();
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("stress is minus the pressure tensor, symmetrised (ASE sign, tension positive)", "[unit][analysis][stress]") {
  // A cell under tension has negative pressure: P = −diag(1, 2, 3) with P_xy = 0.2, P_yx = 0.4.
  const std::vector<double> p{-1.0, 0.2, 0.6, 0.4, -2.0, -0.1, 0.2, 0.3, -3.0};
  const auto s = stress_from_pressure(p);
  CHECK(s[0] == Approx(1.0));
  CHECK(s[1] == Approx(2.0));
  CHECK(s[2] == Approx(3.0));
  CHECK(s[3] == Approx(-0.1));   // yz = −(−0.1 + 0.3)/2
  CHECK(s[4] == Approx(-0.4));   // xz = −(0.6 + 0.2)/2
  CHECK(s[5] == Approx(-0.3));   // xy = −(0.2 + 0.4)/2

  Trajectory trajectory(1);
  trajectory[0].observables["pressure"] = p;
  const auto result = analyze_stress(trajectory, {});
  REQUIRE(result.samples.size() == 1);
  CHECK(result.samples[0].pressure == Approx(-2.0));
  CHECK(std::isnan(result.samples[0].soc));
}

TEST_CASE("noise-free linear stress ramps: segment changes, rates and residuals are exact", "[unit][analysis][stress]") {
  const auto result = analyze_stress(ramp_trajectory(0.0, 1), two_cycles());
  REQUIRE(result.samples.size() == 401);
  CHECK(result.num_frames_skipped == 0);
  CHECK(result.notes.empty());
  REQUIRE(result.segments.size() == 5);

  const std::array<std::pair<double, double>, 4> halves{{{0, 10}, {10, 20}, {20, 30}, {30, 40}}};
  const std::array<const char*, 4> labels{"c1.charge", "c1.discharge", "c2.charge", "c2.discharge"};
  for (std::size_t h = 0; h < 4; ++h) {
    const auto& s = find(result, labels[h]);
    const auto [t0, t1] = halves[h];
    CHECK(s.num_frames == 101);
    // A window mean alone would lag by half the window (0.2 ps of the ramp); the slope
    // correction makes the linear case exact.
    for (std::size_t q = 0; q < 6; ++q) CHECK(s.change[q].value == Approx(stress_change(q, t0, t1)).margin(1e-9));
    CHECK(s.pressure_change.value == Approx(pressure_change(t0, t1)).margin(1e-9));
    CHECK(s.pressure_rate.value == Approx(pressure_change(t0, t1) / (t1 - t0)).margin(1e-9));
    CHECK(s.pressure_rate.error == Approx(0.0).margin(1e-9));
  }
  REQUIRE(result.residuals.size() == 2);
  for (std::size_t c = 0; c < 2; ++c) {
    const auto& r = result.residuals[c];
    const double t0 = 20.0 * static_cast<double>(c), t1 = t0 + 20.0;
    CHECK(r.cycle == static_cast<int>(c) + 1);
    for (std::size_t q = 0; q < 3; ++q) {
      CHECK(r.end[q].value - r.start[q].value == Approx(stress_change(q, t0, t1)).margin(1e-9));
    }
    // The start of cycle 1 is σ = −P0 exactly (r = 0 there).
    if (c == 0) CHECK(r.start[0].value == Approx(-kP0[0]).margin(1e-9));
    CHECK(r.pressure_change.value == Approx(0.5 * kTraceM3).margin(1e-9));
  }

  // segment_quantities: the mean normal stress −p, tension positive.
  const auto quantities = result.segment_quantities();
  bool seen_rate = false, seen_change = false;
  for (const auto& q : quantities) {
    if (q.segment != "c1.charge") continue;
    if (q.name == "stress_rate") {
      seen_rate = true;
      CHECK(q.unit == "GPa/ps");
      CHECK(q.estimate.value == Approx(-0.2 * kTraceM3).margin(1e-9));
    }
    if (q.name == "stress_change") {
      seen_change = true;
      CHECK(q.unit == "GPa");
      CHECK(q.estimate.value == Approx(-2.0 * kTraceM3).margin(1e-9));
    }
  }
  CHECK(seen_rate);
  CHECK(seen_change);
}

TEST_CASE("noisy ramps: changes, rates and residuals within their stated uncertainties", "[unit][analysis][stress]") {
  const double noise = 0.05;  // GPa per tensor component per frame
  const auto result = analyze_stress(ramp_trajectory(noise, 7), two_cycles());
  const std::array<std::pair<double, double>, 4> halves{{{0, 10}, {10, 20}, {20, 30}, {30, 40}}};
  const std::array<const char*, 4> labels{"c1.charge", "c1.discharge", "c2.charge", "c2.discharge"};
  for (std::size_t h = 0; h < 4; ++h) {
    const auto& s = find(result, labels[h]);
    const auto [t0, t1] = halves[h];
    for (std::size_t q = 0; q < 3; ++q) {
      INFO(labels[h] << " component " << kVoigtNames[q]);
      REQUIRE(std::isfinite(s.change[q].error));
      // Expected ≈ 0.05·√(2/5) ≈ 0.03 GPa: not vacuously large.
      CHECK(s.change[q].error > 0.01);
      CHECK(s.change[q].error < 0.06);
      CHECK(std::abs(s.change[q].value - stress_change(q, t0, t1)) < 3.0 * s.change[q].error);
    }
    CHECK(std::abs(s.pressure_change.value - pressure_change(t0, t1)) < 3.0 * s.pressure_change.error);
    const double rate = pressure_change(t0, t1) / (t1 - t0);
    // p has noise 0.05/√3 per frame; SE of the slope over 101 frames spanning 10 ps ≈ 0.001 GPa/ps.
    CHECK(s.pressure_rate.error > 3e-4);
    CHECK(s.pressure_rate.error < 3e-3);
    CHECK(std::abs(s.pressure_rate.value - rate) < 3.0 * s.pressure_rate.error);
  }
  for (const auto& r : result.residuals) {
    CHECK(std::abs(r.pressure_change.value - 0.5 * kTraceM3) < 3.0 * r.pressure_change.error);
    CHECK(r.pressure_change.error < 0.05);
  }
}

TEST_CASE("stress uncertainties are calibrated: ~95 % of repeats within 2 sigma", "[unit][analysis][stress]") {
  const std::vector<Segment> segments{segment("c1.charge", 1, HalfCycle::charge, 0, 10)};
  const int repeats = 400;
  int change_inside = 0, rate_inside = 0;
  for (int k = 0; k < repeats; ++k) {
    const auto result = analyze_stress(ramp_trajectory(0.1, 1000 + static_cast<std::uint64_t>(k), 100.0, 10000.0),
                                       segments);
    const auto& s = result.segments.front();
    if (std::abs(s.pressure_change.value - pressure_change(0, 10)) < 2.0 * s.pressure_change.error) ++change_inside;
    if (std::abs(s.pressure_rate.value - 0.2 * kTraceM3) < 2.0 * s.pressure_rate.error) ++rate_inside;
  }
  const double change_fraction = change_inside / static_cast<double>(repeats);
  const double rate_fraction = rate_inside / static_cast<double>(repeats);
  INFO("change coverage " << change_fraction << ", rate coverage " << rate_fraction);
  // Binomial 1σ at p = 0.95, n = 400 is 0.011: a band of about ±3σ.
  CHECK(change_fraction > 0.915);
  CHECK(change_fraction < 0.985);
  CHECK(rate_fraction > 0.915);
  CHECK(rate_fraction < 0.985);
}

TEST_CASE("frames without a pressure are skipped; none at all gives an empty result", "[unit][analysis][stress]") {
  SECTION("some frames lack the observable or have a malformed one") {
    auto trajectory = ramp_trajectory(0.0, 1);
    std::size_t removed = 0;
    for (std::size_t k = 1; k < trajectory.size(); k += 3) {
      trajectory[k].observables.erase("pressure");
      ++removed;
    }
    trajectory[5].observables["pressure"] = {1.0, 2.0, 3.0, 4.0};  // not a 3×3 tensor
    const auto result = analyze_stress(trajectory, two_cycles());
    CHECK(result.num_frames_skipped == removed + 1);
    CHECK(result.samples.size() == trajectory.size() - removed - 1);
    CHECK_FALSE(result.notes.empty());
    const auto& s = find(result, "c1.charge");
    CHECK(s.pressure_change.value == Approx(pressure_change(0, 10)).margin(1e-9));
    CHECK(s.change[0].value == Approx(stress_change(0, 0, 10)).margin(1e-9));
  }
  SECTION("no frame has a pressure") {
    auto trajectory = ramp_trajectory(0.0, 1, 1000.0);
    for (auto& frame : trajectory) frame.observables.erase("pressure");
    StressResult result;
    REQUIRE_NOTHROW(result = analyze_stress(trajectory, two_cycles()));
    CHECK(result.samples.empty());
    CHECK(result.num_frames_skipped == trajectory.size());
    REQUIRE_FALSE(result.notes.empty());
    REQUIRE(result.segments.size() == 5);
    CHECK(result.segments[1].num_frames == 0);
    CHECK(std::isnan(result.segments[1].pressure_change.value));
    CHECK(std::isnan(result.segments[1].pressure_rate.value));
    const auto json = result.to_json();
    CHECK(json["segments"][1]["d_pressure_GPa"]["value"].is_null());
    CHECK(json["num_frames"] == 0);
    const std::filesystem::path dir = testing::temp_dir("stress_empty");
    REQUIRE_NOTHROW(result.write_tables(dir));
    CHECK(read_lines(dir / "stress.csv").size() == 1);
    for (const auto& q : result.segment_quantities()) CHECK(std::isnan(q.estimate.value));
  }
  SECTION("an empty trajectory") {
    const auto result = analyze_stress({}, two_cycles());
    CHECK(result.samples.empty());
    CHECK_FALSE(result.notes.empty());
  }
}

TEST_CASE("stress tables follow the analysis contract", "[unit][analysis][stress]") {
  const auto result = analyze_stress(ramp_trajectory(0.0, 1, 1000.0), two_cycles());
  const std::filesystem::path dir = testing::temp_dir("stress_tables");
  result.write_tables(dir);
  const auto frames = read_lines(dir / "stress.csv");
  REQUIRE(frames.size() == 42);
  CHECK(frames[0] == "time_ps,step,soc,sxx_GPa,syy_GPa,szz_GPa,syz_GPa,sxz_GPa,sxy_GPa,pressure_GPa");
  // t = 10 ps: r = 2, σ_xx = −(0.3 + 2·1.0) = −2.3, p = (0.2 + 2·0.7)/3.
  CHECK(frames[11].rfind("10,10000,0.8,-2.3,", 0) == 0);
  const auto segs = read_lines(dir / "stress_segments.csv");
  REQUIRE(segs.size() == 6);
  CHECK(segs[0] ==
        "segment,cycle,half_cycle,start_ps,end_ps,d_sxx_GPa,d_syy_GPa,d_szz_GPa,d_pressure_GPa,"
        "rate_pressure_GPa_per_ps");
  CHECK(segs[2].rfind("c1.charge,1,charge,0,10,-2,-1,1.6,", 0) == 0);
  const auto residual = read_lines(dir / "residual_stress.csv");
  REQUIRE(residual.size() == 3);
  CHECK(residual[0] ==
        "cycle,sxx_start_GPa,sxx_end_GPa,syy_start_GPa,syy_end_GPa,szz_start_GPa,szz_end_GPa,d_pressure_GPa");
  CHECK(residual[1].rfind("1,-0.3,-0.8,", 0) == 0);

  const auto json = result.to_json();
  CHECK(json["segments"].size() == 5);
  CHECK(json["residual"].size() == 2);
  CHECK(json["residual"][0]["d_pressure_GPa"]["value"].get<double>() == Approx(0.5 * kTraceM3));
}
