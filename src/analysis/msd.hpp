// SPDX-License-Identifier: MIT
//
// Mean squared displacement (MSD) of a set of atoms over a piece of a trajectory whose atom
// count and cell change from frame to frame.
//
// Time grid. Trajectory frames are not equally spaced (frames every N steps plus one before
// every insertion/removal event). The MSD uses the frames whose step is a multiple of the
// sampling interval Δ, the most common step difference between consecutive given frames (more
// precisely: whose step has the most common residue modulo Δ, which is 0 for a run that writes
// every N steps from step 0). Grid point g is step step_0 + g·Δ; a grid point with no frame is a
// gap.
//
// Tracks. An atom is followed by its persistent id (ids are never reused). Each maximal run of
// consecutive grid points at which the id is present is one track window. Positions are
// unwrapped by accumulating minimum-image displacements between consecutive grid frames, in
// the cell of the later frame (von Bülow, Bullerjahn & Hummer, J. Chem. Phys. 153, 021101
// (2020); Kulke & Vermaas, J. Chem. Theory Comput. 18, 6161 (2022) for triclinic cells). This is
// exact as long as an atom moves less than half the smallest cell width (Cell::heights()/2)
// between two consecutive grid frames; a faster atom is silently folded back by a lattice vector.
//
// MSD. MSD(m) = Σ over windows w and origins k of |r(k+m) − r(k)|² / count(m), where count(m) is
// the number of (window, origin) pairs with lag m (Σ_w max(0, L_w − m)). The displacement is
// split into the part along the layer normal n (default: the a×b normal of the first given
// frame's cell) and the in-plane part ⊥ n; total = in-plane + normal. compute_msd uses the FFT
// algorithm of Kneller et al. (nMOLDYN, Comput. Phys. Commun. 91, 191 (1995); Calandrini et al.,
// École thématique de la Société Française de la Neutronique 12, 201 (2011)): per window and
// coordinate, Σ_k (x_{k+m} − x_k)² = S1(m) − 2 S2(m), with S1(m) = Σ_{k<L−m} (x_k² + x_{k+m}²) by
// a running sum and S2(m) = Σ_k x_k x_{k+m} the autocorrelation from a zero-padded FFT
// (Wiener–Khinchin), O(L log L). At the 32 shortest and 32 longest lags S1 and 2·S2 nearly
// cancel (the FFT's absolute rounding error is ~ε·Σx² at every lag, so its relative error grows
// like L/m), and those lags are summed directly, O(32·L); every lag then agrees with the direct
// sum to ~1e-11 (benchmarks/msd_fft.cpp). compute_msd_direct is the O(L²) definition, the reference.
//
// Units: positions Å, times fs, MSD Å². Read-only on the trajectory; thread-safe (OpenMP inside,
// over atoms; the result does not depend on the schedule for a fixed thread count).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "analysis/trajectory.hpp"
#include "core/cell.hpp"
#include "core/system.hpp"

namespace ioncycle::analysis {

/// Which atoms the MSD follows.
struct MsdOptions {
  /// Atomic numbers to follow (e.g. {3} for Li). Ignored when `host` is set.
  std::vector<int> species;
  /// Follow the host instead: every atom whose atomic number is not in `ion_species`.
  bool host = false;
  /// The mobile ions (used to define the host).
  std::vector<int> ion_species{3, 11, 19};
  /// Layer normal (any length > 0); default: a×b of the first given frame's cell (z without a
  /// lattice).
  std::optional<core::Vec3> normal;
};

/// The uniform time grid of a set of frames (see the header).
struct TimeGrid {
  std::vector<std::size_t> frames;   ///< trajectory indices of the grid frames, in time order
  std::vector<std::int64_t> index;   ///< grid point of each grid frame (0 for the first)
  std::int64_t interval_steps = 0;   ///< Δ (0 with fewer than two frames)
  /// Time between consecutive grid points (fs); NaN with fewer than two grid points.
  double interval_fs = std::numeric_limits<double>::quiet_NaN();
  /// Number of grid points spanned, gaps included: index.back() + 1 (0 when empty).
  [[nodiscard]] std::int64_t span() const { return index.empty() ? 0 : index.back() + 1; }
};

/// The grid of `frames` (indices into `trajectory`, any order; frames with a step already seen
/// are dropped).
[[nodiscard]] TimeGrid make_time_grid(const Trajectory& trajectory, std::span<const std::size_t> frames);

/// The unit layer normal used for `frames` under `options` (see MsdOptions::normal). Throws
/// InputError for a zero or non-finite user normal.
[[nodiscard]] core::Vec3 msd_normal(const Trajectory& trajectory, std::span<const std::size_t> frames,
                                    const MsdOptions& options);

/// MSD against lag, lag 0 included (MSD 0, count = number of positions).
struct MsdCurve {
  std::vector<double> lag_fs;
  std::vector<double> msd;          ///< Å²
  std::vector<double> msd_inplane;  ///< Å², ⊥ normal
  std::vector<double> msd_normal;   ///< Å², along normal
  std::vector<double> count;        ///< (window, origin) pairs averaged at this lag
  std::size_t num_tracks = 0;       ///< track windows
  std::size_t num_atoms = 0;        ///< distinct atom ids followed
  std::size_t num_grid_frames = 0;  ///< frames on the time grid
  double interval_fs = std::numeric_limits<double>::quiet_NaN();  ///< lag_fs[m] = m·interval_fs
  core::Vec3 normal = core::Vec3::UnitZ();  ///< unit normal used
};

/// Time-origin-averaged MSD by FFT, O(T log T) per track window.
[[nodiscard]] MsdCurve compute_msd(const Trajectory& trajectory, std::span<const std::size_t> frames,
                                   const MsdOptions& options);

/// The same by the O(T²) definition (reference for tests and benchmarks).
[[nodiscard]] MsdCurve compute_msd_direct(const Trajectory& trajectory, std::span<const std::size_t> frames,
                                          const MsdOptions& options);

/// How compute_msd_on_grid sums over origins.
enum class MsdMethod { fft, direct };

/// The MSD over the grid points [first_point, last_point] of `grid` (grid-point numbers, not
/// positions in grid.frames) with a given unit `normal`: what compute_msd does for the whole
/// grid, and what block averaging (diffusion.hpp) does per block.
[[nodiscard]] MsdCurve compute_msd_on_grid(const Trajectory& trajectory, const TimeGrid& grid,
                                           std::int64_t first_point, std::int64_t last_point,
                                           const core::Vec3& normal, const MsdOptions& options,
                                           MsdMethod method);

/// One track window: unwrapped Cartesian positions (Å) at consecutive grid points.
struct Track {
  core::AtomId id = 0;
  int atomic_number = 0;
  std::int64_t first_point = 0;        ///< grid point of positions[0]
  std::vector<core::Vec3> positions;   ///< positions[0] is the frame's position as written
};

/// Every track window of the selected atoms over `frames`, ordered by id then time (exposes the
/// unwrapping; memory grows with atoms × frames).
[[nodiscard]] std::vector<Track> unwrapped_tracks(const Trajectory& trajectory, std::span<const std::size_t> frames,
                                                  const MsdOptions& options);

}  // namespace ioncycle::analysis
