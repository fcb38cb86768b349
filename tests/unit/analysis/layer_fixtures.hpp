// SPDX-License-Identifier: MIT
//
// Synthetic trajectories for the layer, staging and host-layer tests: frames made from a built
// host by moving, wrapping, adding and removing atoms while keeping their ids.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <vector>

#include "analysis/trajectory.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"

namespace ioncycle::testing::layers {

/// A copy of `system` in `cell` with positions from `move(id, z, position)`; atoms for which
/// `keep(id, z)` is false are left out. Ids, elements and masses are kept.
inline core::System transformed(const core::System& system, const core::Cell& cell,
                                const std::function<core::Vec3(std::int64_t, int, const core::Vec3&)>& move,
                                const std::function<bool(std::int64_t, int)>& keep = {}) {
  core::System out(cell);
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    const auto id = system.ids()[i];
    const int z = system.atomic_numbers()[i];
    if (keep && !keep(id, z)) continue;
    core::AtomSpec spec;
    spec.z = z;
    spec.position = move(id, z, system.positions()[i]);
    spec.mass = system.masses()[i];
    spec.id = id;
    out.add_atom(spec);
  }
  return out;
}

/// `system` with Gaussian noise of `sigma` Å on every coordinate, wrapped into the cell.
inline core::System noisy(const core::System& system, core::Rng& rng, double sigma) {
  return transformed(system, system.cell(), [&](std::int64_t, int, const core::Vec3& r) -> core::Vec3 {
    const core::Vec3 noise(sigma * rng.normal(), sigma * rng.normal(), sigma * rng.normal());
    return system.cell().wrap(r + noise);
  });
}

inline analysis::TrajectoryFrame frame(core::System system, std::int64_t step, double soc = std::nan("")) {
  analysis::TrajectoryFrame f;
  f.step = step;
  f.time_fs = static_cast<double>(step);
  f.system = std::move(system);
  if (!std::isnan(soc)) f.observables["state_of_charge"] = {soc};
  return f;
}

}  // namespace ioncycle::testing::layers
