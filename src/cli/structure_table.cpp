// SPDX-License-Identifier: MIT
#include "cli/structure_table.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/frame_select.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/geometry.hpp"
#include "core/strings.hpp"
#include "defects/defect_record.hpp"
#include "defects/defect_spec.hpp"
#include "defects/host_spec.hpp"

namespace ioncycle::cli {

namespace fs = std::filesystem;

namespace {

std::string repeat_text(int a, int b) { return std::to_string(a) + "x" + std::to_string(b); }

std::string cell_text(defects::PlaneCellShape c) {
  return c == defects::PlaneCellShape::orthogonal ? "orthogonal" : "hexagonal";
}

std::string composition_text(const std::vector<defects::MetalFraction>& composition) {
  std::string s;
  for (const auto& m : composition) {
    s += core::symbol(m.z);
    if (composition.size() > 1 || m.fraction != 1.0) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6g", m.fraction);
      s += buf;
    }
  }
  return s;
}

// The builder's parameters as recorded in the output (docs/formats.md).
nlohmann::json builder_json(const defects::HostSpec& spec, std::uint64_t seed) {
  nlohmann::json j;
  j["builder"] = std::string(defects::to_string(spec.builder));
  if (spec.builder == defects::HostBuilder::layered_oxide) {
    const auto& p = spec.oxide;
    j["ion"] = std::string(core::symbol(p.ion_z));
    j["composition"] = composition_text(p.composition);
    j["polytype"] = std::string(defects::to_string(p.polytype));
    j["x"] = p.x;
    j["ordering"] = p.ordering == defects::MetalOrdering::sqrt3 ? "sqrt3" : "random";
    j["repeat"] = {p.repeat_a, p.repeat_b};
    j["layers"] = p.num_layers;
    j["cell"] = cell_text(p.cell);
    if (p.vacuum) j["vacuum_A"] = *p.vacuum;
    j["a_A"] = p.lattice.a;
    j["c_A"] = p.lattice.c;
    j["metal_oxygen_distance_A"] = p.lattice.metal_oxygen;
    j["lattice_source"] = p.lattice.source;
  } else {
    const auto& p = spec.graphite;
    if (spec.builder == defects::HostBuilder::graphite) {
      j["phase"] = p.phase == defects::GraphitePhase::lic6    ? "LiC6"
                   : p.phase == defects::GraphitePhase::lic12 ? "LiC12"
                                                              : "C";
      j["stacking"] = p.stacking;
      j["layers"] = p.num_layers;
    }
    j["repeat"] = {p.repeat_a, p.repeat_b};
    j["bond_length_A"] = p.bond_length;
    if (p.phase != defects::GraphitePhase::lic6) j["spacing_A"] = p.spacing;
    if (p.phase != defects::GraphitePhase::carbon) j["lithiated_spacing_A"] = p.lithiated_spacing;
    j["cell"] = cell_text(p.cell);
    if (p.vacuum) j["vacuum_A"] = *p.vacuum;
    if (p.edge) {
      j["edge"] = *p.edge == defects::EdgeType::zigzag ? "zigzag" : "armchair";
      j["edge_vacuum_A"] = p.edge_vacuum;
    }
  }
  j["seed"] = seed;
  return j;
}

std::string builder_summary(const defects::HostSpec& spec) {
  if (spec.builder == defects::HostBuilder::layered_oxide) {
    const auto& p = spec.oxide;
    return "layered_oxide " + std::string(defects::to_string(p.polytype)) + " " + std::string(core::symbol(p.ion_z)) +
           (p.x == 1.0 ? "" : core::format_double(p.x)) + "(" + composition_text(p.composition) + ")O2, " +
           repeat_text(p.repeat_a, p.repeat_b) + " " + cell_text(p.cell) + ", " + std::to_string(p.num_layers) +
           " slabs" + (p.vacuum ? ", slab with vacuum" : "");
  }
  const auto& p = spec.graphite;
  if (spec.builder == defects::HostBuilder::graphene) {
    return "graphene, " + repeat_text(p.repeat_a, p.repeat_b) + " " + cell_text(p.cell) +
           (p.edge ? std::string(", ") + (*p.edge == defects::EdgeType::zigzag ? "zigzag" : "armchair") + " edges" : "");
  }
  const std::string phase = p.phase == defects::GraphitePhase::lic6    ? "LiC6"
                            : p.phase == defects::GraphitePhase::lic12 ? "LiC12"
                                                                       : p.stacking;
  return "graphite " + phase + ", " + repeat_text(p.repeat_a, p.repeat_b) + " " + cell_text(p.cell) + ", " +
         std::to_string(p.num_layers) + " layers" + (p.vacuum ? ", slab with vacuum" : "") +
         (p.edge ? std::string(", ") + (*p.edge == defects::EdgeType::zigzag ? "zigzag" : "armchair") + " edges" : "");
}

std::string vec_text(const core::Vec3& v) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "(%.3f, %.3f, %.3f)", v[0], v[1], v[2]);
  return buf;
}

std::string quoted(const std::string& v) { return nlohmann::json(v).dump(); }
std::string length_value(double x) { return quoted(core::format_double(x) + " A"); }

// The builder's keys with every default filled in, as TOML lines.
std::string builder_toml(const defects::HostSpec& spec, const std::string& composition) {
  std::ostringstream t;
  t << "builder = " << quoted(std::string(defects::to_string(spec.builder))) << "\n";
  auto repeat = [&](int a, int b) { t << "repeat = [" << a << ", " << b << "]\n"; };
  if (spec.builder == defects::HostBuilder::layered_oxide) {
    const auto& p = spec.oxide;
    t << "composition = " << quoted(composition) << "\n";
    t << "ion = " << quoted(std::string(core::symbol(p.ion_z))) << "\n";
    t << "polytype = " << quoted(std::string(defects::to_string(p.polytype))) << "\n";
    t << "x = " << core::format_double(p.x) << "\n";
    t << "ordering = " << quoted(p.ordering == defects::MetalOrdering::sqrt3 ? "sqrt3" : "random") << "\n";
    repeat(p.repeat_a, p.repeat_b);
    t << "layers = " << p.num_layers << "\n";
    t << "cell = " << quoted(cell_text(p.cell)) << "\n";
    if (p.vacuum) t << "vacuum = " << length_value(*p.vacuum) << "\n";
    t << "a = " << length_value(p.lattice.a) << "\n";
    t << "c = " << length_value(p.lattice.c) << "\n";
    t << "metal_oxygen_distance = " << length_value(p.lattice.metal_oxygen) << "\n";
    return t.str();
  }
  const auto& p = spec.graphite;
  if (spec.builder == defects::HostBuilder::graphite) {
    t << "phase = "
      << quoted(p.phase == defects::GraphitePhase::lic6    ? "LiC6"
                : p.phase == defects::GraphitePhase::lic12 ? "LiC12"
                                                           : "C")
      << "\n";
    t << "stacking = " << quoted(p.stacking) << "\n";
    t << "layers = " << p.num_layers << "\n";
    if (p.phase != defects::GraphitePhase::lic6) t << "spacing = " << length_value(p.spacing) << "\n";
    if (p.phase != defects::GraphitePhase::carbon) t << "lithiated_spacing = " << length_value(p.lithiated_spacing) << "\n";
  }
  repeat(p.repeat_a, p.repeat_b);
  t << "bond_length = " << length_value(p.bond_length) << "\n";
  t << "cell = " << quoted(cell_text(p.cell)) << "\n";
  if (p.vacuum) t << "vacuum = " << length_value(*p.vacuum) << "\n";
  if (p.edge) {
    t << "edge = " << quoted(*p.edge == defects::EdgeType::zigzag ? "zigzag" : "armchair") << "\n";
    t << "edge_vacuum = " << length_value(p.edge_vacuum) << "\n";
  }
  return t.str();
}

// The [structure] table as TOML for resolved.toml: `head` first (its top-level keys with
// resolved values), then the table's sub-tables (faults, defects) renamed under [structure].
std::string resolved_section(const core::ConfigTable& structure, const std::string& head) {
  std::ostringstream out;
  out << "[structure]\n" << head;
  std::istringstream in(structure.to_toml());
  std::string line;
  bool in_subtable = false;
  while (std::getline(in, line)) {
    const auto t = core::trim(line);
    if (!t.empty() && t.front() == '[' && !in_subtable) {
      // First sub-table header; keys after it belong to sub-tables.
      in_subtable = true;
    }
    if (!t.empty() && t.front() == '[' && (t.rfind("[[", 0) == 0 || t.find('=') == std::string_view::npos)) {
      const bool array = t.rfind("[[", 0) == 0;
      const auto name = t.substr(array ? 2 : 1);
      out << (array ? "\n[[structure." : "\n[structure.") << name << "\n";
      continue;
    }
    if (!in_subtable) continue;  // top-level keys: `head` has them, resolved
    out << line << "\n";
  }
  return out.str();
}

}  // namespace

LoadedStructure load_structure(const core::ConfigTable& structure, const fs::path& base_dir,
                               std::optional<std::uint64_t> run_seed) {
  LoadedStructure s;
  if (structure.has("seed")) {
    const auto seed = structure.require_integer("seed", core::Sign::non_negative);
    if (run_seed) {
      throw structure.error_at("seed", "[structure] seed = " + std::to_string(seed) + " conflicts with the [run] seed (" +
                                           std::to_string(*run_seed) + ")",
                               "a run file has one seed, in [run]; remove 'seed' from [structure]");
    }
    s.seed = static_cast<std::uint64_t>(seed);
  } else {
    s.seed = run_seed.value_or(1);
  }
  const bool has_file = structure.has("file");
  const bool has_builder = defects::names_builder(structure);
  if (has_file == has_builder) {
    throw structure.error_at(has_file ? "builder" : "file",
                             has_file ? "[structure] takes either 'file' or 'builder', not both"
                                      : "[structure] needs 'file' (a structure file) or 'builder'",
                             "e.g. file = \"host.extxyz\", or builder = \"graphite\" (see docs/builders.md)");
  }
  // The point defects are read by apply_defects() below; mark their key as known so that a
  // misspelt key is reported before anything is built.
  (void)structure.has("defect");
  std::optional<defects::HostSpec> spec;
  std::string given;
  if (has_builder) {
    spec = defects::read_host_spec(structure);
    s.builder = std::string(defects::to_string(spec->builder));
  } else {
    given = structure.require_string("file");
    s.format_name = structure.optional_string("format");
    s.frame_index = structure.integer_or("frame", -1);
  }
  const auto faults = defects::read_faults(structure);
  structure.reject_unknown_keys();

  if (spec) {
    s.frame.system = defects::build_host(*spec, s.seed, structure);
    s.frame.info["builder"] = builder_json(*spec, s.seed).dump();
    s.applied.push_back("builder     " + builder_summary(*spec) + " -> " + core::chemical_formula(s.frame.system) +
                        ", " + std::to_string(s.frame.system.num_atoms()) + " atoms");
  } else {
    const fs::path g(given);
    s.path = (g.is_absolute() ? g : base_dir / g).lexically_normal().string();
    std::error_code ec;
    if (fs::is_directory(s.path, ec)) {
      throw structure.error_at("file", "structure file '" + given + "' is a directory (" + s.path + ")",
                               "give the path of a structure file inside it (extxyz, POSCAR, LAMMPS data, H5MD)");
    }
    if (!fs::is_regular_file(s.path, ec)) {
      throw structure.error_at("file", "structure file '" + given + "' not found (looked for " + s.path + ")",
                               "paths are relative to the directory of the configuration file");
    }
    try {
      s.format = s.format_name ? io::parse_format_name(*s.format_name) : io::guess_format(s.path);
    } catch (const InputError& e) {
      throw structure.error_at(s.format_name ? "format" : "file", e.message(), e.hint());
    }
    auto frames = io::read_frames(s.path, s.format);
    std::size_t chosen = 0;
    try {
      chosen = select_frame(frames, std::to_string(s.frame_index), s.path);
      s.frame = std::move(frames[chosen]);
    } catch (const InputError& e) {
      throw structure.error_at("frame", e.message(), e.hint());
    }
    if (s.frame.system.num_atoms() == 0) {
      throw structure.error_at("file", "structure file '" + given + "' holds no atoms (frame " +
                                           std::to_string(chosen) + ")",
                               "a run needs a host structure; check that the file was written completely");
    }
  }

  // Faults and defects work on a copy, so a failure leaves nothing half applied.
  core::System work = s.frame.system;
  std::vector<defects::DefectRecord> records;
  for (const auto& outcome : defects::apply_faults(work, faults)) {
    records.push_back(outcome.record);
    s.applied.push_back("fault       layer" + std::string(outcome.layers.size() > 1 ? "s " : " ") +
                        std::to_string(outcome.layers.front()) +
                        (outcome.layers.size() > 1 ? "-" + std::to_string(outcome.layers.back()) : "") +
                        " shifted by " + vec_text(outcome.shift) + " Å, " + std::to_string(outcome.num_moved) +
                        " atoms; stacking " + outcome.sequence_before + " -> " + outcome.sequence_after +
                        (outcome.tilted ? " (c tilted by the shift)" : "") +
                        (outcome.num_removed > 0 ? "; " + std::to_string(outcome.num_removed) +
                                                       " atoms removed where the band's edge clashed"
                                                 : ""));
  }
  // [[structure.defect]] tables with type = "stacking_fault" are faults too.
  const std::vector<defects::ExternalDefectType> external = {
      {"stacking_fault", [](const core::ConfigTable& table) -> defects::DefectApplier {
         const defects::FaultSpec fault = defects::read_fault(table);
         return [fault](core::System& system, core::Rng&) {
           const auto outcomes = defects::apply_faults(system, {fault});
           return std::vector<defects::DefectRecord>{outcomes.front().record};
         };
       }}};
  const auto point = defects::apply_defects(work, structure, s.seed, external);
  for (const auto& r : point) s.applied.push_back("defect      " + defects::format_defect_record(r));
  records.insert(records.end(), point.begin(), point.end());
  s.frame.system = std::move(work);
  defects::record_defects(s.frame, records);
  if (spec || !records.empty()) s.frame.info["build_seed"] = static_cast<std::int64_t>(s.seed);

  // The seed goes into [structure] only when it does not come from [run] (which resolved.toml
  // repeats), so that the resolved file builds the same structure again.
  const std::string seed_line = run_seed ? std::string() : "seed = " + std::to_string(s.seed) + "\n";
  if (spec) {
    s.resolved_toml = resolved_section(structure, builder_toml(*spec, structure.string_or("composition", "")) + seed_line);
  } else {
    const std::string head = "file = " + quoted(fs::absolute(s.path).lexically_normal().string()) + "\nformat = " +
                             quoted(std::string(io::format_name(s.format))) + "\nframe = " +
                             std::to_string(s.frame_index) + "\n" + (records.empty() ? "" : seed_line);
    s.resolved_toml = resolved_section(structure, head);
  }
  return s;
}

std::string structure_label(const LoadedStructure& s) {
  if (s.builder) return "built by " + *s.builder + " (seed " + std::to_string(s.seed) + ")";
  return s.path + " (" + std::string(io::format_name(s.format)) + ")";
}

}  // namespace ioncycle::cli
