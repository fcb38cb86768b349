// SPDX-License-Identifier: MIT
//
// Morse pair potential, the LAMMPS pair_style morse form:
//     E(r) = D0 [ exp(-2α(r - r0)) - 2 exp(-α(r - r0)) ]      for r < r_c,  0 beyond,
// with the minimum E(r0) = -D0. Optionally shifted by -E(r_c) per element pair (LAMMPS
// `pair_modify shift yes`).
//
// Parameters are given per element pair (atomic numbers z1, z2; order irrelevant). The potential
// supports exactly the elements named in some pair, and, as in LAMMPS (which does not mix Morse
// coefficients), every pair of supported elements must be given explicitly. A missing or
// duplicate pair, an unknown element or a non-positive D0, α, r0 or r_c is an InputError at
// construction.
//
// Neighbor lists, per-atom energies, threading and errors as for LennardJones
// (potentials/lennard_jones.hpp). Units: eV, 1/Å, Å, eV/Å.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "potentials/pair_potential.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::potentials {

/// Parameters of one element pair.
struct MorsePair {
  int z1 = 0, z2 = 0;   ///< atomic numbers
  double d0 = 0.0;      ///< eV, depth of the well
  double alpha = 0.0;   ///< 1/Å, width parameter
  double r0 = 0.0;      ///< Å, position of the minimum
  double cutoff = 0.0;  ///< Å
};

class Morse final : public Potential {
 public:
  struct Params {
    std::vector<MorsePair> pairs;
    bool shift = false;  ///< shift the energy to zero at each pair's cutoff
  };

  explicit Morse(Params params);
  /// One element.
  [[nodiscard]] static Morse single(int z, double d0, double alpha, double r0, double cutoff,
                                    bool shift = false);

  [[nodiscard]] std::string name() const override { return "morse"; }
  [[nodiscard]] double cutoff() const override { return table_.max_cutoff(); }
  [[nodiscard]] NeighborRequest neighbor_request() const override {
    return {cutoff(), core::NeighborKind::half};
  }
  [[nodiscard]] bool supports(int z) const override { return table_.supports(z); }
  [[nodiscard]] std::string supported_species() const override { return table_.species_list(); }
  /// "morse shift=0|1" and " Z1-Z2:d0=D,alpha=A,r0=R,cutoff=C" for each of resolved_pairs(),
  /// the values as exact hex floats (core::hex_double).
  [[nodiscard]] std::string fingerprint() const override;
  void compute(const core::System& system, const core::NeighborList& neighbors,
               const ForceRequest& request, ForceResult& result) override;

  /// Every element pair, one entry per unordered pair (z1 <= z2), sorted.
  [[nodiscard]] const std::vector<MorsePair>& resolved_pairs() const { return resolved_; }
  [[nodiscard]] bool shifted() const { return shift_; }
  /// Energy of one pair of elements at distance r (Å), as compute() counts it.
  [[nodiscard]] double pair_energy(int z1, int z2, double r) const;

  /// Per-pair coefficients used in the inner loop.
  struct Kernel {
    double cutoff_sq = 0.0;
    double d0 = 0.0, alpha = 0.0, r0 = 0.0;
    double offset = 0.0;  ///< E(r_c) when shifted, else 0
    /// Energy and f = -(dE/dr)/r at r² < cutoff_sq. With u = exp(-α(r - r0)):
    /// E = D0 (u² - 2u), dE/dr = 2 α D0 (u - u²).
    void evaluate(double r_sq, double& energy, double& f_over_r) const {
      const double r = std::sqrt(r_sq);
      const double u = std::exp(-alpha * (r - r0));
      energy = d0 * u * (u - 2.0) - offset;
      f_over_r = 2.0 * alpha * d0 * u * (u - 1.0) / r;
    }
  };

 private:
  std::vector<MorsePair> resolved_;
  bool shift_ = false;
  detail::PairTable<Kernel> table_;
  detail::PairScratch scratch_;
};

}  // namespace ioncycle::potentials
