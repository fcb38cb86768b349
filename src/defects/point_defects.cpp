// SPDX-License-Identifier: MIT
#include "defects/point_defects.hpp"

#include <cmath>
#include <set>
#include <string>

#include "core/elements.hpp"
#include "core/error.hpp"

namespace ioncycle::defects {

namespace {

// Indices of `ids`, all checked before anything changes: unknown or repeated ids are an error.
std::vector<std::size_t> indices_of(const core::System& system, std::span<const core::AtomId> ids,
                                    std::string_view what) {
  std::vector<std::size_t> indices;
  indices.reserve(ids.size());
  std::set<core::AtomId> seen;
  for (const core::AtomId id : ids) {
    const auto index = system.index_of(id);
    if (!index) {
      throw InputError(std::string(what) + ": no atom with id " + std::to_string(id) + " in the structure");
    }
    if (!seen.insert(id).second) {
      throw InputError(std::string(what) + ": atom id " + std::to_string(id) + " is used by two defects");
    }
    indices.push_back(*index);
  }
  return indices;
}

core::Vec3 wrapped(const core::Cell& cell, const core::Vec3& r) { return cell.has_lattice() ? cell.wrap(r) : r; }

AtomRef ref(const core::System& system, std::size_t index) {
  return {system.ids()[index], system.atomic_numbers()[index]};
}

}  // namespace

core::Vec3 periodic_centre(const core::Cell& cell, std::span<const core::Vec3> positions) {
  if (positions.empty()) return core::Vec3::Zero();
  const core::Vec3 origin = positions.front();
  core::Vec3 sum = core::Vec3::Zero();
  for (const auto& p : positions) sum += cell.minimum_image(p - origin);
  return wrapped(cell, origin + sum / static_cast<double>(positions.size()));
}

std::vector<DefectRecord> make_vacancies(core::System& system, std::span<const std::vector<core::AtomId>> groups,
                                         DefectType type) {
  std::vector<core::AtomId> all;
  for (const auto& group : groups) {
    if (group.empty()) throw InputError("a vacancy needs at least one atom");
    all.insert(all.end(), group.begin(), group.end());
  }
  const auto indices = indices_of(system, all, std::string(to_string(type)));
  std::vector<DefectRecord> records;
  if (groups.empty()) return records;
  records.reserve(groups.size());
  std::size_t k = 0;
  for (const auto& group : groups) {
    DefectRecord record;
    record.type = type;
    std::vector<core::Vec3> positions;
    for (std::size_t g = 0; g < group.size(); ++g, ++k) {
      record.removed.push_back(ref(system, indices[k]));
      positions.push_back(system.positions()[indices[k]]);
    }
    record.position = periodic_centre(system.cell(), positions);
    records.push_back(std::move(record));
  }
  system.remove_atoms(all);
  return records;
}

std::vector<DefectRecord> make_stone_wales(core::System& system, std::span<const std::array<core::AtomId, 2>> bonds,
                                           const core::Vec3& axis, double angle) {
  if (!(std::abs(axis.norm() - 1.0) < 1e-6)) throw InputError("Stone-Wales rotation axis must be a unit vector");
  std::vector<core::AtomId> all;
  for (const auto& bond : bonds) all.insert(all.end(), bond.begin(), bond.end());
  const auto indices = indices_of(system, all, "stone_wales");
  const Eigen::AngleAxisd rotation(angle, axis);
  const core::Cell& cell = system.cell();
  auto positions = system.positions();
  std::vector<DefectRecord> records;
  records.reserve(bonds.size());
  for (std::size_t b = 0; b < bonds.size(); ++b) {
    const std::size_t i = indices[2 * b];
    const std::size_t j = indices[2 * b + 1];
    const core::Vec3 xi = positions[i];
    const core::Vec3 xj = positions[j];
    const core::Vec3 d = cell.minimum_image(xj - xi);
    const core::Vec3 midpoint = xi + 0.5 * d;
    const core::Vec3 new_i = midpoint + rotation * (-0.5 * d);
    const core::Vec3 new_j = midpoint + rotation * (0.5 * d);
    // Each atom stays in the image nearest to where it was, so unwrapped trajectories stay smooth.
    positions[i] = xi + cell.minimum_image(new_i - xi);
    positions[j] = xj + cell.minimum_image(new_j - xj);
    DefectRecord record;
    record.type = DefectType::stone_wales;
    record.position = wrapped(cell, midpoint);
    record.moved = {ref(system, i), ref(system, j)};
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<DefectRecord> make_substitutions(core::System& system, std::span<const core::AtomId> ids, int new_z) {
  (void)core::element(new_z);  // throws for an impossible atomic number
  const auto indices = indices_of(system, ids, "substitution");
  std::vector<core::AtomSpec> specs;
  std::vector<DefectRecord> records;
  if (ids.empty()) return records;
  for (const std::size_t i : indices) {
    core::AtomSpec spec;
    spec.z = new_z;
    spec.position = system.positions()[i];
    spec.velocity = system.velocities()[i];
    specs.push_back(spec);
    DefectRecord record;
    record.type = DefectType::substitution;
    record.position = wrapped(system.cell(), spec.position);
    record.removed = {ref(system, i)};
    records.push_back(std::move(record));
  }
  system.remove_atoms(ids);
  const auto new_ids = system.insert_atoms(specs);
  for (std::size_t k = 0; k < records.size(); ++k) records[k].added = {{new_ids[k], new_z}};
  return records;
}

std::vector<DefectRecord> make_antisites(core::System& system, std::span<const std::array<core::AtomId, 2>> pairs) {
  std::vector<core::AtomId> all;
  for (const auto& pair : pairs) all.insert(all.end(), pair.begin(), pair.end());
  const auto indices = indices_of(system, all, "antisite");
  std::vector<DefectRecord> records;
  auto positions = system.positions();
  auto velocities = system.velocities();
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const std::size_t i = indices[2 * p];
    const std::size_t j = indices[2 * p + 1];
    if (system.atomic_numbers()[i] == system.atomic_numbers()[j]) {
      throw InputError("antisite: atoms " + std::to_string(pairs[p][0]) + " and " + std::to_string(pairs[p][1]) +
                       " are of the same element; exchanging them changes nothing");
    }
  }
  for (std::size_t p = 0; p < pairs.size(); ++p) {
    const std::size_t i = indices[2 * p];
    const std::size_t j = indices[2 * p + 1];
    DefectRecord record;
    record.type = DefectType::antisite;
    record.position = wrapped(system.cell(), positions[i]);
    record.moved = {ref(system, i), ref(system, j)};
    std::swap(positions[i], positions[j]);
    std::swap(velocities[i], velocities[j]);
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<DefectRecord> make_interstitials(core::System& system, int z, std::span<const core::Vec3> positions) {
  (void)core::element(z);
  std::vector<core::AtomSpec> specs;
  for (const auto& p : positions) {
    if (!p.allFinite()) throw InputError("interstitial position is not finite");
    core::AtomSpec spec;
    spec.z = z;
    spec.position = wrapped(system.cell(), p);
    specs.push_back(spec);
  }
  std::vector<DefectRecord> records;
  if (specs.empty()) return records;
  const auto ids = system.insert_atoms(specs);
  for (std::size_t k = 0; k < ids.size(); ++k) {
    DefectRecord record;
    record.type = DefectType::interstitial;
    record.position = specs[k].position;
    record.added = {{ids[k], z}};
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace ioncycle::defects
