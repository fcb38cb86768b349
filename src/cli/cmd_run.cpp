// SPDX-License-Identifier: MIT
//
// `ioncycle run PROTOCOL.toml`: the main job. The whole file is validated first (structure,
// potential, [md], [ion], [protocol], [output]); only then is the run directory created, so a
// mistake never leaves a directory behind. The run then computes (or reads from its cache) the
// reference chemical potential, and the ProtocolRunner drives MD and ion exchange. Checkpoints are
// written every [output] checkpoint_every and on SIGINT/SIGTERM; `ioncycle run --resume RUNDIR`
// continues from the last one exactly (docs/formats.md, "Checkpoints").
#include <unistd.h>

#include <omp.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/analyze_step.hpp"
#include "cli/audit_setup.hpp"
#include "cli/commands.hpp"
#include "cli/tee_stream.hpp"
#include "cli/describe.hpp"
#include "cli/neighbor_budget.hpp"
#include "cli/run_directory.hpp"
#include "cli/structure_table.hpp"
#include "cli/threads.hpp"
#include "cli/time_steps.hpp"
#include "core/config.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "cycling/cycling_observers.hpp"
#include "cycling/events_table.hpp"
#include "cycling/ion_exchanger.hpp"
#include "cycling/ion_ledger.hpp"
#include "cycling/protocol.hpp"
#include "cycling/protocol_runner.hpp"
#include "cycling/reference_metal.hpp"
#include "cycling/voltage_profile.hpp"
#include "io/atomic_file.hpp"
#include "io/checkpoint.hpp"
#include "io/h5md_writer.hpp"
#include "io/structure_io.hpp"
#include "md/integrator_factory.hpp"
#include "md/simulation.hpp"
#include "md/velocities.hpp"
#include "potentials/potential_factory.hpp"

namespace ioncycle::cli {

namespace fs = std::filesystem;
using units::Dimension;

namespace {

// Set by the SIGINT/SIGTERM handler, read by the MD loop between steps. A signal handler can
// only reach a lock-free atomic with static storage; this is the one global of the program.
std::atomic<bool> g_stop_requested{false};
extern "C" void request_stop(int /*signal*/) { g_stop_requested.store(true); }

// Installs the handler for the lifetime of a run and puts the previous one back afterwards.
class StopOnSignals {
 public:
  StopOnSignals() {
    g_stop_requested.store(false);
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopOnSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

// Everything a run needs, built and validated before anything is written.
struct RunPlan {
  std::string name;
  std::int64_t seed = 1;
  bool has_seed = false;
  LoadedStructure structure;
  std::string base_dir;  // absolute directory of the run file (relative paths in the file)
  std::unique_ptr<potentials::Potential> potential;
  std::optional<AuditPlan> audit;  // [potential] audit
  std::unique_ptr<md::Integrator> integrator;
  double skin = 1.0;
  std::optional<double> initial_temperature;
  cycling::CyclingSettings cycling;
  std::string output_dir;
  std::int64_t thermo_every = 10;
  std::int64_t trajectory_every = 100;
  std::int64_t checkpoint_every = 5000;
  bool trajectory_velocities = false;
  bool trajectory_forces = false;
  std::string resolved_toml;
};

RunPlan plan_run(const core::ConfigTable& root, const fs::path& base) {
  RunPlan plan;
  // A file in the working directory has an empty parent path, which fs::absolute refuses.
  plan.base_dir = fs::absolute(base.empty() ? fs::path(".") : base).lexically_normal().string();
  const auto run = root.require_table("run");
  plan.name = run.require_string("name");
  if (plan.name.empty() || plan.name.find('/') != std::string::npos) {
    throw run.error_at("name", "'name' must be a non-empty name without '/' (got \"" + plan.name + "\")",
                       "e.g. name = \"graphite-3-cycles\"");
  }
  plan.seed = run.integer_or("seed", 1, core::Sign::non_negative);
  plan.has_seed = run.has("seed");
  run.reject_unknown_keys();

  plan.structure = load_structure(root.require_table("structure"), base,
                                  plan.has_seed ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(plan.seed))
                                                : std::nullopt);
  const core::System& host = plan.structure.frame.system;

  const auto potential_table = root.require_table("potential");
  std::vector<int> zs(host.atomic_numbers().begin(), host.atomic_numbers().end());
  // Pair potentials build their tables for the elements they are told about: the ion is one of
  // them even when the host has none yet. A bad symbol is reported by parse_protocol, at [ion].
  std::vector<int> all_zs = zs;
  if (const auto ion_table = root.optional_table("ion")) {
    if (const auto symbol = ion_table->optional_string("species")) {
      if (const auto z = core::find_atomic_number(*symbol)) all_zs.push_back(*z);
    }
  }
  plan.audit = plan_audit(potential_table, plan.base_dir, all_zs);
  plan.potential = potentials::make_potential(potential_table, plan.base_dir, all_zs);
  std::set<std::string> missing;
  for (const int z : zs) {
    if (!plan.potential->supports(z)) missing.insert(std::string(core::symbol(z)));
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw root.require_table("structure").error_at(
        "file", "the structure contains " + list + ", which the potential '" + plan.potential->name() +
                    "' does not support",
        "it supports: " + plan.potential->supported_species());
  }

  const auto md_table = root.require_table("md");
  plan.skin = md_table.quantity_or("skin", Dimension::length, "1 A", core::Sign::positive);
  check_neighbor_budget(host, plan.potential->cutoff(), plan.skin, md_table, potential_table);
  plan.initial_temperature =
      md_table.optional_quantity("initial_temperature", Dimension::temperature, core::Sign::non_negative);
  plan.integrator = md::make_integrator(md_table, static_cast<std::uint64_t>(plan.seed));
  md_table.reject_unknown_keys();
  const double dt = plan.integrator->timestep();

  cycling::ProtocolContext context;
  context.host = &host;
  potentials::Potential* potential = plan.potential.get();
  context.supports = [potential](int z) { return potential->supports(z); };
  context.supported_species = plan.potential->supported_species();
  context.md_temperature = plan.integrator->target_temperature();
  context.timestep = dt;
  plan.cycling = cycling::parse_protocol(root, context);
  if (plan.audit) {
    plan.audit->every_steps = steps_of(potential_table.require_table("audit"), "every", plan.audit->settings.every, dt);
  } else {
    // until = { audit_force_rmse = ... } reads the audit's checks: without one it never ends.
    const auto protocol = root.require_table("protocol");
    std::vector<core::ConfigTable> owners{protocol};
    for (const auto& step : protocol.table_array("step")) owners.push_back(step);
    for (const auto& owner : owners) {
      const auto until = owner.optional_table("until");
      if (until && until->has("audit_force_rmse")) {
        throw until->error_at("audit_force_rmse", "'audit_force_rmse' needs an audit of the potential, and there is none",
                              "add audit = { teacher = \"default\", every = \"2 ps\" } to [potential]");
      }
    }
  }

  plan.output_dir = "runs/" + plan.name;
  plan.thermo_every = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(10.0 / dt)));
  plan.trajectory_every = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(100.0 / dt)));
  plan.checkpoint_every = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::llround(5000.0 / dt)));
  if (const auto output = root.optional_table("output")) {
    plan.output_dir = output->string_or("directory", plan.output_dir);
    if (auto t = output->optional_quantity("thermo_every", Dimension::time, core::Sign::positive)) {
      plan.thermo_every = steps_of(*output, "thermo_every", *t, dt);
    }
    if (auto t = output->optional_quantity("trajectory_every", Dimension::time, core::Sign::positive)) {
      plan.trajectory_every = steps_of(*output, "trajectory_every", *t, dt);
    }
    if (auto t = output->optional_quantity("checkpoint_every", Dimension::time, core::Sign::positive)) {
      plan.checkpoint_every = steps_of(*output, "checkpoint_every", *t, dt);
    }
    plan.trajectory_velocities = output->bool_or("trajectory_velocities", false);
    plan.trajectory_forces = output->bool_or("trajectory_forces", false);
    output->reject_unknown_keys();
  }
  root.reject_unknown_keys();

  // resolved.toml: every setting with its default filled in.
  std::ostringstream t;
  auto q = [](const std::string& v) { return nlohmann::json(v).dump(); };
  t << "# Every setting of this run with defaults filled in (written by ioncycle " << IONCYCLE_VERSION << ").\n";
  t << "# Relative paths are relative to " << plan.base_dir << "\n";
  t << "[run]\nname = " << q(plan.name) << "\nseed = " << plan.seed << "\n\n";
  t << plan.structure.resolved_toml << "\n";
  t << potential_table.to_toml_document() << "\n\n";
  t << md_table.to_toml_document() << "\n";
  t << "# [md] defaults: skin = " << q(units::format_quantity(plan.skin, Dimension::length)) << "\n\n";
  t << cycling::to_toml(plan.cycling) << "\n";
  t << "[output]\ndirectory = " << q(plan.output_dir) << "\n";
  t << "thermo_every = " << q(units::format_quantity(static_cast<double>(plan.thermo_every) * dt, Dimension::time)) << "\n";
  t << "trajectory_every = "
    << q(units::format_quantity(static_cast<double>(plan.trajectory_every) * dt, Dimension::time)) << "\n";
  t << "checkpoint_every = "
    << q(units::format_quantity(static_cast<double>(plan.checkpoint_every) * dt, Dimension::time)) << "\n";
  t << "trajectory_velocities = " << (plan.trajectory_velocities ? "true" : "false") << "\n";
  t << "trajectory_forces = " << (plan.trajectory_forces ? "true" : "false") << "\n";
  plan.resolved_toml = t.str();
  return plan;
}

// Names of what a checkpoint holds besides the System (docs/formats.md, "Checkpoints").
constexpr const char* kCursor = "runner.cursor";
constexpr const char* kLedger = "runner.ledger";
constexpr const char* kVoltages = "runner.voltages";
constexpr const char* kSourceDir = "run.source_dir";
constexpr const char* kSourceFile = "run.source_file";
constexpr const char* kExchangerRng = "exchanger";
constexpr const char* kIntegratorPrefix = "integrator:";

io::H5mdWriterOptions trajectory_options(const RunPlan& plan) {
  io::H5mdWriterOptions o;
  o.write_velocities = plan.trajectory_velocities;
  o.write_forces = plan.trajectory_forces;
  return o;
}

std::uint64_t file_size_or_zero(const std::string& path) {
  std::error_code ec;
  const auto n = fs::file_size(path, ec);
  return ec ? 0 : static_cast<std::uint64_t>(n);
}

// Prepare the run directory: --overwrite replaces an earlier run (only one that looks like a
// run directory), otherwise a taken name gets -2, -3, ... so no earlier run is overwritten.
std::string prepare_directory(const std::string& requested, bool overwrite) {
  std::error_code ec;
  if (overwrite && fs::exists(requested, ec)) {
    const bool is_run = fs::exists(fs::path(requested) / "input.toml", ec) || fs::is_empty(requested, ec);
    if (!is_run) {
      throw InputError("--overwrite: '" + requested + "' exists and is not an ioncycle run directory",
                       "refusing to delete it; choose another --output directory");
    }
    fs::remove_all(requested, ec);
    if (ec) throw InputError("cannot remove the old run directory '" + requested + "': " + ec.message());
  }
  const std::string dir = overwrite ? requested : fresh_directory(requested);
  fs::create_directories(dir, ec);
  if (ec) throw InputError("cannot create the run directory '" + dir + "': " + ec.message());
  return dir;
}

struct Files {
  std::string dir;
  [[nodiscard]] std::string operator()(const std::string& name) const { return (fs::path(dir) / name).string(); }
};

}  // namespace

CommandSpec run_spec() {
  return {"run", "PROTOCOL.toml",
          "run a cycling protocol: structure, potential, MD, ion insertion and removal",
          "PROTOCOL.toml has [run], [structure], [potential], [md], [ion], [protocol] and optionally\n"
          "[output]; docs/protocols.md is the reference of every key. The whole file is checked\n"
          "before anything runs (--check only checks). The run directory ([output] directory,\n"
          "default runs/<run.name>; -2, -3, ... if taken unless --overwrite) receives input.toml,\n"
          "resolved.toml, initial.extxyz, thermo.csv, events.csv, trajectory.h5, checkpoint.h5,\n"
          "log.txt, and when the run ends final.extxyz, voltage_profile.csv and summary.json; then\n"
          "the analyzers write analysis/*.csv, plots/*.png and the \"analysis\" key of summary.json\n"
          "(as `ioncycle analyze RUNDIR` does; --no-analysis skips them).\n"
          "SIGINT or SIGTERM writes a checkpoint and stops; --resume RUNDIR continues a run from\n"
          "its last checkpoint (give RUNDIR instead of PROTOCOL.toml).",
          {{"check", "", "validate the file, structure, model and protocol, then exit without writing"},
           {"output", "DIR", "run directory (overrides [output] directory)"},
           {"overwrite", "", "replace an existing run directory of the same name"},
           {"resume", "", "continue the run in the given RUNDIR from its checkpoint"},
           {"no-analysis", "", "do not analyze the run when it ends (run `ioncycle analyze RUNDIR` later)"},
           {"no-plots", "", "analyze the run when it ends but make no plots"},
           {"threads", "N", "OpenMP and libtorch threads (default: OMP_NUM_THREADS or all cores)"}},
          1, 1};
}

int run_run(const ParsedArgs& args, const Context& ctx) {
  apply_thread_option(args);
  const bool resume = args.flag("resume");
  const std::string& given = args.positional[0];

  // Which file to read, relative to which directory: a resumed run reads its own input.toml with
  // the original file's directory (stored in the checkpoint) for relative paths.
  std::optional<io::CheckpointData> checkpoint;
  std::string toml_path = given;
  fs::path base = fs::path(given).parent_path();
  Files files;
  if (resume) {
    files.dir = given;
    if (!fs::is_directory(given)) {
      throw InputError("--resume needs a run directory; '" + given + "' is not one", "e.g. ioncycle run --resume runs/quickstart");
    }
    if (!fs::exists(files("checkpoint.h5"))) {
      throw InputError("'" + files("checkpoint.h5") + "' does not exist: the run wrote no checkpoint yet",
                       "start it again from its input file (ioncycle run --overwrite ...)");
    }
    checkpoint = io::read_checkpoint(files("checkpoint.h5"));
    toml_path = files("input.toml");
    base = checkpoint->texts.at(kSourceDir);
  }
  const auto root = core::ConfigTable::parse_file(toml_path);
  RunPlan plan = plan_run(root, base);
  if (auto o = args.value("output"); o && !resume) plan.output_dir = *o;

  std::ostringstream head;
  describe_structure(head, plan.structure.frame, structure_label(plan.structure));
  for (const auto& line : plan.structure.applied) head << line << "\n";
  head << "potential   " << plan.potential->name() << " (cutoff " << plan.potential->cutoff() << " Å)\n";
  head << "integrator  " << plan.integrator->name() << ", dt = "
       << units::format_quantity(plan.integrator->timestep(), Dimension::time) << "\n";
  head << "ion         " << core::symbol(plan.cycling.ion.z) << ", capacity " << plan.cycling.ion.capacity_text << " = "
       << plan.cycling.ion.capacity << " ions\n";
  if (plan.audit) head << audit_line(*plan.audit, plan.integrator->timestep());
  head << "protocol    " << plan.cycling.protocol.cycles << " cycle(s) of " << plan.cycling.protocol.steps.size()
       << " step(s)\n";
  if (args.flag("check")) {
    ctx.out << head.str() << "ok: " << toml_path << " is valid\n";
    return 0;
  }

  // --- the System: the built/read host, or the checkpoint's --------------------------------
  core::System system = resume ? checkpoint->system : plan.structure.frame.system;
  const auto& ion = plan.cycling.ion;
  if (!resume) {
    core::Rng velocity_rng(static_cast<std::uint64_t>(plan.seed), /*stream=*/1);
    const double t0 = plan.initial_temperature ? *plan.initial_temperature : plan.integrator->target_temperature();
    if (plan.initial_temperature || (!plan.structure.frame.has_velocities && t0 > 0.0)) {
      md::assign_maxwell_boltzmann(system, t0, velocity_rng);
    }
    files.dir = prepare_directory(plan.output_dir, args.flag("overwrite"));
    fs::copy_file(toml_path, files("input.toml"), fs::copy_options::overwrite_existing);
    io::write_file_atomically(files("resolved.toml"), [&](std::ostream& o) { o << plan.resolved_toml; });
    io::Frame initial = plan.structure.frame;
    initial.system = system;
    initial.has_velocities = true;
    io::write_structure(files("initial.extxyz"), initial, io::Format::extxyz);
  }
  std::ofstream log(files("log.txt"), std::ios::app);
  auto say = [&](const std::string& line) {
    log << line << "\n";
    log.flush();
  };
  say(resume ? "resumed     from " + files("checkpoint.h5") : std::string("ioncycle ") + IONCYCLE_VERSION);
  log << head.str();
  ctx.out << head.str() << "run dir     " << files.dir << "\n";

  // --- reference chemical potential -----------------------------------------------------------
  double mu_ref = 0.0;
  if (resume) {
    mu_ref = checkpoint->values.at("runner.mu_ref").at(0);
  } else if (ion.mu_ref) {
    mu_ref = *ion.mu_ref;
    say("mu_ref      " + std::to_string(mu_ref) + " eV (given in [ion])");
  } else {
    const auto metal = cycling::reference_metal_cached(ion.z, *plan.potential, plan.skin, cycling::default_cache_dir());
    mu_ref = metal.mu_ref;
    std::ostringstream line;
    line << std::setprecision(8) << "mu_ref      " << mu_ref << " eV per atom of bcc " << core::symbol(ion.z)
         << ", a = " << metal.lattice_constant << " A" << (metal.from_cache ? " (cached)" : "");
    say(line.str());
    ctx.out << line.str() << "\n";
    if (!metal.note.empty()) say("note        " + metal.note);
  }

  // --- the pieces of the run ------------------------------------------------------------------
  md::Simulation sim(system, *plan.potential, std::move(plan.integrator), plan.skin);
  cycling::IonLedger ledger;
  ledger.add_initial(system, ion.z);
  cycling::VoltageProfile voltages;
  cycling::IonExchanger exchanger(ion, mu_ref, static_cast<std::uint64_t>(plan.seed), /*stream=*/3);
  if (resume) {
    const auto& c = *checkpoint;
    md::IntegratorState state;
    for (const auto& [key, value] : c.values) {
      if (key.rfind(kIntegratorPrefix, 0) == 0) state.values[key.substr(std::string(kIntegratorPrefix).size())] = value;
    }
    for (const auto& [key, value] : c.rngs) {
      if (key.rfind(kIntegratorPrefix, 0) == 0) state.rngs[key.substr(std::string(kIntegratorPrefix).size())] = value;
    }
    sim.integrator().restore(state);
    sim.set_clock(c.integers.at("sim.step"), c.values.at("sim.time").at(0));
    ledger = cycling::IonLedger::from_json(c.texts.at(kLedger));
    voltages = cycling::VoltageProfile::from_text(c.texts.at(kVoltages));
    exchanger.restore_rng_state(c.rngs.at(kExchangerRng));
    // Tables continue exactly after the checkpoint: anything written later is cut off.
    fs::resize_file(files("thermo.csv"), static_cast<std::uintmax_t>(c.integers.at("files.thermo_bytes")));
    fs::resize_file(files("events.csv"), static_cast<std::uintmax_t>(c.integers.at("files.events_bytes")));
  }
  std::ofstream thermo_file(files("thermo.csv"), std::ios::app);
  std::ofstream events_file(files("events.csv"), std::ios::app);
  cycling::EventsTable events(events_file, !resume);

  cycling::RunnerHooks hooks;
  const cycling::ProtocolRunner* runner_view = nullptr;  // set once the runner exists

  std::int64_t last_checkpoint_step = resume ? sim.step() : -1;
  const std::string source_dir = plan.base_dir;
  const std::string source_file = fs::absolute(given).string();
  auto write_checkpoint = [&] {
    thermo_file.flush();
    events_file.flush();
    io::CheckpointData c;
    c.system = system;
    const auto state = sim.integrator().save();
    for (const auto& [key, value] : state.values) c.values[kIntegratorPrefix + key] = value;
    for (const auto& [key, value] : state.rngs) c.rngs[kIntegratorPrefix + key] = value;
    c.values["sim.time"] = {sim.time()};
    c.values["runner.mu_ref"] = {mu_ref};
    c.integers["sim.step"] = sim.step();
    c.integers["files.thermo_bytes"] = static_cast<std::int64_t>(file_size_or_zero(files("thermo.csv")));
    c.integers["files.events_bytes"] = static_cast<std::int64_t>(file_size_or_zero(files("events.csv")));
    c.rngs[kExchangerRng] = exchanger.rng_state();
    c.texts[kCursor] = runner_view->cursor().to_text();
    c.texts[kLedger] = ledger.to_json();
    c.texts[kVoltages] = voltages.to_text();
    c.texts[kSourceDir] = source_dir;
    c.texts[kSourceFile] = source_file;
    io::write_checkpoint(files("checkpoint.h5"), c);
    last_checkpoint_step = sim.step();
  };
  hooks.checkpoint = write_checkpoint;
  hooks.log = [&](const std::string& line) { say(line); };
  TeeStream audit_log(ctx.err, log);
  const auto audit = attach_audit(plan.audit, sim, *plan.potential, files.dir, audit_log, resume ? sim.step() : -1);
  if (audit) {
    hooks.latest_audit = [a = audit.get()]() -> std::optional<std::pair<std::int64_t, double>> {
      const auto rmse = a->latest_force_rmse();
      if (!rmse) return std::nullopt;
      return std::make_pair(a->latest_step(), *rmse);
    };
    hooks.audit_every = audit->every_steps();
  }
  cycling::ProtocolRunner runner(sim, plan.cycling, exchanger, ledger, voltages, events, hooks, plan.checkpoint_every);
  runner_view = &runner;
  if (resume) runner.restore(cycling::Cursor::from_text(checkpoint->texts.at(kCursor)));

  cycling::CyclingThermo thermo(thermo_file, runner, !resume);
  sim.add_observer(thermo, plan.thermo_every);
  cycling::RunGuard guard(sim.integrator().target_temperature());
  sim.add_observer(guard, plan.thermo_every);
  cycling::ProtocolProgress progress(ctx.out, runner, ::isatty(STDOUT_FILENO) == 1);
  sim.add_observer(progress, plan.thermo_every);
  auto writer = resume ? io::H5mdWriter::resume(files("trajectory.h5"), trajectory_options(plan), sim.step())
                       : io::H5mdWriter::create(files("trajectory.h5"), trajectory_options(plan));
  cycling::CyclingTrajectory trajectory(std::move(writer), runner);
  sim.add_observer(trajectory, plan.trajectory_every);

  if (resume) sim.reset_forces();  // the same fresh neighbor list and forces as after the checkpoint

  const auto wall_start = std::chrono::steady_clock::now();
  cycling::RunOutcome outcome = cycling::RunOutcome::finished;
  {
    StopOnSignals signals;
    try {
      outcome = runner.run(&g_stop_requested);
    } catch (const Error& e) {
      const std::string where = last_checkpoint_step >= 0
                                    ? "the last good checkpoint is " + files("checkpoint.h5") + " (step " +
                                          std::to_string(last_checkpoint_step) + "); resume with: ioncycle run --resume " +
                                          files.dir
                                    : "no checkpoint was written yet";
      std::string what = e.what();
      if (what.rfind("error: ", 0) == 0) what.erase(0, 7);
      say("error: " + what + "\n" + where);
      sim.finish();
      throw SimulationError(what + "\n  " + where);
    }
  }
  if (outcome == cycling::RunOutcome::interrupted) {
    write_checkpoint();
    sim.finish();
    const std::string line = "interrupted at step " + std::to_string(sim.step()) + " (t = " +
                             units::format_quantity(sim.time(), Dimension::time) +
                             "); checkpoint written. Continue with: ioncycle run --resume " + files.dir;
    say(line);
    ctx.err << "\n" << line << "\n";
    return 130;
  }
  sim.finish();
  write_checkpoint();  // a finished run's checkpoint says so; --resume then has nothing to do
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

  io::Frame final_frame = plan.structure.frame;
  final_frame.system = system;
  final_frame.has_velocities = true;
  io::write_structure(files("final.extxyz"), final_frame, io::Format::extxyz);
  io::write_file_atomically(files("voltage_profile.csv"), [&](std::ostream& o) { voltages.write_csv(o); });

  const auto last = sim.sample();
  nlohmann::json summary;
  summary["ioncycle_version"] = IONCYCLE_VERSION;
  summary["run"] = {{"name", plan.name}, {"seed", plan.seed}};
  summary["end_reason"] = runner.cursor().end_reason;
  summary["steps"] = sim.step();
  summary["time_fs"] = sim.time();
  summary["ion"] = {{"species", std::string(core::symbol(ion.z))},
                    {"capacity", ion.capacity},
                    {"mu_ref_eV", mu_ref},
                    {"initial", ledger.num_initial()},
                    {"inserted", ledger.num_inserted()},
                    {"removed", ledger.num_removed()},
                    {"present", runner.num_ions()},
                    {"final_soc", runner.state_of_charge()}};
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& r : runner.cursor().reports) {
    steps.push_back({{"cycle", r.cycle + 1}, {"step", r.step_index + 1}, {"type", r.type},
                     {"start_ps", r.start_time * 1e-3}, {"end_ps", r.end_time * 1e-3}, {"soc_start", r.soc_start},
                     {"soc_end", r.soc_end}, {"inserted", r.inserted}, {"removed", r.removed}, {"trials", r.trials},
                     {"end_reason", r.end_reason}});
  }
  summary["protocol_steps"] = steps;
  summary["final"] = {{"temperature_K", last.temperature},
                      {"potential_energy_eV", last.potential_energy},
                      {"pressure_GPa", last.pressure.trace() / 3.0 * units::eV_per_A3_in_GPa},
                      {"volume_A3", last.volume}};
  if (audit) summary["audit"] = audit_summary(*audit, sim.integrator().timestep());
  summary["performance"] = {{"wall_time_s", wall},
                            {"threads", omp_get_max_threads()},
                            {"exchange_s", runner.seconds_exchange()},
                            {"exchange_fraction", wall > 0 ? runner.seconds_exchange() / wall : 0.0},
                            {"force_evaluations", sim.forces().num_evaluations()}};
  io::write_file_atomically(files("summary.json"), [&](std::ostream& o) { o << std::setw(2) << summary << "\n"; });
  say("finished    " + runner.cursor().end_reason + " after " + std::to_string(sim.step()) + " steps");
  ctx.out << "finished    " << runner.cursor().end_reason << "; outputs in " << files.dir << "\n";
  if (!args.flag("no-analysis")) {
    // The run's results are complete at this point: an analysis that fails is reported, and the
    // run still succeeds (`ioncycle analyze RUNDIR` can be repeated).
    try {
      analyze_directory(files.dir, !args.flag("no-plots"), ctx);
    } catch (const std::exception& e) {
      ctx.err << "warning: the analysis of " << files.dir << " failed: " << e.what() << "\n";
    }
  }
  return 0;
}

}  // namespace ioncycle::cli
