// SPDX-License-Identifier: MIT
#include "cli/time_steps.hpp"

#include <algorithm>
#include <cmath>

namespace ioncycle::cli {

std::int64_t steps_of(const core::ConfigTable& table, const std::string& key, double interval, double dt) {
  const double n = interval / dt;
  const auto k = static_cast<std::int64_t>(std::llround(n));
  // A relative tolerance, so that "0.1 ps" at dt = "0.5 fs" (200 steps in floating point) passes.
  if (k < 1 || std::abs(n - static_cast<double>(k)) > 1e-6 * std::max(1.0, n)) {
    throw table.error_at(key, "'" + key + "' (" + units::format_quantity(interval, units::Dimension::time) +
                                  ") is not a whole, positive number of time steps of " +
                                  units::format_quantity(dt, units::Dimension::time),
                         "use a multiple of the time step");
  }
  return k;
}

}  // namespace ioncycle::cli
