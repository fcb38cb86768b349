// SPDX-License-Identifier: MIT
#include "cli/threads.hpp"

#include <omp.h>

#include "core/strings.hpp"

namespace ioncycle::cli {

void apply_thread_option(const ParsedArgs& args) {
  const auto text = args.value("threads");
  if (!text) return;
  const auto n = core::parse_integer(*text);
  if (!n || *n < 1 || *n > 4096) {
    throw UsageError("--threads needs a positive integer (got '" + *text + "')", "");
  }
  omp_set_num_threads(static_cast<int>(*n));
}

}  // namespace ioncycle::cli
