// SPDX-License-Identifier: MIT
//
// Teacher labels for a training set: energy, forces and stress of every frame, computed by
// ioncycle with any Potential (the universal model, or an analytic one in tests), in parallel over
// frames and resumable. The first building block of `ioncycle distill` (docs/development.md).
//
// The labels go to a journal, an extended-XYZ file that ASE, TorchNEP and GPUMD's tools read as
// a training set: one frame per labelled structure, appended in the order the frames finish,
// each with
//   energy=E (eV), forces (per-atom column, eV/Å), stress (eV/Å³, ASE's sign: (1/V) ∂E/∂ε =
//   -W/V; only for cells periodic along all three axes), config_index=K (the frame's index in
//   the input list) and config_hash=sha256:H (H = structure_hash() of the input frame).
// Each frame is written with one write call and fsync'ed before the next starts, so a process
// killed at any moment leaves complete frames and at most one partial frame at the end. A later
// call with the same frames cuts that partial frame off and labels only the indices the journal
// does not hold yet; a journal frame whose hash differs from the input frame of its index (the
// input set changed) is an InputError naming the journal, never silently reused.
//
// Workers: each has its own teacher from the factory (a Potential is not thread-safe); frames are
// handed out dynamically, so the journal's order may differ from run to run, but every frame's
// numbers do not (each is one evaluation of one teacher on one structure). With a TorchScript
// teacher, one worker whose model uses both cores is as fast as two and needs half the memory.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/system.hpp"
#include "io/frame.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::distill {

/// Makes one teacher instance; called once per worker, from the calling thread.
using TeacherFactory = std::function<std::unique_ptr<potentials::Potential>()>;

struct LabelOptions {
  std::size_t workers = 1;  ///< frames labelled at once (each worker with its own teacher)
};

struct LabelSummary {
  std::size_t labelled = 0;       ///< frames the teacher evaluated in this call
  std::size_t reused = 0;         ///< frames found complete in the journal
  bool dropped_partial = false;   ///< a partial last frame (a killed write) was cut off
};

/// Label every frame of `frames` into the journal `path` (created if absent; see above).
/// Throws InputError for a journal that is not a label journal of these frames, and
/// SimulationError (naming the frame's index) for a teacher result that is not finite.
LabelSummary label_frames(std::span<const io::Frame> frames, const TeacherFactory& make_teacher,
                          const std::string& path, const LabelOptions& options = {});

/// The journal's complete frames, sorted by config_index (a partial last frame is ignored, not
/// cut). InputError for a missing or malformed journal.
[[nodiscard]] std::vector<io::Frame> read_labels(const std::string& path);

/// `system` with the labels of one evaluation by `teacher`: "energy" (eV), the forces column
/// (eV/Å) and, for a cell periodic along all three axes, "stress" (9 numbers, eV/Å³, ASE's sign),
/// as journal frames hold them (without config_index and config_hash). Not checked for finiteness.
[[nodiscard]] io::Frame labelled_copy(const core::System& system, potentials::Potential& teacher);

/// A content hash of a structure (atomic numbers, positions, cell, periodicity; 16 hex digits):
/// equal for bitwise equal structures, different for any other in practice.
[[nodiscard]] std::string structure_hash(const core::System& system);

}  // namespace ioncycle::distill
