// SPDX-License-Identifier: MIT
#include "md/integrator_factory.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "core/units.hpp"
#include "md/langevin.hpp"
#include "md/nose_hoover_chain.hpp"
#include "md/velocity_verlet.hpp"

namespace ioncycle::md {

namespace {

using core::ConfigTable;
using core::Sign;
using units::Dimension;

constexpr std::string_view axis_letters = "xyz";

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string table_label(const ConfigTable& t) { return "[" + t.path() + "]"; }

// Keys that belong to another thermostat type: say so instead of a bare "unknown key". Looks at
// keys() rather than has(), which would record them as known and list them in later hints.
void reject_keys_of_other_type(const ConfigTable& t, std::initializer_list<std::string_view> keys,
                               std::string_view type, std::string_view owner) {
  const auto present = t.keys();
  for (const auto key : keys) {
    if (std::find(present.begin(), present.end(), key) != present.end()) {
      throw t.error_at(key, quoted(key) + " applies only to type = \"" + std::string(owner) + "\", not \"" +
                                std::string(type) + "\"",
                       "remove it or change 'type'");
    }
  }
}

// "4.5e-5 /bar", "4.5e-5 1/bar", "0.01/GPa" -> Å³/eV. The unit parser knows pressures, so the
// inverse unit is read as a pressure and inverted.
double parse_compressibility(const ConfigTable& t) {
  const std::string key = "compressibility";
  const auto bad = [&](const std::string& got) {
    return t.error_at(key, "'compressibility' needs an inverse pressure such as \"4.5e-5 /bar\"" + got,
                      "write the number and '/' followed by a pressure unit (" +
                          units::accepted_units(Dimension::pressure) + "), or give 'bulk_modulus' instead");
  };
  std::optional<std::string> text;
  try {
    text = t.optional_string(key);
  } catch (const InputError&) {
    throw bad(" with its unit");
  }
  const std::string got = " (got \"" + *text + "\")";
  const auto slash = text->find('/');
  if (slash == std::string::npos) throw bad(got);
  auto tokens = core::split_whitespace(std::string_view(*text).substr(0, slash));
  if (tokens.size() == 2 && tokens[1] == "1") tokens.pop_back();  // "4.5e-5 1/bar"
  if (tokens.size() != 1) throw bad(got);
  const auto number = core::parse_double(tokens[0]);
  const std::string unit(core::trim(std::string_view(*text).substr(slash + 1)));
  if (!number || unit.empty()) throw bad(got);
  double unit_pressure = 0.0;
  try {
    unit_pressure = units::parse_quantity("1 " + unit, Dimension::pressure);
  } catch (const InputError& e) {
    throw t.error_at(key, "'compressibility': " + e.message(), e.hint());
  }
  if (!(*number > 0.0)) throw t.error_at(key, "'compressibility' must be positive" + got);
  return *number / unit_pressure;
}

ThermostatConfig parse_thermostat(const ConfigTable& md, double timestep) {
  ThermostatConfig config;
  const auto table = md.optional_table("thermostat");
  if (!table) return config;
  const auto& t = *table;
  const std::string type = t.require_choice("type", {"langevin", "nose_hoover", "none"});
  if (type == "none") {
    reject_keys_of_other_type(t, {"damping"}, type, "langevin\" or \"nose_hoover");
    reject_keys_of_other_type(t, {"chain", "substeps", "yoshida_order"}, type, "nose_hoover");
    t.reject_unknown_keys();
    return config;
  }
  config.damping = t.quantity_or("damping", Dimension::time, "100 fs", Sign::positive);
  if (type == "langevin") {
    config.type = ThermostatType::langevin;
    reject_keys_of_other_type(t, {"chain", "substeps", "yoshida_order"}, type, "nose_hoover");
  } else {
    config.type = ThermostatType::nose_hoover;
    if (config.damping <= timestep) {
      throw t.error_at("damping", "the Nosé–Hoover 'damping' must be longer than the time step (" +
                                      units::format_quantity(timestep, Dimension::time) + ")",
                       "about 100 time steps is usual, e.g. damping = \"100 fs\" with timestep = \"1 fs\"");
    }
    const auto chain = t.integer_or("chain", 3, Sign::positive);
    if (chain > 100) throw t.error_at("chain", "'chain' must be at most 100 (got " + std::to_string(chain) + ")", "3 to 5 is usual");
    config.chain_length = static_cast<int>(chain);
    const auto substeps = t.integer_or("substeps", 1, Sign::positive);
    if (substeps > 100) throw t.error_at("substeps", "'substeps' must be at most 100 (got " + std::to_string(substeps) + ")");
    config.num_substeps = static_cast<int>(substeps);
    const auto order = t.integer_or("yoshida_order", 3);
    if (order != 1 && order != 3 && order != 5 && order != 7) {
      throw t.error_at("yoshida_order", "'yoshida_order' must be 1, 3, 5 or 7 (got " + std::to_string(order) + ")");
    }
    config.yoshida_order = static_cast<int>(order);
  }
  t.reject_unknown_keys();
  return config;
}

CellRescalingParams parse_barostat(const ConfigTable& t, double timestep) {
  CellRescalingParams params;
  params.groups = parse_axis_groups(t, "xyz", std::nullopt);
  params.damping = t.quantity_or("damping", Dimension::time, "1 ps", Sign::positive);
  if (params.damping <= timestep) {
    throw t.error_at("damping", "the barostat 'damping' must be longer than the time step (" +
                                    units::format_quantity(timestep, Dimension::time) + ")",
                     "1 ps or more is usual");
  }
  const bool has_compressibility = t.has("compressibility");
  const bool has_modulus = t.has("bulk_modulus");
  if (has_compressibility && has_modulus) {
    throw t.error_at("bulk_modulus", "give either 'compressibility' or 'bulk_modulus', not both",
                     "the compressibility is 1 / bulk_modulus");
  }
  if (has_compressibility) {
    params.compressibility = parse_compressibility(t);
  } else {
    params.compressibility = 1.0 / t.quantity_or("bulk_modulus", Dimension::pressure, "100 GPa", Sign::positive);
  }
  return params;
}

}  // namespace

std::vector<AxisGroup> parse_axis_groups(const ConfigTable& t, std::string_view default_couple,
                                         std::optional<std::string_view> default_pressure) {
  // --- couple: groups of axis letters separated by spaces or commas; "none" = x y z ---------
  const std::string couple = t.string_or("couple", default_couple);
  const auto bad_couple = [&](const std::string& why) {
    return t.error_at("couple", "'couple' " + why + " (got \"" + couple + "\")",
                      "groups of the axes x, y, z separated by spaces: \"xyz\" (isotropic), \"xy z\" or "
                      "\"xy\" (x and y together, z alone), \"x y z\" or \"none\" (independent)");
  };
  std::vector<std::array<bool, 3>> sets;
  std::array<bool, 3> seen{false, false, false};
  if (core::trim(couple) != "none") {
    std::string spaced = couple;
    for (auto& c : spaced) {
      if (c == ',') c = ' ';
    }
    const auto tokens = core::split_whitespace(spaced);
    if (tokens.empty()) throw bad_couple("names no axis");
    for (const auto token : tokens) {
      std::array<bool, 3> set{false, false, false};
      for (const char c : token) {
        const auto a = axis_letters.find(c);
        if (a == std::string_view::npos) throw bad_couple("may contain only the axes x, y, z");
        if (seen[a]) throw bad_couple(std::string("names axis ") + c + " twice");
        seen[a] = true;
        set[a] = true;
      }
      sets.push_back(set);
    }
  }
  for (std::size_t a = 0; a < 3; ++a) {
    if (!seen[a]) {
      std::array<bool, 3> set{false, false, false};
      set[a] = true;
      sets.push_back(set);
    }
  }

  // --- fixed: axes taken out of their group ---------------------------------------------------
  std::array<bool, 3> fixed{false, false, false};
  if (t.has("fixed")) {
    for (const auto& name : t.require_string_array("fixed")) {
      const auto a = name.size() == 1 ? axis_letters.find(name[0]) : std::string_view::npos;
      if (a == std::string_view::npos) {
        throw t.error_at("fixed", "'fixed' may contain only \"x\", \"y\" and \"z\" (got \"" + name + "\")",
                         "e.g. fixed = [\"x\", \"y\"] keeps the in-plane lengths");
      }
      if (fixed[a]) throw t.error_at("fixed", "'fixed' names axis " + name + " twice");
      fixed[a] = true;
    }
  }
  std::vector<AxisGroup> groups;
  for (auto set : sets) {
    for (std::size_t a = 0; a < 3; ++a) set[a] = set[a] && !fixed[a];
    AxisGroup group;
    group.axes = set;
    if (group.size() > 0) groups.push_back(group);
  }
  if (groups.empty()) {
    throw t.error_at("fixed", "every axis is fixed, so there is nothing for " + table_label(t) + " to control",
                     "remove an axis from 'fixed'");
  }
  // Deterministic order: by the first axis of each group.
  std::sort(groups.begin(), groups.end(), [](const AxisGroup& a, const AxisGroup& b) { return a.name() < b.name(); });

  // --- pressure: one value for all groups, or a table keyed by group name ----------------------
  if (!t.has("pressure")) {
    if (!default_pressure) (void)t.require_quantity("pressure", Dimension::pressure);  // "missing key"
    const double p = units::parse_quantity(*default_pressure, Dimension::pressure);
    for (auto& g : groups) g.pressure = p;
    return groups;
  }
  std::optional<double> common;
  std::optional<ConfigTable> per_group;
  try {
    common = t.optional_quantity("pressure", Dimension::pressure);
  } catch (const InputError& as_quantity) {
    try {
      per_group = t.optional_table("pressure");
    } catch (const InputError&) {
      throw as_quantity;  // neither a quantity nor a table: the quantity error explains best
    }
  }
  if (common) {
    for (auto& g : groups) g.pressure = *common;
  } else {
    for (auto& g : groups) g.pressure = per_group->require_quantity(g.name(), Dimension::pressure);
    per_group->reject_unknown_keys();
  }
  return groups;
}

IntegratorConfig parse_integrator_config(const ConfigTable& md) {
  IntegratorConfig config;
  config.timestep = md.quantity_or("timestep", Dimension::time, "1 fs", Sign::positive);
  config.temperature = md.optional_quantity("temperature", Dimension::temperature, Sign::non_negative);
  config.thermostat = parse_thermostat(md, config.timestep);
  if (config.thermostat.type != ThermostatType::none) {
    if (!config.temperature) {
      throw md.error_at("thermostat", "the thermostat needs 'temperature' in " + table_label(md),
                        "e.g. temperature = \"300 K\"");
    }
    if (config.thermostat.type == ThermostatType::nose_hoover && !(*config.temperature > 0.0)) {
      throw md.error_at("temperature", "Nosé–Hoover chains need a positive 'temperature'",
                        "use the Langevin thermostat to quench to 0 K, or minimize");
    }
  }
  if (const auto barostat = md.optional_table("barostat")) {
    const std::string type = barostat->require_choice("type", {"c_rescale", "none"});
    if (type == "c_rescale") {
      if (config.thermostat.type == ThermostatType::none) {
        throw md.error_at("barostat", "the barostat needs a thermostat (stochastic cell rescaling samples "
                                      "the isothermal-isobaric ensemble at the thermostat's temperature)",
                          "add thermostat = { type = \"langevin\", damping = \"100 fs\" } to " + table_label(md));
      }
      config.barostat = parse_barostat(*barostat, config.timestep);
    }
    barostat->reject_unknown_keys();
  }
  return config;
}

std::unique_ptr<Integrator> make_integrator(const IntegratorConfig& config, std::uint64_t seed) {
  std::unique_ptr<StochasticCellRescaling> barostat;
  if (config.barostat) barostat = std::make_unique<StochasticCellRescaling>(*config.barostat, seed);
  const double temperature = config.temperature.value_or(0.0);
  switch (config.thermostat.type) {
    case ThermostatType::langevin: {
      LangevinParams p;
      p.timestep = config.timestep;
      p.temperature = temperature;
      p.damping = config.thermostat.damping;
      p.seed = seed;
      return std::make_unique<Langevin>(p, std::move(barostat));
    }
    case ThermostatType::nose_hoover: {
      NoseHooverParams p;
      p.timestep = config.timestep;
      p.temperature = temperature;
      p.damping = config.thermostat.damping;
      p.chain_length = config.thermostat.chain_length;
      p.num_substeps = config.thermostat.num_substeps;
      p.yoshida_order = config.thermostat.yoshida_order;
      return std::make_unique<NoseHooverChain>(p, std::move(barostat));
    }
    case ThermostatType::none:
      break;
  }
  if (barostat) throw InputError("the barostat needs a thermostat");
  return std::make_unique<VelocityVerlet>(config.timestep);
}

std::unique_ptr<Integrator> make_integrator(const ConfigTable& md_table, std::uint64_t seed) {
  const IntegratorConfig config = parse_integrator_config(md_table);
  md_table.reject_unknown_keys();
  return make_integrator(config, seed);
}

FireOptions parse_fire_options(const ConfigTable& t) {
  FireOptions options;
  options.force_tolerance = t.quantity_or("force_tolerance", Dimension::force, "0.01 eV/A", Sign::positive);
  options.max_steps = t.integer_or("max_steps", 1000, Sign::non_negative);
  options.max_step = t.quantity_or("max_step", Dimension::length, "0.2 A", Sign::positive);
  options.timestep = t.quantity_or("timestep", Dimension::time, "1 fs", Sign::positive);
  options.max_timestep = t.quantity_or("max_timestep", Dimension::time, "10 fs", Sign::positive);
  if (options.max_timestep < options.timestep) {
    throw t.error_at("max_timestep", "'max_timestep' must not be shorter than 'timestep' (" +
                                         units::format_quantity(options.timestep, Dimension::time) + ")");
  }
  // Guénolé et al. (2020): Δt_min = 0.02 Δt_start.
  options.min_timestep = 0.02 * options.timestep;
  if (const auto cell = t.optional_table("cell")) {
    options.cell_groups = parse_axis_groups(*cell, "x y z", "0 bar");
    options.stress_tolerance =
        cell->quantity_or("stress_tolerance", Dimension::pressure, "0.01 GPa", Sign::positive);
    cell->reject_unknown_keys();
  }
  return options;
}

std::unique_ptr<FireMinimizer> make_minimizer(const ConfigTable& table) {
  FireOptions options = parse_fire_options(table);
  table.reject_unknown_keys();
  return std::make_unique<FireMinimizer>(std::move(options));
}

}  // namespace ioncycle::md
