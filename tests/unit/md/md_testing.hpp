// SPDX-License-Identifier: MIT
//
// Helpers for the md tests: small analytic potentials written here so the integrator tests do
// not depend on other potentials (a brute-force Lennard-Jones with minimum images, harmonic
// springs to lattice sites, and no interaction at all for the ideal gas), an fcc argon crystal,
// LiC6 (for the NVE runs of the machine-learned potentials), the flipped-velocity retrace,
// Maxwell–Boltzmann velocities, and the statistics the stochastic tests need (block averages,
// the Kolmogorov–Smirnov statistic, Gamma distribution functions).
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.hpp"
#include "core/system.hpp"
#include "core/units.hpp"
#include "md/force_evaluator.hpp"
#include "md/velocities.hpp"
#include "md/velocity_verlet.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::md::testing {

/// How far velocity Verlet got and how exactly it came back: `steps` steps of `dt` fs from
/// Maxwell–Boltzmann velocities at `temperature` K (seed 7), velocities flipped, `steps` more.
struct Retrace {
  double moved = 0.0;           ///< largest displacement after the first half, Å
  double position_error = 0.0;  ///< largest |x - x0| at the end, Å
  double velocity_error = 0.0;  ///< largest |v + v0| at the end, Å/fs
};
inline Retrace retrace(potentials::Potential& potential, core::System sys, double temperature, double dt, int steps) {
  core::Rng rng(7);
  md::assign_maxwell_boltzmann(sys, temperature, rng);
  const std::vector<core::Vec3> x0(sys.positions().begin(), sys.positions().end());
  const std::vector<core::Vec3> v0(sys.velocities().begin(), sys.velocities().end());
  md::ForceEvaluator forces(potential, 1.0);
  md::VelocityVerlet vv(dt);
  vv.setup(sys, forces);
  for (int k = 0; k < steps; ++k) vv.step(sys, forces);
  Retrace out;
  for (std::size_t i = 0; i < x0.size(); ++i) out.moved = std::max(out.moved, (sys.positions()[i] - x0[i]).norm());
  for (auto& v : sys.velocities()) v = -v;
  for (int k = 0; k < steps; ++k) vv.step(sys, forces);
  for (std::size_t i = 0; i < x0.size(); ++i) {
    out.position_error = std::max(out.position_error, (sys.positions()[i] - x0[i]).norm());
    out.velocity_error = std::max(out.velocity_error, (sys.velocities()[i] + v0[i]).norm());
  }
  return out;
}

// LiC6: P6/mmm, a = 2.46·√3 Å, c = 3.70 Å; Li at 1a, C at 6k (x = 1/3, z = 1/2).
inline core::System lic6(int na, int nb, int nc) {
  const double a = 2.46 * std::sqrt(3.0), c = 3.70;
  core::Mat3 h;
  h << a, 0.0, 0.0, -0.5 * a, 0.5 * std::sqrt(3.0) * a, 0.0, 0.0, 0.0, c;
  core::Mat3 big = h;
  big.row(0) *= na;
  big.row(1) *= nb;
  big.row(2) *= nc;
  core::System sys{core::Cell(big)};
  const double x = 1.0 / 3.0;
  const std::pair<int, core::Vec3> basis[] = {{3, {0, 0, 0}},       {6, {x, 0, 0.5}},  {6, {0, x, 0.5}},
                                              {6, {-x, -x, 0.5}},   {6, {-x, 0, 0.5}}, {6, {0, -x, 0.5}},
                                              {6, {x, x, 0.5}}};
  for (int i = 0; i < na; ++i)
    for (int j = 0; j < nb; ++j)
      for (int k = 0; k < nc; ++k)
        for (const auto& [z, f] : basis) {
          core::AtomSpec s;
          s.z = z;
          s.position = h.transpose() * (f + core::Vec3(i, j, k));
          sys.add_atom(s);
        }
  return sys;
}


/// How the Lennard-Jones pair energy is made to vanish at the cutoff.
enum class LjShift { none, energy, force };

/// 12-6 Lennard-Jones for one species, summed over all pairs with minimum images (the cutoff must
/// be below half the smallest cell height). Ignores the neighbor list: no dependence on its pair
/// order, so results are bit-reproducible. Virial W = Σ_pairs d_ij ⊗ F_j (LAMMPS sign).
class BruteForceLj final : public potentials::Potential {
 public:
  BruteForceLj(double epsilon, double sigma, double cutoff, LjShift shift)
      : epsilon_(epsilon), sigma_(sigma), cutoff_(cutoff), shift_(shift) {
    if (std::isfinite(cutoff_)) {
      double e = 0.0, f = 0.0;
      raw(cutoff_ * cutoff_, e, f);
      energy_cut_ = e;
      force_cut_ = f * cutoff_;  // -dU/dr at r_c
    }
  }
  [[nodiscard]] std::string name() const override { return "test-lj"; }
  [[nodiscard]] double cutoff() const override { return std::isfinite(cutoff_) ? cutoff_ : 1.0; }
  [[nodiscard]] bool supports(int) const override { return true; }
  [[nodiscard]] std::string supported_species() const override { return "any"; }

  /// Pair energy as compute() counts it.
  [[nodiscard]] double pair_energy(double r) const {
    if (r >= cutoff_) return 0.0;
    double e = 0.0, f = 0.0;
    raw(r * r, e, f);
    if (shift_ == LjShift::energy) e -= energy_cut_;
    if (shift_ == LjShift::force) e -= energy_cut_ - (r - cutoff_) * force_cut_;
    return e;
  }

  void compute(const core::System& system, const core::NeighborList&, const potentials::ForceRequest& request,
               potentials::ForceResult& result) override {
    const auto x = system.positions();
    const std::size_t n = x.size();
    result.energy = 0.0;
    result.forces.assign(n, core::Vec3::Zero());
    result.virial.setZero();
    if (request.per_atom_energy) result.per_atom_energy.assign(n, 0.0);
    const core::Mat3& h = system.cell().matrix();
    const auto& pbc = system.cell().pbc();
    const bool periodic = system.cell().any_periodic();
    const bool orthorhombic = periodic && h.isDiagonal(0.0);
    const core::Mat3 h_inv = periodic ? core::Mat3(h.inverse()) : core::Mat3::Zero();
    const core::Vec3 len = h.diagonal();
    const core::Vec3 inv_len = len.cwiseInverse();
    const double rc2 = cutoff_ * cutoff_;
    core::Mat3 w = core::Mat3::Zero();
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i + 1; j < n; ++j) {
        core::Vec3 d = x[j] - x[i];
        if (orthorhombic) {
          for (int a = 0; a < 3; ++a) {
            if (pbc[static_cast<std::size_t>(a)]) d[a] -= len[a] * round_to_integer(d[a] * inv_len[a]);
          }
        } else if (periodic) {
          core::Vec3 s = h_inv.transpose() * d;
          for (int a = 0; a < 3; ++a) {
            if (pbc[static_cast<std::size_t>(a)]) s[a] -= round_to_integer(s[a]);
          }
          d = h.transpose() * s;
        }
        const double r2 = d.squaredNorm();
        if (r2 >= rc2) continue;
        double e = 0.0, f_over_r = 0.0;
        raw(r2, e, f_over_r);
        if (shift_ != LjShift::none) e -= energy_cut_;
        if (shift_ == LjShift::force) {
          const double r = std::sqrt(r2);
          e += (r - cutoff_) * force_cut_;
          f_over_r -= force_cut_ / r;
        }
        result.energy += e;
        const core::Vec3 fj = f_over_r * d;  // force on j
        result.forces[j] += fj;
        result.forces[i] -= fj;
        w.noalias() += d * fj.transpose();
        if (request.per_atom_energy) {
          result.per_atom_energy[i] += 0.5 * e;
          result.per_atom_energy[j] += 0.5 * e;
        }
      }
    }
    result.virial = w;
  }

 private:
  // Nearest integer by truncation (plain SSE2, unlike std::nearbyint without -msse4.1).
  static double round_to_integer(double x) {
    return static_cast<double>(static_cast<long long>(x + (x >= 0.0 ? 0.5 : -0.5)));
  }
  // Unshifted energy and -(dU/dr)/r at r².
  void raw(double r2, double& e, double& f_over_r) const {
    const double r2inv = 1.0 / r2;
    const double s2 = sigma_ * sigma_ * r2inv;
    const double s6 = s2 * s2 * s2;
    e = 4.0 * epsilon_ * (s6 * s6 - s6);
    f_over_r = 24.0 * epsilon_ * (2.0 * s6 * s6 - s6) * r2inv;
  }
  double epsilon_, sigma_, cutoff_;
  LjShift shift_;
  double energy_cut_ = 0.0;
  double force_cut_ = 0.0;
};

/// Every atom tied to a fixed site by a spring: U = k/2 Σ |x_i - x0_i|² (an Einstein crystal).
/// Its virial is reported as zero (the sites do not follow a strain); not for pressure tests.
class HarmonicSites final : public potentials::Potential {
 public:
  HarmonicSites(std::vector<core::Vec3> sites, double k) : sites_(std::move(sites)), k_(k) {}
  [[nodiscard]] std::string name() const override { return "test-springs"; }
  [[nodiscard]] double cutoff() const override { return 1.0; }
  [[nodiscard]] bool supports(int) const override { return true; }
  [[nodiscard]] std::string supported_species() const override { return "any"; }
  void compute(const core::System& system, const core::NeighborList&, const potentials::ForceRequest&,
               potentials::ForceResult& result) override {
    const auto x = system.positions();
    result.energy = 0.0;
    result.forces.resize(x.size());
    result.virial.setZero();
    for (std::size_t i = 0; i < x.size(); ++i) {
      const core::Vec3 d = x[i] - sites_[i];
      result.energy += 0.5 * k_ * d.squaredNorm();
      result.forces[i] = -k_ * d;
    }
  }
  [[nodiscard]] double spring_constant() const { return k_; }

 private:
  std::vector<core::Vec3> sites_;
  double k_;
};

/// No interaction: an ideal gas.
class NoInteraction final : public potentials::Potential {
 public:
  [[nodiscard]] std::string name() const override { return "none"; }
  [[nodiscard]] double cutoff() const override { return 2.0; }
  [[nodiscard]] bool supports(int) const override { return true; }
  [[nodiscard]] std::string supported_species() const override { return "any"; }
  void compute(const core::System& system, const core::NeighborList&, const potentials::ForceRequest&,
               potentials::ForceResult& result) override {
    result.energy = 0.0;
    result.forces.assign(system.num_atoms(), core::Vec3::Zero());
    result.virial.setZero();
  }
};

// --- argon --------------------------------------------------------------------------------------
inline constexpr int argon = 18;
inline constexpr double argon_epsilon = 0.0104;  // eV
inline constexpr double argon_sigma = 3.4;       // Å

/// fcc crystal of `cells`³ conventional cells of edge `a` (4 atoms each), species z.
inline core::System fcc(int cells, double a, int z = argon) {
  const double l = a * cells;
  core::System system(core::Cell::orthorhombic(l, l, l));
  const core::Vec3 basis[4] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  for (int i = 0; i < cells; ++i) {
    for (int j = 0; j < cells; ++j) {
      for (int k = 0; k < cells; ++k) {
        for (const auto& b : basis) {
          core::AtomSpec atom;
          atom.z = z;
          atom.position = a * (core::Vec3(i, j, k) + b);
          system.add_atom(atom);
        }
      }
    }
  }
  return system;
}

/// Maxwell–Boltzmann velocities at `temperature` from a fixed RNG stream of `seed` (zero total
/// momentum, rescaled to exactly `temperature` with 3N - 3 degrees of freedom).
inline void maxwell_boltzmann(core::System& system, double temperature, std::uint64_t seed) {
  core::Rng rng(seed, 99);
  assign_maxwell_boltzmann(system, temperature, rng);
}

/// The argon crystal most integrator tests use: fcc 3x3x3 (108 atoms) at lattice constant
/// `lattice`, Maxwell–Boltzmann velocities at `temperature` from seed 5.
inline core::System argon_crystal(double temperature, double lattice = 5.26) {
  auto system = fcc(3, lattice);
  maxwell_boltzmann(system, temperature, 5);
  return system;
}

/// Argon LJ with a 7.5 Å cutoff, force-shifted so that energy is conserved to integration error.
inline BruteForceLj argon_lj() { return BruteForceLj(argon_epsilon, argon_sigma, 7.5, LjShift::force); }

// --- statistics ---------------------------------------------------------------------------------

inline double mean(const std::vector<double>& x) {
  return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}

/// Standard error of the mean from `num_blocks` block averages (Flyvbjerg & Petersen,
/// J. Chem. Phys. 91, 461 (1989)): honest for correlated time series when the blocks are longer
/// than the correlation time.
inline double block_standard_error(const std::vector<double>& x, std::size_t num_blocks = 20) {
  const std::size_t size = x.size() / num_blocks;
  std::vector<double> blocks;
  for (std::size_t b = 0; b < num_blocks; ++b) {
    double s = 0.0;
    for (std::size_t i = b * size; i < (b + 1) * size; ++i) s += x[i];
    blocks.push_back(s / static_cast<double>(size));
  }
  const double m = mean(blocks);
  double var = 0.0;
  for (const double b : blocks) var += (b - m) * (b - m);
  var /= static_cast<double>(num_blocks - 1);
  return std::sqrt(var / static_cast<double>(num_blocks));
}

/// Kolmogorov–Smirnov statistic sup |F_n - F| of `samples` against the CDF `cdf`.
inline double ks_statistic(std::vector<double> samples, const std::function<double(double)>& cdf) {
  std::sort(samples.begin(), samples.end());
  const auto n = static_cast<double>(samples.size());
  double d = 0.0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const double f = cdf(samples[i]);
    d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}

/// Critical KS distance at significance 0.001 for n samples (asymptotic, sqrt(-ln(α/2)/2)).
inline double ks_critical_001(std::size_t n) { return 1.9495 / std::sqrt(static_cast<double>(n)); }

/// CDF of Gamma(3/2, θ): the kinetic energy of one atom in 3D, θ = k_B T.
inline double gamma_three_halves_cdf(double x, double theta) {
  if (x <= 0.0) return 0.0;
  const double y = x / theta;
  return std::erf(std::sqrt(y)) - 2.0 * std::sqrt(y / M_PI) * std::exp(-y);
}

/// CDF of Gamma(k, θ) for integer k >= 1: 1 - e^{-y} Σ_{j<k} y^j / j!.
inline double gamma_integer_cdf(int k, double x, double theta) {
  if (x <= 0.0) return 0.0;
  const double y = x / theta;
  // Terms in log space to avoid overflow for large k.
  double sum = 0.0;
  double log_term = -y;  // j = 0
  for (int j = 0; j < k; ++j) {
    if (j > 0) log_term += std::log(y) - std::log(static_cast<double>(j));
    sum += std::exp(log_term);
  }
  return std::max(0.0, 1.0 - sum);
}

}  // namespace ioncycle::md::testing
