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
#include "md/pressure.hpp"

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

Audit::Audit(std::unique_ptr<potentials::Potential> teacher, AuditSettings settings, std::int64_t every_steps,
             std::string directory, std::ostream& log, std::int64_t resume_step)
    : teacher_(std::move(teacher)),
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
  core::System copy = system;
  const bool periodic3 = system.cell().all_periodic();
  potentials::ForceRequest what;
  what.forces = true;
  what.virial = periodic3;
  const potentials::ForceResult t = teacher_->compute_once(copy, what);

  double sq = 0.0, worst_atom = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const core::Vec3 d = system.forces()[i] - t.forces[i];
    sq += d.squaredNorm();
    worst_atom = std::max(worst_atom, d.norm());
  }
  const double rmse = n > 0 ? std::sqrt(sq / (3.0 * static_cast<double>(n))) : 0.0;
  const double energy_error = n > 0 ? (info.potential_energy - t.energy) / static_cast<double>(n) * 1e3 : 0.0;
  std::optional<double> stress_rmse;
  if (periodic3) {
    // The student's virial pressure: the observed pressure minus its kinetic part (LAMMPS sign,
    // pressure = W/V); the teacher's from its virial.
    const double v = system.cell().volume();
    const core::Mat3 student = info.pressure - md::pressure_tensor(system, core::Mat3::Zero());
    const core::Mat3 diff = (student - t.virial / v) * units::eV_per_A3_in_GPa;
    const double s2 = diff(0, 0) * diff(0, 0) + diff(1, 1) * diff(1, 1) + diff(2, 2) * diff(2, 2) +
                      diff(0, 1) * diff(0, 1) + diff(0, 2) * diff(0, 2) + diff(1, 2) * diff(1, 2);
    stress_rmse = std::sqrt(s2 / 6.0);
  }
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
  io::Frame frame;
  frame.system = system;
  for (auto& vel : frame.system.velocities()) vel.setZero();
  std::copy(t.forces.begin(), t.forces.end(), frame.system.forces().begin());
  frame.has_forces = true;
  frame.info["energy"] = t.energy;
  if (periodic3) {
    const core::Mat3 s = -t.virial / system.cell().volume();  // ASE's stress, eV/Å³
    std::vector<double> stress(9);
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b) stress[static_cast<std::size_t>(3 * a + b)] = s(a, b);
    }
    frame.info["stress"] = stress;
  }
  frame.info["audit_step"] = static_cast<std::int64_t>(info.step);
  frame.info["audit_force_rmse"] = rmse;
  frame.info["category"] = std::string("audit");
  const auto rmse_of = [](const io::Frame& f) { return std::get<double>(f.info.at("audit_force_rmse")); };
  const auto pos = std::find_if(worst_.begin(), worst_.end(), [&](const io::Frame& f) { return rmse_of(f) < rmse; });
  if (static_cast<int>(pos - worst_.begin()) < settings_.keep) {
    worst_.insert(pos, std::move(frame));
    if (static_cast<int>(worst_.size()) > settings_.keep) worst_.resize(static_cast<std::size_t>(settings_.keep));
  }
  write_files();

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

void Audit::write_files() const {
  io::write_file_atomically(csv_path_, [&](std::ostream& o) { o << rows_; });
  io::write_file_atomically(frames_path_, [&](std::ostream& o) { io::write_extxyz(o, worst_); });
}

}  // namespace ioncycle::distill
