// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/diffusion.hpp"
#include "core/error.hpp"
#include "analysis/transport.hpp"
#include "random_walk.hpp"
#include "testing.hpp"

using namespace ioncycle;
using analysis::DiffusionFit;
using analysis::DiffusionOptions;
using analysis::MsdOptions;

namespace {

MsdOptions li() {
  MsdOptions o;
  o.species = {3};
  return o;
}

}  // namespace

TEST_CASE("Einstein slope of an exact line and Student-t quantiles", "[unit][analysis][diffusion]") {
  std::vector<double> lag, msd, count;
  for (int m = 0; m < 50; ++m) {
    lag.push_back(10.0 * m);
    msd.push_back(0.7 + 6.0 * 2.5e-3 * 10.0 * m);  // intercept 0.7 Å², D = 2.5e-3 Å²/fs
    count.push_back(50.0 - m);
  }
  CHECK(analysis::einstein_slope(lag, msd, count, 50.0, 250.0, 3) == Approx(2.5e-3).epsilon(1e-12));
  CHECK(analysis::einstein_slope(lag, msd, count, 50.0, 250.0, 1) == Approx(3 * 2.5e-3).epsilon(1e-12));
  CHECK(std::isnan(analysis::einstein_slope(lag, msd, count, 50.0, 65.0, 3)));  // 2 points < 3
  // Reference quantiles (any statistics table): t_{0.975} for 1, 9, 29, 60 and 1000 dof.
  CHECK(analysis::student_t_975(1) == Approx(12.7062).epsilon(1e-5));
  CHECK(analysis::student_t_975(9) == Approx(2.26216).epsilon(1e-5));
  CHECK(analysis::student_t_975(29) == Approx(2.04523).epsilon(1e-5));
  CHECK(analysis::student_t_975(60) == Approx(2.00030).epsilon(1e-5));
  CHECK(analysis::student_t_975(1000) == Approx(1.96234).epsilon(1e-5));
}

TEST_CASE("Random walk in a changing cell with ions coming and going: D within its uncertainty",
          "[unit][analysis][diffusion]") {
  testing::WalkSpec spec;
  spec.num_ions = 12;
  spec.num_frames = 2000;
  spec.D_inplane = 0.01;
  spec.D_normal = 0.01;
  spec.seed = 3;
  const auto walk = testing::make_walk(spec);
  const DiffusionFit fit =
      analysis::fit_diffusion(walk.trajectory, testing::all_frames(walk.trajectory), li(), DiffusionOptions{});
  CHECK(fit.note.empty());
  CHECK(fit.num_blocks == 20);
  CHECK(fit.num_atoms == 12);
  CHECK(fit.fit_start_fs == Approx(0.1 * 99 * 10.0));
  CHECK(fit.fit_end_fs == Approx(0.5 * 99 * 10.0));
  REQUIRE(fit.D.error > 0.0);
  CHECK(std::abs(fit.D.value - 0.01) < 3.0 * fit.D.error);
  CHECK(std::abs(fit.D_inplane.value - 0.01) < 3.0 * fit.D_inplane.error);
  CHECK(std::abs(fit.D_normal.value - 0.01) < 3.0 * fit.D_normal.error);
  CHECK(fit.D.error < 0.1 * 0.01);  // and the uncertainty is informative
}

TEST_CASE("Anisotropic random walk: in-plane and normal D recovered separately", "[unit][analysis][diffusion]") {
  testing::WalkSpec spec;
  spec.num_ions = 12;
  spec.num_frames = 2000;
  spec.D_inplane = 0.02;
  spec.D_normal = 0.002;
  spec.seed = 8;
  const auto walk = testing::make_walk(spec);
  const DiffusionFit fit =
      analysis::fit_diffusion(walk.trajectory, testing::all_frames(walk.trajectory), li(), DiffusionOptions{});
  const double total = (2.0 * spec.D_inplane + spec.D_normal) / 3.0;
  CHECK(std::abs(fit.D_inplane.value - spec.D_inplane) < 3.0 * fit.D_inplane.error);
  CHECK(std::abs(fit.D_normal.value - spec.D_normal) < 3.0 * fit.D_normal.error);
  CHECK(std::abs(fit.D.value - total) < 3.0 * fit.D.error);
  CHECK(fit.D_inplane.error < 0.1 * spec.D_inplane);
  CHECK(fit.D_normal.error < 0.15 * spec.D_normal);
}

TEST_CASE("Diffusion uncertainty is calibrated: about 95 % of 200 walks fall within 2 sigma",
          "[unit][analysis][diffusion][stochastic]") {
  // 200 independent walks (seeds 1000..1199). If σ is a calibrated standard uncertainty, the
  // number inside ±2σ is binomial with p ≈ 0.955 (the t-scaled σ makes ±1.96σ a 95 % interval):
  // mean 191, standard deviation 2.9; the band [180, 198] (0.90–0.99) is about ±3.5 standard
  // deviations, while an uncertainty off by a factor 1.5 either way would give ~160 or 200.
  constexpr int num_runs = 200;
  int inside_total = 0;
  int inside_inplane = 0;
  int inside_normal = 0;
  double sum = 0.0;
  double sum_sq = 0.0;
  double mean_error = 0.0;
  testing::WalkSpec spec;
  spec.num_ions = 6;
  spec.num_frames = 400;
  spec.D_inplane = 0.01;
  spec.D_normal = 0.004;
  const double total = (2.0 * spec.D_inplane + spec.D_normal) / 3.0;
  for (int r = 0; r < num_runs; ++r) {
    spec.seed = 1000 + static_cast<std::uint64_t>(r);
    const auto walk = testing::make_walk(spec);
    const DiffusionFit fit =
        analysis::fit_diffusion(walk.trajectory, testing::all_frames(walk.trajectory), li(), DiffusionOptions{});
    REQUIRE(fit.num_blocks >= 15);
    inside_total += std::abs(fit.D.value - total) < 2.0 * fit.D.error;
    inside_inplane += std::abs(fit.D_inplane.value - spec.D_inplane) < 2.0 * fit.D_inplane.error;
    inside_normal += std::abs(fit.D_normal.value - spec.D_normal) < 2.0 * fit.D_normal.error;
    sum += fit.D.value;
    sum_sq += fit.D.value * fit.D.value;
    mean_error += fit.D.error / num_runs;
  }
  INFO("inside 2 sigma: total " << inside_total << ", in-plane " << inside_inplane << ", normal " << inside_normal
                                << " of " << num_runs);
  CHECK(inside_total >= 180);
  CHECK(inside_total <= 198);
  CHECK(inside_inplane >= 180);
  CHECK(inside_inplane <= 198);
  CHECK(inside_normal >= 180);
  CHECK(inside_normal <= 198);
  // Unbiased, and σ matches the scatter of D across runs (within 20 %: the spread of a standard
  // deviation from 200 samples is 5 %).
  const double mean = sum / num_runs;
  const double spread = std::sqrt((sum_sq - num_runs * mean * mean) / (num_runs - 1));
  CHECK(std::abs(mean - total) < 4.0 * spread / std::sqrt(num_runs));
  CHECK(mean_error == Approx(spread).epsilon(0.2));
}

TEST_CASE("Diffusion with too few frames or no ions gives NaN or no uncertainty, with a note",
          "[unit][analysis][diffusion]") {
  testing::WalkSpec spec;
  spec.num_ions = 4;
  spec.num_frames = 30;
  spec.appear_disappear = false;
  const auto walk = testing::make_walk(spec);
  const auto frames = testing::all_frames(walk.trajectory);

  const DiffusionFit short_fit = analysis::fit_diffusion(walk.trajectory, frames, li(), DiffusionOptions{});
  CHECK(std::isfinite(short_fit.D.value));
  CHECK(std::isnan(short_fit.D.error));
  CHECK(short_fit.num_blocks == 0);
  CHECK_THAT(short_fit.note, Catch::Contains("no uncertainty"));

  const std::vector<std::size_t> two{0, 1};
  const DiffusionFit tiny = analysis::fit_diffusion(walk.trajectory, two, li(), DiffusionOptions{});
  CHECK(std::isnan(tiny.D.value));
  CHECK_FALSE(tiny.note.empty());

  MsdOptions sodium;
  sodium.species = {11};
  const DiffusionFit none = analysis::fit_diffusion(walk.trajectory, frames, sodium, DiffusionOptions{});
  CHECK(std::isnan(none.D.value));
  CHECK(none.num_atoms == 0);
  CHECK_THAT(none.note, Catch::Contains("no atoms"));

  DiffusionOptions bad;
  bad.fit_start_fraction = 0.6;
  CHECK_THROWS_AS(analysis::fit_diffusion(walk.trajectory, frames, li(), bad), InputError);
}

TEST_CASE("Nernst-Einstein conductivity in S/cm", "[unit][analysis][diffusion]") {
  // Independent SI evaluation: n = 0.01 Å⁻³ = 1e28 m⁻³, D = 1e-4 Å²/fs = 1e-9 m²/s, T = 300 K,
  // q = 2e: σ = n q² D / (k_B T) in S/m, /100 for S/cm.
  const double e = 1.602176634e-19;
  const double kB = 1.380649e-23;
  const double expected = 1e28 * (2 * e) * (2 * e) * 1e-9 / (kB * 300.0) / 100.0;
  const analysis::Estimate sigma = analysis::nernst_einstein_conductivity({1e-4, 2e-5}, 0.01, 300.0, 2.0);
  CHECK(sigma.value == Approx(expected).epsilon(1e-9));
  CHECK(sigma.error == Approx(0.2 * expected).epsilon(1e-9));
  CHECK(std::isnan(analysis::nernst_einstein_conductivity({1e-4, 2e-5}, 0.01, std::nan(""), 1.0).value));
}

TEST_CASE("Transport driver: per-segment D, conductivity, tables as in the contract", "[unit][analysis][diffusion]") {
  testing::WalkSpec spec;
  spec.num_ions = 8;
  spec.num_frames = 600;
  spec.appear_disappear = false;
  spec.changing_cell = false;  // fixed volume: the ion density is exact
  spec.temperature_K = 450.0;
  const auto walk = testing::make_walk(spec);
  analysis::Segment all;
  all.cycle = 0;
  all.start_fs = 0.0;
  all.end_fs = 5990.0;
  all.label = "all";
  analysis::Segment first = all;
  first.end_fs = 2990.0;
  first.label = "c1.charge";
  first.half_cycle = analysis::HalfCycle::charge;
  analysis::Segment tiny = all;
  tiny.start_fs = 100.0;
  tiny.end_fs = 110.0;
  tiny.label = "c1.s1.rest";
  analysis::TransportOptions options;
  options.ion_species = {3};
  const auto result = analysis::analyze_transport(walk.trajectory, {all, first, tiny}, options);
  REQUIRE(result.entries.size() == 6);  // 3 segments × (Li, host)
  const auto& li_all = result.entries[0];
  CHECK(li_all.species == "Li");
  CHECK(result.entries[1].species == "host");
  CHECK(li_all.temperature_K == Approx(450.0));
  CHECK(li_all.ion_density_per_A3 == Approx(8.0 / (14.0 * 14.0 * 14.0)));
  const double expected_sigma = 1.602176634e4 * li_all.ion_density_per_A3 * li_all.diffusion.D.value /
                                (8.617333262e-5 * 450.0);
  CHECK(li_all.conductivity_S_cm.value == Approx(expected_sigma));
  CHECK(std::abs(li_all.diffusion.D.value - 0.01) < 3 * li_all.diffusion.D.error);
  CHECK(result.entries[1].diffusion.D.value == Approx(0.0).margin(1e-15));  // fixed host
  CHECK(std::isnan(result.entries[4].diffusion.D.value));                  // 2 frames
  CHECK_FALSE(result.entries[4].note.empty());

  const auto q = result.segment_quantities();
  REQUIRE(q.size() == 12);  // 3 segments × D, D_inplane, D_normal, conductivity (ions only)
  CHECK(q[0].segment == "all");
  CHECK(q[0].name == "D");
  CHECK(q[0].unit == "cm2/s");
  CHECK(q[0].estimate.value == Approx(0.1 * li_all.diffusion.D.value));
  CHECK(q[3].name == "conductivity");
  CHECK(q[3].unit == "S/cm");

  const std::string dir = testing::temp_dir("transport");
  result.write_tables(dir);
  std::ifstream msd(std::filesystem::path(dir) / "msd.csv");
  std::string header;
  std::getline(msd, header);
  CHECK(header == "segment,species,lag_ps,msd_A2,msd_inplane_A2,msd_normal_A2,count");
  std::string first_row;
  std::getline(msd, first_row);
  CHECK(first_row == "all,Li,0,0,0,0,4800");
  std::ifstream diffusion(std::filesystem::path(dir) / "diffusion.csv");
  std::getline(diffusion, header);
  CHECK(header ==
        "segment,species,num_ions,D_cm2_s,D_err_cm2_s,D_inplane_cm2_s,D_inplane_err_cm2_s,D_normal_cm2_s,"
        "D_normal_err_cm2_s,fit_start_ps,fit_end_ps,blocks,conductivity_S_cm,conductivity_err_S_cm");
  std::string row;
  int rows = 0;
  while (std::getline(diffusion, row)) ++rows;
  CHECK(rows == 6);
  const auto j = result.to_json();
  CHECK(j["segments"].size() == 6);
  CHECK(j["segments"][0]["blocks"] == 20);
}
