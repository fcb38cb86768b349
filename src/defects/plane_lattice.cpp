// SPDX-License-Identifier: MIT
#include "defects/plane_lattice.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"

namespace ioncycle::defects {

namespace {

Eigen::Matrix2d to_matrix(const IntMatrix2& s) {
  Eigen::Matrix2d m;
  m << s[0][0], s[0][1], s[1][0], s[1][1];
  return m;
}

// Fractions within this of an integer count as that integer: sites exactly on a supercell edge
// belong to the lower edge, whatever rounding did to them.
constexpr double kEdgeTolerance = 1e-9;

}  // namespace

Vec2 site_class_offset(int site_class) {
  switch (site_class) {
    case 0: return Vec2(0.0, 0.0);
    case 1: return Vec2(1.0 / 3.0, 2.0 / 3.0);
    case 2: return Vec2(2.0 / 3.0, 1.0 / 3.0);
    default: IONCYCLE_ASSERT(false, "site class must be 0, 1 or 2");
  }
  return Vec2::Zero();
}

int determinant(const IntMatrix2& s) { return s[0][0] * s[1][1] - s[0][1] * s[1][0]; }

IntMatrix2 repeat_rows(const IntMatrix2& s, int n0, int n1) {
  return {{{s[0][0] * n0, s[0][1] * n0}, {s[1][0] * n1, s[1][1] * n1}}};
}

PlaneSupercell::PlaneSupercell(double a, const IntMatrix2& s) : s_(s) {
  IONCYCLE_ASSERT(determinant(s) > 0, "supercell matrix must have a positive determinant");
  const Vec2 p1(a, 0.0);
  const Vec2 p2(-0.5 * a, 0.5 * std::sqrt(3.0) * a);
  const Vec2 big = s[0][0] * p1 + s[0][1] * p2;
  // Rotate the plane so the first supercell vector lies along +x.
  const double angle = -std::atan2(big[1], big[0]);
  Eigen::Matrix2d rot;
  rot << std::cos(angle), -std::sin(angle), std::sin(angle), std::cos(angle);
  a1_ = rot * p1;
  a2_ = rot * p2;
  big_a_ = s[0][0] * a1_ + s[0][1] * a2_;
  big_a_[1] = 0.0;  // exactly along x, not 1e-16 off
  big_b_ = s[1][0] * a1_ + s[1][1] * a2_;
  Eigen::Matrix2d h;
  h.row(0) = big_a_.transpose();
  h.row(1) = big_b_.transpose();
  inv_ = h.inverse();
}

Vec2 PlaneSupercell::supercell_fraction(const Vec2& r) const {
  Vec2 u = (r.transpose() * inv_).transpose();
  for (int k = 0; k < 2; ++k) {
    u[k] -= std::floor(u[k] + kEdgeTolerance);
    if (u[k] < 0.0) u[k] = 0.0;
  }
  return u;
}

std::vector<Vec2> PlaneSupercell::sites(const Vec2& basis, const IntMatrix2& sub) const {
  const Eigen::Matrix2d sm = to_matrix(s_);
  const Eigen::Matrix2d subm = to_matrix(sub);
  const int det_sub = determinant(sub);
  IONCYCLE_ASSERT(det_sub > 0, "sublattice matrix must have a positive determinant");
  // Supercell rows in units of the sublattice: must be integers.
  const Eigen::Matrix2d in_sub = sm * subm.inverse();
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      IONCYCLE_ASSERT(std::abs(in_sub(i, j) - std::round(in_sub(i, j))) < 1e-9,
                      "supercell not commensurate with the sublattice");
    }
  }
  IONCYCLE_ASSERT(determinant(s_) % det_sub == 0, "supercell not commensurate with the sublattice");
  // The supercell's corners in sublattice coordinates bound the integer combinations to try.
  Eigen::Vector2d lo(0.0, 0.0), hi(0.0, 0.0);
  for (const Eigen::RowVector2d& corner : {Eigen::RowVector2d(in_sub.row(0)), Eigen::RowVector2d(in_sub.row(1)),
                                          Eigen::RowVector2d(in_sub.row(0) + in_sub.row(1))}) {
    for (int k = 0; k < 2; ++k) {
      lo[k] = std::min(lo[k], corner[k]);
      hi[k] = std::max(hi[k], corner[k]);
    }
  }
  const Eigen::Matrix2d sm_inv = sm.inverse();
  struct Found {
    Vec2 f;
    Vec2 u;
  };
  std::vector<Found> found;
  for (int n0 = static_cast<int>(std::floor(lo[0])) - 2; n0 <= static_cast<int>(std::ceil(hi[0])) + 2; ++n0) {
    for (int n1 = static_cast<int>(std::floor(lo[1])) - 2; n1 <= static_cast<int>(std::ceil(hi[1])) + 2; ++n1) {
      const Vec2 f = basis + (Eigen::RowVector2d(n0, n1) * subm).transpose();
      const Vec2 u = (f.transpose() * sm_inv).transpose();
      if (u[0] >= -kEdgeTolerance && u[0] < 1.0 - kEdgeTolerance && u[1] >= -kEdgeTolerance &&
          u[1] < 1.0 - kEdgeTolerance) {
        found.push_back({f, u});
      }
    }
  }
  IONCYCLE_ASSERT(found.size() == static_cast<std::size_t>(determinant(s_) / det_sub),
                  "wrong number of sites in the supercell");
  std::sort(found.begin(), found.end(), [](const Found& x, const Found& y) {
    if (std::abs(x.u[1] - y.u[1]) > 1e-9) return x.u[1] < y.u[1];
    return x.u[0] < y.u[0];
  });
  std::vector<Vec2> out;
  out.reserve(found.size());
  for (const auto& f : found) out.push_back(f.f);
  return out;
}

Vec2 in_plane_min_image(const Vec2& d, const Vec2& a, const Vec2& b, const Eigen::Matrix2d& ab_inverse) {
  Vec2 f = ab_inverse * d;
  f[0] -= std::round(f[0]);
  f[1] -= std::round(f[1]);
  const Vec2 base = f[0] * a + f[1] * b;
  Vec2 best = base;
  for (int i = -1; i <= 1; ++i) {
    for (int j = -1; j <= 1; ++j) {
      const Vec2 c = base + i * a + j * b;
      if (c.squaredNorm() < best.squaredNorm()) best = c;
    }
  }
  return best;
}

}  // namespace ioncycle::defects
