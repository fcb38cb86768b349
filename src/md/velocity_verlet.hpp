// SPDX-License-Identifier: MIT
//
// Velocity Verlet (NVE) and the two building blocks every integrator of src/md shares:
//   kick(dt):  v_i += dt · F_i / m_i      (the "B" operator of a splitting)
//   drift(dt): x_i += dt · v_i            (the "A" operator)
// Velocity Verlet is B(dt/2) A(dt) [forces] B(dt/2) (Swope, Andersen, Berens & Wilson,
// J. Chem. Phys. 76, 637 (1982)): symplectic and time-reversible, so the energy error stays
// bounded and scales as dt² (tested).
//
// Units: dt in fs, x in Å, v in Å/fs, F in eV/Å, m in amu; F/m is converted with
// units::amu_A2_per_fs2_in_eV. Positions are left unwrapped.
// kick() and drift() update atoms independently and may use OpenMP threads; the result does not
// depend on the thread count.
#pragma once

#include <cstdint>
#include <string>

#include "md/integrator.hpp"

namespace ioncycle::md {

/// v += dt · F / m for every atom (F from system.forces()).
void kick(core::System& system, double dt);
/// x += dt · v for every atom.
void drift(core::System& system, double dt);

/// Microcanonical (NVE) velocity Verlet. Degrees of freedom 3N - 3 (momentum is conserved).
class VelocityVerlet final : public Integrator {
 public:
  /// `timestep` in fs (> 0).
  explicit VelocityVerlet(double timestep);

  [[nodiscard]] std::string name() const override { return "velocity_verlet"; }
  [[nodiscard]] double timestep() const override { return timestep_; }
  [[nodiscard]] bool needs_virial() const override { return false; }

  /// Evaluates forces (and the virial, for pressure output).
  void setup(core::System& system, ForceEvaluator& forces) override;
  /// One step; calls setup() first if atoms were inserted or removed since the last one.
  void step(core::System& system, ForceEvaluator& forces) override;

  /// Saves the step counter only (NVE has no other state).
  [[nodiscard]] IntegratorState save() const override;
  void restore(const IntegratorState& state) override;

  /// Steps taken since construction (restored from checkpoints).
  [[nodiscard]] std::uint64_t num_steps() const { return num_steps_; }

 private:
  double timestep_;
  std::uint64_t num_steps_ = 0;
  std::uint64_t topology_ = 0;
  bool is_set_up_ = false;
};

}  // namespace ioncycle::md
