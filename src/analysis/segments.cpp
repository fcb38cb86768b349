// SPDX-License-Identifier: MIT
#include "analysis/segments.hpp"

namespace ioncycle::analysis {

const char* half_cycle_name(HalfCycle half) {
  switch (half) {
    case HalfCycle::charge: return "charge";
    case HalfCycle::discharge: return "discharge";
    case HalfCycle::other: return "other";
  }
  return "other";
}

std::string half_cycle_label(int cycle, HalfCycle half) {
  return "c" + std::to_string(cycle) + "." + half_cycle_name(half);
}

std::string step_label(int cycle, std::size_t step, const std::string& type) {
  return "c" + std::to_string(cycle) + ".s" + std::to_string(step) + "." + (type.empty() ? std::string("step") : type);
}

std::vector<std::size_t> frames_in(const Trajectory& trajectory, const Segment& segment) {
  constexpr double tolerance_fs = 1e-6;
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < trajectory.size(); ++k) {
    const double t = trajectory[k].time_fs;
    if (t >= segment.start_fs - tolerance_fs && t <= segment.end_fs + tolerance_fs) out.push_back(k);
  }
  return out;
}

}  // namespace ioncycle::analysis
