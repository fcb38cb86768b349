// SPDX-License-Identifier: MIT
//
// Choosing one frame of a multi-frame file by a user-given index, ASE style: 0-based, negative
// counts from the end (-1 = last).
#pragma once

#include <string>
#include <vector>

#include "io/frame.hpp"

namespace ioncycle::cli {

/// Index into `frames` for `text` (e.g. "0", "-1"); InputError naming the range otherwise.
[[nodiscard]] std::size_t select_frame(const std::vector<io::Frame>& frames, const std::string& text,
                                       const std::string& path);

}  // namespace ioncycle::cli
