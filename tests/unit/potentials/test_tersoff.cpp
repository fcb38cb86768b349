// SPDX-License-Identifier: MIT
//
// Tests of the Tersoff potential: reading LAMMPS .tersoff files (and rejecting malformed ones at
// the right line), forces and virial against finite differences of the energy, symmetries,
// a closed-form value for ideal graphene, and agreement with Debian's LAMMPS.
#include <omp.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/neighbor_list.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"
#include "lammps_runner.hpp"
#include "potential_checks.hpp"
#include "potentials/tersoff.hpp"
#include "testing.hpp"

using ioncycle::InputError;
using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::potentials::ForceRequest;
using ioncycle::potentials::ForceResult;
using ioncycle::potentials::Tersoff;
using ioncycle::potentials::TersoffEntry;
using ioncycle::potentials::TersoffParameters;
namespace testing = ioncycle::testing;

namespace {

constexpr int kB = 5;
constexpr int kC = 6;
constexpr int kN = 7;

// LAMMPS' parameter files as installed by Debian's lammps-data (scripts/setup installs it).
std::string lammps_potential(const std::string& name) { return "/usr/share/lammps/potentials/" + name; }

// Honeycomb layers in LAMMPS orientation: a1 = (a, 0, 0), a2 = (a/2, a√3/2, 0), a = √3 a_cc,
// two atoms per layer cell at fractional (0, 0) and (1/3, 1/3); AB stacking shifts every second
// layer by (a1 + a2)/3. The supercell is n1 a1, n2 a2 and a third vector c ẑ + a1 + a2, an
// equivalent choice for the stacked layers that makes the cell fully triclinic (tilts xy = n2 a/2,
// xz = 3a/2, yz = a√3/2: within LAMMPS' limit of half the box length when 2 <= n2 <= n1, n1 >= 3).
// Layer l sits at z = 1 + l c/layers. Each Cartesian component is then displaced uniformly in
// ±max_displacement; with several species, each atom's is drawn at random.
System honeycomb(int n1, int n2, int layers, double a_cc, double c, double max_displacement,
                 std::uint64_t seed, const std::vector<int>& species = {kC}) {
  const double a = std::sqrt(3.0) * a_cc;
  const Vec3 a1(a, 0.0, 0.0);
  const Vec3 a2(0.5 * a, 0.5 * std::sqrt(3.0) * a, 0.0);
  Mat3 h;
  h.row(0) = n1 * a1.transpose();
  h.row(1) = n2 * a2.transpose();
  h.row(2) = (Vec3(0.0, 0.0, c) + a1 + a2).transpose();
  System system{Cell(h)};
  ioncycle::core::Rng rng(seed, 7);
  const double spacing = c / layers;
  for (int layer = 0; layer < layers; ++layer) {
    const Vec3 stacking = (layer % 2 == 1) ? Vec3((a1 + a2) / 3.0) : Vec3::Zero();
    for (int i = 0; i < n1; ++i) {
      for (int j = 0; j < n2; ++j) {
        for (int basis = 0; basis < 2; ++basis) {
          ioncycle::core::AtomSpec atom;
          const double pick = rng.uniform() * 0.999999 * static_cast<double>(species.size());
          atom.z = species[species.size() == 1 ? 0 : static_cast<std::size_t>(pick)];
          const Vec3 base = i * a1 + j * a2 + stacking + (basis == 1 ? Vec3((a1 + a2) / 3.0) : Vec3::Zero()) +
                            Vec3(0.0, 0.0, layer * spacing + 1.0);
          const Vec3 shake(rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0));
          atom.position = base + max_displacement * shake;
          system.add_atom(atom);
        }
      }
    }
  }
  return system;
}

Tersoff bnc_carbon() { return Tersoff::from_file(lammps_potential("BNC.tersoff"), {"C"}); }

// The C C C entry of BNC.tersoff (Lindsay & Broido, PRB 81, 205441 (2010)), typed in from the
// file so that the closed-form check below does not depend on the parser.
struct CarbonParameters {
  double gamma = 1.0, c = 3.8049e4, d = 4.3484, h = -0.93, n = 0.72751, beta = 1.5724e-7;
  double lambda2 = 2.2119, B = 430.0, R = 1.95, D = 0.15, lambda1 = 3.4879, A = 1393.6;
};

// Energy per atom of an ideal honeycomb layer with bond length r when only the three nearest
// neighbours lie within R + D (r < (R + D)/√3 would bring in second neighbours): every atom i has
// three equivalent bonds, and for each bond i-j the other two neighbours k sit at r_ik = r_ij = r
// with θ_ijk = 120°. Hence, from E = 1/2 Σ_i Σ_j f_C [f_R + b f_A]:
//   ζ = 2 f_C(r) g(120°)   (the exponential is 1 as r_ij = r_ik),
//   b = (1 + (βζ)^n)^(-1/(2n)),
//   E/N = 3/2 f_C(r) [A e^(-λ1 r) - b B e^(-λ2 r)].
double graphene_energy_per_atom(const CarbonParameters& p, double r) {
  double fc = 1.0;
  if (r > p.R + p.D) {
    fc = 0.0;
  } else if (r > p.R - p.D) {
    fc = 0.5 - 0.5 * std::sin(0.5 * std::numbers::pi * (r - p.R) / p.D);
  }
  const double cos_theta = -0.5;
  const double g = p.gamma * (1.0 + p.c * p.c / (p.d * p.d) -
                              p.c * p.c / (p.d * p.d + (p.h - cos_theta) * (p.h - cos_theta)));
  const double zeta = 2.0 * fc * g;
  const double b = std::pow(1.0 + std::pow(p.beta * zeta, p.n), -1.0 / (2.0 * p.n));
  return 1.5 * fc * (p.A * std::exp(-p.lambda1 * r) - b * p.B * std::exp(-p.lambda2 * r));
}

// Runs `body` with OpenMP limited to `threads`, restoring the previous setting (also on throw).
template <class F>
auto with_threads(int threads, F&& body) {
  struct Restore {
    int saved = omp_get_max_threads();
    ~Restore() { omp_set_num_threads(saved); }
  } restore;
  omp_set_num_threads(threads);
  return body();
}

ForceRequest everything() { return ForceRequest{true, true, true}; }

// A random dense structure for the silicon / GaN parameter sets, where many pairs fall inside
// the cutoff region R - D .. R + D and the λ3 exponential is active.
System random_dense(const std::vector<int>& species, int num_atoms, double volume, double min_distance,
                    std::uint64_t seed) {
  return testing::random_structure(species, num_atoms, testing::random_triclinic_cell(volume, seed), min_distance,
                                   seed + 1);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Reading parameter files

TEST_CASE("Tersoff reads the carbon entries of BNC.tersoff", "[unit][potentials][tersoff]") {
  const Tersoff tersoff = bnc_carbon();
  CHECK(tersoff.name() == "tersoff");
  CHECK(tersoff.cutoff() == Approx(2.1).epsilon(1e-15));  // R + D = 1.95 + 0.15
  CHECK(tersoff.neighbor_request().kind == ioncycle::core::NeighborKind::full);
  CHECK(tersoff.supports(kC));
  CHECK_FALSE(tersoff.supports(kB));
  CHECK(tersoff.supported_species() == "C");
  const TersoffParameters& p = tersoff.parameters(kC, kC, kC);
  CHECK(p.m == 3.0);
  CHECK(p.c == 3.8049e4);
  CHECK(p.costheta0 == -0.93);
  CHECK(p.beta == 1.5724e-7);
  CHECK(p.A == 1393.6);
  CHECK(p.lambda1 == 3.4879);
  CHECK_THROWS_AS(tersoff.parameters(kC, kC, kB), InputError);
}

TEST_CASE("Tersoff takes B, N and C from BNC.tersoff with the LAMMPS entry rule", "[unit][potentials][tersoff]") {
  const Tersoff tersoff = Tersoff::from_file(lammps_potential("BNC.tersoff"), {"B", "N", "C"});
  CHECK(tersoff.supported_species() == "B, N, C");
  CHECK(tersoff.atomic_numbers() == std::vector<int>{kB, kN, kC});
  // Three-body entries differ from the two-body ones: C B B (two-body C-B) has D = 0.10,
  // C C B (three-body, k = B) has D = 0.15.
  CHECK(tersoff.parameters(kC, kB, kB).D == 0.10);
  CHECK(tersoff.parameters(kC, kC, kB).D == 0.15);
  CHECK(tersoff.parameters(kN, kB, kB).B == 340.0);
  CHECK(tersoff.cutoff() == Approx(2.1));
}

TEST_CASE("Every .tersoff file shipped with LAMMPS loads for its elements", "[unit][potentials][tersoff]") {
  struct Case {
    const char* file;
    std::vector<std::string> elements;
    double cutoff;
  };
  const std::vector<Case> cases = {
      {"Si.tersoff", {"Si"}, 3.2},
      {"Ge.tersoff", {"Ge"}, 3.1},
      {"SiC.tersoff", {"Si", "C"}, 3.0},
      {"SiC_1989.tersoff", {"Si", "C"}, 3.0},
      {"SiC_1990.tersoff", {"Si", "C"}, 2.5},  // D = 0: a step cutoff
      {"SiC_1994.tersoff", {"Si", "C"}, 3.0},
      {"SiC_Erhart-Albe.tersoff", {"Si", "C"}, 2.96},
      {"SiCGe.tersoff", {"Si(D)", "C"}, 3.0},  // LAMMPS' variant labels (no C-Ge entries)
      {"GaN.tersoff", {"Ga", "N"}, 3.1},  // R + D = 2.9 + 0.2 of Ga Ga N
      {"BNC.tersoff", {"B", "N", "C"}, 2.1},
      {"SiO.tersoff", {"Si", "O"}, 2.8},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    const std::string path = lammps_potential(c.file);
    REQUIRE(std::filesystem::exists(path));
    const Tersoff tersoff = Tersoff::from_file(path, c.elements);
    CHECK(tersoff.atomic_numbers().size() == c.elements.size());
    CHECK(tersoff.cutoff() == Approx(c.cutoff).epsilon(1e-12));
  }
  // "Si(D)" stands for silicon; "Si(B)" is a different parameter set in the same file.
  const Tersoff d = Tersoff::from_file(lammps_potential("SiCGe.tersoff"), {"Si(D)"});
  const Tersoff b = Tersoff::from_file(lammps_potential("SiCGe.tersoff"), {"Si(B)"});
  CHECK(d.supports(14));
  CHECK(d.parameters(14, 14, 14).lambda1 != b.parameters(14, 14, 14).lambda1);
}

TEST_CASE("Tersoff built from entries checks completeness and values", "[unit][potentials][tersoff]") {
  TersoffParameters p;
  p.c = 4.8381;
  p.d = 2.0417;
  p.n = 22.956;
  p.beta = 0.33675;
  p.lambda2 = 1.3258;
  p.B = 95.373;
  p.R = 3.0;
  p.D = 0.2;
  p.lambda1 = 3.2394;
  p.A = 3264.7;
  const Tersoff si({TersoffEntry{{14, 14, 14}, p}});
  CHECK(si.cutoff() == Approx(3.2));
  // Two elements need all eight triplets.
  CHECK_THROWS_AS(Tersoff({TersoffEntry{{14, 14, 14}, p}, TersoffEntry{{6, 6, 6}, p}}), InputError);
  CHECK_THROWS_AS(Tersoff({TersoffEntry{{14, 14, 14}, p}, TersoffEntry{{14, 14, 14}, p}}), InputError);
  TersoffParameters bad = p;
  bad.m = 2.0;
  CHECK_THROWS_WITH(Tersoff({TersoffEntry{{14, 14, 14}, bad}}), Catch::Contains("'m' must be 1 or 3"));
  bad = p;
  bad.R = -3.0;
  CHECK_THROWS_WITH(Tersoff({TersoffEntry{{14, 14, 14}, bad}}), Catch::Contains("'R' must not be negative"));
  CHECK_THROWS_AS(Tersoff(std::vector<TersoffEntry>{}), InputError);
}

namespace {

struct BadFile {
  const char* file;
  std::vector<std::string> elements;
  int line;
  int column;  // 0: not checked
  const char* message;
};

// Each bad file in tests/data/tersoff with where the error must point; its first line says the
// same in words.
const std::vector<BadFile> kBadFiles = {
    {"bad_too_few_values.tersoff", {"C"}, 3, 1, "has 13 numbers; expected 14"},
    {"bad_truncated.tersoff", {"C"}, 3, 1, "has 12 numbers and the file ends"},
    {"bad_too_many_values.tersoff", {"C"}, 4, 1, "expected an element symbol, found the number '1393.6'"},
    {"bad_not_a_number.tersoff", {"C"}, 4, 7, "'4.3484x' is not a number (parameter 'd'"},
    {"bad_unknown_element.tersoff", {"C"}, 4, 3, "unknown element 'Cx'"},
    {"bad_element_case.tersoff", {"C"}, 3, 5, "unknown element 'c'"},
    {"bad_negative_cutoff.tersoff", {"C"}, 3, 76, "'R' must not be negative"},
    {"bad_d_greater_than_r.tersoff", {"C"}, 4, 26, "'D' must not exceed 'R'"},
    {"bad_m.tersoff", {"C"}, 3, 7, "'m' must be 1 or 3"},
    {"bad_d_zero.tersoff", {"C"}, 3, 28, "'d' must be positive"},
    {"bad_n_zero.tersoff", {"C"}, 3, 44, "'n' must be positive"},
    {"bad_duplicate.tersoff", {"C"}, 4, 1, "a second Tersoff entry for 'C C C'"},
    {"bad_missing_triplet.tersoff", {"B", "C"}, 11, 0, "no Tersoff entry for 'B C C'"},
    {"bad_no_entries.tersoff", {"C"}, 3, 0, "has no entries"},
    {"bad_element_absent.tersoff", {"C", "Si"}, 3, 0, "no entries for 'Si'"},
};

}  // namespace

TEST_CASE("Malformed .tersoff files are InputErrors at file:line:column", "[unit][potentials][tersoff]") {
  for (const BadFile& bad : kBadFiles) {
    const std::string path = testing::data_path(std::string("tersoff/") + bad.file);
    INFO(path);
    REQUIRE(std::filesystem::exists(path));
    try {
      (void)Tersoff::from_file(path, bad.elements);
      FAIL("no error for " << bad.file);
    } catch (const InputError& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(e.where().file == path);
      CHECK(e.where().line == bad.line);
      if (bad.column > 0) CHECK(e.where().column == bad.column);
      CHECK(what.find(std::string(bad.file) + ":" + std::to_string(bad.line) + ":") != std::string::npos);
      CHECK(what.find(bad.message) != std::string::npos);
      CHECK_FALSE(e.hint().empty());
    }
  }
}

TEST_CASE("Every bad .tersoff fixture has an expectation", "[unit][potentials][tersoff]") {
  std::set<std::string> listed;
  for (const BadFile& bad : kBadFiles) listed.insert(bad.file);
  std::size_t found = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::data_path("tersoff"))) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("bad_", 0) != 0) continue;
    ++found;
    INFO(name);
    CHECK(listed.count(name) == 1);
  }
  CHECK(found == listed.size());
}

TEST_CASE("Tersoff file errors that are not about a line", "[unit][potentials][tersoff]") {
  const std::string missing = testing::data_path("tersoff/no_such_file.tersoff");
  try {
    (void)Tersoff::from_file(missing, {"C"});
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.where().file == missing);
    CHECK(std::string(e.what()).find("cannot read") != std::string::npos);
  }
  // Mistakes in the element list are the caller's (e.g. a TOML key), so they carry no location.
  try {
    (void)Tersoff::from_file(lammps_potential("BNC.tersoff"), {"Cx"});
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK_FALSE(e.where().known());
    CHECK(e.message().find("'Cx' is not an element symbol") != std::string::npos);
  }
  CHECK_THROWS_AS(Tersoff::from_file(lammps_potential("BNC.tersoff"), {}), InputError);
  CHECK_THROWS_WITH(Tersoff::from_file(lammps_potential("SiCGe.tersoff"), {"Si(B)", "Si(D)"}),
                    Catch::Contains("are both Si"));
}

TEST_CASE("Tersoff rejects a system with an element it has no parameters for", "[unit][potentials][tersoff]") {
  Tersoff tersoff = bnc_carbon();
  System system = honeycomb(3, 3, 1, 1.42, 12.0, 0.0, 1);
  ioncycle::core::AtomSpec li;
  li.z = 3;
  li.position = Vec3(1.0, 1.0, 6.0);
  system.add_atom(li);
  CHECK_THROWS_WITH(testing::evaluate(tersoff, system), Catch::Contains("no parameters for Li"));
}

// ---------------------------------------------------------------------------------------------
// Physics

TEST_CASE("Tersoff energy of ideal graphene equals the closed form", "[unit][potentials][tersoff]") {
  // The closed form (graphene_energy_per_atom) uses only the parameters typed in from the file
  // and the geometry of a perfect honeycomb; the potential goes through the parser, the neighbor
  // list and the general three-body loop. Bond lengths: below R - D (f_C = 1) and inside the
  // cutoff region (f_C < 1, enters V_ij and ζ).
  Tersoff tersoff = bnc_carbon();
  const CarbonParameters p;
  for (const double r : {1.30, 1.42, 1.46, 1.86, 2.0}) {
    INFO("a_cc = " << r);
    const System system = honeycomb(4, 3, 1, r, 12.0, 0.0, 1);
    const ForceResult result = testing::evaluate(tersoff, system, everything());
    const double per_atom = result.energy / static_cast<double>(system.num_atoms());
    CHECK(per_atom == Approx(graphene_energy_per_atom(p, r)).epsilon(1e-13));
    for (const double e : result.per_atom_energy) CHECK(e == Approx(per_atom).epsilon(1e-12));
    for (const Vec3& f : result.forces) CHECK(f.norm() < 1e-10);
  }

  // The equilibrium bond length of the closed form (bisection on its central-difference slope)
  // is stress free in the potential: there dE/dr = 0, so the in-plane virial vanishes. Away from
  // it the biaxial virial is W_xx + W_yy = -dE/dε = -N r d(E/N)/dr.
  auto slope = [&](double r) {
    const double h = 1e-6;
    return (graphene_energy_per_atom(p, r + h) - graphene_energy_per_atom(p, r - h)) / (2.0 * h);
  };
  double lo = 1.3;
  double hi = 1.6;
  REQUIRE(slope(lo) < 0.0);
  REQUIRE(slope(hi) > 0.0);
  for (int iter = 0; iter < 100; ++iter) {
    const double mid = 0.5 * (lo + hi);
    (slope(mid) < 0.0 ? lo : hi) = mid;
  }
  const double r0 = 0.5 * (lo + hi);
  const double e0 = graphene_energy_per_atom(p, r0);
  INFO("closed form: a_cc = " << r0 << " A, cohesive energy " << e0 << " eV/atom");
  CHECK(r0 > 1.40);
  CHECK(r0 < 1.48);
  CHECK(e0 < -7.0);
  CHECK(e0 > -8.5);
  {
    const System system = honeycomb(4, 3, 1, r0, 12.0, 0.0, 1);
    const ForceResult result = testing::evaluate(tersoff, system, everything());
    CHECK(result.energy / static_cast<double>(system.num_atoms()) == Approx(e0).epsilon(1e-13));
    CHECK(std::abs(result.virial(0, 0)) < 1e-6);
    CHECK(std::abs(result.virial(1, 1)) < 1e-6);
    CHECK(std::abs(result.virial(2, 2)) < 1e-12);
  }
  for (const double r : {1.38, 1.45, 1.9}) {
    INFO("a_cc = " << r);
    const System system = honeycomb(4, 3, 1, r, 12.0, 0.0, 1);
    const ForceResult result = testing::evaluate(tersoff, system, everything());
    const double expected = -static_cast<double>(system.num_atoms()) * r * slope(r);
    CHECK(result.virial(0, 0) + result.virial(1, 1) == Approx(expected).epsilon(1e-7));
    // Hexagonal symmetry: the in-plane virial is isotropic.
    CHECK(result.virial(0, 0) == Approx(result.virial(1, 1)).epsilon(1e-10));
    CHECK(std::abs(result.virial(0, 1)) < 1e-9 * std::abs(result.virial(0, 0)));
  }
}

TEST_CASE("Tersoff per-atom energies share every bond term between its two atoms, as LAMMPS",
          "[unit][potentials][tersoff]") {
  // A bent C3 molecule in vacuum (no lattice): bonds 1-2 and 2-3 of length r, angle θ at atom 2.
  // From an end atom, the bond to the centre has no third atom (ζ = 0, b = 1):
  //   V_end = f_R(r) + f_A(r);
  // from the centre, each bond is weakened by the other end (ζ = g(θ), b < 1):
  //   V_centre = f_R(r) + b f_A(r).
  // E = 1/2 Σ_i Σ_j V_ij = V_end + V_centre. LAMMPS' pe/atom shares each half-bond term 1/2 V_ij
  // equally between i and j, so e_end = (V_end + V_centre)/4 and e_centre = (V_end + V_centre)/2;
  // the other common split, e_i = 1/2 Σ_j V_ij, would give e_end = V_end/2, which differs.
  Tersoff tersoff = bnc_carbon();
  const CarbonParameters p;
  const double r = 1.42;
  const double theta = 100.0 * std::numbers::pi / 180.0;
  System molecule;
  for (const Vec3& x : {Vec3(r, 0.0, 0.0), Vec3(0.0, 0.0, 0.0), Vec3(r * std::cos(theta), r * std::sin(theta), 0.0)}) {
    ioncycle::core::AtomSpec atom;
    atom.z = kC;
    atom.position = x;
    molecule.add_atom(atom);
  }
  const double cos_theta = std::cos(theta);
  const double g = p.gamma * (1.0 + p.c * p.c / (p.d * p.d) -
                              p.c * p.c / (p.d * p.d + (p.h - cos_theta) * (p.h - cos_theta)));
  const double b = std::pow(1.0 + std::pow(p.beta * g, p.n), -1.0 / (2.0 * p.n));
  const double f_r = p.A * std::exp(-p.lambda1 * r);
  const double f_a = -p.B * std::exp(-p.lambda2 * r);
  const double v_end = f_r + f_a;
  const double v_centre = f_r + b * f_a;
  const ForceResult result = testing::evaluate(tersoff, molecule, everything());
  CHECK(result.energy == Approx(v_end + v_centre).epsilon(1e-13));
  REQUIRE(result.per_atom_energy.size() == 3);
  CHECK(result.per_atom_energy[0] == Approx(0.25 * (v_end + v_centre)).epsilon(1e-13));
  CHECK(result.per_atom_energy[1] == Approx(0.5 * (v_end + v_centre)).epsilon(1e-13));
  CHECK(result.per_atom_energy[2] == Approx(0.25 * (v_end + v_centre)).epsilon(1e-13));
  CHECK(std::abs(result.per_atom_energy[0] - 0.5 * v_end) > 0.1);
}

TEST_CASE("Tersoff forces and virial are derivatives of the energy: graphene and graphite",
          "[unit][potentials][tersoff]") {
  Tersoff tersoff = bnc_carbon();
  SECTION("graphene, displaced") {
    const System system = honeycomb(4, 3, 1, 1.44, 12.0, 0.15, 11);
    testing::check_forces_by_central_difference(tersoff, system, 1e-5, 1e-6, 1e-8);
    testing::check_virial_by_strain(tersoff, system, 1e-5, 1e-6, 1e-7);
  }
  SECTION("AB graphite, displaced") {
    const System system = honeycomb(4, 3, 2, 1.42, 6.7, 0.12, 12);
    testing::check_forces_by_central_difference(tersoff, system, 1e-5, 1e-6, 1e-8);
    testing::check_virial_by_strain(tersoff, system, 1e-5, 1e-6, 1e-7);
  }
  SECTION("stretched graphene: bonds in the cutoff region R - D .. R + D") {
    const System system = honeycomb(4, 3, 1, 1.86, 12.0, 0.12, 13);
    testing::check_forces_by_central_difference(tersoff, system, 1e-5, 1e-6, 1e-8);
    testing::check_virial_by_strain(tersoff, system, 1e-5, 1e-6, 1e-7);
  }
}

TEST_CASE("Tersoff forces and virial are derivatives of the energy: B, N, C mixture",
          "[unit][potentials][tersoff]") {
  // Random species on a honeycomb, so every kind of triplet occurs, including those whose
  // three-body cutoff (entry i j k) differs from the two-body one (entry i k k).
  Tersoff tersoff = Tersoff::from_file(lammps_potential("BNC.tersoff"), {"B", "N", "C"});
  // Near equilibrium, and stretched so that bonds fall in the cutoff regions.
  for (const double a_cc : {1.45, 1.9}) {
    INFO("a_cc = " << a_cc);
    System system = honeycomb(4, 4, 1, a_cc, 12.0, a_cc > 1.5 ? 0.1 : 0.2, 21, {kB, kN, kC});
    std::set<int> present(system.atomic_numbers().begin(), system.atomic_numbers().end());
    REQUIRE(present.size() == 3);
    testing::check_forces_by_central_difference(tersoff, system, 1e-5, 1e-6, 1e-8);
    testing::check_virial_by_strain(tersoff, system, 1e-5, 1e-6, 1e-7);
  }
}

TEST_CASE("Tersoff forces and virial are derivatives of the energy: λ3 with m = 3 and m = 1",
          "[unit][potentials][tersoff]") {
  SECTION("Si.tersoff (m = 3, λ3 = 1.3258), random dense silicon") {
    Tersoff tersoff = Tersoff::from_file(lammps_potential("Si.tersoff"), {"Si"});
    REQUIRE(tersoff.parameters(14, 14, 14).lambda3 != 0.0);
    const System system = random_dense({14}, 24, 24 * 20.0, 2.1, 31);
    testing::check_forces_by_central_difference(tersoff, system, 1e-5, 1e-6, 1e-8);
    testing::check_virial_by_strain(tersoff, system, 1e-5, 1e-6, 1e-7);
  }
  SECTION("GaN.tersoff (m = 1, λ3 != 0), random dense GaN") {
    Tersoff tersoff = Tersoff::from_file(lammps_potential("GaN.tersoff"), {"Ga", "N"});
    REQUIRE(tersoff.parameters(31, 31, 31).m == 1.0);
    const System system = random_dense({31, 7}, 24, 24 * 12.0, 1.7, 32);
    testing::check_forces_by_central_difference(tersoff, system, 1e-5, 1e-6, 1e-8);
    testing::check_virial_by_strain(tersoff, system, 1e-5, 1e-6, 1e-7);
  }
}

TEST_CASE("Tersoff is invariant under translation, rotation, permutation and re-wrapping",
          "[unit][potentials][tersoff]") {
  Tersoff tersoff = Tersoff::from_file(lammps_potential("BNC.tersoff"), {"B", "N", "C"});
  const System system = honeycomb(4, 4, 2, 1.45, 6.7, 0.15, 41, {kB, kN, kC});
  const ForceResult reference = testing::evaluate(tersoff, system, everything());
  const double tol = 1e-12 * std::abs(reference.energy);
  double force_scale = 0.0;
  for (const Vec3& f : reference.forces) force_scale = std::max(force_scale, f.norm());
  REQUIRE(force_scale > 0.1);

  SECTION("translation and re-wrapping") {
    System moved = system;
    const Vec3 shift(0.37, -1.21, 2.9);
    const Mat3& h = system.cell().matrix();
    for (std::size_t i = 0; i < moved.num_atoms(); ++i) {
      // Shift everything, and move every third atom by a lattice vector as well.
      Vec3 lattice = Vec3::Zero();
      if (i % 3 == 0) lattice = (h.row(0) - 2.0 * h.row(2)).transpose();
      moved.positions()[i] += shift + lattice;
    }
    const ForceResult result = testing::evaluate(tersoff, moved, everything());
    CHECK(std::abs(result.energy - reference.energy) < tol);
    for (std::size_t i = 0; i < system.num_atoms(); ++i) {
      CHECK((result.forces[i] - reference.forces[i]).norm() < 1e-10 * force_scale);
      CHECK(result.per_atom_energy[i] == Approx(reference.per_atom_energy[i]).margin(1e-11));
    }
    CHECK((result.virial - reference.virial).norm() < 1e-10 * reference.virial.norm());
  }
  SECTION("rotation of cell and atoms") {
    const Mat3 q = testing::random_rotation(5);
    System rotated = system;
    rotated.set_cell(Cell(system.cell().matrix() * q.transpose(), system.cell().pbc()));
    for (Vec3& r : rotated.positions()) r = q * r;
    const ForceResult result = testing::evaluate(tersoff, rotated, everything());
    CHECK(std::abs(result.energy - reference.energy) < tol);
    for (std::size_t i = 0; i < system.num_atoms(); ++i) {
      CHECK((result.forces[i] - q * reference.forces[i]).norm() < 1e-10 * force_scale);
    }
    // The virial is a tensor: W' = Q W Qᵀ.
    CHECK((result.virial - q * reference.virial * q.transpose()).norm() < 1e-10 * reference.virial.norm());
  }
  SECTION("permutation of atoms") {
    std::vector<std::size_t> order(system.num_atoms());
    std::iota(order.begin(), order.end(), std::size_t{0});
    ioncycle::core::Rng rng(3, 9);
    for (std::size_t i = order.size() - 1; i > 0; --i) {
      std::swap(order[i], order[static_cast<std::size_t>(rng.uniform() * 0.999999 * static_cast<double>(i + 1))]);
    }
    System permuted(system.cell());
    for (const std::size_t k : order) {
      ioncycle::core::AtomSpec atom;
      atom.z = system.atomic_numbers()[k];
      atom.position = system.positions()[k];
      permuted.add_atom(atom);
    }
    const ForceResult result = testing::evaluate(tersoff, permuted, everything());
    CHECK(std::abs(result.energy - reference.energy) < tol);
    for (std::size_t n = 0; n < order.size(); ++n) {
      CHECK((result.forces[n] - reference.forces[order[n]]).norm() < 1e-10 * force_scale);
      CHECK(result.per_atom_energy[n] == Approx(reference.per_atom_energy[order[n]]).margin(1e-11));
    }
  }
}

TEST_CASE("Tersoff bookkeeping: total force, per-atom energies, energy(), request flags",
          "[unit][potentials][tersoff]") {
  Tersoff tersoff = Tersoff::from_file(lammps_potential("BNC.tersoff"), {"B", "N", "C"});
  const System system = honeycomb(5, 4, 2, 1.45, 6.7, 0.15, 51, {kB, kN, kC});
  const ForceResult all = testing::evaluate(tersoff, system, everything());
  REQUIRE(all.forces.size() == system.num_atoms());
  REQUIRE(all.per_atom_energy.size() == system.num_atoms());

  Vec3 total = Vec3::Zero();
  double scale = 0.0;
  for (const Vec3& f : all.forces) {
    total += f;
    scale += f.norm();
  }
  CHECK(total.norm() < 1e-12 * scale);

  const double sum = std::accumulate(all.per_atom_energy.begin(), all.per_atom_energy.end(), 0.0);
  CHECK(sum == Approx(all.energy).epsilon(1e-13));
  // Atoms of the same element in different environments get different energies, and every
  // bonded atom has a negative one.
  for (const double e : all.per_atom_energy) CHECK(e < 0.0);

  CHECK(testing::energy_of(tersoff, system) == all.energy);
  const ForceResult energy_only = testing::evaluate(tersoff, system, ForceRequest{false, false, false});
  CHECK(energy_only.energy == all.energy);
  const ForceResult virial_only = testing::evaluate(tersoff, system, ForceRequest{false, true, false});
  CHECK(virial_only.virial == all.virial);
  const ForceResult forces_only = testing::evaluate(tersoff, system, ForceRequest{true, false, false});
  CHECK(forces_only.forces == all.forces);
  // A longer list (bigger skin) gives the same numbers: pairs beyond the cutoff are ignored.
  const ForceResult long_list = testing::evaluate(tersoff, system, everything(), std::nullopt, 2.5);
  CHECK(long_list.energy == Approx(all.energy).epsilon(1e-14));
  for (std::size_t i = 0; i < system.num_atoms(); ++i) CHECK((long_list.forces[i] - all.forces[i]).norm() < 1e-12);

  // Reusing one ForceResult and the potential's scratch across systems of different sizes.
  ForceResult reused;
  ioncycle::core::NeighborList list({tersoff.cutoff(), 0.5, ioncycle::core::NeighborKind::full});
  const System small = honeycomb(3, 3, 1, 1.42, 12.0, 0.1, 52);
  list.build(small);
  tersoff.compute(small, list, everything(), reused);
  CHECK(reused.forces.size() == small.num_atoms());
  list.build(system);
  tersoff.compute(system, list, everything(), reused);
  CHECK(reused.energy == all.energy);
  CHECK(reused.forces == all.forces);
}

TEST_CASE("Tersoff gives the same result on 1 and 2 threads", "[unit][potentials][tersoff]") {
  // Large enough (2304 atoms) for the potential's loops to run on a team of threads.
  Tersoff tersoff = Tersoff::from_file(lammps_potential("BNC.tersoff"), {"B", "N", "C"});
  const System system = honeycomb(24, 24, 2, 1.45, 6.7, 0.15, 61, {kB, kN, kC});
  const ForceResult one = with_threads(1, [&] { return testing::evaluate(tersoff, system, everything()); });
  const ForceResult two = with_threads(2, [&] { return testing::evaluate(tersoff, system, everything()); });
  CHECK(std::abs(one.energy - two.energy) <= 1e-10 * std::abs(one.energy));
  CHECK((one.virial - two.virial).norm() <= 1e-10 * one.virial.norm());
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    CHECK((one.forces[i] - two.forces[i]).norm() <= 1e-10 * std::max(1.0, one.forces[i].norm()));
    CHECK(std::abs(one.per_atom_energy[i] - two.per_atom_energy[i]) <= 1e-10 * std::abs(one.per_atom_energy[i]));
  }
  // Stronger than required: per-atom quantities are assembled by the thread that owns the atom
  // and totals are summed in atom order, so the results are bitwise identical (tersoff.hpp).
  CHECK(one.energy == two.energy);
  CHECK(one.virial == two.virial);
  CHECK(one.forces == two.forces);
  CHECK(one.per_atom_energy == two.per_atom_energy);
}

// ---------------------------------------------------------------------------------------------
// Against LAMMPS

namespace {

void compare_with_lammps(Tersoff& tersoff, const System& system, const std::vector<int>& type_order,
                         const std::string& pair_coeff) {
  REQUIRE_FALSE(testing::lammps_binary().empty());
  const ForceResult ours = testing::evaluate(tersoff, system, everything());
  const testing::LammpsResult lammps = testing::run_lammps(system, type_order, {"pair_style tersoff", pair_coeff});
  INFO(pair_coeff);
  const double n = static_cast<double>(system.num_atoms());
  INFO("energy per atom: ours " << ours.energy / n << ", LAMMPS " << lammps.energy / n);
  CHECK(std::abs(ours.energy - lammps.energy) / n < 1e-8);
  double worst = 0.0;
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    worst = std::max(worst, (ours.forces[i] - lammps.forces[i]).cwiseAbs().maxCoeff());
  }
  INFO("largest force difference " << worst << " eV/A");
  CHECK(worst < 1e-6);
  const double volume = system.cell().volume();
  CHECK(volume == Approx(lammps.volume).epsilon(1e-12));
  const Mat3 p_ours = ours.virial / volume;
  const Mat3 p_lammps = lammps.virial / lammps.volume;
  const double p_scale = p_lammps.cwiseAbs().maxCoeff();
  INFO("virial/V ours\n" << p_ours << "\nLAMMPS\n" << p_lammps);
  CHECK((p_ours - p_lammps).cwiseAbs().maxCoeff() <= 1e-6 * p_scale);
}

}  // namespace

TEST_CASE("Tersoff matches LAMMPS for graphene and AB graphite with BNC.tersoff",
          "[unit][potentials][tersoff][lammps]") {
  Tersoff tersoff = bnc_carbon();
  const std::string coeff = "pair_coeff * * " + lammps_potential("BNC.tersoff") + " C";
  SECTION("graphene") { compare_with_lammps(tersoff, honeycomb(5, 4, 1, 1.44, 12.0, 0.12, 71), {kC}, coeff); }
  SECTION("AB graphite") { compare_with_lammps(tersoff, honeycomb(5, 4, 2, 1.42, 6.7, 0.12, 72), {kC}, coeff); }
}

TEST_CASE("Tersoff matches LAMMPS for B, N, C mixtures", "[unit][potentials][tersoff][lammps]") {
  SECTION("BNC.tersoff, random B/N/C honeycomb") {
    Tersoff tersoff = Tersoff::from_file(lammps_potential("BNC.tersoff"), {"B", "N", "C"});
    compare_with_lammps(tersoff, honeycomb(5, 4, 2, 1.45, 6.7, 0.15, 81, {kB, kN, kC}), {kB, kN, kC},
                        "pair_coeff * * " + lammps_potential("BNC.tersoff") + " B N C");
  }
}

TEST_CASE("Tersoff matches LAMMPS with bonds in the cutoff region", "[unit][potentials][tersoff][lammps]") {
  SECTION("stretched graphene") {
    Tersoff tersoff = bnc_carbon();
    compare_with_lammps(tersoff, honeycomb(5, 4, 1, 1.86, 12.0, 0.1, 73), {kC},
                        "pair_coeff * * " + lammps_potential("BNC.tersoff") + " C");
  }
  SECTION("BNC.tersoff, stretched B/N/C honeycomb") {
    // Bonds of 1.75 - 2.05 A lie in the cutoff regions, where f_C(r_ik) inside ζ_ij (entry
    // i j k, e.g. C C B: D = 0.15) differs from f_C of the i-k bond itself (C B B: D = 0.10).
    Tersoff tersoff = Tersoff::from_file(lammps_potential("BNC.tersoff"), {"B", "N", "C"});
    compare_with_lammps(tersoff, honeycomb(5, 4, 2, 1.9, 6.7, 0.1, 84, {kB, kN, kC}), {kB, kN, kC},
                        "pair_coeff * * " + lammps_potential("BNC.tersoff") + " B N C");
  }
}

TEST_CASE("Tersoff matches LAMMPS for λ3 terms with m = 3 and m = 1", "[unit][potentials][tersoff][lammps]") {
  SECTION("Si.tersoff, random dense silicon") {
    Tersoff tersoff = Tersoff::from_file(lammps_potential("Si.tersoff"), {"Si"});
    compare_with_lammps(tersoff, random_dense({14}, 40, 40 * 20.0, 2.1, 82), {14},
                        "pair_coeff * * " + lammps_potential("Si.tersoff") + " Si");
  }
  SECTION("GaN.tersoff, random dense GaN") {
    Tersoff tersoff = Tersoff::from_file(lammps_potential("GaN.tersoff"), {"Ga", "N"});
    compare_with_lammps(tersoff, random_dense({31, 7}, 40, 40 * 12.0, 1.7, 83), {31, 7},
                        "pair_coeff * * " + lammps_potential("GaN.tersoff") + " Ga N");
  }
}

// ---------------------------------------------------------------------------------------------
// Timing (hidden: run with "[benchmark]")

TEST_CASE("Tersoff timing on 10,080-atom AB graphite", "[.][benchmark]") {
  Tersoff tersoff = bnc_carbon();
  const System system = honeycomb(36, 35, 4, 1.42, 4 * 3.35, 0.05, 91);
  ioncycle::core::NeighborList list({tersoff.cutoff(), 1.0, ioncycle::core::NeighborKind::full});
  list.build(system);
  ForceResult result;
  const ForceRequest request{true, true, false};
  tersoff.compute(system, list, request, result);  // warm-up: scratch sized
  const int repeats = 50;
  const auto start = std::chrono::steady_clock::now();
  for (int k = 0; k < repeats; ++k) tersoff.compute(system, list, request, result);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  WARN(system.num_atoms() << " atoms, " << omp_get_max_threads() << " thread(s): " << 1e3 * seconds / repeats
                          << " ms per compute (energy, forces, virial); E/N = "
                          << result.energy / static_cast<double>(system.num_atoms()) << " eV");
  CHECK(result.energy < 0.0);
}
