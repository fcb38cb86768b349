// SPDX-License-Identifier: MIT
//
// In-plane geometry shared by the host builders and the stacking analysis: the triangular
// (hexagonal) lattice that graphene sheets and close-packed MO2 planes are built on, its
// supercells, and the three stacking positions A, B, C of close packing.
//
// Conventions. The primitive vectors are a1 = a·(1, 0) and a2 = a·(−1/2, √3/2) (γ = 120°, as in
// ASE and the International Tables). The three site classes of close packing are, in primitive
// fractional coordinates, p0 = (0, 0), p1 = (1/3, 2/3) and p2 = (2/3, 1/3); any close-packed
// plane occupies one class, a graphene sheet two (its hexagon centres are the third). A
// supercell is an integer 2 x 2 matrix S whose rows are the supercell vectors in units of a1, a2
// (det S > 0); the builders rotate the plane so that the first supercell vector lies along +x.
// Value types and pure functions; thread-safe.
#pragma once

#include <array>
#include <vector>

#include <Eigen/Dense>

namespace ioncycle::defects {

using Vec2 = Eigen::Vector2d;
using IntMatrix2 = std::array<std::array<int, 2>, 2>;

/// Fractional coordinates (primitive basis) of the site classes p0, p1, p2.
[[nodiscard]] Vec2 site_class_offset(int site_class);

/// The shortest in-plane vector equivalent to `d` modulo the 2D lattice spanned by `a` and `b` (the
/// cell's in-plane vectors, or a plane lattice's t1, t2; `ab_inverse` = [a b]⁻¹): rounding the
/// fractional coordinates, then the 3×3 neighbouring images, exact however oblique the lattice.
[[nodiscard]] Vec2 in_plane_min_image(const Vec2& d, const Vec2& a, const Vec2& b, const Eigen::Matrix2d& ab_inverse);

/// det S.
[[nodiscard]] int determinant(const IntMatrix2& s);

/// `s` with row 0 multiplied by n0 and row 1 by n1 (repeats of a unit supercell).
[[nodiscard]] IntMatrix2 repeat_rows(const IntMatrix2& s, int n0, int n1);

/// A supercell of the triangular lattice with constant a (Å), rotated so that its first vector
/// lies along +x; positions are 2D Cartesian (Å) in that rotated frame.
class PlaneSupercell {
 public:
  PlaneSupercell(double a, const IntMatrix2& s);

  /// The supercell vectors (Cartesian, rotated): A along +x, B with positive y.
  [[nodiscard]] const Vec2& vector_a() const { return big_a_; }
  [[nodiscard]] const Vec2& vector_b() const { return big_b_; }
  /// The primitive vectors in the rotated frame.
  [[nodiscard]] const Vec2& primitive_a1() const { return a1_; }
  [[nodiscard]] const Vec2& primitive_a2() const { return a2_; }
  [[nodiscard]] const IntMatrix2& matrix() const { return s_; }
  /// Number of primitive cells in the supercell (det S).
  [[nodiscard]] int num_cells() const { return determinant(s_); }

  /// Cartesian position of primitive fractional coordinates f (f1·a1 + f2·a2).
  [[nodiscard]] Vec2 cartesian(const Vec2& f) const { return f[0] * a1_ + f[1] * a2_; }

  /// Every image of `basis` (primitive fractional coordinates) under the sublattice spanned by
  /// the rows of `sub` (integer, in units of a1, a2; the identity for the whole lattice) that
  /// falls inside the supercell, as primitive fractional coordinates, in a fixed order (by
  /// supercell fractional coordinate b, then a). S's rows must be integer combinations of
  /// `sub`'s rows (the supercell is commensurate with the sublattice); asserted.
  [[nodiscard]] std::vector<Vec2> sites(const Vec2& basis, const IntMatrix2& sub = {{{1, 0}, {0, 1}}}) const;

  /// Fractional coordinates of a 2D Cartesian point with respect to (A, B), reduced to [0, 1).
  [[nodiscard]] Vec2 supercell_fraction(const Vec2& r) const;

 private:
  IntMatrix2 s_;
  Vec2 a1_, a2_, big_a_, big_b_;
  Eigen::Matrix2d inv_;  // columns: maps Cartesian to supercell fractions
};

}  // namespace ioncycle::defects
