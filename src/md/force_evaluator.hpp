// SPDX-License-Identifier: MIT
//
// ForceEvaluator connects a Potential to a System: it owns the neighbor list the potential asked
// for (rebuilt by the list's own rule, see core/neighbor_list.hpp), calls the potential, writes
// the forces into System::forces(), and keeps the last energy and virial for thermo output and
// barostats. Integrators and minimizers call evaluate() once per force evaluation.
//
// After atoms are inserted or removed (System::topology_version() changes) it checks again that
// the potential supports every element, so a bad insertion fails with a clear error instead of
// garbage forces; non-finite energies or forces are SimulationErrors naming the atoms.
//
// Not thread-safe; the potential may use OpenMP inside.
#pragma once

#include <cstdint>

#include "core/neighbor_list.hpp"
#include "core/system.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::md {

class ForceEvaluator {
 public:
  /// `skin` in Å (the Verlet skin of the neighbor list). The potential must outlive this object.
  ForceEvaluator(potentials::Potential& potential, double skin);

  /// Energy, forces (into system.forces()) and, if `want_virial` and the virial is not being
  /// skipped (set_skip_virial), the virial.
  void evaluate(core::System& system, bool want_virial = true);
  /// Skip the virial in evaluate() until called with false (the Simulation does this on steps
  /// nobody needs it: it costs a sixth of a pair potential's time).
  void set_skip_virial(bool skip) { skip_virial_ = skip; }
  /// Whether virial() belongs to the last evaluate().
  [[nodiscard]] bool has_virial() const { return virial_valid_; }
  /// Energy only, for trial moves; does not touch system.forces().
  [[nodiscard]] double energy(const core::System& system);
  /// Build the neighbor list for `system` now, whatever its rebuild rule says. After this the
  /// list depends only on the current positions, cell and topology, not on when it was last
  /// built: a run restored from a checkpoint and the run that wrote it continue from the same
  /// list (Simulation::reset_forces()).
  void rebuild_neighbors(const core::System& system);

  [[nodiscard]] double potential_energy() const { return result_.energy; }
  /// Virial of the last evaluate() with want_virial (eV, LAMMPS sign; see potential.hpp).
  [[nodiscard]] const core::Mat3& virial() const { return result_.virial; }
  [[nodiscard]] const potentials::ForceResult& last_result() const { return result_; }
  [[nodiscard]] const core::NeighborList& neighbors() const { return neighbors_; }
  [[nodiscard]] potentials::Potential& potential() { return potential_; }
  [[nodiscard]] std::uint64_t num_evaluations() const { return num_evaluations_; }
  /// Wall time (s) spent updating the neighbor list and in the potential, over all calls.
  [[nodiscard]] double seconds_neighbors() const { return seconds_neighbors_; }
  [[nodiscard]] double seconds_potential() const { return seconds_potential_; }

 private:
  void check_species(const core::System& system);
  void check_finite(const core::System& system) const;

  potentials::Potential& potential_;
  core::NeighborList neighbors_;
  potentials::ForceResult result_;
  std::uint64_t checked_topology_ = ~std::uint64_t{0};
  std::uint64_t num_evaluations_ = 0;
  double seconds_neighbors_ = 0.0;
  double seconds_potential_ = 0.0;
  bool skip_virial_ = false;
  bool virial_valid_ = false;
};

}  // namespace ioncycle::md
