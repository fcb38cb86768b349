// SPDX-License-Identifier: MIT
#include "distill/audit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/units.hpp"
#include "io/atomic_file.hpp"
#include "io/extxyz.hpp"
#include "distill/label_errors.hpp"
#include "distill/labels.hpp"

namespace ioncycle::distill {

namespace {

constexpr const char* kHeader =
    "step,time_fs,atoms,energy_error_meV_per_atom,force_rmse_eV_per_A,force_max_eV_per_A,stress_rmse_GPa,exceeded\n";

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

AuditSettings parse_audit(const core::ConfigTable& t) {
  AuditSettings s;
  s.teacher = t.string_or("teacher", s.teacher);
  if (s.teacher.empty()) throw t.error_at("teacher", "the teacher spec is empty", "e.g. teacher = \"default\"");
  s.every = t.quantity_or("every", units::Dimension::time, "2 ps", core::Sign::positive);
  s.force_rmse_max = t.quantity_or("force_rmse_max", units::Dimension::force, "0.15 eV/A", core::Sign::positive);
  s.stop_on_exceed = t.choice_or("on_exceed", {"warn", "stop"}, "warn") == "stop";
  s.keep = static_cast<int>(t.integer_or("keep", s.keep, core::Sign::positive));
  t.reject_unknown_keys();
  return s;
}

Audit::Audit(potentials::Potential& student, std::unique_ptr<potentials::Potential> teacher, AuditSettings settings,
             std::int64_t every_steps, std::string directory, std::ostream& log, std::int64_t resume_step)
    : student_(student),
      teacher_(std::move(teacher)),
      settings_(std::move(settings)),
      every_(std::max<std::int64_t>(1, every_steps)),
      csv_path_(directory + "/audit.csv"),
      frames_path_(directory + "/audit_frames.extxyz"),
      log_(log) {
  rows_ = kHeader;
  if (resume_step < 0) return;
  // Continue a resumed run: keep what was checked up to the checkpoint.
  std::istringstream lines(read_text(csv_path_));
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::stringstream cs(line);
    for (std::string c; std::getline(cs, c, ',');) cells.push_back(c);
    if (cells.size() < 8) continue;
    const std::int64_t step = std::stoll(cells[0]);
    if (step > resume_step) continue;
    rows_ += line + "\n";
    const double rmse = std::stod(cells[4]);
    ++summary_.checks;
    rmse_sum_ += rmse;
    summary_.last_force_rmse = rmse;
    last_step_ = step;
    summary_.max_energy_error = std::max(summary_.max_energy_error, std::abs(std::stod(cells[3])));
    if (rmse > summary_.worst_force_rmse) {
      summary_.worst_force_rmse = rmse;
      summary_.worst_step = step;
    }
    if (cells[7] == "1") {
      ++summary_.exceeded;
      if (!summary_.first_exceeded_step) summary_.first_exceeded_step = step;
    }
  }
  summary_.mean_force_rmse = summary_.checks > 0 ? rmse_sum_ / static_cast<double>(summary_.checks) : 0.0;
  if (std::filesystem::exists(frames_path_)) {
    std::ifstream in(frames_path_);
    for (auto& f : io::read_extxyz(in, frames_path_)) {
      const auto it = f.info.find("audit_step");
      if (it != f.info.end() && std::get<std::int64_t>(it->second) <= resume_step) worst_.push_back(std::move(f));
    }
  }
}

std::optional<double> Audit::latest_force_rmse() const {
  if (summary_.checks == 0) return std::nullopt;
  return summary_.last_force_rmse;
}

void Audit::observe(const md::StepInfo& info, const core::System& system) {
  if (info.step % every_ != 0 || info.step == last_step_) return;
  last_step_ = info.step;
  const std::size_t n = system.num_atoms();
  // The teacher's labels of this configuration, and the student's errors against them as a
  // distill reports them (label_errors.hpp; one more student evaluation, cheap next to the
  // teacher's). The frame is kept for audit_frames.extxyz.
  io::Frame frame = labelled_copy(system, *teacher_);
  std::vector<FramePrediction> prediction;
  const LabelErrors errors = label_errors(student_, std::span<const io::Frame>(&frame, 1), &prediction);
  const double rmse = errors.force_rmse;
  const double worst_atom = errors.force_max;
  const double energy_error =
      n > 0 ? (prediction[0].energy_model - prediction[0].energy_label) / static_cast<double>(n) * 1e3 : 0.0;
  const std::optional<double> stress_rmse =
      errors.stress_frames > 0 ? std::optional<double>(errors.stress_rmse) : std::nullopt;
  const bool exceeded = !(rmse <= settings_.force_rmse_max);  // NaN exceeds

  char line[256];
  std::snprintf(line, sizeof line, "%lld,%.6g,%zu,%.6g,%.6g,%.6g,", static_cast<long long>(info.step), info.time, n,
                energy_error, rmse, worst_atom);
  rows_ += line;
  if (stress_rmse) {
    std::snprintf(line, sizeof line, "%.6g", *stress_rmse);
    rows_ += line;
  }
  rows_ += exceeded ? ",1\n" : ",0\n";

  ++summary_.checks;
  rmse_sum_ += rmse;
  summary_.mean_force_rmse = rmse_sum_ / static_cast<double>(summary_.checks);
  summary_.last_force_rmse = rmse;
  summary_.max_energy_error = std::max(summary_.max_energy_error, std::abs(energy_error));
  if (rmse > summary_.worst_force_rmse || summary_.worst_step < 0) {
    summary_.worst_force_rmse = rmse;
    summary_.worst_step = info.step;
  }
  if (exceeded) {
    ++summary_.exceeded;
    if (!summary_.first_exceeded_step) summary_.first_exceeded_step = info.step;
  }

  // Keep the frame, labelled by the teacher, if it is among the worst.
  frame.info["audit_step"] = static_cast<std::int64_t>(info.step);
  frame.info["audit_force_rmse"] = rmse;
  frame.info["category"] = std::string("audit");
  const auto rmse_of = [](const io::Frame& f) { return std::get<double>(f.info.at("audit_force_rmse")); };
  const auto pos = std::find_if(worst_.begin(), worst_.end(), [&](const io::Frame& f) { return rmse_of(f) < rmse; });
  const bool kept = static_cast<int>(pos - worst_.begin()) < settings_.keep;
  if (kept) {
    worst_.insert(pos, std::move(frame));
    if (static_cast<int>(worst_.size()) > settings_.keep) worst_.resize(static_cast<std::size_t>(settings_.keep));
  }
  write_files(kept);

  if (exceeded) {
    std::snprintf(line, sizeof line,
                  "audit at step %lld (t = %s): force RMSE %.4g eV/A against the teacher exceeds force_rmse_max = %.4g "
                  "eV/A (energy %+.3g meV/atom)",
                  static_cast<long long>(info.step), units::format_quantity(info.time, units::Dimension::time).c_str(),
                  rmse, settings_.force_rmse_max, energy_error);
    if (settings_.stop_on_exceed) {
      throw SimulationError(std::string(line) + "; stopped (on_exceed = \"stop\"). The frame is in " + frames_path_ +
                            ": add it to the next distill round with [sampling] include");
    }
    log_ << "warning: " << line << "\n" << std::flush;
  }
}

void Audit::write_files(bool frames_changed) const {
  io::write_file_atomically(csv_path_, [&](std::ostream& o) { o << rows_; });
  if (frames_changed) io::write_file_atomically(frames_path_, [&](std::ostream& o) { io::write_extxyz(o, worst_); });
}

}  // namespace ioncycle::distill
