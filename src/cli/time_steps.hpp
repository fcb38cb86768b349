// SPDX-License-Identifier: MIT
//
// Output intervals of `ioncycle md` and `ioncycle run` are times in the file ("10 fs") but whole
// numbers of MD steps in the loop.
#pragma once

#include <cstdint>
#include <string>

#include "core/config.hpp"

namespace ioncycle::cli {

/// `interval` (fs) as a whole, positive number of steps of `dt` (fs); InputError at `key` of
/// `table` if it is not one.
[[nodiscard]] std::int64_t steps_of(const core::ConfigTable& table, const std::string& key, double interval, double dt);

}  // namespace ioncycle::cli
