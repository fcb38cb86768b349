// SPDX-License-Identifier: MIT
//
// Internal to src/potentials (includes libtorch): a model file loaded once, with the metadata
// inspect_model() reports and the TorchScript module itself, so that a backend does not read
// the archive twice at start-up.
#pragma once

#include <torch/script.h>

#include <string>
#include <string_view>

#include "potentials/model_file.hpp"

namespace ioncycle::potentials {

struct LoadedModel {
  ModelInfo info;
  torch::jit::Module module;  ///< on the CPU
};

/// What inspect_model() does, keeping the module. Same errors.
[[nodiscard]] LoadedModel load_model(const std::string& path);
/// For a backend: checks `device` first (resolve_device, so a typo is reported before a slow
/// load), then load_model(), then that the file's format_name() is `expected` ("sevennet",
/// "mace", "torchscript"; empty accepts any), else an InputError naming both formats.
[[nodiscard]] LoadedModel load_model(const std::string& path, std::string_view expected, const std::string& device);

}  // namespace ioncycle::potentials
