// SPDX-License-Identifier: MIT
//
// The trajectory that tests/tools/h5md_writer_loop writes, frame by frame, as a pure function of
// the frame index, so that the kill test (tests/unit/io/test_h5md.cpp) can rebuild every frame
// it expects to read back. The atom count changes from frame to frame: a window of ids slides
// upwards (ions with the lowest ids removed, new ids inserted) and its width varies, so the
// H5MD atom dimension grows now and then while ids stay attached to their atoms.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/cell.hpp"
#include "core/system.hpp"

namespace ioncycle::testing {

struct LoopFrame {
  core::System system;
  std::int64_t step = 0;
  double time_fs = 0.0;
  double potential_energy = 0.0;  ///< the one observable written with every frame
};

/// Frame k; `base_atoms` sets the size (the kill test uses a few thousand atoms so that writing
/// a frame takes long enough for a kill to land inside it now and then).
inline LoopFrame loop_frame(std::size_t k, std::size_t base_atoms) {
  const auto kd = static_cast<double>(k);
  core::Mat3 h;
  h << 20.0 + 0.01 * kd, 0.0, 0.0,  //
      3.0, 21.0, 0.0,               //
      -1.5, 2.0, 30.0 - 0.02 * kd;  //
  LoopFrame f;
  f.system = core::System(core::Cell(h, {true, true, false}));
  const std::size_t first_id = k / 3;
  const std::size_t count = base_atoms + (k * 7) % 11;
  std::vector<core::AtomSpec> atoms;
  for (std::size_t j = first_id; j < first_id + count; ++j) {
    const auto jd = static_cast<double>(j);
    core::AtomSpec a;
    a.z = (j % 5 == 0) ? 3 : 6;  // Li among C
    a.position = core::Vec3(0.013 * jd + 0.001 * kd, 0.029 * jd - 0.002 * kd, 0.0071 * jd + 0.5);
    a.velocity = core::Vec3(1e-3 * kd, -1e-4 * jd, 1.0 / (jd + 3.0));
    a.id = static_cast<core::AtomId>(j);
    atoms.push_back(a);
  }
  (void)f.system.insert_atoms(atoms);
  auto forces = f.system.forces();
  for (std::size_t i = 0; i < forces.size(); ++i) {
    forces[i] = core::Vec3(0.1 * static_cast<double>(i), -kd, 1.0 / 3.0);
  }
  f.step = static_cast<std::int64_t>(10 * k);
  f.time_fs = 5.0 * kd;
  f.potential_energy = -7.25 * static_cast<double>(count) + 0.001 * kd;
  return f;
}

}  // namespace ioncycle::testing
