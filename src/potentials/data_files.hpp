// SPDX-License-Identifier: MIT
//
// Files that set-up deploys into the repository's models/ folder (the default SevenNet model,
// the D3 reference table) and that potentials load by default. They are found from the running
// executable: the first directory above it that has `relative` (build trees live inside the
// repository), unless an environment variable names the file directly.
#pragma once

#include <string>

namespace ioncycle::potentials {

/// $`env_var` if set and not empty; otherwise <dir>/`relative` for the first directory <dir>
/// above the executable where that file exists; otherwise "".
[[nodiscard]] std::string find_deployed_file(const char* env_var, const std::string& relative);

}  // namespace ioncycle::potentials
