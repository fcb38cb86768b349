// SPDX-License-Identifier: MIT
//
// Nosé–Hoover chains (NVT, or NPT with a StochasticCellRescaling barostat): Martyna, Klein &
// Tuckerman, J. Chem. Phys. 97, 2635 (1992). The particles couple to thermostat 1, thermostat j
// to thermostat j+1:
//     dη_j/dt = v_j,
//     Q_1 dv_1/dt = 2K - N_f k_B T - Q_1 v_1 v_2,
//     Q_j dv_j/dt = Q_{j-1} v_{j-1}² - k_B T - Q_j v_j v_{j+1},   (v_{M+1} = 0)
// with masses Q_1 = N_f k_B T τ², Q_j = k_B T τ² (τ = the damping time, the period of the
// thermostat's oscillation).
//
// Integration: the Trotter factorization of Martyna, Tuckerman, Tobias & Klein (Mol. Phys. 87,
// 1117 (1996)), written out in Tuckerman, "Statistical Mechanics: Theory and Molecular
// Simulation" (OUP 2010), §4.11–4.12:
//     NHC(dt/2)  B(dt/2)  A(dt)  [forces]  B(dt/2)  NHC(dt/2)
// where NHC(dt/2) is split into n_c substeps, each a Suzuki–Yoshida composition of order 1, 3, 5
// or 7. With a barostat the drift is split, A(dt/2) C(dt) A(dt/2), so the cell is rescaled where
// no forces are needed.
//
// Conserved quantity: E_kin + E_pot + extended_energy() (+ exchanged_energy() of a barostat), with
//     extended_energy = Σ_j Q_j v_j² / 2 + N_f k_B T η_1 + k_B T Σ_{j≥2} η_j.
// N_f = 3N - 3 (the thermostat scales all velocities alike, so the total momentum is conserved),
// recounted by setup() after atoms are inserted or removed; the conserved quantity then jumps.
//
// Units: time fs, temperature K, Q in eV·fs², v_j in 1/fs. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "md/cell_rescaling.hpp"
#include "md/integrator.hpp"

namespace ioncycle::md {

struct NoseHooverParams {
  double timestep = 1.0;       ///< fs, > 0
  double temperature = 300.0;  ///< K, > 0
  double damping = 100.0;      ///< τ, fs, > 0
  int chain_length = 3;        ///< M >= 1
  int num_substeps = 1;        ///< n_c >= 1
  int yoshida_order = 3;       ///< 1, 3, 5 or 7
};

class NoseHooverChain final : public Integrator {
 public:
  /// Throws InputError for invalid parameters.
  explicit NoseHooverChain(NoseHooverParams params,
                           std::unique_ptr<StochasticCellRescaling> barostat = nullptr);

  [[nodiscard]] std::string name() const override;
  [[nodiscard]] double timestep() const override { return params_.timestep; }
  [[nodiscard]] bool needs_virial() const override { return barostat_ != nullptr; }

  /// Evaluates forces and virial and recounts N_f (thermostat masses follow).
  void setup(core::System& system, ForceEvaluator& forces) override;
  /// One step; calls setup() first if atoms were inserted or removed since the last one.
  void step(core::System& system, ForceEvaluator& forces) override;

  [[nodiscard]] double exchanged_energy() const override;
  [[nodiscard]] double extended_energy(const core::System& system) const override;
  [[nodiscard]] double target_temperature() const override { return params_.temperature; }
  /// New target (K, > 0) from the next step on. The masses follow the definition above,
  /// Q_1 = N_f k_B T τ², Q_j = k_B T τ², so the thermostat keeps its period τ at the new
  /// temperature; η_j and v_j are kept. The conserved quantity jumps (its k_B T terms change),
  /// as it does when atoms are inserted.
  void set_target_temperature(double kelvin) override;

  /// Saves η_j, v_j, the step counter and the target temperature (the masses follow from it and
  /// from N_f, which setup() recounts).
  [[nodiscard]] IntegratorState save() const override;
  void restore(const IntegratorState& state) override;

  [[nodiscard]] const NoseHooverParams& params() const { return params_; }
  /// Thermostat positions η_j and velocities v_j (1/fs).
  [[nodiscard]] const std::vector<double>& eta() const { return eta_; }
  [[nodiscard]] const std::vector<double>& eta_velocity() const { return v_eta_; }

 private:
  void update_masses();
  void chain_half_step(core::System& system);

  NoseHooverParams params_;
  std::unique_ptr<StochasticCellRescaling> barostat_;
  std::vector<double> weights_;  // Suzuki–Yoshida weights
  std::vector<double> eta_;
  std::vector<double> v_eta_;
  std::vector<double> mass_;  // Q_j, eV·fs²
  std::vector<double> force_;  // G_j scratch, 1/fs²
  double dof_ = 0.0;
  std::uint64_t num_steps_ = 0;
  std::uint64_t topology_ = 0;
  bool is_set_up_ = false;
};

}  // namespace ioncycle::md
