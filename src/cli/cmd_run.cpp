// SPDX-License-Identifier: MIT
//
// `ioncycle run PROTOCOL.toml`. This version validates the run file, reads the host structure,
// loads the model and checks that it knows every element, and writes the run directory with the
// input, the resolved settings, the initial structure and a summary. Molecular dynamics and the
// cycling protocol ([md], [ion], [protocol]) are not implemented yet; a run file that uses them is
// told so at the offending table, before anything is written.
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <unistd.h>

#include "cli/commands.hpp"
#include "cli/threads.hpp"
#include "cli/describe.hpp"
#include "cli/run_directory.hpp"
#include "cli/structure_table.hpp"
#include "core/config.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/structure_io.hpp"
#include "potentials/potential_factory.hpp"

namespace ioncycle::cli {

namespace fs = std::filesystem;

namespace {

// Tables of the protocol file (DESIGN.md) that this version does not run yet.
const std::set<std::string> kNotYetSupported = {"md", "ion", "protocol"};

struct RunSettings {
  std::string name;
  std::int64_t seed = 1;
  LoadedStructure structure;
  std::string potential_toml;  ///< the [potential] table as written
  std::string base_dir;        ///< directory of the run file (relative paths in [potential])
  std::string output_dir;
};

RunSettings read_settings(const core::ConfigTable& root, const std::string& toml_path) {
  for (const auto& key : root.keys()) {
    if (kNotYetSupported.count(key)) {
      throw root.error_at(key, "[" + key + "] is not supported by this version of ioncycle yet",
                          "this version prepares a run (structure, model, run directory); remove [" + key +
                              "] to use it");
    }
  }
  RunSettings s;
  const auto run = root.require_table("run");
  s.name = run.require_string("name");
  if (s.name.empty() || s.name.find('/') != std::string::npos) {
    throw run.error_at("name", "'name' must be a non-empty name without '/' (got \"" + s.name + "\")",
                       "e.g. name = \"graphite-3-cycles\"");
  }
  s.seed = run.integer_or("seed", 1, core::Sign::non_negative);
  const bool has_seed = run.has("seed");
  run.reject_unknown_keys();

  const fs::path base = fs::path(toml_path).parent_path();
  s.structure = load_structure(root.require_table("structure"), base,
                               has_seed ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(s.seed)) : std::nullopt);

  // [potential] is read (and every key checked) when the potential is built, in run_run.
  s.potential_toml = root.require_table("potential").to_toml_document();
  s.base_dir = fs::absolute(base).lexically_normal().string();

  const auto output = root.optional_table("output");
  s.output_dir = "runs/" + s.name;
  if (output) {
    s.output_dir = output->string_or("directory", s.output_dir);
    output->reject_unknown_keys();
  }
  root.reject_unknown_keys();
  return s;
}

std::string resolved_toml(const RunSettings& s) {
  std::ostringstream t;
  auto q = [](const std::string& v) { return nlohmann::json(v).dump(); };  // TOML basic string
  t << "# Every setting of this run with defaults filled in (written by ioncycle "
    << IONCYCLE_VERSION << ").\n";
  t << "[run]\nname = " << q(s.name) << "\nseed = " << s.seed << "\n\n";
  t << s.structure.resolved_toml << "\n";
  t << "# [potential] as written; its relative paths are relative to " << s.base_dir << "\n";
  t << s.potential_toml << "\n\n";
  t << "[output]\ndirectory = " << q(s.output_dir) << "\n";
  return t.str();
}

}  // namespace

CommandSpec run_spec() {
  return {"run", "PROTOCOL.toml",
          "run a protocol file: structure, potential, and (in later versions) MD and cycling",
          "This version validates the whole file, reads the structure, loads the model and checks\n"
          "it supports every element, and writes the run directory (input.toml, resolved.toml,\n"
          "initial.extxyz, summary.json, log.txt). [md], [ion] and [protocol] are not supported\n"
          "yet. The run directory is [output] directory (default runs/<run.name>); if it exists,\n"
          "-2, -3, ... is appended so no earlier run is overwritten.",
          {{"check", "", "validate the file, structure and model, then exit without writing"},
           {"output", "DIR", "run directory (overrides [output] directory)"},
           {"threads", "N", "OpenMP and libtorch threads (default: OMP_NUM_THREADS or all cores)"}},
          1, 1};
}

int run_run(const ParsedArgs& args, const Context& ctx) {
  apply_thread_option(args);
  const std::string& toml_path = args.positional[0];
  const auto root = core::ConfigTable::parse_file(toml_path);
  RunSettings s = read_settings(root, toml_path);
  if (auto o = args.value("output")) s.output_dir = *o;

  io::Frame& frame = s.structure.frame;

  const auto structure_table = root.require_table("structure");
  const auto potential_table = root.require_table("potential");
  std::vector<int> zs(frame.system.atomic_numbers().begin(), frame.system.atomic_numbers().end());
  // The same [potential] table as `ioncycle md` (spec, model or type; see docs/protocols.md):
  // building it loads every model, so a bad file is found now, located at its key.
  const auto potential = potentials::make_potential(potential_table, s.base_dir, zs);
  std::set<std::string> missing;
  for (const int z : zs) {
    if (!potential->supports(z)) missing.insert(std::string(core::symbol(z)));
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw structure_table.error_at("file", "the structure contains " + list + ", which the potential '" +
                                               potential->name() + "' does not support",
                                   "it supports: " + potential->supported_species());
  }

  std::ostringstream log;
  describe_structure(log, frame, structure_label(s.structure));
  for (const auto& line : s.structure.applied) log << line << "\n";
  log << "potential   " << potential->name() << " (cutoff " << potential->cutoff() << " Å)\n";
  log << "seed        " << s.seed << "\n";

  if (args.flag("check")) {
    ctx.out << log.str() << "ok: " << toml_path << " is valid\n";
    return 0;
  }

  // Build the run directory under a temporary name and rename it into place: a failure half way
  // leaves no directory that looks like a complete run.
  const std::string dir = fresh_directory(s.output_dir);
  const fs::path final_dir(dir);
  if (final_dir.has_parent_path()) fs::create_directories(final_dir.parent_path());
  const fs::path tmp_dir = final_dir.parent_path() /
                           ("." + final_dir.filename().string() + ".partial." + std::to_string(::getpid()));
  fs::remove_all(tmp_dir);
  fs::create_directories(tmp_dir);
  try {
    fs::copy_file(toml_path, tmp_dir / "input.toml");
    io::write_file_atomically((tmp_dir / "resolved.toml").string(), [&](std::ostream& o) { o << resolved_toml(s); });
    io::write_structure((tmp_dir / "initial.extxyz").string(), frame, io::Format::extxyz);
    nlohmann::json summary;
    summary["ioncycle_version"] = IONCYCLE_VERSION;
    summary["run"] = {{"name", s.name}, {"seed", s.seed}};
    summary["structure"] = structure_json(frame);
    summary["structure"]["path"] = s.structure.path;
    summary["potential"] = {{"name", potential->name()},
                            {"cutoff_A", potential->cutoff()},
                            {"table", s.potential_toml}};
    summary["stages_run"] = {"validate", "structure", "model"};
    summary["stages_not_available"] = {"md", "protocol", "analysis"};
    io::write_file_atomically((tmp_dir / "summary.json").string(),
                              [&](std::ostream& o) { o << std::setw(2) << summary << "\n"; });
    log << "run dir     " << dir << "\n";
    io::write_file_atomically((tmp_dir / "log.txt").string(), [&](std::ostream& o) { o << log.str(); });
    fs::rename(tmp_dir, final_dir);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(tmp_dir, ignored);
    throw;
  }
  ctx.out << log.str();
  ctx.out << "wrote       input.toml, resolved.toml, initial.extxyz, summary.json, log.txt\n";
  ctx.out << "note        this version prepares and checks the run; molecular dynamics and the\n"
             "            cycling protocol are not implemented yet\n";
  return 0;
}

}  // namespace ioncycle::cli
