// SPDX-License-Identifier: MIT
//
// The [structure] table shared by `ioncycle run` and `ioncycle md`: `file` (relative to the
// configuration file), optional `format` and `frame`. Reading it resolves the path, reads the
// file and picks the frame; every mistake is an InputError located at its key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "io/frame.hpp"
#include "io/structure_io.hpp"

namespace ioncycle::cli {

struct LoadedStructure {
  io::Frame frame;                         ///< the selected frame
  std::string path;                        ///< resolved file path
  io::Format format = io::Format::extxyz;  ///< as given or guessed from the name
  std::optional<std::string> format_name;  ///< `format` as written, if given
  std::int64_t frame_index = -1;           ///< `frame` as written (0 = first, -1 = last)
};

/// Read [structure]; `base_dir` is the directory of the configuration file. Rejects unknown keys.
[[nodiscard]] LoadedStructure load_structure(const core::ConfigTable& structure, const std::filesystem::path& base_dir);

/// "path (format)" for logs.
[[nodiscard]] std::string structure_label(const LoadedStructure& s);

}  // namespace ioncycle::cli
