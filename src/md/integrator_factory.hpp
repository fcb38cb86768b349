// SPDX-License-Identifier: MIT
//
// From the [md] table of a run file to an Integrator, and from a minimization table to a
// FireMinimizer. Every key is documented in docs/protocols.md ("[md]"); every mistake is an
// InputError located at the offending value (unknown thermostat type with the nearest one
// suggested, a bare number where a unit is needed, a negative time step, an axis named twice...).
//
// Parsing and construction are separate so that callers can report the resolved settings
// (resolved.toml) and build several integrators from one table. The ConfigTable records the
// keys read; a caller that keeps more keys in the same table (e.g. a neighbor-list skin in [md],
// `type` in a protocol step) reads them before calling a make_* function, which rejects every
// key nobody asked for.
//
// Runs on one thread before a simulation starts.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "md/cell_rescaling.hpp"
#include "md/fire.hpp"
#include "md/integrator.hpp"

namespace ioncycle::md {

enum class ThermostatType { none, langevin, nose_hoover };

struct ThermostatConfig {
  ThermostatType type = ThermostatType::none;
  double damping = 100.0;  ///< fs
  int chain_length = 3;    ///< nose_hoover only
  int num_substeps = 1;    ///< nose_hoover only
  int yoshida_order = 3;   ///< nose_hoover only
};

struct IntegratorConfig {
  double timestep = 1.0;                        ///< fs
  std::optional<double> temperature;            ///< K; required with a thermostat
  ThermostatConfig thermostat;
  std::optional<CellRescalingParams> barostat;  ///< c_rescale; needs a thermostat
};

/// Reads timestep, temperature, thermostat and barostat from [md]; rejects unknown keys inside
/// [md.thermostat] and [md.barostat] but not in [md] itself.
[[nodiscard]] IntegratorConfig parse_integrator_config(const core::ConfigTable& md_table);

/// Builds the integrator; `seed` is the run's seed (Langevin and barostat streams derive from it).
[[nodiscard]] std::unique_ptr<Integrator> make_integrator(const IntegratorConfig& config, std::uint64_t seed);

/// parse_integrator_config, then md_table.reject_unknown_keys(), then make_integrator.
[[nodiscard]] std::unique_ptr<Integrator> make_integrator(const core::ConfigTable& md_table, std::uint64_t seed);

/// Reads the FIRE keys (force_tolerance, max_steps, max_step, timestep, max_timestep, cell) of a
/// minimization table; rejects unknown keys in its `cell` sub-table but not in `table` itself.
[[nodiscard]] FireOptions parse_fire_options(const core::ConfigTable& table);

/// parse_fire_options, then table.reject_unknown_keys(), then the minimizer.
[[nodiscard]] std::unique_ptr<FireMinimizer> make_minimizer(const core::ConfigTable& table);

/// Axis groups from `couple` and `fixed` and their target pressures from `pressure` (shared by
/// the barostat and the minimizer's cell relaxation; see docs/protocols.md). Exposed for tests.
[[nodiscard]] std::vector<AxisGroup> parse_axis_groups(const core::ConfigTable& table,
                                                       std::string_view default_couple,
                                                       std::optional<std::string_view> default_pressure);

}  // namespace ioncycle::md
