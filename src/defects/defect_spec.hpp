// SPDX-License-Identifier: MIT
//
// The [[structure.defect]] tables of a run file or a build spec, turned into defects:
//
//   [[structure.defect]]
//   type = "vacancy"        # vacancy | divacancy | stone_wales | substitution | antisite | interstitial
//   species = "C"           # element of the sites (defaults: divacancy, stone_wales "C"; antisite "Li")
//   count = 2               # or concentration = 0.01 (fraction of eligible atoms affected)
//   layers = [1, 2]         # or layer = 1 (host layers from 0 at the bottom), and/or
//   region = { lo = ["0 A", "0 A", "3 A"], hi = ["20 A", "20 A", "9 A"] }
//   min_separation = "6 A"  # between the centres of this table's defects (default "0 A")
//   # substitution: by = "B"; antisite: with = "Ni" (default); interstitial: min_distance = "1.8 A"
//   # (default "1.5 A"), galleries = [0] instead of layers; divacancy, stone_wales: bond_cutoff
//   # (default "1.8 A").
//
// docs/builders.md ("Point defects") documents every key. apply_defects() reads and validates
// every table first (types, keys, units, ranges: located InputErrors, unknown keys with a "did
// you mean"), then applies them in file order to a copy of the System and replaces the System
// only when all succeeded, so an impossible request leaves it untouched and nothing is written.
// Table k (1-based) draws its random numbers from Rng(seed, kDefectRngStream + k), so adding a
// table never changes where the earlier ones put their defects.
//
// Types implemented elsewhere (the stacking faults of the builders) join the same list through
// ExternalDefectType: they parse their table up front and return the function that applies it.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"
#include "defects/defect_placement.hpp"
#include "defects/defect_record.hpp"

namespace ioncycle::defects {

/// First Rng stream of the defect tables ("defects" in ASCII); table k uses this + k.
inline constexpr std::uint64_t kDefectRngStream = 0x0064656665637473ULL;

/// The point-defect types this module generates, as written in TOML.
[[nodiscard]] std::span<const std::string_view> point_defect_types();

/// Read and validate one [[structure.defect]] table of a point-defect type (every key, units,
/// ranges; reject_unknown_keys). Throws a located InputError.
[[nodiscard]] DefectRequest parse_defect_request(const core::ConfigTable& table);

/// Applies one parsed table of an external type to a System (the working copy); may throw.
using DefectApplier = std::function<std::vector<DefectRecord>(core::System&, core::Rng&)>;

/// A [[structure.defect]] type implemented outside this module, e.g. {"stacking_fault", parse}:
/// `parse` reads and validates the table (including reject_unknown_keys) without touching any
/// System and returns the applier.
struct ExternalDefectType {
  std::string type;
  std::function<DefectApplier(const core::ConfigTable&)> parse;
};

/// Read the [[structure.defect]] array of `structure_table` (the [structure] table), validate
/// every entry, then apply them in order (see the header comment). Returns one record per
/// defect, in order. On any InputError the System is unchanged.
std::vector<DefectRecord> apply_defects(core::System& system, const core::ConfigTable& structure_table,
                                        std::uint64_t seed, std::span<const ExternalDefectType> external = {});

}  // namespace ioncycle::defects
