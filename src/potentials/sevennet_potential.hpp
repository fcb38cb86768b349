// SPDX-License-Identifier: MIT
//
// SevenNet deployed serial model (TorchScript, written by `sevenn_get_model`; the model of LAMMPS'
// pair_style e3gnn) as a Potential. See shared MLIP-FORMATS.md §1 for the contract:
//   - inputs: x (int64 [N], species index in the model's chemical_symbols_to_index order, not Z),
//     edge_index (int64 [2,E]; row 0 = centre i, row 1 = neighbour j), edge_vec (float32 [E,3]
//     = r_j - r_i with the periodic image applied), num_atoms and nlocal (int64 [1] = N);
//   - edges: every ordered pair of the full neighbor list with 0 < |d| < cutoff (strict), so both
//     directions and periodic self-images are present;
//   - outputs: inferred_total_energy (float32) and atomic_energy (float32 [N,1]);
//   - forces and virial from g = ∂E/∂edge_vec by autograd: F_i += g_e, F_j -= g_e, and
//     W = -Σ_e g_e ⊗ d_e (LAMMPS sign, W_ab = -∂E/∂ε_ab; checked against a strain finite
//     difference in tests/unit/potentials/test_sevennet.cpp).
// The model runs in float32, so energies carry ~1e-6 relative noise and forces ~1e-5 eV/Å.
//
// libtorch stays behind a pimpl so that code including this header needs no torch headers.
// Not thread-safe (one compute() at a time, as every Potential); compute() uses torch's intra-op
// threads (set once to omp_get_max_threads()).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "potentials/graph_edges.hpp"
#include "potentials/model_file.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::potentials {

struct LoadedModel;

class SevenNetPotential final : public Potential {
 public:
  using Options = ModelOptions;

  /// Load a deployed SevenNet serial model. InputError for a missing file or a file that is not a
  /// SevenNet model (see inspect_model); BackendError for libtorch failures.
  explicit SevenNetPotential(const std::string& path, const Options& options = {});
  /// From a file already loaded (and known to be a SevenNet model); see make_model_potential.
  SevenNetPotential(LoadedModel&& model, const Options& options);
  ~SevenNetPotential() override;
  SevenNetPotential(const SevenNetPotential&) = delete;
  SevenNetPotential& operator=(const SevenNetPotential&) = delete;

  [[nodiscard]] std::string name() const override { return "sevennet"; }
  [[nodiscard]] double cutoff() const override { return cutoff_; }
  [[nodiscard]] bool supports(int z) const override;
  [[nodiscard]] std::string supported_species() const override;
  /// "sevennet sha256=<SHA-256 of the model file>": the file holds the whole energy function (weights,
  /// cutoff, dtype); the device and the path do not enter.
  [[nodiscard]] std::string fingerprint() const override;

  void compute(const core::System& system, const core::NeighborList& neighbors, const ForceRequest& request,
               ForceResult& result) override;
  [[nodiscard]] double energy(const core::System& system, const core::NeighborList& neighbors) override;
  /// "edge building", "model forward", "model backward", "force/virial sum".
  void collect_times(StageTimes& out) const override;

  [[nodiscard]] const std::string& path() const { return path_; }
  /// Element symbols in the model's type-index order.
  [[nodiscard]] const std::vector<std::string>& elements() const { return elements_.symbols(); }
  /// Number of edges (pairs within the cutoff, both directions) of the last evaluation.
  [[nodiscard]] std::size_t num_edges() const { return num_edges_; }

 private:
  struct Impl;
  /// Fill the species and edge buffers from the neighbor list; returns the number of edges.
  std::size_t build_graph(const core::System& system, const core::NeighborList& neighbors);

  std::string path_;
  std::string sha256_;  ///< of the file's content (ModelInfo::sha256)
  double cutoff_ = 0.0;
  ModelElements elements_;  ///< species index by atomic number
  std::size_t num_edges_ = 0;
  // Buffers reused between calls (wrapped by torch::from_blob, never reallocated once sized).
  std::vector<std::int64_t> species_;
  GraphEdges edges_;             ///< edge_index [2, E] and the image shift of each edge
  std::vector<float> edge_vec_;  ///< [E, 3]
  double seconds_graph_ = 0.0, seconds_forward_ = 0.0, seconds_backward_ = 0.0, seconds_sum_ = 0.0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ioncycle::potentials
