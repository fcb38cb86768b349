// SPDX-License-Identifier: MIT
#include "md/simulation.hpp"

#include <chrono>

#include "core/error.hpp"
#include "core/units.hpp"
#include "md/pressure.hpp"

namespace ioncycle::md {

Simulation::Simulation(core::System& system, potentials::Potential& potential,
                       std::unique_ptr<Integrator> integrator, double skin)
    : system_(system), forces_(potential, skin), integrator_(std::move(integrator)) {
  IONCYCLE_ASSERT(integrator_ != nullptr, "Simulation needs an integrator");
}

void Simulation::add_observer(Observer& observer, std::int64_t every) {
  if (every < 1) throw InputError("an output interval must be at least one step");
  observers_.push_back({&observer, every});
}

void Simulation::ensure_setup() {
  if (setup_topology_ == system_.topology_version()) return;
  integrator_->setup(system_, forces_);
  setup_topology_ = system_.topology_version();
}

StepInfo Simulation::sample() {
  ensure_setup();
  StepInfo s;
  s.step = step_;
  s.total_steps = run_target_;
  s.time = time_;
  s.potential_energy = forces_.potential_energy();
  s.kinetic_energy = system_.kinetic_energy();
  s.temperature = md::temperature(system_, integrator_->degrees_of_freedom(system_));
  s.conserved_energy = s.potential_energy + s.kinetic_energy + integrator_->extended_energy(system_) +
                       integrator_->exchanged_energy();
  // Off the observation schedule the last step may have skipped the virial: recompute it.
  if (!forces_.has_virial()) forces_.evaluate(system_, true);
  s.pressure = pressure_tensor(system_, forces_.virial());
  s.volume = system_.cell().volume();
  return s;
}

void Simulation::notify(bool is_last) {
  bool any = false;
  for (const auto& o : observers_) any = any || is_last || step_ % o.every == 0;
  if (!any) return;
  seconds_output_ += timed_without_forces([&] {
    StepInfo info = sample();
    info.is_last = is_last;
    for (const auto& o : observers_) {
      if (is_last || step_ % o.every == 0) o.observer->observe(info, system_);
    }
  });
}

template <class Work>
double Simulation::timed_without_forces(Work&& work) {
  const double forces_before = forces_.seconds_neighbors() + forces_.seconds_potential();
  const auto t0 = std::chrono::steady_clock::now();
  work();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return wall - (forces_.seconds_neighbors() + forces_.seconds_potential() - forces_before);
}

std::int64_t Simulation::run(std::int64_t num_steps, const std::atomic<bool>* stop) {
  if (num_steps < 0) throw InputError("number of steps must not be negative");
  ensure_setup();
  run_target_ = step_ + num_steps;
  if (!observed_current_) {
    notify(num_steps == 0);
    observed_current_ = true;
  }
  const double dt = integrator_->timestep();
  const bool integrator_needs_virial = integrator_->needs_virial();
  std::int64_t done = 0;
  for (std::int64_t k = 0; k < num_steps; ++k) {
    // A stop request ends the call between steps. The state is then that after step k - 1 (which
    // was observed on its schedule), and the end-of-run observation is left out: an
    // uninterrupted run would not have made it here either.
    if (stop != nullptr && stop->load(std::memory_order_acquire)) break;
    // Insertions or removals between calls are handled by ensure_setup() at the top; inside a
    // run() the topology is fixed. The virial is computed only where someone reads it: the
    // integrator (a barostat) or an observer at the end of this step.
    const std::int64_t next = step_ + 1;
    bool observed = k + 1 == num_steps;
    for (const auto& o : observers_) observed = observed || next % o.every == 0;
    forces_.set_skip_virial(!integrator_needs_virial && !observed);
    seconds_integration_ += timed_without_forces([&] { integrator_->step(system_, forces_); });
    ++step_;
    time_ += dt;
    notify(k + 1 == num_steps);
    ++done;
  }
  forces_.set_skip_virial(false);
  return done;
}

void Simulation::finish() {
  for (const auto& o : observers_) o.observer->finish();
}

void Simulation::set_clock(std::int64_t step, double time) {
  step_ = step;
  time_ = time;
  observed_current_ = true;
}

void Simulation::reset_forces() {
  forces_.rebuild_neighbors(system_);
  // setup() evaluates forces and virial with the list just built (its rebuild rule sees no
  // motion, so it keeps it) and recounts the degrees of freedom.
  forces_.set_skip_virial(false);
  integrator_->setup(system_, forces_);
  setup_topology_ = system_.topology_version();
}

}  // namespace ioncycle::md
