// SPDX-License-Identifier: MIT
//
// Grand-canonical moves against the exact lattice gas. Independent sites: Li ions in a box
// around one carbon atom, bound to it by a Morse term so flat (α = 1e-4 /Å) that every position
// in the box has the same insertion energy ΔE = −D0 to 1e-8 eV, and not interacting with each
// other (Li–Li cutoff below the minimum distance). With M = capacity sites the occupancy must
// follow the Fermi function <N>/M = 1/(1 + exp((ΔE − μ)/kT)), μ = μ_ref − eV, and N the
// binomial distribution B(M, <N>/M). Rejected trials must leave the System bit-identical, ids
// must never be reused and the ledger must balance.
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include "core/rng.hpp"
#include "core/system.hpp"
#include "core/units.hpp"
#include "cycling/ion_exchanger.hpp"
#include "cycling/ion_ledger.hpp"
#include "md/force_evaluator.hpp"
#include "potentials/morse.hpp"

using namespace ioncycle;
using ioncycle::core::AtomId;
using ioncycle::core::Vec3;
using namespace ioncycle::cycling;

namespace {

constexpr int kLi = 3;
constexpr int kC = 6;
constexpr double kD0 = 0.05;       // eV: ΔE of every insertion is −D0
constexpr int kSites = 8;          // capacity M
constexpr double kTemperature = 300.0;

struct LatticeGas {
  potentials::Morse potential;
  core::System system;
  InsertionSettings settings;

  LatticeGas() : potential(make_potential()), system(core::Cell::orthorhombic(30, 30, 30)) {
    core::AtomSpec c;
    c.z = kC;
    c.position = Vec3(15, 15, 15);
    (void)system.add_atom(c);
    // An 8 Å box around the carbon: its farthest corner (6.9 Å) is inside the 13 Å Li–C cutoff,
    // and the carbon's periodic images (30 Å away) are outside it.
    settings.sites = SiteSet::region;
    settings.region = Region{Vec3(11, 11, 11), Vec3(19, 19, 19)};
    settings.max_tries = 1000;
  }

  static potentials::Morse make_potential() {
    potentials::Morse::Params p;
    // E(r) = D0 (u² − 2u), u = exp(−α (r − r0)) ≈ −D0 + D0 α² (r − r0)²: flat to 1e-8 D0.
    p.pairs = {{kLi, kC, kD0, 1e-4, 4.0, 13.0}, {kLi, kLi, 1e-3, 1.0, 3.0, 1.2}, {kC, kC, 1e-3, 1.0, 3.0, 1.2}};
    return potentials::Morse(p);
  }
};

IonSettings lithium() {
  IonSettings ion;
  ion.z = kLi;
  ion.min_distance = 1.5;
  return ion;
}

double fermi(double voltage, double mu_ref) {
  const double mu = mu_ref - voltage;
  return 1.0 / (1.0 + std::exp((-kD0 - mu) / (units::boltzmann * kTemperature)));
}

std::size_t num_ions(const core::System& s) {
  std::size_t n = 0;
  for (const int z : s.atomic_numbers()) n += z == kLi ? 1 : 0;
  return n;
}

double binomial(int m, int k, double p) {
  return std::exp(std::lgamma(m + 1.0) - std::lgamma(k + 1.0) - std::lgamma(m - k + 1.0)) * std::pow(p, k) *
         std::pow(1.0 - p, m - k);
}

}  // namespace

TEST_CASE("grand-canonical occupancy of independent sites is the Fermi function", "[unit][cycling][grand_canonical][stochastic]") {
  const double mu_ref = -0.02;
  for (const double voltage : {0.0, 0.03, 0.05, 0.07}) {
    LatticeGas gas;
    md::ForceEvaluator forces(gas.potential, 0.5);
    IonLedger ledger;
    ledger.add_initial(gas.system, kLi);
    IonExchanger ex(lithium(), mu_ref, 2024, static_cast<std::uint64_t>(1000 * (voltage + 1.0)));
    const double p = fermi(voltage, mu_ref);
    INFO("V = " << voltage << " V, Fermi occupancy " << p);
    const int warmup = 2000, blocks = 40, per_block = 1000;
    for (int i = 0; i < warmup; ++i) {
      (void)ex.grand_canonical_move(gas.system, forces, gas.settings, voltage, kTemperature, ledger, i, kSites);
    }
    std::vector<double> block_means;
    for (int b = 0; b < blocks; ++b) {
      double sum = 0.0;
      for (int i = 0; i < per_block; ++i) {
        const ExchangeEvent e =
            ex.grand_canonical_move(gas.system, forces, gas.settings, voltage, kTemperature, ledger, i, kSites);
        // Every trial reports its voltage estimate; here ΔE = −D0 (insertion) or +D0 (removal).
        if (!std::isnan(e.voltage)) CHECK(e.voltage == Approx(kD0 + mu_ref).margin(1e-7));
        sum += static_cast<double>(num_ions(gas.system));
      }
      block_means.push_back(sum / per_block / kSites);
    }
    double mean = 0.0;
    for (const double m : block_means) mean += m / blocks;
    double var = 0.0;
    for (const double m : block_means) var += (m - mean) * (m - mean) / (blocks - 1);
    const double se = std::sqrt(var / blocks);
    INFO("<N>/M = " << mean << " +- " << se);
    CHECK(se < 0.02);  // the estimate is precise enough to distinguish the voltages
    CHECK(std::abs(mean - p) < 3.0 * se);
    ledger.check(gas.system, kLi);
  }
}

TEST_CASE("grand-canonical N follows the exact binomial distribution", "[unit][cycling][grand_canonical][stochastic]") {
  LatticeGas gas;
  md::ForceEvaluator forces(gas.potential, 0.5);
  IonLedger ledger;
  ledger.add_initial(gas.system, kLi);
  const double mu_ref = 0.0, voltage = 0.04;
  IonExchanger ex(lithium(), mu_ref, 77);
  const double p = fermi(voltage, mu_ref);
  INFO("occupancy " << p);
  const int warmup = 2000, blocks = 40, per_block = 4000;
  for (int i = 0; i < warmup; ++i) {
    (void)ex.grand_canonical_move(gas.system, forces, gas.settings, voltage, kTemperature, ledger, i, kSites);
  }
  // Histogram of N per block; block-to-block scatter gives the standard errors (moves are correlated).
  std::vector<std::vector<double>> freq(blocks, std::vector<double>(kSites + 1, 0.0));
  for (int b = 0; b < blocks; ++b) {
    for (int i = 0; i < per_block; ++i) {
      (void)ex.grand_canonical_move(gas.system, forces, gas.settings, voltage, kTemperature, ledger, i, kSites);
      freq[static_cast<std::size_t>(b)][num_ions(gas.system)] += 1.0 / per_block;
    }
  }
  double chi2 = 0.0;
  int dof = 0;
  for (int k = 0; k <= kSites; ++k) {
    double mean = 0.0, var = 0.0;
    for (int b = 0; b < blocks; ++b) mean += freq[static_cast<std::size_t>(b)][static_cast<std::size_t>(k)] / blocks;
    for (int b = 0; b < blocks; ++b) {
      const double d = freq[static_cast<std::size_t>(b)][static_cast<std::size_t>(k)] - mean;
      var += d * d / (blocks - 1);
    }
    const double exact = binomial(kSites, k, p);
    if (exact * blocks * per_block < 50.0) continue;  // too rare to estimate a scatter
    const double se = std::sqrt(var / blocks);
    INFO("N = " << k << ": " << mean << " +- " << se << ", binomial " << exact);
    CHECK(std::abs(mean - exact) < 4.0 * se);
    chi2 += (mean - exact) * (mean - exact) / (se * se);
    ++dof;
  }
  REQUIRE(dof >= 7);
  // chi-square with dof degrees of freedom at 0.1 % (9 dof: 27.9), with room for the scatter of
  // the block-estimated errors.
  CHECK(chi2 < 1.5 * 27.9);
}

TEST_CASE("rejected grand-canonical trials leave the system bit-identical; ids are never reused", "[unit][cycling][grand_canonical]") {
  LatticeGas gas;
  md::ForceEvaluator forces(gas.potential, 0.5);
  IonLedger ledger;
  ledger.add_initial(gas.system, kLi);
  IonExchanger ex(lithium(), 0.0, 5);
  core::Rng vel(3);
  std::set<AtomId> ever;
  AtomId largest = -1;
  int rejected_insertions = 0, rejected_removals = 0, accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    core::System& s = gas.system;
    // Non-trivial velocities and forces, so that a restore that forgot them would show.
    for (auto& v : s.velocities()) v = Vec3(vel.normal(), vel.normal(), vel.normal());
    for (auto& f : s.forces()) f = Vec3(vel.normal(), vel.normal(), vel.normal());
    const core::System before = s;
    const ExchangeEvent e = ex.grand_canonical_move(s, forces, gas.settings, 0.05, kTemperature, ledger, i, kSites);
    ledger.check(s, kLi);
    CHECK(e.acceptance >= 0.0);
    CHECK(e.acceptance <= 1.0);
    if (!e.accepted) {
      (e.kind == ExchangeKind::insert ? rejected_insertions : rejected_removals)++;
      REQUIRE(s.num_atoms() == before.num_atoms());
      CHECK(s.next_id() == before.next_id());
      for (std::size_t k = 0; k < s.num_atoms(); ++k) {
        CHECK(s.ids()[k] == before.ids()[k]);
        CHECK(s.atomic_numbers()[k] == before.atomic_numbers()[k]);
        CHECK(s.positions()[k] == before.positions()[k]);
        CHECK(s.velocities()[k] == before.velocities()[k]);
        CHECK(s.forces()[k] == before.forces()[k]);
        CHECK(s.masses()[k] == before.masses()[k]);
      }
      continue;
    }
    ++accepted;
    if (e.kind == ExchangeKind::insert) {
      CHECK(ever.insert(e.ion_id).second);  // never handed out before
      CHECK(e.ion_id > largest);
      largest = e.ion_id;
    } else {
      CHECK_FALSE(s.index_of(e.ion_id).has_value());
    }
  }
  CHECK(rejected_insertions > 50);
  CHECK(rejected_removals > 50);
  CHECK(accepted > 100);
  CHECK(ledger.num_present() == num_ions(gas.system));
}

TEST_CASE("grand-canonical limits: no removal from empty, no insertion beyond capacity", "[unit][cycling][grand_canonical]") {
  LatticeGas gas;
  md::ForceEvaluator forces(gas.potential, 0.5);
  IonLedger ledger;
  ledger.add_initial(gas.system, kLi);
  IonExchanger ex(lithium(), 0.0, 6);
  // A strongly favourable voltage fills the sites up to M = 3 and never beyond; at T = 0 the
  // rule is deterministic: every insertion with ΔE < μ is taken while N < M.
  for (int i = 0; i < 200; ++i) {
    const ExchangeEvent e = ex.grand_canonical_move(gas.system, forces, gas.settings, -1.0, 0.0, ledger, i, 3.0);
    if (e.kind == ExchangeKind::remove) CHECK_FALSE(e.accepted);
    CHECK(num_ions(gas.system) <= 3);
  }
  CHECK(num_ions(gas.system) == 3);
  // A strongly unfavourable one empties them, and removal from empty is refused, not an error.
  for (int i = 0; i < 200; ++i) {
    const ExchangeEvent e = ex.grand_canonical_move(gas.system, forces, gas.settings, 1.0, 0.0, ledger, i, 3.0);
    if (e.kind == ExchangeKind::insert) CHECK_FALSE(e.accepted);
  }
  CHECK(num_ions(gas.system) == 0);
  ledger.check(gas.system, kLi);
}
