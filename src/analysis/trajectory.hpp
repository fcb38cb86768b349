// SPDX-License-Identifier: MIT
//
// The trajectory as analyzers see it: frames in time order, each a System (cell, positions as
// written, i.e. wrapped into the cell or not, atomic numbers, persistent ids) with its MD step,
// its time and the observables sampled with it. The number of atoms may change from frame to
// frame (ions inserted and removed): an atom is followed by its id, never by its index. The cell
// may change from frame to frame (NPT). Analyzers take a Trajectory by const reference and never
// change it; every analyzer is a free function of (trajectory, options) returning a plain result,
// so the same code serves `ioncycle analyze RUNDIR` and tests on synthetic trajectories.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/system.hpp"

namespace ioncycle::analysis {

struct TrajectoryFrame {
  std::int64_t step = 0;
  double time_fs = 0.0;
  core::System system;
  /// Observables written with the frame, by their H5MD name ("pressure": 9 values, row-major,
  /// GPa; "state_of_charge", "num_ions", "voltage" (V), "temperature" (K), "volume" (Å³), ...).
  std::map<std::string, std::vector<double>> observables;
};

using Trajectory = std::vector<TrajectoryFrame>;

/// The observable's first value in `frame`, or NaN when the frame does not have it.
[[nodiscard]] double observable(const TrajectoryFrame& frame, const std::string& name);

}  // namespace ioncycle::analysis
