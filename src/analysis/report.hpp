// SPDX-License-Identifier: MIT
//
// What every analyzer hands to the report: a value with its uncertainty (Estimate), per-segment
// quantities that the charge/discharge asymmetry table and the cycle summary pair up
// (SegmentQuantity), and CSV tables (CsvTable) written atomically into the run's analysis/
// folder. Each analyzer's result type offers
//   nlohmann::json to_json() const;                            // its part of summary.json
//   void write_tables(const std::filesystem::path& dir) const; // its CSV files in dir
//   std::vector<SegmentQuantity> segment_quantities() const;   // for asymmetry and cycle tables
// Numbers in tables are written with 10 significant digits; a missing value is "nan" in CSV and
// null in JSON. Column names carry their unit (time_ps, spacing_A, D_cm2_s, sxx_GPa).
#pragma once

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ioncycle::analysis {

/// A measured value and its standard uncertainty (1σ); NaN where not known.
struct Estimate {
  double value = std::numeric_limits<double>::quiet_NaN();
  double error = std::numeric_limits<double>::quiet_NaN();
};

/// {"value": v, "error": e} with null for NaN.
[[nodiscard]] nlohmann::json to_json(const Estimate& estimate);
/// A double as JSON: null when not finite.
[[nodiscard]] nlohmann::json json_number(double value);

/// One quantity measured over one segment (segments.hpp), e.g. {"c1.charge", "D_inplane",
/// "cm2/s", {1.2e-6, 0.3e-6}}.
struct SegmentQuantity {
  std::string segment;  ///< Segment::label
  std::string name;     ///< snake_case name, unique per analyzer
  std::string unit;     ///< "cm2/s", "1/ps", "A", "GPa/ps", "V", ... ("" when dimensionless)
  Estimate estimate;
};

/// A CSV table built row by row and written atomically.
class CsvTable {
 public:
  explicit CsvTable(std::vector<std::string> columns);
  /// Start a new row; then add exactly columns().size() cells with add().
  CsvTable& row();
  CsvTable& add(double value);         ///< %.10g, "nan" when not finite
  CsvTable& add(long long value);
  CsvTable& add(std::size_t value) { return add(static_cast<long long>(value)); }
  CsvTable& add(int value) { return add(static_cast<long long>(value)); }
  CsvTable& add(const std::string& text);  ///< quoted when it holds a comma or quote
  CsvTable& add(const char* text) { return add(std::string(text)); }
  [[nodiscard]] const std::vector<std::string>& columns() const { return columns_; }
  [[nodiscard]] std::size_t num_rows() const { return rows_.size(); }
  /// Write to `path` (atomically). IONCYCLE_ASSERTs that every row is complete.
  void write(const std::filesystem::path& path) const;
  [[nodiscard]] std::string to_string() const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace ioncycle::analysis
