// SPDX-License-Identifier: MIT
//
// Simulation owns the pieces of an MD run: it references the System and the Potential, owns the
// ForceEvaluator (and so the neighbor list) and the Integrator, and runs observers on a schedule.
// Protocol steps (cycling) drive a Simulation in chunks of steps; the Simulation knows nothing of
// protocols. After atoms are inserted or removed, the next run() calls Integrator::setup() again
// (forces and degrees of freedom are recomputed).
//
// Checkpoints and resuming (bit for bit). A run that writes a checkpoint calls reset_forces()
// right after writing it; a run restored from it builds a new Simulation on the restored System,
// restores the integrator, calls set_clock() and then reset_forces(). Both then continue from the
// same positions, velocities, integrator state, freshly built neighbor list and forces, so the
// same seed and thread count give the same trajectory with or without the interruption (the
// neighbor list's pair order, and so the rounding of the forces, would otherwise depend on when
// it was last rebuilt). run() with a stop flag ends between two steps without the end-of-run
// observation, so the outputs of a stopped and resumed run match an uninterrupted one.
//
// Not thread-safe; the stop flag may be set from another thread or a signal handler.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "core/system.hpp"
#include "md/force_evaluator.hpp"
#include "md/integrator.hpp"
#include "md/observer.hpp"

namespace ioncycle::md {

class Simulation {
 public:
  /// `skin` in Å. The System and Potential must outlive the Simulation.
  Simulation(core::System& system, potentials::Potential& potential, std::unique_ptr<Integrator> integrator,
             double skin);

  /// Run `observer` every `every` steps (every >= 1).
  void add_observer(Observer& observer, std::int64_t every);

  /// Advance `num_steps` steps, calling observers on schedule; observers see step 0 of the first
  /// call as well, and the last step of the call (StepInfo::is_last). When `stop` is given it is
  /// read before every step: once it is set the call returns at once, without that end-of-run
  /// observation. Returns the number of steps done.
  std::int64_t run(std::int64_t num_steps, const std::atomic<bool>* stop = nullptr);
  /// Tell every observer the run is over.
  void finish();

  [[nodiscard]] std::int64_t step() const { return step_; }
  /// Simulated time in fs.
  [[nodiscard]] double time() const { return time_; }
  /// The current thermodynamic state (evaluates forces first if none were computed yet).
  [[nodiscard]] StepInfo sample();

  [[nodiscard]] core::System& system() { return system_; }
  [[nodiscard]] Integrator& integrator() { return *integrator_; }
  [[nodiscard]] ForceEvaluator& forces() { return forces_; }

  /// Wall time (s) over all run() calls in integrator steps and in observers, each without the
  /// force evaluations made inside them (those are in forces().seconds_neighbors() and
  /// seconds_potential()).
  [[nodiscard]] double seconds_integration() const { return seconds_integration_; }
  [[nodiscard]] double seconds_output() const { return seconds_output_; }

  /// Restore the step counter and time (from a checkpoint). The current step counts as observed:
  /// the run that wrote the checkpoint already observed it, so the next run() does not again.
  void set_clock(std::int64_t step, double time);

  /// Build the neighbor list afresh and set the integrator up again (forces, virial, degrees of
  /// freedom) for the current System. Called right after writing a checkpoint and right after
  /// restoring one, so both runs continue from identical lists and forces (see above).
  void reset_forces();

 private:
  void ensure_setup();
  void notify(bool is_last);

  struct Scheduled {
    Observer* observer;
    std::int64_t every;
  };

  core::System& system_;
  ForceEvaluator forces_;
  std::unique_ptr<Integrator> integrator_;
  std::vector<Scheduled> observers_;
  std::int64_t step_ = 0;
  double time_ = 0.0;
  std::int64_t run_target_ = 0;
  std::uint64_t setup_topology_ = ~std::uint64_t{0};
  bool observed_current_ = false;
  double seconds_integration_ = 0.0;
  double seconds_output_ = 0.0;
  /// Wall time of `work` minus the force evaluations inside it.
  template <class Work>
  double timed_without_forces(Work&& work);
};

}  // namespace ioncycle::md
