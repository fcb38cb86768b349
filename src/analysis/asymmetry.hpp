// SPDX-License-Identifier: MIT
//
// Charge against discharge, per cycle, as one table: every quantity an analyzer measured on both
// half cycles of a cycle (segments "c<k>.charge" and "c<k>.discharge": diffusion coefficients,
// jump rates, sliding, stress rate, the mean voltage estimate, ...) with its uncertainty, and the
// difference charge − discharge with the uncertainty of a difference of independent estimates,
// sqrt(σ_c² + σ_d²). For the voltage this difference is the hysteresis between the insertion
// and removal voltage estimates. Pure function; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/report.hpp"
#include "analysis/segments.hpp"

namespace ioncycle::analysis {

struct AsymmetryRow {
  int cycle = 1;
  std::string quantity;
  std::string unit;
  Estimate charge;
  Estimate discharge;
  Estimate difference;  ///< charge − discharge
};

struct AsymmetryResult {
  std::vector<AsymmetryRow> rows;
  [[nodiscard]] nlohmann::json to_json() const;
  /// analysis/asymmetry.csv (docs/formats.md).
  void write_tables(const std::filesystem::path& dir) const;
};

/// Pair the half-cycle quantities of every cycle. Quantities measured on only one half cycle of
/// a cycle are left out.
[[nodiscard]] AsymmetryResult compare_half_cycles(const std::vector<Segment>& segments,
                                                  const std::vector<SegmentQuantity>& quantities);

}  // namespace ioncycle::analysis
