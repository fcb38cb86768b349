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
//
// Resumable: with a `journal`, every finished trajectory's snapshots are appended to it as one
// record (journal.hpp), each frame tagged md_trajectory (its index k), md_record_frames (the
// record's frame count), md_failure ("none" or the message) and md_key (a hash of the start
// structure, the temperature and every setting). A call that finds the journal takes the
// trajectories recorded under the same key and runs only the others; trajectory k always uses
// Rng stream k, so the frames are those of an uninterrupted call. A cut last record is cut off;
// a record under another key is an InputError (the sampling changed: use a new journal). A failed
// trajectory that left no frame is run again.
#pragma once

#include <cstdint>
#include <functional>
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
  std::string journal;  ///< extended-XYZ journal of finished trajectories; "" keeps none
  /// Called after each trajectory, run or taken from the journal, with (finished, total).
  std::function<void(int, int)> progress;
};

struct Snapshots {
  std::vector<io::Frame> frames;  ///< start frame's category kept; origin gets ", T K MD, step s"
  int trajectories = 0;
  int resumed = 0;                ///< trajectories taken from the journal
  int failed = 0;                 ///< trajectories that ended in a SimulationError
  std::string first_failure;      ///< the first failure's message
};

/// Run every start frame at every temperature with `potential` (which must support every
/// element of the frames). Trajectory k uses Rng stream k of `seed`.
[[nodiscard]] Snapshots md_snapshots(const std::vector<io::Frame>& starts, potentials::Potential& potential,
                                     const SnapshotSettings& settings);

}  // namespace ioncycle::distill
