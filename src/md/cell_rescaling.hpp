// SPDX-License-Identifier: MIT
//
// Stochastic cell rescaling barostat (Bernetti & Bussi, J. Chem. Phys. 153, 114107 (2020)),
// with per-axis control and axis coupling in the spirit of its anisotropic form (Del Tatto,
// Raiteri, Bernetti & Bussi, Appl. Sci. 12, 1139 (2022)). It is a part of a thermostatted
// integrator (Langevin or Nosé–Hoover chains), which calls apply() once per step between two
// position drifts; it needs the thermostat's target temperature.
//
// Axes and groups. The three Cartesian axes x, y, z are split into coupling groups; the axes of
// one group are scaled by one common factor, driven by the mean of their diagonal pressures
// P_g = (1/d_g) Σ_{a∈g} P_aa; axes in no group are fixed and never change. Isotropic control is
// the single group "xyz"; "xy" + "z" is the usual choice for layered materials (in-plane and
// stacking directions separately); "x", "y", "z" are fully independent. Each group has its own
// target pressure.
//
// What is scaled. A step multiplies the Cartesian component a of every lattice vector, of every
// (unwrapped) position and divides that of every velocity by μ_a:
//     H' = H · diag(μ),  x' = x · diag(μ),  v' = v · diag(μ)⁻¹,
// so fractional coordinates are kept. For a cell in the standard orientation (a along x, b in the
// xy plane, as in LAMMPS) a fixed x and y keep a and b exactly, and scaling z changes only c_z:
// the tilt components (b_x, c_x, c_y) are kept in Å, so the shape changes only along the
// barostatted axes and a stacking offset between layers is not stretched. For a cell in another
// orientation the axes still mean Cartesian x, y, z. Barostatted axes must be periodic.
//
// Energy. The change of kinetic energy (exact) and of potential energy caused by each scaling
// are added to exchanged_energy() with the opposite sign, so E_kin + E_pot + exchanged_energy()
// is conserved up to integration error (the barostat's "effective energy" of Bernetti & Bussi).
// The potential-energy change is the trapezoidal estimate -Σ_a ½ (W_aa + W'_aa) ln μ_a from the
// virials before (apply()) and after (finish_step(), called after the next force evaluation) the
// scaling. A first-order estimate would not do: the random part of ln μ is O(√dt), so the
// neglected ½ U'' (ln μ)² has a non-zero mean of O(dt) per step and adds up to a drift that does
// not vanish as dt → 0. There is no P·V term in extended_energy(): the work against the
// external pressure is part of what is exchanged.
//
// Units: pressure eV/Å³, compressibility Å³/eV, damping (τ_p) fs, temperature K.
// Not thread-safe; owns its random-number generator (core::Rng stream `rng_stream` of the seed).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/system.hpp"
#include "core/units.hpp"
#include "md/integrator.hpp"

namespace ioncycle::md {

/// Axes scaled together, with their target pressure.
struct AxisGroup {
  std::array<bool, 3> axes{false, false, false};  ///< x, y, z
  double pressure = 0.0;                          ///< target, eV/Å³
  /// "x", "xy", "xyz", ...
  [[nodiscard]] std::string name() const;
  [[nodiscard]] int size() const;
};

struct CellRescalingParams {
  /// Disjoint, non-empty groups; axes in none of them are fixed.
  std::vector<AxisGroup> groups;
  /// Relaxation time τ_p of the volume, fs.
  double damping = 1000.0;
  /// Isothermal compressibility β_T assumed by the barostat, Å³/eV. Only sets how fast the cell
  /// responds (the relaxation time is τ_p · β_true / β_T); the ensemble does not depend on it.
  double compressibility = 1.0 / (100.0 * units::GPa);
};

class StochasticCellRescaling {
 public:
  /// Stream of the run's seed used by the barostat's generator.
  static constexpr std::uint64_t rng_stream = 0x43524553;  // "CRES"

  /// Throws InputError for invalid parameters (no group, overlapping or empty groups,
  /// non-positive damping or compressibility).
  StochasticCellRescaling(CellRescalingParams params, std::uint64_t seed);

  /// Throws InputError if a barostatted axis is not periodic or the cell has no volume.
  void check(const core::System& system) const;

  /// One barostat step of length `dt` (fs) at temperature `temperature` (K) with `virial` (eV) the
  /// virial of the current (or latest) positions. Scales cell, positions and velocities.
  void apply(core::System& system, const core::Mat3& virial, double dt, double temperature);
  /// Completes the energy bookkeeping of the last apply() with the virial of the next force
  /// evaluation (see above). Integrators call it right after that evaluation.
  void finish_step(const core::Mat3& virial_after);

  /// Energy taken out of the system by the barostat so far (eV).
  [[nodiscard]] double exchanged_energy() const { return exchanged_; }
  [[nodiscard]] const CellRescalingParams& params() const { return params_; }

  /// Adds "barostat.*" fields to `state`: the exchanged energy and the generator, which is the
  /// whole state between two steps (the bookkeeping of an apply() is completed by finish_step()
  /// within the same step, so none is pending when an integrator is saved).
  void save(IntegratorState& state) const;
  void restore(const IntegratorState& state, const std::string& integrator);

 private:
  CellRescalingParams params_;
  core::Rng rng_;
  double exchanged_ = 0.0;
  // The last apply(), waiting for finish_step().
  bool has_pending_ = false;
  core::Vec3 pending_log_mu_ = core::Vec3::Zero();
  core::Mat3 pending_virial_ = core::Mat3::Zero();
};

}  // namespace ioncycle::md
