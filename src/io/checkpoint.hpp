// SPDX-License-Identifier: MIT
//
// Checkpoints: everything a run needs to continue bit for bit after it was stopped or killed,
// in one HDF5 file (checkpoint.h5 in the run directory; docs/formats-checkpoint.md has the
// layout). A checkpoint holds the whole core::System (positions Å, velocities Å/fs, forces eV/Å,
// masses amu, atomic numbers, persistent ids, the cell with its periodicity, and the next free
// id, so that ids are never reused after a restore) plus named generic state that io does not
// interpret: arrays of doubles (integrator and thermostat variables), random-number generator
// states, texts (the protocol runner's cursor and ledger as JSON) and integers (step counters).
// io links only core, so md and cycling turn their own state into these maps.
//
// Exactness: doubles are stored as IEEE binary64 and read back bit for bit (subnormals, signed
// zeros and infinities included); integers as int64; texts as UTF-8 byte strings.
//
// Atomic writes: write_checkpoint() writes a temporary file in the same directory, fsyncs it,
// renames it over `path` and fsyncs the directory (io/atomic_file.hpp). A process killed at any
// moment leaves either the previous complete checkpoint or the new complete one, never a mix;
// temporary files left by killed writers are removed by the next write.
//
// Not thread-safe (HDF5 is the serial build); one writer per path.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/system.hpp"

namespace ioncycle::io {

/// Version of the checkpoint layout written by this build (root attribute
/// "ioncycle_checkpoint_version"). read_checkpoint() refuses other versions.
inline constexpr int checkpoint_format_version = 1;

/// The content of a checkpoint. Names of the generic entries are HDF5 link names: non-empty,
/// without '/', not "." (e.g. "langevin.exchanged", "runner.cursor").
struct CheckpointData {
  /// All atoms with their ids, the cell and the next free id (restored with
  /// System::reserve_ids_below). Topology and cell version counters are not stored.
  core::System system;
  /// Named arrays of doubles (any length, including zero).
  std::map<std::string, std::vector<double>> values;
  /// Named random-number generator states.
  std::map<std::string, core::Rng::State> rngs;
  /// Named texts (JSON documents of the runner, resolved settings, ...).
  std::map<std::string, std::string> texts;
  /// Named integers (step counters, cursors).
  std::map<std::string, std::int64_t> integers;
};

/// Write `data` to `path` atomically (see above). InputError when the directory does not exist or
/// is not writable, or a name is invalid; BackendError when HDF5 fails.
void write_checkpoint(const std::string& path, const CheckpointData& data);

/// Read a checkpoint written by write_checkpoint(). A missing file, a file that is not HDF5, an
/// HDF5 file that is not an ioncycle checkpoint, another format version, or a damaged or
/// inconsistent checkpoint is an InputError naming the file and what is wrong.
[[nodiscard]] CheckpointData read_checkpoint(const std::string& path);

}  // namespace ioncycle::io
