// SPDX-License-Identifier: MIT
//
// A MACE model exported for LAMMPS with `mace_create_lammps_model model.model [--dtype float32]`
// (mace-torch 0.3.15, the libtorch format; the model of LAMMPS' pair_style mace) as a Potential.
// Contract in shared MLIP-FORMATS.md §2; it is run the way pair_style mace runs it in its
// `no_domain_decomposition` mode, which is what a single-process code with periodic images
// mapped to their owners needs:
//   - nodes are the N atoms of the System; node_attrs is the one-hot [N, n_elements] species in
//     the order of the model's `atomic_numbers` buffer; batch = 0, ptr = {0, N}; local_or_ghost
//     all true; dummy energy [1], forces [N,3] and weight [1] as the pair style passes them;
//   - edges (see graph_edges.hpp): every ordered pair of the full neighbor list with 0 < |d| <
//     r_max (strict); edge_index row 0 = i (sender), row 1 = j (receiver); the model forms
//     d = positions[j] - positions[i] + shifts with shifts = n·H the Cartesian image shift and
//     unit_shifts = n (as reals); cell = H (rows a, b, c). With virials the model rebuilds the
//     shifts as unit_shifts·(strained cell), which is why both must be consistent;
//   - outputs: total_energy_local (eV), node_energy (per-atom energies, eV, the isolated-atom
//     energies E0 included), forces (eV/Å) and, when the request asks for the virial (and only
//     then: compute_virials costs a second gradient), virials = -∂E/∂ε (eV, LAMMPS sign,
//     symmetric because MACE strains with the symmetrized displacement).
// Precision: float64 models (the exporter's default) and float32 models (--dtype float32); the
// dtype is that of the parameter model.node_embedding.linear.weight, as the pair style reads it.
//
// Energy only: the exported wrapper's forward always takes the gradient with respect to the
// positions, whatever its arguments. So energy() (insertion/removal trials), and compute() when
// neither forces nor virial are requested, call the wrapped MACE module instead (the file's
// submodule `model`, ScaleShiftMACE.forward) with compute_force = false under torch::NoGradGuard:
// one forward pass, no backward, about a third of the cost of a force evaluation on the CPU; the
// energy is the same sum of node_energy and per-atom energies are available. Files without such a
// submodule fall back to the wrapper (has_energy_only_path() is then false).
//
// libtorch stays behind a pimpl. Not thread-safe (one compute() at a time, as every Potential);
// torch's intra-op threads follow OpenMP (torch_support.hpp). Buffers are reused between calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "potentials/model_file.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::potentials {

struct LoadedModel;

class MacePotential final : public Potential {
 public:
  using Options = ModelOptions;

  /// Load an exported MACE model. InputError for a missing file, a file that is not TorchScript,
  /// a TorchScript file that is not a MACE export, an unusable device; BackendError for other
  /// libtorch failures.
  explicit MacePotential(const std::string& path, const Options& options = {});
  /// From a file already loaded (and known to be of this format); see make_model_potential.
  MacePotential(LoadedModel&& model, const Options& options);
  ~MacePotential() override;
  MacePotential(const MacePotential&) = delete;
  MacePotential& operator=(const MacePotential&) = delete;

  [[nodiscard]] std::string name() const override { return "mace"; }
  [[nodiscard]] double cutoff() const override { return cutoff_; }
  [[nodiscard]] bool supports(int z) const override;
  [[nodiscard]] std::string supported_species() const override;
  /// "mace sha256=<SHA-256 of the model file>": the file holds the whole energy function (weights,
  /// cutoff, dtype); the device and the path do not enter.
  [[nodiscard]] std::string fingerprint() const override;

  /// Atoms of an element the model lacks: InputError naming it and listing the model's elements.
  void compute(const core::System& system, const core::NeighborList& neighbors, const ForceRequest& request,
               ForceResult& result) override;
  /// One forward pass without gradients when has_energy_only_path() (see above).
  [[nodiscard]] double energy(const core::System& system, const core::NeighborList& neighbors) override;

  [[nodiscard]] const std::string& path() const { return path_; }
  /// Element symbols in the model's `atomic_numbers` order (the one-hot columns).
  [[nodiscard]] const std::vector<std::string>& elements() const { return elements_.symbols(); }
  /// "float32" or "float64".
  [[nodiscard]] const std::string& dtype() const { return dtype_; }
  /// The torch device the model runs on, e.g. "cpu" or "cuda:0".
  [[nodiscard]] std::string device() const;
  /// Whether energy() skips the backward pass (true for files written by mace-torch 0.3.x).
  [[nodiscard]] bool has_energy_only_path() const;
  /// Number of edges (pairs within r_max, both directions) of the last evaluation.
  [[nodiscard]] std::size_t num_edges() const { return num_edges_; }

 private:
  struct Impl;
  /// Fill every input buffer for `system`; returns the number of edges.
  std::size_t prepare(const core::System& system, const core::NeighborList& neighbors);

  std::string path_;
  std::string sha256_;  ///< of the file's content (ModelInfo::sha256)
  double cutoff_ = 0.0;
  std::string dtype_;
  ModelElements elements_;  ///< one-hot column by atomic number
  std::size_t num_edges_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ioncycle::potentials
