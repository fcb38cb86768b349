// SPDX-License-Identifier: MIT
#include "analysis/arrhenius.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/units.hpp"

namespace ioncycle::analysis {

ArrheniusFit fit_arrhenius(std::vector<ArrheniusPoint> points) {
  ArrheniusFit fit;
  fit.points = std::move(points);
  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> sigma;
  std::string left_out;
  bool all_have_errors = true;
  for (const ArrheniusPoint& p : fit.points) {
    const double D = p.D.value;
    if (!(std::isfinite(D) && D > 0.0 && std::isfinite(p.temperature_K) && p.temperature_K > 0.0)) {
      left_out += (left_out.empty() ? "" : ", ") + p.run;
      continue;
    }
    x.push_back(1.0 / p.temperature_K);
    y.push_back(std::log(D));
    const double e = p.D.error;
    const bool has_error = std::isfinite(e) && e > 0.0;
    all_have_errors = all_have_errors && has_error;
    sigma.push_back(has_error ? e / D : std::numeric_limits<double>::quiet_NaN());
  }
  if (!left_out.empty()) fit.note = "left out (no positive D or temperature): " + left_out;
  const std::set<double> temperatures(x.begin(), x.end());
  const auto add_note = [&](const std::string& text) { fit.note += (fit.note.empty() ? "" : "; ") + text; };
  if (temperatures.size() < 2) {
    add_note("an Arrhenius fit needs runs at two or more temperatures (got " + std::to_string(temperatures.size()) +
             " usable)");
    return fit;
  }
  const std::size_t n = x.size();
  fit.num_used = n;
  fit.weighted = all_have_errors;

  // Weighted normal equations for y = a + b·x, in x centred on its weighted mean so that the
  // 2×2 system is well conditioned (1/T values are close together).
  std::vector<double> w(n);
  for (std::size_t i = 0; i < n; ++i) w[i] = fit.weighted ? 1.0 / (sigma[i] * sigma[i]) : 1.0;
  double sw = 0.0;
  double swx = 0.0;
  double swy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sw += w[i];
    swx += w[i] * x[i];
    swy += w[i] * y[i];
  }
  const double xm = swx / sw;
  const double ym = swy / sw;
  double sxx = 0.0;
  double sxy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sxx += w[i] * (x[i] - xm) * (x[i] - xm);
    sxy += w[i] * (x[i] - xm) * (y[i] - ym);
  }
  const double slope = sxy / sxx;
  const double intercept = ym - slope * xm;
  double chi2 = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double r = y[i] - intercept - slope * x[i];
    chi2 += w[i] * r * r;
  }
  // Covariance of (intercept, slope) for unit-variance weights: var(b) = 1/Sxx,
  // var(a) = 1/Sw + xm²/Sxx, cov(a, b) = −xm/Sxx.
  double scale = std::numeric_limits<double>::quiet_NaN();
  if (fit.weighted) {
    scale = 1.0;
    if (n > 2) {
      fit.reduced_chi2 = chi2 / static_cast<double>(n - 2);
      scale = std::max(1.0, fit.reduced_chi2);
    }
  } else if (n > 2) {
    scale = chi2 / static_cast<double>(n - 2);  // residual variance of ln D
  } else {
    add_note("no uncertainty: two points without errors");
  }
  const double var_b = scale / sxx;
  const double var_a = scale * (1.0 / sw + xm * xm / sxx);
  const double cov_ab = -scale * xm / sxx;

  const double k = units::boltzmann;
  fit.activation_energy = {-k * slope, k * std::sqrt(var_b)};
  const double D0 = std::exp(intercept);
  fit.prefactor = {D0, D0 * std::sqrt(var_a)};
  // corr(Ea, ln D0) = −corr(b, a).
  fit.correlation = -cov_ab / std::sqrt(var_a * var_b);
  fit.valid = true;
  return fit;
}

nlohmann::json ArrheniusFit::to_json() const {
  nlohmann::json pts = nlohmann::json::array();
  for (const ArrheniusPoint& p : points) {
    pts.push_back({{"run", p.run}, {"temperature_K", json_number(p.temperature_K)}, {"D_cm2_s", analysis::to_json(p.D)}});
  }
  return {{"points", pts},
          {"valid", valid},
          {"Ea_eV", analysis::to_json(activation_energy)},
          {"prefactor_cm2_s", analysis::to_json(prefactor)},
          {"correlation_Ea_lnD0", json_number(correlation)},
          {"reduced_chi2", json_number(reduced_chi2)},
          {"num_used", num_used},
          {"weighted", weighted},
          {"note", note}};
}

void ArrheniusFit::write_tables(const std::filesystem::path& dir) const {
  CsvTable table({"run", "temperature_K", "D_cm2_s", "D_err_cm2_s"});
  for (const ArrheniusPoint& p : points) {
    table.row().add(p.run).add(p.temperature_K).add(p.D.value).add(p.D.error);
  }
  table.write(dir / "arrhenius.csv");
}

}  // namespace ioncycle::analysis
