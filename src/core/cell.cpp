// SPDX-License-Identifier: MIT
#include "core/cell.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "core/error.hpp"

namespace ioncycle::core {

namespace {

// |det H| relative to the product of the lengths: 1 for an orthogonal cell, 0 for a flat one.
// Below this the cell is treated as singular (angles within ~1e-8 rad of degenerate).
constexpr double kMinNormalizedVolume = 1e-8;

bool all_finite(const Mat3& m) { return m.allFinite(); }

}  // namespace

Cell::Cell() : h_(Mat3::Zero()), h_inv_(Mat3::Zero()), pbc_{false, false, false} {}

Cell::Cell(const Mat3& rows, std::array<bool, 3> pbc) : h_(rows), h_inv_(Mat3::Zero()), pbc_(pbc) {
  if (!all_finite(h_)) throw InputError("cell matrix has non-finite entries");
  const double det = h_.determinant();
  const double scale = h_.row(0).norm() * h_.row(1).norm() * h_.row(2).norm();
  has_inverse_ = scale > 0.0 && std::abs(det) > kMinNormalizedVolume * scale;
  if (has_inverse_) h_inv_ = h_.inverse();
  if (any_periodic() && !has_inverse_) {
    throw InputError("the cell is singular (its lattice vectors are zero or linearly dependent) "
                     "but has periodic axes",
                     "give three independent lattice vectors, or make every axis non-periodic");
  }
}

Cell Cell::orthorhombic(double a, double b, double c) {
  Mat3 h = Mat3::Zero();
  h(0, 0) = a;
  h(1, 1) = b;
  h(2, 2) = c;
  return Cell(h);
}

Cell Cell::from_parameters(double a, double b, double c, double alpha_deg, double beta_deg,
                           double gamma_deg) {
  const double d2r = std::numbers::pi / 180.0;
  const double ca = std::cos(alpha_deg * d2r), cb = std::cos(beta_deg * d2r);
  const double cg = std::cos(gamma_deg * d2r), sg = std::sin(gamma_deg * d2r);
  Mat3 h = Mat3::Zero();
  h.row(0) << a, 0.0, 0.0;
  h.row(1) << b * cg, b * sg, 0.0;
  const double cx = c * cb;
  const double cy = c * (ca - cb * cg) / sg;
  const double cz2 = c * c - cx * cx - cy * cy;
  // cz2 carries a rounding error of a few ulp of c², so coplanar vectors (e.g. all angles 120°)
  // can leave cz2 ~ 1e-16 c², i.e. cz ~ 1e-8 c: a sheet of rounding noise, not a cell. Require
  // cz > 1e-6 c, far above the noise and far below any real cell.
  if (!(cz2 > 1e-12 * c * c)) {
    throw InputError("cell angles do not describe a valid cell (alpha = " + std::to_string(alpha_deg) +
                         ", beta = " + std::to_string(beta_deg) + ", gamma = " + std::to_string(gamma_deg) +
                         " degrees)",
                     "each angle must be smaller than the sum of the other two, and their sum below 360");
  }
  h.row(2) << cx, cy, std::sqrt(cz2);
  return Cell(h);
}

double Cell::volume() const { return has_inverse_ ? std::abs(h_.determinant()) : 0.0; }

Vec3 Cell::lengths() const { return {h_.row(0).norm(), h_.row(1).norm(), h_.row(2).norm()}; }

Vec3 Cell::angles() const {
  auto angle = [](const Vec3& u, const Vec3& v) {
    const double nu = u.norm(), nv = v.norm();
    if (nu == 0.0 || nv == 0.0) return 90.0;
    const double c = std::clamp(u.dot(v) / (nu * nv), -1.0, 1.0);
    return std::acos(c) * 180.0 / std::numbers::pi;
  };
  return {angle(vector(1), vector(2)), angle(vector(0), vector(2)), angle(vector(0), vector(1))};
}

Vec3 Cell::heights() const {
  if (!has_inverse_) return Vec3::Zero();
  // The spacing of planes normal to axis i is 1 / |column i of H⁻¹| (reciprocal vector length).
  return {1.0 / h_inv_.col(0).norm(), 1.0 / h_inv_.col(1).norm(), 1.0 / h_inv_.col(2).norm()};
}

Vec3 Cell::to_fractional(const Vec3& r) const {
  IONCYCLE_ASSERT(has_inverse_, "fractional coordinates need a non-singular cell");
  return (r.transpose() * h_inv_).transpose();
}

Vec3 Cell::to_cartesian(const Vec3& s) const { return (s.transpose() * h_).transpose(); }

Vec3 Cell::wrap(const Vec3& r) const {
  if (!any_periodic()) return r;
  Vec3 s = to_fractional(r);
  for (int i = 0; i < 3; ++i) {
    if (!pbc_[static_cast<std::size_t>(i)]) continue;
    s[i] -= std::floor(s[i]);
    if (s[i] >= 1.0) s[i] = 0.0;  // floor of a value just below an integer can round up to 1
  }
  // Non-periodic axes keep their original Cartesian component along their lattice direction:
  // rebuilding from s is exact for them because s was not modified.
  return to_cartesian(s);
}

Vec3 Cell::minimum_image(const Vec3& d) const {
  if (!any_periodic()) return d;
  // Step 1: reduce the fractional components on periodic axes to [-0.5, 0.5).
  Vec3 s = to_fractional(d);
  for (int i = 0; i < 3; ++i) {
    if (pbc_[static_cast<std::size_t>(i)]) s[i] -= std::floor(s[i] + 0.5);
  }
  const Vec3 d0 = to_cartesian(s);
  // Step 2: in a skewed cell the reduced vector need not be the shortest. Any shorter image
  // v = d0 + n·H has |v| <= |d0|, and its fractional component i is bounded by |v| / h_i, so
  // |n_i| <= |d0| / h_i + 0.5. Search that (small) box of translations exhaustively.
  const Vec3 h = heights();
  const double len = d0.norm();
  int nmax[3];
  for (int i = 0; i < 3; ++i) {
    nmax[i] = pbc_[static_cast<std::size_t>(i)] ? static_cast<int>(std::floor(len / h[i] + 0.5)) : 0;
  }
  if (nmax[0] == 0 && nmax[1] == 0 && nmax[2] == 0) return d0;
  Vec3 best = d0;
  double best2 = d0.squaredNorm();
  for (int i = -nmax[0]; i <= nmax[0]; ++i) {
    for (int j = -nmax[1]; j <= nmax[1]; ++j) {
      for (int k = -nmax[2]; k <= nmax[2]; ++k) {
        const Vec3 v = d0 + i * vector(0) + j * vector(1) + k * vector(2);
        const double v2 = v.squaredNorm();
        if (v2 < best2) {
          best2 = v2;
          best = v;
        }
      }
    }
  }
  return best;
}

}  // namespace ioncycle::core
