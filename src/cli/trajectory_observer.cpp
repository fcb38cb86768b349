// SPDX-License-Identifier: MIT
#include "cli/trajectory_observer.hpp"

#include <array>

#include "core/units.hpp"

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
  const core::Mat3 p = info.pressure * units::eV_per_A3_in_GPa;
  std::vector<double> tensor(9);
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) tensor[static_cast<std::size_t>(3 * r + c)] = p(r, c);
  }
  const std::array<io::H5mdObservable, 5> obs = {{
      {"potential_energy", {info.potential_energy}, "eV"},
      {"kinetic_energy", {info.kinetic_energy}, "eV"},
      {"temperature", {info.temperature}, "K"},
      {"pressure", tensor, "GPa"},
      {"volume", {info.volume}, "Angstrom+3"},
  }};
  writer_.append_frame(system, info.step, info.time, obs);
}

void TrajectoryObserver::finish() { writer_.close(); }

}  // namespace ioncycle::cli
