// SPDX-License-Identifier: MIT
//
// The cycling part of a run file, validated: [ion], [protocol] with its [[protocol.step]]s, and
// the exchange settings of each step (sites, policies, distances). parse_protocol() reads these
// tables once, before anything runs, so `ioncycle run --check` finds every mistake: each one is
// an InputError at the offending value (file:line:column) with a hint or the nearest valid key.
// docs/protocols.md is the reference for every key, its unit and its default.
//
// Everything here is plain data in internal units (Å, fs, eV, K, V); the protocol runner walks
// it, the ion exchanger reads the site and policy settings. No MD happens here.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/system.hpp"
#include "md/fire.hpp"

namespace ioncycle::cycling {

/// Which way round the reports name intercalation: on an anode (graphite) intercalation is
/// charge; on a cathode (LiCoO2) it is discharge.
enum class Electrode { anode, cathode };

/// [ion]: the mobile species and the host's capacity.
struct IonSettings {
  int z = 3;                          ///< atomic number of the ion (species = "Li")
  std::string capacity_text;          ///< as written: "LiC6", "LiMO2", "24"
  double capacity = 0.0;              ///< ions at state of charge 1, counted on the host structure
  Electrode electrode = Electrode::anode;
  /// Reference chemical potential (eV per atom) given by the user (`mu_ref = "-1.90 eV"`); when
  /// absent it is computed from the relaxed bcc metal with the run's potential.
  std::optional<double> mu_ref;
  /// Smallest allowed distance (Å) between a new ion and any atom (`min_distance`, default
  /// "1.5 A"), and per other species (`[ion.min_distance_to] C = "1.6 A"`), keyed by atomic number.
  double min_distance = 1.5;
  std::map<int, double> min_distance_to;
  /// In-plane exclusion between ions of the mobile species (`exclusion`): a new ion keeps at
  /// least this far (Å) from every ion already there, on top of min_distance. NaN: "auto", which
  /// SiteFinder works out from the host (kAutoExclusionFraction × the ion spacing of a full,
  /// ordered gallery; insertion_sites.hpp); 0: "none".
  double exclusion = std::numeric_limits<double>::quiet_NaN();
  /// The distance to use between the ion and an atom of atomic number z.
  [[nodiscard]] double min_distance_for(int z) const;
};

enum class StepType { intercalate, deintercalate, hold, rest, ramp, minimize };
/// Where new ions may go (`sites`).
enum class SiteSet { galleries, edge, surface, region, anywhere };
/// How an insertion site is chosen among candidates (`policy` of intercalate and hold).
enum class InsertPolicy { random, lowest_energy, boltzmann };
/// Which ion is removed (`policy` of deintercalate; `removal` of hold is always random, as its
/// acceptance rule requires).
enum class RemovePolicy { random, surface, edge, highest_energy, boltzmann, first_in, last_in };

/// A Cartesian box (Å); for a slab along one axis the other bounds are ±infinity.
struct Region {
  core::Vec3 lo = core::Vec3::Zero();
  core::Vec3 hi = core::Vec3::Zero();
};

/// Termination conditions of a step (or of the whole protocol): the step ends when ANY given
/// condition holds. Unset conditions are not used.
struct Until {
  std::optional<double> soc;            ///< state of charge reached (≥ while inserting, ≤ while removing)
  std::optional<double> time;           ///< fs since the step started (whole protocol: since the run started)
  std::optional<std::int64_t> events;   ///< insertions + removals in this step (or in the run)
  /// Voltage estimate (V) crossing this cut-off: falling below it while intercalating, rising
  /// above it while deintercalating (the estimates of the last `voltage_window` trials, averaged).
  std::optional<double> voltage;
  /// hold only: |net exchanges| per fs over the last `rate_window` fs falling below this
  /// (`net_rate = "1 ion / 20 ps"`).
  std::optional<double> net_rate;
  double rate_window = 10000.0;         ///< fs (`rate_window`, default "10 ps")
  /// The student's force RMSE against its teacher at an audit check (distill/audit.hpp, eV/Å)
  /// exceeding this, at a check made during this step (whole protocol: during the run). Needs
  /// [potential] audit.
  std::optional<double> audit_force_rmse;
  [[nodiscard]] bool empty() const { return !soc && !time && !events && !voltage && !net_rate && !audit_force_rmse; }
};

/// Insertion settings of intercalate and hold steps.
struct InsertionSettings {
  SiteSet sites = SiteSet::galleries;
  std::optional<Region> region;         ///< sites = "region"
  double depth = 5.0;                   ///< Å: sites = "edge"/"surface" lie within this of the free edge/surface
  InsertPolicy policy = InsertPolicy::lowest_energy;
  int candidates = 8;                   ///< K candidate sites for lowest_energy and boltzmann
  int max_tries = 1000;                 ///< random points tried per candidate before giving up
  /// Settling of a new ion (docs/protocols.md): at most `settle_steps` steepest-descent moves of
  /// the new ion alone, each at most `settle_max_move` Å, while its force exceeds `settle_force`.
  int settle_steps = 10;
  double settle_force = 2.0;            ///< eV/Å
  double settle_max_move = 0.05;        ///< Å
};

/// Removal settings of deintercalate steps.
struct RemovalSettings {
  RemovePolicy policy = RemovePolicy::random;
  int candidates = 8;                   ///< highest_energy / boltzmann: ions whose removal energy is tried
  double depth = 5.0;                   ///< Å, for the surface/edge distance (same meaning as insertion)
};

/// One [[protocol.step]], validated.
struct StepSpec {
  StepType type = StepType::rest;
  std::size_t index = 0;                ///< 0-based position in [[protocol.step]]
  SourceLocation where;                 ///< of the step table, for run-time messages
  /// Temperature (K) of the MD in this step (`temperature`, default [md] temperature, 0 for NVE)
  /// and of the Maxwell–Boltzmann velocities of new ions.
  double temperature = 0.0;
  double temperature_end = 0.0;         ///< ramp: `to`; `from` is `temperature`
  double duration = 0.0;                ///< fs: rest and ramp (`duration`); 0 = not given
  double interval = 0.0;                ///< fs between events of intercalate/deintercalate (1 / rate)
  double voltage = 0.0;                 ///< V vs the ion's metal: hold
  double exchange_every = 100.0;        ///< fs of MD between exchange rounds: hold (`exchange_every`)
  int moves = 1;                        ///< grand-canonical trials per round: hold (`moves`)
  InsertionSettings insertion;          ///< intercalate, hold
  RemovalSettings removal;              ///< deintercalate
  md::FireOptions minimize;             ///< minimize
  Until until;
  int voltage_window = 8;               ///< trials averaged for until.voltage
  [[nodiscard]] std::string type_name() const;
  /// "step 2 'intercalate'" (1-based, as users count).
  [[nodiscard]] std::string label() const;
};

struct Protocol {
  int cycles = 1;
  std::vector<StepSpec> steps;
  Until end;                            ///< [protocol] until: global end of the whole run
};

/// Everything of the cycling part of a run file.
struct CyclingSettings {
  IonSettings ion;
  Protocol protocol;
};

/// What parse_protocol() needs to know about the rest of the run file.
struct ProtocolContext {
  const core::System* host = nullptr;   ///< the initial structure (capacity, species present)
  /// Whether the potential has parameters for atomic number z (a species the model lacks is an
  /// error at [ion] species).
  std::function<bool(int)> supports;
  std::string supported_species;        ///< for the hint
  double md_temperature = 0.0;          ///< K, [md] temperature (0 when NVE)
  double timestep = 1.0;                ///< fs, [md] timestep (intervals must be whole steps)
};

/// Reads [ion] and [protocol] from the root table; every key is checked and unknown keys are
/// rejected. Throws InputError located at the offending value.
[[nodiscard]] CyclingSettings parse_protocol(const core::ConfigTable& root, const ProtocolContext& context);

/// [ion] and [protocol] with every default filled in, as TOML (for resolved.toml).
[[nodiscard]] std::string to_toml(const CyclingSettings& settings);

/// Names used in reports: "charge"/"discharge" for an insertion or removal on this electrode.
[[nodiscard]] std::string half_cycle_name(Electrode electrode, bool inserting);

}  // namespace ioncycle::cycling
