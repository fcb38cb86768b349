// SPDX-License-Identifier: MIT
//
// Cross-checks of the pair potentials against LAMMPS (Debian's `lmp`, serial): energy, forces
// and the virial on a two-species liquid in a triclinic cell. LAMMPS is given every pair_coeff
// explicitly (its own mixing rules differ from ours for cutoffs).
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>

#include "lammps_runner.hpp"
#include "potential_checks.hpp"
#include "potentials/lennard_jones.hpp"
#include "potentials/morse.hpp"

using namespace ioncycle;

namespace {

constexpr int kAr = 18;
constexpr int kKr = 36;

std::string num(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

// Tolerances of the comparison: energy per atom, force components, and the virial (so the
// pressure tensor W/V) relative to its largest component.
constexpr double kEnergyPerAtomTol = 1e-8;  // eV
constexpr double kForceTol = 1e-6;          // eV/Å
constexpr double kVirialRelTol = 1e-6;

void compare_with_lammps(potentials::Potential& potential, const core::System& s, const std::vector<int>& types,
                         const std::vector<std::string>& commands) {
  const testing::LammpsResult lmp = testing::run_lammps(s, types, commands);
  const potentials::ForceResult ours = testing::evaluate(potential, s, {true, true, false});
  const double n = static_cast<double>(s.num_atoms());
  INFO("LAMMPS input:\n" << [&] {
    std::string all;
    for (const auto& c : commands) all += c + "\n";
    return all;
  }());
  INFO("energy: ioncycle " << num(ours.energy) << ", LAMMPS " << num(lmp.energy));
  CHECK(std::abs(ours.energy - lmp.energy) / n <= kEnergyPerAtomTol);
  CHECK(lmp.volume == Approx(s.cell().volume()).epsilon(1e-12));
  double worst = 0.0;
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    worst = std::max(worst, (ours.forces[i] - lmp.forces[i]).cwiseAbs().maxCoeff());
  }
  INFO("largest force difference " << worst << " eV/A");
  CHECK(worst <= kForceTol);
  const double scale = lmp.virial.cwiseAbs().maxCoeff();
  INFO("virial ioncycle\n" << ours.virial << "\nLAMMPS\n" << lmp.virial);
  CHECK(scale > 0.0);
  CHECK((ours.virial - lmp.virial).cwiseAbs().maxCoeff() <= kVirialRelTol * scale);
}

}  // namespace

TEST_CASE("LJ agrees with LAMMPS lj/cut on a two-species triclinic liquid", "[unit][potentials][lj][lammps]") {
  if (testing::lammps_binary().empty()) {
    WARN("LAMMPS (lmp) is not installed; skipped");
    return;
  }
  const core::Cell cell = testing::random_triclinic_cell(40.0 * 150, 31);
  const core::System s = testing::random_structure({kAr, kAr, kKr}, 150, cell, 3.0, 31);
  for (const bool shift : {false, true}) {
    INFO("shift " << shift);
    // Ar-Kr from the mixing rules (ε geometric, σ arithmetic) but a cutoff of our choosing,
    // given to LAMMPS explicitly.
    potentials::LennardJones lj({{{kAr, kAr, 0.0104, 3.40, 7.0}, {kKr, kKr, 0.0141, 3.65, 7.5}}, shift});
    const auto& pairs = lj.resolved_pairs();  // Ar-Ar, Ar-Kr, Kr-Kr
    std::vector<std::string> commands{"pair_style lj/cut " + num(lj.cutoff())};
    const int type_of[2] = {1, 2};
    for (const auto& p : pairs) {
      const int a = type_of[p.z1 == kAr ? 0 : 1];
      const int b = type_of[p.z2 == kAr ? 0 : 1];
      commands.push_back("pair_coeff " + std::to_string(a) + " " + std::to_string(b) + " " + num(p.epsilon) + " " +
                         num(p.sigma) + " " + num(p.cutoff));
    }
    if (shift) commands.emplace_back("pair_modify shift yes");
    compare_with_lammps(lj, s, {kAr, kKr}, commands);
  }
}

TEST_CASE("Morse agrees with LAMMPS pair_style morse", "[unit][potentials][morse][lammps]") {
  if (testing::lammps_binary().empty()) {
    WARN("LAMMPS (lmp) is not installed; skipped");
    return;
  }
  constexpr int kCu = 29;
  constexpr int kNi = 28;
  const core::Cell cell = testing::random_triclinic_cell(20.0 * 150, 32);
  const core::System s = testing::random_structure({kCu, kNi}, 150, cell, 2.1, 32);
  for (const bool shift : {false, true}) {
    INFO("shift " << shift);
    potentials::Morse morse({{{kCu, kCu, 0.3429, 1.3588, 2.866, 6.0},
                              {kNi, kNi, 0.4205, 1.4199, 2.780, 5.5},
                              {kCu, kNi, 0.38, 1.39, 2.82, 5.8}},
                             shift});
    // LAMMPS types: 1 = Cu, 2 = Ni.
    std::vector<std::string> commands{"pair_style morse " + num(morse.cutoff()),
                                      "pair_coeff 1 1 0.3429 1.3588 2.866 6.0",
                                      "pair_coeff 2 2 0.4205 1.4199 2.780 5.5",
                                      "pair_coeff 1 2 0.38 1.39 2.82 5.8"};
    if (shift) commands.emplace_back("pair_modify shift yes");
    compare_with_lammps(morse, s, {kCu, kNi}, commands);
  }
}
