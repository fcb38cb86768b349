// SPDX-License-Identifier: MIT
//
// A user's own TorchScript model as a Potential: the small, documented interface of
// docs/models.md ("Your own TorchScript model"), for models that are neither SevenNet nor MACE
// exports (an analytic potential written in torch, a home-made network).
//
// The file (torch.jit.save of a scripted module) carries extra files:
//   ioncycle_model = "1"          the format marker and its version (required)
//   elements       = "Li C O"     element symbols the model supports (required)
//   cutoff         = "5.0"        interaction range in Å (required)
//   dtype          = "float64"    or "float32": the dtype of every real input (default float64)
// and its forward is
//   forward(positions: Tensor[N,3], cell: Tensor[3,3], atomic_numbers: Tensor[N] (int64),
//           edge_index: Tensor[2,E] (int64), shifts: Tensor[E,3]) -> Dict[str, Tensor]
// with cell rows = lattice vectors a, b, c (zeros on a cell without lattice), and edges the
// ordered pairs (i = edge_index[0], j = edge_index[1]) with 0 < |d| < cutoff (strict) of
//   d = positions[j] - positions[i] + shifts,
// both directions present (a full list) and periodic images included (shifts = n·H, n integer).
// It returns "energy" (eV, one element) and optionally "atomic_energies" ([N] or [N,1], eV,
// summing to the energy). Positions, cell and shifts are in Å.
//
// ioncycle takes forces by autograd, F = -∂E/∂positions, and the virial by autograd with respect
// to a homogeneous strain ε applied to positions, cell and shifts together (r -> (1 + ε) r), so
// W = -∂E/∂ε (eV, LAMMPS sign; potential.hpp). The model therefore must compute the energy from
// these tensors differentiably and must not detach them. energy() runs forward once under
// torch::NoGradGuard (no graph, no backward).
//
// At load time the model is evaluated once on one isolated atom of its first element (no edges):
// this checks that forward runs and returns "energy", and finds out whether it returns
// "atomic_energies" (has_per_atom_energy()). A failure there is an InputError naming the file.
//
// libtorch stays behind a pimpl. Not thread-safe (one compute() at a time, as every Potential);
// torch's intra-op threads follow OpenMP (torch_support.hpp). Buffers are reused between calls.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "potentials/model_file.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::potentials {

struct LoadedModel;

class TorchScriptPotential final : public Potential {
 public:
  using Options = ModelOptions;

  /// Load a model saved in the format above. InputError for a missing file, a file that is not
  /// TorchScript, missing or invalid metadata, a forward with the wrong arguments, or a model that
  /// fails the load-time evaluation; BackendError for other libtorch failures.
  explicit TorchScriptPotential(const std::string& path, const Options& options = {});
  /// From a file already loaded (and known to be of this format); see make_model_potential.
  TorchScriptPotential(LoadedModel&& model, const Options& options);
  ~TorchScriptPotential() override;
  TorchScriptPotential(const TorchScriptPotential&) = delete;
  TorchScriptPotential& operator=(const TorchScriptPotential&) = delete;

  [[nodiscard]] std::string name() const override { return "torchscript"; }
  [[nodiscard]] double cutoff() const override { return cutoff_; }
  [[nodiscard]] bool supports(int z) const override;
  [[nodiscard]] std::string supported_species() const override;
  /// "torchscript sha256=<SHA-256 of the model file>": the file holds the whole energy function (weights,
  /// cutoff, dtype); the device and the path do not enter.
  [[nodiscard]] std::string fingerprint() const override;
  /// Whether the model returns "atomic_energies".
  [[nodiscard]] bool has_per_atom_energy() const override { return has_atomic_energies_; }

  /// Atoms of an element the model lacks: InputError naming it and listing the model's elements.
  /// Asking for per-atom energies from a model without "atomic_energies" is an InputError.
  void compute(const core::System& system, const core::NeighborList& neighbors, const ForceRequest& request,
               ForceResult& result) override;
  [[nodiscard]] double energy(const core::System& system, const core::NeighborList& neighbors) override;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::vector<std::string>& elements() const { return elements_.symbols(); }
  /// "float32" or "float64".
  [[nodiscard]] const std::string& dtype() const { return dtype_; }
  /// The torch device the model runs on, e.g. "cpu" or "cuda:0".
  [[nodiscard]] std::string device() const;
  /// Number of edges of the last evaluation.
  [[nodiscard]] std::size_t num_edges() const { return num_edges_; }

 private:
  struct Impl;
  void evaluate(const core::System& system, const core::NeighborList* neighbors, const ForceRequest& request,
                ForceResult& result);

  std::string path_;
  std::string sha256_;  ///< of the file's content (ModelInfo::sha256)
  double cutoff_ = 0.0;
  std::string dtype_;
  ModelElements elements_;
  bool has_atomic_energies_ = false;
  std::size_t num_edges_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ioncycle::potentials
