// SPDX-License-Identifier: MIT
#include "cli/trajectory_observer.hpp"

namespace ioncycle::cli {

namespace {
io::H5mdWriterOptions options(bool velocities, bool forces) {
  io::H5mdWriterOptions o;
  o.write_velocities = velocities;
  o.write_forces = forces;
  return o;
}
}  // namespace

TrajectoryObserver::TrajectoryObserver(const std::string& path, bool velocities, bool forces)
    : writer_(io::H5mdWriter::create(path, options(velocities, forces))) {}

void TrajectoryObserver::observe(const md::StepInfo& info, const core::System& system) {
  const auto obs = io::thermo_observables(info.potential_energy, info.kinetic_energy, info.temperature,
                                          info.pressure, info.volume);
  writer_.append_frame(system, info.step, info.time, obs);
}

void TrajectoryObserver::finish() { writer_.close(); }

}  // namespace ioncycle::cli
