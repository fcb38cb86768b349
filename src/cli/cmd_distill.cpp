// SPDX-License-Identifier: MIT
//
// `ioncycle distill SPEC.toml`: a NEP student for a chemical system from a teacher potential (the
// universal model by default) or from labelled files (docs/distill.md). This file reads and
// checks the spec, builds the hosts and the teacher, and hands over to distill::run_distill; the
// output directory is reused by a second call, which resumes where the first stopped.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/analyze_step.hpp"
#include "cli/commands.hpp"
#include "cli/structure_table.hpp"
#include "cli/tee_stream.hpp"
#include "cli/threads.hpp"
#include "core/config.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "distill/distill_run.hpp"
#include "io/atomic_file.hpp"
#include "io/structure_io.hpp"
#include "potentials/potential_factory.hpp"
#include "potentials/potential_spec.hpp"

namespace ioncycle::cli {

namespace fs = std::filesystem;
using units::Dimension;

namespace {

std::vector<double> quantity_array(const core::ConfigTable& t, const std::string& key, Dimension dim,
                                   const std::vector<double>& fallback) {
  if (!t.has(key)) return fallback;
  std::vector<double> out;
  for (const auto& text : t.require_string_array(key)) {
    try {
      const double v = units::parse_quantity(text, dim);
      if (!(v >= 0.0)) throw InputError("negative");
      out.push_back(v);
    } catch (const InputError&) {
      throw t.error_at(key, "'" + text + "' is not a non-negative " + std::string(units::dimension_name(dim)),
                       "e.g. " + std::string(units::example(dim)));
    }
  }
  if (out.empty()) throw t.error_at(key, "the list is empty", "give at least one value");
  return out;
}

int positive_int(const core::ConfigTable& t, const std::string& key, int fallback) {
  return static_cast<int>(t.integer_or(key, fallback, core::Sign::positive));
}

int count_int(const core::ConfigTable& t, const std::string& key, int fallback) {
  return static_cast<int>(t.integer_or(key, fallback, core::Sign::non_negative));
}

// [sampling] include: structure files whose frames join round 0 as they are.
std::vector<io::Frame> read_included(const core::ConfigTable& t, const fs::path& base) {
  std::vector<io::Frame> out;
  if (!t.has("include")) return out;
  for (const auto& file : t.require_string_array("include")) {
    const std::string p = (base / file).string();
    if (!fs::exists(p)) throw t.error_at("include", "no such file: " + p, "paths are relative to the spec");
    auto frames = io::read_frames(p);
    for (std::size_t k = 0; k < frames.size(); ++k) {
      if (!frames[k].info.contains("origin")) frames[k].info["origin"] = file + ", frame " + std::to_string(k);
      out.push_back(std::move(frames[k]));
    }
  }
  return out;
}

void read_sampling(const core::ConfigTable& t, distill::SamplingSettings& s) {
  try {
    s.ion_z = core::atomic_number(t.string_or("ion", "Li"));
  } catch (const InputError& e) {
    throw t.error_at("ion", e.message(), e.hint().empty() ? "an element symbol, e.g. \"Li\" or \"Na\"" : e.hint());
  }
  s.capacity = t.string_or("capacity", s.capacity);
  if (t.has("ion_fractions")) s.ion_fractions = t.require_number_array("ion_fractions");
  for (const double x : s.ion_fractions) {
    if (!(x >= 0.0 && x <= 1.0)) throw t.error_at("ion_fractions", "every fraction must lie in [0, 1]", "e.g. [0, 0.5, 1]");
  }
  if (t.has("arrangements")) s.arrangements = t.require_string_array("arrangements");
  for (const auto& a : s.arrangements) {
    if (a != "random" && a != "staged") throw t.error_at("arrangements", "unknown arrangement '" + a + "'", "\"random\" or \"staged\"");
  }
  s.expansion_at_full = t.number_or("expansion_at_full", s.expansion_at_full);
  if (!(s.expansion_at_full > -0.3 && s.expansion_at_full < 0.5))
    throw t.error_at("expansion_at_full", "must lie in (-0.3, 0.5)", "graphite: 0.10; layered oxides: about 0");
  s.min_distance = t.quantity_or("min_distance", Dimension::length, "1.5 A", core::Sign::positive);
  s.ion_spacing = t.quantity_or("ion_spacing", Dimension::length, "2.5 A", core::Sign::positive);
  s.temperatures = quantity_array(t, "temperatures", Dimension::temperature, s.temperatures);
  s.md_steps = count_int(t, "md_steps", s.md_steps);
  s.md_timestep = t.quantity_or("md_timestep", Dimension::time, "1 fs", core::Sign::positive);
  s.md_frames = count_int(t, "md_frames", s.md_frames);
  s.strained = count_int(t, "strained", s.strained);
  s.strain_max = t.number_or("strain_max", s.strain_max, core::Sign::non_negative);
  if (s.strain_max >= 0.5) throw t.error_at("strain_max", "must be below 0.5", "e.g. 0.03 for ±3 %");
  if (t.has("layer_scales")) s.layer_scales = t.require_number_array("layer_scales");
  for (const double f : s.layer_scales) {
    if (!(f > 0.5 && f < 2.0)) throw t.error_at("layer_scales", "every factor must lie in (0.5, 2)", "e.g. [0.92, 1.1, 1.25]");
  }
  s.rattled = count_int(t, "rattled", s.rattled);
  s.rattle_sigma = t.quantity_or("rattle_sigma", Dimension::length, "0.05 A", core::Sign::non_negative);
  s.insertions = count_int(t, "insertions", s.insertions);
  s.removals = count_int(t, "removals", s.removals);
  s.reference_metal = t.bool_or("reference_metal", s.reference_metal);
  s.metal_repeat = positive_int(t, "metal_repeat", s.metal_repeat);
  t.reject_unknown_keys();
}

void read_training(const core::ConfigTable& t, distill::NepHyperparameters& h) {
  if (t.has("elements")) h.elements = t.require_string_array("elements");
  for (const auto& e : h.elements) (void)core::atomic_number(e);
  h.version = static_cast<int>(t.integer_or("version", h.version));
  if (t.has("cutoff")) {
    const auto c = t.require_string_array("cutoff");
    if (c.size() != 2) throw t.error_at("cutoff", "give the radial and the angular cutoff", "e.g. [\"6 A\", \"4 A\"]");
    h.cutoff_radial = units::parse_quantity(c[0], Dimension::length);
    h.cutoff_angular = units::parse_quantity(c[1], Dimension::length);
  }
  if (t.has("n_max")) {
    const auto v = t.require_integer_array("n_max", 2);
    h.n_max_radial = static_cast<int>(v[0]);
    h.n_max_angular = static_cast<int>(v[1]);
  }
  if (t.has("basis_size")) {
    const auto v = t.require_integer_array("basis_size", 2);
    h.basis_radial = static_cast<int>(v[0]);
    h.basis_angular = static_cast<int>(v[1]);
  }
  if (t.has("l_max")) {
    const auto v = t.require_integer_array("l_max", 3);
    h.l_max_3body = static_cast<int>(v[0]);
    h.l_max_4body = static_cast<int>(v[1]);
    h.l_max_5body = static_cast<int>(v[2]);
  }
  h.neurons = positive_int(t, "neurons", h.neurons);
  h.batch = positive_int(t, "batch", h.batch);
  h.epochs = positive_int(t, "epochs", h.epochs);
  h.lambda_e = t.number_or("lambda_e", h.lambda_e, core::Sign::non_negative);
  h.lambda_f = t.number_or("lambda_f", h.lambda_f, core::Sign::non_negative);
  h.lambda_v = t.number_or("lambda_v", h.lambda_v, core::Sign::non_negative);
  h.learning_rate = t.number_or("learning_rate", h.learning_rate, core::Sign::positive);
  t.reject_unknown_keys();
  try {
    distill::NepHyperparameters check = h;
    if (check.elements.empty()) check.elements = {"H"};
    (void)distill::nep_input(check);
  } catch (const InputError& e) {
    throw InputError(t.location(), std::string("[training]: ") + e.what(), "see docs/distill.md, [training]");
  }
}

void read_active_learning(const core::ConfigTable& t, distill::ActiveLearningSettings& a) {
  a.rounds = count_int(t, "rounds", a.rounds);
  a.md.temperatures = quantity_array(t, "temperatures", Dimension::temperature, a.md.temperatures);
  a.md.steps = positive_int(t, "md_steps", a.md.steps);
  a.md.frames = positive_int(t, "md_frames", a.md.frames);
  a.md.timestep = t.quantity_or("md_timestep", Dimension::time, "1 fs", core::Sign::positive);
  a.select_force_rmse = t.quantity_or("select_force_rmse", Dimension::force, "0.08 eV/A", core::Sign::non_negative);
  a.max_selected = positive_int(t, "max_selected", a.max_selected);
  a.warm_start = t.bool_or("warm_start", a.warm_start);
  if (t.has("epochs")) a.epochs = positive_int(t, "epochs", 1);
  a.learning_rate = t.number_or("learning_rate", a.learning_rate, core::Sign::positive);
  t.reject_unknown_keys();
}

void read_targets(const core::ConfigTable& t, distill::Targets& g) {
  g.energy_rmse = t.quantity_or("energy_rmse", Dimension::energy, "3 meV", core::Sign::positive);
  g.force_rmse = t.quantity_or("force_rmse", Dimension::force, "80 meV/A", core::Sign::positive);
  g.stress_rmse = t.quantity_or("stress_rmse", Dimension::pressure, "0.2 GPa", core::Sign::positive) / units::GPa;
  t.reject_unknown_keys();
}

// D3 is never learned: the student learns the teacher without it, and a run adds D3 at run time.
// A spec string ("default" is SevenNet-0 + D3) is checked term by term.
void refuse_d3(const core::ConfigTable& teacher, const std::string& base_dir) {
  const auto refuse = [](const core::ConfigTable& t, const std::string& key) {
    return t.error_at(key, "the teacher contains D3, which a student never learns",
                      "give the MLIP alone (e.g. type = \"sevennet\", model = \"default\") and add D3 to the "
                      "student's [potential] in the run");
  };
  const std::string type = teacher.string_or("type", "");
  if (type == "d3") throw refuse(teacher, "type");
  if (type == "sum") {
    for (const auto& term : teacher.table_array("term")) refuse_d3(term, base_dir);
    return;
  }
  if (!type.empty()) return;
  for (const char* key : {"spec", "model"}) {
    if (!teacher.has(key)) continue;
    const std::string text = teacher.require_string(key);
    if (std::string(key) == "model" && text != "default") continue;  // a model file: one term
    potentials::SpecContext context;
    context.base_dir = base_dir;
    context.where = teacher.location_of(key);
    context.quoted = true;
    for (const auto& term : potentials::parse_spec(text, context)) {
      if (term.kind == "d3" || term.kind == "default") throw refuse(teacher, key);
    }
  }
}

struct Plan {
  distill::DistillSettings settings;
  distill::DistillInputs inputs;
  std::string teacher_description;
};

Plan plan_distill(const core::ConfigTable& root, const std::string& toml_path) {
  Plan plan;
  const fs::path base = fs::path(toml_path).parent_path();
  std::string name = "distill";
  if (const auto d = root.optional_table("distill")) {
    name = d->string_or("name", name);
    plan.settings.seed = static_cast<std::uint64_t>(d->integer_or("seed", 1, core::Sign::non_negative));
    plan.settings.workers = static_cast<std::size_t>(d->integer_or("workers", 1, core::Sign::positive));
    plan.settings.test_fraction = d->number_or("test_fraction", 0.1, core::Sign::non_negative);
    if (plan.settings.test_fraction >= 1.0) throw d->error_at("test_fraction", "must be below 1", "e.g. 0.1");
    plan.settings.max_label_force = d->quantity_or("max_label_force", Dimension::force, "50 eV/A", core::Sign::positive);
    d->reject_unknown_keys();
  }
  plan.settings.output_dir = "runs/" + name;
  if (const auto o = root.optional_table("output")) {
    plan.settings.output_dir = o->string_or("directory", plan.settings.output_dir);
    o->reject_unknown_keys();
  }
  if (const auto s = root.optional_table("sampling")) {
    plan.inputs.included = read_included(*s, base);
    read_sampling(*s, plan.settings.sampling);
  }
  if (const auto t = root.optional_table("training")) read_training(*t, plan.settings.training);
  if (const auto a = root.optional_table("active_learning")) read_active_learning(*a, plan.settings.active);
  if (const auto g = root.optional_table("targets")) read_targets(*g, plan.settings.targets);

  const auto teacher_table = root.optional_table("teacher");
  if (teacher_table && teacher_table->has("files")) {
    for (const auto& file : teacher_table->require_string_array("files")) {
      const std::string p = (base / file).string();
      if (!fs::exists(p)) throw teacher_table->error_at("files", "no such file: " + p, "paths are relative to the spec");
      auto frames = io::read_frames(p);
      for (std::size_t k = 0; k < frames.size(); ++k) {
        auto energy = frames[k].info.find("energy");
        if (energy != frames[k].info.end() && std::holds_alternative<std::int64_t>(energy->second)) {
          energy->second = static_cast<double>(std::get<std::int64_t>(energy->second));  // "energy=-100"
        }
        if (energy == frames[k].info.end() || !std::holds_alternative<double>(energy->second) || !frames[k].has_forces) {
          throw teacher_table->error_at("files", p + ", frame " + std::to_string(k) + ": no energy or no forces",
                                        "labelled frames carry energy= and a forces column (as ASE writes them)");
        }
        plan.inputs.labelled.push_back(std::move(frames[k]));
      }
    }
    if (plan.inputs.labelled.empty()) throw teacher_table->error_at("files", "the files hold no frame");
    if (root.has("active_learning") && plan.settings.active.rounds > 0) {
      throw root.error_at("active_learning", "active learning needs a teacher potential to label new frames",
                          "set rounds = 0, or give a teacher potential instead of files");
    }
    plan.settings.active.rounds = 0;
    plan.teacher_description = "labelled files";
    if (!plan.inputs.included.empty()) {
      throw root.require_table("sampling").error_at("include", "included frames need a teacher potential to label them",
                                                    "add them to [teacher] files if they carry labels");
    }
    if (root.has("structure")) {
      throw root.error_at("structure", "hosts are sampled only for a teacher potential", "remove [structure] with files");
    }
    root.reject_unknown_keys();
    return plan;
  }

  const auto hosts = root.table_array("structure");
  if (hosts.empty()) throw root.error_at("structure", "no host to sample", "add a [structure] table (or [[structure]] tables)");
  std::vector<int> zs{plan.settings.sampling.ion_z};
  for (const auto& h : hosts) {
    auto loaded = load_structure(h, base);
    for (const int z : loaded.frame.system.atomic_numbers()) {
      if (std::find(zs.begin(), zs.end(), z) == zs.end()) zs.push_back(z);
    }
    plan.inputs.hosts.push_back(std::move(loaded.frame));
  }
  // The capacity formula must fit every host (checked here, located, before anything is written).
  for (const auto& host : plan.inputs.hosts) {
    try {
      (void)distill::host_capacity(host.system, plan.settings.sampling);
    } catch (const InputError& e) {
      const auto sampling = root.optional_table("sampling");
      if (sampling && sampling->has("capacity"))
        throw sampling->error_at("capacity", e.message(), "e.g. \"LiC6\" for graphite, \"LiMO2\" for layered oxides");
      throw InputError(root.location(), "[sampling] capacity (default \"LiC6\"): " + e.message(),
                       "set [sampling] capacity for this host, e.g. \"LiMO2\" for layered oxides");
    }
  }
  for (const auto& f : plan.inputs.included) {
    for (const int z : f.system.atomic_numbers()) {
      if (std::find(zs.begin(), zs.end(), z) == zs.end()) zs.push_back(z);
    }
  }
  const core::ConfigTable teacher =
      teacher_table ? *teacher_table : core::ConfigTable::parse_string("type = \"model\"\nmodel = \"default\"\n", "default teacher");
  refuse_d3(teacher, base.string());
  // Build one now so that every mistake in [teacher] shows before anything is written.
  auto probe = potentials::make_potential(teacher, base.string(), zs);
  for (const int z : zs) {
    if (!probe->supports(z)) {
      throw teacher.error_at("type", "the teacher has no parameters for " + std::string(core::symbol(z)),
                             "it supports: " + probe->supported_species());
    }
  }
  plan.teacher_description = probe->name();
  plan.inputs.teacher_name = probe->name();
  const std::string base_dir = base.string();
  plan.inputs.teacher = [teacher, base_dir, zs]() { return potentials::make_potential(teacher, base_dir, zs); };
  root.reject_unknown_keys();
  return plan;
}

}  // namespace

CommandSpec distill_spec() {
  return {"distill", "SPEC.toml",
          "make a fast NEP student of a teacher potential (or of labelled files), with active learning",
          "SPEC.toml has [teacher] (a potential table, default SevenNet-0; or files = [...] of labelled\n"
          "extxyz), [structure] or [[structure]] hosts, and optionally [distill], [sampling], [training],\n"
          "[active_learning], [targets] and [output]; see docs/distill.md. The output directory ([output]\n"
          "directory, default runs/<distill.name>) receives nep.txt, summary.json, errors.csv, parity\n"
          "tables and plots, training.extxyz, test.extxyz and stages/. Calling the command again with the\n"
          "same spec resumes: no label and no finished training is repeated.",
          {{"check", "", "validate the spec and build the hosts and the teacher, then exit"},
           {"output", "DIR", "output directory (overrides [output] directory)"},
           {"no-plots", "", "write tables and summary.json only"},
           {"threads", "N", "OpenMP and libtorch threads (default: OMP_NUM_THREADS or all cores)"}},
          1, 1};
}

int run_distill(const ParsedArgs& args, const Context& ctx) {
  apply_thread_option(args);
  const std::string& toml_path = args.positional[0];
  const auto root = core::ConfigTable::parse_file(toml_path);
  Plan plan = plan_distill(root, toml_path);
  if (auto o = args.value("output")) plan.settings.output_dir = *o;
  if (args.flag("check")) {
    ctx.out << "teacher     " << plan.teacher_description << "\n";
    ctx.out << "hosts       " << plan.inputs.hosts.size() << "\n";
    ctx.out << "ok: " << toml_path << " is valid\n";
    return 0;
  }
  const std::string out = plan.settings.output_dir;
  const std::string spec_text = root.to_toml_document();
  const std::string spec_copy = out + "/input.toml";
  if (fs::exists(spec_copy)) {
    std::ifstream in(spec_copy);
    std::stringstream previous;
    previous << in.rdbuf();
    if (previous.str() != spec_text) {
      throw InputError(out + " holds a distill of another spec (its input.toml differs from " + toml_path + ")",
                       "give another --output directory, or remove " + out + " to start over");
    }
    ctx.out << "resuming    " << out << "\n";
  }
  fs::create_directories(out);
  io::write_file_atomically(spec_copy, [&](std::ostream& o) { o << spec_text; });
  std::ofstream log_file(out + "/log.txt", std::ios::app);
  TeeStream log(ctx.out, log_file);
  log << std::unitbuf;  // a distill takes hours: every line reaches the terminal and log.txt at once
  log << "distill     " << toml_path << " -> " << out << "\nteacher     " << plan.teacher_description << "\n";
  const auto report = distill::run_distill(plan.settings, plan.inputs, log);
  for (const auto& r : report.rows) {
    if (r.round == report.final_round && r.category == "all") {
      char line[256];
      std::snprintf(line, sizeof line, "errors      %-10s %5zu frames: E %.3g meV/atom, F %.3g meV/A", r.set.c_str(),
                    r.errors.frames, r.errors.energy_rmse * 1e3, r.errors.force_rmse * 1e3);
      log << line;
      if (r.errors.stress_frames > 0) log << ", stress " << r.errors.stress_rmse << " GPa";
      log << "\n";
    }
  }
  log << std::flush;
  if (!args.flag("no-plots")) (void)run_plot_script("IONCYCLE_DISTILL_PLOT_SCRIPT", "python/plot_distill.py", {out}, ctx);
  return 0;
}

}  // namespace ioncycle::cli
