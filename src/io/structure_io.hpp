// SPDX-License-Identifier: MIT
//
// Reading and writing structure files by format: extended XYZ (multi-frame, ASE-compatible),
// VASP POSCAR/CONTCAR (VASP 5), LAMMPS data files (write only, atom_style atomic), and H5MD
// trajectories (multi-frame, variable atom count; h5md_writer.hpp, h5md_reader.hpp).
//
// Every reader reports a malformed file as an InputError with file and line (and column where
// it helps) and never crashes. Every writer writes to a temporary file in the same directory
// and renames it into place, so a failed or interrupted write never leaves a half-written file
// under the requested name.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "io/frame.hpp"

namespace ioncycle::io {

enum class Format { extxyz, poscar, lammps_data, h5md };

/// Format from a name given by the user ("extxyz", "xyz", "poscar", "vasp", "lammps-data",
/// "lammps_data", "data", "h5md", "h5"); InputError listing the accepted names otherwise.
[[nodiscard]] Format parse_format_name(std::string_view name);
/// Format from a file name: *.xyz / *.extxyz -> extxyz; POSCAR*, CONTCAR*, *.vasp, *.poscar ->
/// poscar; *.data, *.lmp, *.lammps -> lammps_data; *.h5, *.h5md -> h5md. InputError with a hint
/// to use --format otherwise.
[[nodiscard]] Format guess_format(const std::string& path);
[[nodiscard]] std::string_view format_name(Format format);
/// Whether a format holds more than one frame.
[[nodiscard]] bool supports_multiple_frames(Format format);
/// Whether ioncycle can read this format.
[[nodiscard]] bool can_read(Format format);

/// All frames of a file.
[[nodiscard]] std::vector<Frame> read_frames(const std::string& path,
                                             std::optional<Format> format = std::nullopt);
/// The last frame of a file (as ASE's read() does by default).
[[nodiscard]] Frame read_structure(const std::string& path,
                                   std::optional<Format> format = std::nullopt);

/// Write frames; a single-frame format with more than one frame is an InputError.
void write_frames(const std::string& path, const std::vector<Frame>& frames,
                  std::optional<Format> format = std::nullopt);
void write_structure(const std::string& path, const Frame& frame,
                     std::optional<Format> format = std::nullopt);

}  // namespace ioncycle::io
