// SPDX-License-Identifier: MIT
#include "cycling/cycling_observers.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"

namespace ioncycle::cycling {

CyclingThermo::CyclingThermo(std::ostream& out, const ProtocolRunner& runner, bool write_header)
    : out_(out), runner_(runner) {
  if (write_header) {
    out_ << "step,time_ps,temperature_K,potential_energy_eV,kinetic_energy_eV,conserved_energy_eV,pressure_GPa,"
            "volume_A3,soc,num_ions,voltage_V,cycle,protocol_step\n";
    out_.flush();
  }
}

void CyclingThermo::observe(const md::StepInfo& info, const core::System& /*system*/) {
  const auto& c = runner_.cursor();
  char line[512];
  // %.17g: rows of a resumed run compare equal as text with those of an uninterrupted one.
  std::snprintf(line, sizeof line, "%lld,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%zu,%.17g,%d,%zu\n",
                static_cast<long long>(info.step), info.time * 1e-3, info.temperature, info.potential_energy,
                info.kinetic_energy, info.conserved_energy, info.pressure.trace() / 3.0 * units::eV_per_A3_in_GPa,
                info.volume, runner_.state_of_charge(), runner_.num_ions(), runner_.voltage_estimate(),
                std::min(c.cycle, runner_.settings().protocol.cycles - 1) + 1, c.step_index + 1);
  out_ << line;
  out_.flush();
}

void CyclingThermo::finish() { out_.flush(); }

CyclingTrajectory::CyclingTrajectory(io::H5mdWriter writer, const ProtocolRunner& runner)
    : writer_(std::move(writer)), runner_(runner) {}

void CyclingTrajectory::observe(const md::StepInfo& info, const core::System& system) {
  auto obs = io::thermo_observables(info.potential_energy, info.kinetic_energy, info.temperature, info.pressure,
                                    info.volume);
  obs.push_back({"state_of_charge", {runner_.state_of_charge()}, ""});
  obs.push_back({"num_ions", {static_cast<double>(runner_.num_ions())}, ""});
  obs.push_back({"voltage", {runner_.voltage_estimate()}, "V"});
  obs.push_back({"events", {static_cast<double>(runner_.cursor().events_total)}, ""});
  writer_.append_frame(system, info.step, info.time, obs);
}

void CyclingTrajectory::finish() { writer_.close(); }

RunGuard::RunGuard(double target_temperature, GuardLimits limits) : target_(target_temperature), limits_(limits) {}

void RunGuard::observe(const md::StepInfo& info, const core::System& system) {
  const double limit = target_ > 0.0 ? limits_.temperature_factor * target_ + limits_.temperature_offset
                                     : limits_.absolute_temperature;
  const auto v = system.velocities();
  const auto ids = system.ids();
  std::vector<core::AtomId> fast;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!(v[i].norm() <= limits_.max_speed)) fast.push_back(ids[i]);
  }
  const bool too_hot = !(info.temperature <= limit);
  if (fast.empty() && !too_hot) return;
  std::ostringstream where;
  where << "step " << info.step << ", t = " << units::format_quantity(info.time, units::Dimension::time);
  std::ostringstream what;
  if (too_hot) what << "the temperature is " << info.temperature << " K, above the guard limit " << limit << " K";
  if (!fast.empty()) {
    if (too_hot) what << "; ";
    what << "atom" << (fast.size() > 1 ? "s" : "") << " with id ";
    for (std::size_t k = 0; k < std::min<std::size_t>(fast.size(), 10); ++k) what << (k ? ", " : "") << fast[k];
    if (fast.size() > 10) what << " and " << fast.size() - 10 << " more";
    what << " move faster than " << limits_.max_speed << " A/fs (flying away)";
  }
  throw SimulationError(where.str(), what.str());
}

ProtocolProgress::ProtocolProgress(std::ostream& out, const ProtocolRunner& runner, bool is_tty)
    : out_(out), runner_(runner), is_tty_(is_tty) {}

void ProtocolProgress::observe(const md::StepInfo& info, const core::System& /*system*/) {
  const auto now = Clock::now();
  if (start_step_ < 0) {
    start_step_ = info.step;
    start_ = now;
  }
  const double since = std::chrono::duration<double>(now - last_).count();
  if (printed_ && since < (is_tty_ ? 0.2 : 10.0)) return;
  printed_ = true;
  last_ = now;
  const auto& c = runner_.cursor();
  const auto& settings = runner_.settings();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(info.step - start_step_) / elapsed : 0.0;
  const std::size_t n_steps = settings.protocol.steps.size();
  const std::size_t index = std::min(c.step_index, n_steps - 1);
  // The bar counts protocol steps done out of cycles × steps.
  const double total = static_cast<double>(settings.protocol.cycles) * static_cast<double>(n_steps);
  const double done = static_cast<double>(c.cycle) * static_cast<double>(n_steps) + static_cast<double>(index);
  const double frac = std::clamp(done / total, 0.0, 1.0);
  char line[320];
  if (is_tty_) {
    constexpr int width = 24;
    std::string bar(static_cast<std::size_t>(frac * width + 0.5), '#');
    bar.resize(width, '.');
    std::snprintf(line, sizeof line, "\r[%s] cycle %d/%d step %zu/%zu %-13s soc %.3f  ions %zu  t %.3f ps  T %.0f K  %.1f steps/s   ",
                  bar.c_str(), std::min(c.cycle + 1, settings.protocol.cycles), settings.protocol.cycles, index + 1,
                  n_steps, settings.protocol.steps[index].type_name().c_str(), runner_.state_of_charge(),
                  runner_.num_ions(), info.time * 1e-3, info.temperature, rate);
  } else {
    std::snprintf(line, sizeof line, "cycle %d/%d step %zu/%zu %s: soc %.3f, %zu ions, t = %.3f ps, T = %.0f K, %.1f steps/s\n",
                  std::min(c.cycle + 1, settings.protocol.cycles), settings.protocol.cycles, index + 1, n_steps,
                  settings.protocol.steps[index].type_name().c_str(), runner_.state_of_charge(), runner_.num_ions(),
                  info.time * 1e-3, info.temperature, rate);
  }
  out_ << line;
  out_.flush();
}

void ProtocolProgress::finish() {
  if (is_tty_ && printed_) out_ << "\n";
  out_.flush();
}

}  // namespace ioncycle::cycling
