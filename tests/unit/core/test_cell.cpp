// SPDX-License-Identifier: MIT
//
// Cell: geometry of known cells, fractional coordinates, wrapping and the minimum-image
// convention. Expected values are computed here from first principles (cross products, explicit
// linear solves, exhaustive searches over lattice translations), never copied from Cell's output.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>

#include <catch2/catch.hpp>

#include "core/cell.hpp"
#include "core/error.hpp"

using ioncycle::InputError;
using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::Vec3;

namespace {

constexpr double kPi = std::numbers::pi;

// The test's own random numbers (std::mt19937_64 with explicit seeds, so every run is the same),
// independent of the Rng under test elsewhere.
class TestRandom {
 public:
  explicit TestRandom(std::uint64_t seed) : engine_(seed) {}
  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(engine_); }
  int integer(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(engine_); }
  bool coin() { return integer(0, 1) == 1; }
  Vec3 vector(double lo, double hi) { return {uniform(lo, hi), uniform(lo, hi), uniform(lo, hi)}; }
  // A random rotation (normalized random quaternion), so cells are not always upper triangular.
  Mat3 rotation() {
    Eigen::Quaterniond q(uniform(-1, 1), uniform(-1, 1), uniform(-1, 1), uniform(-1, 1));
    q.normalize();
    return q.toRotationMatrix();
  }

 private:
  std::mt19937_64 engine_;
};

Vec3 row(const Mat3& m, int i) { return m.row(i).transpose(); }

// Volume from the scalar triple product a · (b × c).
double triple_product_volume(const Mat3& h) { return std::abs(row(h, 0).dot(row(h, 1).cross(row(h, 2)))); }

// Fractional coordinates by solving s · H = r, i.e. Hᵀ sᵀ = rᵀ, with a full-pivot LU (not the
// explicit inverse that Cell keeps).
Vec3 solve_fractional(const Mat3& h, const Vec3& r) { return h.transpose().fullPivLu().solve(r); }

// The lattice translation n · H as an explicit sum of lattice vectors.
Vec3 translation(const Mat3& h, double n0, double n1, double n2) {
  return n0 * row(h, 0) + n1 * row(h, 1) + n2 * row(h, 2);
}

double degrees_between(const Vec3& u, const Vec3& v) {
  return std::acos(u.dot(v) / (u.norm() * v.norm())) * 180.0 / kPi;
}

// Largest distance of a fractional coordinate from the nearest integer.
double distance_from_integer(double x) { return std::abs(x - std::round(x)); }

struct BruteForce {
  Vec3 shortest;
  double length = 0.0;
  int range = 0;  ///< half-width of the searched box of translations
};

// The shortest d + n·H over integer n on periodic axes, by exhaustive search. The box searched is
// centred on n_c = -round(s_d) and is provably large enough: the answer v is no longer than
// d_c = d + n_c·H, and the fractional coordinate i of any vector v is at most |v| / h_i in size
// (h_i = V / |a_j × a_k|, the spacing of lattice planes), so n_i - n_c,i is bounded by
// |d_c| / h_i + 1/2. The box is never smaller than [-4, 4] on periodic axes.
BruteForce brute_force_minimum_image(const Mat3& h, const std::array<bool, 3>& pbc, const Vec3& d) {
  const double volume = triple_product_volume(h);
  const Vec3 spacing{volume / row(h, 1).cross(row(h, 2)).norm(), volume / row(h, 0).cross(row(h, 2)).norm(),
                     volume / row(h, 0).cross(row(h, 1)).norm()};
  const Vec3 s = solve_fractional(h, d);
  std::array<double, 3> centre{};
  for (std::size_t i = 0; i < 3; ++i) centre[i] = pbc[i] ? -std::round(s[static_cast<int>(i)]) : 0.0;
  const Vec3 dc = d + translation(h, centre[0], centre[1], centre[2]);
  std::array<int, 3> half{};
  int widest = 0;
  for (std::size_t i = 0; i < 3; ++i) {
    const double bound = dc.norm() / spacing[static_cast<int>(i)] + 0.5;
    half[i] = pbc[i] ? std::max(4, static_cast<int>(std::ceil(bound)) + 1) : 0;
    widest = std::max(widest, half[i]);
  }
  BruteForce best{d, d.norm(), widest};
  for (int i = -half[0]; i <= half[0]; ++i) {
    for (int j = -half[1]; j <= half[1]; ++j) {
      for (int k = -half[2]; k <= half[2]; ++k) {
        const Vec3 v = d + translation(h, centre[0] + i, centre[1] + j, centre[2] + k);
        const double len = v.norm();
        if (len < best.length) {
          best.length = len;
          best.shortest = v;
        }
      }
    }
  }
  return best;
}

// Cells used by the minimum-image and wrap tests. Kinds:
//   0: LAMMPS-style upper-triangular cell with tilts far beyond LAMMPS's |xy| <= lx/2 limit
//      (b shifted by 0.49 a to 3 a, c shifted similarly in x and y);
//   1: from_parameters with angles between 20° and 160° (rejected when not a valid cell);
//   2: random lattice vectors in a random orientation, kept when reasonably non-degenerate;
//   3: a mildly skewed cell, rotated.
Mat3 random_cell(TestRandom& rnd, int kind) {
  for (;;) {
    Mat3 h = Mat3::Zero();
    if (kind == 0) {
      const double lx = rnd.uniform(2.0, 8.0), ly = rnd.uniform(2.0, 8.0), lz = rnd.uniform(2.0, 8.0);
      const double sign_xy = rnd.coin() ? 1.0 : -1.0;
      h.row(0) << lx, 0.0, 0.0;
      h.row(1) << sign_xy * rnd.uniform(0.49, 3.0) * lx, ly, 0.0;
      h.row(2) << rnd.uniform(-3.0, 3.0) * lx, rnd.uniform(-3.0, 3.0) * ly, lz;
    } else if (kind == 1) {
      const double a = rnd.uniform(2.0, 8.0), b = rnd.uniform(2.0, 8.0), c = rnd.uniform(2.0, 8.0);
      const double alpha = rnd.uniform(20.0, 160.0), beta = rnd.uniform(20.0, 160.0);
      const double gamma = rnd.uniform(20.0, 160.0);
      const double ca = std::cos(alpha * kPi / 180), cb = std::cos(beta * kPi / 180);
      const double cg = std::cos(gamma * kPi / 180);
      // Valid angles: the metric tensor is positive definite.
      if (1.0 - ca * ca - cb * cb - cg * cg + 2.0 * ca * cb * cg < 0.02) continue;
      h = Cell::from_parameters(a, b, c, alpha, beta, gamma).matrix();
    } else if (kind == 2) {
      for (int i = 0; i < 3; ++i) h.row(i) = rnd.vector(-6.0, 6.0).transpose();
      const double scale = row(h, 0).norm() * row(h, 1).norm() * row(h, 2).norm();
      if (triple_product_volume(h) < 0.05 * scale) continue;  // too flat to be a useful test cell
      if (std::min({row(h, 0).norm(), row(h, 1).norm(), row(h, 2).norm()}) < 1.0) continue;
    } else {
      h.row(0) << rnd.uniform(3.0, 6.0), 0.0, 0.0;
      h.row(1) << rnd.uniform(-1.0, 1.0), rnd.uniform(3.0, 6.0), 0.0;
      h.row(2) << rnd.uniform(-1.0, 1.0), rnd.uniform(-1.0, 1.0), rnd.uniform(3.0, 6.0);
      h = h * rnd.rotation();
    }
    return h;
  }
}

std::array<bool, 3> random_pbc(TestRandom& rnd) {
  for (;;) {
    std::array<bool, 3> pbc{rnd.coin(), rnd.coin(), rnd.coin()};
    if (pbc[0] || pbc[1] || pbc[2]) return pbc;
  }
}

}  // namespace

TEST_CASE("default and all-non-periodic zero cells are allowed and leave vectors alone", "[unit][cell]") {
  const Cell vacuum;
  const Cell zero(Mat3::Zero(), {false, false, false});
  for (const Cell* cell : {&vacuum, &zero}) {
    CHECK_FALSE(cell->any_periodic());
    CHECK_FALSE(cell->has_lattice());
    CHECK(cell->volume() == 0.0);
    CHECK(cell->heights() == Vec3::Zero());
    const Vec3 d(123.5, -7.25, 1e6);
    CHECK(cell->minimum_image(d) == d);
    CHECK(cell->wrap(d) == d);
  }
  CHECK(vacuum == zero);
}

TEST_CASE("a singular or non-finite cell with a periodic axis is an InputError", "[unit][cell]") {
  CHECK_THROWS_AS(Cell(Mat3::Zero()), InputError);
  CHECK_THROWS_AS(Cell(Mat3::Zero(), {false, false, true}), InputError);

  Mat3 flat;  // c = a + b: the three vectors lie in one plane
  flat << 3.0, 0.0, 0.0, 1.0, 2.0, 0.0, 4.0, 2.0, 0.0;
  CHECK_THROWS_AS(Cell(flat), InputError);
  CHECK_THROWS_AS(Cell(flat, {true, false, false}), InputError);

  Mat3 one_zero_row = Mat3::Identity() * 5.0;
  one_zero_row.row(2).setZero();
  CHECK_THROWS_AS(Cell(one_zero_row, {true, true, false}), InputError);

  Mat3 nan_entry = Mat3::Identity();
  nan_entry(1, 0) = std::nan("");
  CHECK_THROWS_AS(Cell(nan_entry), InputError);
  CHECK_THROWS_AS(Cell(nan_entry, {false, false, false}), InputError);

  Mat3 inf_entry = Mat3::Identity();
  inf_entry(2, 2) = INFINITY;
  CHECK_THROWS_AS(Cell(inf_entry), InputError);

  // A singular matrix is fine when nothing is periodic (a flat molecule's bounding box).
  CHECK_NOTHROW(Cell(flat, {false, false, false}));
  CHECK_FALSE(Cell(flat, {false, false, false}).has_lattice());

  // The message says what is wrong and the hint how to fix it.
  try {
    (void)Cell(flat);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("singular"));
    CHECK_FALSE(e.hint().empty());
  }
}

TEST_CASE("impossible cell angles are an InputError", "[unit][cell]") {
  // alpha + beta < gamma cannot close: no real c vector exists.
  CHECK_THROWS_AS(Cell::from_parameters(3.0, 3.0, 3.0, 30.0, 30.0, 90.0), InputError);
  CHECK_THROWS_AS(Cell::from_parameters(3.0, 3.0, 3.0, 90.0, 90.0, 180.0), InputError);
  CHECK_THROWS_AS(Cell::from_parameters(3.0, 3.0, 3.0, 90.0, 90.0, 0.0), InputError);
  CHECK_THROWS_AS(Cell::from_parameters(3.0, 3.0, 3.0, 90.0, std::nan(""), 90.0), InputError);
  CHECK_THROWS_AS(Cell::from_parameters(3.0, std::nan(""), 3.0, 90.0, 90.0, 90.0), InputError);
  // Exactly coplanar vectors, which rounding turns into a sheet ~1e-8 thick unless caught:
  // 120° + 120° + 120° = 360° (c = -(a + b)) and 60° + 60° = 120° (c = b - a for equal lengths).
  CHECK_THROWS_AS(Cell::from_parameters(3.0, 3.0, 3.0, 120.0, 120.0, 120.0), InputError);
  CHECK_THROWS_AS(Cell::from_parameters(2.0, 2.0, 2.0, 60.0, 120.0, 60.0), InputError);
  CHECK_THROWS_AS(Cell::from_parameters(2.46, 2.46, 6.7, 90.0, 90.0, 180.0 - 1e-12), InputError);
  // Strongly skewed but real cells are accepted.
  CHECK_NOTHROW(Cell::from_parameters(3.0, 3.0, 3.0, 20.0, 20.0, 20.0));
  CHECK_NOTHROW(Cell::from_parameters(3.0, 3.0, 3.0, 119.0, 119.0, 119.0));
}

TEST_CASE("orthorhombic cell geometry", "[unit][cell]") {
  const Cell cell = Cell::orthorhombic(3.0, 4.0, 5.0);
  CHECK(cell.pbc() == std::array<bool, 3>{true, true, true});
  CHECK(cell.has_lattice());
  CHECK(cell.volume() == Approx(60.0).epsilon(1e-14));
  CHECK((cell.lengths() - Vec3(3.0, 4.0, 5.0)).norm() < 1e-14);
  CHECK((cell.angles() - Vec3(90.0, 90.0, 90.0)).norm() < 1e-12);
  CHECK((cell.heights() - Vec3(3.0, 4.0, 5.0)).norm() < 1e-13);
  CHECK(cell.vector(0) == Vec3(3.0, 0.0, 0.0));
  CHECK(cell.vector(1) == Vec3(0.0, 4.0, 0.0));
  CHECK(cell.vector(2) == Vec3(0.0, 0.0, 5.0));
  CHECK((cell.to_fractional(Vec3(1.5, -2.0, 12.5)) - Vec3(0.5, -0.5, 2.5)).norm() < 1e-15);

  // The minimum image in a box, worked by hand: each component into [-L/2, L/2].
  CHECK((cell.minimum_image(Vec3(2.0, 3.5, -4.0)) - Vec3(-1.0, -0.5, 1.0)).norm() < 1e-13);
  CHECK((cell.minimum_image(Vec3(31.0, -41.0, 9.0)) - Vec3(1.0, -1.0, -1.0)).norm() < 1e-12);
  CHECK((cell.wrap(Vec3(-1.0, 9.0, 5.5)) - Vec3(2.0, 1.0, 0.5)).norm() < 1e-13);
}

TEST_CASE("hexagonal graphite cell: explicit vectors and from_parameters agree", "[unit][cell]") {
  const double a = 2.46, c = 6.7;
  const double s3 = std::sqrt(3.0);
  Mat3 rows;
  rows << a, 0.0, 0.0, -a / 2.0, a * s3 / 2.0, 0.0, 0.0, 0.0, c;
  const Cell explicit_cell(rows);
  const Cell from_params = Cell::from_parameters(a, a, c, 90.0, 90.0, 120.0);

  CHECK((from_params.matrix() - rows).norm() < 1e-13);

  const double volume = s3 / 2.0 * a * a * c;  // area of the rhombus a² sin 120° times c
  for (const Cell* cell : {&explicit_cell, &from_params}) {
    CHECK(cell->volume() == Approx(volume).epsilon(1e-13));
    CHECK((cell->lengths() - Vec3(a, a, c)).norm() < 1e-13);
    CHECK((cell->angles() - Vec3(90.0, 90.0, 120.0)).norm() < 1e-10);
    // In-plane heights: the distance between parallel sides of the rhombus, a·sin 60°.
    CHECK((cell->heights() - Vec3(a * s3 / 2.0, a * s3 / 2.0, c)).norm() < 1e-13);
  }

  // a + b is a lattice vector (|a + b| = a at 120°), so its minimum image is zero.
  const Vec3 ab = explicit_cell.vector(0) + explicit_cell.vector(1);
  CHECK(explicit_cell.minimum_image(ab).norm() < 1e-13);
  // s = (0.45, -0.45) is already rounded, but |x a + y b|² = a²(x² + y² - xy) gives
  // 0.6075 a² for it, while the images (-0.55, -0.45) and (0.45, 0.55) have 0.2575 a².
  const Vec3 d = 0.45 * explicit_cell.vector(0) - 0.45 * explicit_cell.vector(1);
  CHECK(d.norm() == Approx(a * std::sqrt(0.6075)).epsilon(1e-14));
  CHECK(explicit_cell.minimum_image(d).norm() == Approx(a * std::sqrt(0.2575)).epsilon(1e-13));
  CHECK(explicit_cell.minimum_image(d + 3.0 * explicit_cell.vector(2)).norm() ==
        Approx(a * std::sqrt(0.2575)).epsilon(1e-13));
}

TEST_CASE("from_parameters reproduces lengths, angles, volume and heights of triclinic cells",
          "[unit][cell]") {
  TestRandom rnd(20240611);
  int tested = 0;
  while (tested < 200) {
    const double a = rnd.uniform(1.0, 10.0), b = rnd.uniform(1.0, 10.0), c = rnd.uniform(1.0, 10.0);
    const double alpha = rnd.uniform(20.0, 160.0), beta = rnd.uniform(20.0, 160.0);
    const double gamma = rnd.uniform(20.0, 160.0);
    const double ca = std::cos(alpha * kPi / 180), cb = std::cos(beta * kPi / 180);
    const double cg = std::cos(gamma * kPi / 180);
    const double g = 1.0 - ca * ca - cb * cb - cg * cg + 2.0 * ca * cb * cg;
    if (g < 0.0) {  // no such cell: the metric tensor would not be positive definite
      CHECK_THROWS_AS(Cell::from_parameters(a, b, c, alpha, beta, gamma), InputError);
      continue;
    }
    if (g < 1e-3) continue;  // nearly flat: valid, but too ill-conditioned for tight tolerances
    const Cell cell = Cell::from_parameters(a, b, c, alpha, beta, gamma);
    const Mat3& h = cell.matrix();
    INFO("a b c = " << a << " " << b << " " << c << ", angles = " << alpha << " " << beta << " " << gamma);
    // Standard orientation: a along x, b in the xy plane.
    CHECK(h(0, 1) == 0.0);
    CHECK(h(0, 2) == 0.0);
    CHECK(h(1, 2) == 0.0);
    CHECK(h(0, 0) > 0.0);
    CHECK(h(1, 1) > 0.0);
    CHECK(h(2, 2) > 0.0);
    // Lengths and angles measured on the rows with the test's own helpers.
    CHECK(row(h, 0).norm() == Approx(a).epsilon(1e-13));
    CHECK(row(h, 1).norm() == Approx(b).epsilon(1e-13));
    CHECK(row(h, 2).norm() == Approx(c).epsilon(1e-13));
    CHECK(degrees_between(row(h, 1), row(h, 2)) == Approx(alpha).epsilon(1e-10));
    CHECK(degrees_between(row(h, 0), row(h, 2)) == Approx(beta).epsilon(1e-10));
    CHECK(degrees_between(row(h, 0), row(h, 1)) == Approx(gamma).epsilon(1e-10));
    // ... and as reported by the cell.
    CHECK((cell.lengths() - Vec3(a, b, c)).norm() < 1e-12);
    CHECK((cell.angles() - Vec3(alpha, beta, gamma)).norm() < 1e-9);
    // V = abc √(1 - cos²α - cos²β - cos²γ + 2 cos α cos β cos γ).
    const double volume = a * b * c * std::sqrt(g);
    CHECK(cell.volume() == Approx(volume).epsilon(1e-11));
    // Heights h_a = V / |b × c| etc., and |b × c| = bc sin α.
    const double sa = std::sin(alpha * kPi / 180), sb = std::sin(beta * kPi / 180);
    const double sg = std::sin(gamma * kPi / 180);
    const Vec3 heights = cell.heights();
    CHECK(heights[0] == Approx(volume / (b * c * sa)).epsilon(1e-11));
    CHECK(heights[1] == Approx(volume / (a * c * sb)).epsilon(1e-11));
    CHECK(heights[2] == Approx(volume / (a * b * sg)).epsilon(1e-11));
    ++tested;
  }
}

TEST_CASE("volume, lengths, angles and heights of arbitrarily oriented cells", "[unit][cell]") {
  TestRandom rnd(7);
  for (int trial = 0; trial < 200; ++trial) {
    const Mat3 h = random_cell(rnd, trial % 4);
    const Cell cell(h);
    const double volume = triple_product_volume(h);
    CHECK(cell.volume() == Approx(volume).epsilon(1e-12));
    CHECK(cell.lengths()[0] == Approx(row(h, 0).norm()).epsilon(1e-14));
    CHECK(cell.angles()[0] == Approx(degrees_between(row(h, 1), row(h, 2))).epsilon(1e-10));
    CHECK(cell.angles()[1] == Approx(degrees_between(row(h, 0), row(h, 2))).epsilon(1e-10));
    CHECK(cell.angles()[2] == Approx(degrees_between(row(h, 0), row(h, 1))).epsilon(1e-10));
    CHECK(cell.heights()[0] == Approx(volume / row(h, 1).cross(row(h, 2)).norm()).epsilon(1e-11));
    CHECK(cell.heights()[1] == Approx(volume / row(h, 0).cross(row(h, 2)).norm()).epsilon(1e-11));
    CHECK(cell.heights()[2] == Approx(volume / row(h, 0).cross(row(h, 1)).norm()).epsilon(1e-11));
  }
  // A left-handed cell (det < 0) still has a positive volume.
  Mat3 left = Mat3::Identity() * 2.0;
  left(2, 2) = -3.0;
  CHECK(Cell(left).volume() == Approx(12.0).epsilon(1e-15));
}

TEST_CASE("fractional and Cartesian coordinates convert both ways", "[unit][cell]") {
  TestRandom rnd(99);
  for (int trial = 0; trial < 200; ++trial) {
    const Mat3 h = random_cell(rnd, trial % 4);
    const Cell cell(h, random_pbc(rnd));
    // The lattice vectors themselves are the unit fractional vectors.
    for (int i = 0; i < 3; ++i) {
      CHECK((cell.to_fractional(row(h, i)) - Vec3::Unit(i)).norm() < 1e-12);
      CHECK((cell.to_cartesian(Vec3::Unit(i)) - row(h, i)).norm() < 1e-14 * row(h, i).norm());
    }
    for (int k = 0; k < 10; ++k) {
      const Vec3 s = rnd.vector(-3.0, 3.0);
      const Vec3 r = translation(h, s[0], s[1], s[2]);
      const double scale = r.norm() + h.norm();
      CHECK((cell.to_cartesian(s) - r).norm() < 1e-14 * scale);
      CHECK((cell.to_fractional(r) - solve_fractional(h, r)).norm() < 1e-12 * (1.0 + s.norm()));
      CHECK((cell.to_fractional(r) - s).norm() < 1e-11 * (1.0 + s.norm()));
      CHECK((cell.to_cartesian(cell.to_fractional(r)) - r).norm() < 1e-12 * scale);
    }
  }
}

TEST_CASE("wrap maps into the cell on periodic axes by a lattice translation", "[unit][cell]") {
  TestRandom rnd(4242);
  for (int trial = 0; trial < 300; ++trial) {
    const Mat3 h = random_cell(rnd, trial % 4);
    const auto pbc = random_pbc(rnd);
    const Cell cell(h, pbc);
    INFO("trial " << trial << ", cell\n" << h << "\npbc " << pbc[0] << pbc[1] << pbc[2]);
    for (int k = 0; k < 20; ++k) {
      // Points within the cell, far outside it (up to 6 cell lengths in fractional units), and
      // exactly on lattice planes.
      Vec3 s_in = rnd.vector(-6.0, 6.0);
      if (k % 5 == 0) s_in = Vec3(std::round(s_in[0]), std::round(s_in[1]), s_in[2]);
      const Vec3 r = translation(h, s_in[0], s_in[1], s_in[2]);
      const Vec3 w = cell.wrap(r);
      INFO("r = " << r.transpose() << ", wrapped " << w.transpose());
      const Vec3 s_out = solve_fractional(h, w);
      const Vec3 shift = solve_fractional(h, w - r);  // must be a lattice translation n
      for (int i = 0; i < 3; ++i) {
        if (pbc[static_cast<std::size_t>(i)]) {
          CHECK(s_out[i] >= -1e-12);
          CHECK(s_out[i] < 1.0 + 1e-12);
          CHECK(distance_from_integer(shift[i]) < 1e-10);
        } else {
          CHECK(std::abs(s_out[i] - s_in[i]) < 1e-11 * (1.0 + std::abs(s_in[i])));
          CHECK(std::abs(shift[i]) < 1e-10);
        }
      }
      // Wrapping twice changes nothing more (away from the faces, where a coordinate of
      // 1 - 1e-16 may read back as 1 and legitimately wrap to 0).
      if (k % 5 != 0) CHECK((cell.wrap(w) - w).norm() < 1e-11 * h.norm());
    }
  }
}

TEST_CASE("wrap never returns the far face of the cell", "[unit][cell]") {
  const Cell box = Cell::orthorhombic(3.0, 4.0, 5.0);
  // Exactly on the far face and a hair below zero: the fractional coordinate must be 0, not 1.
  const Vec3 face = box.wrap(Vec3(3.0, 8.0, -5.0));
  for (int i = 0; i < 3; ++i) {
    CHECK(face[i] >= 0.0);
    CHECK(face[i] < box.lengths()[i]);
    CHECK(std::min(face[i], box.lengths()[i] - face[i]) < 1e-14);
  }
  const Vec3 tiny = box.wrap(Vec3(-1e-300, -1e-17, -4e-16));
  for (int i = 0; i < 3; ++i) {
    CHECK(tiny[i] >= 0.0);
    CHECK(tiny[i] < box.lengths()[i]);
  }
  // The same in fractional terms through the cell itself, for a skewed cell.
  Mat3 h;
  h << 2.5, 0.0, 0.0, 1.9, 2.1, 0.0, -0.7, 1.3, 3.1;
  const Cell skew(h);
  for (const double eps : {0.0, 1e-18, 1e-17, 1e-16, 1e-15}) {
    const Vec3 r = translation(h, -eps, 1.0 - eps, 2.0);
    const Vec3 s = skew.to_fractional(skew.wrap(r));
    INFO("eps = " << eps << ", s = " << s.transpose());
    for (int i = 0; i < 3; ++i) {
      CHECK(s[i] > -1e-14);
      CHECK(s[i] < 1.0 + 1e-14);
      CHECK(std::min(std::abs(s[i]), std::abs(1.0 - s[i])) < 1e-14);
    }
  }
}

TEST_CASE("wrap leaves non-periodic axes alone", "[unit][cell]") {
  Mat3 h;
  h << 4.0, 0.0, 0.0, 2.5, 3.0, 0.0, 1.0, -2.0, 10.0;
  const Cell slab(h, {true, true, false});
  const Vec3 r = translation(h, 2.25, -1.5, 3.75);
  const Vec3 expected = translation(h, 0.25, 0.5, 3.75);
  CHECK((slab.wrap(r) - expected).norm() < 1e-12);
  const Cell wire(h, {false, false, true});
  CHECK((wire.wrap(r) - translation(h, 2.25, -1.5, 0.75)).norm() < 1e-12);
}

TEST_CASE("minimum_image equals a brute-force search over lattice translations", "[unit][cell]") {
  TestRandom rnd(31337);
  int num_cases = 0;
  int naive_rounding_not_shortest = 0;
  int largest_search = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const int kind = trial % 4;
    const Mat3 h = random_cell(rnd, kind);
    const std::array<bool, 3> pbc = trial % 3 == 0 ? random_pbc(rnd) : std::array<bool, 3>{true, true, true};
    const Cell cell(h, pbc);
    const double longest = std::max({row(h, 0).norm(), row(h, 1).norm(), row(h, 2).norm()});
    INFO("trial " << trial << " (kind " << kind << "), cell rows\n"
                  << h << "\npbc " << pbc[0] << pbc[1] << pbc[2]);
    for (int k = 0; k < 40; ++k) {
      // Short, cell-sized and long displacements (up to five times the longest lattice vector).
      const double reach = k < 10 ? 0.5 * longest : (k < 25 ? 1.5 * longest : 5.0 * longest);
      Vec3 d = rnd.vector(-reach, reach);
      // A few displacements that are lattice vectors plus a small offset.
      if (k % 13 == 0) d = translation(h, rnd.integer(-3, 3), rnd.integer(-3, 3), rnd.integer(-3, 3)) + rnd.vector(-0.1, 0.1);
      const Vec3 m = cell.minimum_image(d);
      const BruteForce bf = brute_force_minimum_image(h, pbc, d);
      largest_search = std::max(largest_search, bf.range);
      INFO("d = " << d.transpose() << "\nminimum_image " << m.transpose() << " (|.| = " << m.norm()
                  << ")\nbrute force " << bf.shortest.transpose() << " (|.| = " << bf.length << ")");
      CHECK(std::abs(m.norm() - bf.length) <= 1e-12 * std::max(bf.length, 1.0));
      // m - d is a lattice translation using periodic axes only.
      const Vec3 n = solve_fractional(h, m - d);
      for (int i = 0; i < 3; ++i) {
        CHECK(distance_from_integer(n[i]) < 1e-9);
        if (!pbc[static_cast<std::size_t>(i)]) CHECK(std::abs(n[i]) < 1e-9);
      }
      CHECK(m.norm() <= d.norm() * (1.0 + 1e-12));
      // Does plain rounding of fractional coordinates already give the answer? (It often does
      // not in skewed cells; counted below so that this test is known to exercise that case.)
      Vec3 s = solve_fractional(h, d);
      for (int i = 0; i < 3; ++i) {
        if (pbc[static_cast<std::size_t>(i)]) s[i] -= std::round(s[i]);
      }
      if (translation(h, s[0], s[1], s[2]).norm() > bf.length * (1.0 + 1e-9)) ++naive_rounding_not_shortest;
      ++num_cases;
    }
  }
  INFO("cases: " << num_cases << ", naive rounding too long in " << naive_rounding_not_shortest
                 << ", widest search box +-" << largest_search);
  CHECK(num_cases == 400 * 40);
  CHECK(naive_rounding_not_shortest > num_cases / 10);
}

TEST_CASE("minimum_image handles extreme skew and displacements", "[unit][cell]") {
  // Tilt factors far beyond LAMMPS's limits and angles near 20°, each checked by brute force.
  const std::array<Mat3, 4> cells = [] {
    std::array<Mat3, 4> m{};
    m[0] << 3.0, 0.0, 0.0, 9.0, 1.2, 0.0, -8.5, 3.3, 2.0;         // b shifted by 3 a
    m[1] << 5.0, 0.0, 0.0, 2.45, 5.0, 0.0, 2.45, 2.45, 5.0;       // tilts just below 0.5
    m[2] = Cell::from_parameters(4.0, 4.0, 4.0, 20.0, 20.0, 20.0).matrix();
    m[3] = Cell::from_parameters(3.0, 7.0, 5.0, 160.0, 25.0, 150.0).matrix();
    return m;
  }();
  TestRandom rnd(5);
  for (const Mat3& h : cells) {
    const Cell cell(h);
    INFO("cell rows\n" << h);
    for (int k = 0; k < 500; ++k) {
      const Vec3 d = rnd.vector(-40.0, 40.0);
      const BruteForce bf = brute_force_minimum_image(h, {true, true, true}, d);
      const Vec3 m = cell.minimum_image(d);
      INFO("d = " << d.transpose());
      CHECK(std::abs(m.norm() - bf.length) <= 1e-12 * std::max(bf.length, 1.0));
      const Vec3 n = solve_fractional(h, m - d);
      CHECK(distance_from_integer(n[0]) + distance_from_integer(n[1]) + distance_from_integer(n[2]) < 1e-9);
    }
  }
}

TEST_CASE("minimum_image of a lattice vector is zero and is odd in d", "[unit][cell]") {
  TestRandom rnd(17);
  for (int trial = 0; trial < 100; ++trial) {
    const Mat3 h = random_cell(rnd, trial % 4);
    const Cell cell(h);
    const Vec3 lattice = translation(h, rnd.integer(-5, 5), rnd.integer(-5, 5), rnd.integer(-5, 5));
    CHECK(cell.minimum_image(lattice).norm() < 1e-11 * (1.0 + lattice.norm()));
    const Vec3 d = rnd.vector(-10.0, 10.0);
    // |mic(-d)| = |mic(d)| (the image may differ only on a tie).
    CHECK(cell.minimum_image(-d).norm() == Approx(cell.minimum_image(d).norm()).epsilon(1e-12));
  }
}
