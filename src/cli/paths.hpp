// SPDX-License-Identifier: MIT
//
// Where ioncycle finds its own files at run time: the directory of the executable (from
// /proc/self/exe) and the default model, deployed by scripts/setup into <repo>/models/.
#pragma once

#include <string>

namespace ioncycle::cli {

/// Directory containing the running executable ("" if it cannot be determined).
[[nodiscard]] std::string executable_dir();

/// Path of the default model (SevenNet-0): $IONCYCLE_DEFAULT_MODEL if set, otherwise
/// <executable dir>/../models/sevennet-0.pt (build/ioncycle -> models/), otherwise
/// ./models/sevennet-0.pt. The file is not checked here.
[[nodiscard]] std::string default_model_path(const std::string& exe_dir);

/// A model spec from the command line or a run file: "default" or a path.
[[nodiscard]] std::string resolve_model_path(const std::string& spec, const std::string& exe_dir);

}  // namespace ioncycle::cli
