// SPDX-License-Identifier: MIT
//
// The run-level pieces of the analysis: segments from the protocol steps (half cycles named by
// the electrode), the cycle summary's trapped ions from a constructed events sequence, the
// asymmetry table's pairing and error propagation, and the CSV table writer.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "analysis/asymmetry.hpp"
#include "analysis/cycle_summary.hpp"
#include "analysis/report.hpp"
#include "analysis/run_data.hpp"
#include "core/error.hpp"
#include "testing.hpp"

namespace a = ioncycle::analysis;
namespace t = ioncycle::testing;

namespace {

a::StepRecord step(int cycle, std::size_t index, const std::string& type, double start, double end, std::size_t in,
                   std::size_t out) {
  a::StepRecord s;
  s.cycle = cycle;
  s.step = index;
  s.type = type;
  s.start_ps = start;
  s.end_ps = end;
  s.inserted = in;
  s.removed = out;
  return s;
}

a::EventRow event(double time_ps, int cycle, std::size_t step_index, const std::string& kind, std::int64_t id,
                  double voltage) {
  a::EventRow e;
  e.time_ps = time_ps;
  e.cycle = cycle;
  e.step_index = step_index;
  e.event = kind;
  e.ion_id = id;
  e.voltage_V = voltage;
  return e;
}

const a::Segment& find(const std::vector<a::Segment>& segments, const std::string& label) {
  for (const auto& s : segments)
    if (s.label == label) return s;
  FAIL("no segment " << label);
  return segments.front();
}

}  // namespace

TEST_CASE("segments: half cycles span their steps and are named by the electrode", "[analysis][segments]") {
  a::RunData run;
  run.steps = {step(1, 1, "intercalate", 0.0, 1.0, 6, 0), step(1, 2, "rest", 1.0, 1.5, 0, 0),
               step(1, 3, "deintercalate", 1.5, 3.0, 0, 6), step(2, 1, "intercalate", 3.0, 4.0, 6, 0),
               step(2, 2, "rest", 4.0, 4.5, 0, 0), step(2, 3, "hold", 4.5, 6.0, 1, 4)};
  auto segments = a::make_segments(run);
  CHECK(segments.size() == 1 + 4 + 6);
  const auto& c1 = find(segments, "c1.charge");
  CHECK(c1.start_fs == 0.0);
  CHECK(c1.end_fs == 1000.0);
  CHECK(c1.half_cycle == a::HalfCycle::charge);
  const auto& d1 = find(segments, "c1.discharge");
  CHECK(d1.start_fs == 1500.0);
  CHECK(d1.end_fs == 3000.0);
  // a hold that removed more than it inserted is a discharge step on an anode
  const auto& d2 = find(segments, "c2.discharge");
  CHECK(d2.start_fs == 4500.0);
  CHECK(find(segments, "c2.s3.hold").half_cycle == a::HalfCycle::discharge);
  CHECK(find(segments, "c1.s2.rest").half_cycle == a::HalfCycle::other);

  run.electrode = "cathode";  // LiCoO2: removal charges the cell
  segments = a::make_segments(run);
  CHECK(find(segments, "c1.charge").start_fs == 1500.0);
  CHECK(find(segments, "c1.discharge").end_fs == 1000.0);
}

TEST_CASE("cycle summary: trapped ions are those of the cycle still present at its end", "[analysis][cycles]") {
  a::RunData run;
  run.has_events = true;
  run.steps = {step(1, 1, "intercalate", 0.0, 1.0, 4, 0), step(1, 2, "deintercalate", 1.0, 2.0, 0, 3),
               step(2, 1, "intercalate", 2.0, 3.0, 2, 0), step(2, 2, "deintercalate", 3.0, 4.0, 0, 3)};
  // cycle 1: ions 10..13 in, 10, 11, 12 out -> 13 trapped. cycle 2: 14, 15 in; 13, 14, 15 out
  // (13 is cycle 1's ion) -> none of cycle 2's ions trapped.
  run.events = {event(0.2, 1, 1, "insert", 10, 0.3), event(0.4, 1, 1, "insert", 11, 0.2),
                event(0.6, 1, 1, "insert", 12, 0.1), event(0.8, 1, 1, "insert", 13, 0.0),
                event(1.2, 1, 2, "remove", 10, 0.5), event(1.4, 1, 2, "remove", 11, 0.6),
                event(1.6, 1, 2, "remove", 12, 0.7), event(2.5, 2, 1, "insert", 14, 0.2),
                event(2.7, 2, 1, "insert", 15, 0.1), event(3.2, 2, 2, "remove", 13, 0.4),
                event(3.4, 2, 2, "remove", 14, 0.5), event(3.6, 2, 2, "gc_remove", 15, 0.6)};
  const auto segments = a::make_segments(run);
  const auto summary = a::summarize_cycles(run, segments);
  std::vector<std::size_t> trapped_per_cycle;
  for (const auto& row : summary.rows)
    if (row.step_type == "cycle") trapped_per_cycle.push_back(row.trapped);
  CHECK(trapped_per_cycle == std::vector<std::size_t>{1, 0});
  // after step 1 of cycle 1 all four of its ions are in
  CHECK(summary.rows.front().trapped == 4);

  // mean voltage of the charge of cycle 1 = (0.3+0.2+0.1+0.0)/4, standard error from the spread
  bool found = false;
  for (const auto& q : summary.quantities) {
    if (q.segment != "c1.charge" || q.name != "voltage") continue;
    found = true;
    CHECK(q.estimate.value == Approx(0.15));
    CHECK(q.estimate.error == Approx(std::sqrt(0.05 / 3.0 / 4.0)));
  }
  CHECK(found);

  const auto asymmetry = a::compare_half_cycles(segments, summary.segment_quantities());
  found = false;
  for (const auto& row : asymmetry.rows) {
    if (row.cycle != 1 || row.quantity != "voltage") continue;
    found = true;
    CHECK(row.discharge.value == Approx(0.6));
    CHECK(row.difference.value == Approx(0.15 - 0.6));  // the hysteresis
    CHECK(row.difference.error == Approx(std::hypot(row.charge.error, row.discharge.error)));
  }
  CHECK(found);
}

TEST_CASE("events table: read back with quoted fields; a damaged row names file and line", "[analysis][events]") {
  const std::string dir = t::temp_dir("events-read");
  const std::string header =
      "time_ps,step,cycle,step_index,step_type,half_cycle,event,ion_id,x_A,y_A,z_A,site,delta_E_eV,voltage_V,soc,num_ions\n";
  std::ofstream(dir + "/events.csv") << header
                                     << "0.025,25,1,1,intercalate,charge,insert,36,1,2,3,\"gallery 0, edge\",-1,0.5,0.25,1\n";
  const auto events = a::read_events_csv(dir + "/events.csv");
  REQUIRE(events.size() == 1);
  CHECK(events[0].site == "gallery 0, edge");
  CHECK(events[0].ion_id == 36);
  CHECK(events[0].position.z() == 3.0);
  CHECK(events[0].is_insertion());

  std::ofstream(dir + "/bad.csv") << header << "0.025,25,1,1,intercalate,charge,insert,x36,1,2,3,s,-1,0.5,0.25,1\n"
                                  << "0.05,50,1,1,intercalate,charge,insert,37,1,2,3,s,-1,0.5,0.25,2\n";
  try {
    (void)a::read_events_csv(dir + "/bad.csv");
    FAIL("no error");
  } catch (const ioncycle::InputError& e) {
    CHECK(std::string(e.what()).find("bad.csv:2:") != std::string::npos);
    CHECK(std::string(e.what()).find("ion_id") != std::string::npos);
  }
  // an incomplete last line (a writer killed mid-line) is dropped, not an error
  std::ofstream(dir + "/cut.csv") << header << "0.025,25,1,1,intercalate,charge,insert,36,1,2,3,s,-1,0.5,0.25,1\n"
                                  << "0.05,50,1,1,inter";
  CHECK(a::read_events_csv(dir + "/cut.csv").size() == 1);
}

TEST_CASE("CSV tables: numbers with 10 digits, nan for missing, quoted text", "[analysis][report]") {
  a::CsvTable table({"name", "value", "count"});
  table.row().add("a, b").add(1.0 / 3.0).add(7);
  table.row().add("c").add(std::nan("")).add(std::size_t{2});
  CHECK(table.to_string() == "name,value,count\n\"a, b\",0.3333333333,7\nc,nan,2\n");
  CHECK(a::json_number(std::nan("")).is_null());
  CHECK(a::to_json(a::Estimate{1.5, 0.5})["error"] == 0.5);
}
