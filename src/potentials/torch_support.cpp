// SPDX-License-Identifier: MIT
#include "potentials/torch_support.hpp"

#include <omp.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include <charconv>
#include <mutex>

#include "core/error.hpp"

namespace ioncycle::potentials {

void configure_torch_once() {
  static std::once_flag flag;
  std::call_once(flag, [] {
    torch::jit::setGraphExecutorOptimize(false);
    at::set_num_threads(omp_get_max_threads());
  });
}

torch::Device resolve_device(const std::string& name, const std::string& what) {
  const bool have_cuda = torch::cuda::is_available();
  if (name == "cpu") return torch::kCPU;
  if (name == "auto") return have_cuda ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (name == "cuda" || name.starts_with("cuda:")) {
    int index = 0;
    if (name.size() > 5) {
      const char* first = name.data() + 5;
      const char* last = name.data() + name.size();
      const auto [ptr, ec] = std::from_chars(first, last, index);
      if (ec != std::errc{} || ptr != last || index < 0) {
        throw InputError(what + ": device '" + name + "' is not a valid CUDA device", "write \"cuda\" or \"cuda:0\"");
      }
    }
    if (!have_cuda) {
      throw InputError(what + ": device '" + name + "' was asked for, but no CUDA GPU is usable",
                       "this libtorch " + std::string(torch::cuda::device_count() > 0 ? "sees a GPU but cannot use it" : "finds no GPU") +
                           "; use device = \"cpu\" or \"auto\"");
    }
    if (static_cast<std::size_t>(index) >= static_cast<std::size_t>(torch::cuda::device_count())) {
      throw InputError(what + ": device '" + name + "' does not exist",
                       "this machine has " + std::to_string(torch::cuda::device_count()) + " CUDA device(s)");
    }
    return {torch::kCUDA, static_cast<c10::DeviceIndex>(index)};
  }
  throw InputError(what + ": unknown device '" + name + "'", "use \"cpu\", \"cuda\", \"cuda:N\" or \"auto\"");
}

std::string first_line(const std::string& message) {
  const auto nl = message.find('\n');
  return nl == std::string::npos ? message : message.substr(0, nl);
}

}  // namespace ioncycle::potentials
