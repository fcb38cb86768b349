// SPDX-License-Identifier: MIT
//
// Lennard-Jones 12-6 pair potential, the LAMMPS pair_style lj/cut form:
//     E(r) = 4 ε [ (σ/r)^12 - (σ/r)^6 ]            for r < r_c,  0 beyond,
// optionally shifted by -E(r_c) per element pair so the energy is continuous at the cutoff
// (LAMMPS `pair_modify shift yes`; forces are unchanged by the shift).
//
// Parameters are given per element pair (atomic numbers z1, z2; order irrelevant). The potential
// supports exactly the elements named in some pair. Every pair of supported elements must
// interact through either an explicit entry or, when both like pairs (z1,z1) and (z2,z2) are
// given, Lorentz-Berthelot mixing:
//     σ_12 = (σ_11 + σ_22) / 2,   ε_12 = sqrt(ε_11 ε_22),   r_c,12 = max(r_c,11, r_c,22).
// (The cutoff rule is ours: LAMMPS mixes cutoffs like σ. Give the pair explicitly to match it.)
// A missing unlike pair that cannot be mixed, a duplicate pair, an unknown element or a
// non-positive ε, σ or r_c is an InputError at construction.
//
// compute() prefers a half neighbor list (neighbor_request()) and accepts a full one (each pair
// then counted from both sides with weight 1/2). Per-atom energies split each pair energy
// equally between its two atoms. Units: eV, Å, eV/Å. An atom of an unsupported element in the
// System is an InputError. OpenMP inside compute(); results are deterministic for a given number
// of threads. Not to be called from several threads at once (it keeps scratch buffers).
#pragma once

#include <string>
#include <vector>

#include "potentials/pair_potential.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::potentials {

/// Parameters of one element pair.
struct LJPair {
  int z1 = 0, z2 = 0;    ///< atomic numbers
  double epsilon = 0.0;  ///< eV, depth of the well
  double sigma = 0.0;    ///< Å, zero of the unshifted energy
  double cutoff = 0.0;   ///< Å
};

class LennardJones final : public Potential {
 public:
  struct Params {
    std::vector<LJPair> pairs;
    bool shift = false;  ///< shift the energy to zero at each pair's cutoff
  };

  /// Validates `params` and fills unlike pairs by Lorentz-Berthelot mixing (see above).
  explicit LennardJones(Params params);
  /// One element.
  [[nodiscard]] static LennardJones single(int z, double epsilon, double sigma, double cutoff,
                                           bool shift = false);

  [[nodiscard]] std::string name() const override { return "lj"; }
  [[nodiscard]] double cutoff() const override { return table_.max_cutoff(); }
  [[nodiscard]] NeighborRequest neighbor_request() const override {
    return {cutoff(), core::NeighborKind::half};
  }
  [[nodiscard]] bool supports(int z) const override { return table_.supports(z); }
  [[nodiscard]] std::string supported_species() const override { return table_.species_list(); }
  /// "lj shift=0|1" and " Z1-Z2:epsilon=E,sigma=S,cutoff=C" for each of resolved_pairs(), the
  /// values as exact hex floats (core::hex_double).
  [[nodiscard]] std::string fingerprint() const override;
  void compute(const core::System& system, const core::NeighborList& neighbors,
               const ForceRequest& request, ForceResult& result) override;

  /// Every element pair after mixing, one entry per unordered pair (z1 <= z2), sorted.
  [[nodiscard]] const std::vector<LJPair>& resolved_pairs() const { return resolved_; }
  [[nodiscard]] bool shifted() const { return shift_; }
  /// Energy of one pair of elements at distance r (Å), as compute() counts it (shift included;
  /// 0 at and beyond the cutoff). Throws InputError for elements the potential does not know.
  [[nodiscard]] double pair_energy(int z1, int z2, double r) const;

  /// Per-pair coefficients used in the inner loop (LAMMPS pair_lj_cut naming).
  struct Kernel {
    double cutoff_sq = 0.0;
    double lj1 = 0.0, lj2 = 0.0;  ///< 48 ε σ^12, 24 ε σ^6 (force)
    double lj3 = 0.0, lj4 = 0.0;  ///< 4 ε σ^12, 4 ε σ^6 (energy)
    double offset = 0.0;          ///< E(r_c) when shifted, else 0
    /// Energy and f = -(dE/dr)/r at r² < cutoff_sq.
    void evaluate(double r_sq, double& energy, double& f_over_r) const {
      const double r2inv = 1.0 / r_sq;
      const double r6inv = r2inv * r2inv * r2inv;
      f_over_r = r6inv * (lj1 * r6inv - lj2) * r2inv;
      energy = r6inv * (lj3 * r6inv - lj4) - offset;
    }
  };

 private:
  std::vector<LJPair> resolved_;
  bool shift_ = false;
  detail::PairTable<Kernel> table_;
  detail::PairScratch scratch_;
};

}  // namespace ioncycle::potentials
