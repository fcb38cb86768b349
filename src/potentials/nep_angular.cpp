// SPDX-License-Identifier: MIT
#include "potentials/nep_angular.hpp"

#include <cmath>
#include <numbers>
#include <numeric>
#include <stdexcept>

namespace ioncycle::potentials {

namespace {

// Coupling constants of the four- and five-body invariants in GPUMD's basis b_lm (Fan et al., J.
// Chem. Phys. 157, 114801 (2022); the values GPUMD and its NEP file format use, so that a model
// trained there gives the same descriptor here). q_222: Wigner-3j coupling of three l = 2
// vectors; q_1111: (Σ_m |s_1m|²)² split by m; q_112: two l = 1 with one l = 2.
constexpr double kC4B[5] = {-0.007499480826664, -0.134990654879954, 0.067495327439977, 0.404971964639861,
                            -0.809943929279723};
constexpr double kC5B[3] = {0.026596810706114, 0.053193621412227, 0.026596810706114};
constexpr double kC112[5] = {0.027493550848847, 0.164961305093080, -0.013746775424423, 0.041240326273270,
                             0.082480652546540};

// Component indices within s for l = 1 and l = 2.
constexpr int k10 = 0, k11r = 1, k11i = 2, k20 = 3, k21r = 4, k21i = 5, k22r = 6, k22i = 7;

/// Coefficients (in z^k, k = 0..l) of 2^l P_l(z), exact integers:
/// 2^l P_l(z) = Σ_k (-1)^k C(l,k) C(2l-2k, l) z^(l-2k).
std::vector<long double> legendre_times_2l(int l) {
  auto binomial = [](int n, int k) {
    long double b = 1.0L;
    for (int i = 1; i <= k; ++i) b = b * static_cast<long double>(n - k + i) / static_cast<long double>(i);
    return std::round(b);
  };
  std::vector<long double> p(static_cast<std::size_t>(l) + 1, 0.0L);
  for (int k = 0; 2 * k <= l; ++k) {
    p[static_cast<std::size_t>(l - 2 * k)] = (k % 2 == 0 ? 1.0L : -1.0L) * binomial(l, k) * binomial(2 * l - 2 * k, l);
  }
  return p;
}

}  // namespace

NepAngularBasis::NepAngularBasis(int l_max) : l_max_(l_max), size_(l_max * (l_max + 2)) {
  if (l_max < 0 || l_max > 8) throw std::invalid_argument("NEP angular basis: l_max must be 0..8");
  for (int l = 1; l <= l_max; ++l) {
    std::vector<long double> p = legendre_times_2l(l);
    for (int m = 0; m <= l; ++m) {
      // p holds d^m (2^l P_l)/dz^m; Z_lm = p / g with g the gcd of its coefficients, so
      // Z_lm = λ d^m P_l with λ = 2^l / g.
      long long g = 0;
      for (long double c : p) g = std::gcd(g, static_cast<long long>(std::llround(std::fabs(c))));
      std::vector<double> z(p.size());
      for (std::size_t k = 0; k < p.size(); ++k) z[k] = static_cast<double>(p[k] / static_cast<long double>(g));
      // Addition theorem: P_l(u·v) = 4π/(2l+1) Σ_m Y_lm(u) Y_lm(v)*, with
      // Y_lm = N_lm d^mP_l(z) (x+iy)^m, N_lm² = (2l+1)/(4π) (l-m)!/(l+m)!. Hence
      // (2l+1)/(4π) Σ_jk g_j g_k P_l = Σ_m N_lm²/λ² |S_lm|², counting ±m once each for m > 0
      // (the factor 2 in `weight`).
      long double ratio = 1.0L;  // (l-m)!/(l+m)!
      for (int k = l - m + 1; k <= l + m; ++k) ratio /= static_cast<long double>(k);
      const long double lambda = std::ldexp(1.0L, l) / static_cast<long double>(g);
      const double w = static_cast<double>((2.0L * l + 1.0L) / (4.0L * std::numbers::pi_v<long double>) * ratio /
                                           (lambda * lambda));
      if (m == 0) {
        components_.push_back({l, 0, 0, z, w});
      } else {
        components_.push_back({l, m, 1, z, 2.0 * w});
        components_.push_back({l, m, 2, z, 2.0 * w});
      }
      // Next derivative.
      std::vector<long double> d(p.size() > 1 ? p.size() - 1 : 1, 0.0L);
      for (std::size_t k = 1; k < p.size(); ++k) d[k - 1] = p[k] * static_cast<long double>(k);
      p = std::move(d);
    }
  }
}

void NepAngularBasis::evaluate(const double u[3], double* b, double* gradient) const {
  // Powers of z and of (x + iy), m = 0..l_max.
  double zp[9];
  double re[9];
  double im[9];
  zp[0] = 1.0;
  re[0] = 1.0;
  im[0] = 0.0;
  for (int k = 1; k <= l_max_; ++k) {
    zp[k] = zp[k - 1] * u[2];
    re[k] = u[0] * re[k - 1] - u[1] * im[k - 1];
    im[k] = u[0] * im[k - 1] + u[1] * re[k - 1];
  }
  for (std::size_t c = 0; c < components_.size(); ++c) {
    const Component& comp = components_[c];
    double z = 0.0;
    double dz = 0.0;
    const std::size_t degree = comp.z_coeff.size();
    for (std::size_t k = 0; k < degree; ++k) {
      const double a = comp.z_coeff[k];
      if (a == 0.0) continue;
      z += a * zp[k];
      if (k > 0) dz += a * static_cast<double>(k) * zp[k - 1];
    }
    const int m = comp.m;
    if (comp.part == 0) {
      b[c] = z;
      if (gradient != nullptr) {
        gradient[3 * c] = 0.0;
        gradient[3 * c + 1] = 0.0;
        gradient[3 * c + 2] = dz;
      }
    } else if (comp.part == 1) {
      b[c] = z * re[m];
      if (gradient != nullptr) {
        // ∂/∂x (x+iy)^m = m (x+iy)^(m-1), ∂/∂y = i m (x+iy)^(m-1).
        gradient[3 * c] = z * m * re[m - 1];
        gradient[3 * c + 1] = -z * m * im[m - 1];
        gradient[3 * c + 2] = dz * re[m];
      }
    } else {
      b[c] = z * im[m];
      if (gradient != nullptr) {
        gradient[3 * c] = z * m * im[m - 1];
        gradient[3 * c + 1] = z * m * re[m - 1];
        gradient[3 * c + 2] = dz * im[m];
      }
    }
  }
}

void NepAngularBasis::three_body(const double* s, double* q) const {
  for (int l = 1; l <= l_max_; ++l) q[l - 1] = 0.0;
  for (std::size_t c = 0; c < components_.size(); ++c) {
    q[components_[c].l - 1] += components_[c].weight * s[c] * s[c];
  }
}

void NepAngularBasis::three_body_gradient(const double* s, const double* dE_dq, double* ds) const {
  for (std::size_t c = 0; c < components_.size(); ++c) {
    ds[c] += 2.0 * components_[c].weight * s[c] * dE_dq[components_[c].l - 1];
  }
}

double NepAngularBasis::q222(const double* s) {
  const double a20 = s[k20], a1r = s[k21r], a1i = s[k21i], a2r = s[k22r], a2i = s[k22i];
  return kC4B[0] * a20 * a20 * a20 + kC4B[1] * a20 * (a1r * a1r + a1i * a1i) + kC4B[2] * a20 * (a2r * a2r + a2i * a2i) +
         kC4B[3] * a2r * (a1i * a1i - a1r * a1r) + kC4B[4] * a1r * a1i * a2i;
}

void NepAngularBasis::q222_gradient(const double* s, double dE_dq, double* ds) {
  const double a20 = s[k20], a1r = s[k21r], a1i = s[k21i], a2r = s[k22r], a2i = s[k22i];
  ds[k20] += dE_dq * (3.0 * kC4B[0] * a20 * a20 + kC4B[1] * (a1r * a1r + a1i * a1i) + kC4B[2] * (a2r * a2r + a2i * a2i));
  ds[k21r] += dE_dq * (2.0 * kC4B[1] * a20 * a1r - 2.0 * kC4B[3] * a2r * a1r + kC4B[4] * a1i * a2i);
  ds[k21i] += dE_dq * (2.0 * kC4B[1] * a20 * a1i + 2.0 * kC4B[3] * a2r * a1i + kC4B[4] * a1r * a2i);
  ds[k22r] += dE_dq * (2.0 * kC4B[2] * a20 * a2r + kC4B[3] * (a1i * a1i - a1r * a1r));
  ds[k22i] += dE_dq * (2.0 * kC4B[2] * a20 * a2i + kC4B[4] * a1r * a1i);
}

double NepAngularBasis::q1111(const double* s) {
  const double s0 = s[k10] * s[k10];
  const double s1 = s[k11r] * s[k11r] + s[k11i] * s[k11i];
  return kC5B[0] * s0 * s0 + kC5B[1] * s0 * s1 + kC5B[2] * s1 * s1;
}

void NepAngularBasis::q1111_gradient(const double* s, double dE_dq, double* ds) {
  const double s0 = s[k10] * s[k10];
  const double s1 = s[k11r] * s[k11r] + s[k11i] * s[k11i];
  ds[k10] += dE_dq * (4.0 * kC5B[0] * s0 + 2.0 * kC5B[1] * s1) * s[k10];
  const double d1 = dE_dq * (kC5B[1] * s0 + 2.0 * kC5B[2] * s1) * 2.0;
  ds[k11r] += d1 * s[k11r];
  ds[k11i] += d1 * s[k11i];
}

double NepAngularBasis::q112(const double* s) {
  const double a10 = s[k10], a1r = s[k11r], a1i = s[k11i];
  return kC112[0] * a10 * a10 * s[k20] + kC112[1] * a10 * (a1r * s[k21r] + a1i * s[k21i]) +
         kC112[2] * s[k20] * (a1r * a1r + a1i * a1i) + kC112[3] * s[k22r] * (a1r * a1r - a1i * a1i) +
         kC112[4] * a1r * a1i * s[k22i];
}

void NepAngularBasis::q112_gradient(const double* s, double dE_dq, double* ds) {
  const double a10 = s[k10], a1r = s[k11r], a1i = s[k11i];
  ds[k10] += dE_dq * (2.0 * kC112[0] * a10 * s[k20] + kC112[1] * (a1r * s[k21r] + a1i * s[k21i]));
  ds[k11r] += dE_dq * (kC112[1] * a10 * s[k21r] + 2.0 * kC112[2] * s[k20] * a1r + 2.0 * kC112[3] * s[k22r] * a1r +
                       kC112[4] * a1i * s[k22i]);
  ds[k11i] += dE_dq * (kC112[1] * a10 * s[k21i] + 2.0 * kC112[2] * s[k20] * a1i - 2.0 * kC112[3] * s[k22r] * a1i +
                       kC112[4] * a1r * s[k22i]);
  ds[k20] += dE_dq * (kC112[0] * a10 * a10 + kC112[2] * (a1r * a1r + a1i * a1i));
  ds[k21r] += dE_dq * kC112[1] * a10 * a1r;
  ds[k21i] += dE_dq * kC112[1] * a10 * a1i;
  ds[k22r] += dE_dq * kC112[3] * (a1r * a1r - a1i * a1i);
  ds[k22i] += dE_dq * kC112[4] * a1r * a1i;
}

}  // namespace ioncycle::potentials
