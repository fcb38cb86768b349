// SPDX-License-Identifier: MIT
//
// The ion exchanger: inserts and removes ions of the mobile species during a run, by the
// protocol's policy (intercalate, deintercalate) or by grand-canonical trial moves at a held
// voltage (hold). The protocol runner calls it between chunks of MD; it changes the System only
// through System::insert_atoms/remove_atoms and the trial tools add_trial_atom/
// discard_trial_atom/restore_removed_atom, so ids are never burnt by a trial and a rejected
// trial leaves positions, velocities, masses, order, ids and next_id() bit-identical (the
// topology_version moves on, so neighbor lists rebuild).
//
// Energies come from md::ForceEvaluator::energy() (whole-system energies; the current energy is
// computed once per call). Every event reports its energy change ΔE = E_after − E_before (eV)
// and a voltage estimate (V vs the ion's metal, e = 1 in eV):
//     insertion  V = −(ΔE_ins − μ_ref),      removal  V = ΔE_rem + μ_ref,
// and the grand-canonical acceptance follows the lattice gas with M = capacity sites, at
// μ = μ_ref − e·V (docs/theory-exchange.md derives both). Settled insertions report ΔE after
// settling.
//
// Randomness comes from the exchanger's own core::Rng (seed, stream); rng_state()/
// restore_rng_state() make a checkpointed run continue bit for bit. Units: Å, fs, eV, K, V.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "core/system.hpp"
#include "cycling/insertion_sites.hpp"
#include "cycling/ion_ledger.hpp"
#include "cycling/protocol.hpp"
#include "md/force_evaluator.hpp"

namespace ioncycle::cycling {

enum class ExchangeKind { insert, remove };

/// The outcome of one insertion, removal or grand-canonical trial.
struct ExchangeEvent {
  ExchangeKind kind = ExchangeKind::insert;
  bool accepted = false;
  core::AtomId ion_id = -1;                  ///< the ion inserted or removed (or tried), -1 if none
  core::Vec3 position = core::Vec3::Zero();  ///< Å, where it went in or came from
  std::string site;                          ///< "gallery 2", "surface", ...; removals: the policy
  double delta_energy = std::numeric_limits<double>::quiet_NaN();  ///< E_after − E_before, eV
  double voltage = std::numeric_limits<double>::quiet_NaN();       ///< estimate, V
  /// Grand-canonical trials: the acceptance probability used (1 for policy-driven events).
  double acceptance = 1.0;
  int num_candidates = 0;  ///< candidates whose energy was tried
  /// Why nothing happened when accepted is false outside grand-canonical moves ("no site ...",
  /// "no Li left to remove"); the runner turns it into a SimulationError with its context.
  std::string failure;
};

/// Wall time (s) spent in the exchanger since construction.
struct ExchangeTimes {
  double site_search = 0.0;    ///< SiteFinder::prepare and sampling
  double trial_energy = 0.0;   ///< energies of trial configurations (and E_before)
  double settling = 0.0;       ///< settling moves of new ions
  [[nodiscard]] double total() const { return site_search + trial_energy + settling; }
};

class IonExchanger {
 public:
  /// `mu_ref` in eV per atom (the ion's metal); the Rng is seeded with (seed, stream).
  IonExchanger(IonSettings ion, double mu_ref, std::uint64_t seed, std::uint64_t stream = 0,
               SiteFinderOptions site_options = {});

  /// Insert one ion by settings.policy (random: the first valid candidate; lowest_energy: the
  /// lowest of `candidates` trial energies; boltzmann: drawn with weights exp(−ΔE/kT), lowest at
  /// T = 0), give it Maxwell–Boltzmann velocities at `temperature` (K), settle it, record it in
  /// `ledger` at `time` (fs). accepted = false with `failure` set when no site was found.
  ExchangeEvent insert(core::System& system, md::ForceEvaluator& forces, const InsertionSettings& settings,
                       double temperature, IonLedger& ledger, double time);

  /// Remove one ion by settings.policy and record it in `ledger`. accepted = false with
  /// `failure` set when there is no ion (or no free boundary for surface/edge, no ledger entry
  /// for first_in/last_in).
  ExchangeEvent remove(core::System& system, md::ForceEvaluator& forces, const RemovalSettings& settings,
                       double temperature, IonLedger& ledger, double time);

  /// One grand-canonical trial at `voltage` (V): insertion at a random valid site of
  /// settings.sites or removal of a uniformly random ion, with probability 1/2 each, accepted
  /// with the lattice-gas rule for M = `capacity` sites. Accepted insertions get
  /// Maxwell–Boltzmann velocities but are not settled (that would break detailed balance).
  /// Rejected trials leave the System as it was; the voltage estimate is reported either way.
  ExchangeEvent grand_canonical_move(core::System& system, md::ForceEvaluator& forces,
                                     const InsertionSettings& settings, double voltage, double temperature,
                                     IonLedger& ledger, double time, double capacity);

  [[nodiscard]] const IonSettings& ion() const { return ion_; }
  [[nodiscard]] double mu_ref() const { return mu_ref_; }
  [[nodiscard]] const ExchangeTimes& times() const { return times_; }
  /// The site finder of the latest event (for its galleries and boundaries).
  [[nodiscard]] const SiteFinder& site_finder() const { return finder_; }

  [[nodiscard]] core::Rng::State rng_state() const { return rng_.save(); }
  void restore_rng_state(const core::Rng::State& state) { rng_.restore(state); }

 private:
  // Energy of the system with an ion added at `position` (trial, taken back).
  double trial_insertion_energy(core::System& system, md::ForceEvaluator& forces, const core::Vec3& position);
  // Energy of the system without the atom at `index` (trial, put back exactly).
  double trial_removal_energy(core::System& system, md::ForceEvaluator& forces, std::size_t index);
  core::Vec3 maxwell_boltzmann_velocity(double mass, double temperature);
  // Index in [0, weights) drawn with probability exp(−(e_k − e_min)/kT); the lowest at T = 0.
  std::size_t boltzmann_choice(const std::vector<double>& energies, double temperature);
  core::AtomId insert_ion(core::System& system, const core::Vec3& position, double temperature);
  void settle(core::System& system, md::ForceEvaluator& forces, core::AtomId id, const InsertionSettings& settings);
  std::vector<std::size_t> ion_indices(const core::System& system) const;
  double energy(core::System& system, md::ForceEvaluator& forces);
  /// Energy of the current configuration for a grand-canonical trial: reused from the previous
  /// trial of the same round (no force evaluation and no insertion or removal since), else
  /// computed. Saves one of the two energy evaluations of every trial after the first.
  double current_energy(core::System& system, md::ForceEvaluator& forces);
  void remember_energy(const core::System& system, const md::ForceEvaluator& forces, double e);

  IonSettings ion_;
  double mu_ref_;
  core::Rng rng_;
  SiteFinder finder_;
  ExchangeTimes times_;
  /// The energy known for the configuration identified by (force evaluations, topology version).
  struct KnownEnergy {
    std::uint64_t evaluations = 0;
    std::uint64_t topology = 0;
    double energy = 0.0;
  };
  std::optional<KnownEnergy> known_;
};

}  // namespace ioncycle::cycling
