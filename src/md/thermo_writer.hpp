// SPDX-License-Identifier: MIT
//
// The thermo table: one CSV row per observed step, with a header naming every column and its
// unit. Each row is flushed at once, so a killed run keeps every row it printed.
// Columns: step, time_fs, temperature_K, potential_energy_eV, kinetic_energy_eV, total_energy_eV,
// conserved_energy_eV, pressure_GPa (mean of the diagonal), pxx..pyz_GPa (pressure tensor,
// positive = compressive, the LAMMPS sign; ASE's stress is its negative), volume_A3, a_A, b_A,
// c_A, alpha_deg, beta_deg, gamma_deg.
#pragma once

#include <ostream>

#include "md/observer.hpp"

namespace ioncycle::md {

class ThermoWriter final : public Observer {
 public:
  /// Writes the header at once. The stream must outlive the writer.
  explicit ThermoWriter(std::ostream& out);
  void observe(const StepInfo& info, const core::System& system) override;
  void finish() override;

 private:
  std::ostream& out_;
};

}  // namespace ioncycle::md
