// SPDX-License-Identifier: MIT
//
// The audit of a student during a run (docs/distill.md, "Audit during runs"): every `every` of
// MD time the teacher evaluates the current configuration and the student's energy, forces and
// stress are compared with it, as HAML's and DP-GEN's schemes check a fast model where it goes,
// not only where it was trained.
//
//   [potential]
//   model = "runs/li-graphite/nep.txt"
//   audit = { teacher = "default", every = "2 ps", force_rmse_max = "0.15 eV/A", on_exceed = "warn" }
//
// `teacher` is a potential spec string (models.md; "default" = SevenNet-0 + D3, so compare it
// with a student + D3). Each check appends one row to audit.csv:
//   step, time_fs, atoms, energy_error_meV_per_atom (student − teacher, per atom),
//   force_rmse_eV_per_A (component RMSE), force_max_eV_per_A (largest per-atom error norm),
//   stress_rmse_GPa (the six virial stress components; empty without a 3-periodic cell),
//   exceeded (1 when force_rmse > force_rmse_max)
// computed by label_errors() on the teacher-labelled configuration, as a distill reports errors.
// and the `keep` checked frames with the largest force RMSE are kept in audit_frames.extxyz with the
// teacher's labels (energy, forces, stress as label journals hold them, formats.md) and
// `audit_step`, `audit_force_rmse` in their info: ready for `[sampling] include` of the next
// distill round. Both files are rewritten atomically: audit.csv after every check, the frames
// when a check joins them.
//
// on_exceed = "warn" writes a warning line and goes on; "stop" throws a SimulationError naming the
// step and the numbers after the row and the frame are written, so the run ends with status 1 (a
// cycling run keeps its last checkpoint). Checks fall on steps that are multiples of `every`
// (step 0 included), whatever chunks the run is advanced in.
//
// No model ioncycle runs reports an extrapolation grade yet (TorchNEP's MaxVol grade lives in its
// Python code), so the audit compares with the teacher only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "io/frame.hpp"
#include "md/observer.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::distill {

struct AuditSettings {
  std::string teacher = "default";  ///< potential spec string
  double every = 2000.0;            ///< fs
  double force_rmse_max = 0.15;     ///< eV/Å
  bool stop_on_exceed = false;      ///< on_exceed = "stop"
  int keep = 20;                    ///< worst frames kept
};

/// The `audit` inline table of [potential]; located InputErrors for bad values.
[[nodiscard]] AuditSettings parse_audit(const core::ConfigTable& audit);

struct AuditSummary {
  std::int64_t checks = 0;
  std::int64_t exceeded = 0;
  std::optional<std::int64_t> first_exceeded_step;
  double worst_force_rmse = 0.0;     ///< eV/Å
  std::int64_t worst_step = -1;
  double last_force_rmse = 0.0;      ///< eV/Å
  double mean_force_rmse = 0.0;      ///< eV/Å over the checks
  double max_energy_error = 0.0;     ///< meV/atom, largest |student − teacher|
};

class Audit final : public md::Observer {
 public:
  /// `student`: the run's potential (evaluated again at each check, as label_errors() does);
  /// `every_steps`: `every` in MD steps (>= 1). Files go to `directory`; existing ones are
  /// continued from `resume_step` (rows and frames after it dropped), or replaced when it is < 0.
  Audit(potentials::Potential& student, std::unique_ptr<potentials::Potential> teacher, AuditSettings settings,
        std::int64_t every_steps, std::string directory, std::ostream& log, std::int64_t resume_step = -1);

  void observe(const md::StepInfo& info, const core::System& system) override;

  [[nodiscard]] const AuditSummary& summary() const { return summary_; }
  [[nodiscard]] const AuditSettings& settings() const { return settings_; }
  [[nodiscard]] std::int64_t every_steps() const { return every_; }
  /// The force RMSE of the latest check (nullopt before the first), for `until` conditions.
  [[nodiscard]] std::optional<double> latest_force_rmse() const;
  /// Step of the latest check (-1 before the first).
  [[nodiscard]] std::int64_t latest_step() const { return last_step_; }

 private:
  /// audit.csv always; audit_frames.extxyz when the kept frames changed.
  void write_files(bool frames_changed) const;

  potentials::Potential& student_;
  std::unique_ptr<potentials::Potential> teacher_;
  AuditSettings settings_;
  std::int64_t every_;
  std::string csv_path_, frames_path_;
  std::ostream& log_;
  std::string rows_;                      // audit.csv's text
  std::vector<io::Frame> worst_;          // by decreasing force RMSE
  AuditSummary summary_;
  double rmse_sum_ = 0.0;
  std::int64_t last_step_ = -1;
};

}  // namespace ioncycle::distill
