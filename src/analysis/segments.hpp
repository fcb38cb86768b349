// SPDX-License-Identifier: MIT
//
// Segments cut a run into the pieces users compare: every protocol step (cycle c, step s), and
// every half cycle (the steps of one cycle that insert ions, those that remove them, and the
// rests and holds between). A charge half cycle is the one that charges the cell: insertion on an
// anode (graphite), removal on a cathode (LiCoO2, NMC), as in the events table (docs/formats.md).
// Times are MD times in fs; a segment is the closed interval [start_fs, end_fs], so the frame at
// a boundary belongs to both neighbours (it is the last frame of one and the first of the next).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "analysis/trajectory.hpp"

namespace ioncycle::analysis {

enum class HalfCycle { charge, discharge, other };

/// "charge", "discharge", "other".
[[nodiscard]] const char* half_cycle_name(HalfCycle half);

struct Segment {
  int cycle = 1;                 ///< 1-based; 0 for the whole run
  std::size_t step_index = 0;    ///< 1-based protocol step; 0 for a half cycle or the whole run
  std::string step_type;         ///< "intercalate", "deintercalate", "hold", "rest", "ramp", "minimize"; "" when not one step
  HalfCycle half_cycle = HalfCycle::other;
  double start_fs = 0.0;
  double end_fs = 0.0;
  /// Short unique name used as a key in tables: "all", "c1.charge", "c1.s3.deintercalate".
  std::string label;
};

/// The label of a half cycle, "c<cycle>.charge" / "c<cycle>.discharge".
[[nodiscard]] std::string half_cycle_label(int cycle, HalfCycle half);
/// The label of a protocol step, "c<cycle>.s<step>.<type>" ("step" when the type is unknown).
[[nodiscard]] std::string step_label(int cycle, std::size_t step, const std::string& type);

/// Indices of the frames whose time lies in [segment.start_fs, segment.end_fs] (with a tolerance
/// of 1e-6 fs), in order.
[[nodiscard]] std::vector<std::size_t> frames_in(const Trajectory& trajectory, const Segment& segment);

}  // namespace ioncycle::analysis
