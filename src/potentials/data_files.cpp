// SPDX-License-Identifier: MIT
#include "potentials/data_files.hpp"

#include <cstdlib>
#include <filesystem>

namespace ioncycle::potentials {

namespace fs = std::filesystem;

std::string find_deployed_file(const char* env_var, const std::string& relative) {
  if (const char* env = std::getenv(env_var); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  for (fs::path dir = exe.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    const fs::path candidate = dir / relative;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
    if (dir == dir.parent_path()) break;
  }
  return {};
}

}  // namespace ioncycle::potentials
