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
#include "cli/describe.hpp"
#include "cli/paths.hpp"
#include "cli/run_directory.hpp"
#include "cli/structure_table.hpp"
#include "core/config.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/structure_io.hpp"
#include "potentials/model_file.hpp"

namespace ioncycle::cli {

namespace fs = std::filesystem;

namespace {

// Tables of the protocol file (DESIGN.md) that this version does not run yet.
const std::set<std::string> kNotYetSupported = {"md", "ion", "protocol"};

struct RunSettings {
  std::string name;
  std::int64_t seed = 1;
  LoadedStructure structure;
  std::string model_spec;
  std::string model_path;
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
  run.reject_unknown_keys();

  const fs::path base = fs::path(toml_path).parent_path();
  s.structure = load_structure(root.require_table("structure"), base);

  const auto potential = root.require_table("potential");
  s.model_spec = potential.string_or("model", "default");
  potential.reject_unknown_keys();
  if (s.model_spec != "default") {
    const fs::path m(s.model_spec);
    s.model_path = (m.is_absolute() ? m : base / m).lexically_normal().string();
  } else {
    s.model_path = resolve_model_path("default");
  }

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
  t << "[structure]\nfile = " << q(fs::absolute(s.structure.path).lexically_normal().string()) << "\n";
  t << "format = " << q(std::string(io::format_name(s.structure.format))) << "\n";
  t << "frame = " << s.structure.frame_index << "\n\n";
  t << "[potential]\nmodel = " << q(fs::absolute(s.model_path).lexically_normal().string()) << "\n\n";
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
           {"output", "DIR", "run directory (overrides [output] directory)"}},
          1, 1};
}

int run_run(const ParsedArgs& args, const Context& ctx) {
  const std::string& toml_path = args.positional[0];
  const auto root = core::ConfigTable::parse_file(toml_path);
  RunSettings s = read_settings(root, toml_path);
  if (auto o = args.value("output")) s.output_dir = *o;

  io::Frame& frame = s.structure.frame;

  const auto structure_table = root.require_table("structure");
  const auto potential_table = root.require_table("potential");
  potentials::ModelInfo model;
  try {
    model = potentials::inspect_model(s.model_path);
  } catch (const InputError& e) {
    throw potential_table.error_at("model", "model '" + s.model_spec + "' (" + s.model_path + "): " + e.message(),
                                   e.hint());
  }
  std::set<std::string> supported(model.elements.begin(), model.elements.end());
  std::set<std::string> missing;
  for (const int z : frame.system.atomic_numbers()) {
    const std::string sym(core::symbol(z));
    if (!supported.count(sym)) missing.insert(sym);
  }
  if (!missing.empty()) {
    std::string list, all;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    for (const auto& e : model.elements) all += (all.empty() ? "" : " ") + e;
    throw structure_table.error_at("file", "the structure contains " + list + ", which the model '" +
                                               s.model_spec + "' does not support",
                                   "the model supports: " + all);
  }

  std::ostringstream log;
  describe_structure(log, frame, structure_label(s.structure));
  log << "model       " << s.model_path << " (" << potentials::format_name(model.format) << ", "
      << model.elements.size() << " elements, cutoff " << model.cutoff << " Å, " << model.dtype << ")\n";
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
    summary["model"] = {{"path", model.path},
                        {"format", std::string(potentials::format_name(model.format))},
                        {"elements", model.elements},
                        {"cutoff_A", model.cutoff},
                        {"dtype", model.dtype}};
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
