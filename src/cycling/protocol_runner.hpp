// SPDX-License-Identifier: MIT
//
// ProtocolRunner walks a validated Protocol through its cycles and steps, driving a Simulation in
// chunks of MD steps and asking the IonExchanger for insertions, removals and grand-canonical
// trials at the scheduled times. It owns the cursor (cycle, step, when the step started, when the
// next event is due, what the step's end conditions have seen so far); the cursor, together
// with the System, the integrator state, the exchanger's random stream, the ion ledger and the
// voltage profile, is everything a checkpoint must hold for a resumed run to continue bit for bit.
//
// Timing (docs/protocols.md): all times are whole MD steps. Galvanostatic events of a step that
// starts at step s0 happen at s0 + k·n (k = 1, 2, ...; n = interval / timestep); hold rounds at
// s0 + k·m (m = exchange_every / timestep); checkpoints at every multiple of the checkpoint
// interval, always at the top of the runner's loop, which is where a resumed run starts.
//
// Not thread-safe; runs on the main thread (the potential and integrator may use OpenMP).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cycling/events_table.hpp"
#include "cycling/ion_exchanger.hpp"
#include "cycling/ion_ledger.hpp"
#include "cycling/protocol.hpp"
#include "cycling/voltage_profile.hpp"
#include "md/simulation.hpp"

namespace ioncycle::cycling {

/// What happened in one protocol step, for summary.json and the log.
struct StepReport {
  int cycle = 0;
  std::size_t step_index = 0;
  std::string type;
  double start_time = 0.0;  ///< fs
  double end_time = 0.0;    ///< fs
  double soc_start = 0.0;
  double soc_end = 0.0;
  std::int64_t inserted = 0;
  std::int64_t removed = 0;
  std::int64_t trials = 0;
  std::string end_reason;
};

/// Where the runner is: the part of its state a checkpoint stores (as text, to_text/from_text).
struct Cursor {
  int cycle = 0;
  std::size_t step_index = 0;
  bool step_started = false;
  bool finished = false;
  std::string end_reason;                 ///< why the protocol ended
  std::int64_t step_start = 0;            ///< MD step at which the current protocol step began
  double step_start_time = 0.0;           ///< fs
  double soc_at_start = 0.0;
  std::int64_t next_event = -1;           ///< MD step of the next event or exchange round, -1: none
  std::int64_t events_in_step = 0;
  std::int64_t trials_in_step = 0;
  std::int64_t inserted_in_step = 0;
  std::int64_t removed_in_step = 0;
  std::int64_t events_total = 0;
  std::int64_t last_checkpoint_step = -1;
  double target_temperature = 0.0;        ///< K, what the thermostat was last told
  std::vector<double> step_voltages;      ///< voltage estimates of this step's trials (last window)
  std::vector<std::pair<double, int>> exchanges;  ///< hold: (time fs, +1 insert / -1 remove), last window
  std::vector<StepReport> reports;        ///< finished steps

  [[nodiscard]] std::string to_text() const;
  /// Throws InputError for damaged text.
  [[nodiscard]] static Cursor from_text(const std::string& text);
};

/// How the runner talks to its surroundings (the command that owns the files).
struct RunnerHooks {
  /// Write a checkpoint now (the runner calls Simulation::reset_forces() right after).
  std::function<void()> checkpoint;
  /// One line for the log and the terminal.
  std::function<void(const std::string&)> log;
  /// The latest audit check (distill/audit.hpp) as (step, force RMSE in eV/Å), nullopt before
  /// the first; unset when the run has no audit. `until = { audit_force_rmse = ... }` reads it.
  std::function<std::optional<std::pair<std::int64_t, double>>()> latest_audit;
  /// MD steps between audit checks (0: no audit), so the runner stops at every check while an
  /// audit_force_rmse condition is active.
  std::int64_t audit_every = 0;
};

enum class RunOutcome { finished, interrupted };

class ProtocolRunner {
 public:
  /// All references must outlive the runner. `checkpoint_every` in MD steps (0: never).
  ProtocolRunner(md::Simulation& sim, const CyclingSettings& settings, IonExchanger& exchanger, IonLedger& ledger,
                 VoltageProfile& voltages, EventsTable& events, RunnerHooks hooks, std::int64_t checkpoint_every);

  /// Run until the protocol (or its global end condition) is done, or until *stop becomes true
  /// (then the MD stops at a step boundary and interrupted is returned; the caller checkpoints).
  RunOutcome run(const std::atomic<bool>* stop);

  [[nodiscard]] const Cursor& cursor() const { return cursor_; }
  /// Continue from a checkpoint: sets the cursor and re-applies the step's target temperature.
  void restore(const Cursor& cursor);

  // What observers (thermo table, trajectory) report while the MD runs.
  [[nodiscard]] double state_of_charge() const;
  [[nodiscard]] std::size_t num_ions() const;
  /// Running mean of the latest voltage estimates (NaN before the first trial), V.
  [[nodiscard]] double voltage_estimate() const;
  [[nodiscard]] const CyclingSettings& settings() const { return settings_; }
  /// Seconds spent in ion exchange (site search, trial energies, settling) so far.
  [[nodiscard]] double seconds_exchange() const { return seconds_exchange_; }

 private:
  const StepSpec& current() const { return settings_.protocol.steps[cursor_.step_index]; }
  void begin_step();
  void end_step(const std::string& reason);
  void run_minimize();
  void do_events();
  void record(const ExchangeEvent& event, const std::string& kind);
  [[nodiscard]] std::string step_end_reason() const;
  /// Why an audit_force_rmse condition is met by a check at or after `since_step` ("" if not).
  [[nodiscard]] std::string audit_exceeded(double threshold, std::int64_t since_step) const;
  [[nodiscard]] std::string global_end_reason() const;
  [[nodiscard]] std::int64_t next_stop() const;
  void apply_temperature(double kelvin);
  [[nodiscard]] double ramp_temperature(std::int64_t md_step) const;
  [[nodiscard]] std::int64_t steps_of(double fs) const;

  md::Simulation& sim_;
  const CyclingSettings& settings_;
  IonExchanger& exchanger_;
  IonLedger& ledger_;
  VoltageProfile& voltages_;
  EventsTable& events_;
  RunnerHooks hooks_;
  std::int64_t checkpoint_every_ = 0;
  Cursor cursor_;
  double seconds_exchange_ = 0.0;
};

}  // namespace ioncycle::cycling
