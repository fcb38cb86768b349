// SPDX-License-Identifier: MIT
//
// The angular part of the NEP descriptor (Fan et al., J. Chem. Phys. 157, 114801 (2022), Eqs.
// 5-9): for a centre atom i and each angular channel n,
//
//     s_{n,lm} = Σ_j g_n(r_ij) b_lm(r̂_ij)
//
// with b_lm the unnormalized real solid harmonics GPUMD uses,
//
//     b_l0 = Z_l0(z),   b_lm^re = Z_lm(z) Re (x + iy)^m,   b_lm^im = Z_lm(z) Im (x + iy)^m   (m = 1..l),
//
// where Z_lm is d^m P_l / dz^m (P_l the Legendre polynomial) scaled to coprime integer
// coefficients with a positive leading term (Z_20 = 3z² - 1, Z_21 = z, Z_22 = 1, ...). They are
// derived here from P_l rather than tabulated. Index order within l: m = 0, then (re, im) for m =
// 1..l; l = 1..l_max follow each other, so l starts at index l² - 1.
//
// The invariants built from s (one value per n):
//   three-body  q_nl = Σ_m w_lm s_{n,lm}²  with w chosen (addition theorem) so that
//               q_nl = (2l+1)/(4π) Σ_jk g_n(r_ij) g_n(r_ik) P_l(cos θ_jik);
//   four-body   q_222 and q_112, five-body q_1111: the cubic and quartic invariants of the NEP3
//               paper (Eqs. 8-9), with the coupling constants published with GPUMD for this basis.
// Each invariant comes with its gradient with respect to s, which the force kernel contracts with
// ∂s/∂r_ij.
#pragma once

#include <vector>

namespace ioncycle::potentials {

class NepAngularBasis {
 public:
  /// l = 1..l_max (at most 8).
  explicit NepAngularBasis(int l_max);

  [[nodiscard]] int l_max() const { return l_max_; }
  /// Number of (l, m, part) components: l_max (l_max + 2).
  [[nodiscard]] int size() const { return size_; }
  /// First index of degree l.
  [[nodiscard]] static int first(int l) { return l * l - 1; }

  /// b_lm at the unit vector u (size() values into b). With `gradient` non-null, also the
  /// gradient of each polynomial b_lm(x, y, z) with respect to (x, y, z) as if they were
  /// independent (3 values per component, in component order); the caller projects out the
  /// radial direction.
  void evaluate(const double u[3], double* b, double* gradient) const;

  /// Three-body invariants of one channel: q[l-1] for l = 1..l_max, from s (size() values).
  void three_body(const double* s, double* q) const;
  /// Add Σ_l dE/dq_l · ∂q_l/∂s to ds.
  void three_body_gradient(const double* s, const double* dE_dq, double* ds) const;

  /// Four-body invariant of l = 2 (needs l_max >= 2) and its gradient (added, scaled by dE_dq).
  [[nodiscard]] static double q222(const double* s);
  static void q222_gradient(const double* s, double dE_dq, double* ds);
  /// Five-body invariant of l = 1.
  [[nodiscard]] static double q1111(const double* s);
  static void q1111_gradient(const double* s, double dE_dq, double* ds);
  /// Four-body invariant of l = 1, 1, 2.
  [[nodiscard]] static double q112(const double* s);
  static void q112_gradient(const double* s, double dE_dq, double* ds);

 private:
  struct Component {
    int l = 0;
    int m = 0;
    int part = 0;                  ///< 0: m = 0; 1: Re; 2: Im
    std::vector<double> z_coeff;  ///< Z_lm(z) = Σ_k z_coeff[k] z^k
    double weight = 0.0;          ///< w_lm of the three-body sum (doubled for m > 0)
  };
  int l_max_ = 0;
  int size_ = 0;
  std::vector<Component> components_;
};

}  // namespace ioncycle::potentials
