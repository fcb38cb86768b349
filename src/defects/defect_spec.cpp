// SPDX-License-Identifier: MIT
#include "defects/defect_spec.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"
#include "core/units.hpp"

namespace ioncycle::defects {

namespace {

constexpr std::array<std::string_view, 6> kPointTypes{"vacancy",      "divacancy", "stone_wales",
                                                      "substitution", "antisite",  "interstitial"};

std::string table_name(const core::ConfigTable& table) { return "[" + table.path() + "]"; }

// An element symbol under `key` (or `fallback` when absent), located on error.
int element_at(const core::ConfigTable& table, std::string_view key, std::optional<std::string_view> fallback) {
  std::string symbol;
  if (fallback) {
    symbol = table.string_or(key, *fallback);
  } else {
    symbol = table.require_string(key);
  }
  try {
    return core::atomic_number(symbol);
  } catch (const InputError& e) {
    throw InputError(table.location_of(key), "'" + std::string(key) + "': " + e.message(), e.hint());
  }
}

// `lo` / `hi` of a region: three lengths with units.
core::Vec3 corner(const core::ConfigTable& region, std::string_view key) {
  const auto texts = region.require_string_array(key);
  if (texts.size() != 3) {
    throw region.error_at(
        key, "'" + std::string(key) + "' must hold three lengths (x, y, z), got " + std::to_string(texts.size()),
        std::string(key) + " = [\"0 A\", \"0 A\", \"3 A\"]");
  }
  core::Vec3 v;
  for (int i = 0; i < 3; ++i) {
    try {
      v[i] = units::parse_quantity(texts[static_cast<std::size_t>(i)], units::Dimension::length);
    } catch (const InputError& e) {
      throw InputError(region.location_of(key), "'" + std::string(key) + "': " + e.message(), e.hint());
    }
  }
  return v;
}

std::vector<int> layer_indices(const core::ConfigTable& table, std::string_view key,
                               const std::vector<std::int64_t>& values) {
  if (values.empty()) throw table.error_at(key, "'" + std::string(key) + "' is empty", "give at least one index");
  std::vector<int> out;
  for (const auto v : values) {
    if (v < 0 || v > 100000) {
      throw table.error_at(key, "'" + std::string(key) + "' holds " + std::to_string(v) +
                                    "; layers are numbered 0, 1, 2, ... from the bottom");
    }
    out.push_back(static_cast<int>(v));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

std::span<const std::string_view> point_defect_types() { return kPointTypes; }

DefectRequest parse_defect_request(const core::ConfigTable& table) {
  DefectRequest r;
  r.where.table = table.path();
  r.where.table_at = table.location();
  const std::string type_name = table.require_string("type");
  r.where.type = table.location_of("type");
  const auto type = parse_defect_type(type_name);
  if (!type || std::find(kPointTypes.begin(), kPointTypes.end(), type_name) == kPointTypes.end()) {
    const std::vector<std::string> names(kPointTypes.begin(), kPointTypes.end());
    std::string message = "'type' = \"" + type_name + "\" is not a point-defect type";
    const auto suggestion = core::did_you_mean(type_name, names);
    if (!suggestion.empty()) message += "; " + suggestion;
    throw table.error_at("type", message,
                         "point-defect types: vacancy, divacancy, stone_wales, substitution, "
                         "antisite, interstitial");
  }
  r.type = *type;
  const bool interstitial = r.type == DefectType::interstitial;

  // Species of the sites, and of the partner where there is one.
  switch (r.type) {
    case DefectType::divacancy:
    case DefectType::stone_wales:
      r.z = element_at(table, "species", "C");
      break;
    case DefectType::antisite:
      r.z = element_at(table, "species", "Li");
      r.other_z = element_at(table, "with", "Ni");
      r.where.other = table.location_of("with");
      if (r.other_z == r.z)
        throw table.error_at("with", "'with' must differ from 'species' (an exchange of like atoms changes nothing)");
      break;
    case DefectType::substitution:
      r.z = element_at(table, "species", std::nullopt);
      r.other_z = element_at(table, "by", std::nullopt);
      r.where.other = table.location_of("by");
      if (r.other_z == r.z)
        throw table.error_at("by", "'by' must differ from 'species' (substituting " + std::string(core::symbol(r.z)) +
                                       " by itself changes nothing)");
      break;
    default:
      r.z = element_at(table, "species", std::nullopt);
      break;
  }
  r.where.species = table.location_of("species");

  // How many.
  const bool has_count = table.has("count");
  const bool has_concentration = table.has("concentration");
  if (has_count && has_concentration) {
    throw table.error_at("concentration", "give either 'count' or 'concentration', not both");
  }
  if (interstitial) {
    if (has_concentration) {
      throw table.error_at("concentration", "interstitials are placed by number: give 'count', not 'concentration'",
                           "count = 4");
    }
    r.count = table.require_integer("count", core::Sign::positive);
    r.where.amount = table.location_of("count");
  } else if (has_count) {
    r.count = table.require_integer("count", core::Sign::positive);
    r.where.amount = table.location_of("count");
  } else if (has_concentration) {
    const double c = table.require_number("concentration", core::Sign::positive);
    if (c > 1.0) {
      throw table.error_at("concentration",
                           "'concentration' is a fraction of the eligible atoms and must lie in (0, 1] (got " +
                               core::format_double(c) + ")",
                           "concentration = 0.01 affects 1% of the eligible atoms");
    }
    r.concentration = c;
    r.where.amount = table.location_of("concentration");
  } else {
    throw InputError(table.location(), table_name(table) + " needs 'count' or 'concentration'",
                     "count = 2, or concentration = 0.01 (fraction of the eligible atoms)");
  }

  // Where.
  if (interstitial) {
    if (table.has("layers") || table.has("layer")) {
      throw table.error_at(table.has("layers") ? "layers" : "layer",
                           "interstitials go between layers: use 'galleries' (gallery k lies between layers k and "
                           "k+1) or 'region'",
                           "galleries = [0]");
    }
    if (table.has("galleries")) {
      r.galleries = layer_indices(table, "galleries", table.require_integer_array("galleries"));
      r.where.galleries = table.location_of("galleries");
    }
  } else {
    const bool has_layer = table.has("layer");
    const bool has_layers = table.has("layers");
    if (has_layer && has_layers) throw table.error_at("layers", "give either 'layer' or 'layers', not both");
    if (has_layer) {
      r.layers = layer_indices(table, "layer", {table.require_integer("layer")});
      r.where.layers = table.location_of("layer");
    } else if (has_layers) {
      r.layers = layer_indices(table, "layers", table.require_integer_array("layers"));
      r.where.layers = table.location_of("layers");
    }
  }
  if (const auto region = table.optional_table("region")) {
    Region box{corner(*region, "lo"), corner(*region, "hi")};
    region->reject_unknown_keys();
    for (int i = 0; i < 3; ++i) {
      if (!(box.lo[i] < box.hi[i])) {
        throw region->error_at("hi", "region 'hi' must exceed 'lo' in every component (" +
                                         std::string("xyz").substr(static_cast<std::size_t>(i), 1) + ": lo " +
                                         units::format_quantity(box.lo[i], units::Dimension::length) + ", hi " +
                                         units::format_quantity(box.hi[i], units::Dimension::length) + ")");
      }
    }
    r.region = box;
    r.where.region = table.location_of("region");
  }

  // Distances.
  r.min_separation = table.quantity_or("min_separation", units::Dimension::length, "0 A", core::Sign::non_negative);
  r.where.min_separation = table.location_of("min_separation");
  if (interstitial) {
    r.min_distance = table.quantity_or("min_distance", units::Dimension::length, "1.5 A", core::Sign::positive);
    r.where.min_distance = table.location_of("min_distance");
  }
  if (r.type == DefectType::divacancy || r.type == DefectType::stone_wales) {
    r.bond_cutoff = table.quantity_or("bond_cutoff", units::Dimension::length, "1.8 A", core::Sign::positive);
    r.where.bond_cutoff = table.location_of("bond_cutoff");
  }
  table.reject_unknown_keys();
  return r;
}

std::vector<DefectRecord> apply_defects(core::System& system, const core::ConfigTable& structure_table,
                                        std::uint64_t seed, std::span<const ExternalDefectType> external) {
  const auto tables = structure_table.table_array("defect");
  if (tables.empty()) return {};

  // 1. Read and validate every table before anything is applied.
  struct Step {
    std::optional<DefectRequest> request;
    DefectApplier external;
  };
  std::vector<Step> steps;
  for (const auto& table : tables) {
    const std::string type = table.require_string("type");
    if (std::find(kPointTypes.begin(), kPointTypes.end(), type) != kPointTypes.end()) {
      steps.push_back({parse_defect_request(table), {}});
      continue;
    }
    const auto ext =
        std::find_if(external.begin(), external.end(), [&](const ExternalDefectType& e) { return e.type == type; });
    if (ext != external.end()) {
      steps.push_back({std::nullopt, ext->parse(table)});
      continue;
    }
    std::vector<std::string> names(kPointTypes.begin(), kPointTypes.end());
    for (const auto& e : external) names.push_back(e.type);
    std::string listed;
    for (const auto& n : names) listed += (listed.empty() ? "" : ", ") + n;
    std::string message = "unknown defect type \"" + type + "\"";
    const auto suggestion = core::did_you_mean(type, names);
    if (!suggestion.empty()) message += "; " + suggestion;
    throw table.error_at("type", message, "defect types: " + listed);
  }

  // 2. Apply in order to a copy; the System is replaced only when every step succeeded.
  core::System work = system;
  HostLayers layers = host_layers(work);
  std::vector<DefectRecord> records;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    core::Rng rng(seed, kDefectRngStream + k + 1);
    auto step_records =
        steps[k].request ? generate_defects(work, *steps[k].request, layers, rng) : steps[k].external(work, rng);
    records.insert(records.end(), std::make_move_iterator(step_records.begin()),
                   std::make_move_iterator(step_records.end()));
  }
  system = std::move(work);
  return records;
}

}  // namespace ioncycle::defects
