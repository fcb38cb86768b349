// SPDX-License-Identifier: MIT
//
// Observers are what the MD loop calls every N steps: the thermo table, the progress display,
// trajectory writers, on-the-fly analyzers, checkpoints. The Simulation calls observe() at step 0,
// at every multiple of the observer's interval, and at the last step of each run() call (once per
// step even if several conditions hold). Observers read the System and the StepInfo; they must
// not change the System.
#pragma once

#include <cstdint>

#include "core/system.hpp"

namespace ioncycle::md {

/// What the loop knows about the current step, in internal units (fs, eV, eV/Å³, K).
struct StepInfo {
  std::int64_t step = 0;
  std::int64_t total_steps = 0;   ///< steps this run() call will reach (for progress)
  double time = 0.0;              ///< fs since the start of the simulation
  double temperature = 0.0;       ///< K
  double potential_energy = 0.0;  ///< eV
  double kinetic_energy = 0.0;    ///< eV
  double conserved_energy = 0.0;  ///< eV: E_pot + E_kin + extended terms + exchanged energy
  core::Mat3 pressure = core::Mat3::Zero();  ///< eV/Å³, positive = compressive (LAMMPS sign)
  double volume = 0.0;            ///< Å³
  bool is_last = false;           ///< the last step of this run() call
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void observe(const StepInfo& info, const core::System& system) = 0;
  /// Called once when the run ends (flush files, finish the progress line).
  virtual void finish() {}

 protected:
  Observer() = default;
};

}  // namespace ioncycle::md
