// SPDX-License-Identifier: MIT
#include "defects/host_spec.hpp"

#include <algorithm>
#include <cmath>

#include "core/elements.hpp"
#include "core/strings.hpp"
#include "defects/request_error.hpp"

namespace ioncycle::defects {

namespace {

using core::ConfigTable;
using core::Sign;
using units::Dimension;

const std::vector<std::string> kRegistryNames = {"AA", "AB", "ABC", "O1", "O3", "AB->AA", "AB->ABC", "O3->O1"};

std::pair<int, int> read_repeat(const ConfigTable& t) {
  if (!t.has("repeat")) return {1, 1};
  const auto r = t.require_integer_array("repeat", 2);
  for (const auto v : r) {
    if (v < 1) {
      throw t.error_at("repeat", "'repeat' must be two positive integers (got [" + std::to_string(r[0]) + ", " +
                                     std::to_string(r[1]) + "])",
                       "the number of cells along a and b, e.g. repeat = [4, 4]");
    }
    if (v > 10000) {
      throw t.error_at("repeat", "'repeat' is too large (got [" + std::to_string(r[0]) + ", " + std::to_string(r[1]) +
                                     "]; at most 10000 cells along each axis)",
                       "the number of cells along a and b, e.g. repeat = [4, 4]");
    }
  }
  return {static_cast<int>(r[0]), static_cast<int>(r[1])};
}

int read_layers(const ConfigTable& t, int fallback) {
  const auto n = t.integer_or("layers", fallback);
  if (n < 1) {
    throw t.error_at("layers", "'layers' must be a positive number of layers (got " + std::to_string(n) + ")",
                     "e.g. layers = 4");
  }
  if (n > 10000) {
    throw t.error_at("layers", "'layers' is too large (got " + std::to_string(n) + "; at most 10000)", "e.g. layers = 4");
  }
  return static_cast<int>(n);
}

PlaneCellShape read_cell(const ConfigTable& t, std::string_view fallback) {
  return t.choice_or("cell", {"hexagonal", "orthogonal"}, fallback) == "orthogonal" ? PlaneCellShape::orthogonal
                                                                                   : PlaneCellShape::hexagonal;
}

GraphiteParams read_graphite(const ConfigTable& t, bool graphene) {
  GraphiteParams p;
  std::tie(p.repeat_a, p.repeat_b) = read_repeat(t);
  p.bond_length = t.quantity_or("bond_length", Dimension::length, "1.42 A", Sign::positive);
  if (t.has("edge")) {
    p.edge = t.require_choice("edge", {"armchair", "zigzag"}) == "zigzag" ? EdgeType::zigzag : EdgeType::armchair;
    p.edge_vacuum = t.quantity_or("edge_vacuum", Dimension::length, "15 A", Sign::positive);
  } else if (t.has("edge_vacuum")) {
    throw t.error_at("edge_vacuum", "'edge_vacuum' needs 'edge' (the vacuum along x of an edge geometry)",
                     "add edge = \"armchair\" or \"zigzag\", or remove edge_vacuum");
  }
  p.cell = read_cell(t, p.edge ? "orthogonal" : "hexagonal");
  if (graphene) {
    for (const char* key : {"layers", "stacking", "phase", "spacing", "lithiated_spacing"}) {
      if (t.has(key)) {
        throw t.error_at(key, std::string("builder \"graphene\" is a single sheet and takes no '") + key + "'",
                         "use builder = \"graphite\" for several layers");
      }
    }
    p.stacking = "A";
    p.num_layers = 1;
    p.vacuum = t.quantity_or("vacuum", Dimension::length, "15 A", Sign::positive);
    return p;
  }
  const std::string phase = t.choice_or("phase", {"C", "LiC6", "LiC12"}, "C");
  p.phase = phase == "LiC6" ? GraphitePhase::lic6 : phase == "LiC12" ? GraphitePhase::lic12 : GraphitePhase::carbon;
  p.stacking = t.string_or("stacking", p.phase == GraphitePhase::carbon ? "AB" : "AA");
  if (p.stacking.empty() || p.stacking.find_first_not_of("ABC") != std::string::npos) {
    throw t.error_at("stacking", "'stacking' must be a sequence of the letters A, B and C (got \"" + p.stacking + "\")",
                     "e.g. \"AB\" (Bernal), \"AA\", \"ABC\" (rhombohedral) or \"ABAC\"");
  }
  const int default_layers = p.phase == GraphitePhase::lic6    ? 1
                             : p.phase == GraphitePhase::lic12 ? 2
                                                               : static_cast<int>(p.stacking.size());
  p.num_layers = read_layers(t, default_layers);
  if (p.phase == GraphitePhase::lic6 && t.has("spacing")) {
    throw t.error_at("spacing", "LiC6 has Li in every gallery, so it has no empty-gallery 'spacing'",
                     "set the Li-filled interlayer distance with lithiated_spacing = \"3.70 A\"");
  }
  if (p.phase == GraphitePhase::carbon && t.has("lithiated_spacing")) {
    throw t.error_at("lithiated_spacing", "'lithiated_spacing' applies to phase = \"LiC6\" or \"LiC12\" only",
                     "pristine graphite uses spacing = \"3.35 A\"");
  }
  p.spacing = t.quantity_or("spacing", Dimension::length, "3.35 A", Sign::positive);
  p.lithiated_spacing = t.quantity_or("lithiated_spacing", Dimension::length, "3.70 A", Sign::positive);
  p.vacuum = t.optional_quantity("vacuum", Dimension::length, Sign::positive);
  return p;
}

LayeredOxideParams read_oxide(const ConfigTable& t) {
  LayeredOxideParams p;
  const std::string composition = t.require_string("composition");
  try {
    p.composition = parse_composition(composition);
  } catch (const InputError& e) {
    throw t.error_at("composition", e.message(), e.hint());
  }
  p.ion_z = t.choice_or("ion", {"Li", "Na"}, "Li") == "Na" ? 11 : 3;
  const std::string polytype = t.choice_or("polytype", {"O3", "O1", "P2"}, "O3");
  p.polytype = polytype == "O1" ? Polytype::o1 : polytype == "P2" ? Polytype::p2 : Polytype::o3;
  p.x = t.number_or("x", 1.0);
  if (!(p.x >= 0.0 && p.x <= 1.0)) {
    throw t.error_at("x", "'x' must lie in [0, 1] (got " + core::format_double(p.x) + ")",
                     "x is the fraction of the ion sites occupied: 1 for LiCoO2, 0.5 for Li0.5CoO2");
  }
  std::tie(p.repeat_a, p.repeat_b) = read_repeat(t);
  p.num_layers = read_layers(t, slabs_per_cell(p.polytype));
  p.cell = read_cell(t, "hexagonal");
  p.vacuum = t.optional_quantity("vacuum", Dimension::length, Sign::positive);
  p.ordering = t.choice_or("ordering", {"random", "sqrt3"}, "random") == "sqrt3" ? MetalOrdering::sqrt3 : MetalOrdering::random;
  const auto a = t.optional_quantity("a", Dimension::length, Sign::positive);
  const auto c = t.optional_quantity("c", Dimension::length, Sign::positive);
  const auto d = t.optional_quantity("metal_oxygen_distance", Dimension::length, Sign::positive);
  const auto defaults = default_oxide_lattice(p.ion_z, p.polytype, p.composition);
  if (!defaults && (!a || !c || !d)) {
    std::string missing;
    for (const auto& [key, value] : {std::pair<const char*, bool>{"a", a.has_value()}, {"c", c.has_value()},
                                     {"metal_oxygen_distance", d.has_value()}}) {
      if (!value) missing += std::string(missing.empty() ? "" : ", ") + key;
    }
    throw t.error_at("composition", "ioncycle has no default lattice for " + polytype + " " +
                                        std::string(p.ion_z == 3 ? "Li" : "Na") + "(" + composition + ")O2; give " +
                                        missing,
                     "e.g. a = \"2.87 A\", c = \"14.2 A\" (conventional hexagonal cell), "
                     "metal_oxygen_distance = \"1.95 A\"; see docs/builders.md for the tabulated compounds");
  }
  p.lattice.a = a ? *a : defaults->a;
  p.lattice.c = c ? *c : defaults->c;
  p.lattice.metal_oxygen = d ? *d : defaults->metal_oxygen;
  p.lattice.source = defaults ? defaults->source : "given";
  if (a || c || d) p.lattice.source = defaults ? "given, defaults from " + defaults->source : "given";
  return p;
}

std::optional<core::Vec3> read_shift(const ConfigTable& t) {
  if (!t.has("shift")) return std::nullopt;
  const auto parts = t.require_string_array("shift");
  if (parts.size() != 2) {
    throw t.error_at("shift", "'shift' must hold two lengths, its x and y components (got " +
                                  std::to_string(parts.size()) + ")",
                     "e.g. shift = [\"0 A\", \"1.42 A\"]");
  }
  core::Vec3 v = core::Vec3::Zero();
  for (std::size_t k = 0; k < 2; ++k) {
    try {
      v[static_cast<Eigen::Index>(k)] = units::parse_quantity(parts[k], Dimension::length);
    } catch (const InputError& e) {
      throw t.error_at("shift", e.message(), e.hint());
    }
  }
  return v;
}

}  // namespace

std::string_view to_string(HostBuilder builder) {
  switch (builder) {
    case HostBuilder::graphite: return "graphite";
    case HostBuilder::graphene: return "graphene";
    case HostBuilder::layered_oxide: return "layered_oxide";
  }
  return "?";
}

bool names_builder(const ConfigTable& structure) { return structure.has("builder"); }

HostSpec read_host_spec(const ConfigTable& structure) {
  HostSpec spec;
  const std::string builder = structure.require_choice("builder", {"graphite", "graphene", "layered_oxide"});
  if (builder == "layered_oxide") {
    spec.builder = HostBuilder::layered_oxide;
    spec.oxide = read_oxide(structure);
  } else {
    spec.builder = builder == "graphene" ? HostBuilder::graphene : HostBuilder::graphite;
    spec.graphite = read_graphite(structure, spec.builder == HostBuilder::graphene);
  }
  return spec;
}

core::System build_host(const HostSpec& spec, std::uint64_t seed, const ConfigTable& structure) {
  try {
    if (spec.builder == HostBuilder::layered_oxide) return build_layered_oxide(spec.oxide, seed);
    return build_graphite(spec.graphite);
  } catch (const RequestError& e) {
    throw structure.error_at(e.key(), e.message(), e.hint());
  }
}

FaultSpec read_fault(const ConfigTable& t) {
  FaultSpec spec{StackingFault{}, t};
  StackingFault& f = spec.fault;
  // A misspelt key is the likeliest cause of any later complaint: report it first.
  for (const char* key : {"type", "above_layer", "layer", "to", "shift", "band", "tilt_cell"}) (void)t.has(key);
  t.reject_unknown_keys();
  if (t.has("type")) {
    const std::string type = t.require_string("type");
    if (type != "stacking_fault") {
      throw t.error_at("type", "a fault table has type = \"stacking_fault\" (got \"" + type + "\")",
                       "remove 'type' in [[structure.fault]]");
    }
  }
  const auto above = t.optional_integer("above_layer", Sign::non_negative);
  const auto single = t.optional_integer("layer", Sign::non_negative);
  if (above.has_value() == single.has_value()) {
    throw t.error_at(above ? "layer" : "above_layer",
                     above ? "give either 'above_layer' (shift every layer above it) or 'layer' (shift one layer), "
                             "not both"
                           : "the fault needs 'above_layer' (shift every layer above it) or 'layer' (shift one layer)",
                     "layers are numbered from 0 at the bottom, e.g. above_layer = 1");
  }
  f.block = above.has_value();
  f.first_layer = static_cast<int>(above ? *above + 1 : *single);
  if (const auto to = t.optional_string("to")) {
    f.registry = parse_registry_request(*to);
    if (!f.registry) {
      throw t.error_at("to", "unknown registry '" + *to + "'",
                       core::did_you_mean(*to, kRegistryNames).empty()
                           ? "graphite: \"AA\", \"AB\", \"ABC\"; layered oxides: \"O1\", \"O3\"; optionally with the "
                             "registry before, as in \"AB->AA\""
                           : core::did_you_mean(*to, kRegistryNames) +
                                 " (graphite: AA, AB, ABC; layered oxides: O1, O3)");
    }
  }
  f.shift = read_shift(t);
  if (f.registry.has_value() == f.shift.has_value()) {
    throw t.error_at(f.shift ? "shift" : "to",
                     f.shift ? "give either 'to' (a registry) or 'shift' (a vector), not both"
                             : "the fault needs 'to' (a registry such as \"AA\") or 'shift' (an in-plane vector)",
                     "e.g. to = \"AA\" or shift = [\"0 A\", \"1.42 A\"]");
  }
  if (const auto band = t.optional_table("band")) {
    Band b;
    b.axis = band->require_choice("axis", {"a", "b"}) == "b" ? 1 : 0;
    b.from = band->require_number("from");
    b.to = band->require_number("to");
    band->reject_unknown_keys();
    if (!(b.from >= 0.0 && b.to <= 1.0 && b.from < b.to)) {
      throw band->error_at("from", "the band [" + core::format_double(b.from) + ", " + core::format_double(b.to) +
                                       ") must satisfy 0 <= from < to <= 1 (fractional coordinates along " +
                                       (b.axis == 0 ? "a" : "b") + ")",
                           "e.g. band = { axis = \"a\", from = 0.25, to = 0.75 }");
    }
    f.band = b;
  }
  if (t.has("tilt_cell")) f.tilt_cell = t.require_bool("tilt_cell");
  return spec;
}

std::vector<FaultSpec> read_faults(const ConfigTable& structure) {
  std::vector<FaultSpec> out;
  for (const auto& t : structure.table_array("fault")) out.push_back(read_fault(t));
  return out;
}

std::vector<FaultOutcome> apply_faults(core::System& system, const std::vector<FaultSpec>& faults) {
  std::vector<FaultOutcome> out;
  for (const auto& f : faults) {
    try {
      out.push_back(apply_stacking_fault(system, f.fault));
    } catch (const RequestError& e) {
      throw f.table.error_at(e.key(), e.message(), e.hint());
    }
  }
  return out;
}

}  // namespace ioncycle::defects
