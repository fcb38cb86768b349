// SPDX-License-Identifier: MIT
#include "potentials/model_file.hpp"
#include "potentials/nep_model.hpp"

#include "potentials/loaded_model.hpp"
#include "potentials/torch_support.hpp"

#include <torch/script.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "core/content_hash.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::potentials {

namespace {

// Keys of a SevenNet deployed model's extra files (sevenn/scripts/deploy.py, 0.13.0), and the two
// python/deploy_sevennet.py adds (the fidelity head of a multi-fidelity model and the pretrained
// name). The map must be pre-seeded: torch::jit::load only fills keys that are already present.
constexpr const char* kSevenNetKeys[] = {"chemical_symbols_to_index", "cutoff", "num_species",
                                          "model_type", "version", "dtype", "time", "flashTP",
                                          "oeq", "comm_size", "modal", "pretrained"};
// Keys of ioncycle's own TorchScript format (torchscript_potential.hpp); cutoff and dtype are
// shared with SevenNet's list. The marker's value is the format version this code reads.
constexpr const char* kIoncycleKeys[] = {"ioncycle_model", "elements", "cutoff", "dtype"};
constexpr const char* kIoncycleFormatVersion = "1";
constexpr const char* kAbsent = "\x01" "absent";  // cannot be a real metadata value

// TorchScript archives are zip files; a quick magic-number check gives a clearer message than
// libtorch's for the common mistakes (an extxyz, a .model pickle, an empty file).
bool looks_like_zip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

ModelInfo describe_sevennet(const std::string& path, const std::unordered_map<std::string, std::string>& extra) {
  ModelInfo info;
  info.path = path;
  info.format = ModelFormat::sevennet;
  for (const auto& [k, v] : extra) {
    if (v != kAbsent) info.metadata[k] = v;
  }
  const SourceLocation where{path, 0, 0};
  if (info.metadata.count("oeq") && info.metadata["oeq"] == "yes") {
    throw InputError(where, "this SevenNet model was deployed with OpenEquivariance (oeq = yes), "
                            "which needs a custom autograd extension ioncycle does not load",
                     "redeploy it without -oeq: sevenn_get_model CHECKPOINT");
  }
  if (info.metadata.count("flashTP") && info.metadata["flashTP"] == "yes") {
    throw InputError(where, "this SevenNet model was deployed with flashTP, which needs a special "
                            "CUDA extension ioncycle does not load",
                     "redeploy it without -flashTP: sevenn_get_model CHECKPOINT");
  }
  for (const char* key : {"chemical_symbols_to_index", "cutoff"}) {
    if (!info.metadata.count(key)) {
      throw InputError(where, std::string("SevenNet model metadata lack '") + key + "'",
                       "deploy the model with sevenn's own `sevenn_get_model`");
    }
  }
  // The symbol string keeps a trailing space (deploy.py discards the result of .strip()).
  for (const auto tok : core::split_whitespace(info.metadata["chemical_symbols_to_index"])) {
    const std::string sym(tok);
    if (!core::find_atomic_number(sym)) {
      throw InputError(where, "SevenNet model lists an unknown element '" + sym + "'");
    }
    info.elements.push_back(sym);
  }
  if (info.elements.empty()) throw InputError(where, "SevenNet model lists no elements");
  const auto cutoff = core::parse_double(core::trim(info.metadata["cutoff"]));
  if (!cutoff || *cutoff <= 0.0) {
    throw InputError(where, "SevenNet model has an invalid cutoff '" + info.metadata["cutoff"] + "'");
  }
  info.cutoff = *cutoff;
  const std::string dtype = info.metadata.count("dtype") ? info.metadata["dtype"] : "single";
  info.dtype = (dtype == "double" || dtype == "float64") ? "float64" : "float32";
  return info;
}

ModelInfo describe_mace(const std::string& path, torch::jit::Module& module) {
  ModelInfo info;
  info.path = path;
  info.format = ModelFormat::mace;
  const SourceLocation where{path, 0, 0};
  const auto numbers = module.attr("atomic_numbers").toTensor().to(torch::kLong).contiguous();
  std::ostringstream zs;
  for (int64_t i = 0; i < numbers.numel(); ++i) {
    const auto z = static_cast<int>(numbers[i].item<int64_t>());
    if (z < 1 || z > core::max_atomic_number()) {
      throw InputError(where, "MACE model lists an invalid atomic number " + std::to_string(z));
    }
    info.elements.emplace_back(core::symbol(z));
    zs << (i ? " " : "") << z;
  }
  info.metadata["atomic_numbers"] = zs.str();
  info.cutoff = module.attr("r_max").toTensor().item<double>();
  info.metadata["r_max"] = core::format_double(info.cutoff);
  if (module.hasattr("num_interactions")) {
    info.metadata["num_interactions"] = std::to_string(module.attr("num_interactions").toTensor().item<int64_t>());
  }
  if (module.hasattr("head")) {
    info.metadata["head"] = std::to_string(module.attr("head").toTensor().item<int64_t>());
  }
  info.dtype = "float64";
  for (const auto& p : module.named_parameters(/*recurse=*/true)) {
    if (p.name == "model.node_embedding.linear.weight") {
      info.dtype = p.value.scalar_type() == torch::kFloat ? "float32" : "float64";
      break;
    }
  }
  if (!(info.cutoff > 0.0)) throw InputError(where, "MACE model has a non-positive r_max");
  return info;
}

ModelInfo describe_ioncycle(const std::string& path, const std::unordered_map<std::string, std::string>& extra) {
  ModelInfo info;
  info.path = path;
  info.format = ModelFormat::torchscript;
  for (const char* key : kIoncycleKeys) {
    const auto& v = extra.at(key);
    if (v != kAbsent) info.metadata[key] = v;
  }
  const SourceLocation where{path, 0, 0};
  const std::string hint = "see docs/models.md, \"Your own TorchScript model\", for the extra files to save";
  const std::string version(core::trim(info.metadata["ioncycle_model"]));
  if (version != kIoncycleFormatVersion) {
    throw InputError(where, "ioncycle_model = '" + version + "': this ioncycle reads version " +
                                kIoncycleFormatVersion + " of its TorchScript model format",
                     "save the model with _extra_files={'ioncycle_model': '1', ...}");
  }
  for (const char* key : {"elements", "cutoff"}) {
    if (!info.metadata.count(key)) {
      throw InputError(where, std::string("ioncycle TorchScript model lacks the extra file '") + key + "'", hint);
    }
  }
  for (const auto tok : core::split_whitespace(info.metadata["elements"])) {
    const std::string sym(tok);
    if (!core::find_atomic_number(sym)) {
      throw InputError(where, "the model's 'elements' lists an unknown element '" + sym + "'",
                       "give element symbols separated by spaces, e.g. \"Li C O\"");
    }
    if (std::find(info.elements.begin(), info.elements.end(), sym) != info.elements.end()) {
      throw InputError(where, "the model's 'elements' lists '" + sym + "' twice");
    }
    info.elements.push_back(sym);
  }
  if (info.elements.empty()) throw InputError(where, "the model's 'elements' is empty", hint);
  const auto cutoff = core::parse_double(core::trim(info.metadata["cutoff"]));
  if (!cutoff || !(*cutoff > 0.0) || !std::isfinite(*cutoff)) {
    throw InputError(where, "the model's 'cutoff' must be a positive number of Å (got '" + info.metadata["cutoff"] + "')");
  }
  info.cutoff = *cutoff;
  info.dtype = info.metadata.count("dtype") ? std::string(core::trim(info.metadata["dtype"])) : "float64";
  if (info.dtype != "float32" && info.dtype != "float64") {
    throw InputError(where, "the model's 'dtype' must be \"float32\" or \"float64\" (got '" + info.dtype + "')");
  }
  return info;
}

}  // namespace

std::string_view format_name(ModelFormat format) {
  switch (format) {
    case ModelFormat::sevennet: return "sevennet";
    case ModelFormat::mace: return "mace";
    case ModelFormat::torchscript: return "torchscript";
    case ModelFormat::nep: return "nep";
  }
  return "unknown";
}

std::string_view libtorch_version() { return IONCYCLE_TORCH_VERSION; }

LoadedModel load_model(const std::string& path) {
  namespace fs = std::filesystem;
  const SourceLocation where{path, 0, 0};
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw InputError(where, "model file not found",
                     "the default model is deployed by scripts/setup into models/sevennet-0.pt");
  }
  if (!fs::is_regular_file(path, ec)) throw InputError(where, "model path is not a regular file");
  if (!looks_like_zip(path)) {
    throw InputError(where, "not a TorchScript model file (TorchScript files are zip archives)",
                     "export SevenNet models with `sevenn_get_model`, MACE models with "
                     "`mace_create_lammps_model --format libtorch`, your own with torch.jit.save "
                     "(docs/models.md)");
  }
  std::unordered_map<std::string, std::string> extra;
  for (const char* key : kSevenNetKeys) extra[key] = kAbsent;
  for (const char* key : kIoncycleKeys) extra[key] = kAbsent;
  torch::jit::Module module;
  try {
    module = torch::jit::load(path, torch::kCPU, extra);
  } catch (const c10::Error& e) {
    throw InputError(where, "libtorch cannot load this file as TorchScript: " + first_line(e.what_without_backtrace()),
                     "the file may be corrupt, or saved by a newer torch than ioncycle's libtorch " +
                         std::string(libtorch_version()));
  }
  // Hashed after a successful load (a file libtorch rejects needs no identity); a few tens of ms
  // for a 100 MB model, small next to the load itself.
  const std::string content_hash = core::sha256_file_hex(path);
  try {
    if (extra["model_type"] != kAbsent) {
      if (extra["model_type"] != "E3_equivariant_model") {
        throw InputError(where, "SevenNet model_type '" + extra["model_type"] +
                                    "' is not supported (expected E3_equivariant_model)");
      }
      ModelInfo info = describe_sevennet(path, extra);
      info.sha256 = content_hash;
      return {std::move(info), std::move(module)};
    }
    if (extra["ioncycle_model"] != kAbsent) {
      ModelInfo info = describe_ioncycle(path, extra);
      info.sha256 = content_hash;
      return {std::move(info), std::move(module)};
    }
    if (module.hasattr("atomic_numbers") && module.hasattr("r_max")) {
      ModelInfo info = describe_mace(path, module);
      info.sha256 = content_hash;
      return {std::move(info), std::move(module)};
    }
  } catch (const c10::Error& e) {
    throw BackendError("libtorch", "reading metadata of '" + path + "': " + first_line(e.what_without_backtrace()));
  }
  throw InputError(where, "TorchScript file of unknown format: it has none of the metadata looked for: "
                          "SevenNet's extra file 'model_type', ioncycle's extra file 'ioncycle_model', "
                          "MACE's buffers 'atomic_numbers' and 'r_max'",
                   "deploy SevenNet models with `sevenn_get_model`, MACE models with "
                   "`mace_create_lammps_model --format libtorch`; save your own model with "
                   "_extra_files={'ioncycle_model': '1', 'elements': ..., 'cutoff': ...} (docs/models.md)");
}

LoadedModel load_model(const std::string& path, std::string_view expected, const std::string& device) {
  (void)resolve_device(device, expected.empty() ? "model" : std::string(expected));
  LoadedModel loaded = load_model(path);
  const std::string found(format_name(loaded.info.format));
  if (!expected.empty() && found != expected) {
    // The found format by its spec keyword (as the hint writes it), the expected one by its title.
    const std::string wanted = expected == "sevennet" ? "SevenNet" : expected == "mace" ? "MACE" : "ioncycle TorchScript";
    throw InputError(SourceLocation{path, 0, 0}, "this is a " + found + " model, not a " + wanted + " model",
                     "write " + found + ":PATH, or model:PATH, which recognizes the format from the file");
  }
  return loaded;
}

ModelInfo inspect_model(const std::string& path) {
  if (looks_like_nep_file(path)) {
    const NepModel model = read_nep_model(path);
    ModelInfo info;
    info.path = path;
    info.format = ModelFormat::nep;
    for (const int z : model.elements) info.elements.emplace_back(core::symbol(z));
    info.cutoff = model.max_cutoff();
    info.dtype = "float64";
    info.sha256 = core::sha256_file_hex(path);
    info.metadata["version"] = model.version + (model.zbl ? "_zbl" : "");
    info.metadata["summary"] = model.summary();
    info.metadata["parameters"] = std::to_string(model.num_parameters());
    info.metadata["sha256"] = info.sha256;
    return info;
  }
  return load_model(path).info;
}

ModelElements::ModelElements(std::vector<std::string> symbols) : symbols_(std::move(symbols)) {
  index_of_z_.assign(static_cast<std::size_t>(core::max_atomic_number()) + 1, -1);
  for (std::size_t k = 0; k < symbols_.size(); ++k) {
    index_of_z_[static_cast<std::size_t>(core::atomic_number(symbols_[k]))] = static_cast<int>(k);
  }
}

std::string ModelElements::list() const { return core::join(symbols_, ", "); }

int ModelElements::require(int z, const std::string& what, const std::string& path) const {
  const int k = index_of(z);
  if (k < 0) {
    throw InputError(what + ": the model '" + path + "' has no parameters for " + std::string(core::symbol(z)),
                     "it supports: " + list());
  }
  return k;
}

}  // namespace ioncycle::potentials
