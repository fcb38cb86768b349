// SPDX-License-Identifier: MIT
#include "cli/structure_table.hpp"

#include "cli/frame_select.hpp"
#include "core/error.hpp"

namespace ioncycle::cli {

namespace fs = std::filesystem;

LoadedStructure load_structure(const core::ConfigTable& structure, const fs::path& base_dir) {
  LoadedStructure s;
  const std::string given = structure.require_string("file");
  s.format_name = structure.optional_string("format");
  s.frame_index = structure.integer_or("frame", -1);
  structure.reject_unknown_keys();
  const fs::path g(given);
  s.path = (g.is_absolute() ? g : base_dir / g).lexically_normal().string();
  std::error_code ec;
  if (!fs::is_regular_file(s.path, ec)) {
    throw structure.error_at("file", "structure file '" + given + "' not found (looked for " + s.path + ")",
                             "paths are relative to the directory of the configuration file");
  }
  try {
    s.format = s.format_name ? io::parse_format_name(*s.format_name) : io::guess_format(s.path);
  } catch (const InputError& e) {
    throw structure.error_at(s.format_name ? "format" : "file", e.message(), e.hint());
  }
  auto frames = io::read_frames(s.path, s.format);
  try {
    s.frame = std::move(frames[select_frame(frames, std::to_string(s.frame_index), s.path)]);
  } catch (const InputError& e) {
    throw structure.error_at("frame", e.message(), e.hint());
  }
  return s;
}

std::string structure_label(const LoadedStructure& s) {
  return s.path + " (" + std::string(io::format_name(s.format)) + ")";
}

}  // namespace ioncycle::cli
