// SPDX-License-Identifier: MIT
#include "potential_checks.hpp"

#include <catch2/catch.hpp>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <numeric>
#include <string>

#include "core/rng.hpp"

namespace ioncycle::testing {

using core::Mat3;
using core::Vec3;

core::Cell random_triclinic_cell(double volume, std::uint64_t seed, double max_tilt) {
  core::Rng rng(seed, /*stream=*/101);
  // Aspect ratios within ~±20%, then scaled so that lx * ly * lz = volume (a lower-triangular
  // matrix has determinant lx ly lz whatever the tilts).
  Vec3 lengths(rng.uniform(0.8, 1.2), rng.uniform(0.8, 1.2), rng.uniform(0.8, 1.2));
  lengths *= std::cbrt(volume / (lengths[0] * lengths[1] * lengths[2]));
  Mat3 h = Mat3::Zero();
  h(0, 0) = lengths[0];
  h(1, 1) = lengths[1];
  h(2, 2) = lengths[2];
  h(1, 0) = rng.uniform(-max_tilt, max_tilt) * lengths[0];  // xy
  h(2, 0) = rng.uniform(-max_tilt, max_tilt) * lengths[0];  // xz
  h(2, 1) = rng.uniform(-max_tilt, max_tilt) * lengths[1];  // yz
  return core::Cell(h);
}

Mat3 random_rotation(std::uint64_t seed) {
  // A uniformly random unit quaternion (four normal deviates, normalized) is a uniformly random
  // rotation (Shoemake, Graphics Gems III, 1992).
  core::Rng rng(seed, /*stream=*/102);
  Eigen::Quaterniond q(rng.normal(), rng.normal(), rng.normal(), rng.normal());
  q.normalize();
  return q.toRotationMatrix();
}

core::System random_structure(const std::vector<int>& species, int num_atoms, const core::Cell& cell,
                              double min_distance, std::uint64_t seed) {
  if (species.empty()) throw std::invalid_argument("random_structure: no species");
  if (!cell.has_lattice()) throw std::invalid_argument("random_structure: the cell needs a lattice");
  core::Rng rng(seed, /*stream=*/103);
  core::System system(cell);
  std::vector<Vec3> placed;     // fractional coordinates
  const double min_sq = min_distance * min_distance;
  const Mat3& h = cell.matrix();
  // Rounding the fractional difference to [-0.5, 0.5) on periodic axes gives a vector d0 whose
  // every other image v has some |s_i| >= 1/2, so |v| >= h_i / 2 (h_i the plane spacing). Hence
  // when min_distance <= min_i h_i / 2, "|d0| >= min_distance" decides exactly, and the full
  // minimum-image search is needed only in cells narrower than that.
  double min_height = std::numeric_limits<double>::infinity();
  for (int i = 0; i < 3; ++i) {
    if (cell.periodic(i)) min_height = std::min(min_height, cell.heights()[i]);
  }
  const bool rounding_is_exact = min_distance <= 0.5 * min_height;
  auto far_enough = [&](const Vec3& s, const Vec3& q) {
    Vec3 ds = s - q;
    for (int i = 0; i < 3; ++i) {
      if (cell.periodic(i)) ds[i] -= std::floor(ds[i] + 0.5);
    }
    const Vec3 d0 = (ds.transpose() * h).transpose();
    if (rounding_is_exact || d0.squaredNorm() < min_sq) return d0.squaredNorm() >= min_sq;
    return cell.minimum_image(d0).squaredNorm() >= min_sq;
  };
  constexpr int kMaxTries = 100000;
  for (int k = 0; k < num_atoms; ++k) {
    bool ok = false;
    Vec3 s;
    for (int attempt = 0; attempt < kMaxTries && !ok; ++attempt) {
      s = Vec3(rng.uniform(), rng.uniform(), rng.uniform());
      ok = std::all_of(placed.begin(), placed.end(), [&](const Vec3& q) { return far_enough(s, q); });
    }
    const Vec3 r = cell.to_cartesian(s);
    if (!ok) {
      throw std::runtime_error("random_structure: could not place atom " + std::to_string(k) + " of " +
                               std::to_string(num_atoms) + " with min_distance " + std::to_string(min_distance));
    }
    placed.push_back(s);
    core::AtomSpec atom;
    atom.z = species[static_cast<std::size_t>(k) % species.size()];
    atom.position = r;
    system.add_atom(atom);
  }
  return system;
}

potentials::ForceResult evaluate(potentials::Potential& potential, const core::System& system,
                                 const potentials::ForceRequest& request, std::optional<core::NeighborKind> kind,
                                 double skin) {
  const potentials::NeighborRequest want = potential.neighbor_request();
  core::NeighborList list(core::NeighborOptions{want.cutoff, skin, kind.value_or(want.kind)});
  list.build(system);
  potentials::ForceResult result;
  potential.compute(system, list, request, result);
  return result;
}

double energy_of(potentials::Potential& potential, const core::System& system, std::optional<core::NeighborKind> kind) {
  const potentials::NeighborRequest want = potential.neighbor_request();
  core::NeighborList list(core::NeighborOptions{want.cutoff, 0.5, kind.value_or(want.kind)});
  list.build(system);
  return potential.energy(system, list);
}

core::System strained(const core::System& system, const Mat3& strain) {
  // Deformation gradient F = I + ε acting on column vectors; rows (lattice vectors, positions)
  // transform as r -> r Fᵀ.
  const Mat3 ft = (Mat3::Identity() + strain).transpose();
  core::System out = system;
  out.set_cell(core::Cell(system.cell().matrix() * ft, system.cell().pbc()));
  for (Vec3& r : out.positions()) r = (r.transpose() * ft).transpose();
  return out;
}

namespace {

// Central difference D(h) = (E(+h) - E(-h)) / 2h has error c₂h² + c₄h⁴ + ...; Richardson's
// extrapolation (4 D(h/2) - D(h)) / 3 cancels the h² term, leaving O(h⁴), so that small force
// components of stiff potentials are checked tightly without a step so small that rounding of
// the energy dominates.
template <class Difference>
double richardson(double h, Difference&& central_difference) {
  const double coarse = central_difference(h);
  const double fine = central_difference(0.5 * h);
  return (4.0 * fine - coarse) / 3.0;
}

bool close(double analytic, double numeric, double rel_tol, double abs_tol) {
  return std::abs(analytic - numeric) <= abs_tol + rel_tol * std::abs(analytic);
}

std::string fmt(double x) {
  std::ostringstream s;
  s.precision(12);
  s << x;
  return s.str();
}

}  // namespace

void check_forces_by_central_difference(potentials::Potential& potential, const core::System& system, double h,
                                        double rel_tol, double abs_tol) {
  const potentials::ForceResult reference = evaluate(potential, system, {true, false, false});
  REQUIRE(reference.forces.size() == system.num_atoms());
  core::System work = system;
  const char* axis = "xyz";
  int failures = 0;
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    for (int c = 0; c < 3; ++c) {
      Vec3& r = work.positions()[i];
      const double saved = r[c];
      const double numeric = -richardson(h, [&](double step) {
        r[c] = saved + step;
        const double e_plus = energy_of(potential, work);
        r[c] = saved - step;
        const double e_minus = energy_of(potential, work);
        r[c] = saved;
        return (e_plus - e_minus) / (2.0 * step);
      });
      const double analytic = reference.forces[i][c];
      if (!close(analytic, numeric, rel_tol, abs_tol)) {
        ++failures;
        INFO(potential.name() << ": atom " << i << " (id " << system.ids()[i] << ", Z " << system.atomic_numbers()[i]
                              << ") F_" << axis[c] << " analytic " << fmt(analytic) << " vs -dE/dx " << fmt(numeric)
                              << " (h " << h << ", rel_tol " << rel_tol << ", abs_tol " << abs_tol << ")");
        CHECK(close(analytic, numeric, rel_tol, abs_tol));
        if (failures > 10) return;  // enough to diagnose
      }
    }
  }
  CHECK(failures == 0);

  // One random direction u of all 3N coordinates: dE/dλ along x + λu equals -Σ F·u.
  core::Rng rng(12345, 104);
  std::vector<Vec3> u(system.num_atoms());
  double norm_sq = 0.0;
  for (Vec3& v : u) {
    v = Vec3(rng.normal(), rng.normal(), rng.normal());
    norm_sq += v.squaredNorm();
  }
  double force_norm_sq = 0.0;
  double analytic = 0.0;
  for (std::size_t i = 0; i < u.size(); ++i) {
    u[i] /= std::sqrt(norm_sq);
    analytic += reference.forces[i].dot(u[i]);
    force_norm_sq += reference.forces[i].squaredNorm();
  }
  const double numeric = -richardson(h, [&](double step) {
    core::System plus = system;
    core::System minus = system;
    for (std::size_t i = 0; i < u.size(); ++i) {
      plus.positions()[i] += step * u[i];
      minus.positions()[i] -= step * u[i];
    }
    return (energy_of(potential, plus) - energy_of(potential, minus)) / (2.0 * step);
  });
  // |F·u| can be small by cancellation, so the relative tolerance refers to |F| (>= |F·u|).
  INFO(potential.name() << ": random direction: F.u analytic " << fmt(analytic) << " vs -dE/dlambda " << fmt(numeric)
                        << " (|F| " << fmt(std::sqrt(force_norm_sq)) << ")");
  CHECK(std::abs(analytic - numeric) <= abs_tol + rel_tol * std::sqrt(force_norm_sq));
}

void check_virial_by_strain(potentials::Potential& potential, const core::System& system, double h, double rel_tol,
                            double abs_tol) {
  const potentials::ForceResult reference = evaluate(potential, system, {false, true, false});
  const Mat3& w = reference.virial;
  Mat3 numeric = Mat3::Zero();
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) {
      numeric(a, b) = -richardson(h, [&](double step) {
        Mat3 strain = Mat3::Zero();
        strain(a, b) = step;
        const double e_plus = energy_of(potential, strained(system, strain));
        const double e_minus = energy_of(potential, strained(system, -strain));
        return (e_plus - e_minus) / (2.0 * step);
      });
    }
  }
  const char* axis = "xyz";
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) {
      INFO(potential.name() << ": W_" << axis[a] << axis[b] << " analytic " << fmt(w(a, b)) << " vs -dE/de "
                            << fmt(numeric(a, b)) << " (h " << h << ")");
      CHECK(close(w(a, b), numeric(a, b), rel_tol, abs_tol));
      // Rotational invariance makes the virial symmetric; the numerical one measures it
      // independently of the potential's own bookkeeping.
      INFO("symmetry: W_ab " << fmt(w(a, b)) << " W_ba " << fmt(w(b, a)) << "; numeric " << fmt(numeric(a, b))
                             << " vs " << fmt(numeric(b, a)));
      CHECK(close(w(a, b), w(b, a), rel_tol, abs_tol));
      CHECK(close(numeric(a, b), numeric(b, a), rel_tol, abs_tol + rel_tol * std::abs(w(a, b))));
    }
  }
}

namespace {

double max_abs(const std::vector<Vec3>& v) {
  double m = 0.0;
  for (const Vec3& x : v) m = std::max(m, x.cwiseAbs().maxCoeff());
  return m;
}

}  // namespace

void check_same_result(const potentials::ForceResult& a, const potentials::ForceResult& b, double rel_tol,
                       double abs_tol, const std::string& what) {
  {
    INFO(what << ": energy " << fmt(a.energy) << " vs " << fmt(b.energy));
    CHECK(std::abs(a.energy - b.energy) <= abs_tol + rel_tol * std::abs(a.energy));
  }
  if (!a.forces.empty() && !b.forces.empty()) {
    REQUIRE(a.forces.size() == b.forces.size());
    const double tol = abs_tol + rel_tol * max_abs(a.forces);
    double worst = 0.0;
    std::size_t worst_atom = 0;
    for (std::size_t i = 0; i < a.forces.size(); ++i) {
      const double d = (a.forces[i] - b.forces[i]).cwiseAbs().maxCoeff();
      if (d > worst) {
        worst = d;
        worst_atom = i;
      }
    }
    INFO(what << ": largest force difference " << fmt(worst) << " at atom " << worst_atom << " (tolerance "
              << fmt(tol) << ")");
    CHECK(worst <= tol);
  }
  {
    const double tol = abs_tol + rel_tol * a.virial.cwiseAbs().maxCoeff();
    INFO(what << ": virial\n" << a.virial << "\nvs\n" << b.virial);
    CHECK((a.virial - b.virial).cwiseAbs().maxCoeff() <= tol);
  }
  if (!a.per_atom_energy.empty() && !b.per_atom_energy.empty()) {
    REQUIRE(a.per_atom_energy.size() == b.per_atom_energy.size());
    double scale = 0.0;
    double worst = 0.0;
    for (std::size_t i = 0; i < a.per_atom_energy.size(); ++i) {
      scale = std::max(scale, std::abs(a.per_atom_energy[i]));
      worst = std::max(worst, std::abs(a.per_atom_energy[i] - b.per_atom_energy[i]));
    }
    INFO(what << ": largest per-atom energy difference " << fmt(worst));
    CHECK(worst <= abs_tol + rel_tol * scale);
  }
}

void check_symmetries(potentials::Potential& potential, const core::System& system, std::uint64_t seed,
                      double rel_tol, double abs_tol) {
  const bool per_atom = potential.has_per_atom_energy();
  const potentials::ForceRequest all{true, true, per_atom};
  const potentials::ForceResult reference = evaluate(potential, system, all);
  const std::size_t n = system.num_atoms();
  core::Rng rng(seed, 105);

  // Total force (Newton's third law / translation invariance).
  {
    Vec3 total = Vec3::Zero();
    double sum_abs = 0.0;
    for (const Vec3& f : reference.forces) {
      total += f;
      sum_abs += f.norm();
    }
    INFO(potential.name() << ": total force " << total.transpose() << ", sum |F_i| " << fmt(sum_abs));
    CHECK(total.norm() <= abs_tol + rel_tol * sum_abs);
  }
  if (per_atom) {
    REQUIRE(reference.per_atom_energy.size() == n);
    const double sum = std::accumulate(reference.per_atom_energy.begin(), reference.per_atom_energy.end(), 0.0);
    INFO(potential.name() << ": sum of per-atom energies " << fmt(sum) << " vs energy " << fmt(reference.energy));
    CHECK(std::abs(sum - reference.energy) <= abs_tol + rel_tol * std::abs(reference.energy));
  }
  {
    const double e = energy_of(potential, system);
    INFO(potential.name() << ": energy() " << fmt(e) << " vs compute().energy " << fmt(reference.energy));
    CHECK(std::abs(e - reference.energy) <= abs_tol + rel_tol * std::abs(reference.energy));
  }

  // Translation (positions are not wrapped back: the potential must not care).
  {
    core::System moved = system;
    const Vec3 t(rng.uniform(-10, 10), rng.uniform(-10, 10), rng.uniform(-10, 10));
    for (Vec3& r : moved.positions()) r += t;
    check_same_result(reference, evaluate(potential, moved, all), rel_tol, abs_tol, potential.name() + " translated");
  }
  // Rotation of cell and atoms: r -> R r, so F -> R F and W -> R W Rᵀ.
  {
    const Mat3 rot = random_rotation(seed);
    core::System turned = system;
    turned.set_cell(core::Cell(system.cell().matrix() * rot.transpose(), system.cell().pbc()));
    for (Vec3& r : turned.positions()) r = rot * r;
    potentials::ForceResult expected = reference;
    for (Vec3& f : expected.forces) f = rot * f;
    expected.virial = rot * reference.virial * rot.transpose();
    check_same_result(expected, evaluate(potential, turned, all), rel_tol, abs_tol, potential.name() + " rotated");
  }
  // Permutation: atoms listed in a random order (ids kept); forces and per-atom energies follow.
  {
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    for (std::size_t k = n; k > 1; --k) std::swap(order[k - 1], order[rng.uniform_index(k)]);
    core::System shuffled(system.cell());
    for (const std::size_t i : order) {
      core::AtomSpec atom;
      atom.z = system.atomic_numbers()[i];
      atom.position = system.positions()[i];
      atom.mass = system.masses()[i];
      atom.id = system.ids()[i];
      shuffled.add_atom(atom);
    }
    potentials::ForceResult expected = reference;
    for (std::size_t k = 0; k < n; ++k) {
      expected.forces[k] = reference.forces[order[k]];
      if (per_atom) expected.per_atom_energy[k] = reference.per_atom_energy[order[k]];
    }
    check_same_result(expected, evaluate(potential, shuffled, all), rel_tol, abs_tol, potential.name() + " permuted");
  }
  // Re-wrapping: each atom moved by whole lattice vectors on the periodic axes.
  if (system.cell().any_periodic()) {
    core::System rewrapped = system;
    for (Vec3& r : rewrapped.positions()) {
      for (int axis = 0; axis < 3; ++axis) {
        if (!system.cell().periodic(axis)) continue;
        const double k = static_cast<double>(rng.uniform_index(5)) - 2.0;
        r += k * system.cell().vector(axis);
      }
    }
    check_same_result(reference, evaluate(potential, rewrapped, all), rel_tol, abs_tol, potential.name() + " re-wrapped");
  }
}

potentials::ForceResult evaluate_with_threads(potentials::Potential& potential, const core::System& system,
                                              int num_threads, std::optional<core::NeighborKind> kind) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(num_threads);
  potentials::ForceResult result;
  try {
    result = evaluate(potential, system, {true, true, potential.has_per_atom_energy()}, kind);
  } catch (...) {
    omp_set_num_threads(saved);
    throw;
  }
  omp_set_num_threads(saved);
  return result;
}

void ReferenceDeviation::widen(const ReferenceDeviation& other) {
  energy = std::max(energy, other.energy);
  force = std::max(force, other.force);
  stress = std::max(stress, other.stress);
  per_atom = std::max(per_atom, other.per_atom);
}

ReferenceDeviation deviation_from(const potentials::ForceResult& ours, const ReferenceResult& ref,
                                  const core::System& system) {
  constexpr double kEvPerA3ToGPa = 160.21766208;
  ReferenceDeviation d;
  const auto n = static_cast<double>(system.num_atoms());
  d.energy = std::abs(ours.energy - ref.energy) / n;
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    d.force = std::max(d.force, (ours.forces[i] - ref.forces[i]).cwiseAbs().maxCoeff());
    d.per_atom = std::max(d.per_atom, std::abs(ours.per_atom_energy[i] - ref.energies[i]));
  }
  const core::Mat3 stress = -ours.virial / system.cell().volume();
  const double s6[6] = {stress(0, 0), stress(1, 1), stress(2, 2), stress(1, 2), stress(0, 2), stress(0, 1)};
  for (std::size_t a = 0; a < 6; ++a) d.stress = std::max(d.stress, std::abs(s6[a] - ref.stress[a]) * kEvPerA3ToGPa);
  return d;
}

}  // namespace ioncycle::testing
