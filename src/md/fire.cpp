// SPDX-License-Identifier: MIT
#include "md/fire.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "core/units.hpp"

namespace ioncycle::md {

namespace {

bool positive_finite(double x) { return x > 0.0 && std::isfinite(x); }

// Scale Cartesian axis a of cell, positions (fractional coordinates kept) by exp(u_a).
void scale_cell(core::System& system, const core::Vec3& log_stretch) {
  if (log_stretch.isZero(0.0)) return;
  const core::Vec3 mu = log_stretch.array().exp().matrix();
  core::Mat3 h = system.cell().matrix();
  for (int row = 0; row < 3; ++row) h.row(row) = h.row(row).cwiseProduct(mu.transpose());
  system.set_cell(core::Cell(h, system.cell().pbc()));
  for (auto& x : system.positions()) x = x.cwiseProduct(mu);
}

}  // namespace

FireMinimizer::FireMinimizer(FireOptions options) : options_(std::move(options)) {
  if (!positive_finite(options_.force_tolerance)) throw InputError("the force tolerance must be positive");
  if (options_.max_steps < 0) throw InputError("the maximum number of minimization steps must be >= 0");
  if (!positive_finite(options_.max_step)) throw InputError("the maximum step must be positive");
  if (!positive_finite(options_.timestep) || !positive_finite(options_.max_timestep) ||
      !positive_finite(options_.min_timestep)) {
    throw InputError("the FIRE time steps must be positive");
  }
  if (options_.max_timestep < options_.timestep || options_.min_timestep > options_.timestep) {
    throw InputError("the FIRE time steps must satisfy min_timestep <= timestep <= max_timestep");
  }
  if (!options_.cell_groups.empty()) {
    // Reuse the barostat's validation of the groups (disjoint, non-empty).
    CellRescalingParams check;
    check.groups = options_.cell_groups;
    (void)StochasticCellRescaling(check, 0);
    if (!positive_finite(options_.stress_tolerance)) throw InputError("the stress tolerance must be positive");
  }
}

MinimizationReport FireMinimizer::minimize(core::System& system, ForceEvaluator& forces) const {
  const auto& groups = options_.cell_groups;
  const bool relax_cell = !groups.empty();
  const std::size_t n = system.num_atoms();
  const std::size_t num_cell = groups.size();
  if (relax_cell) {
    CellRescalingParams params;
    params.groups = groups;
    StochasticCellRescaling(params, 0).check(system);  // barostatted axes periodic, cell has volume
  }
  // Cell coordinate q_g = cell_factor · u_g (ASE's UnitCellFilter uses the number of atoms).
  const double cell_factor = std::max(1.0, static_cast<double>(n));
  // a = F / m with m = 1 amu: Å/fs² per eV/Å.
  const double inverse_mass = 1.0 / units::amu_A2_per_fs2_in_eV;

  std::vector<core::Vec3> v(n, core::Vec3::Zero());
  std::vector<double> v_cell(num_cell, 0.0);
  std::vector<double> f_cell(num_cell, 0.0);

  MinimizationReport report;
  const auto measure = [&]() {
    forces.evaluate(system, relax_cell);
    const auto f = system.forces();
    double max_f2 = 0.0;
    for (const auto& fi : f) max_f2 = std::max(max_f2, fi.squaredNorm());
    report.max_force = std::sqrt(max_f2);
    report.max_stress_error = 0.0;
    if (relax_cell) {
      const double volume = system.cell().volume();
      const core::Mat3& w = forces.virial();
      for (std::size_t g = 0; g < num_cell; ++g) {
        double sum_w = 0.0;
        for (int a = 0; a < 3; ++a) {
          if (groups[g].axes[static_cast<std::size_t>(a)]) sum_w += w(a, a);
        }
        const auto d = static_cast<double>(groups[g].size());
        // -∂(E + P0 V)/∂u_g = Σ_a W_aa - d_g P0 V, divided by the cell factor for q_g.
        f_cell[g] = (sum_w - d * groups[g].pressure * volume) / cell_factor;
        report.max_stress_error =
            std::max(report.max_stress_error, std::abs(sum_w / (d * volume) - groups[g].pressure));
      }
    }
    report.energy = forces.potential_energy();
    report.volume = system.cell().volume();
    return report.max_force <= options_.force_tolerance &&
           (!relax_cell || report.max_stress_error <= options_.stress_tolerance);
  };
  // Move atoms by dx_i (Cartesian) and the cell coordinates by dq_g.
  const auto move = [&](double factor) {
    auto x = system.positions();
    for (std::size_t i = 0; i < n; ++i) x[i] += factor * v[i];
    if (relax_cell) {
      core::Vec3 stretch = core::Vec3::Zero();
      for (std::size_t g = 0; g < num_cell; ++g) {
        for (std::size_t a = 0; a < 3; ++a) {
          if (groups[g].axes[a]) stretch[static_cast<Eigen::Index>(a)] = factor * v_cell[g] / cell_factor;
        }
      }
      scale_cell(system, stretch);
    }
  };

  double dt = options_.timestep;
  double alpha = alpha_start;
  int num_positive = 0;
  int num_negative = 0;
  bool converged = measure();
  std::int64_t step = 0;
  report.stop_reason = "max_steps";
  for (; !converged && step < options_.max_steps; ++step) {
    const auto f = system.forces();
    double power = 0.0;
    for (std::size_t i = 0; i < n; ++i) power += f[i].dot(v[i]);
    for (std::size_t g = 0; g < num_cell; ++g) power += f_cell[g] * v_cell[g];

    if (power > 0.0) {
      ++num_positive;
      num_negative = 0;
      if (num_positive > num_delay) {
        dt = std::min(dt * increase, options_.max_timestep);
        alpha *= alpha_shrink;
      }
    } else {
      num_positive = 0;
      ++num_negative;
      if (num_negative > max_uphill) {
        report.stop_reason = "uphill";
        break;
      }
      // FIRE 2.0: keep Δt during the first N_delay steps ("initial delay"), then shrink it.
      if (step >= num_delay) {
        if (dt * decrease >= options_.min_timestep) dt *= decrease;
        alpha = alpha_start;
      }
      // Guénolé et al. 2020, Algorithm 2: go back half a step along v, then stop.
      move(-0.5 * dt);
      std::fill(v.begin(), v.end(), core::Vec3::Zero());
      std::fill(v_cell.begin(), v_cell.end(), 0.0);
    }

    // Semi-implicit Euler: kick, mix the velocity towards the force (Bitzek et al. 2006, Eq. (1)
    // of FIRE: v ← (1 - α) v + α |v| F̂), then drift with the new velocity.
    double v2 = 0.0;
    double f2 = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      v[i] += dt * inverse_mass * f[i];
      v2 += v[i].squaredNorm();
      f2 += f[i].squaredNorm();
    }
    for (std::size_t g = 0; g < num_cell; ++g) {
      v_cell[g] += dt * inverse_mass * f_cell[g];
      v2 += v_cell[g] * v_cell[g];
      f2 += f_cell[g] * f_cell[g];
    }
    if (f2 > 0.0) {
      const double mix = alpha * std::sqrt(v2 / f2);
      for (std::size_t i = 0; i < n; ++i) v[i] = (1.0 - alpha) * v[i] + mix * f[i];
      for (std::size_t g = 0; g < num_cell; ++g) v_cell[g] = (1.0 - alpha) * v_cell[g] + mix * f_cell[g];
    }
    // Limit the largest single move to max_step, keeping the direction of the whole step.
    double largest = 0.0;
    for (std::size_t i = 0; i < n; ++i) largest = std::max(largest, dt * v[i].norm());
    for (std::size_t g = 0; g < num_cell; ++g) largest = std::max(largest, dt * std::abs(v_cell[g]));
    const double factor = largest > options_.max_step ? dt * options_.max_step / largest : dt;
    move(factor);
    converged = measure();
  }
  if (converged) report.stop_reason = "converged";
  report.converged = converged;
  report.num_steps = step;
  return report;
}

}  // namespace ioncycle::md
