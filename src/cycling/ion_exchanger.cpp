// SPDX-License-Identifier: MIT
#include "cycling/ion_exchanger.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/units.hpp"

namespace ioncycle::cycling {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Metropolis acceptance min(1, factor · exp(x)) of a grand-canonical trial, x = −(ΔE ∓ μ)/kT
// given as its numerator `minus_excess` = −(ΔE ∓ μ) and kT; at T = 0 only the sign of the
// excess counts (a combinatorial factor cannot beat an infinite Boltzmann factor).
double acceptance_probability(double factor, double minus_excess, double kT) {
  if (!(factor > 0.0)) return 0.0;
  if (!(kT > 0.0)) {
    if (minus_excess > 0.0) return 1.0;
    if (minus_excess < 0.0) return 0.0;
    return std::min(1.0, factor);
  }
  const double log_p = std::log(factor) + minus_excess / kT;
  return log_p >= 0.0 ? 1.0 : std::exp(log_p);
}

std::string policy_name(RemovePolicy p) {
  switch (p) {
    case RemovePolicy::random: return "random";
    case RemovePolicy::surface: return "surface";
    case RemovePolicy::edge: return "edge";
    case RemovePolicy::highest_energy: return "highest_energy";
    case RemovePolicy::boltzmann: return "boltzmann";
    case RemovePolicy::first_in: return "first_in";
    case RemovePolicy::last_in: return "last_in";
  }
  return "removal";
}

// Everything needed to put atom `index` back exactly (System::restore_removed_atom) after a
// trial removal.
core::AtomSpec saved_atom(const core::System& system, std::size_t index) {
  core::AtomSpec saved;
  saved.z = system.atomic_numbers()[index];
  saved.position = system.positions()[index];
  saved.velocity = system.velocities()[index];
  saved.mass = system.masses()[index];
  saved.id = system.ids()[index];
  return saved;
}

}  // namespace

IonExchanger::IonExchanger(IonSettings ion, double mu_ref, std::uint64_t seed, std::uint64_t stream,
                           SiteFinderOptions site_options)
    : ion_(std::move(ion)), mu_ref_(mu_ref), rng_(seed, stream), finder_(ion_, site_options) {}

double IonExchanger::energy(core::System& system, md::ForceEvaluator& forces) {
  const auto t0 = Clock::now();
  const double e = forces.energy(system);
  times_.trial_energy += seconds_since(t0);
  return e;
}

double IonExchanger::current_energy(core::System& system, md::ForceEvaluator& forces) {
  // MD between rounds moves atoms only through force evaluations, and exchanges change the
  // topology version, so the pair identifies the configuration the energy belongs to.
  if (known_ && known_->evaluations == forces.num_evaluations() && known_->topology == system.topology_version()) {
    return known_->energy;
  }
  return energy(system, forces);
}

void IonExchanger::remember_energy(const core::System& system, const md::ForceEvaluator& forces, double e) {
  known_ = KnownEnergy{forces.num_evaluations(), system.topology_version(), e};
}

double IonExchanger::trial_insertion_energy(core::System& system, md::ForceEvaluator& forces,
                                            const core::Vec3& position) {
  core::AtomSpec spec;
  spec.z = ion_.z;
  spec.position = position;
  const core::AtomId id = system.add_trial_atom(spec);
  const double e = energy(system, forces);
  system.discard_trial_atom(id);
  return e;
}

double IonExchanger::trial_removal_energy(core::System& system, md::ForceEvaluator& forces, std::size_t index) {
  const core::AtomSpec saved = saved_atom(system, index);
  const core::Vec3 force = system.forces()[index];
  system.remove_atoms(std::span<const core::AtomId>(&*saved.id, 1));
  const double e = energy(system, forces);
  system.restore_removed_atom(saved, index);
  system.forces()[index] = force;
  return e;
}

core::Vec3 IonExchanger::maxwell_boltzmann_velocity(double mass, double temperature) {
  // Each Cartesian component is normal with variance k_B T / m (md/velocities.hpp). No rescaling
  // to the exact temperature: for a single atom that would distort the distribution.
  if (!(temperature > 0.0)) return core::Vec3::Zero();
  const double sigma = std::sqrt(units::boltzmann * temperature / (mass * units::amu_A2_per_fs2_in_eV));
  return {sigma * rng_.normal(), sigma * rng_.normal(), sigma * rng_.normal()};
}

std::size_t IonExchanger::boltzmann_choice(const std::vector<double>& energies, double temperature) {
  IONCYCLE_ASSERT(!energies.empty(), "boltzmann_choice needs candidates");
  const auto lowest = static_cast<std::size_t>(std::min_element(energies.begin(), energies.end()) - energies.begin());
  const double kT = units::boltzmann * temperature;
  if (!(kT > 0.0)) return lowest;
  // Weights relative to the lowest energy, so the largest weight is 1 and nothing overflows.
  std::vector<double> cumulative(energies.size());
  double total = 0.0;
  for (std::size_t k = 0; k < energies.size(); ++k) {
    total += std::exp(-(energies[k] - energies[lowest]) / kT);
    cumulative[k] = total;
  }
  const double pick = rng_.uniform() * total;
  for (std::size_t k = 0; k < energies.size(); ++k) {
    if (pick < cumulative[k]) return k;
  }
  return energies.size() - 1;
}

std::vector<std::size_t> IonExchanger::ion_indices(const core::System& system) const {
  std::vector<std::size_t> out;
  const auto zs = system.atomic_numbers();
  for (std::size_t i = 0; i < zs.size(); ++i) {
    if (zs[i] == ion_.z) out.push_back(i);
  }
  return out;
}

core::AtomId IonExchanger::insert_ion(core::System& system, const core::Vec3& position, double temperature) {
  core::AtomSpec spec;
  spec.z = ion_.z;
  spec.position = position;
  spec.velocity = maxwell_boltzmann_velocity(core::standard_mass(ion_.z), temperature);
  return system.add_atom(spec);
}

void IonExchanger::settle(core::System& system, md::ForceEvaluator& forces, core::AtomId id,
                          const InsertionSettings& settings) {
  // Steepest descent of the new ion alone, a fixed small step along its force: it only relieves
  // an unlucky close contact before MD resumes; the thermostat does the rest.
  const auto t0 = Clock::now();
  forces.evaluate(system, false);
  for (int step = 0; step < settings.settle_steps; ++step) {
    const std::size_t index = *system.index_of(id);
    const core::Vec3 f = system.forces()[index];
    const double norm = f.norm();
    if (!(norm > settings.settle_force)) break;
    system.positions()[index] += (settings.settle_max_move / norm) * f;
    forces.evaluate(system, false);
  }
  times_.settling += seconds_since(t0);
}

ExchangeEvent IonExchanger::insert(core::System& system, md::ForceEvaluator& forces,
                                   const InsertionSettings& settings, double temperature, IonLedger& ledger,
                                   double time) {
  ExchangeEvent event;
  event.kind = ExchangeKind::insert;

  const auto t0 = Clock::now();
  finder_.prepare(system, settings);
  const int wanted = settings.policy == InsertPolicy::random ? 1 : std::max(1, settings.candidates);
  std::vector<SiteCandidate> sites;
  sites.reserve(static_cast<std::size_t>(wanted));
  for (int k = 0; k < wanted; ++k) {
    auto c = finder_.sample(rng_);
    if (!c) break;  // a full max_tries failed: more tries would mostly fail as well
    sites.push_back(std::move(*c));
  }
  times_.site_search += seconds_since(t0);
  if (sites.empty()) {
    event.failure = finder_.failure_message(settings.max_tries);
    return event;
  }

  const double e_before = energy(system, forces);
  std::size_t chosen = 0;
  std::optional<double> e_chosen;
  if (settings.policy != InsertPolicy::random) {
    std::vector<double> energies;
    energies.reserve(sites.size());
    for (const auto& s : sites) energies.push_back(trial_insertion_energy(system, forces, s.position));
    chosen = settings.policy == InsertPolicy::lowest_energy
                 ? static_cast<std::size_t>(std::min_element(energies.begin(), energies.end()) - energies.begin())
                 : boltzmann_choice(energies, temperature);
    e_chosen = energies[chosen];
  }
  event.num_candidates = static_cast<int>(sites.size());

  const core::AtomId id = insert_ion(system, sites[chosen].position, temperature);
  double e_after = 0.0;
  if (settings.settle_steps > 0) {
    settle(system, forces, id, settings);
    e_after = forces.potential_energy();
  } else {
    e_after = e_chosen ? *e_chosen : energy(system, forces);
  }
  ledger.record_insertion(id, time);

  event.accepted = true;
  event.ion_id = id;
  event.position = system.positions()[*system.index_of(id)];
  event.site = sites[chosen].label;
  event.delta_energy = e_after - e_before;
  event.voltage = -(event.delta_energy - mu_ref_);
  return event;
}

ExchangeEvent IonExchanger::remove(core::System& system, md::ForceEvaluator& forces,
                                   const RemovalSettings& settings, double temperature, IonLedger& ledger,
                                   double time) {
  ExchangeEvent event;
  event.kind = ExchangeKind::remove;
  event.site = policy_name(settings.policy);
  const std::vector<std::size_t> ions = ion_indices(system);
  if (ions.empty()) {
    event.failure = "no " + std::string(core::symbol(ion_.z)) + " left to remove";
    return event;
  }

  const double e_before = energy(system, forces);
  std::size_t index = ions.front();
  std::optional<double> e_chosen;
  switch (settings.policy) {
    case RemovePolicy::random:
      index = ions[rng_.uniform_index(ions.size())];
      break;
    case RemovePolicy::surface:
    case RemovePolicy::edge: {
      const SiteSet boundary = settings.policy == RemovePolicy::surface ? SiteSet::surface : SiteSet::edge;
      const auto t0 = Clock::now();
      InsertionSettings geometry;
      geometry.sites = boundary;
      geometry.depth = settings.depth;
      finder_.prepare(system, geometry);
      times_.site_search += seconds_since(t0);
      if (!finder_.has_free_boundary(boundary)) {
        event.failure = "cannot remove the ion nearest the free " +
                        std::string(boundary == SiteSet::surface ? "surface" : "edge") + ": " +
                        finder_.unavailable_reason();
        return event;
      }
      double best = std::numeric_limits<double>::infinity();
      for (const std::size_t i : ions) {
        const double d = finder_.distance_to_free_boundary(system.positions()[i], boundary);
        if (d < best) {
          best = d;
          index = i;
        }
      }
      break;
    }
    case RemovePolicy::highest_energy:
    case RemovePolicy::boltzmann: {
      // K distinct ions drawn at random (all of them if fewer): a partial Fisher–Yates shuffle.
      std::vector<std::size_t> pool = ions;
      const std::size_t k = std::min(pool.size(), static_cast<std::size_t>(std::max(1, settings.candidates)));
      for (std::size_t j = 0; j < k; ++j) std::swap(pool[j], pool[j + rng_.uniform_index(pool.size() - j)]);
      pool.resize(k);
      std::vector<double> removal_energies;
      removal_energies.reserve(k);
      for (const std::size_t i : pool) removal_energies.push_back(trial_removal_energy(system, forces, i) - e_before);
      const std::size_t c = settings.policy == RemovePolicy::highest_energy
                                ? static_cast<std::size_t>(std::min_element(removal_energies.begin(), removal_energies.end()) -
                                                           removal_energies.begin())
                                : boltzmann_choice(removal_energies, temperature);
      index = pool[c];
      e_chosen = e_before + removal_energies[c];
      event.num_candidates = static_cast<int>(k);
      break;
    }
    case RemovePolicy::first_in:
    case RemovePolicy::last_in: {
      const auto id = settings.policy == RemovePolicy::first_in ? ledger.first_in() : ledger.last_in();
      const auto found = id ? system.index_of(*id) : std::nullopt;
      if (!found) {
        event.failure = "the ion ledger names no ion present to remove";
        return event;
      }
      index = *found;
      break;
    }
  }

  const core::AtomId id = system.ids()[index];
  event.position = system.positions()[index];
  system.remove_atoms(std::span<const core::AtomId>(&id, 1));
  const double e_after = e_chosen ? *e_chosen : energy(system, forces);
  ledger.record_removal(id, time);

  event.accepted = true;
  event.ion_id = id;
  event.delta_energy = e_after - e_before;
  event.voltage = event.delta_energy + mu_ref_;
  return event;
}

ExchangeEvent IonExchanger::grand_canonical_move(core::System& system, md::ForceEvaluator& forces,
                                                 const InsertionSettings& settings, double voltage,
                                                 double temperature, IonLedger& ledger, double time,
                                                 double capacity) {
  // Lattice gas of M = capacity sites in the grand-canonical ensemble at μ = μ_ref − e·V
  // (docs/theory-exchange.md; Frenkel & Smit, Understanding Molecular Simulation, 2nd ed., §5.6):
  //   insertion  P = min(1, (M − N)/(N + 1) · exp(−(ΔE − μ)/kT)),
  //   removal    P = min(1, N/(M − N + 1) · exp(−(ΔE_rem + μ)/kT)).
  const double mu = mu_ref_ - voltage;
  const double kT = units::boltzmann * temperature;
  const std::vector<std::size_t> ions = ion_indices(system);
  const auto n = static_cast<double>(ions.size());
  ExchangeEvent event;
  event.acceptance = 0.0;
  event.num_candidates = 1;

  if (rng_.uniform() < 0.5) {
    event.kind = ExchangeKind::insert;
    const auto t0 = Clock::now();
    finder_.prepare(system, settings);
    const auto site = finder_.sample(rng_);
    times_.site_search += seconds_since(t0);
    if (!site) {
      event.num_candidates = 0;
      event.failure = finder_.failure_message(settings.max_tries);
      return event;
    }
    const double e_before = current_energy(system, forces);
    core::AtomSpec spec;
    spec.z = ion_.z;
    spec.position = site->position;
    const core::AtomId id = system.add_trial_atom(spec);
    const double e_after = energy(system, forces);
    event.ion_id = id;
    event.position = site->position;
    event.site = site->label;
    event.delta_energy = e_after - e_before;
    event.voltage = -(event.delta_energy - mu_ref_);
    const double factor = n < capacity ? (capacity - n) / (n + 1.0) : 0.0;
    event.acceptance = acceptance_probability(factor, -(event.delta_energy - mu), kT);
    event.accepted = event.acceptance >= 1.0 || rng_.uniform() < event.acceptance;
    if (event.accepted) {
      const std::size_t index = *system.index_of(id);
      system.velocities()[index] = maxwell_boltzmann_velocity(system.masses()[index], temperature);
      ledger.record_insertion(id, time);
      remember_energy(system, forces, e_after);
    } else {
      system.discard_trial_atom(id);
      remember_energy(system, forces, e_before);
    }
    return event;
  }

  event.kind = ExchangeKind::remove;
  event.site = "random";
  if (ions.empty()) {
    event.num_candidates = 0;
    return event;  // nothing to remove: P = 0
  }
  const std::size_t index = ions[rng_.uniform_index(ions.size())];
  const double e_before = current_energy(system, forces);
  const core::AtomSpec saved = saved_atom(system, index);
  const core::Vec3 force = system.forces()[index];
  system.remove_atoms(std::span<const core::AtomId>(&*saved.id, 1));
  const double e_after = energy(system, forces);
  event.ion_id = *saved.id;
  event.position = saved.position;
  event.delta_energy = e_after - e_before;
  event.voltage = event.delta_energy + mu_ref_;
  const double factor = n / (std::max(capacity - n, 0.0) + 1.0);
  event.acceptance = acceptance_probability(factor, -(event.delta_energy + mu), kT);
  event.accepted = event.acceptance >= 1.0 || rng_.uniform() < event.acceptance;
  if (event.accepted) {
    ledger.record_removal(*saved.id, time);
    remember_energy(system, forces, e_after);
  } else {
    system.restore_removed_atom(saved, index);
    system.forces()[index] = force;
    remember_energy(system, forces, e_before);
  }
  return event;
}

}  // namespace ioncycle::cycling
