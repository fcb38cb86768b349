// SPDX-License-Identifier: MIT
#include "distill/perturbations.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::distill {

core::System strained(const core::System& system, const core::Mat3& strain) {
  const core::Mat3 f = core::Mat3::Identity() + strain;
  if (!strain.allFinite() || !(f.determinant() > 0.1)) {
    throw InputError("a strain must be finite and keep the cell's volume above a tenth of its own (det(I + e) = " +
                         core::format_double(f.determinant()) + ")",
                     "strains of a few percent are what a training set needs");
  }
  core::System out = system;
  const core::Cell& cell = system.cell();
  if (cell.has_lattice()) {
    // Rows of H are the lattice vectors a: a' = F a, i.e. H' = H Fᵀ.
    out.set_cell(core::Cell(core::Mat3(cell.matrix() * f.transpose()), cell.pbc()));
  }
  for (auto& r : out.positions()) r = f * r;
  return out;
}

core::System rattled(const core::System& system, double sigma, core::Rng& rng) {
  if (!std::isfinite(sigma) || sigma < 0.0) {
    throw InputError("a rattle amplitude must be a finite length >= 0 (got " + core::format_double(sigma) + " A)",
                     "0.01-0.1 A is typical");
  }
  core::System out = system;
  for (auto& r : out.positions()) {
    const double dx = rng.normal();
    const double dy = rng.normal();
    const double dz = rng.normal();
    r += sigma * core::Vec3(dx, dy, dz);
  }
  return out;
}

core::Mat3 random_strain(double max_strain, core::Rng& rng) {
  if (!std::isfinite(max_strain) || max_strain < 0.0 || max_strain >= 0.5) {
    throw InputError("a largest strain must be finite, >= 0 and below 0.5 (got " + core::format_double(max_strain) + ")",
                     "0.03 (3 %) is the usual range");
  }
  core::Mat3 e = core::Mat3::Zero();
  for (int a = 0; a < 3; ++a) {
    for (int b = a; b < 3; ++b) {
      e(a, b) = rng.uniform(-max_strain, max_strain);
      e(b, a) = e(a, b);
    }
  }
  return e;
}

}  // namespace ioncycle::distill
