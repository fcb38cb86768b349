// SPDX-License-Identifier: MIT
//
// Progress on the terminal: on a TTY, one line redrawn in place with a bar, steps, simulated
// time, speed (steps/s and ns/day) and the estimated time left; otherwise (a log file, CI) a
// plain line at most every `min_seconds` of wall time and at the end.
#pragma once

#include <chrono>
#include <ostream>

#include "md/observer.hpp"

namespace ioncycle::md {

class ProgressReporter final : public Observer {
 public:
  ProgressReporter(std::ostream& out, bool is_tty, double min_seconds = 10.0);
  void observe(const StepInfo& info, const core::System& system) override;
  void finish() override;

 private:
  using Clock = std::chrono::steady_clock;
  std::ostream& out_;
  bool is_tty_;
  double min_seconds_;
  Clock::time_point start_;
  Clock::time_point last_print_;
  std::int64_t start_step_ = -1;
  double start_time_ = 0.0;
  bool printed_ = false;
};

}  // namespace ioncycle::md
