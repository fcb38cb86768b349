// SPDX-License-Identifier: MIT
//
// Internal to src/potentials: the edge list of a graph model (SevenNet, MACE, a user's
// TorchScript model) from a full NeighborList, in the form those models take: edge e goes from
// atom i = row 0 to atom j = row 1 and its vector is x_j - x_i + shift_e, shift_e the Cartesian
// image shift n·H of the neighbor-list entry (n = the entry's integer lattice shift, H the
// current cell, rows a, b, c).
//
// Edges are the ordered pairs with 0 < |d| < cutoff (strict, as LAMMPS' pair_style mace and
// e3gnn), so both directions are present and periodic self-images of an atom are kept; r = 0 is
// never an edge. The order is fixed (atom i's edges in neighbor-list order, atoms in System
// order) for any OpenMP thread count, so results are reproducible. Buffers keep their capacity
// between calls: once sizes settle, building allocates nothing.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/neighbor_list.hpp"
#include "core/system.hpp"

namespace ioncycle::potentials {

struct GraphEdges {
  std::vector<std::int64_t> index;      ///< [2, E]: E senders i, then E receivers j
  std::vector<std::uint32_t> shift_id;  ///< [E]: index into NeighborList::shift_table()
  std::vector<core::Vec3> shifts;       ///< Cartesian n·H per shift_table() entry (not per edge)
  std::vector<std::size_t> offsets;     ///< [N + 1]: atom i's edges are offsets[i] .. offsets[i+1]-1

  [[nodiscard]] std::size_t size() const { return shift_id.size(); }

  /// Rebuild from `neighbors` (a full list, up to date for `system`). `what` names the caller in
  /// the std::logic_error thrown for a mismatched list (a programming error, not user input).
  void build(const core::System& system, const core::NeighborList& neighbors, double cutoff, const char* what) {
    const std::size_t n = system.num_atoms();
    if (neighbors.num_atoms() != n) {
      throw std::logic_error(std::string(what) + ": the neighbor list does not match the system");
    }
    if (neighbors.kind() != core::NeighborKind::full) {
      throw std::logic_error(std::string(what) + ": needs a full neighbor list");
    }
    neighbors.cartesian_shifts(system.cell(), shifts);
    const auto nbr_offsets = neighbors.offsets();
    const auto nbr = neighbors.neighbors();
    const auto sid = neighbors.shift_ids();
    const auto pos = system.positions();
    const double cut_sq = cutoff * cutoff;
    const auto ni = static_cast<std::int64_t>(n);
    const auto is_edge = [&](std::size_t i, std::size_t k) {
      const double r2 = (pos[static_cast<std::size_t>(nbr[k])] - pos[i] + shifts[sid[k]]).squaredNorm();
      return r2 < cut_sq && r2 > 0.0;
    };

    // Pass 1: edges per atom; pass 2: fill at the prefix-sum offsets.
    offsets.resize(n + 1);
    offsets[0] = 0;
#pragma omp parallel for schedule(static)
    for (std::int64_t ii = 0; ii < ni; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      std::size_t count = 0;
      for (std::size_t k = nbr_offsets[i]; k < nbr_offsets[i + 1]; ++k) count += is_edge(i, k) ? 1 : 0;
      offsets[i + 1] = count;
    }
    for (std::size_t i = 0; i < n; ++i) offsets[i + 1] += offsets[i];
    const std::size_t num_edges = offsets[n];
    index.resize(2 * num_edges);
    shift_id.resize(num_edges);
#pragma omp parallel for schedule(static)
    for (std::int64_t ii = 0; ii < ni; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      std::size_t e = offsets[i];
      for (std::size_t k = nbr_offsets[i]; k < nbr_offsets[i + 1]; ++k) {
        if (!is_edge(i, k)) continue;
        index[e] = ii;
        index[num_edges + e] = nbr[k];
        shift_id[e] = sid[k];
        ++e;
      }
    }
  }
};

}  // namespace ioncycle::potentials
