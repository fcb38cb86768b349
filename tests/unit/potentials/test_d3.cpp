// SPDX-License-Identifier: MIT
//
// D3Dispersion (DFT-D3 with Becke-Johnson damping, two-body terms) against the PyPI `dftd3`
// package (simple-dftd3, run by tests/python/d3_reference.py in the venv) with the same hard
// cutoffs converted to Bohr and the same unit constants (units::bohr, units::hartree), on the
// six acceptance structures of issue 4 and on a random triclinic cell, a slab, a cluster and
// every element Z = 1..86; plus forces and virial against central differences, thread-count
// independence, the symmetries every potential passes, and the input errors.
//
// Needs models/d3/dftd3-reference.txt (scripts/setup, stage 3b).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "core/units.hpp"
#include "io/structure_io.hpp"
#include "potential_checks.hpp"
#include "potentials/d3_dispersion.hpp"
#include "potentials/d3_parameters.hpp"
#include "testing.hpp"

using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::potentials::D3Damping;
using ioncycle::potentials::D3Dispersion;
using ioncycle::potentials::D3Settings;
using ioncycle::potentials::ForceRequest;
using ioncycle::potentials::ForceResult;
namespace t = ioncycle::testing;
namespace core = ioncycle::core;
namespace units = ioncycle::units;
namespace io = ioncycle::io;

namespace {

// D3(BJ, PBE) at the reference cutoffs of the dftd3 comparisons (95 / 40 Bohr, no tail); one
// instance (the table takes ~50 ms to read).
D3Dispersion& pbe() {
  static D3Dispersion d3 = [] {
    D3Settings settings;
    settings.cutoff = ioncycle::potentials::kD3ReferenceCutoff;
    settings.cn_cutoff = ioncycle::potentials::kD3ReferenceCnCutoff;
    settings.tail_correction = false;
    return D3Dispersion(settings);
  }();
  return d3;
}

struct Reference {
  double energy = 0.0;          // eV
  std::vector<Vec3> forces;     // eV/Å
  Mat3 virial = Mat3::Zero();   // eV, LAMMPS sign
};

std::string helper() { return std::string(IONCYCLE_SOURCE_DIR) + "/tests/python/d3_reference.py"; }

// dftd3 on every item ("file.xyz" or "file.xyz@method") in one Python process, with the cutoffs
// (Å) converted to Bohr by the same constant as the C++ side.
std::vector<Reference> reference(const std::vector<std::string>& items, double cutoff, double cn_cutoff) {
  std::string args = " --bohr " + core::format_double(units::bohr) + " --hartree " + core::format_double(units::hartree) +
                     " --cutoff " + core::format_double(cutoff / units::bohr) + " --cn-cutoff " +
                     core::format_double(cn_cutoff / units::bohr);
  for (const auto& item : items) args += " " + t::shell_quote(item);
  const auto r = t::run_command(t::shell_quote(t::python()) + " " + t::shell_quote(helper()) + args);
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
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b) in >> ref.virial(a, b);
    }
    REQUIRE(!in.fail());
    out.push_back(ref);
  }
  REQUIRE(out.size() == items.size());
  return out;
}

std::string write_xyz(const std::string& dir, const std::string& name, const System& s) {
  io::Frame frame;
  frame.system = s;
  const std::string path = dir + "/" + name + ".xyz";
  io::write_structure(path, frame);
  return path;
}

struct Deviation {
  double energy = 0.0;  // eV/atom
  double force = 0.0;   // eV/Å, largest component
  double stress = 0.0;  // GPa, largest component (0 for non-periodic systems)
};

Deviation compare(const ForceResult& ours, const Reference& ref, const System& s) {
  Deviation d;
  const auto n = static_cast<double>(s.num_atoms());
  d.energy = std::abs(ours.energy - ref.energy) / n;
  REQUIRE(ref.forces.size() == s.num_atoms());
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    d.force = std::max(d.force, (ours.forces[i] - ref.forces[i]).cwiseAbs().maxCoeff());
  }
  const double volume = s.cell().volume();
  if (s.cell().any_periodic() && volume > 0.0) {
    d.stress = (ours.virial - ref.virial).cwiseAbs().maxCoeff() / volume * units::eV_per_A3_in_GPa;
  }
  return d;
}

void displace(System& s, double amplitude, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-amplitude, amplitude);
  for (auto& r : s.positions()) r += Vec3(u(rng), u(rng), u(rng));
}

// A random triclinic cell with Li, C, O, Co and Ni (the elements of the electrodes), no two atoms
// closer than 1.8 Å (about the shortest bond in these materials).
System random_electrode_cell(int num_atoms, double volume, std::uint64_t seed) {
  const Cell cell = t::random_triclinic_cell(volume, seed, 0.45);
  return t::random_structure({3, 6, 8, 27, 28}, num_atoms, cell, 1.8, seed + 1);
}

// Bilayer graphene 3x3 in a slab (periodic in x and y only) with a Li atom 8 Å above it (so
// that some pair vectors are longer than the in-plane cell and take the other image path of
// D3Dispersion).
System slab() {
  Mat3 h;
  const double a = 2.46 * 3;
  h << a, 0.0, 0.0, -0.5 * a, 0.5 * std::sqrt(3.0) * a, 0.0, 0.0, 0.0, 30.0;
  System s{Cell(h, {true, true, false})};
  const Mat3 prim = h / 3.0;
  const Vec3 basis[4] = {{0.0, 0.0, 0.0}, {1.0 / 3.0, 2.0 / 3.0, 0.0}, {0.0, 0.0, 0.0}, {2.0 / 3.0, 1.0 / 3.0, 0.0}};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int k = 0; k < 4; ++k) {
        core::AtomSpec spec;
        spec.z = 6;
        const Vec3 f = basis[k] + Vec3(i, j, 0.0);
        spec.position = prim.transpose() * Vec3(f[0], f[1], 0.0) + Vec3(0.0, 0.0, k < 2 ? 10.0 : 13.35);
        s.add_atom(spec);
      }
    }
  }
  core::AtomSpec li;
  li.z = 3;
  li.position = Vec3(1.0, 1.5, 21.35);
  s.add_atom(li);
  displace(s, 0.05, 21);
  return s;
}

// A cluster in vacuum: no lattice, no periodicity.
System cluster() {
  System s{Cell()};
  std::mt19937_64 rng(33);
  std::uniform_real_distribution<double> u(0.0, 7.0);
  const int species[] = {3, 6, 8, 27, 6, 8, 1, 28, 25, 6};
  for (const int z : species) {
    for (;;) {
      const Vec3 r(u(rng), u(rng), u(rng));
      bool ok = true;
      for (const auto& q : s.positions()) ok = ok && (q - r).norm() > 1.6;
      if (!ok) continue;
      core::AtomSpec spec;
      spec.z = z;
      spec.position = r;
      s.add_atom(spec);
      break;
    }
  }
  return s;
}

// A cutoff near `target` (Å) with no image-pair distance of `s` within ±half_gap of it, so
// that finite differences of the energy never move a pair across the (hard) cutoff. Brute force
// over lattice translations; REQUIREs such a gap within ±0.3 Å of the target.
double cutoff_in_gap(const System& s, double target, double half_gap) {
  const double lo = target - 0.3;
  const double hi = target + 0.3;
  const Vec3 heights = s.cell().heights();
  std::array<int, 3> reach{};
  for (int k = 0; k < 3; ++k) {
    reach[static_cast<std::size_t>(k)] = s.cell().periodic(k) ? static_cast<int>(std::ceil(hi / heights[k])) + 2 : 0;
  }
  std::vector<double> r;
  const auto x = s.positions();
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = i; j < x.size(); ++j) {
      const Vec3 d0 = s.cell().minimum_image(x[j] - x[i]);
      for (int a = -reach[0]; a <= reach[0]; ++a) {
        for (int b = -reach[1]; b <= reach[1]; ++b) {
          for (int c = -reach[2]; c <= reach[2]; ++c) {
            const Vec3 d = d0 + s.cell().to_cartesian(Vec3(a, b, c));
            const double dist = d.norm();
            if (dist > lo && dist < hi) r.push_back(dist);
          }
        }
      }
    }
  }
  r.push_back(lo);
  r.push_back(hi);
  std::sort(r.begin(), r.end());
  // Of the gaps wide enough, the one whose middle is closest to the target.
  double best = 0.0;
  double widest = 0.0;
  bool found = false;
  for (std::size_t k = 0; k + 1 < r.size(); ++k) {
    const double gap = r[k + 1] - r[k];
    widest = std::max(widest, gap);
    const double mid = 0.5 * (r[k] + r[k + 1]);
    if (gap > 2.0 * half_gap && (!found || std::abs(mid - target) < std::abs(best - target))) {
      best = mid;
      found = true;
    }
  }
  INFO("widest gap within 0.3 A of " << target << " A: " << widest << " A");
  REQUIRE(found);
  return best;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("D3 matches the dftd3 package on the six acceptance structures", "[unit][potentials][d3]") {
  const std::string dir = t::temp_dir("d3_acceptance");
  const auto files = t::write_acceptance_structures(dir);
  const auto start = std::chrono::steady_clock::now();
  const auto refs = reference(files, pbe().dispersion_cutoff(), pbe().cn_cutoff());
  WARN("dftd3 (Python, all six): " << seconds_since(start) << " s");

  Deviation worst;
  for (std::size_t k = 0; k < files.size(); ++k) {
    const System s = io::read_structure(files[k]).system;
    const std::string name = std::filesystem::path(files[k]).stem().string();
    INFO(name);
    const auto t0 = std::chrono::steady_clock::now();
    const auto ours = t::evaluate(pbe(), s, ForceRequest{true, true, true});
    const double seconds = seconds_since(t0);
    const Deviation d = compare(ours, refs[k], s);
    WARN(name << ": " << s.num_atoms() << " atoms, E = " << ours.energy << " eV (dftd3 " << refs[k].energy
              << "), |dE|/N = " << d.energy << " eV, max|dF| = " << d.force << " eV/A, max|dsigma| = " << d.stress
              << " GPa, compute " << seconds << " s");
    CHECK(d.energy < 1e-6);
    CHECK(d.force < 1e-5);
    CHECK(d.stress < 1e-4);
    worst.energy = std::max(worst.energy, d.energy);
    worst.force = std::max(worst.force, d.force);
    worst.stress = std::max(worst.stress, d.stress);

    // Per-atom energies add up to E; the energy-only path gives the same energy.
    double sum = 0.0;
    for (const double e : ours.per_atom_energy) sum += e;
    CHECK(sum == Approx(ours.energy).epsilon(1e-12));
    CHECK(t::energy_of(pbe(), s) == Approx(ours.energy).epsilon(1e-13));
  }
  WARN("worst |dE|/N = " << worst.energy << " eV, max|dF| = " << worst.force << " eV/A, max|dsigma| = " << worst.stress
                         << " GPa");
}

TEST_CASE("D3 matches the dftd3 package on a triclinic cell, a slab, a cluster and with B3LYP parameters",
          "[unit][potentials][d3]") {
  const std::string dir = t::temp_dir("d3_more");
  struct Case {
    std::string name;
    System system;
    std::string method;
  };
  std::vector<Case> cases;
  cases.push_back({"triclinic", random_electrode_cell(16, 190.0, 7), "pbe"});
  cases.push_back({"slab", slab(), "pbe"});
  cases.push_back({"cluster", cluster(), "pbe"});
  cases.push_back({"triclinic_b3lyp", random_electrode_cell(12, 150.0, 9), "b3lyp"});
  std::vector<std::string> items;
  for (const auto& c : cases) items.push_back(write_xyz(dir, c.name, c.system) + "@" + c.method);
  const auto refs = reference(items, pbe().dispersion_cutoff(), pbe().cn_cutoff());

  D3Settings b3lyp_settings;
  b3lyp_settings.functional = "B3LYP";
  b3lyp_settings.cutoff = pbe().dispersion_cutoff();
  b3lyp_settings.cn_cutoff = pbe().cn_cutoff();
  b3lyp_settings.tail_correction = false;
  D3Dispersion b3lyp(b3lyp_settings);
  for (std::size_t k = 0; k < cases.size(); ++k) {
    INFO(cases[k].name);
    const System s = io::read_structure(items[k].substr(0, items[k].find('@'))).system;
    D3Dispersion& d3 = cases[k].method == "pbe" ? pbe() : b3lyp;
    const auto ours = t::evaluate(d3, s, ForceRequest{true, true, false});
    const Deviation d = compare(ours, refs[k], s);
    WARN(cases[k].name << ": " << s.num_atoms() << " atoms, E = " << ours.energy << " eV, |dE|/N = " << d.energy
                       << " eV, max|dF| = " << d.force << " eV/A, max|dsigma| = " << d.stress << " GPa");
    CHECK(d.energy < 1e-6);
    CHECK(d.force < 1e-5);
    CHECK(d.stress < 1e-4);
  }
}

TEST_CASE("D3 reference data of every element H..Rn agree with the dftd3 package", "[unit][potentials][d3]") {
  // Four atoms (two of element Z, C, O) in a small box, shorter cutoffs (30 and 20 Bohr) to keep
  // it quick. Z = 87..94 are left out: simple-dftd3 revised the references of Fr..Pu, while the
  // table (Grimme's original, as shipped by torch-dftd) keeps the 2010 values (docs/models.md).
  const std::string dir = t::temp_dir("d3_elements");
  D3Settings settings;
  settings.cutoff = 30.0 * units::bohr;
  settings.cn_cutoff = 20.0 * units::bohr;
  settings.tail_correction = false;
  D3Dispersion d3(settings);
  std::vector<std::string> items;
  std::vector<System> systems;
  Mat3 h = Mat3::Zero();
  h.diagonal() << 9.0, 9.5, 10.0;
  for (int z = 1; z <= 86; ++z) {
    System s{Cell(h)};
    const std::array<std::pair<int, Vec3>, 4> atoms{{{z, {0.0, 0.0, 0.0}},
                                                     {z, {2.4, 0.3, 0.1}},
                                                     {6, {0.2, 2.6, 0.5}},
                                                     {8, {1.5, 1.2, 2.2}}}};
    for (const auto& [zz, r] : atoms) {
      core::AtomSpec spec;
      spec.z = zz;
      spec.position = r;
      s.add_atom(spec);
    }
    items.push_back(write_xyz(dir, "Z" + std::to_string(z), s));
    systems.push_back(std::move(s));
  }
  const auto refs = reference(items, settings.cutoff, settings.cn_cutoff);
  Deviation worst;
  for (std::size_t k = 0; k < systems.size(); ++k) {
    INFO("Z = " << k + 1);
    const auto ours = t::evaluate(d3, systems[k], ForceRequest{true, true, false});
    const Deviation d = compare(ours, refs[k], systems[k]);
    CHECK(d.energy < 1e-6);
    CHECK(d.force < 1e-5);
    CHECK(d.stress < 1e-4);
    worst.energy = std::max(worst.energy, d.energy);
    worst.force = std::max(worst.force, d.force);
    worst.stress = std::max(worst.stress, d.stress);
  }
  WARN("Z = 1..86: worst |dE|/N = " << worst.energy << " eV, max|dF| = " << worst.force
                                   << " eV/A, max|dsigma| = " << worst.stress << " GPa");

  // Fr..Pu are supported (finite results), Am and beyond are not.
  System heavy{Cell(h)};
  for (const auto& [z, r] : std::array<std::pair<int, Vec3>, 2>{{{92, {0.0, 0.0, 0.0}}, {94, {2.8, 0.0, 0.0}}}}) {
    core::AtomSpec spec;
    spec.z = z;
    spec.position = r;
    heavy.add_atom(spec);
  }
  const auto u = t::evaluate(d3, heavy);
  CHECK(std::isfinite(u.energy));
  CHECK(u.energy < 0.0);
  CHECK(d3.supports(94));
  CHECK_FALSE(d3.supports(95));
  CHECK_FALSE(d3.supports(0));
}

TEST_CASE("D3 forces and virial are derivatives of its energy", "[unit][potentials][d3]") {
  SECTION("cluster: every pair inside both cutoffs") {
    const System s = cluster();
    t::check_forces_by_central_difference(pbe(), s, 1e-4, 1e-7, 1e-10);
  }
  SECTION("triclinic cell, cutoffs moved into gaps of the distance spectrum") {
    // Hard cutoffs: a pair crossing one during a finite difference makes the energy jump
    // (by ~1e-9 eV at 50 Å), so each cutoff is moved (by < 0.3 Å) to where no image-pair
    // distance lies within ±5e-5 Å. Position steps h = 1e-5 Å change distances by < 2e-5 Å;
    // strain steps 1e-7 change a 50 Å distance by 5e-6 Å.
    const System s = random_electrode_cell(8, 95.0, 13);
    D3Settings settings;
    settings.cutoff = cutoff_in_gap(s, pbe().dispersion_cutoff(), 5e-5);
    settings.cn_cutoff = cutoff_in_gap(s, pbe().cn_cutoff(), 5e-5);
    settings.tail_correction = false;
    D3Dispersion d3(settings);
    t::check_forces_by_central_difference(d3, s, 1e-5, 1e-6, 1e-8);
    t::check_virial_by_strain(d3, s, 1e-7, 1e-5, 1e-6);
  }
  SECTION("slab: periodic in x and y") {
    const System s = slab();
    D3Settings settings;
    settings.cutoff = cutoff_in_gap(s, 25.0, 5e-5);
    settings.cn_cutoff = cutoff_in_gap(s, 12.0, 5e-5);
    settings.tail_correction = false;
    D3Dispersion d3(settings);
    t::check_forces_by_central_difference(d3, s, 1e-5, 1e-6, 1e-8);
    t::check_virial_by_strain(d3, s, 1e-7, 1e-5, 1e-6);
  }
}

TEST_CASE("D3 results do not depend on the thread count and are reproducible", "[unit][potentials][d3]") {
  System s = random_electrode_cell(40, 480.0, 17);
  const auto one = t::evaluate_with_threads(pbe(), s, 1);
  const auto two = t::evaluate_with_threads(pbe(), s, 2);
  const auto three = t::evaluate_with_threads(pbe(), s, 3);
  t::check_same_result(one, two, 1e-12, 1e-15, "1 vs 2 threads");
  t::check_same_result(one, three, 1e-12, 1e-15, "1 vs 3 threads");
  // The same thread count gives bitwise the same result.
  const auto again = t::evaluate_with_threads(pbe(), s, 2);
  CHECK(again.energy == two.energy);
  CHECK(again.virial == two.virial);
  CHECK(again.forces == two.forces);
}

TEST_CASE("D3 respects the symmetries of every potential", "[unit][potentials][d3]") {
  // Translation, rotation, permutation, re-wrapping, zero total force, per-atom energies summing
  // to E, energy() = compute().energy. Positions far outside the cell (drifted atoms) too.
  System s = random_electrode_cell(12, 140.0, 19);
  t::check_symmetries(pbe(), s, 23, 1e-10, 1e-12);

  System drifted = s;
  const Mat3 h = s.cell().matrix();
  auto x = drifted.positions();
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] += (static_cast<double>(i % 5) * 7.0 - 10.0) * h.row(0).transpose() + static_cast<double>(i % 3) * 11.0 * h.row(2).transpose();
  }
  const auto a = t::evaluate(pbe(), s);
  const auto b = t::evaluate(pbe(), drifted);
  t::check_same_result(a, b, 1e-11, 1e-13, "atoms moved by whole lattice vectors");
}

TEST_CASE("D3 parameters by functional name equal the dftd3 package's parameter file", "[unit][potentials][d3]") {
  const auto functionals = ioncycle::potentials::d3_functionals();
  REQUIRE(functionals.size() >= 8);
  CHECK(functionals.front().name == "pbe");
  std::string args = " --params";
  for (const auto& f : functionals) args += " " + std::string(f.dftd3_name);
  const auto r = t::run_command(t::shell_quote(t::python()) + " " + t::shell_quote(helper()) + args);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::size_t k = 0;
  for (const auto& line : t::tagged_lines(r.output, "PARAM")) {
    std::istringstream in(line);
    std::string name;
    D3Damping ref;
    in >> name >> ref.s6 >> ref.a1 >> ref.s8 >> ref.a2;
    REQUIRE(k < functionals.size());
    INFO(functionals[k].name);
    CHECK(name == functionals[k].dftd3_name);
    const D3Damping ours = ioncycle::potentials::d3_damping(functionals[k].name);
    CHECK(ours.s6 == ref.s6);
    CHECK(ours.a1 == ref.a1);
    CHECK(ours.s8 == ref.s8);
    CHECK(ours.a2 == ref.a2);
    ++k;
  }
  CHECK(k == functionals.size());

  const D3Damping p = ioncycle::potentials::d3_damping("PBE");
  CHECK(p.s6 == 1.0);
  CHECK(p.a1 == 0.4289);
  CHECK(p.s8 == 0.7875);
  CHECK(p.a2 == 4.4407);
  CHECK(pbe().damping().a2 == 4.4407);
  CHECK(pbe().name() == "d3");
  CHECK(pbe().dispersion_cutoff() == Approx(50.2718).margin(1e-4));
  CHECK(pbe().cn_cutoff() == Approx(21.1671).margin(1e-4));
  CHECK(pbe().cutoff() == pbe().dispersion_cutoff());
  // The defaults: 9 / 6 Å with the tail correction (docs/models.md).
  const D3Dispersion defaults;
  CHECK(defaults.dispersion_cutoff() == 9.0);
  CHECK(defaults.cn_cutoff() == 6.0);
  CHECK(defaults.tail_correction());
  CHECK(defaults.cutoff() == 9.0);
  CHECK(pbe().neighbor_request().cutoff == 0.0);
}

TEST_CASE("D3 input errors: missing or corrupt table, unknown functional, bad parameters, unknown element",
          "[unit][potentials][d3]") {
  const std::string dir = t::temp_dir("d3_errors");
  auto message_of = [](auto&& make) -> std::string {
    try {
      make();
    } catch (const ioncycle::InputError& e) {
      return e.what();
    }
    return "no InputError";
  };

  SECTION("missing table: names the file and says to run scripts/setup") {
    D3Settings settings;
    settings.table_path = dir + "/missing.txt";
    const std::string msg = message_of([&] { D3Dispersion d(settings); });
    INFO(msg);
    CHECK(msg.find(dir + "/missing.txt") != std::string::npos);
    CHECK(msg.find("scripts/setup") != std::string::npos);
  }
  SECTION("corrupt tables: located at the bad line") {
    const std::string real = pbe().table_path();
    std::ifstream in(real);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    REQUIRE(lines.size() > 4000);

    const std::string truncated = dir + "/truncated.txt";
    {
      std::ofstream out(truncated);
      for (std::size_t k = 0; k < 2000; ++k) out << lines[k] << "\n";
    }
    std::string msg = message_of([&] { (void)ioncycle::potentials::D3Table::load(truncated); });
    INFO(msg);
    CHECK(msg.find(truncated) != std::string::npos);
    CHECK(msg.find("ends early") != std::string::npos);
    CHECK(msg.find("scripts/setup") != std::string::npos);

    const std::string garbled = dir + "/garbled.txt";
    {
      std::ofstream out(garbled);
      for (std::size_t k = 0; k < lines.size(); ++k) {
        if (lines[k].rfind("pair 6 8 ", 0) == 0) {
          out << "pair 6 8 12.5 x\n";
        } else {
          out << lines[k] << "\n";
        }
      }
    }
    msg = message_of([&] { (void)ioncycle::potentials::D3Table::load(garbled); });
    INFO(msg);
    CHECK(msg.find(garbled + ":") != std::string::npos);
    CHECK(msg.find("pair 6 8") != std::string::npos);

    const std::string wrong = dir + "/wrong.txt";
    std::ofstream(wrong) << "something else\n";
    msg = message_of([&] { (void)ioncycle::potentials::D3Table::load(wrong); });
    CHECK(msg.find(wrong + ":1") != std::string::npos);
  }
  SECTION("IONCYCLE_D3_TABLE overrides the default table") {
    const std::string copy = dir + "/copy.txt";
    std::filesystem::copy_file(pbe().table_path(), copy);
    ::setenv("IONCYCLE_D3_TABLE", copy.c_str(), 1);
    CHECK(ioncycle::potentials::default_d3_table_path() == copy);
    D3Dispersion d;
    CHECK(d.table_path() == copy);
    ::setenv("IONCYCLE_D3_TABLE", (dir + "/none.txt").c_str(), 1);
    CHECK_THROWS_AS(D3Dispersion(), ioncycle::InputError);
    ::unsetenv("IONCYCLE_D3_TABLE");
    CHECK(ioncycle::potentials::default_d3_table_path().find("models/d3/dftd3-reference.txt") != std::string::npos);
  }
  SECTION("unknown functional: did you mean, and the list") {
    D3Settings settings;
    settings.functional = "pbee";
    const std::string msg = message_of([&] { D3Dispersion d(settings); });
    INFO(msg);
    CHECK(msg.find("'pbee'") != std::string::npos);
    CHECK(msg.find("did you mean 'pbe'") != std::string::npos);
    CHECK(msg.find("b3lyp") != std::string::npos);
  }
  SECTION("bad parameters and cutoffs") {
    D3Settings settings;
    settings.damping = D3Damping{1.0, 0.0, 0.7875, 0.0};
    CHECK_THROWS_AS(D3Dispersion(settings), ioncycle::InputError);
    settings.damping = D3Damping{1.0, -0.4, 0.7875, 4.4};
    CHECK_THROWS_AS(D3Dispersion(settings), ioncycle::InputError);
    settings.damping.reset();
    settings.cutoff = 0.0;
    CHECK_THROWS_AS(D3Dispersion(settings), ioncycle::InputError);
    settings.cutoff = 50.0;
    settings.cn_cutoff = std::nan("");
    CHECK_THROWS_AS(D3Dispersion(settings), ioncycle::InputError);
  }
  SECTION("an element beyond Pu") {
    System s{Cell::orthorhombic(10.0, 10.0, 10.0)};
    for (const int z : {6, 95}) {
      core::AtomSpec spec;
      spec.z = z;
      spec.position = Vec3(z == 6 ? 0.0 : 3.0, 0.0, 0.0);
      s.add_atom(spec);
    }
    const std::string msg = message_of([&] { (void)t::evaluate(pbe(), s); });
    INFO(msg);
    CHECK(msg.find("Am") != std::string::npos);
    CHECK(msg.find("Z = 1-94") != std::string::npos);
  }
}

namespace {

// D3(BJ, PBE) with explicit cutoffs (Å) and tail correction.
D3Dispersion d3_with(double cutoff, double cn_cutoff, bool tail) {
  D3Settings settings;
  settings.cutoff = cutoff;
  settings.cn_cutoff = cn_cutoff;
  settings.tail_correction = tail;
  return D3Dispersion(settings);
}

// A sparse Li/C/O gas in a cubic box of 66 Å: wider than three times a 21 Å cutoff, so the image
// path finds its pairs through 3 x 3 x 3 bins.
System sparse_gas() {
  System s{Cell::orthorhombic(66.0, 66.0, 66.0)};
  std::mt19937_64 rng(77);
  std::uniform_real_distribution<double> u(0.0, 66.0);
  const int species[] = {3, 6, 8};
  for (int k = 0; k < 240; ++k) {
    for (;;) {
      const Vec3 r(u(rng), u(rng), u(rng));
      bool ok = true;
      for (const auto& q : s.positions()) ok = ok && s.cell().minimum_image(q - r).norm() > 2.0;
      if (!ok) continue;
      core::AtomSpec spec;
      spec.z = species[k % 3];
      spec.position = r;
      s.add_atom(spec);
      break;
    }
  }
  return s;
}

}  // namespace

TEST_CASE("D3 at short cutoffs (its own neighbor list) and in a cell wider than three cutoffs (bins) matches "
          "the dftd3 package",
          "[unit][potentials][d3]") {
  const std::string dir = t::temp_dir("d3_short");
  auto files = t::write_acceptance_structures(dir);
  // The default cutoffs (9 / 6 Å) without the tail: the neighbor-list path (both cutoffs <= 20 Å).
  {
    const double rc = ioncycle::potentials::kD3DefaultCutoff;
    const double rc_cn = ioncycle::potentials::kD3DefaultCnCutoff;
    D3Dispersion d3 = d3_with(rc, rc_cn, false);
    const auto refs = reference(files, rc, rc_cn);
    for (std::size_t k = 0; k < files.size(); ++k) {
      const System s = io::read_structure(files[k]).system;
      INFO(files[k]);
      const auto ours = t::evaluate(d3, s, ForceRequest{true, true, true});
      const Deviation d = compare(ours, refs[k], s);
      // The tolerances of the default-cutoff comparison above (measured agreement: ~1e-8 eV/atom,
      // ~1e-7 eV/Å, ~4e-6 GPa, as there).
      CHECK(d.energy < 1e-6);
      CHECK(d.force < 1e-5);
      CHECK(d.stress < 1e-4);
      double sum = 0.0;
      for (const double e : ours.per_atom_energy) sum += e;
      CHECK(sum == Approx(ours.energy).epsilon(1e-12));
      CHECK(t::energy_of(d3, s) == Approx(ours.energy).epsilon(1e-13));
    }
  }
  // The list path on a slab (periodic in x and y) and a cluster (no lattice), with the CN cutoff
  // above the dispersion cutoff.
  {
    D3Dispersion d3 = d3_with(9.0, 11.0, true);  // the tail needs three periodic axes: none here
    const std::vector<std::string> items = {write_xyz(dir, "slab", slab()), write_xyz(dir, "cluster", cluster())};
    const auto refs = reference(items, 9.0, 11.0);
    for (std::size_t k = 0; k < 2; ++k) {
      INFO(items[k]);
      const System s = io::read_structure(items[k]).system;
      const auto ours = t::evaluate(d3, s, ForceRequest{true, true, true});
      const Deviation d = compare(ours, refs[k], s);
      CHECK(d.energy < 1e-6);
      CHECK(d.force < 1e-5);
      CHECK(d.stress < 1e-4);
      CHECK(d3.last_tail_energy() == 0.0);
    }
  }
  // An empty cell on the list path.
  {
    D3Dispersion d3 = d3_with(12.0, 8.0, true);
    System empty{Cell::orthorhombic(20.0, 20.0, 20.0)};
    const auto none = t::evaluate(d3, empty, ForceRequest{true, true, true});
    CHECK(none.energy == 0.0);
    CHECK(none.virial.norm() == 0.0);
  }
  // 21 / 10 Å in a 66 Å box: the image path with bins.
  {
    const System gas = sparse_gas();
    const std::string file = write_xyz(dir, "gas", gas);
    D3Dispersion d3 = d3_with(21.0, 10.0, false);
    const auto refs = reference({file}, 21.0, 10.0);
    const auto ours = t::evaluate(d3, gas, ForceRequest{true, true, true});
    const Deviation d = compare(ours, refs[0], gas);
    INFO("sparse gas, 240 atoms in 66 A: E = " << ours.energy << " eV");
    CHECK(std::abs(ours.energy) > 1e-3);  // the gas interacts
    CHECK(d.energy < 1e-6);
    CHECK(d.force < 1e-5);
    CHECK(d.stress < 1e-4);
  }
}

TEST_CASE("D3 neighbor-list path: derivatives with the tail correction, thread counts", "[unit][potentials][d3]") {
  const System s = random_electrode_cell(24, 300.0, 29);
  const double rc = cutoff_in_gap(s, 12.0, 5e-5);
  const double rc_cn = cutoff_in_gap(s, 8.0, 5e-5);
  D3Dispersion plain = d3_with(rc, rc_cn, false);
  t::check_forces_by_central_difference(plain, s, 1e-5, 1e-6, 1e-8);
  t::check_virial_by_strain(plain, s, 1e-7, 1e-5, 1e-6);
  D3Dispersion d3 = d3_with(rc, rc_cn, true);
  t::check_forces_by_central_difference(d3, s, 1e-5, 1e-6, 1e-8);
  t::check_symmetries(d3, s, 31, 1e-10, 1e-12);
  // With the tail: the virial is the strain derivative of the energy (the tail's 1/V and its
  // coordination-number chain rule) plus the boundary term B of pairs crossing the cutoff,
  // W = -∂E/∂ε + B I, so that P_tail = Σ_n (n/3) E_tail,n / V.
  const auto r = t::evaluate(d3, s);
  const double boundary = d3.last_tail_boundary();
  const double e_tail = d3.last_tail_energy();
  CHECK(e_tail < 0.0);
  CHECK(boundary < e_tail);       // B = E_6 + (5/3) E_8, both negative
  CHECK(boundary > 2.0 * e_tail);
  const double h = 1e-7;
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) {
      Mat3 strain = Mat3::Zero();
      strain(a, b) = h;
      const double ep = t::energy_of(d3, t::strained(s, strain));
      const double em = t::energy_of(d3, t::strained(s, -strain));
      const double w_fd = -(ep - em) / (2.0 * h) + (a == b ? boundary : 0.0);
      INFO("W(" << a << "," << b << ") " << r.virial(a, b) << " vs " << w_fd);
      CHECK(std::abs(r.virial(a, b) - w_fd) <= 1e-6 + 1e-5 * std::abs(r.virial(a, b)));
    }
  }
  const System big = random_electrode_cell(200, 2400.0, 37);
  t::check_same_result(t::evaluate_with_threads(d3, big, 1), t::evaluate_with_threads(d3, big, 2), 1e-12, 1e-15,
                       "1 vs 2 threads");
}

TEST_CASE("D3 neighbor-list path follows moving atoms and an atom that changes element", "[unit][potentials][d3]") {
  // One object reused along a sequence of configurations (its lists are rebuilt only when atoms
  // moved far enough; its rows are grouped by the neighbor's element) against a fresh object for
  // each: the same numbers.
  System s = random_electrode_cell(60, 800.0, 41);
  D3Dispersion reused = d3_with(10.0, 6.0, true);
  const auto same_as_fresh = [&](const std::string& what) {
    D3Dispersion fresh = d3_with(10.0, 6.0, true);
    t::check_same_result(t::evaluate(reused, s, ForceRequest{true, true, true}),
                         t::evaluate(fresh, s, ForceRequest{true, true, true}), 1e-12, 1e-14, what);
  };
  same_as_fresh("first call");
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  // Small moves (within the skin: no rebuild), then large ones (rebuild).
  for (const double step : {0.05, 0.05, 0.9}) {
    for (auto& x : s.positions()) x += step * Vec3(u(rng), u(rng), u(rng));
    same_as_fresh("after moves of up to " + std::to_string(step) + " A per axis");
  }
  // The last atom replaced by another element at the same place (same count and positions; the
  // topology change rebuilds the lists, and the rows' element groups must follow).
  const std::size_t last = s.num_atoms() - 1;
  core::AtomSpec swap;
  swap.z = s.atomic_numbers()[last] == 3 ? 8 : 3;
  swap.position = s.positions()[last];
  const std::vector<core::AtomId> gone = {s.ids()[last]};
  s.remove_atoms(gone);
  s.add_atom(swap);
  same_as_fresh("after an element change");
}

TEST_CASE("D3 tail correction recovers most of the energy and pressure beyond a short cutoff",
          "[unit][potentials][d3]") {
  // Against the reference cutoffs (95 / 40 Bohr) with the same 40 Bohr CN cutoff, so that only the
  // dispersion pairs between 15 Å and 50 Å differ: without the tail they are missing (+0.4 to
  // +2 meV/atom); with it, what remains is the layering the uniform-density tail ignores.
  const std::string dir = t::temp_dir("d3_tail");
  const auto files = t::write_acceptance_structures(dir);
  D3Dispersion cut = d3_with(15.0, pbe().cn_cutoff(), false);
  D3Dispersion tail = d3_with(15.0, pbe().cn_cutoff(), true);
  for (const auto& file : files) {
    if (file.find("narrow") != std::string::npos) continue;  // 4 atoms: every pair is an image
    const System s = io::read_structure(file).system;
    const auto n = static_cast<double>(s.num_atoms());
    const double volume = s.cell().volume();
    const auto full = t::evaluate(pbe(), s);
    const auto without = t::evaluate(cut, s);
    const auto with = t::evaluate(tail, s);
    const double de_without = std::abs(without.energy - full.energy) / n;
    const double de_with = std::abs(with.energy - full.energy) / n;
    const auto pressure = [&](const ForceResult& r) { return r.virial.trace() / (3.0 * volume) * units::eV_per_A3_in_GPa; };
    const double dp_without = std::abs(pressure(without) - pressure(full));
    const double dp_with = std::abs(pressure(with) - pressure(full));
    INFO(file << ": |dE| " << de_without << " -> " << de_with << " eV/atom, |dP| " << dp_without << " -> " << dp_with
              << " GPa");
    CHECK(de_without > 3e-4);
    CHECK(de_with < 0.2 * de_without);
    CHECK(dp_with < 0.3 * dp_without);
    // The tail changes no force: it depends on positions only through the coordination numbers.
    double df = 0.0;
    for (std::size_t i = 0; i < s.num_atoms(); ++i) df = std::max(df, (with.forces[i] - without.forces[i]).norm());
    CHECK(df < 1e-3);
  }
}
