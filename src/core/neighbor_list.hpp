// SPDX-License-Identifier: MIT
//
// Verlet neighbor list built with cell lists, for any triclinic cell and per-axis periodicity.
//
// What it holds: for every atom i, the atoms j (and periodic images of them, including images of
// i itself) whose distance is below cutoff + skin at build time, each with the lattice image it
// belongs to. The pair vector is
//     d_ij = x_j - x_i + n · H
// with x the positions as stored in the System (never wrapped by the list), H the *current* cell
// matrix (rows a, b, c) and n the integer image shift of the pair. Potentials must test
// |d_ij| < cutoff themselves: the list also holds pairs in the skin.
//
// Storage is CSR: neighbors of i are entries offsets()[i] .. offsets()[i+1]-1 of neighbors() and
// shift_ids(); a shift id indexes shift_table() (entry 0 is always n = (0,0,0)). Distinct image
// shifts are few, so potentials turn them into Cartesian vectors once per evaluation
// (cartesian_shifts) instead of per pair.
//
// Kinds: a full list stores every pair in both directions ((i,j,n) and (j,i,-n)); a half list
// stores each pair once. Self-image pairs (j == i, n != 0) appear in a full list for both n and
// -n, in a half list once.
//
// Cells narrower than twice the cutoff are handled: every image within range is found.
//
// Rebuild rule (update()): never built; System::topology_version() changed (atoms added or
// removed); or the worst-case change of any pair vector since the build,
//     2 · max_i |x_i - x_i(build)| + n_max · ||H - H(build)||_F,
// reaches the skin (n_max = largest |n| in the list; the first term is LAMMPS' half-skin rule).
//
// Built in parallel with OpenMP; deterministic (the same input gives the same order for any
// thread count). Not thread-safe for concurrent update(); concurrent reads are fine.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/system.hpp"

namespace ioncycle::core {

enum class NeighborKind { full, half };

struct NeighborOptions {
  double cutoff = 0.0;  ///< Å, interaction range of the potential(s); 0 = no pairs needed (empty list)
  double skin = 1.0;    ///< Å, extra range so the list stays valid for several steps
  NeighborKind kind = NeighborKind::full;
};

/// Largest number of pairs (full-list entries) a build may hold: about 8 GB of list and scratch
/// at 16 bytes per entry. A larger request is almost always a unit mistake (a cutoff or skin of
/// hundreds of Å, a cell of 1e-3 Å) and would exhaust memory or run for hours.
inline constexpr double kMaxNeighborPairs = 5e8;

/// The number of full-list entries a build of `system` with range cutoff + skin `range` (Å)
/// would hold, estimated from the density: N² × ball / M, with ball the volume of a k-ball of
/// radius `range` over the k periodic axes and M their cell measure (length, area or volume);
/// N² for a cluster. The expected count for atoms spread evenly; for a slab or a wire it counts
/// the images of the periodic axes only.
[[nodiscard]] double estimated_neighbor_pairs(const System& system, double range);

/// InputError when estimated_neighbor_pairs() exceeds kMaxNeighborPairs, with the estimate, the
/// range and the cell in the message. build() calls it; commands call it in --check.
void check_neighbor_budget(const System& system, double cutoff, double skin);

class NeighborList {
 public:
  explicit NeighborList(NeighborOptions options);

  [[nodiscard]] const NeighborOptions& options() const { return options_; }
  [[nodiscard]] NeighborKind kind() const { return options_.kind; }

  /// Rebuild when the rule above says so; returns whether it rebuilt.
  bool update(const System& system);
  /// Rebuild unconditionally.
  void build(const System& system);

  [[nodiscard]] std::size_t num_atoms() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
  [[nodiscard]] std::size_t num_pairs() const { return neighbors_.size(); }
  [[nodiscard]] std::span<const std::size_t> offsets() const { return offsets_; }
  [[nodiscard]] std::span<const std::int32_t> neighbors() const { return neighbors_; }
  [[nodiscard]] std::span<const std::uint32_t> shift_ids() const { return shift_ids_; }
  [[nodiscard]] std::span<const std::array<std::int32_t, 3>> shift_table() const { return shift_table_; }
  /// n · H for every shift_table() entry, for the given (current) cell; `out` is resized.
  void cartesian_shifts(const Cell& cell, std::vector<Vec3>& out) const;

  /// How many times the list has been built (for tests and benchmarks).
  [[nodiscard]] std::uint64_t build_count() const { return build_count_; }
  /// Bins per range of the last build: 1, or 2 for dense fully periodic systems (many atoms per
  /// range³; see the .cpp), for tests and benchmarks.
  [[nodiscard]] int bins_per_range() const { return bins_per_range_; }

 private:
  NeighborOptions options_;
  std::vector<std::size_t> offsets_;
  std::vector<std::int32_t> neighbors_;
  std::vector<std::uint32_t> shift_ids_;
  std::vector<std::array<std::int32_t, 3>> shift_table_;
  // State at the last build, for the rebuild rule.
  std::vector<Vec3> built_positions_;
  Mat3 built_cell_ = Mat3::Zero();
  std::array<bool, 3> built_pbc_{false, false, false};
  std::uint64_t built_topology_ = 0;
  int max_shift_ = 0;
  bool built_ = false;
  std::uint64_t build_count_ = 0;
  int bins_per_range_ = 1;
  // Scratch reused between builds (no per-build allocation once sizes settle).
  std::vector<Vec3> scratch_wrapped_;
  std::vector<std::array<std::int32_t, 3>> scratch_wrap_shift_;
  std::vector<std::int32_t> scratch_cell_of_;
  std::vector<std::int32_t> scratch_cell_start_;
  std::vector<std::int32_t> scratch_cell_atoms_;
  std::vector<std::int32_t> scratch_slot_of_;
  std::vector<Vec3> scratch_fractional_;
  std::vector<double> scratch_binned_positions_;
  std::vector<std::int64_t> scratch_binned_wrap_keys_;
  std::vector<std::int64_t> scratch_keys_;
  std::array<std::vector<std::array<std::int32_t, 2>>, 2> scratch_stencil_;
  std::vector<std::array<std::int32_t, 3>> scratch_runs_;
  std::vector<std::int32_t> scratch_run_counts_;
  // One contiguous block of atoms of the parallel build: its pairs in atom order with chunk-local
  // shift indices, turned into shift ids once all chunks are done (see neighbor_list.cpp).
  struct Chunk {
    std::vector<std::int32_t> neighbors;
    std::vector<std::int32_t> local_shifts;
    std::vector<std::int64_t> keys;       // packed image shift of each local index
    std::vector<std::int32_t> slots;      // open-addressing hash table: key -> local index
    std::vector<std::uint32_t> remap;     // local index -> shift id
    std::vector<std::int32_t> hits;       // slots within range, one run of bins at a time
    std::vector<double> distances;        // squared distances of one run
  };
  std::vector<Chunk> scratch_chunks_;
};

}  // namespace ioncycle::core
