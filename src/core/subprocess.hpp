// SPDX-License-Identifier: MIT
//
// Running a helper program (the plotting script, the NEP trainer) without a shell: argv is passed as is, so paths
// with spaces or quotes need no escaping; stdout and stderr are collected together.
#pragma once

#include <string>
#include <vector>

namespace ioncycle::core {

struct ProcessResult {
  int exit_code = -1;   ///< the program's exit status; -1 when it could not be started or was killed
  std::string output;   ///< its stdout and stderr, interleaved as written
};

/// Run argv[0] (looked up in PATH when it has no '/') with arguments argv[1..] and wait for it.
[[nodiscard]] ProcessResult run_process(const std::vector<std::string>& argv);

}  // namespace ioncycle::core
