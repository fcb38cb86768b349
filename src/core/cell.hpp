// SPDX-License-Identifier: MIT
//
// The simulation cell: a triclinic box whose rows are the lattice vectors a, b, c (Å), with
// periodicity set per axis. Positions are Cartesian row vectors r; fractional coordinates s
// satisfy r = s · H (H = matrix(), rows a, b, c), i.e. s = r · H⁻¹.
//
// minimum_image() is exact for any triclinic cell, however skewed: it reduces the fractional
// displacement to [-0.5, 0.5) on periodic axes and then searches the finite set of lattice
// translations that can still shorten it (bounded by |d| / h_i, with h_i the spacing of the
// lattice planes normal to axis i), so it agrees with a brute-force search over images.
//
// A cell whose axes are all non-periodic may have a zero (or singular) matrix: a molecule or a
// cluster in vacuum. Any periodic axis requires a non-singular matrix; the constructor checks.
// Value type; const methods are thread-safe.
#pragma once

#include <array>

#include <Eigen/Dense>

namespace ioncycle::core {

using Vec3 = Eigen::Vector3d;
using Mat3 = Eigen::Matrix3d;

class Cell {
 public:
  /// No lattice, no periodicity (a cluster in vacuum).
  Cell();
  /// Rows of `rows` are the lattice vectors. Throws InputError if any axis is periodic and the
  /// matrix is singular (|det| tiny relative to the vector lengths) or not finite.
  explicit Cell(const Mat3& rows, std::array<bool, 3> pbc = {true, true, true});
  /// Orthorhombic a × b × c box, fully periodic.
  [[nodiscard]] static Cell orthorhombic(double a, double b, double c);
  /// From lengths (Å) and angles alpha, beta, gamma (degrees), in the standard orientation
  /// (a along x, b in the xy plane), fully periodic.
  [[nodiscard]] static Cell from_parameters(double a, double b, double c, double alpha_deg,
                                            double beta_deg, double gamma_deg);

  [[nodiscard]] const Mat3& matrix() const { return h_; }
  /// Lattice vector of `axis` (0 = a, 1 = b, 2 = c).
  [[nodiscard]] Vec3 vector(int axis) const { return h_.row(axis).transpose(); }
  [[nodiscard]] const std::array<bool, 3>& pbc() const { return pbc_; }
  [[nodiscard]] bool periodic(int axis) const { return pbc_[static_cast<std::size_t>(axis)]; }
  [[nodiscard]] bool any_periodic() const { return pbc_[0] || pbc_[1] || pbc_[2]; }
  /// Periodic along all three axes (such a cell always has a non-singular lattice): the cells
  /// with a volume to divide a virial by.
  [[nodiscard]] bool all_periodic() const { return pbc_[0] && pbc_[1] && pbc_[2]; }
  /// Whether the matrix can be inverted (fractional coordinates are defined).
  [[nodiscard]] bool has_lattice() const { return has_inverse_; }

  /// |det H| in Å³; 0 without a lattice.
  [[nodiscard]] double volume() const;
  /// |a|, |b|, |c|.
  [[nodiscard]] Vec3 lengths() const;
  /// alpha (b,c), beta (a,c), gamma (a,b) in degrees.
  [[nodiscard]] Vec3 angles() const;
  /// Distances between opposite faces: h_i = V / |a_j × a_k|.
  [[nodiscard]] Vec3 heights() const;

  /// s = r · H⁻¹. Requires has_lattice().
  [[nodiscard]] Vec3 to_fractional(const Vec3& r) const;
  /// r = s · H.
  [[nodiscard]] Vec3 to_cartesian(const Vec3& s) const;
  /// r mapped into the cell on periodic axes (fractional coordinate in [0, 1)); other axes
  /// unchanged.
  [[nodiscard]] Vec3 wrap(const Vec3& r) const;
  /// The shortest vector among d + n·H over integer n on periodic axes (n_i = 0 elsewhere).
  [[nodiscard]] Vec3 minimum_image(const Vec3& d) const;

  friend bool operator==(const Cell& a, const Cell& b) { return a.h_ == b.h_ && a.pbc_ == b.pbc_; }

 private:
  Mat3 h_;
  Mat3 h_inv_;
  std::array<bool, 3> pbc_;
  bool has_inverse_ = false;
};

}  // namespace ioncycle::core
