// SPDX-License-Identifier: MIT
//
// SevenNetPotential on the deployed SevenNet-0 model (models/sevennet-0.pt, written by
// scripts/setup) against SevenNet's own ASE calculator (sevenn.calculator.SevenNetCalculator
// '7net-0', the checkpoint the deployed file was made from) run in the venv, plus the physics
// checks every potential passes: forces = -∇E and virial = -∂E/∂ε by central differences,
// per-atom energies summing to E, energy() = compute().energy. The model runs in float32, so the
// finite-difference tolerances are those of float32 energies (see each case).
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "io/structure_io.hpp"
#include "potential_checks.hpp"
#include "potentials/potential_factory.hpp"
#include "potentials/sevennet_potential.hpp"
#include "testing.hpp"

using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::potentials::ForceRequest;
using ioncycle::potentials::SevenNetPotential;
namespace t = ioncycle::testing;
namespace core = ioncycle::core;

namespace {

std::string default_model() { return std::string(IONCYCLE_SOURCE_DIR) + "/models/sevennet-0.pt"; }

constexpr double kEvPerA3ToGPa = 160.21766208;

// One shared instance: loading the model takes about a second.
SevenNetPotential& model() {
  static SevenNetPotential potential(default_model());
  return potential;
}

Mat3 hexagonal(double a, double c) {
  Mat3 h;
  h << a, 0.0, 0.0, -0.5 * a, 0.5 * std::sqrt(3.0) * a, 0.0, 0.0, 0.0, c;
  return h;
}

System from_fractional(const Mat3& h, const std::vector<std::pair<int, Vec3>>& atoms) {
  System s{Cell(h)};
  for (const auto& [z, f] : atoms) {
    core::AtomSpec spec;
    spec.z = z;
    spec.position = h.transpose() * f;  // r = s · H (rows of H are lattice vectors)
    s.add_atom(spec);
  }
  return s;
}

// AB (Bernal) graphite, a = 2.46 Å, c = 6.70 Å, 4 atoms per cell.
System graphite() {
  return from_fractional(hexagonal(2.46, 6.70), {{6, {0.0, 0.0, 0.25}},
                                                  {6, {1.0 / 3.0, 2.0 / 3.0, 0.25}},
                                                  {6, {0.0, 0.0, 0.75}},
                                                  {6, {2.0 / 3.0, 1.0 / 3.0, 0.75}}});
}

void displace(System& s, double amplitude, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-amplitude, amplitude);
  for (auto& r : s.positions()) r += Vec3(u(rng), u(rng), u(rng));
}

// LiC6: Li above the hexagon centres of AA-stacked graphene, √3×√3 cell (P6/mmm, Li 1a, C 6k
// x = 1/3), a = 2.46 √3 Å, c = 3.70 Å.
System lic6() {
  const double x = 1.0 / 3.0;
  return from_fractional(hexagonal(2.46 * std::sqrt(3.0), 3.70),
                         {{3, {0.0, 0.0, 0.0}},
                          {6, {x, 0.0, 0.5}},
                          {6, {0.0, x, 0.5}},
                          {6, {-x, -x, 0.5}},
                          {6, {-x, 0.0, 0.5}},
                          {6, {0.0, -x, 0.5}},
                          {6, {x, x, 0.5}}});
}

struct Reference {
  double energy = 0.0;
  std::vector<Vec3> forces;
  std::array<double, 6> stress{};  // ASE Voigt xx yy zz yz xz xy, eV/Å³
};

// Run SevenNet's ASE calculator on every file in one Python process (its start-up dominates).
std::vector<Reference> reference(const std::vector<std::string>& files) {
  const std::string script =
      "import sys, warnings\n"
      "warnings.filterwarnings('ignore')\n"
      "import ase.io\n"
      "from sevenn.calculator import SevenNetCalculator\n"
      "calc = SevenNetCalculator('7net-0', device='cpu')\n"
      "for path in sys.argv[1:]:\n"
      "    at = ase.io.read(path)\n"
      "    at.calc = calc\n"
      "    e = at.get_potential_energy()\n"
      "    f = at.get_forces()\n"
      "    s = at.get_stress(voigt=True)\n"
      "    print('RESULT', len(at), repr(float(e)), ' '.join(repr(float(v)) for v in f.ravel()),\n"
      "          ' '.join(repr(float(v)) for v in s))\n";
  std::string args;
  for (const auto& f : files) args += t::shell_quote(f) + " ";
  const auto r = t::run_python(script, args);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::vector<Reference> out;
  for (const auto& line : t::tagged_lines(r.output, "RESULT")) {
    std::istringstream in(line);
    std::size_t n = 0;
    Reference ref;
    in >> n >> ref.energy;
    ref.forces.resize(n);
    for (auto& f : ref.forces) in >> f[0] >> f[1] >> f[2];
    for (auto& s : ref.stress) in >> s;
    REQUIRE(!in.fail());
    out.push_back(ref);
  }
  REQUIRE(out.size() == files.size());
  return out;
}

}  // namespace

TEST_CASE("SevenNet model loads: type map, cutoff and supported elements from its metadata",
          "[unit][potentials][sevennet]") {
  auto& p = model();
  CHECK(p.name() == "sevennet");
  CHECK(p.cutoff() == 5.0);
  CHECK(p.elements().size() == 89);
  for (const char* e : {"H", "Li", "C", "O", "Co", "Ni", "Mn"}) CHECK(p.supports(core::atomic_number(e)));
  // SevenNet-0 lacks Po, At, Rn, Fr, Ra.
  CHECK_FALSE(p.supports(core::atomic_number("Rn")));
  CHECK_FALSE(p.supports(core::atomic_number("Po")));
  CHECK(p.supported_species().find("Co") != std::string::npos);

  // Not a SevenNet model: refused with an InputError naming the file.
  const std::string dir = t::temp_dir("sevennet");
  const std::string bogus = dir + "/bogus.pt";
  std::ofstream(bogus) << "not a model\n";
  CHECK_THROWS_AS(SevenNetPotential(bogus), ioncycle::InputError);
  CHECK_THROWS_AS(SevenNetPotential(dir + "/missing.pt"), ioncycle::InputError);
}

TEST_CASE("SevenNet refuses a structure with an element the model lacks", "[unit][potentials][sevennet]") {
  System s = graphite();
  core::AtomSpec rn;
  rn.z = core::atomic_number("Rn");
  rn.position = Vec3(0.5, 0.5, 3.35);
  s.add_atom(rn);
  try {
    (void)t::evaluate(model(), s);
    FAIL("no error for Rn");
  } catch (const ioncycle::InputError& e) {
    const std::string msg = e.message();
    INFO(msg);
    CHECK(msg.find("Rn") != std::string::npos);
  }
}

TEST_CASE("SevenNet matches SevenNet's ASE calculator on the six acceptance structures",
          "[unit][potentials][sevennet][slow]") {
  // AB graphite 4x4x2, LiC6, LiCoO2 2x2x1, NMC811 5x2x1, graphite with a vacancy and a cell
  // narrower than twice the cutoff, built by ASE (tests/python/acceptance_structures.py).
  const std::string dir = t::temp_dir("sevennet_ref");
  const auto files = t::write_acceptance_structures(dir);
  struct Case {
    std::string name;
    System system;
  };
  std::vector<Case> cases;
  for (const auto& f : files) {
    cases.push_back({std::filesystem::path(f).stem().string(), ioncycle::io::read_frames(f).front().system});
  }
  const auto refs = reference(files);

  double worst_e = 0.0, worst_f = 0.0, worst_s = 0.0;
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const auto& sys = cases[k].system;
    const auto& ref = refs[k];
    INFO(cases[k].name);
    REQUIRE(ref.forces.size() == sys.num_atoms());
    const auto start = std::chrono::steady_clock::now();
    const auto ours = t::evaluate(model(), sys, ForceRequest{true, true, true});
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const auto n = static_cast<double>(sys.num_atoms());
    const double de = std::abs(ours.energy - ref.energy) / n;
    double df = 0.0;
    for (std::size_t i = 0; i < sys.num_atoms(); ++i) df = std::max(df, (ours.forces[i] - ref.forces[i]).cwiseAbs().maxCoeff());
    // Our stress = -W / V; ASE Voigt order xx yy zz yz xz xy.
    const Mat3 stress = -ours.virial / sys.cell().volume();
    const double s6[6] = {stress(0, 0), stress(1, 1), stress(2, 2), stress(1, 2), stress(0, 2), stress(0, 1)};
    double ds = 0.0;
    for (int a = 0; a < 6; ++a) ds = std::max(ds, std::abs(s6[a] - ref.stress[static_cast<std::size_t>(a)]) * kEvPerA3ToGPa);
    WARN(cases[k].name << ": " << sys.num_atoms() << " atoms, " << model().num_edges() << " edges, E = " << ours.energy
                       << " eV (ref " << ref.energy << "), |dE|/N = " << de << " eV, max|dF| = " << df
                       << " eV/A, max|dsigma| = " << ds << " GPa, compute " << ms << " ms");
    CHECK(de < 1e-4);
    CHECK(df < 2e-3);
    CHECK(ds < 1e-2);
    worst_e = std::max(worst_e, de);
    worst_f = std::max(worst_f, df);
    worst_s = std::max(worst_s, ds);

    // Per-atom energies sum to E; energy() agrees with compute() (float32 summation noise).
    double sum = 0.0;
    for (const double e : ours.per_atom_energy) sum += e;
    CHECK(sum == Approx(ours.energy).epsilon(0).margin(1e-4 * n));
    CHECK(t::energy_of(model(), sys) == Approx(ours.energy).epsilon(0).margin(1e-5 * n));
  }
  WARN("worst |dE|/N = " << worst_e << " eV, max|dF| = " << worst_f << " eV/A, max|dsigma| = " << worst_s << " GPa");
}

TEST_CASE("SevenNet forces and virial are derivatives of its energy (float32 tolerances)",
          "[unit][potentials][sevennet][slow]") {
  // LiC6 displaced: 7 atoms, E ≈ -60 eV, so one float32 ulp of E is ~4e-6 eV. With h = 0.01 Å
  // the central difference carries ~1e-3 eV/Å of rounding noise: tolerance 5e-3 eV/Å + 1%.
  System s = lic6();
  displace(s, 0.08, 3);
  t::check_forces_by_central_difference(model(), s, 1e-2, 1e-2, 5e-3);
  // Strain h = 1e-3: noise ~ 4e-6 / 2e-3 ≈ 2e-3 eV on W (|W| ~ eV): tolerance 1e-2 eV + 1%.
  t::check_virial_by_strain(model(), s, 1e-3, 1e-2, 1e-2);
}

TEST_CASE("[potential] type = \"sevennet\" builds the model from a path or \"default\"",
          "[unit][potentials][sevennet]") {
  using ioncycle::core::ConfigTable;
  using ioncycle::potentials::make_potential;
  // A path relative to the configuration file's directory.
  const auto rel = ConfigTable::parse_string("[potential]\ntype = \"sevennet\"\nmodel = \"models/sevennet-0.pt\"\n",
                                             "run.toml")
                       .require_table("potential");
  const auto p = make_potential(rel, IONCYCLE_SOURCE_DIR, {6});
  CHECK(p->name() == "sevennet");
  CHECK(p->cutoff() == 5.0);
  CHECK(p->supports(3));

  // "default": $IONCYCLE_DEFAULT_MODEL, else models/sevennet-0.pt above the executable (the
  // test binary lives in a build tree inside the repository).
  const std::string found = ioncycle::potentials::default_model_path();
  CHECK_FALSE(found.empty());
  const auto def = ConfigTable::parse_string("[potential]\ntype = \"sevennet\"\nmodel = \"default\"\n", "run.toml")
                       .require_table("potential");
  CHECK(make_potential(def, "/nonexistent", {6})->name() == "sevennet");

  // A missing model, and unknown keys, are InputErrors.
  const auto missing = ConfigTable::parse_string("[potential]\ntype = \"sevennet\"\nmodel = \"nope.pt\"\n", "run.toml")
                           .require_table("potential");
  CHECK_THROWS_AS(make_potential(missing, IONCYCLE_SOURCE_DIR, {6}), ioncycle::InputError);
  const auto extra = ConfigTable::parse_string(
                         "[potential]\ntype = \"sevennet\"\nmodel = \"default\"\ncutoff = 6.0\n", "run.toml")
                         .require_table("potential");
  CHECK_THROWS_AS(make_potential(extra, IONCYCLE_SOURCE_DIR, {6}), ioncycle::InputError);
}

TEST_CASE("SevenNet gives the same result for any OpenMP thread count of the graph build",
          "[unit][potentials][sevennet]") {
  System s = lic6();
  displace(s, 0.05, 9);
  const auto one = t::evaluate_with_threads(model(), s, 1);
  const auto two = t::evaluate_with_threads(model(), s, 2);
  // The edge order is fixed, so only torch's own reductions could differ (float32 rounding).
  t::check_same_result(one, two, 1e-5, 1e-5, "1 vs 2 threads");
}
