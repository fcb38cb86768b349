// SPDX-License-Identifier: MIT
//
// IonExchanger policies against known answers: lowest_energy takes the lowest of its candidates
// (recomputed independently), boltzmann choices follow exp(−ΔE/kT), settling moves the new ion
// downhill by at most settle_steps × settle_max_move, new ions get Maxwell–Boltzmann velocities,
// and each removal policy picks the constructed right ion (nearest the surface or edge, least
// bound, first or last in). IonLedger: counts, checks, order and an exact JSON round trip.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"
#include "core/units.hpp"
#include "cycling/insertion_sites.hpp"
#include "cycling/ion_exchanger.hpp"
#include "cycling/ion_ledger.hpp"
#include "defects/graphite.hpp"
#include "md/force_evaluator.hpp"
#include "potentials/morse.hpp"

using namespace ioncycle;
using ioncycle::core::AtomId;
using ioncycle::core::Vec3;
using namespace ioncycle::cycling;

namespace {

constexpr int kLi = 3;
constexpr int kC = 6;

// Li–C Morse attraction; Li–Li and C–C cut off below every distance that occurs, so only Li–C
// pairs count and energies are sums over them.
potentials::Morse li_c_morse(double d0, double alpha, double r0, double cutoff) {
  potentials::Morse::Params p;
  p.pairs = {{kLi, kLi, 1e-3, 1.0, 3.0, 1.2}, {kLi, kC, d0, alpha, r0, cutoff}, {kC, kC, 1e-3, 1.0, 1.5, 1.2}};
  return potentials::Morse(p);
}

IonSettings lithium(double min_distance = 1.5) {
  IonSettings ion;
  ion.z = kLi;
  ion.min_distance = min_distance;
  return ion;
}

AtomId add(core::System& s, int z, const Vec3& r) {
  core::AtomSpec a;
  a.z = z;
  a.position = r;
  return s.add_atom(a);
}

// A 14 Å box with a few carbon atoms: the energy landscape of a new Li is rugged.
core::System carbon_box() {
  core::System s(core::Cell::orthorhombic(14.0, 14.0, 14.0));
  core::Rng rng(21);
  for (int i = 0; i < 6; ++i) (void)add(s, kC, Vec3(rng.uniform(0, 14), rng.uniform(0, 14), rng.uniform(0, 14)));
  return s;
}

// The K candidates the exchanger will draw next (same site finder, a copy of its random stream).
std::vector<SiteCandidate> next_candidates(const IonExchanger& ex, const core::System& s,
                                           const InsertionSettings& settings) {
  SiteFinder finder(ex.ion());
  finder.prepare(s, settings);
  core::Rng copy(0);
  copy.restore(ex.rng_state());
  std::vector<SiteCandidate> out;
  for (int k = 0; k < settings.candidates; ++k) out.push_back(*finder.sample(copy));
  return out;
}

// Energy change of adding a Li at r, computed on a copy with its own evaluator.
double insertion_energy(potentials::Potential& pot, const core::System& s, const Vec3& r) {
  md::ForceEvaluator fe(pot, 0.5);
  core::System with = s;
  (void)add(with, kLi, r);
  return fe.energy(with) - fe.energy(s);
}

}  // namespace

TEST_CASE("lowest_energy inserts at the lowest of its candidates", "[unit][cycling][exchanger]") {
  auto pot = li_c_morse(0.3, 1.5, 2.2, 6.0);
  md::ForceEvaluator forces(pot, 0.5);
  core::System s = carbon_box();
  IonLedger ledger;
  ledger.add_initial(s, kLi);
  IonExchanger ex(lithium(), -1.9, 5);
  InsertionSettings settings;
  settings.sites = SiteSet::anywhere;
  settings.policy = InsertPolicy::lowest_energy;
  settings.candidates = 8;
  settings.settle_steps = 0;
  for (int event = 0; event < 25; ++event) {
    const auto candidates = next_candidates(ex, s, settings);
    std::vector<double> de;
    for (const auto& c : candidates) de.push_back(insertion_energy(pot, s, c.position));
    const auto best = static_cast<std::size_t>(std::min_element(de.begin(), de.end()) - de.begin());
    const ExchangeEvent e = ex.insert(s, forces, settings, 300.0, ledger, 10.0 * event);
    REQUIRE(e.accepted);
    CHECK(e.num_candidates == 8);
    CHECK(e.position == candidates[best].position);
    CHECK(e.delta_energy == Approx(de[best]).margin(1e-9));
    CHECK(e.voltage == Approx(-(de[best] - -1.9)).margin(1e-9));
    ledger.check(s, kLi);
    // Take it out again so every event sees the same landscape.
    s.remove_atoms(std::vector<AtomId>{e.ion_id});
    ledger.record_removal(e.ion_id, 10.0 * event + 1.0);
  }
}

TEST_CASE("boltzmann insertion chooses with weights exp(-dE/kT)", "[unit][cycling][exchanger][stochastic]") {
  auto pot = li_c_morse(0.08, 1.2, 2.4, 6.0);
  md::ForceEvaluator forces(pot, 0.5);
  core::System s = carbon_box();
  IonLedger ledger;
  IonExchanger ex(lithium(), 0.0, 17);
  InsertionSettings settings;
  settings.sites = SiteSet::anywhere;
  settings.policy = InsertPolicy::boltzmann;
  settings.candidates = 4;
  settings.settle_steps = 0;
  const double temperature = 300.0;
  const double kT = units::boltzmann * temperature;
  // Observed and expected counts of choosing the k-th lowest candidate.
  std::vector<double> observed(4, 0.0), expected(4, 0.0);
  const int events = 1500;
  for (int event = 0; event < events; ++event) {
    const auto candidates = next_candidates(ex, s, settings);
    std::vector<std::pair<double, std::size_t>> ranked;
    for (std::size_t k = 0; k < candidates.size(); ++k) ranked.emplace_back(insertion_energy(pot, s, candidates[k].position), k);
    std::sort(ranked.begin(), ranked.end());
    double z = 0.0;
    for (const auto& [de, k] : ranked) z += std::exp(-(de - ranked[0].first) / kT);
    for (std::size_t r = 0; r < 4; ++r) expected[r] += std::exp(-(ranked[r].first - ranked[0].first) / kT) / z;
    const ExchangeEvent e = ex.insert(s, forces, settings, temperature, ledger, 1.0 * event);
    REQUIRE(e.accepted);
    bool found = false;
    for (std::size_t r = 0; r < 4; ++r) {
      if (candidates[ranked[r].second].position == e.position) {
        observed[r] += 1.0;
        found = true;
      }
    }
    REQUIRE(found);
    s.remove_atoms(std::vector<AtomId>{e.ion_id});
    ledger.record_removal(e.ion_id, 1.0 * event);
  }
  // The energies must spread over a few kT for the test to mean something.
  CHECK(expected[0] / events < 0.85);
  CHECK(expected[3] > 20.0);
  double chi2 = 0.0;
  for (std::size_t r = 0; r < 4; ++r) chi2 += (observed[r] - expected[r]) * (observed[r] - expected[r]) / expected[r];
  INFO("observed " << observed[0] << " " << observed[1] << " " << observed[2] << " " << observed[3]);
  INFO("expected " << expected[0] << " " << expected[1] << " " << expected[2] << " " << expected[3]);
  CHECK(chi2 < 16.27);  // chi-square, 3 degrees of freedom, 0.1 %

  SECTION("at T = 0 boltzmann is lowest_energy") {
    const auto candidates = next_candidates(ex, s, settings);
    std::vector<double> de;
    for (const auto& c : candidates) de.push_back(insertion_energy(pot, s, c.position));
    const auto best = static_cast<std::size_t>(std::min_element(de.begin(), de.end()) - de.begin());
    const ExchangeEvent e = ex.insert(s, forces, settings, 0.0, ledger, 2000.0);
    CHECK(e.position == candidates[best].position);
    // No thermal velocity at 0 K.
    CHECK(s.velocities()[*s.index_of(e.ion_id)] == Vec3::Zero());
  }
}

TEST_CASE("settling moves the new ion downhill, at most settle_steps x settle_max_move", "[unit][cycling][exchanger]") {
  auto pot = li_c_morse(0.5, 2.0, 2.3, 6.0);
  md::ForceEvaluator forces(pot, 0.5);
  core::System s(core::Cell::orthorhombic(15, 15, 15));
  const Vec3 carbon(7.5, 7.5, 7.5);
  (void)add(s, kC, carbon);
  IonLedger ledger;
  IonExchanger ex(lithium(1.5), 0.0, 3);
  InsertionSettings settings;
  settings.sites = SiteSet::region;
  // 1.5–1.8 Å from the carbon: deep in the repulsive wall (r0 = 2.3 Å), |F| of several eV/Å.
  settings.region = Region{carbon + Vec3(1.5, -0.05, -0.05), carbon + Vec3(1.8, 0.05, 0.05)};
  settings.policy = InsertPolicy::random;
  settings.candidates = 1;
  settings.settle_steps = 6;
  settings.settle_force = 0.01;
  settings.settle_max_move = 0.05;
  const auto candidate = next_candidates(ex, s, settings).front();
  const double de_site = insertion_energy(pot, s, candidate.position);
  const ExchangeEvent e = ex.insert(s, forces, settings, 0.0, ledger, 0.0);
  REQUIRE(e.accepted);
  const double moved = (e.position - candidate.position).norm();
  // Six full steps straight away from the carbon (the force is radial and stays above 0.01).
  CHECK(moved == Approx(6 * 0.05).margin(1e-9));
  CHECK((e.position - carbon).norm() == Approx((candidate.position - carbon).norm() + 0.3).margin(1e-9));
  CHECK(e.delta_energy < de_site - 0.1);
  CHECK(e.delta_energy == Approx(insertion_energy(pot, [&] {
                                   core::System without = s;
                                   without.remove_atoms(std::vector<AtomId>{e.ion_id});
                                   return without;
                                 }(), e.position)).margin(1e-9));
}

TEST_CASE("new ions get Maxwell-Boltzmann velocities", "[unit][cycling][exchanger][stochastic]") {
  auto pot = li_c_morse(0.1, 1.0, 2.0, 4.0);
  md::ForceEvaluator forces(pot, 0.5);
  core::System s(core::Cell::orthorhombic(20, 20, 20));
  (void)add(s, kC, Vec3(1, 1, 1));
  IonLedger ledger;
  IonExchanger ex(lithium(), 0.0, 8);
  InsertionSettings settings;
  settings.sites = SiteSet::anywhere;
  settings.policy = InsertPolicy::random;
  settings.settle_steps = 0;
  const double temperature = 600.0;
  const double kT = units::boltzmann * temperature;
  const int n = 600;
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    const ExchangeEvent e = ex.insert(s, forces, settings, temperature, ledger, 1.0 * i);
    const std::size_t idx = *s.index_of(e.ion_id);
    sum += 0.5 * s.masses()[idx] * s.velocities()[idx].squaredNorm() * units::amu_A2_per_fs2_in_eV;
    s.remove_atoms(std::vector<AtomId>{e.ion_id});
    ledger.record_removal(e.ion_id, 1.0 * i);
  }
  // <KE> = 3/2 kT with standard deviation sqrt(3/2) kT per ion.
  CHECK(std::abs(sum / n - 1.5 * kT) < 4.0 * std::sqrt(1.5) * kT / std::sqrt(n));
}

TEST_CASE("surface removal takes the ion nearest the free surface", "[unit][cycling][exchanger]") {
  defects::GraphiteParams p;
  p.repeat_a = p.repeat_b = 3;
  p.num_layers = 3;
  p.vacuum = 20.0;
  core::System s = defects::build_graphite(p);
  double zmin = 1e9, zmax = -1e9;
  for (const auto& r : s.positions()) {
    zmin = std::min(zmin, r[2]);
    zmax = std::max(zmax, r[2]);
  }
  const Vec3 hollow = (s.cell().vector(0) + s.cell().vector(1)) / 3.0;  // in-plane, not on an atom
  const AtomId deep = add(s, kLi, hollow + Vec3(0, 0, zmin + 1.675));        // gallery 0, 1.675 from the bottom
  const AtomId shallow = add(s, kLi, hollow + Vec3(0, 0, zmax - 1.675 + 0.2));  // gallery 1, 1.475 from the top
  const AtomId adsorbed = add(s, kLi, hollow + Vec3(0, 0, zmax + 2.0));       // outside
  auto pot = li_c_morse(0.1, 1.5, 2.3, 5.0);
  md::ForceEvaluator forces(pot, 0.5);
  IonLedger ledger;
  ledger.add_initial(s, kLi);
  IonExchanger ex(lithium(), -1.5, 1);
  RemovalSettings settings;
  settings.policy = RemovePolicy::surface;
  for (const AtomId expected : {adsorbed, shallow, deep}) {
    const double e0 = forces.energy(s);
    const ExchangeEvent e = ex.remove(s, forces, settings, 300.0, ledger, 1.0);
    REQUIRE(e.accepted);
    CHECK(e.ion_id == expected);
    CHECK(e.delta_energy == Approx(forces.energy(s) - e0).margin(1e-9));
    CHECK(e.voltage == Approx(e.delta_energy + -1.5).margin(1e-12));
    ledger.check(s, kLi);
  }
  const ExchangeEvent none = ex.remove(s, forces, settings, 300.0, ledger, 2.0);
  CHECK_FALSE(none.accepted);
  CHECK_THAT(none.failure, Catch::Contains("no Li"));
}

TEST_CASE("edge removal takes the ion nearest the free edge", "[unit][cycling][exchanger]") {
  defects::GraphiteParams p;
  p.repeat_a = 5;
  p.repeat_b = 2;
  p.num_layers = 2;
  p.edge = defects::EdgeType::armchair;
  p.cell = defects::PlaneCellShape::orthogonal;
  core::System s = defects::build_graphite(p);
  double xmin = 1e9, xmax = -1e9;
  for (const auto& r : s.positions()) {
    xmin = std::min(xmin, r[0]);
    xmax = std::max(xmax, r[0]);
  }
  REQUIRE(xmax - xmin > 8.0);
  const double z = 3.35;  // gallery 0 mid-plane (layers at 1.675 and 5.025)
  const AtomId middle = add(s, kLi, Vec3(0.5 * (xmin + xmax), 1.0, z));
  const AtomId near_high = add(s, kLi, Vec3(xmax - 1.0, 1.0, z));
  const AtomId near_low = add(s, kLi, Vec3(xmin + 2.0, 1.0, z));
  auto pot = li_c_morse(0.1, 1.5, 2.3, 5.0);
  md::ForceEvaluator forces(pot, 0.5);
  IonLedger ledger;
  ledger.add_initial(s, kLi);
  IonExchanger ex(lithium(), 0.0, 1);
  RemovalSettings settings;
  settings.policy = RemovePolicy::edge;
  for (const AtomId expected : {near_high, near_low, middle}) {
    const ExchangeEvent e = ex.remove(s, forces, settings, 300.0, ledger, 1.0);
    REQUIRE(e.accepted);
    CHECK(e.ion_id == expected);
  }
  // A periodic host without an edge cannot do this.
  defects::GraphiteParams q;
  q.repeat_a = q.repeat_b = 3;
  core::System bulk = defects::build_graphite(q);
  (void)add(bulk, kLi, Vec3(0.3, 0.4, 3.35));
  const std::size_t atoms = bulk.num_atoms();
  IonLedger bulk_ledger;
  bulk_ledger.add_initial(bulk, kLi);
  md::ForceEvaluator bulk_forces(pot, 0.5);
  const ExchangeEvent e = ex.remove(bulk, bulk_forces, settings, 300.0, bulk_ledger, 1.0);
  CHECK_FALSE(e.accepted);
  CHECK_THAT(e.failure, Catch::Contains("edge"));
  CHECK(bulk.num_atoms() == atoms);
}

TEST_CASE("highest_energy removes the least bound ion; boltzmann at T = 0 too", "[unit][cycling][exchanger]") {
  // Morse minimum -d0 at r0 = 2.2 Å, cutoff 4 Å: an ion at r0 from n carbons (and beyond the
  // cutoff of all others) is bound by n·d0, so its removal energy is n·d0.
  const double d0 = 0.2, r0 = 2.2;
  auto pot = li_c_morse(d0, 1.5, r0, 4.0);
  for (const auto policy : {RemovePolicy::highest_energy, RemovePolicy::boltzmann}) {
    INFO((policy == RemovePolicy::highest_energy ? "highest_energy" : "boltzmann at 0 K"));
    md::ForceEvaluator forces(pot, 0.5);
    core::System s(core::Cell::orthorhombic(30, 30, 30));
    const Vec3 a(5, 5, 5), b(15, 5, 5), c(25, 20, 20), d(5, 20, 20);
    (void)add(s, kC, a + Vec3(r0, 0, 0));
    (void)add(s, kC, a + Vec3(0, r0, 0));
    (void)add(s, kC, a + Vec3(0, 0, r0));
    (void)add(s, kC, b + Vec3(r0, 0, 0));
    (void)add(s, kC, d + Vec3(0, r0, 0));
    (void)add(s, kC, d + Vec3(0, -r0, 0));
    const AtomId ion_a = add(s, kLi, a);  // 3 d0
    const AtomId ion_b = add(s, kLi, b);  // 1 d0
    const AtomId ion_c = add(s, kLi, c);  // 0
    const AtomId ion_d = add(s, kLi, d);  // 2 d0
    IonLedger ledger;
    ledger.add_initial(s, kLi);
    IonExchanger ex(lithium(), -1.0, 9);
    RemovalSettings settings;
    settings.policy = policy;
    settings.candidates = 8;
    const std::vector<std::pair<AtomId, double>> order{{ion_c, 0.0}, {ion_b, d0}, {ion_d, 2 * d0}, {ion_a, 3 * d0}};
    for (const auto& [id, removal_energy] : order) {
      const ExchangeEvent e = ex.remove(s, forces, settings, 0.0, ledger, 1.0);
      REQUIRE(e.accepted);
      CHECK(e.ion_id == id);
      CHECK(e.delta_energy == Approx(removal_energy).margin(1e-9));
      CHECK(e.voltage == Approx(removal_energy - 1.0).margin(1e-9));
      ledger.check(s, kLi);
    }
  }
}

TEST_CASE("first_in and last_in follow the ledger", "[unit][cycling][exchanger]") {
  auto pot = li_c_morse(0.1, 1.5, 2.3, 4.0);
  md::ForceEvaluator forces(pot, 0.5);
  core::System s(core::Cell::orthorhombic(20, 20, 20));
  (void)add(s, kC, Vec3(10, 10, 10));
  const AtomId initial_a = add(s, kLi, Vec3(2, 2, 2));
  const AtomId initial_b = add(s, kLi, Vec3(6, 2, 2));
  IonLedger ledger;
  ledger.add_initial(s, kLi);
  IonExchanger ex(lithium(), 0.0, 4);
  InsertionSettings ins;
  ins.sites = SiteSet::anywhere;
  ins.policy = InsertPolicy::random;
  const AtomId early = ex.insert(s, forces, ins, 300.0, ledger, 100.0).ion_id;
  const AtomId late = ex.insert(s, forces, ins, 300.0, ledger, 200.0).ion_id;
  REQUIRE(late > early);
  RemovalSettings rem;
  rem.policy = RemovePolicy::last_in;
  CHECK(ex.remove(s, forces, rem, 300.0, ledger, 300.0).ion_id == late);
  rem.policy = RemovePolicy::first_in;
  CHECK(ex.remove(s, forces, rem, 300.0, ledger, 301.0).ion_id == initial_a);
  CHECK(ex.remove(s, forces, rem, 300.0, ledger, 302.0).ion_id == initial_b);
  CHECK(ex.remove(s, forces, rem, 300.0, ledger, 303.0).ion_id == early);
  CHECK(ledger.num_present() == 0);
  ledger.check(s, kLi);
  rem.policy = RemovePolicy::random;
  CHECK_FALSE(ex.remove(s, forces, rem, 300.0, ledger, 304.0).accepted);
}

TEST_CASE("random removal and insertion keep ids unique and the ledger balanced", "[unit][cycling][exchanger]") {
  auto pot = li_c_morse(0.1, 1.5, 2.3, 4.0);
  md::ForceEvaluator forces(pot, 0.5);
  core::System s(core::Cell::orthorhombic(16, 16, 16));
  (void)add(s, kC, Vec3(8, 8, 8));
  IonLedger ledger;
  ledger.add_initial(s, kLi);
  IonExchanger ex(lithium(), 0.0, 12);
  InsertionSettings ins;
  ins.sites = SiteSet::anywhere;
  ins.policy = InsertPolicy::lowest_energy;
  ins.candidates = 3;
  RemovalSettings rem;
  rem.policy = RemovePolicy::random;
  core::Rng coin(5);
  AtomId last_new = -1;
  for (int i = 0; i < 60; ++i) {
    if (coin.uniform() < 0.6 || ledger.num_present() == 0) {
      const ExchangeEvent e = ex.insert(s, forces, ins, 300.0, ledger, i);
      REQUIRE(e.accepted);
      CHECK(e.ion_id > last_new);  // fresh ids only, never one given before
      last_new = e.ion_id;
    } else {
      REQUIRE(ex.remove(s, forces, rem, 300.0, ledger, i).accepted);
    }
    ledger.check(s, kLi);
  }
  CHECK(ledger.num_inserted() + ledger.num_initial() - ledger.num_removed() == ledger.num_present());
  CHECK(ex.times().trial_energy > 0.0);
  CHECK(ex.times().site_search > 0.0);
}

TEST_CASE("the exchanger's random stream can be saved and restored", "[unit][cycling][exchanger]") {
  auto pot = li_c_morse(0.1, 1.5, 2.3, 4.0);
  md::ForceEvaluator forces(pot, 0.5);
  core::System s(core::Cell::orthorhombic(16, 16, 16));
  (void)add(s, kC, Vec3(8, 8, 8));
  IonLedger ledger;
  IonExchanger ex(lithium(), 0.0, 12);
  InsertionSettings ins;
  ins.sites = SiteSet::anywhere;
  ins.policy = InsertPolicy::random;
  const auto state = ex.rng_state();
  const core::System before = s;
  const IonLedger ledger_before = ledger;
  const Vec3 first = ex.insert(s, forces, ins, 300.0, ledger, 1.0).position;
  core::System again = before;
  IonLedger ledger_again = ledger_before;
  IonExchanger other(lithium(), 0.0, 999);
  other.restore_rng_state(state);
  md::ForceEvaluator other_forces(pot, 0.5);
  CHECK(other.insert(again, other_forces, ins, 300.0, ledger_again, 1.0).position == first);
}

// ----------------------------------------------------------------------------------------------
// IonLedger

TEST_CASE("ion ledger counts, checks and orders ions", "[unit][cycling][ledger]") {
  core::System s(core::Cell::orthorhombic(10, 10, 10));
  (void)add(s, kC, Vec3(0, 0, 0));
  const AtomId li1 = add(s, kLi, Vec3(1, 1, 1));
  const AtomId li2 = add(s, kLi, Vec3(2, 2, 2));
  IonLedger ledger;
  ledger.add_initial(s, kLi);
  CHECK(ledger.num_initial() == 2);
  CHECK_THROWS_AS(ledger.add_initial(s, kLi), InputError);
  ledger.check(s, kLi);
  CHECK(ledger.first_in() == li1);  // initial ions: at -inf, by id
  CHECK(ledger.last_in() == li2);

  ledger.set_cursor(1, 2);
  const AtomId a = add(s, kLi, Vec3(3, 3, 3));
  ledger.record_insertion(a, 50.0);
  const AtomId b = add(s, kLi, Vec3(4, 4, 4));
  ledger.record_insertion(b, 50.0);  // same time: the larger id is the later
  const AtomId c = add(s, kLi, Vec3(5, 5, 5));
  ledger.record_insertion(c, 20.0);  // earlier time than a and b despite its larger id
  ledger.check(s, kLi);
  CHECK(ledger.first_in() == li1);
  CHECK(ledger.last_in() == b);
  CHECK(ledger.find(a)->cycle_inserted == 1);
  CHECK(ledger.find(a)->step_inserted == 2);
  CHECK_FALSE(ledger.find(li1)->cycle_inserted >= 0);

  ledger.set_cursor(1, 3);
  s.remove_atoms(std::vector<AtomId>{li1, li2, b});
  ledger.record_removal(li1, 60.0);
  ledger.record_removal(li2, 61.0);
  ledger.record_removal(b, 62.0);
  ledger.check(s, kLi);
  CHECK(ledger.first_in() == c);
  CHECK(ledger.last_in() == a);
  CHECK(ledger.num_present() == 2);
  CHECK(ledger.num_removed() == 3);
  CHECK(ledger.num_inserted() == 3);
  CHECK(ledger.present_ids() == std::vector<AtomId>{a, c});
  CHECK(ledger.find(b)->step_removed == 3);
  CHECK(*ledger.find(b)->time_removed == 62.0);

  CHECK_THROWS_AS(ledger.record_removal(b, 70.0), SimulationError);    // twice
  CHECK_THROWS_AS(ledger.record_removal(999, 70.0), SimulationError);  // never seen
  CHECK_THROWS_AS(ledger.record_insertion(li1, 70.0), SimulationError);  // ids are never reused

  // Disagreements with the structure.
  core::System extra = s;
  (void)add(extra, kLi, Vec3(7, 7, 7));
  CHECK_THROWS_WITH(ledger.check(extra, kLi), Catch::Contains("in the structure but not in the ledger"));
  core::System fewer = s;
  fewer.remove_atoms(std::vector<AtomId>{a});
  CHECK_THROWS_WITH(ledger.check(fewer, kLi), Catch::Contains("in the ledger but not in the structure"));

  IonLedger empty;
  CHECK_FALSE(empty.first_in().has_value());
  CHECK_FALSE(empty.last_in().has_value());
}

TEST_CASE("ion ledger JSON round trip is exact", "[unit][cycling][ledger]") {
  core::System s(core::Cell::orthorhombic(10, 10, 10));
  (void)add(s, kLi, Vec3(1, 1, 1));
  IonLedger ledger;
  ledger.add_initial(s, kLi);
  ledger.set_cursor(0, 1);
  const std::vector<double> times{0.1 + 0.2, 1e-300, 4.9e-324, 123456789.123456789, 1.0 / 3.0};
  for (std::size_t i = 0; i < times.size(); ++i) ledger.record_insertion(static_cast<AtomId>(10 + i), times[i]);
  ledger.set_cursor(2, 5);
  ledger.record_removal(11, std::nextafter(7.0, 8.0));
  ledger.record_removal(0, 2.0 / 3.0);
  const IonLedger back = IonLedger::from_json(ledger.to_json());
  CHECK(back == ledger);
  CHECK(back.num_initial() == 1);
  CHECK(back.num_inserted() == 5);
  CHECK(back.num_removed() == 2);
  CHECK(back.find(11)->time_inserted == 1e-300);
  CHECK(back.find(12)->time_inserted == 4.9e-324);  // subnormal
  CHECK(*back.find(11)->time_removed == std::nextafter(7.0, 8.0));
  CHECK(back.to_json() == ledger.to_json());
  CHECK(back.first_in() == ledger.first_in());
  CHECK(back.last_in() == ledger.last_in());

  CHECK_THROWS_AS(IonLedger::from_json("{not json"), InputError);
  CHECK_THROWS_AS(IonLedger::from_json(R"({"format": "something else"})"), InputError);
  CHECK_THROWS_AS(IonLedger::from_json(R"({"format": "ioncycle ion ledger", "version": 1, "cycle": 0})"), InputError);
}
