// SPDX-License-Identifier: MIT
#include "core/system.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/units.hpp"

namespace ioncycle::core {

void System::set_cell(Cell cell) {
  cell_ = std::move(cell);
  ++cell_version_;
}

Eigen::Map<Eigen::Matrix3Xd> System::positions_matrix() {
  return {positions_.empty() ? nullptr : positions_.front().data(), 3,
          static_cast<Eigen::Index>(positions_.size())};
}

Eigen::Map<const Eigen::Matrix3Xd> System::positions_matrix() const {
  return {positions_.empty() ? nullptr : positions_.front().data(), 3,
          static_cast<Eigen::Index>(positions_.size())};
}

void System::append(const AtomSpec& atom, AtomId id) {
  const double mass = std::isnan(atom.mass) ? standard_mass(atom.z) : atom.mass;
  if (!(mass > 0.0) || !std::isfinite(mass)) {
    throw InputError("atom with id " + std::to_string(id) + " has a non-positive mass (" +
                     std::to_string(mass) + " amu)");
  }
  if (!atom.position.allFinite()) {
    throw InputError("atom with id " + std::to_string(id) + " has a non-finite position");
  }
  if (!atom.velocity.allFinite()) {
    throw InputError("atom with id " + std::to_string(id) + " has a non-finite velocity");
  }
  const auto index = static_cast<std::int64_t>(ids_.size());
  positions_.push_back(atom.position);
  velocities_.push_back(atom.velocity);
  forces_.push_back(Vec3::Zero());
  masses_.push_back(mass);
  atomic_numbers_.push_back(atom.z);
  ids_.push_back(id);
  index_of_[id] = index;
  next_id_ = std::max(next_id_, id + 1);
}

AtomId System::add_atom(const AtomSpec& atom) {
  const auto ids = insert_atoms(std::span<const AtomSpec>(&atom, 1));
  return ids.front();
}

std::vector<AtomId> System::insert_atoms(std::span<const AtomSpec> atoms) {
  // Validate everything first so a failed insertion leaves the system untouched.
  std::vector<AtomId> new_ids;
  new_ids.reserve(atoms.size());
  AtomId next = next_id_;
  for (const auto& a : atoms) {
    (void)element(a.z);  // throws for an unknown atomic number
    AtomId id = next;
    if (a.id) {
      id = *a.id;
      if (id < 0) throw InputError("atom id " + std::to_string(id) + " is negative");
      if (id >= std::numeric_limits<AtomId>::max() / 2) {
        throw InputError("atom id " + std::to_string(id) + " is too large");
      }
      if (const auto it = index_of_.find(id); it != index_of_.end() && it->second < 0) {
        throw InputError("atom id " + std::to_string(id) + " belonged to an atom that was removed",
                         "ids are never reused, so an ion can be followed for its whole life");
      }
      const bool in_use = index_of(id).has_value() ||
                          std::find(new_ids.begin(), new_ids.end(), id) != new_ids.end();
      if (in_use) throw InputError("atom id " + std::to_string(id) + " is used twice");
    }
    new_ids.push_back(id);
    next = std::max(next, id + 1);
  }
  const std::size_t old_size = ids_.size();
  const AtomId old_next_id = next_id_;
  try {
    for (std::size_t i = 0; i < atoms.size(); ++i) append(atoms[i], new_ids[i]);
  } catch (...) {
    // Roll back the partial append (a bad mass or position found late).
    for (std::size_t i = old_size; i < ids_.size(); ++i) index_of_.erase(ids_[i]);
    positions_.resize(old_size);
    velocities_.resize(old_size);
    forces_.resize(old_size);
    masses_.resize(old_size);
    atomic_numbers_.resize(old_size);
    ids_.resize(old_size);
    next_id_ = old_next_id;  // append() advanced it; ids of rolled-back atoms were never handed out
    throw;
  }
  if (!atoms.empty()) {
    ++topology_version_;
    trial_id_.reset();
    last_removed_.clear();
  }
  return new_ids;
}

AtomId System::add_trial_atom(const AtomSpec& atom) {
  IONCYCLE_ASSERT(!atom.id.has_value(), "a trial atom takes the next free id");
  const AtomId before = next_id_;
  const AtomId id = add_atom(atom);
  trial_id_ = id;
  next_id_before_trial_ = before;
  return id;
}

void System::discard_trial_atom(AtomId id) {
  IONCYCLE_ASSERT(trial_id_.has_value() && *trial_id_ == id && !ids_.empty() && ids_.back() == id,
                  "discard_trial_atom: not the atom added by the latest add_trial_atom");
  positions_.pop_back();
  velocities_.pop_back();
  forces_.pop_back();
  masses_.pop_back();
  atomic_numbers_.pop_back();
  ids_.pop_back();
  // No tombstone: the id was never really handed out.
  index_of_.erase(id);
  next_id_ = next_id_before_trial_;
  trial_id_.reset();
  ++topology_version_;
}

void System::restore_removed_atom(const AtomSpec& atom, std::size_t index) {
  IONCYCLE_ASSERT(atom.id.has_value(), "restore_removed_atom needs the atom's former id");
  const AtomId id = *atom.id;
  const auto pending = std::find(last_removed_.begin(), last_removed_.end(), id);
  IONCYCLE_ASSERT(pending != last_removed_.end(),
                  "restore_removed_atom: id not removed by the latest remove_atoms");
  IONCYCLE_ASSERT(index <= ids_.size(), "restore_removed_atom: index out of range");
  const double mass = std::isnan(atom.mass) ? standard_mass(atom.z) : atom.mass;
  IONCYCLE_ASSERT(mass > 0.0 && std::isfinite(mass) && atom.position.allFinite() && atom.velocity.allFinite(),
                  "restore_removed_atom: the atom is not the one removed");
  const auto at = static_cast<std::ptrdiff_t>(index);
  positions_.insert(positions_.begin() + at, atom.position);
  velocities_.insert(velocities_.begin() + at, atom.velocity);
  forces_.insert(forces_.begin() + at, Vec3::Zero());
  masses_.insert(masses_.begin() + at, mass);
  atomic_numbers_.insert(atomic_numbers_.begin() + at, atom.z);
  ids_.insert(ids_.begin() + at, id);
  for (std::size_t i = index; i < ids_.size(); ++i) index_of_[ids_[i]] = static_cast<std::int64_t>(i);
  last_removed_.erase(pending);
  trial_id_.reset();
  ++topology_version_;
}

void System::remove_atoms(std::span<const AtomId> ids) {
  if (ids.empty()) return;
  std::vector<char> doomed(ids_.size(), 0);
  for (const AtomId id : ids) {
    const auto idx = index_of(id);
    if (!idx) throw InputError("cannot remove atom id " + std::to_string(id) + ": no such atom");
    if (doomed[*idx]) throw InputError("atom id " + std::to_string(id) + " listed twice for removal");
    doomed[*idx] = 1;
  }
  last_removed_.assign(ids.begin(), ids.end());
  trial_id_.reset();
  std::size_t out = 0;
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    if (doomed[i]) {
      index_of_[ids_[i]] = -1;
      continue;
    }
    if (out != i) {
      positions_[out] = positions_[i];
      velocities_[out] = velocities_[i];
      forces_[out] = forces_[i];
      masses_[out] = masses_[i];
      atomic_numbers_[out] = atomic_numbers_[i];
      ids_[out] = ids_[i];
      index_of_[ids_[out]] = static_cast<std::int64_t>(out);
    }
    ++out;
  }
  positions_.resize(out);
  velocities_.resize(out);
  forces_.resize(out);
  masses_.resize(out);
  atomic_numbers_.resize(out);
  ids_.resize(out);
  ++topology_version_;
}

void System::set_mass(std::size_t index, double mass) {
  IONCYCLE_ASSERT(index < masses_.size(), "atom index out of range");
  if (!(mass > 0.0) || !std::isfinite(mass)) throw InputError("mass must be positive and finite");
  masses_[index] = mass;
}

std::optional<std::size_t> System::index_of(AtomId id) const {
  const auto it = index_of_.find(id);
  if (it == index_of_.end() || it->second < 0) return std::nullopt;
  return static_cast<std::size_t>(it->second);
}

void System::reserve_ids_below(AtomId id) { next_id_ = std::max(next_id_, id); }

double System::total_mass() const {
  double m = 0.0;
  for (const double mi : masses_) m += mi;
  return m;
}

double System::kinetic_energy() const {
  double twice = 0.0;
  for (std::size_t i = 0; i < ids_.size(); ++i) twice += masses_[i] * velocities_[i].squaredNorm();
  return 0.5 * twice * units::amu_A2_per_fs2_in_eV;
}

}  // namespace ioncycle::core
