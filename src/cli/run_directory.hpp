// SPDX-License-Identifier: MIT
//
// A run directory: created under a name that is not taken yet (`dir`, else `dir-2`, `dir-3`,
// ...), so an earlier run is never overwritten.
#pragma once

#include <string>

namespace ioncycle::cli {

/// First of `dir`, `dir-2`, `dir-3`, ... that does not exist.
[[nodiscard]] std::string fresh_directory(const std::string& dir);

class RunDirectory {
 public:
  /// Creates the directory (and its parents) under a fresh name derived from `requested`.
  explicit RunDirectory(const std::string& requested);
  [[nodiscard]] const std::string& path() const { return path_; }
  /// Path of a file inside the directory.
  [[nodiscard]] std::string file(const std::string& name) const;
  /// Copy the input file as input.toml.
  void copy_input(const std::string& input_path) const;

 private:
  std::string path_;
};

}  // namespace ioncycle::cli
