// SPDX-License-Identifier: MIT
//
// The atoms of a simulation: positions (Å), velocities (Å/fs), forces (eV/Å), masses (amu),
// atomic numbers and a persistent integer id per atom, plus the Cell.
//
// Storage is one contiguous array per property (structure of arrays); positions, velocities and
// forces are N rows of Vec3, i.e. 3 x N doubles with one column per atom when viewed as an
// Eigen map, contiguous so they can be handed to libtorch or HDF5 without copying.
//
// Ids: every atom gets an id when it is added; ids are never reused, so an ion is followed for
// its whole life even after others are removed. index_of(id) is O(1).
//
// Topology: insert_atoms()/remove_atoms() bump topology_version(); neighbor lists and potentials
// compare it with the version they were built for and rebuild when it changed. Moving atoms or
// changing the cell does not change it (set_cell bumps cell_version() instead).
// Removal keeps the order of the remaining atoms (stable), so outputs stay in a predictable
// order; it costs O(N), which is negligible next to a force evaluation.
//
// Not thread-safe for writes; parallel loops may write distinct elements of the arrays.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "core/cell.hpp"

namespace ioncycle::core {

using AtomId = std::int64_t;

/// One atom to be added. A NaN mass means "the element's standard mass".
struct AtomSpec {
  int z = 0;
  Vec3 position = Vec3::Zero();
  Vec3 velocity = Vec3::Zero();
  double mass = std::numeric_limits<double>::quiet_NaN();
  /// Use this id instead of the next free one (readers restoring ids from a file). Must be >= 0
  /// and not in use; the next free id moves past it.
  std::optional<AtomId> id;
};

class System {
 public:
  System() = default;
  explicit System(Cell cell) : cell_(std::move(cell)) {}

  [[nodiscard]] std::size_t num_atoms() const { return ids_.size(); }
  [[nodiscard]] bool empty() const { return ids_.empty(); }

  [[nodiscard]] const Cell& cell() const { return cell_; }
  /// Replace the cell (atoms are not moved); bumps cell_version().
  void set_cell(Cell cell);
  [[nodiscard]] std::uint64_t cell_version() const { return cell_version_; }

  [[nodiscard]] std::span<Vec3> positions() { return positions_; }
  [[nodiscard]] std::span<const Vec3> positions() const { return positions_; }
  [[nodiscard]] std::span<Vec3> velocities() { return velocities_; }
  [[nodiscard]] std::span<const Vec3> velocities() const { return velocities_; }
  [[nodiscard]] std::span<Vec3> forces() { return forces_; }
  [[nodiscard]] std::span<const Vec3> forces() const { return forces_; }
  [[nodiscard]] std::span<const double> masses() const { return masses_; }
  [[nodiscard]] std::span<const int> atomic_numbers() const { return atomic_numbers_; }
  [[nodiscard]] std::span<const AtomId> ids() const { return ids_; }

  /// Positions as a 3 x N column-major matrix view (one column per atom).
  [[nodiscard]] Eigen::Map<Eigen::Matrix3Xd> positions_matrix();
  [[nodiscard]] Eigen::Map<const Eigen::Matrix3Xd> positions_matrix() const;

  /// Add one atom; returns its id. Throws InputError for an unknown element or a bad id.
  AtomId add_atom(const AtomSpec& atom);
  /// Add several atoms at the end, in order; returns their ids. Bumps topology_version() once.
  std::vector<AtomId> insert_atoms(std::span<const AtomSpec> atoms);
  /// Remove atoms by id (order of the rest kept). Unknown or repeated ids are an InputError and
  /// nothing is removed. Bumps topology_version() once.
  void remove_atoms(std::span<const AtomId> ids);
  /// Set the mass of atom `index` (amu, > 0).
  void set_mass(std::size_t index, double mass);

  // Trial-move tools (ion exchange): a trial insertion or removal must neither burn ids nor
  // change the order of the other atoms, so a rejected trial leaves the System as it was
  // (positions, velocities, masses, order, ids and next_id(); topology_version() still moves on,
  // so neighbor lists rebuild).

  /// Add one atom at the end like add_atom() (atom.id must be unset), remembering it as the
  /// pending trial atom so that discard_trial_atom() can take it back. Bumps topology_version().
  AtomId add_trial_atom(const AtomSpec& atom);
  /// Take back the atom added by the latest add_trial_atom(), with no insertion or removal in
  /// between: it is removed without a tombstone and next_id() goes back, so its id is handed out
  /// again (the trial never happened). Any other id is a programmer error. Bumps
  /// topology_version(). Keeping a trial atom needs no call: it is an ordinary atom.
  void discard_trial_atom(AtomId id);
  /// Undo of a trial removal: put back an atom removed by the latest remove_atoms() call (no
  /// insertion in between), with its id (atom.id must be set) at its former `index`, so the
  /// order and hence energies and neighbor order are restored exactly. For several atoms removed
  /// by one call, restore them in increasing former index. Its force is zero afterwards (the
  /// caller may write back the saved one). Anything else is a programmer error. Bumps
  /// topology_version().
  void restore_removed_atom(const AtomSpec& atom, std::size_t index);

  /// Index of the atom with this id, or nullopt if it does not exist (any more).
  [[nodiscard]] std::optional<std::size_t> index_of(AtomId id) const;
  /// The id the next added atom will get.
  [[nodiscard]] AtomId next_id() const { return next_id_; }
  /// Make sure future ids start at least at `id` (restoring a checkpoint whose last atoms were
  /// removed). Never moves backwards.
  void reserve_ids_below(AtomId id);

  [[nodiscard]] std::uint64_t topology_version() const { return topology_version_; }

  /// Total mass (amu) and kinetic energy ½Σmv² (eV).
  [[nodiscard]] double total_mass() const;
  [[nodiscard]] double kinetic_energy() const;

 private:
  void append(const AtomSpec& atom, AtomId id);

  Cell cell_;
  std::vector<Vec3> positions_;
  std::vector<Vec3> velocities_;
  std::vector<Vec3> forces_;
  std::vector<double> masses_;
  std::vector<int> atomic_numbers_;
  std::vector<AtomId> ids_;
  // id -> index, or -1 for an id whose atom was removed (a tombstone, so the id is never handed
  // out again, not even when a file asks for it explicitly). A hash map rather than a vector
  // indexed by id: ids read from files may be large and sparse.
  std::unordered_map<AtomId, std::int64_t> index_of_;
  AtomId next_id_ = 0;
  // The pending trial atom (add_trial_atom) and the next id before it was added; unset after
  // any other insertion or removal.
  std::optional<AtomId> trial_id_;
  AtomId next_id_before_trial_ = 0;
  // Ids removed by the latest remove_atoms() and not restored yet (restore_removed_atom).
  std::vector<AtomId> last_removed_;
  std::uint64_t topology_version_ = 0;
  std::uint64_t cell_version_ = 0;
};

}  // namespace ioncycle::core
