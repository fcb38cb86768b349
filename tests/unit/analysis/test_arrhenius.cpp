// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "analysis/arrhenius.hpp"
#include "core/rng.hpp"
#include "testing.hpp"

using namespace ioncycle;
using analysis::ArrheniusPoint;

namespace {

constexpr double kB = 8.617333262e-5;  // eV/K

std::vector<ArrheniusPoint> synthetic(double Ea, double D0, const std::vector<double>& temperatures,
                                      double relative_error, std::uint64_t seed) {
  core::Rng rng(seed);
  std::vector<ArrheniusPoint> points;
  for (double T : temperatures) {
    const double D = D0 * std::exp(-Ea / (kB * T));
    // Log-normal noise of the stated relative size: what a block-averaged D looks like.
    const double noisy = D * std::exp(relative_error * rng.normal());
    points.push_back({"T" + std::to_string(static_cast<int>(T)), T, {noisy, relative_error * noisy}});
  }
  return points;
}

}  // namespace

TEST_CASE("Arrhenius fit of exact points gives Ea and D0", "[unit][analysis][arrhenius]") {
  const auto points = synthetic(0.35, 2e-3, {300, 400, 500, 600}, 0.0, 1);
  std::vector<ArrheniusPoint> exact = points;
  for (auto& p : exact) p.D.error = std::nan("");  // unweighted, residual-based
  const auto fit = analysis::fit_arrhenius(exact);
  REQUIRE(fit.valid);
  CHECK_FALSE(fit.weighted);
  CHECK(fit.num_used == 4);
  CHECK(fit.activation_energy.value == Approx(0.35).epsilon(1e-10));
  CHECK(fit.prefactor.value == Approx(2e-3).epsilon(1e-10));
  CHECK(fit.activation_energy.error < 1e-10);

  // Two temperatures: a line through them, no uncertainty.
  const auto two = analysis::fit_arrhenius({exact[0], exact[3]});
  REQUIRE(two.valid);
  CHECK(two.activation_energy.value == Approx(0.35).epsilon(1e-10));
  CHECK(std::isnan(two.activation_energy.error));
}

TEST_CASE("Arrhenius fit of noisy D(T): Ea within its uncertainty, calibrated over repeats",
          "[unit][analysis][arrhenius][stochastic]") {
  const std::vector<double> temperatures{300, 350, 400, 450, 500, 600};
  const double Ea = 0.42;
  const double D0 = 5e-3;
  const auto fit = analysis::fit_arrhenius(synthetic(Ea, D0, temperatures, 0.1, 7));
  REQUIRE(fit.valid);
  CHECK(fit.weighted);
  CHECK(std::abs(fit.activation_energy.value - Ea) < 3 * fit.activation_energy.error);
  CHECK(std::abs(fit.prefactor.value - D0) < 3 * fit.prefactor.error);
  // σ(Ea) from the weights alone: kB · 0.1 / sqrt(Σ (1/T − mean)²).
  double mean = 0.0;
  for (double T : temperatures) mean += 1.0 / T / static_cast<double>(temperatures.size());
  double sxx = 0.0;
  for (double T : temperatures) sxx += (1.0 / T - mean) * (1.0 / T - mean);
  CHECK(fit.activation_energy.error >= kB * 0.1 / std::sqrt(sxx) * (1 - 1e-12));
  CHECK(fit.correlation > 0.9);  // narrow 1/T range: Ea and ln D0 strongly correlated

  // Over 400 repeats, about 95 % (or more: the Birge scaling never shrinks σ) inside 2σ.
  int inside = 0;
  for (std::uint64_t s = 0; s < 400; ++s) {
    const auto f = analysis::fit_arrhenius(synthetic(Ea, D0, temperatures, 0.1, 100 + s));
    inside += std::abs(f.activation_energy.value - Ea) < 2 * f.activation_energy.error;
  }
  INFO(inside << " of 400 inside 2 sigma");
  CHECK(inside >= 372);  // 0.93
  CHECK(inside <= 396);  // 0.99
}

TEST_CASE("Arrhenius: bad points are left out, one temperature gives no fit, table written",
          "[unit][analysis][arrhenius]") {
  auto points = synthetic(0.3, 1e-3, {300, 500}, 0.05, 3);
  points.push_back({"broken", 400.0, {std::nan(""), std::nan("")}});
  const auto fit = analysis::fit_arrhenius(points);
  CHECK(fit.valid);
  CHECK(fit.num_used == 2);
  CHECK_THAT(fit.note, Catch::Contains("broken"));

  const auto one = analysis::fit_arrhenius({points[0], points[0]});
  CHECK_FALSE(one.valid);
  CHECK_THAT(one.note, Catch::Contains("two or more temperatures"));
  CHECK(one.to_json()["Ea_eV"]["value"].is_null());

  const std::string dir = testing::temp_dir("arrhenius");
  fit.write_tables(dir);
  std::ifstream in(std::filesystem::path(dir) / "arrhenius.csv");
  std::string header;
  std::getline(in, header);
  CHECK(header == "run,temperature_K,D_cm2_s,D_err_cm2_s");
}
