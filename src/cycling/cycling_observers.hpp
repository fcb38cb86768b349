// SPDX-License-Identifier: MIT
//
// What a cycling run observes while its MD runs (called by the Simulation every N steps):
//   - CyclingThermo: thermo.csv, the MD columns plus state of charge, ion count, the latest
//     voltage estimate, cycle and protocol step;
//   - CyclingTrajectory: trajectory.h5 frames with the same per-frame observables;
//   - RunGuard: stops the run at once (SimulationError) on a runaway temperature or an atom
//     flying away, naming step, time and atoms (non-finite energies and forces are caught by
//     md::ForceEvaluator already);
//   - ProtocolProgress: one progress line on the terminal.
// They read the ProtocolRunner's state; none changes the System. Not thread-safe.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "cycling/protocol_runner.hpp"
#include "io/h5md_writer.hpp"
#include "md/observer.hpp"

namespace ioncycle::cycling {

class CyclingThermo final : public md::Observer {
 public:
  /// `write_header`: false when appending to a resumed file.
  CyclingThermo(std::ostream& out, const ProtocolRunner& runner, bool write_header);
  void observe(const md::StepInfo& info, const core::System& system) override;
  void finish() override;

 private:
  std::ostream& out_;
  const ProtocolRunner& runner_;
};

class CyclingTrajectory final : public md::Observer {
 public:
  /// Takes a writer that was created or resumed by the caller.
  CyclingTrajectory(io::H5mdWriter writer, const ProtocolRunner& runner);
  void observe(const md::StepInfo& info, const core::System& system) override;
  void finish() override;

 private:
  io::H5mdWriter writer_;
  const ProtocolRunner& runner_;
};

struct GuardLimits {
  /// Stop when T exceeds factor × target + offset (K); with no thermostat, when T > absolute.
  double temperature_factor = 3.0;
  double temperature_offset = 500.0;
  double absolute_temperature = 5000.0;
  /// Stop when an atom moves faster than this (Å/fs; thermal Li at 300 K moves ~0.01 Å/fs).
  double max_speed = 1.0;
};

class RunGuard final : public md::Observer {
 public:
  RunGuard(double target_temperature, GuardLimits limits = {});
  void set_target_temperature(double kelvin) { target_ = kelvin; }
  void observe(const md::StepInfo& info, const core::System& system) override;

 private:
  double target_;
  GuardLimits limits_;
};

class ProtocolProgress final : public md::Observer {
 public:
  ProtocolProgress(std::ostream& out, const ProtocolRunner& runner, bool is_tty);
  void observe(const md::StepInfo& info, const core::System& system) override;
  void finish() override;

 private:
  using Clock = std::chrono::steady_clock;
  std::ostream& out_;
  const ProtocolRunner& runner_;
  bool is_tty_;
  bool printed_ = false;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = Clock::now();
  std::int64_t start_step_ = -1;
};

}  // namespace ioncycle::cycling
