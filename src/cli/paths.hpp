// SPDX-License-Identifier: MIT
//
// Where ioncycle finds its own files at run time: the directory of the executable (from
// /proc/self/exe) and model specs given on the command line or in a run file.
#pragma once

#include <string>

namespace ioncycle::cli {

/// Directory containing the running executable ("" if it cannot be determined).
[[nodiscard]] std::string executable_dir();

/// A model spec: "default" (or "sevennet-0") is SevenNet-0 as deployed by scripts/setup, found
/// by potentials::default_model_path() ($IONCYCLE_DEFAULT_MODEL, else models/sevennet-0.pt in
/// the first directory above the executable that has one, else "models/sevennet-0.pt" so that
/// the error names the expected place); anything else is a path. The file is not checked here.
[[nodiscard]] std::string resolve_model_path(const std::string& spec);

}  // namespace ioncycle::cli
