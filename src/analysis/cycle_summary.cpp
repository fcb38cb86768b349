// SPDX-License-Identifier: MIT
#include "analysis/cycle_summary.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace ioncycle::analysis {
namespace {

constexpr double kTimeTolerancePs = 1e-9;

// Mean and standard error of the mean (NaN error below two values).
Estimate mean_estimate(const std::vector<double>& values) {
  Estimate e;
  if (values.empty()) return e;
  double sum = 0.0;
  for (double v : values) sum += v;
  e.value = sum / static_cast<double>(values.size());
  if (values.size() < 2) return e;
  double ss = 0.0;
  for (double v : values) ss += (v - e.value) * (v - e.value);
  e.error = std::sqrt(ss / static_cast<double>(values.size() - 1) / static_cast<double>(values.size()));
  return e;
}

bool in_segment(double time_ps, const Segment& s) {
  return time_ps >= s.start_fs / 1000.0 - kTimeTolerancePs && time_ps <= s.end_fs / 1000.0 + kTimeTolerancePs;
}

}  // namespace

CycleSummaryResult summarize_cycles(const RunData& run, const std::vector<Segment>& segments) {
  CycleSummaryResult result;
  const bool anode = run.electrode != "cathode";

  // Ions inserted in cycle c and not removed by time t: trapped at t.
  auto trapped_at = [&](int cycle, double end_ps) {
    std::set<std::int64_t> present;
    for (const auto& e : run.events) {
      if (e.time_ps > end_ps + kTimeTolerancePs) break;
      if (e.is_insertion() && e.cycle == cycle) present.insert(e.ion_id);
      if (!e.is_insertion()) present.erase(e.ion_id);
    }
    return present.size();
  };
  auto soc_max_in = [&](double start_ps, double end_ps, double soc_start, double soc_end) {
    double best = std::max(soc_start, soc_end);
    for (const auto& e : run.events)
      if (e.time_ps >= start_ps - kTimeTolerancePs && e.time_ps <= end_ps + kTimeTolerancePs) best = std::max(best, e.soc);
    return best;
  };

  std::map<int, std::vector<const StepRecord*>> by_cycle;
  for (const auto& s : run.steps) by_cycle[s.cycle].push_back(&s);
  for (const auto& [cycle, steps] : by_cycle) {
    CycleRow total;
    total.cycle = cycle;
    total.step_type = "cycle";
    total.half_cycle = "other";
    total.start_ps = steps.front()->start_ps;
    total.end_ps = steps.back()->end_ps;
    total.soc_start = steps.front()->soc_start;
    total.soc_end = steps.back()->soc_end;
    for (const auto* s : steps) {
      CycleRow row;
      row.cycle = cycle;
      row.step_index = s->step;
      row.step_type = s->type;
      const bool inserting = s->type == "intercalate" || (s->type == "hold" && s->inserted > s->removed);
      const bool removing = s->type == "deintercalate" || (s->type == "hold" && s->removed > s->inserted);
      row.half_cycle = (inserting || removing) ? ((inserting == anode) ? "charge" : "discharge") : "other";
      row.start_ps = s->start_ps;
      row.end_ps = s->end_ps;
      row.inserted = s->inserted;
      row.removed = s->removed;
      row.soc_start = s->soc_start;
      row.soc_end = s->soc_end;
      row.soc_max = soc_max_in(s->start_ps, s->end_ps, s->soc_start, s->soc_end);
      row.trapped = trapped_at(cycle, s->end_ps);
      total.inserted += row.inserted;
      total.removed += row.removed;
      total.soc_max = std::max(total.soc_max, row.soc_max);
      result.rows.push_back(row);
    }
    total.trapped = trapped_at(cycle, total.end_ps);
    result.rows.push_back(total);
  }
  if (!run.has_events) result.notes.push_back("no events.csv: trapped ions and voltages are not known");

  for (const auto& e : run.events) {
    if (!std::isfinite(e.voltage_V)) continue;
    result.voltages.push_back({e.time_ps, e.soc, e.is_insertion(), e.voltage_V, e.cycle});
  }

  for (const auto& segment : segments) {
    std::vector<double> volts;
    std::size_t moved = 0;
    for (const auto& e : run.events) {
      if (!in_segment(e.time_ps, segment)) continue;
      if (segment.cycle > 0 && e.cycle != segment.cycle) continue;
      ++moved;
      if (std::isfinite(e.voltage_V)) volts.push_back(e.voltage_V);
    }
    if (!run.has_events) continue;
    result.quantities.push_back({segment.label, "voltage", "V", mean_estimate(volts)});
    result.quantities.push_back({segment.label, "ions_moved", "", {static_cast<double>(moved), std::nan("")}});
  }
  return result;
}

nlohmann::json CycleSummaryResult::to_json() const {
  nlohmann::json cycles = nlohmann::json::array();
  for (const auto& r : rows) {
    if (r.step_index != 0) continue;
    nlohmann::json c = {{"cycle", r.cycle},       {"start_ps", r.start_ps},  {"end_ps", r.end_ps},
                        {"duration_ps", r.end_ps - r.start_ps},          {"inserted", r.inserted},
                        {"removed", r.removed},   {"soc_start", json_number(r.soc_start)},
                        {"soc_end", json_number(r.soc_end)},             {"soc_max", json_number(r.soc_max)},
                        {"trapped", r.trapped}};
    nlohmann::json steps = nlohmann::json::array();
    for (const auto& s : rows)
      if (s.cycle == r.cycle && s.step_index != 0)
        steps.push_back({{"step", s.step_index},       {"type", s.step_type},
                         {"half_cycle", s.half_cycle}, {"start_ps", s.start_ps},
                         {"end_ps", s.end_ps},         {"duration_ps", s.end_ps - s.start_ps},
                         {"inserted", s.inserted},     {"removed", s.removed},
                         {"soc_start", json_number(s.soc_start)}, {"soc_end", json_number(s.soc_end)},
                         {"soc_max", json_number(s.soc_max)},     {"trapped", s.trapped}});
    c["steps"] = steps;
    cycles.push_back(c);
  }
  nlohmann::json j = {{"cycles", cycles}, {"num_voltage_estimates", voltages.size()}};
  if (!notes.empty()) j["notes"] = notes;
  return j;
}

void CycleSummaryResult::write_tables(const std::filesystem::path& dir) const {
  CsvTable cycles({"cycle", "step_index", "step_type", "half_cycle", "start_ps", "end_ps", "duration_ps", "inserted",
                   "removed", "soc_start", "soc_end", "trapped"});
  for (const auto& r : rows)
    cycles.row()
        .add(r.cycle)
        .add(r.step_index)
        .add(r.step_type)
        .add(r.half_cycle)
        .add(r.start_ps)
        .add(r.end_ps)
        .add(r.end_ps - r.start_ps)
        .add(r.inserted)
        .add(r.removed)
        .add(r.soc_start)
        .add(r.soc_end)
        .add(r.trapped);
  cycles.write(dir / "cycles.csv");
  CsvTable volts({"time_ps", "soc", "direction", "voltage_V"});
  for (const auto& v : voltages) volts.row().add(v.time_ps).add(v.soc).add(v.insertion ? "insertion" : "removal").add(v.voltage_V);
  volts.write(dir / "voltage.csv");
}

}  // namespace ioncycle::analysis
