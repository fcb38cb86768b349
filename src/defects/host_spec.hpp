// SPDX-License-Identifier: MIT
//
// The builder and stacking-fault tables of [structure] (docs/builders.md), shared by
// `ioncycle build` and by the [structure] table of run files:
//
//   [structure]
//   builder = "graphite"        # or "graphene", "layered_oxide" (or file = "host.extxyz")
//   stacking = "AB"
//   repeat = [4, 4]
//   layers = 4
//
//   [[structure.fault]]
//   above_layer = 1
//   to = "ABC"
//
// read_host_spec() reads and checks the builder keys (every dimensional value with its unit),
// build_host() builds the host, read_faults() and apply_faults() do the same for the
// [[structure.fault]] entries. Every error is an InputError located at the key responsible
// (file:line:col), thrown before anything is written. The reads record their keys as known in
// the ConfigTable; rejecting unknown keys of [structure] itself is the caller's job (it also holds
// `file`, `seed` and the point defects), while each [[structure.fault]] table is checked here.
// Not thread-safe (ConfigTable records keys); the results are plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/system.hpp"
#include "defects/graphite.hpp"
#include "defects/layered_oxide.hpp"
#include "defects/stacking.hpp"

namespace ioncycle::defects {

enum class HostBuilder { graphite, graphene, layered_oxide };

/// "graphite", "graphene", "layered_oxide".
[[nodiscard]] std::string_view to_string(HostBuilder builder);

struct HostSpec {
  HostBuilder builder = HostBuilder::graphite;
  GraphiteParams graphite;    ///< graphite and graphene
  LayeredOxideParams oxide;   ///< layered_oxide (lattice filled in from the defaults or the keys)
};

/// Whether [structure] names a builder (has a `builder` key).
[[nodiscard]] bool names_builder(const core::ConfigTable& structure);

/// Read the builder keys of [structure]. Throws a located InputError for an unknown builder, a
/// missing unit, a value out of range, a composition that does not add up, ...
[[nodiscard]] HostSpec read_host_spec(const core::ConfigTable& structure);

/// Build the host; errors found while building are located at their key in `structure`.
[[nodiscard]] core::System build_host(const HostSpec& spec, std::uint64_t seed, const core::ConfigTable& structure);

/// One [[structure.fault]] entry and the table it came from (for error locations).
struct FaultSpec {
  StackingFault fault;
  core::ConfigTable table;
};

/// Read every [[structure.fault]] entry (rejecting unknown keys in each).
[[nodiscard]] std::vector<FaultSpec> read_faults(const core::ConfigTable& structure);

/// Read one fault table (also usable for a [[structure.defect]] with type = "stacking_fault";
/// `type` is then read as known).
[[nodiscard]] FaultSpec read_fault(const core::ConfigTable& table);

/// Apply the faults in order; errors are located at the offending key of each fault's table.
/// The System is unchanged by a fault that fails (earlier faults stay applied; callers build
/// into a scratch System and write only on success).
std::vector<FaultOutcome> apply_faults(core::System& system, const std::vector<FaultSpec>& faults);

}  // namespace ioncycle::defects
