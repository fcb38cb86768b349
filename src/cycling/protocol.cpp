// SPDX-License-Identifier: MIT
//
// Reading and validating [ion] and [protocol] (protocol.hpp), and writing them back with every
// default filled in (resolved.toml). The rules, and the reasons for them, are in
// docs/protocols.md; in short:
//   - every key of every table is asked for (so unknown keys are found), then the table's
//     unknown keys are rejected, and only then are rules across keys checked (a misspelled
//     `untill` is reported as such, not as "the step has no end");
//   - every value error is located at the value; a rule about a missing key at the table;
//   - conditions that can never end a step (or that end it before it starts) are errors, so a
//     protocol that would run forever, or do nothing, is caught by `--check`.
// Intervals of galvanostatic events and of grand-canonical rounds are stored as whole numbers of
// [md] timesteps (interval = k·Δt exactly), so the runner schedules events on step boundaries
// and resolved.toml parses back to the same numbers.
#include "cycling/protocol.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <sstream>

#include "core/elements.hpp"
#include "core/strings.hpp"
#include "core/units.hpp"
#include "cycling/capacity.hpp"
#include "md/integrator_factory.hpp"

namespace ioncycle::cycling {

namespace {

using core::ConfigTable;
using core::Sign;
using units::Dimension;

constexpr std::array<std::string_view, 6> kStepNames = {"intercalate", "deintercalate", "hold",
                                                        "rest",        "ramp",          "minimize"};
constexpr std::array<std::string_view, 5> kSiteNames = {"galleries", "edge", "surface", "region", "anywhere"};
constexpr std::array<std::string_view, 3> kInsertNames = {"random", "lowest_energy", "boltzmann"};
constexpr std::array<std::string_view, 7> kRemoveNames = {"random",    "surface",  "edge",   "highest_energy",
                                                          "boltzmann", "first_in", "last_in"};

template <typename Enum, std::size_t N>
Enum enum_of(std::string_view name, const std::array<std::string_view, N>& names) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  IONCYCLE_ASSERT(false, "name checked by require_choice/choice_or");
  return Enum{};
}

template <typename Enum, std::size_t N>
std::string_view name_of(Enum value, const std::array<std::string_view, N>& names) {
  const auto i = static_cast<std::size_t>(value);
  IONCYCLE_ASSERT(i < N, "enum value out of range");
  return names[i];
}

std::string table_label(const ConfigTable& t) { return "[" + t.path() + "]"; }

/// "step 2 'hold'" for messages while the StepSpec is being built.
std::string step_label(std::size_t index, StepType type) {
  return "step " + std::to_string(index + 1) + " '" + std::string(name_of(type, kStepNames)) + "'";
}

std::string fmt(double value, Dimension dim) { return units::format_quantity(value, dim); }

/// The most [md] timesteps a protocol time may span: 1e15 steps (1 s of simulated time at 1 fs)
/// lie far beyond any run, and step counts stay exact in a double and an int64.
constexpr double kMaxSteps = 1e15;

/// `what`: how the key gives the time ("one event every"), "" for a time given as it is.
InputError too_long(const ConfigTable& t, std::string_view key, double value, double timestep, std::string_view what = "") {
  const std::string given = what.empty() ? "'" + std::string(key) + "' = " + fmt(value, Dimension::time)
                                         : "'" + std::string(key) + "' gives " + std::string(what) + " " + fmt(value, Dimension::time) + ", which";
  return t.error_at(key,
                    given + " is longer than any run can be: more than 1e15 [md] timesteps of " + fmt(timestep, Dimension::time),
                    "give the time in the unit you mean, e.g. \"20 ps\" or \"1 ns\"");
}

/// A positive time that a run can reach (at most kMaxSteps timesteps), or nullopt when absent.
std::optional<double> optional_time(const ConfigTable& t, std::string_view key, double timestep) {
  const auto value = t.optional_quantity(key, Dimension::time, Sign::positive);
  if (value && !(*value / timestep <= kMaxSteps)) throw too_long(t, key, *value, timestep);
  return value;
}

/// An interval that must be a whole number k ≥ 1 of timesteps; returns k·Δt exactly.
/// `what` describes the interval for the message ("one event every").
double whole_steps(const ConfigTable& t, std::string_view key, double interval, double timestep,
                   std::string_view what, const std::string& example_key_value) {
  const double n = interval / timestep;
  if (!(n <= kMaxSteps)) throw too_long(t, key, interval, timestep, what);
  const double k = std::round(n);
  if (k >= 1.0 && std::fabs(n - k) <= 1e-6 * std::max(1.0, n)) return k * timestep;
  const double suggestion = std::max(1.0, k) * timestep;
  throw t.error_at(key,
                   "'" + std::string(key) + "' gives " + std::string(what) + " " + fmt(interval, Dimension::time) +
                       ", which is not a whole number of [md] timesteps (" + fmt(timestep, Dimension::time) + ")",
                   "events happen on timestep boundaries; e.g. " + example_key_value + fmt(suggestion, Dimension::time) +
                       "\"");
}

std::optional<double> read_temperature(const ConfigTable& t, std::string_view key) {
  return t.optional_quantity(key, Dimension::temperature, Sign::non_negative);
}

int read_count(const ConfigTable& t, std::string_view key, std::int64_t fallback, Sign sign) {
  const std::int64_t value = t.integer_or(key, fallback, sign);
  if (value > std::numeric_limits<int>::max()) {
    throw t.error_at(key, "'" + std::string(key) + "' is too large (got " + std::to_string(value) + ")");
  }
  return static_cast<int>(value);
}

// --- until ------------------------------------------------------------------------------------

/// The conditions of `until` (of a step of `type`, or of the whole protocol when `type` is
/// empty), each checked to be one that can end it.
Until parse_until(const ConfigTable& t, std::optional<StepType> type, std::size_t index, double timestep) {
  Until u;
  if (const auto soc = t.optional_number("soc")) {
    if (*soc < 0.0 || *soc > 1.0) {
      throw t.error_at("soc", "'soc' must lie between 0 and 1 (got " + core::format_double(*soc) + ")",
                       "the state of charge is x = N_ion / capacity: 0 = empty host, 1 = full ([ion] capacity)");
    }
    u.soc = *soc;
  }
  u.time = optional_time(t, "time", timestep);
  if (const auto events = t.optional_integer("events", Sign::positive)) u.events = *events;
  u.voltage = t.optional_quantity("voltage", Dimension::voltage);
  u.net_rate = t.optional_quantity("net_rate", Dimension::ion_rate, Sign::positive);
  u.audit_force_rmse = t.optional_quantity("audit_force_rmse", Dimension::force, Sign::positive);
  const auto window = optional_time(t, "rate_window", timestep);
  t.reject_unknown_keys();

  const std::string owner = type ? step_label(index, *type) : std::string("the whole protocol ([protocol] until)");
  auto never = [&](std::string_view key, const std::string& why, const std::string& hint) {
    return t.error_at(key, "'" + std::string(key) + "' can never end " + owner + ": " + why, hint);
  };

  if (!type) {
    if (u.voltage) {
      throw t.error_at("voltage", "'voltage' cannot end the whole protocol: voltages are estimated by the steps that insert or remove ions",
                       "put until = { voltage = \"...\" } on an intercalate or deintercalate step");
    }
    if (u.net_rate) {
      throw t.error_at("net_rate", "'net_rate' cannot end the whole protocol: it is the exchange rate of a hold step",
                       "put until = { net_rate = \"...\" } on a hold step");
    }
  }
  if (window && !u.net_rate) {
    throw t.error_at("rate_window", "'rate_window' is the averaging window of 'net_rate', which is not given",
                     "give net_rate = \"1 ion / 20 ps\" (hold steps) or remove 'rate_window'");
  }
  if (window) u.rate_window = *window;
  if (!type) return u;

  if (u.net_rate && *type != StepType::hold) {
    throw never("net_rate", "it is the net exchange rate of the grand-canonical moves of a hold step",
                "end this step with 'time', 'events' or 'soc'");
  }
  switch (*type) {
    case StepType::intercalate:
      if (u.soc && *u.soc == 0.0) {
        throw never("soc", "intercalation only raises the state of charge, so 'soc = 0' holds before the first insertion",
                    "use soc = 1.0 to fill the host; a deintercalate step empties it");
      }
      break;
    case StepType::deintercalate:
      if (u.soc && *u.soc == 1.0) {
        throw never("soc", "deintercalation only lowers the state of charge, so 'soc = 1' holds before the first removal",
                    "use soc = 0.0 to empty the host; an intercalate step fills it");
      }
      break;
    case StepType::hold:
      if (u.voltage) {
        throw never("voltage", "a hold step keeps the voltage fixed at its 'voltage'",
                    "end a hold with 'time', 'events', 'soc' or 'net_rate'");
      }
      break;
    case StepType::rest:
    case StepType::ramp:
    case StepType::minimize: {
      const std::string kind(name_of(*type, kStepNames));
      const std::string hint = *type == StepType::minimize
                                   ? "a minimize step ends when converged or after 'max_steps'; remove 'until'"
                                   : "a " + kind + " step ends after its time: until = { time = \"20 ps\" }";
      if (u.soc) throw never("soc", "a " + kind + " step inserts and removes no ions, so the state of charge does not change", hint);
      if (u.events) throw never("events", "a " + kind + " step inserts and removes no ions", hint);
      if (u.voltage) throw never("voltage", "a " + kind + " step makes no voltage estimate (it tries no insertions or removals)", hint);
      if (u.audit_force_rmse && *type == StepType::minimize)
        throw never("audit_force_rmse", "a minimize step runs no MD, so no audit check falls in it", hint);
      if (u.time && *type == StepType::minimize) {
        throw never("time", "a minimization runs no MD time", hint);
      }
      break;
    }
  }
  return u;
}

// --- step parts ---------------------------------------------------------------------------------

core::Vec3 read_corner(const ConfigTable& r, std::string_view key) {
  // Numbers are the likely mistake; say that lengths carry units rather than "must be a string".
  bool numbers = false;
  try {
    (void)r.require_number_array(key);
    numbers = true;
  } catch (const InputError&) {
  }
  if (numbers) {
    throw r.error_at(key, "'" + std::string(key) + "' needs lengths with units such as [\"0 A\", \"0 A\", \"5 A\"]",
                     "values with a dimension are strings that carry their unit");
  }
  const auto texts = r.require_string_array(key);
  if (texts.size() != 3) {
    throw r.error_at(key, "'" + std::string(key) + "' must have 3 lengths, x, y and z (got " +
                              std::to_string(texts.size()) + ")",
                     "e.g. " + std::string(key) + " = [\"0 A\", \"0 A\", \"5 A\"]");
  }
  core::Vec3 corner;
  for (int a = 0; a < 3; ++a) {
    try {
      corner[a] = units::parse_quantity(texts[static_cast<std::size_t>(a)], Dimension::length);
    } catch (const InputError& e) {
      throw InputError(r.location_of(key), "'" + std::string(key) + "': " + e.message(), e.hint());
    }
  }
  return corner;
}

Region parse_region(const ConfigTable& r) {
  Region region;
  region.lo = read_corner(r, "lo");
  region.hi = read_corner(r, "hi");
  r.reject_unknown_keys();
  static constexpr std::array<const char*, 3> axes = {"x", "y", "z"};
  for (int a = 0; a < 3; ++a) {
    if (!(region.lo[a] < region.hi[a])) {
      throw r.error_at("hi", std::string("'hi' must exceed 'lo' along every axis (") + axes[static_cast<std::size_t>(a)] +
                                 ": lo = " + fmt(region.lo[a], Dimension::length) +
                                 ", hi = " + fmt(region.hi[a], Dimension::length) + ")",
                       "region = { lo = [\"0 A\", \"0 A\", \"5 A\"], hi = [\"10 A\", \"10 A\", \"8 A\"] }, Cartesian Å");
    }
  }
  return region;
}

/// The insertion keys of intercalate and hold; `region` is checked against `sites` after the
/// step's unknown keys are rejected (see validate_region).
InsertionSettings read_insertion(const ConfigTable& t, bool with_policy) {
  InsertionSettings s;
  s.sites = enum_of<SiteSet>(t.choice_or("sites", {"galleries", "edge", "surface", "region", "anywhere"}, "galleries"),
                             kSiteNames);
  if (const auto region = t.optional_table("region")) s.region = parse_region(*region);
  s.depth = t.quantity_or("depth", Dimension::length, "5 A", Sign::positive);
  if (with_policy) {
    s.policy = enum_of<InsertPolicy>(t.choice_or("policy", {"random", "lowest_energy", "boltzmann"}, "lowest_energy"),
                                     kInsertNames);
  } else {
    s.policy = InsertPolicy::random;
  }
  s.candidates = read_count(t, "candidates", 8, Sign::positive);
  s.max_tries = read_count(t, "max_tries", 1000, Sign::positive);
  s.settle_steps = read_count(t, "settle_steps", 10, Sign::non_negative);
  s.settle_force = t.quantity_or("settle_force", Dimension::force, "2 eV/A", Sign::positive);
  s.settle_max_move = t.quantity_or("settle_max_move", Dimension::length, "0.05 A", Sign::positive);
  return s;
}

void validate_region(const ConfigTable& t, const InsertionSettings& s) {
  if (s.sites == SiteSet::region && !s.region) {
    throw t.error_at("sites", "sites = \"region\" needs a 'region' in " + table_label(t),
                     "region = { lo = [\"0 A\", \"0 A\", \"5 A\"], hi = [\"10 A\", \"10 A\", \"8 A\"] } (Cartesian, Å)");
  }
  if (s.sites != SiteSet::region && s.region) {
    throw t.error_at("region", "'region' is used only with sites = \"region\" (this step has sites = \"" +
                                   std::string(name_of(s.sites, kSiteNames)) + "\")",
                     "add sites = \"region\" or remove 'region'");
  }
}

std::optional<Until> read_until(const ConfigTable& t, StepType type, std::size_t index, double timestep) {
  if (const auto u = t.optional_table("until")) return parse_until(*u, type, index, timestep);
  return std::nullopt;
}

/// A step that needs `until` (intercalate, deintercalate, hold) and has no condition in it.
void require_end(const ConfigTable& t, const std::optional<Until>& until, StepType type, std::size_t index,
                 const std::string& example) {
  if (until && !until->empty()) return;
  throw t.error_at("until", step_label(index, type) + " has no end: it needs 'until' with at least one condition",
                   "e.g. until = " + example + "; conditions combine with OR");
}

StepSpec parse_step(const ConfigTable& t, std::size_t index, const ProtocolContext& ctx) {
  StepSpec s;
  s.index = index;
  s.where = t.location();
  s.type = enum_of<StepType>(
      t.require_choice("type", {"intercalate", "deintercalate", "hold", "rest", "ramp", "minimize"}), kStepNames);
  s.temperature = ctx.md_temperature;
  std::optional<Until> until;

  switch (s.type) {
    case StepType::intercalate: {
      const double rate = t.require_quantity("rate", Dimension::ion_rate, Sign::positive);
      s.temperature = read_temperature(t, "temperature").value_or(ctx.md_temperature);
      s.insertion = read_insertion(t, /*with_policy=*/true);
      s.voltage_window = read_count(t, "voltage_window", 8, Sign::positive);
      until = read_until(t, s.type, index, ctx.timestep);
      t.reject_unknown_keys();
      s.interval = whole_steps(t, "rate", 1.0 / rate, ctx.timestep, "one event every", "rate = \"1 ion / ");
      validate_region(t, s.insertion);
      require_end(t, until, s.type, index, "{ soc = 1.0 }");
      break;
    }
    case StepType::deintercalate: {
      const double rate = t.require_quantity("rate", Dimension::ion_rate, Sign::positive);
      s.temperature = read_temperature(t, "temperature").value_or(ctx.md_temperature);
      s.removal.policy = enum_of<RemovePolicy>(
          t.choice_or("policy", {"random", "surface", "edge", "highest_energy", "boltzmann", "first_in", "last_in"},
                      "random"),
          kRemoveNames);
      s.removal.candidates = read_count(t, "candidates", 8, Sign::positive);
      s.removal.depth = t.quantity_or("depth", Dimension::length, "5 A", Sign::positive);
      s.voltage_window = read_count(t, "voltage_window", 8, Sign::positive);
      until = read_until(t, s.type, index, ctx.timestep);
      t.reject_unknown_keys();
      s.interval = whole_steps(t, "rate", 1.0 / rate, ctx.timestep, "one event every", "rate = \"1 ion / ");
      require_end(t, until, s.type, index, "{ soc = 0.0 }");
      break;
    }
    case StepType::hold: {
      s.voltage = t.require_quantity("voltage", Dimension::voltage);
      s.temperature = read_temperature(t, "temperature").value_or(ctx.md_temperature);
      const double every = t.quantity_or("exchange_every", Dimension::time, "100 fs", Sign::positive);
      s.moves = read_count(t, "moves", 1, Sign::positive);
      if (t.has("policy")) {
        throw t.error_at("policy", "a hold step takes no 'policy': its insertions are trials at uniformly random points",
                         "the grand-canonical acceptance rule (Frenkel & Smit, ch. 5.6) holds only for uniform "
                         "trial positions and uniformly chosen removals; remove 'policy'");
      }
      s.insertion = read_insertion(t, /*with_policy=*/false);
      until = read_until(t, s.type, index, ctx.timestep);
      t.reject_unknown_keys();
      s.exchange_every = whole_steps(t, "exchange_every", every, ctx.timestep, "a round every", "exchange_every = \"");
      validate_region(t, s.insertion);
      require_end(t, until, s.type, index, "{ time = \"50 ps\" }");
      break;
    }
    case StepType::rest: {
      s.temperature = read_temperature(t, "temperature").value_or(ctx.md_temperature);
      const auto duration = optional_time(t, "duration", ctx.timestep);
      until = read_until(t, s.type, index, ctx.timestep);
      t.reject_unknown_keys();
      if (duration && until) {
        throw t.error_at("until", "give either 'duration' or until = { time = ... } in " + step_label(index, s.type) +
                                      ", not both");
      }
      if (!duration && !(until && until->time)) {
        throw t.error_at(until ? "until" : "duration", step_label(index, s.type) + " has no end: it needs 'duration'",
                         "e.g. duration = \"20 ps\"");
      }
      s.duration = duration.value_or(0.0);
      break;
    }
    case StepType::ramp: {
      s.temperature = read_temperature(t, "from").value_or(ctx.md_temperature);
      const auto to = read_temperature(t, "to");
      const auto duration = optional_time(t, "duration", ctx.timestep);
      until = read_until(t, s.type, index, ctx.timestep);
      t.reject_unknown_keys();
      if (!(ctx.md_temperature > 0.0)) {
        throw t.error_at("type", "a ramp step needs a thermostat, and [md] has none (NVE)",
                         "add to [md]: temperature = \"300 K\" and thermostat = { type = \"langevin\", damping = \"100 fs\" }");
      }
      if (!to) throw t.error_at("to", "missing key 'to' in " + table_label(t), "the final temperature, e.g. to = \"600 K\"");
      if (!duration) {
        throw t.error_at("duration", "missing key 'duration' in " + table_label(t) + ": a ramp needs its length in time",
                         "e.g. duration = \"10 ps\"");
      }
      s.temperature_end = *to;
      s.duration = *duration;
      break;
    }
    case StepType::minimize: {
      s.minimize = md::parse_fire_options(t);
      until = read_until(t, s.type, index, ctx.timestep);
      t.reject_unknown_keys();
      break;
    }
  }
  if (until) s.until = *until;
  return s;
}

// --- [ion] -------------------------------------------------------------------------------------

IonSettings parse_ion(const ConfigTable& t, const ProtocolContext& ctx) {
  IonSettings ion;
  const std::string species = t.require_string("species");
  try {
    ion.z = core::atomic_number(species);
  } catch (const InputError& e) {
    throw InputError(t.location_of("species"), "'species': " + e.message(), e.hint());
  }
  if (ctx.supports && !ctx.supports(ion.z)) {
    throw t.error_at("species", "the potential has no parameters for the ion " + species + " (species = \"" + species + "\")",
                     ctx.supported_species.empty() ? std::string("choose a potential that models " + species)
                                                   : "it supports: " + ctx.supported_species);
  }

  // capacity: a formula string or a number of ions.
  std::optional<double> number;
  std::optional<std::string> text;
  if (!t.has("capacity")) {
    throw t.error_at("capacity", "missing key 'capacity' in [ion]",
                     "the ions at state of charge 1: a formula such as \"" + species + "C6\" or \"" + species +
                         "MO2\", or a number of ions");
  }
  try {
    number = t.optional_number("capacity");
  } catch (const InputError&) {
    try {
      text = t.optional_string("capacity");
    } catch (const InputError&) {
      throw t.error_at("capacity", "'capacity' must be a formula such as \"" + species + "C6\" or a number of ions");
    }
  }
  IONCYCLE_ASSERT(ctx.host != nullptr, "parse_protocol needs the host structure");
  try {
    if (number) {
      ion.capacity = capacity_ions(*number);
      ion.capacity_text = core::format_double(*number);
    } else {
      ion.capacity = capacity_ions(*text, *ctx.host, ion.z);
      ion.capacity_text = *text;
    }
  } catch (const InputError& e) {
    throw e.located(t.location_of("capacity"));
  }

  ion.electrode = t.choice_or("electrode", {"anode", "cathode"}, "anode") == "anode" ? Electrode::anode
                                                                                     : Electrode::cathode;
  ion.mu_ref = t.optional_quantity("mu_ref", Dimension::energy);
  ion.min_distance = t.quantity_or("min_distance", Dimension::length, "1.5 A", Sign::positive);
  if (const auto to = t.optional_table("min_distance_to")) {
    for (const auto& key : to->keys()) {
      const auto z = core::find_atomic_number(key);
      if (!z) {
        std::string message = "'" + key + "' in [ion.min_distance_to] is not an element symbol";
        try {
          (void)core::atomic_number(key);
        } catch (const InputError& e) {
          message = "'" + key + "' in [ion.min_distance_to]: " + e.message();
        }
        throw to->error_at(key, message, "keys are element symbols: C = \"1.6 A\"");
      }
      ion.min_distance_to[*z] = to->require_quantity(key, Dimension::length, Sign::positive);
    }
    to->reject_unknown_keys();
  }
  if (t.has("exclusion")) {
    std::optional<std::string> word;
    try {
      word = t.optional_string("exclusion");
    } catch (const InputError&) {
      throw t.error_at("exclusion", "'exclusion' must be \"auto\", \"none\" or a length such as \"3.4 A\"");
    }
    if (*word == "auto") {
      ion.exclusion = std::numeric_limits<double>::quiet_NaN();
    } else if (*word == "none") {
      ion.exclusion = 0.0;
    } else {
      try {
        ion.exclusion = t.require_quantity("exclusion", Dimension::length, Sign::positive);
      } catch (const InputError& e) {
        throw t.error_at("exclusion", e.message(), "\"auto\" (the default), \"none\" or a length such as \"3.4 A\"");
      }
    }
  }
  t.reject_unknown_keys();
  return ion;
}

/// A root table missing: point at a near-miss spelling of it when there is one.
[[noreturn]] void missing_table(const ConfigTable& root, std::string_view name, const ConfigTable* other) {
  const auto keys = root.keys();
  if (const auto near = core::nearest(name, keys)) {
    throw root.error_at(*near, "unknown table [" + *near + "]; did you mean [" + std::string(name) + "]?");
  }
  const std::string hint = name == "ion" ? "e.g. [ion] species = \"Li\", capacity = \"LiC6\""
                                         : "e.g. [protocol] with [[protocol.step]] type = \"intercalate\", ...";
  if (other != nullptr) {
    throw InputError(other->location(), "[" + other->path() + "] needs a [" + std::string(name) + "] table", hint);
  }
  throw InputError(root.location(), "missing table [" + std::string(name) + "]", hint);
}

// --- writing ------------------------------------------------------------------------------------

/// A TOML basic string.
std::string q(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string qty(double value, Dimension dim) { return q(fmt(value, dim)); }

std::string until_inline(const Until& u) {
  std::vector<std::string> parts;
  if (u.soc) parts.push_back("soc = " + core::format_double(*u.soc));
  if (u.time) parts.push_back("time = " + qty(*u.time, Dimension::time));
  if (u.events) parts.push_back("events = " + std::to_string(*u.events));
  if (u.voltage) parts.push_back("voltage = " + qty(*u.voltage, Dimension::voltage));
  if (u.net_rate) {
    parts.push_back("net_rate = " + qty(*u.net_rate, Dimension::ion_rate));
    parts.push_back("rate_window = " + qty(u.rate_window, Dimension::time));
  }
  return "{ " + core::join(parts, ", ") + " }";
}

void write_insertion(std::ostream& os, const InsertionSettings& s, bool with_policy) {
  os << "sites = " << q(name_of(s.sites, kSiteNames)) << "\n";
  if (s.region) {
    auto corner = [](const core::Vec3& v) {
      return "[" + qty(v[0], Dimension::length) + ", " + qty(v[1], Dimension::length) + ", " +
             qty(v[2], Dimension::length) + "]";
    };
    os << "region = { lo = " << corner(s.region->lo) << ", hi = " << corner(s.region->hi) << " }\n";
  }
  os << "depth = " << qty(s.depth, Dimension::length) << "\n";
  if (with_policy) os << "policy = " << q(name_of(s.policy, kInsertNames)) << "\n";
  os << "candidates = " << s.candidates << "\n";
  os << "max_tries = " << s.max_tries << "\n";
  os << "settle_steps = " << s.settle_steps << "\n";
  os << "settle_force = " << qty(s.settle_force, Dimension::force) << "\n";
  os << "settle_max_move = " << qty(s.settle_max_move, Dimension::length) << "\n";
}

void write_fire(std::ostream& os, const md::FireOptions& f) {
  os << "force_tolerance = " << qty(f.force_tolerance, Dimension::force) << "\n";
  os << "max_steps = " << f.max_steps << "\n";
  os << "max_step = " << qty(f.max_step, Dimension::length) << "\n";
  os << "timestep = " << qty(f.timestep, Dimension::time) << "\n";
  os << "max_timestep = " << qty(f.max_timestep, Dimension::time) << "\n";
  if (f.cell_groups.empty()) return;
  // Groups as `couple`, the axes in no group as `fixed`, and a pressure per group: parsed back
  // by md::parse_axis_groups into the same groups.
  std::vector<std::string> names;
  std::vector<std::string> pressures;
  std::array<bool, 3> used{false, false, false};
  for (const auto& g : f.cell_groups) {
    names.push_back(g.name());
    pressures.push_back(g.name() + " = " + qty(g.pressure, Dimension::pressure));
    for (std::size_t a = 0; a < 3; ++a) used[a] = used[a] || g.axes[a];
  }
  std::vector<std::string> fixed;
  for (std::size_t a = 0; a < 3; ++a) {
    if (!used[a]) fixed.push_back(q(std::string(1, "xyz"[a])));
  }
  os << "cell = { couple = " << q(core::join(names, " ")) << ", fixed = [" << core::join(fixed, ", ")
     << "], pressure = { " << core::join(pressures, ", ") << " }, stress_tolerance = "
     << qty(f.stress_tolerance, Dimension::pressure) << " }\n";
}

void write_step(std::ostream& os, const StepSpec& s) {
  os << "\n[[protocol.step]]\n";
  os << "type = " << q(s.type_name()) << "\n";
  switch (s.type) {
    case StepType::intercalate:
      os << "rate = " << q("1 ion / " + fmt(s.interval, Dimension::time)) << "\n";
      os << "temperature = " << qty(s.temperature, Dimension::temperature) << "\n";
      write_insertion(os, s.insertion, /*with_policy=*/true);
      os << "voltage_window = " << s.voltage_window << "\n";
      break;
    case StepType::deintercalate:
      os << "rate = " << q("1 ion / " + fmt(s.interval, Dimension::time)) << "\n";
      os << "temperature = " << qty(s.temperature, Dimension::temperature) << "\n";
      os << "policy = " << q(name_of(s.removal.policy, kRemoveNames)) << "\n";
      os << "candidates = " << s.removal.candidates << "\n";
      os << "depth = " << qty(s.removal.depth, Dimension::length) << "\n";
      os << "voltage_window = " << s.voltage_window << "\n";
      break;
    case StepType::hold:
      os << "voltage = " << qty(s.voltage, Dimension::voltage) << "\n";
      os << "temperature = " << qty(s.temperature, Dimension::temperature) << "\n";
      os << "exchange_every = " << qty(s.exchange_every, Dimension::time) << "\n";
      os << "moves = " << s.moves << "\n";
      write_insertion(os, s.insertion, /*with_policy=*/false);
      break;
    case StepType::rest:
      os << "temperature = " << qty(s.temperature, Dimension::temperature) << "\n";
      if (s.duration > 0.0) os << "duration = " << qty(s.duration, Dimension::time) << "\n";
      break;
    case StepType::ramp:
      os << "from = " << qty(s.temperature, Dimension::temperature) << "\n";
      os << "to = " << qty(s.temperature_end, Dimension::temperature) << "\n";
      os << "duration = " << qty(s.duration, Dimension::time) << "\n";
      break;
    case StepType::minimize:
      write_fire(os, s.minimize);
      break;
  }
  if (!s.until.empty()) os << "until = " << until_inline(s.until) << "\n";
}

}  // namespace

// --- public -------------------------------------------------------------------------------------

double IonSettings::min_distance_for(int other_z) const {
  const auto it = min_distance_to.find(other_z);
  return it == min_distance_to.end() ? min_distance : it->second;
}

std::string StepSpec::type_name() const { return std::string(name_of(type, kStepNames)); }

std::string StepSpec::label() const { return step_label(index, type); }

std::string half_cycle_name(Electrode electrode, bool inserting) {
  // Charging stores energy: Li goes into the anode (graphite) and out of the cathode (LiCoO2).
  const bool charge = (electrode == Electrode::anode) == inserting;
  return charge ? "charge" : "discharge";
}

CyclingSettings parse_protocol(const ConfigTable& root, const ProtocolContext& context) {
  IONCYCLE_ASSERT(context.timestep > 0.0, "the [md] timestep must be positive");
  const auto ion_table = root.optional_table("ion");
  const auto protocol_table = root.optional_table("protocol");
  if (!ion_table) missing_table(root, "ion", protocol_table ? &*protocol_table : nullptr);
  if (!protocol_table) missing_table(root, "protocol", &*ion_table);

  CyclingSettings settings;
  settings.ion = parse_ion(*ion_table, context);

  const ConfigTable& p = *protocol_table;
  Protocol& protocol = settings.protocol;
  const std::int64_t cycles = p.integer_or("cycles", 1);
  if (cycles < 1) {
    throw p.error_at("cycles", "'cycles' must be at least 1 (got " + std::to_string(cycles) + ")",
                     "the steps run once per cycle; cycles = 1 runs them once");
  }
  if (cycles > std::numeric_limits<int>::max()) {
    throw p.error_at("cycles", "'cycles' is too large (got " + std::to_string(cycles) + ", at most " +
                                   std::to_string(std::numeric_limits<int>::max()) + ")",
                     "a run of that many cycles would never end; [protocol] until = { time = ... } ends a long one");
  }
  protocol.cycles = static_cast<int>(cycles);
  if (const auto until = p.optional_table("until")) {
    protocol.end = parse_until(*until, std::nullopt, 0, context.timestep);
    if (protocol.end.empty()) {
      throw p.error_at("until", "[protocol] until has no condition", "e.g. until = { time = \"500 ps\" }, or remove it");
    }
  }
  const auto steps = p.table_array("step");
  p.reject_unknown_keys();
  if (steps.empty()) {
    throw InputError(p.location(), "[protocol] has no steps",
                     "add at least one [[protocol.step]] with type = \"intercalate\", \"deintercalate\", \"hold\", "
                     "\"rest\", \"ramp\" or \"minimize\"");
  }
  for (std::size_t i = 0; i < steps.size(); ++i) protocol.steps.push_back(parse_step(steps[i], i, context));
  return settings;
}

std::string to_toml(const CyclingSettings& settings) {
  std::ostringstream os;
  const IonSettings& ion = settings.ion;
  os << "[ion]\n";
  os << "species = " << q(core::symbol(ion.z)) << "\n";
  const bool numeric = !ion.capacity_text.empty() && !std::isupper(static_cast<unsigned char>(ion.capacity_text[0]));
  os << "capacity = " << (numeric ? ion.capacity_text : q(ion.capacity_text)) << "\n";
  os << "electrode = " << q(ion.electrode == Electrode::anode ? "anode" : "cathode") << "\n";
  if (ion.mu_ref) os << "mu_ref = " << qty(*ion.mu_ref, Dimension::energy) << "\n";
  os << "min_distance = " << qty(ion.min_distance, Dimension::length) << "\n";
  os << "exclusion = "
     << (std::isnan(ion.exclusion) ? q("auto") : ion.exclusion == 0.0 ? q("none") : qty(ion.exclusion, Dimension::length))
     << "\n";
  if (!ion.min_distance_to.empty()) {
    os << "\n[ion.min_distance_to]\n";
    for (const auto& [z, d] : ion.min_distance_to) os << core::symbol(z) << " = " << qty(d, Dimension::length) << "\n";
  }
  const Protocol& protocol = settings.protocol;
  os << "\n[protocol]\n";
  os << "cycles = " << protocol.cycles << "\n";
  if (!protocol.end.empty()) os << "until = " << until_inline(protocol.end) << "\n";
  for (const auto& step : protocol.steps) write_step(os, step);
  return os.str();
}

}  // namespace ioncycle::cycling
