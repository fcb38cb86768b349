// SPDX-License-Identifier: MIT
#include "potentials/nep_potential.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>

#include "core/content_hash.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"

namespace ioncycle::potentials {

namespace {

using core::Mat3;
using core::Vec3;
using Clock = std::chrono::steady_clock;

// Below this many atoms the loops run on one thread (waking a team costs more than the work).
constexpr std::size_t kMinAtomsForThreads = 64;

// ZBL (Ziegler, Biersack, Littmark 1985): k_e = e²/(4πε0) in eV·Å, the universal screening
// function φ(x) = Σ a_k exp(-b_k x), and 1/a_0 with a = a_0 / (Z_i^0.23 + Z_j^0.23) as GPUMD
// writes it (1/0.46848 Å, rounded to 2.134563), so that models trained there agree here.
constexpr double kCoulomb = 14.399645;
constexpr double kZblPhi[8] = {0.18175, 3.1998, 0.50986, 0.94229, 0.28022, 0.4029, 0.02817, 0.20162};
constexpr double kZblInverseLength = 2.134563;

/// f_k(r) = ½ (T_k(x) + 1) f_c(r), k = 0..K, and d f_k / dr when `dfk` is non-null.
void chebyshev(double r, double rc, int K, double* fk, double* dfk) {
  const double pi = std::numbers::pi;
  const double t = r / rc;
  const double fc = 0.5 * std::cos(pi * t) + 0.5;
  const double dfc = -0.5 * pi / rc * std::sin(pi * t);
  const double x = 2.0 * (t - 1.0) * (t - 1.0) - 1.0;
  const double dx = 4.0 * (t - 1.0) / rc;
  double T0 = 1.0, T1 = x;    // T_{k-2}, T_{k-1}
  double D0 = 0.0, D1 = 1.0;  // their derivatives in x
  fk[0] = fc;
  if (dfk != nullptr) dfk[0] = dfc;
  if (K >= 1) {
    fk[1] = 0.5 * (x + 1.0) * fc;
    if (dfk != nullptr) dfk[1] = 0.5 * dx * fc + 0.5 * (x + 1.0) * dfc;
  }
  for (int k = 2; k <= K; ++k) {
    const double T2 = 2.0 * x * T1 - T0;
    const double D2 = 2.0 * T1 + 2.0 * x * D1 - D0;
    fk[k] = 0.5 * (T2 + 1.0) * fc;
    if (dfk != nullptr) dfk[k] = 0.5 * D2 * dx * fc + 0.5 * (T2 + 1.0) * dfc;
    T0 = T1;
    T1 = T2;
    D0 = D1;
    D1 = D2;
  }
}

template <class T>
void grow(std::vector<T>& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

}  // namespace

NepPotential::NepPotential(const std::string& path) : NepPotential(read_nep_model(path)) {}

NepPotential::NepPotential(NepModel model) : model_(std::move(model)), angular_(model_.l_max) {
  const int T = model_.num_types();
  cutoff_ = model_.max_cutoff();
  fingerprint_ = "nep sha256=" + core::sha256_file_hex(model_.path);
  std::vector<std::string> symbols;
  for (const int z : model_.elements) symbols.emplace_back(core::symbol(z));
  elements_ = ModelElements(std::move(symbols));

  // Coefficients regrouped per ordered type pair, [pair][n][k], so a pair reads one block.
  const auto regroup = [&](const std::vector<double>& file, int n_max, int K, std::vector<double>& out) {
    const std::size_t block = static_cast<std::size_t>((n_max + 1) * (K + 1));
    out.assign(block * static_cast<std::size_t>(T * T), 0.0);
    if (file.empty()) return;
    for (int n = 0; n <= n_max; ++n) {
      for (int k = 0; k <= K; ++k) {
        for (int t1 = 0; t1 < T; ++t1) {
          for (int t2 = 0; t2 < T; ++t2) {
            const auto from = static_cast<std::size_t>(((n * (K + 1) + k) * T + t1) * T + t2);
            const auto to = static_cast<std::size_t>(t1 * T + t2) * block + static_cast<std::size_t>(n * (K + 1) + k);
            out[to] = file[from];
          }
        }
      }
    }
  };
  regroup(model_.c_radial, model_.n_max_radial, model_.basis_radial, c_radial_pair_);
  regroup(model_.c_angular, model_.n_max_angular, model_.basis_angular, c_angular_pair_);

  rc_radial_pair_.resize(static_cast<std::size_t>(T * T));
  rc_angular_pair_.resize(static_cast<std::size_t>(T * T));
  zbl_pair_.resize(static_cast<std::size_t>(T * T));
  for (int t1 = 0; t1 < T; ++t1) {
    for (int t2 = 0; t2 < T; ++t2) {
      const auto p = static_cast<std::size_t>(t1 * T + t2);
      rc_radial_pair_[p] = model_.pair_rc_radial(t1, t2);
      rc_angular_pair_[p] = model_.pair_rc_angular(t1, t2);
      if (!model_.zbl) continue;
      const double z1 = model_.elements[static_cast<std::size_t>(t1)];
      const double z2 = model_.elements[static_cast<std::size_t>(t2)];
      ZblPair& zp = zbl_pair_[p];
      zp.zz = kCoulomb * z1 * z2;
      zp.a_inv = (std::pow(z1, 0.23) + std::pow(z2, 0.23)) * kZblInverseLength;
      if (model_.zbl_flexible) {
        const auto& row = model_.zbl_table[p];
        zp.rc_inner = row[0];
        zp.rc_outer = row[1];
        std::copy(row.begin() + 2, row.end(), zp.phi);
      } else {
        zp.rc_inner = model_.zbl_rc_inner;
        zp.rc_outer = model_.zbl_rc_outer;
        std::copy(std::begin(kZblPhi), std::end(kZblPhi), zp.phi);
      }
    }
  }
}

bool NepPotential::supports(int z) const { return elements_.supports(z); }

std::string NepPotential::supported_species() const { return elements_.list(); }

std::string NepPotential::fingerprint() const { return fingerprint_; }

void NepPotential::collect_times(StageTimes& out) const {
  out.add("nep descriptors+network", seconds_atoms_);
  out.add("nep forces", seconds_forces_);
}

void NepPotential::prepare(const core::System& system, const core::NeighborList& neighbors) {
  const std::size_t n = system.num_atoms();
  IONCYCLE_ASSERT(neighbors.kind() == core::NeighborKind::full, "NEP needs a full neighbor list");
  IONCYCLE_ASSERT(neighbors.num_atoms() == n, "neighbor list built for another system");
  IONCYCLE_ASSERT(neighbors.options().cutoff >= cutoff_ * (1.0 - 1e-12), "neighbor list shorter than the NEP cutoff");
  types_.resize(n);
  const auto z = system.atomic_numbers();
  for (std::size_t i = 0; i < n; ++i) types_[i] = elements_.require(z[i], "NEP", model_.path);
  neighbors.cartesian_shifts(system.cell(), shifts_);
  atom_energy_.resize(n);
  const auto threads = static_cast<std::size_t>(std::max(1, omp_get_max_threads()));
  if (scratch_.size() < threads) scratch_.resize(threads);
}

void NepPotential::atom(std::size_t i, const core::System& system, const core::NeighborList& neighbors,
                        bool gradient, Scratch& sc) {
  const NepModel& m = model_;
  const int T = m.num_types();
  const int ti = types_[i];
  const int KR = m.basis_radial + 1;
  const int KA = m.basis_angular + 1;
  const int NR = m.n_max_radial + 1;
  const int NA = m.n_max_angular + 1;
  const int L = angular_.size();  // components per channel
  const bool angular_terms = m.l_max > 0;
  const auto positions = system.positions();
  const auto offsets = neighbors.offsets();
  const auto list = neighbors.neighbors();
  const auto shift_ids = neighbors.shift_ids();
  const std::size_t e0 = offsets[i];
  const std::size_t e1 = offsets[i + 1];
  const std::size_t count = e1 - e0;
  const std::size_t block_r = static_cast<std::size_t>(NR * KR);
  const std::size_t block_a = static_cast<std::size_t>(NA * KA);

  grow(sc.radial_entries, count);
  grow(sc.angular_entries, count);
  grow(sc.radial_geom, 4 * count);
  grow(sc.angular_geom, 4 * count);
  grow(sc.radial_fk_sum, static_cast<std::size_t>(T * KR));
  grow(sc.radial_dfk, count * static_cast<std::size_t>(KR));
  grow(sc.angular_g, count * static_cast<std::size_t>(NA));
  grow(sc.angular_dg, count * static_cast<std::size_t>(NA));
  grow(sc.blm, count * static_cast<std::size_t>(L));
  grow(sc.dblm, 3 * count * static_cast<std::size_t>(L));
  grow(sc.s, static_cast<std::size_t>(NA * L));
  grow(sc.ds, static_cast<std::size_t>(NA * L));
  grow(sc.q, static_cast<std::size_t>(m.dim));
  grow(sc.dq, static_cast<std::size_t>(m.dim));
  grow(sc.hidden, static_cast<std::size_t>(m.neurons));
  grow(sc.fk, static_cast<std::size_t>(std::max(KR, KA)));
  grow(sc.dfk, static_cast<std::size_t>(std::max(KR, KA)));
  grow(sc.contracted, static_cast<std::size_t>(L) + 1);
  grow(sc.contracted_d, static_cast<std::size_t>(L) + 1);
  if (m.zbl) grow(sc.zbl_de, count);
  if (gradient) {
    grow(sc.pair_force, 3 * count);
    grow(sc.radial_weights, static_cast<std::size_t>(T * KR));
  }

  // Pairs within the radial and the angular cutoff.
  const Vec3 xi = positions[i];
  std::size_t nr = 0;
  std::size_t na = 0;
  for (std::size_t e = e0; e < e1; ++e) {
    const auto j = static_cast<std::size_t>(list[e]);
    const Vec3 d = positions[j] - xi + shifts_[shift_ids[e]];
    const double r2 = d.squaredNorm();
    const auto p = static_cast<std::size_t>(ti * T + types_[j]);
    const double rcr = rc_radial_pair_[p];
    const double rca = rc_angular_pair_[p];
    if (r2 >= rcr * rcr && r2 >= rca * rca) continue;
    const double r = std::sqrt(r2);
    if (r2 < rcr * rcr) {
      sc.radial_entries[nr] = static_cast<std::uint32_t>(e);
      double* g = &sc.radial_geom[4 * nr];
      g[0] = r;
      g[1] = d.x() / r;
      g[2] = d.y() / r;
      g[3] = d.z() / r;
      ++nr;
    }
    if (r2 < rca * rca && (angular_terms || m.zbl)) {
      sc.angular_entries[na] = static_cast<std::uint32_t>(e);
      double* g = &sc.angular_geom[4 * na];
      g[0] = r;
      g[1] = d.x() / r;
      g[2] = d.y() / r;
      g[3] = d.z() / r;
      ++na;
    }
  }

  // Radial descriptor q_n = Σ_j g_n(r_ij) = Σ_t Σ_k c^{t_i t}_nk (Σ_{j of element t} f_k(r_ij)):
  // the basis functions are summed per neighbor element and contracted once.
  double* q = sc.q.data();
  std::fill(q, q + m.dim, 0.0);
  double* fk_sum = sc.radial_fk_sum.data();
  std::fill(fk_sum, fk_sum + T * KR, 0.0);
  for (std::size_t a = 0; a < nr; ++a) {
    const auto j = static_cast<std::size_t>(list[sc.radial_entries[a]]);
    const auto p = static_cast<std::size_t>(ti * T + types_[j]);
    double* fk = sc.fk.data();
    chebyshev(sc.radial_geom[4 * a], rc_radial_pair_[p], KR - 1, fk,
              gradient ? &sc.radial_dfk[a * static_cast<std::size_t>(KR)] : nullptr);
    double* sum = fk_sum + types_[j] * KR;
    for (int k = 0; k < KR; ++k) sum[k] += fk[k];
  }
  for (int tj = 0; tj < T; ++tj) {
    const double* c = &c_radial_pair_[static_cast<std::size_t>(ti * T + tj) * block_r];
    const double* sum = fk_sum + tj * KR;
    for (int nn = 0; nn < NR; ++nn) {
      for (int k = 0; k < KR; ++k) q[nn] += c[nn * KR + k] * sum[k];
    }
  }

  // Angular sums s_{n,lm} = Σ_j g_n(r_ij) b_lm(r̂_ij).
  double* s = sc.s.data();
  if (angular_terms) {
    std::fill(s, s + NA * L, 0.0);
    for (std::size_t a = 0; a < na; ++a) {
      const auto j = static_cast<std::size_t>(list[sc.angular_entries[a]]);
      const auto p = static_cast<std::size_t>(ti * T + types_[j]);
      const double* geom = &sc.angular_geom[4 * a];
      chebyshev(geom[0], rc_angular_pair_[p], KA - 1, sc.fk.data(), gradient ? sc.dfk.data() : nullptr);
      const double* c = &c_angular_pair_[p * block_a];
      double* g = &sc.angular_g[a * static_cast<std::size_t>(NA)];
      double* dg = &sc.angular_dg[a * static_cast<std::size_t>(NA)];
      for (int nn = 0; nn < NA; ++nn) {
        double v = 0.0;
        double dv = 0.0;
        for (int k = 0; k < KA; ++k) {
          v += c[nn * KA + k] * sc.fk[static_cast<std::size_t>(k)];
          if (gradient) dv += c[nn * KA + k] * sc.dfk[static_cast<std::size_t>(k)];
        }
        g[nn] = v;
        dg[nn] = dv;
      }
      double* b = &sc.blm[a * static_cast<std::size_t>(L)];
      angular_.evaluate(geom + 1, b, gradient ? &sc.dblm[3 * a * static_cast<std::size_t>(L)] : nullptr);
      for (int nn = 0; nn < NA; ++nn) {
        double* sn = s + nn * L;
        const double gn = g[nn];
        for (int cidx = 0; cidx < L; ++cidx) sn[cidx] += gn * b[cidx];
      }
    }
    // Invariants, in GPUMD's order: three-body (l-major, n-minor), then q_222, q_1111, q_112.
    double q3[8];
    const int base3 = NR;
    int base = NR + m.l_max * NA;
    for (int nn = 0; nn < NA; ++nn) {
      angular_.three_body(s + nn * L, q3);
      for (int l = 1; l <= m.l_max; ++l) q[base3 + (l - 1) * NA + nn] = q3[l - 1];
    }
    if (m.q4) {
      for (int nn = 0; nn < NA; ++nn) q[base + nn] = NepAngularBasis::q222(s + nn * L);
      base += NA;
    }
    if (m.q5) {
      for (int nn = 0; nn < NA; ++nn) q[base + nn] = NepAngularBasis::q1111(s + nn * L);
      base += NA;
    }
    if (m.q112) {
      for (int nn = 0; nn < NA; ++nn) q[base + nn] = NepAngularBasis::q112(s + nn * L);
    }
  }

  // The network of this element: E = Σ_μ w1_μ tanh(Σ_ν w0_μν q_ν σ_ν - b0_μ) - b1.
  const NepModel::Network& net = m.networks[m.per_type_ann ? static_cast<std::size_t>(ti) : 0];
  const double* scaler = m.q_scaler.data();
  for (int v = 0; v < m.dim; ++v) q[v] *= scaler[v];
  double energy = -m.b1;
  double* h = sc.hidden.data();
  for (int mu = 0; mu < m.neurons; ++mu) {
    const double* w = &net.w0[static_cast<std::size_t>(mu * m.dim)];
    double z = -net.b0[static_cast<std::size_t>(mu)];
    for (int v = 0; v < m.dim; ++v) z += w[v] * q[v];
    h[mu] = std::tanh(z);
    energy += net.w1[static_cast<std::size_t>(mu)] * h[mu];
  }

  // ZBL on the angular pairs, half of each pair's energy to each atom.
  const auto zbl_pair = [&](std::size_t a, double* de) {
    const auto j = static_cast<std::size_t>(list[sc.angular_entries[a]]);
    const ZblPair& z = zbl_pair_[static_cast<std::size_t>(ti * T + types_[j])];
    const double r = sc.angular_geom[4 * a];
    if (r >= z.rc_outer) {
      *de = 0.0;
      return 0.0;
    }
    const double x = r * z.a_inv;
    double phi = 0.0;
    double dphi = 0.0;
    for (int k = 0; k < 4; ++k) {
      const double ex = z.phi[2 * k] * std::exp(-z.phi[2 * k + 1] * x);
      phi += ex;
      dphi -= z.phi[2 * k + 1] * ex;
    }
    dphi *= z.a_inv;
    double fs = 1.0;
    double dfs = 0.0;
    if (r > z.rc_inner) {
      const double width = z.rc_outer - z.rc_inner;
      const double arg = std::numbers::pi * (r - z.rc_inner) / width;
      fs = 0.5 * std::cos(arg) + 0.5;
      dfs = -0.5 * std::numbers::pi / width * std::sin(arg);
    }
    const double e = z.zz * phi / r * fs;
    *de = 0.5 * z.zz * (dphi * fs + phi * dfs - phi * fs / r) / r;
    return 0.5 * e;
  };
  if (m.zbl) {
    for (std::size_t a = 0; a < na; ++a) energy += zbl_pair(a, &sc.zbl_de[a]);
  }
  atom_energy_[i] = energy;
  if (!gradient) return;

  // dE/dq (raw descriptor): σ_ν Σ_μ w1_μ (1 - h_μ²) w0_μν.
  double* dq = sc.dq.data();
  std::fill(dq, dq + m.dim, 0.0);
  for (int mu = 0; mu < m.neurons; ++mu) {
    const double a = net.w1[static_cast<std::size_t>(mu)] * (1.0 - h[mu] * h[mu]);
    const double* w = &net.w0[static_cast<std::size_t>(mu * m.dim)];
    for (int v = 0; v < m.dim; ++v) dq[v] += a * w[v];
  }
  for (int v = 0; v < m.dim; ++v) dq[v] *= scaler[v];

  // f_ij of this atom's entries, indexed from e0.
  double* force = sc.pair_force.data() - 3 * e0;
  std::fill(sc.pair_force.begin(), sc.pair_force.begin() + static_cast<std::ptrdiff_t>(3 * count), 0.0);

  // Radial pairs: ∂E_i/∂r_ij = Σ_n dE/dq_n g_n'(r) r̂ = Σ_k v_k f_k'(r) r̂ with
  // v_k = Σ_n dE/dq_n c_nk, contracted once per neighbor element instead of once per pair.
  double* v = sc.radial_weights.data();
  for (int tj = 0; tj < T; ++tj) {
    const double* c = &c_radial_pair_[static_cast<std::size_t>(ti * T + tj) * block_r];
    double* vt = v + tj * KR;
    for (int k = 0; k < KR; ++k) vt[k] = 0.0;
    for (int nn = 0; nn < NR; ++nn) {
      for (int k = 0; k < KR; ++k) vt[k] += dq[nn] * c[nn * KR + k];
    }
  }
  for (std::size_t a = 0; a < nr; ++a) {
    const std::size_t e = sc.radial_entries[a];
    const auto j = static_cast<std::size_t>(list[e]);
    const double* vt = v + types_[j] * KR;
    const double* dfk = &sc.radial_dfk[a * static_cast<std::size_t>(KR)];
    double de = 0.0;
    for (int k = 0; k < KR; ++k) de += vt[k] * dfk[k];
    const double* geom = &sc.radial_geom[4 * a];
    force[3 * e] += de * geom[1];
    force[3 * e + 1] += de * geom[2];
    force[3 * e + 2] += de * geom[3];
  }

  // Angular pairs: with D_{n,lm} = ∂E/∂s_{n,lm},
  //   ∂E_i/∂r_ij = Σ_n [g_n' (Σ_lm D b) r̂ + g_n/r (1 - r̂r̂ᵀ) Σ_lm D ∇b].
  if (angular_terms) {
    double* ds = sc.ds.data();
    std::fill(ds, ds + NA * L, 0.0);
    double d3[8];
    int base = NR + m.l_max * NA;
    for (int nn = 0; nn < NA; ++nn) {
      for (int l = 1; l <= m.l_max; ++l) d3[l - 1] = dq[NR + (l - 1) * NA + nn];
      angular_.three_body_gradient(s + nn * L, d3, ds + nn * L);
    }
    if (m.q4) {
      for (int nn = 0; nn < NA; ++nn) NepAngularBasis::q222_gradient(s + nn * L, dq[base + nn], ds + nn * L);
      base += NA;
    }
    if (m.q5) {
      for (int nn = 0; nn < NA; ++nn) NepAngularBasis::q1111_gradient(s + nn * L, dq[base + nn], ds + nn * L);
      base += NA;
    }
    if (m.q112) {
      for (int nn = 0; nn < NA; ++nn) NepAngularBasis::q112_gradient(s + nn * L, dq[base + nn], ds + nn * L);
    }
    double* B = sc.contracted.data();
    double* Bd = sc.contracted_d.data();
    for (std::size_t a = 0; a < na; ++a) {
      const double* g = &sc.angular_g[a * static_cast<std::size_t>(NA)];
      const double* dg = &sc.angular_dg[a * static_cast<std::size_t>(NA)];
      std::fill(B, B + L, 0.0);
      std::fill(Bd, Bd + L, 0.0);
      for (int nn = 0; nn < NA; ++nn) {
        const double* dsn = ds + nn * L;
        const double gn = g[nn];
        const double dgn = dg[nn];
        for (int cidx = 0; cidx < L; ++cidx) {
          B[cidx] += gn * dsn[cidx];
          Bd[cidx] += dgn * dsn[cidx];
        }
      }
      const double* b = &sc.blm[a * static_cast<std::size_t>(L)];
      const double* db = &sc.dblm[3 * a * static_cast<std::size_t>(L)];
      double A = 0.0, Gx = 0.0, Gy = 0.0, Gz = 0.0;
      for (int cidx = 0; cidx < L; ++cidx) {
        A += Bd[cidx] * b[cidx];
        Gx += B[cidx] * db[3 * cidx];
        Gy += B[cidx] * db[3 * cidx + 1];
        Gz += B[cidx] * db[3 * cidx + 2];
      }
      const double* geom = &sc.angular_geom[4 * a];
      const double r = geom[0];
      const double ux = geom[1], uy = geom[2], uz = geom[3];
      const double ug = ux * Gx + uy * Gy + uz * Gz;
      const std::size_t e = sc.angular_entries[a];
      force[3 * e] += A * ux + (Gx - ug * ux) / r;
      force[3 * e + 1] += A * uy + (Gy - ug * uy) / r;
      force[3 * e + 2] += A * uz + (Gz - ug * uz) / r;
    }
  }
  if (m.zbl) {
    for (std::size_t a = 0; a < na; ++a) {
      const double de = sc.zbl_de[a];
      const double* geom = &sc.angular_geom[4 * a];
      const std::size_t e = sc.angular_entries[a];
      force[3 * e] += de * geom[1];
      force[3 * e + 1] += de * geom[2];
      force[3 * e + 2] += de * geom[3];
    }
  }

  // F_i += f_ij, F_j -= f_ij (into this thread's buffer); W_i = -Σ_j f_ij ⊗ r_ij over this atom's
  // entries (pairs outside every cutoff have f = 0).
  double* w = &atom_virial_[9 * i];
  std::fill(w, w + 9, 0.0);
  double* out = sc.forces.data();
  double fi[3] = {0.0, 0.0, 0.0};
  for (std::size_t e = e0; e < e1; ++e) {
    const double* f = &force[3 * e];
    if (f[0] == 0.0 && f[1] == 0.0 && f[2] == 0.0) continue;
    const auto j = static_cast<std::size_t>(list[e]);
    const Vec3 d = positions[j] - xi + shifts_[shift_ids[e]];
    for (int x = 0; x < 3; ++x) {
      fi[x] += f[x];
      out[3 * j + static_cast<std::size_t>(x)] -= f[x];
      for (int y = 0; y < 3; ++y) w[3 * x + y] -= f[x] * d[y];
    }
  }
  for (int x = 0; x < 3; ++x) out[3 * i + static_cast<std::size_t>(x)] += fi[x];
}

void NepPotential::atoms(const core::System& system, const core::NeighborList& neighbors, bool gradient) {
  const std::size_t n = system.num_atoms();
  if (gradient) atom_virial_.resize(9 * n);
  used_threads_ = 1;
#pragma omp parallel if (n >= kMinAtomsForThreads)
  {
    Scratch& sc = scratch_[static_cast<std::size_t>(omp_get_thread_num())];
#pragma omp single
    used_threads_ = static_cast<std::size_t>(omp_get_num_threads());
    if (gradient) sc.forces.assign(3 * n, 0.0);
    // Static chunks: the atoms each thread owns, and so each force buffer's sum, depend only on
    // the thread count (bitwise reproducible runs need the same count, as for D3).
#pragma omp for schedule(static, 32)
    for (std::size_t i = 0; i < n; ++i) atom(i, system, neighbors, gradient, sc);
  }
}

double NepPotential::energy(const core::System& system, const core::NeighborList& neighbors) {
  const auto start = Clock::now();
  prepare(system, neighbors);
  atoms(system, neighbors, false);
  double e = 0.0;
  for (double ei : atom_energy_) e += ei;
  seconds_atoms_ += std::chrono::duration<double>(Clock::now() - start).count();
  return e;
}

void NepPotential::compute(const core::System& system, const core::NeighborList& neighbors,
                           const ForceRequest& request, ForceResult& result) {
  const auto start = Clock::now();
  const std::size_t n = system.num_atoms();
  prepare(system, neighbors);
  const bool gradient = request.forces || request.virial;
  atoms(system, neighbors, gradient);
  const auto forces_start = Clock::now();
  seconds_atoms_ += std::chrono::duration<double>(forces_start - start).count();

  // Totals in atom order: the same sum for any number of threads.
  double energy = 0.0;
  for (std::size_t i = 0; i < n; ++i) energy += atom_energy_[i];
  result.energy = energy;
  if (request.per_atom_energy) result.per_atom_energy.assign(atom_energy_.begin(), atom_energy_.begin() + static_cast<std::ptrdiff_t>(n));
  result.virial.setZero();
  if (request.virial) {
    for (std::size_t i = 0; i < n; ++i) {
      for (int x = 0; x < 3; ++x) {
        for (int y = 0; y < 3; ++y) result.virial(x, y) += atom_virial_[9 * i + static_cast<std::size_t>(3 * x + y)];
      }
    }
  }
  if (request.forces) {
    // The threads' buffers summed in thread order: the same bits for the same thread count.
    result.forces.resize(n);
    const std::size_t threads = used_threads_;
#pragma omp parallel for schedule(static) if (n >= kMinAtomsForThreads)
    for (std::size_t i = 0; i < n; ++i) {
      Vec3 f = Vec3::Zero();
      for (std::size_t t = 0; t < threads; ++t) {
        const double* b = &scratch_[t].forces[3 * i];
        f += Vec3(b[0], b[1], b[2]);
      }
      result.forces[i] = f;
    }
  }
  seconds_forces_ += std::chrono::duration<double>(Clock::now() - forces_start).count();
}

}  // namespace ioncycle::potentials
