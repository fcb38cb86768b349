// SPDX-License-Identifier: MIT
//
// Perturbed copies for training sets (src/distill/perturbations.*): a strain keeps fractional
// coordinates and scales the volume by det(I + e); a rattle is seeded, unbiased and of the asked
// width; bad amplitudes are located input errors.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "distill/perturbations.hpp"
#include "potential_checks.hpp"
#include "testing.hpp"

namespace t = ioncycle::testing;
using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::Rng;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::distill::random_strain;
using ioncycle::distill::rattled;
using ioncycle::distill::strained;

TEST_CASE("a strained copy keeps fractional coordinates and scales the volume by det(I + e)", "[unit][distill]") {
  const System s = t::random_structure({3, 6}, 20, t::random_triclinic_cell(300.0, 5), 1.8, 6);
  Mat3 e;
  e << 0.02, 0.01, -0.005, 0.0, -0.03, 0.004, 0.01, 0.0, 0.025;
  const System d = strained(s, e);
  CHECK(d.cell().volume() == Approx(s.cell().volume() * (Mat3::Identity() + e).determinant()).epsilon(1e-13));
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    const Vec3 before = s.cell().to_fractional(s.positions()[i]);
    const Vec3 after = d.cell().to_fractional(d.positions()[i]);
    CHECK((after - before).norm() < 1e-12);
  }
  // A pure c-axis stretch of 3 % moves only z.
  Mat3 c = Mat3::Zero();
  c(2, 2) = 0.03;
  const System z = strained(s, c);
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    CHECK(z.positions()[i].x() == s.positions()[i].x());
    CHECK(z.positions()[i].z() == Approx(1.03 * s.positions()[i].z()).epsilon(1e-14));
  }
  // Errors.
  Mat3 collapse = -0.95 * Mat3::Identity();
  CHECK_THROWS_AS(strained(s, collapse), ioncycle::InputError);
  Mat3 nan = Mat3::Zero();
  nan(0, 1) = std::nan("");
  CHECK_THROWS_AS(strained(s, nan), ioncycle::InputError);
}

TEST_CASE("a rattled copy is seeded, unbiased and of the asked width; random strains stay in range",
          "[unit][distill]") {
  const System s = t::random_structure({6}, 400, Cell::orthorhombic(40.0, 40.0, 40.0), 1.2, 8);
  Rng a(11), b(11), c(12);
  const System r1 = rattled(s, 0.05, a);
  const System r2 = rattled(s, 0.05, b);
  const System r3 = rattled(s, 0.05, c);
  double sum = 0.0, sq = 0.0, differs = 0.0;
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    CHECK(r1.positions()[i] == r2.positions()[i]);
    differs += (r1.positions()[i] - r3.positions()[i]).norm();
    const Vec3 d = r1.positions()[i] - s.positions()[i];
    for (int k = 0; k < 3; ++k) {
      sum += d[k];
      sq += d[k] * d[k];
    }
  }
  const double n = 3.0 * static_cast<double>(s.num_atoms());
  // 1,200 deviates: the mean within 4 standard errors of 0, the width within 10 %.
  CHECK(std::abs(sum / n) < 4.0 * 0.05 / std::sqrt(n));
  CHECK(std::sqrt(sq / n) == Approx(0.05).epsilon(0.1));
  CHECK(differs > 0.0);
  Rng zero(1);
  const System still = rattled(s, 0.0, zero);
  for (std::size_t i = 0; i < s.num_atoms(); ++i) CHECK(still.positions()[i] == s.positions()[i]);
  CHECK_THROWS_AS(rattled(s, -0.1, zero), ioncycle::InputError);

  Rng g(3);
  for (int k = 0; k < 200; ++k) {
    const Mat3 e = random_strain(0.03, g);
    CHECK((e - e.transpose()).norm() == 0.0);
    CHECK(e.cwiseAbs().maxCoeff() <= 0.03);
  }
  CHECK_THROWS_AS(random_strain(0.6, g), ioncycle::InputError);
}
