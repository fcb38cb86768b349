// SPDX-License-Identifier: MIT
#include "cli/frame_select.hpp"

#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::cli {

std::size_t select_frame(const std::vector<io::Frame>& frames, const std::string& text, const std::string& path) {
  const auto n = static_cast<long long>(frames.size());
  const auto k = core::parse_integer(core::trim(text));
  if (!k) throw InputError("--frame needs an integer index (got '" + text + "')", "0 is the first frame, -1 the last");
  const long long idx = *k < 0 ? n + *k : *k;
  if (idx < 0 || idx >= n) {
    throw InputError("--frame " + text + " is out of range: '" + path + "' has " + std::to_string(n) + " frame(s)",
                     "use 0.." + std::to_string(n - 1) + ", or -1 for the last frame");
  }
  return static_cast<std::size_t>(idx);
}

}  // namespace ioncycle::cli
