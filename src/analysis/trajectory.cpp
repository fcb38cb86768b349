// SPDX-License-Identifier: MIT
#include "analysis/trajectory.hpp"

#include <limits>

namespace ioncycle::analysis {

double observable(const TrajectoryFrame& frame, const std::string& name) {
  const auto it = frame.observables.find(name);
  if (it == frame.observables.end() || it->second.empty()) return std::numeric_limits<double>::quiet_NaN();
  return it->second.front();
}

}  // namespace ioncycle::analysis
