// SPDX-License-Identifier: MIT
#include "distill/distill_run.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/units.hpp"
#include "io/atomic_file.hpp"
#include "io/extxyz.hpp"
#include "potentials/nep_potential.hpp"

namespace ioncycle::distill {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kSplitStream = 0x53504C4954;  // "SPLIT"
constexpr std::uint64_t kSamplingStream = 0x53414D50;  // "SAMP"

class StageClock {
 public:
  StageClock(std::map<std::string, double>& into, std::string name)
      : into_(into), name_(std::move(name)), start_(std::chrono::steady_clock::now()) {}
  ~StageClock() { into_[name_] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
  StageClock(const StageClock&) = delete;
  StageClock& operator=(const StageClock&) = delete;

 private:
  std::map<std::string, double>& into_;
  std::string name_;
  std::chrono::steady_clock::time_point start_;
};

std::vector<io::Frame> read_frames_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot read " + path);
  return io::read_extxyz(in, path);
}

void write_frames_file(const std::string& path, const std::vector<io::Frame>& frames) {
  io::write_file_atomically(path, [&](std::ostream& o) { io::write_extxyz(o, frames); });
}

// The frames of a stage: made and written unless a previous call wrote them, and always used as
// read back from the file, so that a resumed call labels exactly what the first one did (the
// file's text, not the in-memory doubles, defines the structures and their hashes).
template <typename Make>
std::vector<io::Frame> frames_of_stage(const std::string& path, Make make) {
  if (!fs::exists(path)) write_frames_file(path, make());
  return read_frames_file(path);
}

// Labels joined with the category and origin of the frames they label (by config_index).
std::vector<io::Frame> joined(std::vector<io::Frame> labels, const std::vector<io::Frame>& frames) {
  for (io::Frame& f : labels) {
    const auto index = static_cast<std::size_t>(std::get<std::int64_t>(f.info.at("config_index")));
    for (const char* key : {"category", "origin"}) {
      const auto it = frames.at(index).info.find(key);
      if (it != frames.at(index).info.end()) f.info[key] = it->second;
    }
  }
  return labels;
}

double max_force(const io::Frame& f) {
  double m = 0.0;
  for (const auto& v : f.system.forces()) m = std::max(m, v.norm());
  return m;
}

// Rows for all frames (first) and for each category present; `per_frame`, if given, gets the
// predictions of every frame (label_errors()).
std::vector<ErrorRow> errors_by_category(int round, const std::string& set, potentials::Potential& model,
                                         const std::vector<io::Frame>& frames,
                                         std::vector<FramePrediction>* per_frame = nullptr) {
  std::vector<ErrorRow> rows;
  if (frames.empty()) return rows;
  rows.push_back({round, set, "all", label_errors(model, frames, per_frame)});
  for (const auto& category : categories()) {
    std::vector<io::Frame> subset;
    for (const auto& f : frames) {
      if (category_of(f) == category) subset.push_back(f);
    }
    if (!subset.empty()) rows.push_back({round, set, category, label_errors(model, subset)});
  }
  return rows;
}

bool meets(const LabelErrors& e, const Targets& t) {
  const bool stress_ok = e.stress_frames == 0 || e.stress_rmse <= t.stress_rmse;
  return e.energy_rmse <= t.energy_rmse && e.force_rmse <= t.force_rmse && stress_ok;
}

std::string describe(const LabelErrors& e) {
  std::ostringstream s;
  s << std::setprecision(3) << e.frames << " frames: E " << e.energy_rmse * 1e3 << " meV/atom, F "
    << e.force_rmse * 1e3 << " meV/A (worst atom " << e.force_max << " eV/A)";
  if (e.stress_frames > 0) s << ", stress " << e.stress_rmse << " GPa";
  return s.str();
}

std::vector<std::string> elements_of(const std::vector<io::Frame>& frames) {
  std::set<int> zs;
  for (const auto& f : frames) zs.insert(f.system.atomic_numbers().begin(), f.system.atomic_numbers().end());
  std::vector<std::string> out;
  for (const int z : zs) out.emplace_back(core::symbol(z));
  return out;
}

void write_errors_csv(const std::string& path, const std::vector<ErrorRow>& rows) {
  io::write_file_atomically(path, [&](std::ostream& o) {
    o << "round,set,category,frames,energy_rmse_meV_per_atom,force_rmse_meV_per_A,force_max_eV_per_A,"
         "stress_rmse_GPa\n";
    o << std::setprecision(6);
    for (const auto& r : rows) {
      o << r.round << "," << r.set << "," << r.category << "," << r.errors.frames << ","
        << r.errors.energy_rmse * 1e3 << "," << r.errors.force_rmse * 1e3 << "," << r.errors.force_max << ",";
      if (r.errors.stress_frames > 0) o << r.errors.stress_rmse;
      o << "\n";
    }
  });
}

// Per-frame energies and every force component of the student on labelled frames.
void write_parity(const std::string& dir, potentials::Potential& model,
                  const std::vector<std::pair<std::string, const std::vector<io::Frame>*>>& sets) {
  std::ostringstream energies, forces;
  energies << "set,category,atoms,energy_label_eV_per_atom,energy_model_eV_per_atom,force_rmse_eV_per_A\n";
  forces << "set,category,force_label_eV_per_A,force_model_eV_per_A\n";
  energies << std::setprecision(10);
  forces << std::setprecision(8);
  for (const auto& [name, frames] : sets) {
    for (const io::Frame& f : *frames) {
      potentials::ForceRequest what;
      what.forces = true;
      core::System system = f.system;
      const auto result = model.compute_once(system, what);
      const double n = static_cast<double>(system.num_atoms());
      double sq = 0.0;
      for (std::size_t i = 0; i < system.num_atoms(); ++i) {
        for (int a = 0; a < 3; ++a) {
          const double l = f.system.forces()[i][a], m = result.forces[i][a];
          sq += (l - m) * (l - m);
          forces << name << "," << category_of(f) << "," << l << "," << m << "\n";
        }
      }
      energies << name << "," << category_of(f) << "," << system.num_atoms() << ","
               << std::get<double>(f.info.at("energy")) / n << "," << result.energy / n << ","
               << std::sqrt(sq / (3.0 * n)) << "\n";
    }
  }
  io::write_file_atomically(dir + "/parity.csv", [&](std::ostream& o) { o << energies.str(); });
  io::write_file_atomically(dir + "/parity_forces.csv", [&](std::ostream& o) { o << forces.str(); });
}

nlohmann::json errors_json(const LabelErrors& e) {
  nlohmann::json j{{"frames", e.frames},
                   {"energy_rmse_meV_per_atom", e.energy_rmse * 1e3},
                   {"force_rmse_meV_per_A", e.force_rmse * 1e3},
                   {"force_max_eV_per_A", e.force_max}};
  j["stress_rmse_GPa"] = e.stress_frames > 0 ? nlohmann::json(e.stress_rmse) : nlohmann::json(nullptr);
  return j;
}

}  // namespace

DistillReport run_distill(const DistillSettings& settings, const DistillInputs& inputs, std::ostream& log) {
  const bool have_teacher = static_cast<bool>(inputs.teacher);
  if (!have_teacher && inputs.labelled.empty()) throw InputError("distill: neither a teacher nor labelled frames");
  if (!have_teacher && settings.active.rounds > 0) {
    throw InputError("distill: active learning needs a teacher to label the student's frames",
                     "set [active_learning] rounds = 0 with labelled files, or give a teacher potential");
  }
  if (!(settings.test_fraction >= 0.0 && settings.test_fraction < 1.0)) {
    throw InputError("distill: test_fraction must lie in [0, 1)");
  }
  DistillReport report;
  const std::string out = settings.output_dir;
  const std::string stages = out + "/stages";
  fs::create_directories(stages);
  auto path = [&](const std::string& stem, int round, const std::string& ext) {
    return stages + "/" + stem + "-" + std::to_string(round) + ext;
  };
  LabelOptions label_options;
  label_options.workers = settings.workers;
  auto label = [&](const std::vector<io::Frame>& frames, int round) {
    StageClock clock(report.stage_seconds, "label");
    const LabelSummary s = label_frames(frames, inputs.teacher, path("labels", round, ".extxyz"), label_options);
    report.labelled_now += s.labelled;
    report.labels_reused += s.reused;
    log << "labels      round " << round << ": " << s.labelled << " computed, " << s.reused << " reused"
        << (s.dropped_partial ? " (a partial frame of a killed call cut off)" : "") << "\n";
    return joined(read_labels(path("labels", round, ".extxyz")), frames);
  };

  // Round 0: sample and label (or take the user's labelled frames).
  std::vector<io::Frame> bases;
  std::vector<io::Frame> round0;
  if (have_teacher) {
    core::Rng rng(settings.seed, kSamplingStream);
    bases = base_configurations(inputs.hosts, settings.sampling, rng);
    const auto frames = frames_of_stage(path("frames", 0, ".extxyz"), [&] {
      StageClock clock(report.stage_seconds, "sample");
      std::vector<io::Frame> all = bases;
      auto perturbed = perturbed_configurations(bases, settings.sampling, rng);
      all.insert(all.end(), perturbed.begin(), perturbed.end());
      SnapshotSettings md;
      md.temperatures = settings.sampling.temperatures;
      md.steps = settings.sampling.md_steps;
      md.timestep = settings.sampling.md_timestep;
      md.frames = settings.sampling.md_frames;
      md.seed = settings.seed;
      md.journal = path("teacher-md", 0, ".extxyz");
      md.progress = [&log](int done, int total) {
        log << "sampling    teacher MD " << done << "/" << total << " trajectories\n" << std::flush;
      };
      const auto teacher = inputs.teacher();
      const Snapshots snaps = md_snapshots(bases, *teacher, md);
      if (snaps.resumed > 0) log << "sampling    " << snaps.resumed << " teacher MD trajectories taken from the journal\n";
      if (snaps.failed > 0) log << "sampling    " << snaps.failed << " teacher MD runs failed; first: " << snaps.first_failure << "\n";
      all.insert(all.end(), snaps.frames.begin(), snaps.frames.end());
      for (std::size_t k = 0; k < inputs.included.size(); ++k) {
        const io::Frame& f = inputs.included[k];
        const std::string category = category_of(f).empty() ? std::string("audit") : category_of(f);
        const auto origin = f.info.find("origin");
        all.push_back(tagged(f.system, category,
                             origin != f.info.end() && std::holds_alternative<std::string>(origin->second)
                                 ? std::get<std::string>(origin->second)
                                 : "included frame " + std::to_string(k)));
      }
      return all;
    });
    log << "sampling    " << bases.size() << " base configurations, " << frames.size() << " frames in all\n";
    round0 = label(frames, 0);
  } else {
    round0 = inputs.labelled;
    for (auto& f : round0) {
      if (category_of(f).empty()) f.info["category"] = std::string("labelled");
    }
  }

  // Held-out split, then the training set without exploded frames.
  std::vector<io::Frame> training, test;
  {
    core::Rng split(settings.seed, kSplitStream);
    for (const auto& f : round0) (split.uniform() < settings.test_fraction ? test : training).push_back(f);
    if (test.empty() && settings.test_fraction > 0.0 && training.size() >= 2) {
      test.push_back(training.back());
      training.pop_back();
    }
  }
  std::size_t dropped = 0;
  auto keep_trainable = [&](std::vector<io::Frame>& frames) {
    const auto before = frames.size();
    std::erase_if(frames, [&](const io::Frame& f) { return max_force(f) > settings.max_label_force; });
    dropped += before - frames.size();
  };
  keep_trainable(training);
  if (training.empty()) throw InputError("distill: no frame left to train on", "sample more frames or lower test_fraction");
  NepHyperparameters hyper = settings.training;
  if (hyper.elements.empty()) {
    std::vector<io::Frame> everything = training;
    everything.insert(everything.end(), bases.begin(), bases.end());
    hyper.elements = elements_of(everything);
  }

  std::vector<int> selected_per_round;
  std::vector<io::Frame> last_md;  // the latest model's own MD frames, labelled
  for (int round = 0;; ++round) {
    // Train model `round` on the current training set.
    const std::string model_path = path("model", round, ".txt");
    if (!fs::exists(model_path)) {
      StageClock clock(report.stage_seconds, "train");
      write_frames_file(path("training", round, ".extxyz"), training);
      log << "training    round " << round << ": " << training.size() << " frames\n" << std::flush;
      NepHyperparameters round_hyper = hyper;
      std::string start_from;
      if (round > 0) {
        if (settings.active.epochs > 0) round_hyper.epochs = settings.active.epochs;
        if (settings.active.warm_start) {
          start_from = path("model", round - 1, ".txt");
          round_hyper.learning_rate = settings.active.learning_rate;
        }
      }
      const NepTrainingRun run =
          train_nep(round_hyper, path("training", round, ".extxyz"), path("train", round, ""),
                    settings.seed + static_cast<std::uint64_t>(round), settings.python, start_from);
      io::write_file_atomically(model_path, [&](std::ostream& o) { o << std::ifstream(run.model_path).rdbuf(); });
    }
    potentials::NepPotential student(model_path);
    {
      StageClock clock(report.stage_seconds, "evaluate");
      for (auto& r : errors_by_category(round, "train", student, training)) report.rows.push_back(std::move(r));
      for (auto& r : errors_by_category(round, "test", student, test)) report.rows.push_back(std::move(r));
    }
    report.final_round = round;
    if (!have_teacher) {
      report.stop_reason = "trained on labelled files (no teacher, no active learning)";
      break;
    }

    // The student's own MD: candidates for the next round and its held-out errors.
    const auto candidates = frames_of_stage(path("frames", round + 1, ".extxyz"), [&] {
      StageClock clock(report.stage_seconds, "student md");
      SnapshotSettings md = settings.active.md;
      md.seed = settings.seed + 1000 + static_cast<std::uint64_t>(round);
      const Snapshots snaps = md_snapshots(bases, student, md);
      log << "student md  round " << round << ": " << snaps.trajectories << " trajectories, " << snaps.frames.size()
          << " frames";
      if (snaps.failed > 0) log << ", " << snaps.failed << " failed (first: " << snaps.first_failure << ")";
      log << "\n";
      return snaps.frames;
    });
    if (candidates.empty()) {
      last_md.clear();  // the previous model's frames are not this model's own
      report.stop_reason = "the student's MD gave no frame to check (every trajectory failed at once: see log.txt)";
      break;
    }
    const auto labelled = label(candidates, round + 1);
    std::vector<FramePrediction> per_frame;
    LabelErrors on_md;
    {
      StageClock clock(report.stage_seconds, "evaluate");
      auto rows = errors_by_category(round, "student_md", student, labelled, &per_frame);
      on_md = rows.front().errors;
      for (auto& r : rows) report.rows.push_back(std::move(r));
    }
    log << "student md  model " << round << " on its own MD: " << describe(on_md) << "\n";
    last_md = labelled;
    if (meets(on_md, settings.targets)) {
      report.converged = true;
      report.stop_reason = "the student's errors on its own MD frames meet the targets";
      break;
    }
    if (round >= settings.active.rounds) {
      report.stop_reason = "round limit reached (" + std::to_string(settings.active.rounds) + " rounds)";
      break;
    }
    // Select the worst candidates above the threshold.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < per_frame.size(); ++i) {
      if (per_frame[i].force_rmse > settings.active.select_force_rmse) order.push_back(i);
    }
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return per_frame[a].force_rmse > per_frame[b].force_rmse; });
    if (order.size() > static_cast<std::size_t>(settings.active.max_selected)) order.resize(settings.active.max_selected);
    if (order.empty()) {
      report.stop_reason = "the targets are missed, but no student-MD frame has a force RMSE above select_force_rmse to add";
      break;
    }
    std::vector<io::Frame> chosen;
    for (const auto i : order) chosen.push_back(labelled[i]);
    keep_trainable(chosen);
    if (chosen.empty()) {
      report.stop_reason = "every selected student-MD frame has a teacher force above max_label_force (atoms too close)";
      break;
    }
    selected_per_round.push_back(static_cast<int>(chosen.size()));
    log << "selected    round " << round + 1 << ": " << chosen.size() << " of " << labelled.size() << " frames\n";
    training.insert(training.end(), chosen.begin(), chosen.end());
  }

  // Outputs.
  const std::string final_model = path("model", report.final_round, ".txt");
  report.model_path = out + "/nep.txt";
  io::write_file_atomically(report.model_path, [&](std::ostream& o) { o << std::ifstream(final_model).rdbuf(); });
  write_frames_file(out + "/training.extxyz", training);
  write_frames_file(out + "/test.extxyz", test);
  write_errors_csv(out + "/errors.csv", report.rows);
  potentials::NepPotential student(report.model_path);
  write_parity(out, student, {{"test", &test}, {"student_md", &last_md}});
  report.training_frames = training.size();
  report.test_frames = test.size();

  nlohmann::json j;
  j["teacher"] = have_teacher ? inputs.teacher_name : "labelled files";
  j["model"] = "nep.txt";
  j["elements"] = hyper.elements;
  j["final_round"] = report.final_round;
  j["converged"] = report.converged;
  j["stop_reason"] = report.stop_reason;
  j["frames"] = {{"round0", round0.size()},
                 {"training", training.size()},
                 {"test", test.size()},
                 {"dropped_large_force", dropped},
                 {"selected_per_round", selected_per_round}};
  j["labels"] = {{"computed_this_call", report.labelled_now}, {"reused", report.labels_reused}};
  j["targets"] = {{"energy_rmse_meV_per_atom", settings.targets.energy_rmse * 1e3},
                  {"force_rmse_meV_per_A", settings.targets.force_rmse * 1e3},
                  {"stress_rmse_GPa", settings.targets.stress_rmse}};
  nlohmann::json final_errors = nlohmann::json::object();
  for (const auto& r : report.rows) {
    if (r.round == report.final_round && r.category == "all") final_errors[r.set] = errors_json(r.errors);
  }
  j["final_errors"] = final_errors;
  j["stage_seconds_this_call"] = report.stage_seconds;
  j["hyperparameters"] = {{"version", hyper.version},
                          {"cutoff_radial_A", hyper.cutoff_radial},
                          {"cutoff_angular_A", hyper.cutoff_angular},
                          {"n_max", {hyper.n_max_radial, hyper.n_max_angular}},
                          {"basis_size", {hyper.basis_radial, hyper.basis_angular}},
                          {"l_max", {hyper.l_max_3body, hyper.l_max_4body, hyper.l_max_5body}},
                          {"neurons", hyper.neurons},
                          {"batch", hyper.batch},
                          {"epochs", hyper.epochs},
                          {"lambda", {hyper.lambda_e, hyper.lambda_f, hyper.lambda_v}},
                          {"learning_rate", hyper.learning_rate}};
  // The settings as resolved (every default filled in), next to input.toml as written.
  const SamplingSettings& sp = settings.sampling;
  j["settings"] = {
      {"seed", settings.seed},
      {"workers", settings.workers},
      {"test_fraction", settings.test_fraction},
      {"max_label_force_eV_per_A", settings.max_label_force},
      {"sampling",
       {{"ion", std::string(core::symbol(sp.ion_z))},
        {"capacity", sp.capacity},
        {"ion_fractions", sp.ion_fractions},
        {"arrangements", sp.arrangements},
        {"expansion_at_full", sp.expansion_at_full},
        {"min_distance_A", sp.min_distance},
        {"ion_spacing_A", sp.ion_spacing},
        {"temperatures_K", sp.temperatures},
        {"md_steps", sp.md_steps},
        {"md_timestep_fs", sp.md_timestep},
        {"md_frames", sp.md_frames},
        {"strained", sp.strained},
        {"strain_max", sp.strain_max},
        {"layer_scales", sp.layer_scales},
        {"rattled", sp.rattled},
        {"rattle_sigma_A", sp.rattle_sigma},
        {"insertions", sp.insertions},
        {"removals", sp.removals},
        {"reference_metal", sp.reference_metal},
        {"metal_repeat", sp.metal_repeat},
        {"included_frames", inputs.included.size()}}},
      {"active_learning",
       {{"rounds", settings.active.rounds},
        {"temperatures_K", settings.active.md.temperatures},
        {"md_steps", settings.active.md.steps},
        {"md_timestep_fs", settings.active.md.timestep},
        {"md_frames", settings.active.md.frames},
        {"select_force_rmse_eV_per_A", settings.active.select_force_rmse},
        {"max_selected", settings.active.max_selected},
        {"warm_start", settings.active.warm_start},
        {"learning_rate", settings.active.learning_rate},
        {"epochs", settings.active.epochs > 0 ? settings.active.epochs : settings.training.epochs}}}};
  nlohmann::json summary;
  summary["ioncycle_version"] = IONCYCLE_VERSION;
  summary["distill"] = j;
  io::write_file_atomically(out + "/summary.json", [&](std::ostream& o) { o << std::setw(2) << summary << "\n"; });
  log << "student     " << report.model_path << " (round " << report.final_round << "; " << report.stop_reason << ")\n";
  return report;
}

}  // namespace ioncycle::distill
