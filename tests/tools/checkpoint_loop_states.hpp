// SPDX-License-Identifier: MIT
//
// The checkpoints that tests/tools/checkpoint_writer_loop writes, one after the other, as a pure
// function of the checkpoint index, so that the kill test (tests/unit/io/test_checkpoint.cpp)
// can rebuild every state the file may hold. Consecutive states differ in every part (atom
// count, ids, cell, generic values, RNG states, texts, integers), so a file mixing two of them
// would be caught.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/cell.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"
#include "io/checkpoint.hpp"

namespace ioncycle::testing {

/// State k with about `base_atoms` atoms (the kill test uses tens of thousands, so that writing
/// one takes long enough for a kill to land inside it now and then).
inline io::CheckpointData loop_checkpoint(std::size_t k, std::size_t base_atoms) {
  const auto kd = static_cast<double>(k);
  core::Mat3 h;
  h << 30.0 + 0.01 * kd, 0.0, 0.0,  //
      2.0, 31.0, 0.0,               //
      -1.0, 1.5, 40.0 - 0.02 * kd;  //
  io::CheckpointData data;
  data.system = core::System(core::Cell(h, {true, true, k % 2 == 0}));
  // Ids: a window sliding upwards with every other id missing near its start, and the next id
  // well beyond the last atom (the last ions were removed).
  const std::size_t first_id = 2 * k;
  const std::size_t count = base_atoms + (k * 13) % 17;
  std::vector<core::AtomSpec> atoms;
  core::Rng rng(1234, k);
  for (std::size_t j = 0; j < count; ++j) {
    const std::size_t id = first_id + j + (j < 20 ? j : 20);
    core::AtomSpec a;
    a.z = (id % 7 == 0) ? 3 : 6;
    a.position = core::Vec3(rng.uniform(0.0, 30.0), rng.uniform(0.0, 30.0), rng.uniform(0.0, 40.0));
    a.velocity = core::Vec3(rng.normal(), rng.normal(), rng.normal()) * 1e-3;
    a.mass = a.z == 3 ? 6.94 + 1e-3 * kd : 12.011;
    a.id = static_cast<core::AtomId>(id);
    atoms.push_back(a);
  }
  (void)data.system.insert_atoms(atoms);
  for (auto& f : data.system.forces()) f = core::Vec3(rng.normal(), rng.normal(), rng.normal());
  data.system.reserve_ids_below(static_cast<core::AtomId>(first_id + count + 40 + k));
  data.values["langevin.exchanged"] = {-0.125 * kd, 1.0 / (kd + 3.0)};
  data.values["nose_hoover.eta"] = std::vector<double>(k % 5, kd);
  data.rngs["langevin"] = core::Rng(99, k).save();
  data.texts["runner.cursor"] = "{\"checkpoint\": " + std::to_string(k) + "}";
  data.integers["step"] = static_cast<std::int64_t>(100 * k);
  return data;
}

}  // namespace ioncycle::testing
