// SPDX-License-Identifier: MIT
#include "cli/paths.hpp"

#include <cstdlib>
#include <filesystem>

namespace ioncycle::cli {

namespace fs = std::filesystem;

std::string executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path().string();
}

std::string default_model_path(const std::string& exe_dir) {
  if (const char* env = std::getenv("IONCYCLE_DEFAULT_MODEL"); env != nullptr && *env != '\0') return env;
  const fs::path name = fs::path("models") / "sevennet-0.pt";
  if (!exe_dir.empty()) {
    const fs::path beside = fs::path(exe_dir).parent_path() / name;
    std::error_code ec;
    if (fs::exists(beside, ec)) return beside.lexically_normal().string();
  }
  return name.string();
}

std::string resolve_model_path(const std::string& spec, const std::string& exe_dir) {
  if (spec == "default" || spec == "sevennet-0") return default_model_path(exe_dir);
  return spec;
}

}  // namespace ioncycle::cli
