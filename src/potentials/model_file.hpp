// SPDX-License-Identifier: MIT
//
// Recognizing and describing a machine-learned potential saved as a TorchScript file, without
// evaluating it. The format is decided from the file's own metadata, never from its name:
//   - SevenNet deployed serial model (pair_style e3gnn): TorchScript extra files, model_type
//     "E3_equivariant_model", chemical_symbols_to_index, cutoff, dtype ("single" = float32).
//   - MACE exported for LAMMPS (mace_create_lammps_model): registered buffers atomic_numbers,
//     r_max, num_interactions; dtype from the parameter model.node_embedding.linear.weight.
//   - A user's own TorchScript model (torchscript_potential.hpp, docs/models.md): extra files
//     ioncycle_model ("1", the format marker and its version), elements (space-separated
//     symbols), cutoff (Å) and optionally dtype ("float32" or "float64", the default).
// See shared MLIP-FORMATS.md §1-2. Anything else is an InputError saying which metadata were
// looked for. Loading runs on the CPU; the caller picks the device when it builds a Potential.
//
// Thread-safety: inspect_model() may be called from any thread; it loads its own module copy.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ioncycle::potentials {

enum class ModelFormat { sevennet, mace, torchscript, nep };

/// What a model file says about itself.
struct ModelInfo {
  std::string path;
  ModelFormat format = ModelFormat::sevennet;
  /// Element symbols the model supports, in the model's own type-index order.
  std::vector<std::string> elements;
  /// Radial cutoff in Å.
  double cutoff = 0.0;
  /// "float32" or "float64".
  std::string dtype;
  /// SHA-256 of the file's content (64 hex digits): the model's identity for caches (see
  /// Potential::fingerprint), independent of where the file lies.
  std::string sha256;
  /// All metadata as text (SevenNet and ioncycle extra files; MACE buffers), for
  /// `ioncycle model info`.
  std::map<std::string, std::string> metadata;
};

[[nodiscard]] std::string_view format_name(ModelFormat format);

/// What every TorchScript backend (SevenNet, MACE, your own model) takes besides the file.
struct ModelOptions {
  /// Torch device: "auto" (CUDA when usable, else the CPU), "cpu", "cuda" or "cuda:N"; see
  /// torch_support.hpp.
  std::string device = "auto";
};

/// A model's elements by atomic number: each symbol's position in the model's order, which is the
/// species index (SevenNet) or one-hot column (MACE) the model takes.
class ModelElements {
 public:
  ModelElements() = default;
  /// Symbols in the model's order; each must be a known element (metadata were checked).
  explicit ModelElements(std::vector<std::string> symbols);

  [[nodiscard]] const std::vector<std::string>& symbols() const { return symbols_; }
  /// Position of element `z` in the model's order, -1 if the model lacks it.
  [[nodiscard]] int index_of(int z) const {
    return z >= 0 && static_cast<std::size_t>(z) < index_of_z_.size() ? index_of_z_[static_cast<std::size_t>(z)] : -1;
  }
  [[nodiscard]] bool supports(int z) const { return index_of(z) >= 0; }
  /// "Li, C, O" for messages.
  [[nodiscard]] std::string list() const;
  /// index_of(z), or an InputError "<what>: the model '<path>' has no parameters for X" listing
  /// the model's elements.
  [[nodiscard]] int require(int z, const std::string& what, const std::string& path) const;

 private:
  std::vector<std::string> symbols_;
  std::vector<int> index_of_z_;
};

/// Read `path`'s metadata: a GPUMD nep.txt (recognized by its first word, nep3 or nep4) is read
/// as text (nep_model.hpp); anything else is loaded with libtorch. Throws InputError for a missing file, a file
/// that is not TorchScript, a TorchScript file of unknown format, or missing/invalid metadata
/// (each naming the file and what was wrong); BackendError for other libtorch failures.
[[nodiscard]] ModelInfo inspect_model(const std::string& path);

/// Version of the libtorch ioncycle was built with (e.g. "2.11.0+cu130").
[[nodiscard]] std::string_view libtorch_version();

}  // namespace ioncycle::potentials
