// SPDX-License-Identifier: MIT
//
// A neuroevolution potential (NEP) as written in GPUMD's `nep.txt`, read into plain arrays.
//
// NEP: Z. Fan et al., Phys. Rev. B 104, 104309 (2021) (NEP1); Z. Fan, J. Phys.: Condens. Matter
// 34, 125902 (2022) (NEP2); Z. Fan et al., J. Chem. Phys. 157, 114801 (2022) (NEP3, GPUMD 3);
// K. Song et al., Nat. Commun. 15, 10208 (2024) (NEP4: one network per element). The file is the
// one GPUMD's `nep` executable and TorchNEP write, and that GPUMD, NEP_CPU and LAMMPS load:
//
//   nep4[_zbl] T  El_1 ... El_T        nep3 / nep3_zbl: one network shared by every element
//   zbl RC_INNER RC_OUTER              only for *_zbl; "zbl 0 0": flexible ZBL, table at the end
//   cutoff RC_R RC_A MAX_NN_R MAX_NN_A   or per element: cutoff RC_R1 RC_A1 ... RC_RT RC_AT NN_R NN_A
//   n_max N_R N_A
//   basis_size K_R K_A
//   l_max L_3B [Q_222 [Q_1111 [Q_112]]]  Q_222 is written as 2 (on) or 0 (off)
//   ANN NEURONS 0
//   then one number per line: for each network (T for nep4, 1 for nep3) w0 (NEURONS x DIM,
//   row-major), b0 (NEURONS), w1 (NEURONS); b1 (one, shared); c_radial (N_R+1, K_R+1, T, T);
//   c_angular (N_A+1, K_A+1, T, T) when L_3B > 0; q_scaler (DIM); the flexible ZBL table
//   (rc_inner rc_outer a1..a8 for each pair 1-1, 1-2, ..., T-T) when "zbl 0 0".
//
// DIM = (N_R+1) + (N_A+1) (L_3B + [Q_222] + [Q_1111] + [Q_112]). In the c tables the third index
// is the centre atom's element and the fourth its neighbour's. Per-element cutoffs give a pair
// the mean of its two elements' values (as GPUMD does).
//
// Not supported, each with its own error: dipole, polarizability and temperature-dependent models
// (not energy models), the typewise ZBL cutoffs ("zbl RC_IN RC_OUT FACTOR") and TorchNEP's extra
// invariants q_123, q_233, q_134 (l_max fields 5-7).
#pragma once

#include <array>
#include <string>
#include <vector>

namespace ioncycle::potentials {

struct NepModel {
  std::string path;
  std::string version;      ///< "nep3" or "nep4"
  bool per_type_ann = true;  ///< nep4: one network per element
  std::vector<int> elements;  ///< atomic number of each type, in file order

  bool zbl = false;
  bool zbl_flexible = false;
  double zbl_rc_inner = 0.0;  ///< Å (universal ZBL)
  double zbl_rc_outer = 0.0;  ///< Å
  /// Flexible ZBL, one row per ordered type pair (t1 * T + t2): rc_inner, rc_outer, a1..a8.
  std::vector<std::array<double, 10>> zbl_table;

  std::vector<double> rc_radial;   ///< Å, per type (all equal for a global cutoff)
  std::vector<double> rc_angular;  ///< Å, per type
  int max_nn_radial = 0;           ///< as written (GPUMD's buffer size; unused here)
  int max_nn_angular = 0;

  int n_max_radial = 0;
  int n_max_angular = 0;
  int basis_radial = 0;   ///< K_R: Chebyshev polynomials 0..K_R
  int basis_angular = 0;  ///< K_A
  int l_max = 0;          ///< three-body l = 1..l_max
  bool q4 = false;        ///< four-body invariant of l = 2 (q_222)
  bool q5 = false;        ///< five-body invariant of l = 1 (q_1111)
  bool q112 = false;      ///< four-body invariant of l = 1, 1, 2
  int neurons = 0;
  int dim = 0;  ///< descriptor length

  /// Per network: w0 [neurons x dim], b0 [neurons], w1 [neurons].
  struct Network {
    std::vector<double> w0, b0, w1;
  };
  std::vector<Network> networks;  ///< T (nep4) or 1 (nep3)
  double b1 = 0.0;
  /// c_radial[((n * (K_R+1) + k) * T + t_centre) * T + t_neighbour], likewise c_angular.
  std::vector<double> c_radial, c_angular;
  std::vector<double> q_scaler;

  [[nodiscard]] int num_types() const { return static_cast<int>(elements.size()); }
  /// Cutoffs of the pair (t1, t2): the mean of the two elements' values.
  [[nodiscard]] double pair_rc_radial(int t1, int t2) const { return 0.5 * (rc_radial[t1] + rc_radial[t2]); }
  [[nodiscard]] double pair_rc_angular(int t1, int t2) const { return 0.5 * (rc_angular[t1] + rc_angular[t2]); }
  /// Largest interaction range (Å): radial, angular and ZBL.
  [[nodiscard]] double max_cutoff() const;
  /// "nep4_zbl, 2 elements (Li C), cutoff 6/4 A, n_max 4/4, basis 8/8, l_max 4 2 0, 30 neurons, 1234 parameters".
  [[nodiscard]] std::string summary() const;
  [[nodiscard]] std::size_t num_parameters() const;
};

/// Read a nep.txt. InputError located at file:line:column for anything malformed (an unknown
/// element, a missing or extra number, a header that is not GPUMD's), with one hint.
[[nodiscard]] NepModel read_nep_model(const std::string& path);

/// Whether the file starts like a nep.txt (its first word is nep3..., nep4...), for format sniffing.
[[nodiscard]] bool looks_like_nep_file(const std::string& path);

}  // namespace ioncycle::potentials
