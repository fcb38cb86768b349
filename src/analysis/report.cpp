// SPDX-License-Identifier: MIT
#include "analysis/report.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/error.hpp"
#include "io/atomic_file.hpp"

namespace ioncycle::analysis {

nlohmann::json json_number(double value) {
  if (!std::isfinite(value)) return nullptr;
  return value;
}

nlohmann::json to_json(const Estimate& estimate) {
  return {{"value", json_number(estimate.value)}, {"error", json_number(estimate.error)}};
}

CsvTable::CsvTable(std::vector<std::string> columns) : columns_(std::move(columns)) {}

CsvTable& CsvTable::row() {
  IONCYCLE_ASSERT(rows_.empty() || rows_.back().size() == columns_.size(), "CsvTable: previous row incomplete");
  rows_.emplace_back();
  rows_.back().reserve(columns_.size());
  return *this;
}

CsvTable& CsvTable::add(double value) {
  IONCYCLE_ASSERT(!rows_.empty() && rows_.back().size() < columns_.size(), "CsvTable: add() outside a row");
  if (!std::isfinite(value)) {
    rows_.back().emplace_back(std::isinf(value) ? (value > 0 ? "inf" : "-inf") : "nan");
    return *this;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", value);
  rows_.back().emplace_back(text);
  return *this;
}

CsvTable& CsvTable::add(long long value) {
  IONCYCLE_ASSERT(!rows_.empty() && rows_.back().size() < columns_.size(), "CsvTable: add() outside a row");
  rows_.back().push_back(std::to_string(value));
  return *this;
}

CsvTable& CsvTable::add(const std::string& text) {
  IONCYCLE_ASSERT(!rows_.empty() && rows_.back().size() < columns_.size(), "CsvTable: add() outside a row");
  if (text.find_first_of(",\"\n") == std::string::npos) {
    rows_.back().push_back(text);
    return *this;
  }
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  rows_.back().push_back(quoted + '"');
  return *this;
}

std::string CsvTable::to_string() const {
  std::ostringstream out;
  for (std::size_t c = 0; c < columns_.size(); ++c) out << (c ? "," : "") << columns_[c];
  out << '\n';
  for (const auto& cells : rows_) {
    IONCYCLE_ASSERT(cells.size() == columns_.size(), "CsvTable: incomplete row");
    for (std::size_t c = 0; c < cells.size(); ++c) out << (c ? "," : "") << cells[c];
    out << '\n';
  }
  return out.str();
}

void CsvTable::write(const std::filesystem::path& path) const {
  const std::string text = to_string();
  io::write_file_atomically(path.string(), [&](std::ostream& out) { out << text; });
}

}  // namespace ioncycle::analysis
