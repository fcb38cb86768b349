// SPDX-License-Identifier: MIT
//
// A Segment built from a label, its cycle and half cycle, and its span in ps, for analyzer tests
// that construct their own protocol segments.
#pragma once

#include <string>

#include "analysis/segments.hpp"

namespace ioncycle::analysis::fixtures {

inline Segment segment(const std::string& label, int cycle, HalfCycle half, double start_ps, double end_ps) {
  Segment s;
  s.label = label;
  s.cycle = cycle;
  s.half_cycle = half;
  s.start_fs = start_ps * 1000.0;
  s.end_fs = end_ps * 1000.0;
  return s;
}

}  // namespace ioncycle::analysis::fixtures
