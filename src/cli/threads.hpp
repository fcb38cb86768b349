// SPDX-License-Identifier: MIT
//
// The `--threads N` option shared by the commands that compute: sets the OpenMP thread count
// before any potential is built, so libtorch's intra-op pool (sized from OpenMP on first use,
// see potentials/torch_support.hpp) follows it too. Without the option OMP_NUM_THREADS or the
// number of cores applies, as in LAMMPS.
#pragma once

#include "cli/args.hpp"

namespace ioncycle::cli {

/// UsageError for a value that is not a positive integer.
void apply_thread_option(const ParsedArgs& args);

}  // namespace ioncycle::cli
