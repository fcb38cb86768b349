// SPDX-License-Identifier: MIT
#include "cli/paths.hpp"

#include <filesystem>

#include "potentials/potential_factory.hpp"

namespace ioncycle::cli {

namespace fs = std::filesystem;

std::string executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path().string();
}

std::string resolve_model_path(const std::string& spec) {
  if (spec == "default" || spec == "sevennet-0") {
    const std::string found = potentials::default_model_path();
    return found.empty() ? (fs::path("models") / "sevennet-0.pt").string() : found;
  }
  return spec;
}

}  // namespace ioncycle::cli
