// SPDX-License-Identifier: MIT
//
// The whole of `ioncycle distill` after its spec is read (docs/distill.md): sample, label, train,
// then active-learning rounds, into one output directory that a second call resumes.
//
//   round 0     the sampled frames (sampling.hpp: base configurations, perturbed copies, teacher
//               MD snapshots) are labelled by the teacher; a seeded `test_fraction` of them is
//               held out, the rest is the training set; model 0 is trained (nep_training.hpp).
//   round R     model R runs Langevin MD from every base configuration (md_snapshots.hpp); the
//               snapshots are labelled by the teacher, and model R's errors on them, frames it
//               never trained on from its own trajectories, are its "student_md" errors. When
//               they meet the targets, or R is the last round, model R is the student. Otherwise
//               the candidates whose force RMSE exceeds `select_force_rmse` (worst first, at most
//               `max_selected`) join the training set, and model R+1 is trained.
// This is DP-GEN's concurrent learning with the teacher's disagreement as the selection
// criterion, measured rather than estimated (Zhang et al., Comput. Phys. Commun. 253, 107206
// (2020)); the labels it costs are the ones that report the student's held-out error anyway.
//
// Frames whose largest teacher force exceeds `max_label_force` (atoms pushed into each other) are
// labelled but never trained on: they would dominate a force loss. With labelled files instead of
// a teacher (the user's DFT data), round 0 trains on the files and there are no further rounds.
//
// Resuming: every stage's result is a file in OUT/stages/ written atomically, and a stage whose file
// exists is not run again: frames-R.extxyz (the configurations), labels-R.extxyz (label
// journals, resumable frame by frame, labels.hpp), model-R.txt (a finished training; an
// interrupted one resumes from TorchNEP's checkpoint in train-R/). A killed distill called again
// therefore repeats no label and no finished training.
//
// Outputs in OUT: nep.txt (the student), training.extxyz and test.extxyz (labels with category
// and origin), errors.csv (every model's errors per set and category), parity.csv and
// parity_forces.csv (the student on the test and student-MD frames), summary.json.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "distill/label_errors.hpp"
#include "distill/labels.hpp"
#include "distill/md_snapshots.hpp"
#include "distill/nep_training.hpp"
#include "distill/sampling.hpp"
#include "io/frame.hpp"

namespace ioncycle::distill {

struct ActiveLearningSettings {
  int rounds = 2;                  ///< retrainings after model 0 at most
  SnapshotSettings md{{300.0, 600.0}, 400, 1.0, 4, 1};
  double select_force_rmse = 0.08;  ///< eV/Å
  int max_selected = 50;            ///< per round
  /// Model R (R ≥ 1) starts from model R−1's weights instead of a random initialization: the
  /// new frames correct a model that is already close, so fewer epochs reach the same error.
  bool warm_start = true;
  int epochs = 0;  ///< epochs of the trainings after model 0; 0: the same as [training] epochs
  /// Initial learning rate of a warm-started training: TorchNEP's 0.01 is for a random start; at
  /// that rate the fresh optimizer's first steps undo much of the start model's fit (measured in
  /// tests/unit/distill/test_nep_training.cpp), so warm rounds start ten times lower.
  double learning_rate = 0.001;
};

struct Targets {
  double energy_rmse = 0.003;  ///< eV/atom
  double force_rmse = 0.080;   ///< eV/Å
  double stress_rmse = 0.2;    ///< GPa
};

struct DistillSettings {
  std::string output_dir;
  std::uint64_t seed = 1;
  SamplingSettings sampling;
  NepHyperparameters training;  ///< elements: filled from the frames when empty
  ActiveLearningSettings active;
  Targets targets;
  double test_fraction = 0.1;
  double max_label_force = 50.0;  ///< eV/Å
  std::size_t workers = 1;        ///< label workers
  std::string python;             ///< trainer interpreter; "" = train_nep's default
};

struct DistillInputs {
  std::vector<io::Frame> hosts;      ///< the [structure] hosts (teacher mode)
  TeacherFactory teacher;            ///< empty: train on `labelled`
  std::string teacher_name;          ///< for the summary
  std::vector<io::Frame> labelled;   ///< the user's labelled frames (no teacher)
  /// Structures added to round 0 as they are ([sampling] include, e.g. an audit's worst frames),
  /// labelled by the teacher; category from their info, else "audit".
  std::vector<io::Frame> included;
};

struct ErrorRow {
  int round = 0;          ///< the model's round
  std::string set;        ///< "train", "test", "student_md"
  std::string category;   ///< a sampling category, or "all"
  LabelErrors errors;
};

struct DistillReport {
  std::string model_path;     ///< OUT/nep.txt
  int final_round = 0;
  bool converged = false;     ///< the student's student-MD errors meet the targets
  std::string stop_reason;
  std::vector<ErrorRow> rows;
  std::map<std::string, double> stage_seconds;  ///< this call's wall time per stage
  std::size_t labelled_now = 0, labels_reused = 0;
  std::size_t training_frames = 0, test_frames = 0;
};

/// Run or resume the distill in settings.output_dir (created). InputError for inconsistent
/// settings; errors of the teacher, the trainer or the files propagate with their context.
DistillReport run_distill(const DistillSettings& settings, const DistillInputs& inputs, std::ostream& log);

}  // namespace ioncycle::distill
