// SPDX-License-Identifier: MIT
#include "md/progress.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

namespace ioncycle::md {

namespace {
std::string format_duration(double seconds) {
  char buf[64];
  if (seconds < 0 || !(seconds < 1e9)) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  else if (s >= 60) std::snprintf(buf, sizeof buf, "%lldm%02llds", s / 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%llds", s);
  return buf;
}
}  // namespace

ProgressReporter::ProgressReporter(std::ostream& out, bool is_tty, double min_seconds)
    : out_(out), is_tty_(is_tty), min_seconds_(is_tty ? std::min(min_seconds, 0.2) : min_seconds) {}

void ProgressReporter::observe(const StepInfo& info, const core::System& /*system*/) {
  const auto now = Clock::now();
  if (start_step_ < 0) {
    start_ = last_print_ = now;
    start_step_ = info.step;
    start_time_ = info.time;
  }
  const double since_print = std::chrono::duration<double>(now - last_print_).count();
  if (!info.is_last && printed_ && since_print < min_seconds_) return;
  if (!info.is_last && !printed_ && since_print < min_seconds_ && info.step != start_step_) return;
  last_print_ = now;
  printed_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const auto done = static_cast<double>(info.step - start_step_);
  const auto total = static_cast<double>(std::max<std::int64_t>(info.total_steps - start_step_, 1));
  const double frac = std::clamp(done / total, 0.0, 1.0);
  const double steps_per_s = elapsed > 0 ? done / elapsed : 0.0;
  const double ns_per_day = elapsed > 0 ? (info.time - start_time_) * 1e-6 / elapsed * 86400.0 : 0.0;
  const double left = steps_per_s > 0 ? (total - done) / steps_per_s : -1.0;
  char line[256];
  if (is_tty_) {
    constexpr int width = 30;
    const int filled = static_cast<int>(frac * width + 0.5);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, '.');
    std::snprintf(line, sizeof line, "\r[%s] %3.0f%%  step %lld/%lld  %.3f ps  %.1f steps/s  %.3f ns/day  left %s   ",
                  bar.c_str(), frac * 100, static_cast<long long>(info.step), static_cast<long long>(info.total_steps),
                  info.time * 1e-3, steps_per_s, ns_per_day, format_duration(left).c_str());
  } else {
    std::snprintf(line, sizeof line, "step %lld/%lld (%3.0f%%)  t = %.3f ps  T = %.1f K  E = %.6f eV  %.1f steps/s  left %s\n",
                  static_cast<long long>(info.step), static_cast<long long>(info.total_steps), frac * 100,
                  info.time * 1e-3, info.temperature, info.potential_energy + info.kinetic_energy, steps_per_s,
                  format_duration(left).c_str());
  }
  out_ << line;
  out_.flush();
}

void ProgressReporter::finish() {
  if (is_tty_ && printed_) out_ << "\n";
  out_.flush();
}

}  // namespace ioncycle::md
