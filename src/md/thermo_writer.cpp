// SPDX-License-Identifier: MIT
#include "md/thermo_writer.hpp"

#include <cstdio>

#include "core/units.hpp"

namespace ioncycle::md {

ThermoWriter::ThermoWriter(std::ostream& out) : out_(out) {
  out_ << "step,time_fs,temperature_K,potential_energy_eV,kinetic_energy_eV,total_energy_eV,"
          "conserved_energy_eV,pressure_GPa,pxx_GPa,pyy_GPa,pzz_GPa,pxy_GPa,pxz_GPa,pyz_GPa,"
          "volume_A3,a_A,b_A,c_A,alpha_deg,beta_deg,gamma_deg\n";
  out_.flush();
}

void ThermoWriter::observe(const StepInfo& s, const core::System& system) {
  const core::Mat3 p = s.pressure * units::eV_per_A3_in_GPa;
  const auto& cell = system.cell();
  const core::Vec3 len = cell.lengths();
  const core::Vec3 ang = cell.angles();
  // %.10g keeps energies to ~1e-10 relative, enough to see drift, without 17-digit noise.
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "%lld,%.6f,%.6f,%.10g,%.10g,%.10g,%.10g,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,"
                "%.6f,%.6f,%.6f\n",
                static_cast<long long>(s.step), s.time, s.temperature, s.potential_energy, s.kinetic_energy,
                s.potential_energy + s.kinetic_energy, s.conserved_energy, p.trace() / 3.0, p(0, 0), p(1, 1),
                p(2, 2), p(0, 1), p(0, 2), p(1, 2), s.volume, len[0], len[1], len[2], ang[0], ang[1], ang[2]);
  out_ << buf;
  out_.flush();
}

void ThermoWriter::finish() { out_.flush(); }

}  // namespace ioncycle::md
