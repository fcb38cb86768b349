// SPDX-License-Identifier: MIT
#include "analysis/diffusion.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <unordered_set>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"

namespace ioncycle::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Distinct selected atoms on the grid (the driver reports it as num_ions).
std::size_t count_atoms(const Trajectory& trajectory, const TimeGrid& grid, const MsdOptions& options) {
  std::unordered_set<core::AtomId> seen;
  for (std::size_t f : grid.frames) {
    const core::System& system = trajectory[f].system;
    const auto zs = system.atomic_numbers();
    const auto ids = system.ids();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto& list = options.host ? options.ion_species : options.species;
      const bool listed = std::find(list.begin(), list.end(), zs[i]) != list.end();
      if (listed != options.host) seen.insert(ids[i]);
    }
  }
  return seen.size();
}

// D (total, in-plane, normal) from one MSD curve over [start_fs, end_fs].
std::array<double, 3> fit_curve(const MsdCurve& curve, double start_fs, double end_fs, std::size_t min_points) {
  return {einstein_slope(curve.lag_fs, curve.msd, curve.count, start_fs, end_fs, 3, min_points),
          einstein_slope(curve.lag_fs, curve.msd_inplane, curve.count, start_fs, end_fs, 2, min_points),
          einstein_slope(curve.lag_fs, curve.msd_normal, curve.count, start_fs, end_fs, 1, min_points)};
}

std::string text(std::size_t n) { return std::to_string(n); }

}  // namespace

double einstein_slope(std::span<const double> lag_fs, std::span<const double> msd, std::span<const double> count,
                      double start_fs, double end_fs, int dimension, std::size_t min_points) {
  // Tolerance so that a range ending exactly on a grid point keeps it despite rounding.
  const double tolerance = 1e-9 * std::max(std::abs(start_fs), std::abs(end_fs));
  double n = 0.0;
  double sx = 0.0;
  double sy = 0.0;
  for (std::size_t m = 0; m < lag_fs.size(); ++m) {
    if (lag_fs[m] < start_fs - tolerance || lag_fs[m] > end_fs + tolerance) continue;
    if (!(count[m] > 0.0) || !std::isfinite(msd[m])) continue;
    n += 1.0;
    sx += lag_fs[m];
    sy += msd[m];
  }
  if (n < static_cast<double>(std::max<std::size_t>(min_points, 2))) return kNaN;
  // Centred sums: the lag values can be large compared with their spread.
  const double mx = sx / n;
  const double my = sy / n;
  double sxx = 0.0;
  double sxy = 0.0;
  for (std::size_t m = 0; m < lag_fs.size(); ++m) {
    if (lag_fs[m] < start_fs - tolerance || lag_fs[m] > end_fs + tolerance) continue;
    if (!(count[m] > 0.0) || !std::isfinite(msd[m])) continue;
    sxx += (lag_fs[m] - mx) * (lag_fs[m] - mx);
    sxy += (lag_fs[m] - mx) * (msd[m] - my);
  }
  if (sxx <= 0.0) return kNaN;
  return sxy / sxx / (2.0 * dimension);
}

double student_t_975(std::size_t dof) {
  static constexpr std::array<double, 30> table = {
      12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
      2.200985,  2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
      2.079614,  2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272};
  IONCYCLE_ASSERT(dof >= 1, "student_t_975: needs at least one degree of freedom");
  if (dof <= table.size()) return table[dof - 1];
  // Cornish–Fisher expansion of the t quantile in 1/ν (Abramowitz & Stegun 26.7.5); better than
  // 1e-5 for ν > 30.
  const double z = 1.959963984540054;
  const double nu = static_cast<double>(dof);
  const double z3 = z * z * z;
  const double z5 = z3 * z * z;
  const double z7 = z5 * z * z;
  return z + (z3 + z) / (4.0 * nu) + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * nu * nu) +
         (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * nu * nu * nu);
}

DiffusionFit fit_diffusion(const Trajectory& trajectory, std::span<const std::size_t> frames,
                           const MsdOptions& msd_options, const DiffusionOptions& options) {
  if (!(options.fit_start_fraction >= 0.0 && options.fit_start_fraction < options.fit_end_fraction &&
        options.fit_end_fraction <= 1.0)) {
    throw InputError("diffusion: the fit range must satisfy 0 <= fit_start_fraction < fit_end_fraction <= 1",
                     "e.g. fit_start_fraction = 0.1, fit_end_fraction = 0.5");
  }
  if (options.min_blocks < 2 || options.max_blocks < options.min_blocks || options.min_block_points < 2) {
    throw InputError("diffusion: block averaging needs min_blocks >= 2, max_blocks >= min_blocks and "
                     "min_block_points >= 2",
                     "e.g. max_blocks = 20, min_blocks = 3, min_block_points = 20");
  }
  DiffusionFit fit;
  const TimeGrid grid = make_time_grid(trajectory, frames);
  const core::Vec3 normal = msd_normal(trajectory, frames, msd_options);
  fit.num_atoms = count_atoms(trajectory, grid, msd_options);
  const std::int64_t span = grid.span();
  if (fit.num_atoms == 0) {
    fit.note = "no atoms of the species in this segment";
    return fit;
  }
  if (span < 2 || !std::isfinite(grid.interval_fs) || grid.interval_fs <= 0.0) {
    fit.note = "fewer than two frames on the time grid";
    return fit;
  }

  std::string why_no_error;
  const auto num_blocks = std::min<std::int64_t>(static_cast<std::int64_t>(options.max_blocks),
                                                 span / static_cast<std::int64_t>(options.min_block_points));
  if (num_blocks >= static_cast<std::int64_t>(options.min_blocks)) {
    // Equal blocks, so every block has the same fit range; the < num_blocks grid points left over
    // at the end are not used.
    const std::int64_t length = span / num_blocks;
    const double duration = static_cast<double>(length - 1) * grid.interval_fs;
    const double start = options.fit_start_fraction * duration;
    const double end = options.fit_end_fraction * duration;
    std::array<std::vector<double>, 3> values;
    for (std::int64_t b = 0; b < num_blocks; ++b) {
      const MsdCurve curve = compute_msd_on_grid(trajectory, grid, b * length, (b + 1) * length - 1, normal,
                                                 msd_options, MsdMethod::fft);
      const auto d = fit_curve(curve, start, end, options.min_fit_points);
      if (!std::isfinite(d[0]) || !std::isfinite(d[1]) || !std::isfinite(d[2])) continue;
      for (std::size_t c = 0; c < 3; ++c) values[c].push_back(d[c]);
    }
    const std::size_t used = values[0].size();
    if (used >= options.min_blocks) {
      const double t_factor = student_t_975(used - 1) / 1.959963984540054;
      std::array<Estimate, 3> estimates;
      for (std::size_t c = 0; c < 3; ++c) {
        double mean = 0.0;
        for (double v : values[c]) mean += v;
        mean /= static_cast<double>(used);
        double ss = 0.0;
        for (double v : values[c]) ss += (v - mean) * (v - mean);
        const double s = std::sqrt(ss / static_cast<double>(used - 1));
        estimates[c] = {mean, t_factor * s / std::sqrt(static_cast<double>(used))};
      }
      fit.D = estimates[0];
      fit.D_inplane = estimates[1];
      fit.D_normal = estimates[2];
      fit.fit_start_fs = start;
      fit.fit_end_fs = end;
      fit.num_blocks = used;
      if (used < static_cast<std::size_t>(num_blocks)) {
        fit.note = text(static_cast<std::size_t>(num_blocks) - used) + " of " + text(static_cast<std::size_t>(num_blocks)) +
                   " blocks without enough ion data were left out";
      }
      return fit;
    }
    why_no_error = "only " + text(used) + " of " + text(static_cast<std::size_t>(num_blocks)) +
                   " blocks hold enough ion data (need " + text(options.min_blocks) + ")";
  } else {
    why_no_error = "only " + text(static_cast<std::size_t>(span)) + " grid points (need " +
                   text(options.min_blocks * options.min_block_points) + " for " + text(options.min_blocks) +
                   " blocks of " + text(options.min_block_points) + ")";
  }

  // One fit over the whole segment, without an uncertainty.
  const MsdCurve curve = compute_msd_on_grid(trajectory, grid, 0, span - 1, normal, msd_options, MsdMethod::fft);
  const double duration = static_cast<double>(span - 1) * grid.interval_fs;
  fit.fit_start_fs = options.fit_start_fraction * duration;
  fit.fit_end_fs = options.fit_end_fraction * duration;
  const auto d = fit_curve(curve, fit.fit_start_fs, fit.fit_end_fs, options.min_fit_points);
  fit.D.value = d[0];
  fit.D_inplane.value = d[1];
  fit.D_normal.value = d[2];
  if (!std::isfinite(d[0])) {
    fit.note = "too few lags in the fit range: " + why_no_error;
  } else {
    fit.note = "no uncertainty: " + why_no_error;
  }
  return fit;
}

Estimate nernst_einstein_conductivity(const Estimate& D_A2_per_fs, double density_per_A3, double temperature_K,
                                      double charge) {
  // σ = n q² D / (k_B T): with n in Å⁻³, D in Å²/fs, k_B T in eV and q in e,
  // n e² D / (e·k_B T[eV]) = n D e / k_B T [C/(V·Å·fs)] = 1e23·e [S/cm] per unit of n D / k_B T.
  constexpr double kSPerCm = 1.602176634e-19 * 1e23;
  const double kT = units::boltzmann * temperature_K;
  const double factor = kSPerCm * density_per_A3 * charge * charge / kT;
  if (!std::isfinite(factor) || !(temperature_K > 0.0)) return {};
  return {factor * D_A2_per_fs.value, factor * D_A2_per_fs.error};
}

}  // namespace ioncycle::analysis
