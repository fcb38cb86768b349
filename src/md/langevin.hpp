// SPDX-License-Identifier: MIT
//
// Langevin dynamics (NVT, or NPT with a StochasticCellRescaling barostat) integrated with the
// BAOAB splitting of Leimkuhler & Matthews (Appl. Math. Res. Express 2013, 34; J. Chem. Phys. 138,
// 174102 (2013)):
//     B(dt/2)  A(dt/2)  O(dt)  A(dt/2)  [forces]  B(dt/2)
// with B a kick, A a drift and O the exact Ornstein–Uhlenbeck solution of the friction and noise,
//     v ← e^{-dt/τ} v + sqrt((1 - e^{-2dt/τ}) k_B T / m) ξ,   ξ ~ N(0, 1) per component.
// Its configurational sampling is exact for harmonic forces at any friction and second order in
// general, and stays accurate in the high-friction limit (tested). With a barostat the cell is
// rescaled right after O, between the two drifts, where no forces are needed (B A O C A B).
//
// Energy exchanged: the O step is the only non-Hamiltonian part; its change of kinetic energy
// (and the barostat's, see cell_rescaling.hpp) is accumulated so that
// E_kin + E_pot + exchanged_energy() is conserved up to the integration error of velocity Verlet.
//
// Degrees of freedom 3N: the random forces do not conserve momentum.
// Random numbers: one core::Rng (stream `rng_stream` of the seed), drawn serially atom by atom,
// so a seed gives the same trajectory for any thread count; save()/restore() include it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/rng.hpp"
#include "md/cell_rescaling.hpp"
#include "md/integrator.hpp"

namespace ioncycle::md {

struct LangevinParams {
  double timestep = 1.0;       ///< fs, > 0
  double temperature = 300.0;  ///< K, >= 0
  double damping = 100.0;      ///< τ = 1/γ, fs, > 0
  std::uint64_t seed = 0;
};

class Langevin final : public Integrator {
 public:
  static constexpr std::uint64_t rng_stream = 0x4C414E47;  // "LANG"

  /// Throws InputError for a non-positive time step or damping or a negative temperature.
  explicit Langevin(LangevinParams params, std::unique_ptr<StochasticCellRescaling> barostat = nullptr);

  [[nodiscard]] std::string name() const override;
  [[nodiscard]] double timestep() const override { return params_.timestep; }
  [[nodiscard]] bool needs_virial() const override { return barostat_ != nullptr; }

  /// Evaluates forces and virial; checks the barostat's axes against the cell.
  void setup(core::System& system, ForceEvaluator& forces) override;
  /// One BAOAB step; calls setup() first if atoms were inserted or removed since the last one.
  void step(core::System& system, ForceEvaluator& forces) override;

  [[nodiscard]] double exchanged_energy() const override;
  [[nodiscard]] double target_temperature() const override { return params_.temperature; }
  /// New target (K, >= 0) from the next step on; the friction is unchanged. The barostat, if any,
  /// uses it too.
  void set_target_temperature(double kelvin) override;
  /// 3N.
  [[nodiscard]] double degrees_of_freedom(const core::System& system) const override;

  /// Saves the exchanged energy, step counter, target temperature and both RNG states.
  [[nodiscard]] IntegratorState save() const override;
  void restore(const IntegratorState& state) override;

  [[nodiscard]] const LangevinParams& params() const { return params_; }
  [[nodiscard]] const StochasticCellRescaling* barostat() const { return barostat_.get(); }

 private:
  void ornstein_uhlenbeck(core::System& system);

  LangevinParams params_;
  std::unique_ptr<StochasticCellRescaling> barostat_;
  core::Rng rng_;
  double exchanged_ = 0.0;
  std::uint64_t num_steps_ = 0;
  std::uint64_t topology_ = 0;
  bool is_set_up_ = false;
};

}  // namespace ioncycle::md
