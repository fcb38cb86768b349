// SPDX-License-Identifier: MIT
//
// `ioncycle build SPEC.toml -o OUT`: build a host (or read one), apply the stacking faults and
// point defects of [structure], and write the result with everything applied recorded in its
// metadata. The spec is the [structure] table of a run file (and an optional [run] for the
// seed), so a run file can be given as it is: its other tables are left for `ioncycle run`.
// Everything is validated and built in memory first; the output is written (atomically) only
// when all of it succeeded.
#include <filesystem>

#include "cli/commands.hpp"
#include "cli/structure_table.hpp"
#include "core/config.hpp"
#include "core/geometry.hpp"
#include "defects/stacking.hpp"
#include "io/structure_io.hpp"

namespace ioncycle::cli {

namespace fs = std::filesystem;

namespace {

// Tables of a run file that `build` leaves to the other commands.
constexpr std::string_view kOtherTables[] = {"potential", "md", "minimize", "ion", "protocol", "output"};

}  // namespace

CommandSpec build_spec() {
  return {"build", "SPEC.toml",
          "build a host structure with stacking faults and defects from a [structure] table",
          "SPEC.toml holds a [structure] table (builder = \"graphite\", \"graphene\" or\n"
          "\"layered_oxide\", or file = ...; [[structure.fault]] and [[structure.defect]] entries; see\n"
          "docs/builders.md) and optionally [run] seed. A run file works as it is. The seed is the\n"
          "[run] seed, else [structure] seed, else 1. Every builder, fault and defect applied is\n"
          "recorded in the output's metadata (extended XYZ info; docs/formats.md). Nothing is\n"
          "written unless the whole request succeeds.",
          {{"output", "OUT", "output structure file (required; format from the name or --format)", 'o'},
           {"format", "FMT", "output format (extxyz, poscar, lammps-data)"}},
          1, 1};
}

int run_build(const ParsedArgs& args, const Context& ctx) {
  const std::string& spec_path = args.positional[0];
  const auto out = args.value("output");
  if (!out) throw UsageError("missing -o/--output OUT", usage_text(build_spec()));
  // Decide the output format before building, so a bad name fails fast.
  const io::Format format = args.value("format") ? io::parse_format_name(*args.value("format")) : io::guess_format(*out);

  const auto root = core::ConfigTable::parse_file(spec_path);
  std::optional<std::uint64_t> run_seed;
  if (const auto run = root.optional_table("run")) {
    if (run->has("seed")) run_seed = static_cast<std::uint64_t>(run->require_integer("seed", core::Sign::non_negative));
    (void)run->has("name");
    run->reject_unknown_keys();
  }
  for (const auto key : kOtherTables) (void)root.has(key);
  const auto structure_table = root.require_table("structure");
  root.reject_unknown_keys();

  LoadedStructure s = load_structure(structure_table, fs::path(spec_path).parent_path(), run_seed);
  io::write_structure(*out, s.frame, format);

  for (const auto& line : s.applied) ctx.out << line << "\n";
  const auto& system = s.frame.system;
  try {
    const auto stacking = defects::analyze_stacking(system);
    if (!stacking.layers.empty()) {
      ctx.out << "layers      " << stacking.layers.size() << ", stacking " << stacking.sequence;
      if (!stacking.name.empty() && stacking.name != stacking.sequence) ctx.out << " (" << stacking.name << ")";
      ctx.out << "\n";
    }
  } catch (const InputError&) {
    // No lattice: nothing to say about layers.
  }
  ctx.out << "wrote       " << *out << " (" << io::format_name(format) << ", " << system.num_atoms() << " atoms, "
          << core::chemical_formula(system) << ")\n";
  if (format != io::Format::extxyz && format != io::Format::h5md) {
    ctx.out << "note        " << io::format_name(format)
            << " files keep no metadata; write extended XYZ to keep the record of builders and defects\n";
  }
  return 0;
}

}  // namespace ioncycle::cli
