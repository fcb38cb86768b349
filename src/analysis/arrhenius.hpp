// SPDX-License-Identifier: MIT
//
// Arrhenius fit of diffusion coefficients measured at several temperatures (one run each):
// D(T) = D0 exp(−Ea / (k_B T)), i.e. ln D = ln D0 − (Ea/k_B)·(1/T), a straight line in 1/T.
//
// Method: weighted least squares of y = ln D against x = 1/T with weights 1/σ_y², σ_y = σ_D/D
// (first-order propagation through the logarithm). Parameter covariance (XᵀWX)⁻¹; with three or
// more points it is scaled by the reduced χ² when that exceeds 1 (Birge ratio: the scatter
// shows the stated errors are too small, or the points do not lie on one Arrhenius line), never
// scaled down. When any point lacks an uncertainty, the fit is unweighted and the covariance
// comes from the residual variance, which needs three or more temperatures; with exactly two
// such points Ea and D0 are given without uncertainty. Points with D <= 0, a non-finite D or a
// non-positive temperature are left out (listed in the note). Fewer than two distinct
// temperatures: no fit (valid = false, with the reason). Ea = −k_B·slope (eV), D0 = exp(intercept)
// with σ_D0 = D0·σ_intercept. Value type; thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/report.hpp"

namespace ioncycle::analysis {

/// One run's diffusion coefficient at its temperature.
struct ArrheniusPoint {
  std::string run;        ///< run name or directory
  double temperature_K = std::numeric_limits<double>::quiet_NaN();
  Estimate D;             ///< D and its 1σ (cm²/s)
};

struct ArrheniusFit {
  std::vector<ArrheniusPoint> points;  ///< as given, in order
  Estimate activation_energy;          ///< Ea (eV)
  Estimate prefactor;                  ///< D0 (cm²/s)
  /// Correlation coefficient of the estimates of Ea and ln D0 (they are strongly correlated when
  /// the temperatures span a narrow range); NaN without uncertainties.
  double correlation = std::numeric_limits<double>::quiet_NaN();
  double reduced_chi2 = std::numeric_limits<double>::quiet_NaN();  ///< NaN unweighted or n = 2
  std::size_t num_used = 0;            ///< points in the fit
  bool weighted = false;               ///< whether every point had an uncertainty
  bool valid = false;                  ///< a line was fitted
  std::string note;                    ///< what was left out or why there is no fit

  /// {"points": [...], "Ea_eV": {value, error}, "prefactor_cm2_s": {...}, ...}
  [[nodiscard]] nlohmann::json to_json() const;
  /// dir/arrhenius.csv: run,temperature_K,D_cm2_s,D_err_cm2_s
  void write_tables(const std::filesystem::path& dir) const;
};

/// Fit the points (see the header). Never throws for bad points; the result says what was used.
[[nodiscard]] ArrheniusFit fit_arrhenius(std::vector<ArrheniusPoint> points);

}  // namespace ioncycle::analysis
