// SPDX-License-Identifier: MIT
//
// Self-diffusion coefficients from the MSD (msd.hpp) with a calibrated uncertainty, and the
// Nernst–Einstein ionic conductivity.
//
// Method. Einstein relation: MSD(t) → 2·d·D·t at long times, d = 3 for the total MSD, 2 in-plane,
// 1 along the layer normal. D comes from an ordinary least-squares line with intercept (the
// intercept absorbs the ballistic/caging offset) through the MSD at lags in
// [fit_start_fraction, fit_end_fraction] × the duration of the data it is fitted on.
//
// Uncertainty: block averaging (Flyvbjerg & Petersen, J. Chem. Phys. 91, 461 (1989); for
// diffusion coefficients see Maginn et al., LiveCoMS 1, 6324 (2019), best practices). The
// time grid of the segment is cut into B equal, disjoint blocks (B = min(max_blocks,
// grid points / min_block_points)); each block gets its own MSD (its own track
// windows, so no displacement crosses a block boundary) and its own D_b over the same relative
// fit range. The estimate is the mean of the block values, its standard uncertainty
//   σ = (t_{0.975, B−1} / 1.96) · s / √B,
// s the sample standard deviation of the D_b: the Student-t factor makes ±1.96σ a 95 % interval
// (and ±2σ ≈ 95.4 %) even for few blocks, provided blocks are longer than the velocity
// correlation time (true for a Markovian random walk; in MD, check that D does not drift with
// the block length). The MSD of the whole segment (msd.csv) is not what D is fitted on: a fit
// over a fixed fraction of the whole segment has about the variance of one block, so its value
// would not deserve the σ of the mean.
//
// Too little data: fewer than min_blocks usable blocks gives the fit over the whole segment with
// no uncertainty (error NaN, with a note); fewer than min_fit_points lags in the fit range, or no
// atoms, gives NaN with a note. Never throws for short data.
//
// Nernst–Einstein: σ = n q² D / (k_B T), n the mean ion number density, q = charge·e; it neglects
// ion–ion velocity correlations (Haven ratio 1), so it is an upper estimate of the collective
// conductivity for correlated hopping.
//
// Units: D in Å²/fs inside (1 Å²/fs = 0.1 cm²/s), times fs, conductivity S/cm. Thread-safe.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <string>

#include "analysis/msd.hpp"
#include "analysis/report.hpp"
#include "analysis/trajectory.hpp"

namespace ioncycle::analysis {

/// cm²/s per Å²/fs.
inline constexpr double kCm2PerSPerA2PerFs = 0.1;

struct DiffusionOptions {
  /// Fit range as fractions of the duration of the data fitted (a block, or the segment).
  /// The start skips the ballistic and caging regime; beyond about half the duration the MSD
  /// rests on few time origins and is noisy.
  double fit_start_fraction = 0.1;
  double fit_end_fraction = 0.5;
  /// Blocks for the uncertainty: at most max_blocks, each at least min_block_points grid points;
  /// fewer than min_blocks usable blocks: no uncertainty.
  std::size_t max_blocks = 20;
  std::size_t min_blocks = 3;
  std::size_t min_block_points = 20;
  /// Lags needed in a fit range.
  std::size_t min_fit_points = 3;
};

/// D of one set of atoms over one piece of trajectory. Estimates in Å²/fs.
struct DiffusionFit {
  Estimate D;          ///< from the total MSD (6Dt)
  Estimate D_inplane;  ///< from the in-plane MSD (4Dt)
  Estimate D_normal;   ///< from the MSD along the normal (2Dt)
  double fit_start_fs = std::numeric_limits<double>::quiet_NaN();  ///< lag range of the fits
  double fit_end_fs = std::numeric_limits<double>::quiet_NaN();
  std::size_t num_blocks = 0;  ///< blocks averaged (0: one fit over everything, no uncertainty)
  std::size_t num_atoms = 0;   ///< distinct atoms followed
  std::string note;            ///< why a value or its uncertainty is missing; "" when complete
};

/// Slope of the OLS line (with intercept) through (lag_fs, msd) for lags in [start_fs, end_fs]
/// with a positive count, divided by 2·dimension: D in Å²/fs. NaN with fewer than `min_points`.
[[nodiscard]] double einstein_slope(std::span<const double> lag_fs, std::span<const double> msd,
                                    std::span<const double> count, double start_fs, double end_fs,
                                    int dimension, std::size_t min_points = 3);

/// D (total, in-plane, normal) of the atoms `msd_options` selects over `frames`, by block
/// averaging (see the header).
[[nodiscard]] DiffusionFit fit_diffusion(const Trajectory& trajectory, std::span<const std::size_t> frames,
                                         const MsdOptions& msd_options, const DiffusionOptions& options);

/// Two-sided 97.5 % quantile of Student's t with `dof` degrees of freedom (dof >= 1).
[[nodiscard]] double student_t_975(std::size_t dof);

/// Nernst–Einstein conductivity (S/cm) from D (Å²/fs, with its uncertainty), the ion number
/// density (1/Å³), the temperature (K) and the ion charge (units of e). The uncertainty
/// propagates D's only (density and temperature are segment means, far more precise).
[[nodiscard]] Estimate nernst_einstein_conductivity(const Estimate& D_A2_per_fs, double density_per_A3,
                                                    double temperature_K, double charge);

}  // namespace ioncycle::analysis
