// SPDX-License-Identifier: MIT
//
// FIRE energy minimization (Bitzek, Koskinen, Gähler, Moseler & Gumbsch, Phys. Rev. Lett. 97,
// 170201 (2006)) with the FIRE 2.0 refinements of Guénolé et al., Comput. Mater. Sci. 175, 109584
// (2020): semi-implicit Euler steps, the velocity mixed towards the force after the kick, half a
// step back when the power F·v turns negative, and no time-step decrease during the first
// N_delay steps. Optionally the cell relaxes to a target pressure per coupling group of axes,
// with the same axis groups and the same scaling as the barostat (see cell_rescaling.hpp: only
// the Cartesian diagonal is scaled, tilt kept, fractional coordinates kept).
//
// The fictitious dynamics uses one mass (1 amu) for every degree of freedom, as ASE's FIRE does,
// so the path does not depend on the species' masses. A cell group g of d_g axes is one more
// degree of freedom q_g = N u_g (u_g its log-stretch, N the number of atoms, the cell factor of
// ASE's UnitCellFilter) with generalized force Σ_{a∈g} (W_aa - P0_g V) / N = -∂(E + P0 V)/∂q_g,
// so atom and cell forces have comparable size.
//
// Convergence: every atom's |F| <= force_tolerance and, with cell relaxation, every group's mean
// diagonal pressure (virial only; there is no kinetic part in a minimization) within
// stress_tolerance of its target. Stops otherwise after max_steps or when the power stayed
// negative N_neg_max times in a row. The System's velocities are not touched.
//
// Units: Å, eV, fs, eV/Å³. Not thread-safe; the force evaluation may use threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/system.hpp"
#include "core/units.hpp"
#include "md/cell_rescaling.hpp"
#include "md/force_evaluator.hpp"

namespace ioncycle::md {

struct FireOptions {
  double force_tolerance = 0.01;     ///< eV/Å
  std::int64_t max_steps = 1000;     ///< force evaluations after the first
  double max_step = 0.2;             ///< Å, largest move of one atom (or cell coordinate) per step
  double timestep = 1.0;             ///< fs, initial Δt of the fictitious dynamics
  double max_timestep = 10.0;        ///< fs, Δt_max
  double min_timestep = 0.02;        ///< fs, Δt_min
  /// Cell relaxation: the axis groups (each with its target pressure) whose lengths relax;
  /// empty = fixed cell.
  std::vector<AxisGroup> cell_groups;
  double stress_tolerance = 0.01 * units::GPa;  ///< eV/Å³
};

struct MinimizationReport {
  std::int64_t num_steps = 0;       ///< FIRE steps taken
  double max_force = 0.0;           ///< eV/Å, largest |F| on an atom at the end
  double max_stress_error = 0.0;    ///< eV/Å³, largest |P_g - P0_g| (0 without cell relaxation)
  double energy = 0.0;              ///< eV, potential energy at the end
  double volume = 0.0;              ///< Å³ at the end
  bool converged = false;
  std::string stop_reason;          ///< "converged", "max_steps" or "uphill"
};

class FireMinimizer {
 public:
  /// FIRE 2.0 constants (Guénolé et al. 2020, Table 1).
  static constexpr int num_delay = 20;
  static constexpr int max_uphill = 2000;
  static constexpr double increase = 1.1;
  static constexpr double decrease = 0.5;
  static constexpr double alpha_start = 0.25;
  static constexpr double alpha_shrink = 0.99;

  /// Throws InputError for non-positive tolerances, steps or time steps.
  explicit FireMinimizer(FireOptions options);

  /// Relax positions (and the cell if asked); forces end up in system.forces().
  MinimizationReport minimize(core::System& system, ForceEvaluator& forces) const;

  [[nodiscard]] const FireOptions& options() const { return options_; }

 private:
  FireOptions options_;
};

}  // namespace ioncycle::md
