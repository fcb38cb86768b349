// SPDX-License-Identifier: MIT
//
// H5MD 1.1 trajectory writer (de Buyl, Colberg, Höfling, Comput. Phys. Commun. 185, 1546
// (2014); H5MD specification 1.1). The run loop's trajectory observer calls append_frame()
// every N steps; each call writes one frame of the System (positions, species, ids, the
// triclinic box, optionally velocities and forces) plus per-frame observables, and flushes the
// file, so a process killed at any moment leaves a file that reads back up to its last
// complete frame (docs/formats.md, "H5MD trajectories", says what is guaranteed).
// A run resumed from a checkpoint continues its trajectory with resume().
//
// The atom count may change between frames (ions inserted or removed): per-atom datasets are
// [frames][slots][...] with `slots` the largest count so far, grown when the count grows;
// slots without an atom have id -1, species -1 and NaN vectors. Atoms are written in System
// order, so the slot of an atom may change; its id identifies it.
//
// Units stored: Å, fs, Å/fs, eV/Å (or kJ mol⁻¹ Å⁻¹, see H5mdForceUnit), as H5MD `unit`
// attributes ("Angstrom", "fs", "Angstrom fs-1", "eV Angstrom-1"), strings that MDAnalysis
// also understands for lengths, times and velocities.
//
// Not thread-safe; one writer per file. The HDF5 library is used only inside src/io.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/system.hpp"

namespace ioncycle::io {

/// Unit of the stored forces. ioncycle's own unit, eV/Å, is exact; MDAnalysis 2.11 knows no
/// eV-based force unit and refuses to open a file whose forces carry one, so files meant for
/// MDAnalysis can store kJ mol⁻¹ Å⁻¹ instead (converted with 1 eV = 96.485332123 kJ/mol, exact
/// to rounding; ioncycle's reader converts back).
enum class H5mdForceUnit { ev_per_angstrom, kj_per_mol_per_angstrom };

struct H5mdWriterOptions {
  /// h5md/author name; empty: the USER environment variable, else "unknown".
  std::string author;
  /// h5md/creator name and version.
  std::string creator = "ioncycle";
  std::string creator_version = IONCYCLE_VERSION;
  /// Name of the group under /particles.
  std::string particle_group = "all";
  /// Which optional per-atom elements to write.
  bool write_velocities = false;
  bool write_forces = false;
  H5mdForceUnit force_unit = H5mdForceUnit::ev_per_angstrom;
  /// gzip level 0..9 for the per-atom datasets (0: no compression). The shuffle filter is
  /// added whenever compressing. Small per-frame datasets (step, time, box, observables) are
  /// never compressed (see the .cpp for why).
  int compression_level = 4;
  /// Frames per chunk of the per-atom datasets. 1 (the default) writes every frame into new
  /// chunks, so a flushed frame is never rewritten; larger values compress better but rewrite
  /// the last, partly filled chunk at every flush.
  std::size_t frames_per_chunk = 1;
  /// Atom slots per chunk; 0 chooses from the first frame's atom count (at most 4096).
  std::size_t atoms_per_chunk = 0;
};

/// One per-frame observable, written to /observables/<name> (step, time, value).
struct H5mdObservable {
  std::string name;
  /// 1 value: a scalar; 9 values: a 3x3 tensor in row-major order (stored [3][3]); any other
  /// count: a vector. The count must not change between frames.
  std::vector<double> value;
  /// H5MD unit string ("eV", "K", "GPa", "Angstrom+3"); empty for none.
  std::string unit;
};

/// The thermodynamic observables every ioncycle trajectory carries (`ioncycle md` and `ioncycle
/// run`; the analyzers read them by these names): potential_energy and kinetic_energy (eV),
/// temperature (K), pressure (the 3×3 tensor, given in eV/Å³ and stored in GPa), volume (Å³).
[[nodiscard]] std::vector<H5mdObservable> thermo_observables(double potential_energy, double kinetic_energy,
                                                             double temperature, const core::Mat3& pressure,
                                                             double volume);

class H5mdWriter {
 public:
  /// Create (or truncate) `path` and write the h5md metadata. InputError when the directory
  /// does not exist or an option is invalid; BackendError when HDF5 fails.
  [[nodiscard]] static H5mdWriter create(const std::string& path, H5mdWriterOptions options = {});

  /// Continue the trajectory `path` of a run resumed from a checkpoint taken at step
  /// `last_step`: keep exactly the frames (and their observables) with step <= last_step, bit for
  /// bit, drop every later frame and a last frame cut short by a kill, and append after them.
  /// The kept frames are copied into `path + ".tmp"`, which is then renamed over `path`, so a
  /// process killed during resume() leaves the old file untouched. `options` must store the
  /// elements the file stores (velocities, forces) and name its particle group.
  ///
  /// With last_step < 0 (nothing to keep) the file is created afresh, whatever it holds. A
  /// missing file, or one that is not a readable H5MD trajectory, is an InputError when
  /// last_step >= 0, except a file created but holding no frame yet (kept frames: none). A frame
  /// with step <= last_step that cannot be read is an InputError naming it.
  [[nodiscard]] static H5mdWriter resume(const std::string& path, H5mdWriterOptions options, std::int64_t last_step);

  H5mdWriter(H5mdWriter&&) noexcept;
  H5mdWriter& operator=(H5mdWriter&&) noexcept;
  H5mdWriter(const H5mdWriter&) = delete;
  H5mdWriter& operator=(const H5mdWriter&) = delete;
  /// Closes the file if close() was not called; errors are swallowed there, so call close()
  /// to see them.
  ~H5mdWriter();

  /// Append one frame and flush it to disk. `step` must increase from frame to frame (H5MD
  /// requires monotonic steps); `time_fs` is the simulation time in fs (NaN when unknown).
  /// The periodicity must stay that of the first frame (H5MD stores one boundary per group).
  /// Observables are optional and may differ from frame to frame; each keeps its own step and
  /// time. A frame that fails validation throws InputError before anything is written.
  void append_frame(const core::System& system, std::int64_t step, double time_fs,
                    std::span<const H5mdObservable> observables = {});

  /// Number of frames appended (and flushed) so far.
  [[nodiscard]] std::size_t num_frames() const;
  [[nodiscard]] const std::string& path() const;
  /// Flush and close the file; further appends are errors. Safe to call twice.
  void close();

 private:
  struct Impl;
  explicit H5mdWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ioncycle::io
