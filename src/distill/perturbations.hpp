// SPDX-License-Identifier: MIT
//
// The perturbed copies of a structure that a training set needs besides MD snapshots (issue
// "ioncycle distill", [sampling]): homogeneously strained cells, so that the student learns the
// stress (graphite's c axis opens by 10 % on lithiation), and rattled atoms, so that it sees
// forces away from equilibrium.
//
//   strained(s, ε):  every position and every lattice vector multiplied by (I + ε), so that
//                    fractional coordinates are unchanged (r -> (I + ε) r; rows of H -> rows of
//                    H (I + ε)ᵀ). ε need not be symmetric; non-periodic axes strain the same way.
//   rattled(s, σ, rng): every Cartesian component displaced by an independent N(0, σ²) deviate
//                    from `rng` (seeded: the same seed gives the same copy).
//   random_strain(max, rng): a symmetric ε with its six independent components uniform in
//                    [-max, max] (the ±3 % of the sampling).
#pragma once

#include "core/rng.hpp"
#include "core/system.hpp"

namespace ioncycle::distill {

/// InputError for a non-finite ε or one that inverts or collapses the cell (det(I + ε) <= 0.1).
[[nodiscard]] core::System strained(const core::System& system, const core::Mat3& strain);

/// InputError for a negative or non-finite σ (Å).
[[nodiscard]] core::System rattled(const core::System& system, double sigma, core::Rng& rng);

/// InputError for a negative or non-finite `max_strain`, or one of 0.5 or more.
[[nodiscard]] core::Mat3 random_strain(double max_strain, core::Rng& rng);

}  // namespace ioncycle::distill
