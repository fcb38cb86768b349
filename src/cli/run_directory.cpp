// SPDX-License-Identifier: MIT
#include "cli/run_directory.hpp"

#include <filesystem>

#include "core/error.hpp"

namespace ioncycle::cli {

namespace fs = std::filesystem;

std::string fresh_directory(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return dir;
  for (int k = 2;; ++k) {
    const std::string candidate = dir + "-" + std::to_string(k);
    if (!fs::exists(candidate, ec)) return candidate;
  }
}

RunDirectory::RunDirectory(const std::string& requested) : path_(fresh_directory(requested)) {
  std::error_code ec;
  fs::create_directories(path_, ec);
  if (ec) throw InputError("cannot create the run directory '" + path_ + "': " + ec.message());
}

std::string RunDirectory::file(const std::string& name) const { return (fs::path(path_) / name).string(); }

void RunDirectory::copy_input(const std::string& input_path) const {
  std::error_code ec;
  fs::copy_file(input_path, file("input.toml"), fs::copy_options::overwrite_existing, ec);
  if (ec) throw InputError("cannot copy '" + input_path + "' into the run directory: " + ec.message());
}

}  // namespace ioncycle::cli
