// SPDX-License-Identifier: MIT
//
// H5MD trajectory reader: frames of one particle group of an H5MD file, as io::Frames with
// their true atom count (slots whose id is -1, the fill value ioncycle writes, are dropped),
// cell and periodicity, ids, species, velocities and forces when present, and in
// Frame::info the step ("step", integer), the time ("time", fs) and every observable sampled at
// that step (by name: a real, or a real array for tensors and vectors).
//
// Besides ioncycle's own files (h5md_writer.hpp) it reads H5MD files of other programs that
// store species: time-dependent or fixed species, id and box, cuboid or triclinic edges,
// explicit or fixed-interval step and time, and lengths, times, velocities and forces in the
// units listed in docs/formats.md (converted to Å, fs, Å/fs, eV/Å).
//
// A file whose writer was killed reads up to its last complete frame: num_frames() counts the
// frames present in every per-frame dataset, and a last frame that is only partly written (a
// kill during the flush) is dropped. Anything else that is inconsistent (missing groups,
// mismatched shapes, an atom without a species or position) is an InputError naming the file
// and what is wrong; failures inside HDF5 are BackendErrors. Masses are not stored in H5MD
// files ioncycle writes; atoms get their element's standard mass.
//
// Keeps the file open (read-only) until destroyed. Not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "io/frame.hpp"

namespace ioncycle::io {

class H5mdReader {
 public:
  /// Open `path` and check its layout. `particle_group` names the group under /particles; empty
  /// means "all" if present, else the only group (several groups without "all" are an error).
  [[nodiscard]] static H5mdReader open(const std::string& path, const std::string& particle_group = {});

  H5mdReader(H5mdReader&&) noexcept;
  H5mdReader& operator=(H5mdReader&&) noexcept;
  H5mdReader(const H5mdReader&) = delete;
  H5mdReader& operator=(const H5mdReader&) = delete;
  ~H5mdReader();

  /// Number of complete frames.
  [[nodiscard]] std::size_t num_frames() const;
  /// Frame k (0-based); InputError for k >= num_frames() or an inconsistent frame.
  [[nodiscard]] Frame read_frame(std::size_t k) const;
  /// Every frame, in order.
  [[nodiscard]] std::vector<Frame> read_all() const;

  [[nodiscard]] const std::string& path() const;
  [[nodiscard]] const std::string& particle_group() const;
  [[nodiscard]] bool has_velocities() const;
  [[nodiscard]] bool has_forces() const;
  /// Whether a partly written last frame (a writer killed while flushing) was dropped.
  [[nodiscard]] bool dropped_incomplete_frame() const;
  /// Names of the scalar, vector and tensor observables found in /observables.
  [[nodiscard]] std::vector<std::string> observable_names() const;

 private:
  struct Impl;
  explicit H5mdReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ioncycle::io
