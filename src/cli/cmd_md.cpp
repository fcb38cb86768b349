// SPDX-License-Identifier: MIT
//
// `ioncycle md CONFIG.toml`: a plain molecular-dynamics run (structure file, analytic potential,
// ensemble, duration, output intervals). Everything in the file is validated, the structure is
// read and the potential and integrator are built before the run directory is created, so a
// mistake never leaves outputs behind. A run that fails later keeps what it wrote (thermo rows,
// trajectory frames) and its log says why; only a finished run gets final.extxyz and
// summary.json.
#include <unistd.h>

#include <omp.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/audit_setup.hpp"
#include "cli/commands.hpp"
#include "cli/tee_stream.hpp"
#include "cli/threads.hpp"
#include "cli/describe.hpp"
#include "cli/neighbor_budget.hpp"
#include "cli/run_directory.hpp"
#include "cli/structure_table.hpp"
#include "cli/time_steps.hpp"
#include "cli/trajectory_observer.hpp"
#include "core/config.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "io/atomic_file.hpp"
#include "io/structure_io.hpp"
#include "md/fire.hpp"
#include "md/integrator_factory.hpp"
#include "md/progress.hpp"
#include "md/simulation.hpp"
#include "md/thermo_writer.hpp"
#include "md/velocities.hpp"
#include "potentials/potential_factory.hpp"

namespace ioncycle::cli {

namespace fs = std::filesystem;
using units::Dimension;

namespace {

struct MdPlan {
  std::string name = "md";
  std::int64_t seed = 1;
  io::Frame frame;
  std::string structure_label;  // "path (format)"
  std::unique_ptr<potentials::Potential> potential;
  std::optional<AuditPlan> audit;  // [potential] audit
  std::unique_ptr<md::Integrator> integrator;
  std::unique_ptr<md::FireMinimizer> minimizer;  // [minimize]: relax before the MD
  double skin = 1.0;
  std::int64_t num_steps = 0;
  std::optional<double> initial_temperature;
  std::int64_t thermo_every = 0;
  std::int64_t trajectory_every = 0;  // 0 = no trajectory
  bool trajectory_velocities = false;
  bool trajectory_forces = false;
  std::string output_dir;
};

MdPlan plan_md(const core::ConfigTable& root, const std::string& toml_path) {
  MdPlan plan;
  const fs::path base = fs::path(toml_path).parent_path();
  std::optional<std::uint64_t> run_seed;  // the structure's seed when [run] gives one
  if (const auto run = root.optional_table("run")) {
    plan.name = run->string_or("name", plan.name);
    plan.seed = run->integer_or("seed", 1, core::Sign::non_negative);
    if (run->has("seed")) run_seed = static_cast<std::uint64_t>(plan.seed);
    run->reject_unknown_keys();
  }

  auto structure = load_structure(root.require_table("structure"), base, run_seed);
  plan.frame = std::move(structure.frame);
  plan.structure_label = structure_label(structure);

  const auto potential = root.require_table("potential");
  std::vector<int> zs(plan.frame.system.atomic_numbers().begin(), plan.frame.system.atomic_numbers().end());
  plan.audit = plan_audit(potential, base.string(), zs);
  plan.potential = potentials::make_potential(potential, base.string(), zs);
  for (const int z : zs) {
    if (!plan.potential->supports(z)) {
      throw potential.error_at("type", "the potential has no parameters for " + std::string(core::symbol(z)) +
                                           ", which the structure contains",
                               "it supports: " + plan.potential->supported_species());
    }
  }

  if (const auto minimize = root.optional_table("minimize")) plan.minimizer = md::make_minimizer(*minimize);

  const auto md_table = root.require_table("md");
  // Keys of the run itself are read first; the integrator factory then reads the ensemble keys
  // and rejects anything left.
  const bool has_steps = md_table.has("steps");
  const bool has_duration = md_table.has("duration");
  if (has_steps == has_duration) {
    throw md_table.error_at(has_steps ? "duration" : "timestep",
                            has_steps ? "give either 'steps' or 'duration', not both" : "the run length is missing",
                            "e.g. duration = \"10 ps\" or steps = 10000");
  }
  plan.skin = md_table.quantity_or("skin", Dimension::length, "1 A", core::Sign::positive);
  check_neighbor_budget(plan.frame.system, plan.potential->cutoff(), plan.skin, md_table, potential);
  plan.initial_temperature = md_table.optional_quantity("initial_temperature", Dimension::temperature,
                                                        core::Sign::non_negative);
  const auto steps = md_table.optional_integer("steps", core::Sign::non_negative);
  const auto duration = md_table.optional_quantity("duration", Dimension::time, core::Sign::non_negative);
  plan.integrator = md::make_integrator(md_table, static_cast<std::uint64_t>(plan.seed));
  md_table.reject_unknown_keys();
  const double dt = plan.integrator->timestep();
  if (plan.audit) plan.audit->every_steps = steps_of(potential.require_table("audit"), "every", plan.audit->settings.every, dt);
  plan.num_steps = steps ? *steps : (*duration == 0.0 ? 0 : steps_of(md_table, "duration", *duration, dt));

  plan.output_dir = "runs/" + plan.name;
  plan.thermo_every = std::max<std::int64_t>(1, plan.num_steps / 100);
  if (const auto output = root.optional_table("output")) {
    plan.output_dir = output->string_or("directory", plan.output_dir);
    if (auto t = output->optional_quantity("thermo_every", Dimension::time, core::Sign::positive)) {
      plan.thermo_every = steps_of(*output, "thermo_every", *t, dt);
    }
    if (auto t = output->optional_quantity("trajectory_every", Dimension::time, core::Sign::positive)) {
      plan.trajectory_every = steps_of(*output, "trajectory_every", *t, dt);
    }
    plan.trajectory_velocities = output->bool_or("trajectory_velocities", false);
    plan.trajectory_forces = output->bool_or("trajectory_forces", false);
    output->reject_unknown_keys();
  }
  root.reject_unknown_keys();
  return plan;
}

}  // namespace

// Where the MD loop's wall time went: neighbor list, the potential's own stages (e.g. edge
// building, model forward/backward, D3), integration (the rest of each step), output
// (observers) and anything else (progress, bookkeeping). Sums to the wall time.
nlohmann::json time_breakdown(md::Simulation& sim, const potentials::Potential& potential, double wall,
                              double neighbors_before, double potential_before, double integration_before,
                              double output_before, const potentials::StageTimes& stages_before) {
  nlohmann::json out = nlohmann::json::object();
  const double neighbors = sim.forces().seconds_neighbors() - neighbors_before;
  const double in_potential = sim.forces().seconds_potential() - potential_before;
  out["neighbor list"] = neighbors;
  potentials::StageTimes stages;
  potential.collect_times(stages);
  double staged = 0.0;
  for (const auto& [name, seconds] : stages.stages) {
    const double in_loop = seconds - stages_before.seconds(name);
    out[name] = in_loop;
    staged += in_loop;
  }
  if (stages.stages.empty()) {
    out["potential"] = in_potential;
  } else {
    out["potential, other"] = in_potential - staged;
  }
  out["integration"] = sim.seconds_integration() - integration_before;
  out["output"] = sim.seconds_output() - output_before;
  out["other"] = wall - neighbors - in_potential - (sim.seconds_integration() - integration_before) -
                 (sim.seconds_output() - output_before);
  return out;
}

CommandSpec md_spec() {
  return {"md", "CONFIG.toml",
          "run plain molecular dynamics (NVE, NVT, NPT) with an analytic potential or SevenNet",
          "CONFIG.toml has [structure], [potential], [md] and optionally [run] and [output]; see\n"
          "docs/protocols.md. The run directory ([output] directory, default runs/<run.name>; -2,\n"
          "-3, ... if taken) receives input.toml, initial.extxyz, thermo.csv, trajectory.h5 (if\n"
          "[output] trajectory_every is set), log.txt, and when the run finishes final.extxyz and\n"
          "summary.json.",
          {{"check", "", "validate the file and build everything, then exit without running"},
           {"output", "DIR", "run directory (overrides [output] directory)"},
           {"threads", "N", "OpenMP and libtorch threads (default: OMP_NUM_THREADS or all cores)"}},
          1, 1};
}

int run_md(const ParsedArgs& args, const Context& ctx) {
  apply_thread_option(args);
  const std::string& toml_path = args.positional[0];
  const auto root = core::ConfigTable::parse_file(toml_path);
  MdPlan plan = plan_md(root, toml_path);
  if (auto o = args.value("output")) plan.output_dir = *o;
  core::System& system = plan.frame.system;

  std::optional<md::MinimizationReport> relaxed;
  if (plan.minimizer && !args.flag("check")) {
    md::ForceEvaluator minimizer_forces(*plan.potential, plan.skin);
    relaxed = plan.minimizer->minimize(system, minimizer_forces);
  }

  core::Rng rng(static_cast<std::uint64_t>(plan.seed), /*stream=*/1);
  if (plan.initial_temperature) {
    md::assign_maxwell_boltzmann(system, *plan.initial_temperature, rng);
  } else if (!plan.frame.has_velocities && plan.integrator->target_temperature() > 0.0) {
    md::assign_maxwell_boltzmann(system, plan.integrator->target_temperature(), rng);
  }

  plan.frame.has_velocities = true;  // MD state: initial.extxyz and final.extxyz carry velocities

  std::ostringstream head;
  describe_structure(head, plan.frame, plan.structure_label);
  head << "potential   " << plan.potential->name() << " (cutoff " << plan.potential->cutoff() << " Å)\n";
  head << "integrator  " << plan.integrator->name() << ", dt = " << units::format_quantity(plan.integrator->timestep(), Dimension::time)
       << ", " << plan.num_steps << " steps ("
       << units::format_quantity(static_cast<double>(plan.num_steps) * plan.integrator->timestep(), Dimension::time) << ")\n";
  if (plan.audit) head << audit_line(*plan.audit, plan.integrator->timestep());
  if (args.flag("check")) {
    ctx.out << head.str() << "ok: " << toml_path << " is valid\n";
    return 0;
  }
  if (relaxed) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "minimized   %s after %lld FIRE steps: E = %.6f eV, max |F| = %.3g eV/A, V = %.3f A^3\n",
                  relaxed->stop_reason.c_str(), static_cast<long long>(relaxed->num_steps), relaxed->energy,
                  relaxed->max_force, relaxed->volume);
    head << line;
  }

  RunDirectory dir(plan.output_dir);
  dir.copy_input(toml_path);
  io::write_structure(dir.file("initial.extxyz"), plan.frame, io::Format::extxyz);  // after [minimize]
  std::ofstream log(dir.file("log.txt"));
  log << head.str() << "run dir     " << dir.path() << "\n";
  ctx.out << head.str() << "run dir     " << dir.path() << "\n";

  md::Simulation sim(system, *plan.potential, std::move(plan.integrator), plan.skin);
  std::ofstream thermo_file(dir.file("thermo.csv"));
  md::ThermoWriter thermo(thermo_file);
  sim.add_observer(thermo, plan.thermo_every);
  md::ProgressReporter progress(ctx.out, ::isatty(STDOUT_FILENO) == 1);
  sim.add_observer(progress, std::max<std::int64_t>(1, plan.thermo_every));
  std::unique_ptr<TrajectoryObserver> trajectory;
  if (plan.trajectory_every > 0) {
    trajectory = std::make_unique<TrajectoryObserver>(dir.file("trajectory.h5"), plan.trajectory_velocities,
                                                      plan.trajectory_forces);
    sim.add_observer(*trajectory, plan.trajectory_every);
  }
  TeeStream audit_log(ctx.err, log);
  const auto audit = attach_audit(plan.audit, sim, *plan.potential, dir.path(), audit_log);
  // Set up (first neighbor list and forces) before the clock starts, so the reported speed is
  // that of the MD loop, like LAMMPS' "Loop time".
  (void)sim.sample();
  // Stage clocks at the start, so that the breakdown covers the MD loop only (not set-up or
  // minimization).
  const double neighbors_before = sim.forces().seconds_neighbors();
  const double potential_before = sim.forces().seconds_potential();
  const double integration_before = sim.seconds_integration();
  const double output_before = sim.seconds_output();
  potentials::StageTimes stages_before;
  plan.potential->collect_times(stages_before);
  const auto wall_start = std::chrono::steady_clock::now();
  try {
    sim.run(plan.num_steps);
    sim.finish();
  } catch (const Error& e) {
    log << e.what() << "\n";
    throw;
  }

  io::write_structure(dir.file("final.extxyz"), plan.frame, io::Format::extxyz);
  const auto last = sim.sample();
  nlohmann::json summary;
  summary["ioncycle_version"] = IONCYCLE_VERSION;
  summary["steps"] = sim.step();
  summary["time_fs"] = sim.time();
  summary["final"] = {{"temperature_K", last.temperature},
                      {"potential_energy_eV", last.potential_energy},
                      {"kinetic_energy_eV", last.kinetic_energy},
                      {"conserved_energy_eV", last.conserved_energy},
                      {"pressure_GPa", last.pressure.trace() / 3.0 * units::eV_per_A3_in_GPa},
                      {"volume_A3", last.volume}};
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const double atom_steps = static_cast<double>(system.num_atoms()) * static_cast<double>(sim.step());
  summary["performance"] = {{"wall_time_s", wall},
                            {"steps_per_s", wall > 0 ? static_cast<double>(sim.step()) / wall : 0.0},
                            {"atom_steps_per_s", wall > 0 ? atom_steps / wall : 0.0},
                            {"threads", omp_get_max_threads()},
                            {"breakdown_s", time_breakdown(sim, *plan.potential, wall, neighbors_before,
                                                           potential_before, integration_before, output_before,
                                                           stages_before)}};
  summary["force_evaluations"] = sim.forces().num_evaluations();
  if (relaxed) {
    summary["minimization"] = {{"converged", relaxed->converged},
                               {"stop_reason", relaxed->stop_reason},
                               {"steps", relaxed->num_steps},
                               {"energy_eV", relaxed->energy},
                               {"max_force_eV_per_A", relaxed->max_force},
                               {"volume_A3", relaxed->volume}};
  }
  if (audit) summary["audit"] = audit_summary(*audit, sim.integrator().timestep());
  summary["neighbor_list_builds"] = sim.forces().neighbors().build_count();
  io::write_file_atomically(dir.file("summary.json"), [&](std::ostream& o) { o << std::setw(2) << summary << "\n"; });
  log << "finished    " << sim.step() << " steps\n";
  ctx.out << "finished    " << sim.step() << " steps; outputs in " << dir.path() << "\n";
  return 0;
}

}  // namespace ioncycle::cli
