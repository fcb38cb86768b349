// SPDX-License-Identifier: MIT
//
// Internal to src/potentials (includes libtorch): what every TorchScript backend shares.
//   - configure_torch_once(): process-wide libtorch settings, applied on first use: the intra-op
//     thread pool follows OpenMP (so `--threads` / OMP_NUM_THREADS govern the model too), and the
//     profiling graph executor is off, as in LAMMPS' pair_style e3gnn and mace, because it would
//     re-specialize the graph every time the number of edges changes.
//   - resolve_device(): the `device` option, "cpu", "cuda", "cuda:N" or "auto" (CUDA when this
//     libtorch was built with it and a GPU is visible, else the CPU).
//   - first_line(): libtorch messages carry a C++ backtrace after the first line; errors shown
//     to users keep only the first line.
#pragma once

#include <torch/script.h>

#include <string>

namespace ioncycle::potentials {

void configure_torch_once();

/// InputError (with a hint listing the valid values) for an unknown name or an unavailable GPU.
/// `what` names the caller in messages, e.g. "sevennet".
[[nodiscard]] torch::Device resolve_device(const std::string& name, const std::string& what);

[[nodiscard]] std::string first_line(const std::string& message);

}  // namespace ioncycle::potentials
