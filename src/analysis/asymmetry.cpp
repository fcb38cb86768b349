// SPDX-License-Identifier: MIT
#include "analysis/asymmetry.hpp"

#include <cmath>
#include <map>

namespace ioncycle::analysis {

AsymmetryResult compare_half_cycles(const std::vector<Segment>& segments,
                                    const std::vector<SegmentQuantity>& quantities) {
  AsymmetryResult result;
  for (const auto& charge : segments) {
    if (charge.half_cycle != HalfCycle::charge || charge.step_index != 0 || charge.cycle == 0) continue;
    const Segment* discharge = nullptr;
    for (const auto& s : segments)
      if (s.cycle == charge.cycle && s.step_index == 0 && s.half_cycle == HalfCycle::discharge) discharge = &s;
    if (!discharge) continue;
    for (const auto& qc : quantities) {
      if (qc.segment != charge.label) continue;
      for (const auto& qd : quantities) {
        if (qd.segment != discharge->label || qd.name != qc.name) continue;
        AsymmetryRow row;
        row.cycle = charge.cycle;
        row.quantity = qc.name;
        row.unit = qc.unit;
        row.charge = qc.estimate;
        row.discharge = qd.estimate;
        row.difference.value = qc.estimate.value - qd.estimate.value;
        row.difference.error = std::hypot(qc.estimate.error, qd.estimate.error);
        result.rows.push_back(row);
      }
    }
  }
  return result;
}

nlohmann::json AsymmetryResult::to_json() const {
  nlohmann::json rows_json = nlohmann::json::array();
  for (const auto& r : rows)
    rows_json.push_back({{"cycle", r.cycle},
                         {"quantity", r.quantity},
                         {"unit", r.unit},
                         {"charge", analysis::to_json(r.charge)},
                         {"discharge", analysis::to_json(r.discharge)},
                         {"difference", analysis::to_json(r.difference)}});
  return rows_json;
}

void AsymmetryResult::write_tables(const std::filesystem::path& dir) const {
  CsvTable table({"cycle", "quantity", "unit", "charge", "charge_err", "discharge", "discharge_err", "difference",
                  "difference_err"});
  for (const auto& r : rows)
    table.row()
        .add(r.cycle)
        .add(r.quantity)
        .add(r.unit)
        .add(r.charge.value)
        .add(r.charge.error)
        .add(r.discharge.value)
        .add(r.discharge.error)
        .add(r.difference.value)
        .add(r.difference.error);
  table.write(dir / "asymmetry.csv");
}

}  // namespace ioncycle::analysis
