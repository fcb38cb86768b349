// SPDX-License-Identifier: MIT
//
// Snapshots of short Langevin MD runs (BAOAB, md/langevin.hpp) from a set of start frames at
// several temperatures: the teacher's MD of [sampling] and the student's MD that active learning
// draws its candidates from (docs/distill.md). Velocities start from Maxwell–Boltzmann at the
// target temperature; the friction time is 100 fs; the neighbor-list skin 1 Å.
//
// A trajectory that fails (a student that blows up, atoms that fly apart: SimulationError) keeps
// the snapshots taken before the failure, and the failure is counted: such a student is exactly
// what active learning must correct, so the run goes on with the next trajectory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/frame.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::distill {

struct SnapshotSettings {
  std::vector<double> temperatures{300.0};  ///< K
  int steps = 200;                           ///< per start frame and temperature
  double timestep = 1.0;                     ///< fs
  /// Snapshots per trajectory, one every max(1, steps / frames) steps: the trajectory runs that
  /// interval times `frames` steps (`steps` rounded down to a multiple of `frames`, at least
  /// `frames`).
  int frames = 4;
  std::uint64_t seed = 1;
};

struct Snapshots {
  std::vector<io::Frame> frames;  ///< start frame's category kept; origin gets ", T K MD, step s"
  int trajectories = 0;
  int failed = 0;                 ///< trajectories that ended in a SimulationError
  std::string first_failure;      ///< the first failure's message
};

/// Run every start frame at every temperature with `potential` (which must support every
/// element of the frames). Trajectory k uses Rng stream k of `seed`.
[[nodiscard]] Snapshots md_snapshots(const std::vector<io::Frame>& starts, potentials::Potential& potential,
                                     const SnapshotSettings& settings);

}  // namespace ioncycle::distill
