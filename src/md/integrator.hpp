// SPDX-License-Identifier: MIT
//
// The Integrator interface: advances a System by whole time steps at a fixed potential, with
// thermostats and barostats as its parts. Implementations: velocity Verlet (NVE), Langevin
// (BAOAB splitting), Nosé–Hoover chains (NVT), and a barostat with per-axis control and axis
// coupling on top of either thermostat.
//
// Contract:
//   - setup() is called before the first step and again after atoms were inserted or removed
//     (System::topology_version() changed): it evaluates forces and recounts the degrees of
//     freedom. step() may assume System::forces() holds the forces of the current positions.
//   - exchanged_energy() is the total energy (eV) the thermostat and barostat have removed from
//     the system (negative when they added energy), so that
//         E_kinetic + E_potential (+ barostat P·V and cell kinetic terms) + exchanged_energy()
//     stays constant up to integration error; tests check this.
//   - save()/restore() capture the whole state (thermostat variables and target temperature,
//     RNG state, counters), so a restored integrator continues bit for bit once setup() has
//     recomputed the forces (Simulation::reset_forces() does both in the same order on the run
//     that wrote a checkpoint and on the run restored from it).
//   - set_target_temperature() changes a thermostat's target between steps (temperature ramps of
//     the protocol); integrators without a thermostat refuse it.
// Units: time in fs, temperature in K, pressure in eV/Å³.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/system.hpp"
#include "md/force_evaluator.hpp"

namespace ioncycle::md {

/// Integrator state for checkpoints: named arrays of doubles and named RNG states.
struct IntegratorState {
  std::map<std::string, std::vector<double>> values;
  std::map<std::string, core::Rng::State> rngs;
  friend bool operator==(const IntegratorState&, const IntegratorState&) = default;
};

class Integrator {
 public:
  virtual ~Integrator() = default;

  [[nodiscard]] virtual std::string name() const = 0;
  /// Time step in fs.
  [[nodiscard]] virtual double timestep() const = 0;

  virtual void setup(core::System& system, ForceEvaluator& forces) = 0;
  /// Advance one step.
  virtual void step(core::System& system, ForceEvaluator& forces) = 0;

  /// Energy removed by thermostat/barostat so far (eV).
  [[nodiscard]] virtual double exchanged_energy() const { return 0.0; }
  /// Extra conserved-quantity terms of extended-system methods (thermostat and barostat
  /// variables' kinetic and potential energy, P·V), eV. Zero for NVE and Langevin.
  [[nodiscard]] virtual double extended_energy(const core::System& system) const {
    (void)system;
    return 0.0;
  }
  /// Whether step() uses the virial of its force evaluations (a barostat does). When it does not,
  /// the Simulation skips the virial on steps no observer looks at, as LAMMPS does.
  [[nodiscard]] virtual bool needs_virial() const { return true; }
  /// Target temperature in K (0 for NVE).
  [[nodiscard]] virtual double target_temperature() const { return 0.0; }
  /// Change the target temperature (K) from the next step on. The default, for integrators
  /// without a thermostat, throws InputError ("... needs a thermostat").
  virtual void set_target_temperature(double kelvin);
  /// Number of degrees of freedom used for the temperature.
  [[nodiscard]] virtual double degrees_of_freedom(const core::System& system) const;

  [[nodiscard]] virtual IntegratorState save() const = 0;
  virtual void restore(const IntegratorState& state) = 0;

 protected:
  Integrator() = default;
  Integrator(const Integrator&) = default;
  Integrator& operator=(const Integrator&) = default;
};

/// Instantaneous temperature 2 K / (dof k_B) in K.
[[nodiscard]] double temperature(const core::System& system, double dof);

}  // namespace ioncycle::md
