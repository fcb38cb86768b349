// SPDX-License-Identifier: MIT
//
// A NEP model (nep_model.hpp) as a Potential: a native OpenMP kernel in double precision.
//
// Per atom i of element t_i (Fan et al., PRB 104, 104309 (2021); J. Chem. Phys. 157, 114801 (2022)):
//
//   f_c(r)    = ½ [1 + cos(π r / r_c)]                                   r < r_c
//   f_k(r)    = ½ [T_k(x) + 1] f_c(r),   x = 2 (r/r_c - 1)² - 1           (T_k Chebyshev, k = 0..K)
//   g_n(r)    = Σ_k c^{t_i t_j}_{nk} f_k(r)
//   q_n       = Σ_j g_n(r_ij)                                           radial, n = 0..N_R
//   q_nl ...  = invariants of s_{n,lm} = Σ_j g_n(r_ij) b_lm(r̂_ij)        angular (nep_angular.hpp)
//   E_i       = Σ_μ w1_μ tanh(Σ_ν w0_μν (q_ν σ_ν) - b0_μ) - b1              (σ = q_scaler)
//
// with the network of element t_i (nep4) or the one shared network (nep3); r_c is the pair's
// radial or angular cutoff. ZBL (Ziegler, Biersack, Littmark, "The Stopping and Range of Ions in
// Solids" (1985)), on pairs within the angular cutoff, adds
//   ½ Σ_j k_e Z_i Z_j / r φ(r / a) f_s(r),  a = 0.46848 Å / (Z_i^0.23 + Z_j^0.23),
//   f_s = 1 below r_inner, ½ [1 + cos(π (r - r_inner)/(r_outer - r_inner))] up to r_outer,
// with φ the universal screening function or, for a flexible ZBL, the pair's fitted one.
//
// Forces. E_i depends on the pair vectors r_ij = x_j - x_i + n·H of its own neighbors only, so
// the kernel computes per atom the descriptor, the network and its gradient dE_i/dq, then per
// pair f_ij = ∂E_i/∂r_ij, and adds
//   F_i += f_ij,  F_j -= f_ij        (into per-thread force buffers, summed in thread order)
//   W   = -Σ_ij f_ij ⊗ r_ij          (W_ab = -∂E/∂ε_ab, LAMMPS sign; per atom, summed in atom order)
// Energies and the virial are the same bits for any number of threads; forces for the same
// number (atoms are split into fixed static chunks), and agree to rounding across counts. (A
// gather over reverse pairs would be thread-independent too, but its scattered reads cost ~17 %
// more per atom at 10^5 atoms, measured with benchmarks/nep_vs_torchnep.py.) Scratch buffers are members: repeated calls allocate nothing
// once sizes settle (so one object is used by one caller at a time, as every Potential).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "potentials/nep_angular.hpp"
#include "potentials/model_file.hpp"
#include "potentials/nep_model.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::potentials {

class NepPotential final : public Potential {
 public:
  /// InputError (located) for a malformed file; see read_nep_model.
  explicit NepPotential(const std::string& path);
  explicit NepPotential(NepModel model);

  [[nodiscard]] std::string name() const override { return "nep"; }
  [[nodiscard]] double cutoff() const override { return cutoff_; }
  [[nodiscard]] bool supports(int z) const override;
  [[nodiscard]] std::string supported_species() const override;
  /// "nep sha256=<SHA-256 of the file>" (the file holds the whole energy function).
  [[nodiscard]] std::string fingerprint() const override;

  void compute(const core::System& system, const core::NeighborList& neighbors, const ForceRequest& request,
               ForceResult& result) override;
  [[nodiscard]] double energy(const core::System& system, const core::NeighborList& neighbors) override;
  /// "nep descriptors+network", "nep forces".
  void collect_times(StageTimes& out) const override;

  [[nodiscard]] const NepModel& model() const { return model_; }

 private:
  /// Per-thread scratch for one centre atom.
  struct Scratch {
    std::vector<std::uint32_t> radial_entries, angular_entries;  // list entries within range
    std::vector<double> radial_geom, angular_geom;  // per pair: r, ux, uy, uz
    std::vector<double> radial_dfk;                 // per pair: K_R + 1
    std::vector<double> radial_fk_sum;              // per neighbor element: Σ_j f_k
    std::vector<double> zbl_de;                     // per angular pair: ∂(ZBL share)/∂r
    std::vector<double> angular_g, angular_dg;      // per pair: N_A + 1
    std::vector<double> blm, dblm;                  // per pair: basis size (x3 for gradients)
    std::vector<double> s, ds;                      // (N_A + 1) x basis size
    std::vector<double> q, dq, hidden;
    std::vector<double> fk, dfk;                    // one pair's Chebyshev values
    std::vector<double> contracted, contracted_d;   // one pair: Σ_n g_n ds_n, Σ_n g'_n ds_n
    std::vector<double> pair_force;                 // per entry of the atom: ∂E_i/∂r_ij
    std::vector<double> radial_weights;             // per neighbor element: Σ_n dE/dq_n c_nk
    std::vector<double> forces;                     // 3 per atom: this thread's share of the forces
  };

  void prepare(const core::System& system, const core::NeighborList& neighbors);
  /// Energy of every atom; with `gradient`, also f_ij for every list entry.
  void atoms(const core::System& system, const core::NeighborList& neighbors, bool gradient);
  void atom(std::size_t i, const core::System& system, const core::NeighborList& neighbors, bool gradient,
            Scratch& scratch);

  NepModel model_;
  NepAngularBasis angular_;
  double cutoff_ = 0.0;
  std::string fingerprint_;
  ModelElements elements_;  ///< type index of each element, in file order
  // Per ordered type pair (t_i * T + t_j).
  std::vector<double> rc_radial_pair_, rc_angular_pair_;
  std::vector<double> c_radial_pair_, c_angular_pair_;  ///< [pair][n][k]
  struct ZblPair {
    double zz = 0.0, a_inv = 0.0, rc_inner = 0.0, rc_outer = 0.0;
    double phi[8] = {};
  };
  std::vector<ZblPair> zbl_pair_;

  // Per call.
  std::vector<int> types_;
  std::vector<core::Vec3> shifts_;
  std::vector<double> atom_energy_;
  std::vector<double> atom_virial_;  ///< 9 per atom
  std::size_t used_threads_ = 1;
  std::vector<Scratch> scratch_;
  double seconds_atoms_ = 0.0, seconds_forces_ = 0.0;
};

}  // namespace ioncycle::potentials
