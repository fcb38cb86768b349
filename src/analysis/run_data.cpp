// SPDX-License-Identifier: MIT
#include "analysis/run_data.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "io/h5md_reader.hpp"

namespace ioncycle::analysis {
namespace {

namespace fs = std::filesystem;

// One CSV line split into fields; fields may be quoted ("a,b" and "" for a quote), as our
// writers quote them (events_table.cpp, report.cpp).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return fields;
}

// A CSV file as rows of named fields. InputError with file:line on a row of the wrong width.
struct CsvFile {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> lines;  // 1-based line of each row
  [[nodiscard]] int column(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : static_cast<int>(it - header.begin());
  }
};

CsvFile read_csv(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open " + path.string());
  CsvFile csv;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line == "\r") continue;
    auto fields = split_csv(line);
    if (csv.header.empty()) {
      csv.header = std::move(fields);
      continue;
    }
    if (fields.size() != csv.header.size()) {
      // The last line of a table whose writer was killed mid-line is incomplete: skip it.
      if (in.peek() == std::char_traits<char>::eof()) break;
      throw InputError(SourceLocation{path.string(), number, 1},
                       "row has " + std::to_string(fields.size()) + " fields, the header " +
                           std::to_string(csv.header.size()),
                       "the file is damaged; ioncycle writes every row complete");
    }
    csv.rows.push_back(std::move(fields));
    csv.lines.push_back(number);
  }
  if (csv.header.empty()) throw InputError(SourceLocation{path.string(), 1, 1}, "empty table (no header line)");
  return csv;
}

double to_double(const std::string& text, const fs::path& path, int line, const std::string& column) {
  if (text == "nan" || text == "-nan") return std::nan("");
  try {
    std::size_t used = 0;
    const double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw InputError(SourceLocation{path.string(), line, 1},
                   "column " + column + ": '" + text + "' is not a number");
}

const std::string& field(const CsvFile& csv, std::size_t row, const std::string& name, const fs::path& path) {
  const int c = csv.column(name);
  if (c < 0) throw InputError(SourceLocation{path.string(), 1, 1}, "missing column '" + name + "'");
  return csv.rows[row][static_cast<std::size_t>(c)];
}

double number(const CsvFile& csv, std::size_t row, const std::string& name, const fs::path& path) {
  return to_double(field(csv, row, name, path), path, csv.lines[row], name);
}

TrajectoryFrame to_trajectory_frame(io::Frame frame) {
  TrajectoryFrame out;
  for (auto& [key, value] : frame.info) {
    if (key == "step") {
      if (const auto* i = std::get_if<std::int64_t>(&value)) out.step = *i;
    } else if (key == "time") {
      if (const auto* d = std::get_if<double>(&value)) out.time_fs = *d;
    } else if (const auto* d = std::get_if<double>(&value)) {
      out.observables[key] = {*d};
    } else if (const auto* v = std::get_if<std::vector<double>>(&value)) {
      out.observables[key] = *v;
    } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
      out.observables[key] = {static_cast<double>(*i)};
    }
  }
  out.system = std::move(frame.system);
  return out;
}

void read_trajectory(RunData& run) {
  const fs::path path = run.directory / "trajectory.h5";
  if (!fs::exists(path)) {
    run.warnings.push_back("no trajectory.h5: structural and transport analyses skipped");
    return;
  }
  try {
    const auto reader = io::H5mdReader::open(path.string());
    const std::size_t n = reader.num_frames();
    run.trajectory.reserve(n);
    for (std::size_t k = 0; k < n; ++k) run.trajectory.push_back(to_trajectory_frame(reader.read_frame(k)));
    run.trajectory_truncated = reader.dropped_incomplete_frame();
    if (run.trajectory_truncated)
      run.warnings.push_back("trajectory.h5 ends in a partly written frame (the run was killed); it was dropped");
    if (n == 0) run.warnings.push_back("trajectory.h5 holds no complete frame");
  } catch (const Error& e) {
    run.trajectory.clear();
    run.warnings.push_back(std::string("trajectory.h5 could not be read (") + e.what() +
                           "): structural and transport analyses skipped");
  }
}

void read_events(RunData& run) {
  const fs::path path = run.directory / "events.csv";
  if (!fs::exists(path)) {
    run.warnings.push_back("no events.csv: voltages, trapped ions and hysteresis skipped");
    return;
  }
  try {
    run.events = read_events_csv(path);
    run.has_events = true;
  } catch (const Error& e) {
    run.warnings.push_back(std::string("events.csv could not be read: ") + e.what());
  }
}

void read_resolved(RunData& run) {
  const fs::path path = run.directory / "resolved.toml";
  if (!fs::exists(path)) {
    run.warnings.push_back("no resolved.toml: the ion species is taken to be Li, the electrode an anode");
    return;
  }
  try {
    const toml::table table = toml::parse_file(path.string());
    if (auto species = table["ion"]["species"].value<std::string>()) run.ion_symbol = *species;
    if (auto electrode = table["ion"]["electrode"].value<std::string>()) run.electrode = *electrode;
    if (auto temperature = table["md"]["temperature"].value<std::string>())
      run.temperature_K = units::parse_quantity(*temperature, units::Dimension::temperature);
  } catch (const std::exception& e) {
    run.warnings.push_back(std::string("resolved.toml could not be read: ") + e.what());
  }
}

void read_summary(RunData& run) {
  const fs::path path = run.directory / "summary.json";
  if (!fs::exists(path)) {
    run.warnings.push_back("no summary.json (the run did not finish): protocol steps taken from thermo.csv");
    return;
  }
  std::ifstream in(path);
  const auto parsed = nlohmann::json::parse(in, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    run.warnings.push_back("summary.json is not a JSON object; it will be rewritten with the analysis only");
    return;
  }
  run.summary = parsed;
  const auto& ion = run.summary.value("ion", nlohmann::json::object());
  if (ion.contains("capacity") && ion["capacity"].is_number()) run.capacity = ion["capacity"].get<double>();
  if (run.ion_symbol.empty() && ion.contains("species") && ion["species"].is_string())
    run.ion_symbol = ion["species"].get<std::string>();
  if (!run.summary.contains("protocol_steps") || !run.summary["protocol_steps"].is_array()) return;
  for (const auto& s : run.summary["protocol_steps"]) {
    StepRecord r;
    r.cycle = s.value("cycle", 1);
    r.step = s.value("step", std::size_t{1});
    r.type = s.value("type", std::string{});
    r.start_ps = s.value("start_ps", 0.0);
    r.end_ps = s.value("end_ps", 0.0);
    r.inserted = s.value("inserted", std::size_t{0});
    r.removed = s.value("removed", std::size_t{0});
    r.soc_start = s.value("soc_start", 0.0);
    r.soc_end = s.value("soc_end", 0.0);
    r.end_reason = s.value("end_reason", std::string{});
    run.steps.push_back(std::move(r));
  }
}

// Protocol steps of a run without summary.json: contiguous thermo rows of one (cycle, step),
// each step ending where the next begins; types from resolved.toml's [[protocol.step]].
void steps_from_thermo(RunData& run) {
  const fs::path path = run.directory / "thermo.csv";
  if (!fs::exists(path)) return;
  std::vector<std::string> types;
  try {
    const toml::table table = toml::parse_file((run.directory / "resolved.toml").string());
    if (const auto* steps = table["protocol"]["step"].as_array())
      for (const auto& step : *steps)
        if (const auto* t = step.as_table()) types.push_back((*t)["type"].value_or(std::string{}));
  } catch (const std::exception&) {
  }
  try {
    const CsvFile csv = read_csv(path);
    if (csv.column("cycle") < 0 || csv.column("protocol_step") < 0) return;
    for (std::size_t r = 0; r < csv.rows.size(); ++r) {
      const int cycle = static_cast<int>(number(csv, r, "cycle", path));
      const auto step = static_cast<std::size_t>(number(csv, r, "protocol_step", path));
      const double t = number(csv, r, "time_ps", path);
      const double soc = csv.column("soc") >= 0 ? number(csv, r, "soc", path) : std::nan("");
      if (run.steps.empty() || run.steps.back().cycle != cycle || run.steps.back().step != step) {
        if (!run.steps.empty()) run.steps.back().end_ps = t;
        StepRecord s;
        s.cycle = cycle;
        s.step = step;
        s.type = step >= 1 && step <= types.size() ? types[step - 1] : "";
        s.start_ps = t;
        s.soc_start = soc;
        s.end_reason = "unknown (no summary.json)";
        run.steps.push_back(std::move(s));
      }
      run.steps.back().end_ps = t;
      run.steps.back().soc_end = soc;
    }
  } catch (const Error& e) {
    run.warnings.push_back(std::string("thermo.csv could not be read: ") + e.what());
  }
  for (auto& s : run.steps)
    for (const auto& e : run.events)
      if (e.cycle == s.cycle && e.step_index == s.step) ++(e.is_insertion() ? s.inserted : s.removed);
}

}  // namespace

std::vector<EventRow> read_events_csv(const fs::path& path) {
  const CsvFile csv = read_csv(path);
  std::vector<EventRow> events;
  events.reserve(csv.rows.size());
  for (std::size_t r = 0; r < csv.rows.size(); ++r) {
    EventRow e;
    e.time_ps = number(csv, r, "time_ps", path);
    e.step = static_cast<std::int64_t>(number(csv, r, "step", path));
    e.cycle = static_cast<int>(number(csv, r, "cycle", path));
    e.step_index = static_cast<std::size_t>(number(csv, r, "step_index", path));
    e.step_type = field(csv, r, "step_type", path);
    e.half_cycle = field(csv, r, "half_cycle", path);
    e.event = field(csv, r, "event", path);
    e.ion_id = static_cast<std::int64_t>(number(csv, r, "ion_id", path));
    e.position = {number(csv, r, "x_A", path), number(csv, r, "y_A", path), number(csv, r, "z_A", path)};
    e.site = field(csv, r, "site", path);
    e.delta_energy_eV = number(csv, r, "delta_E_eV", path);
    e.voltage_V = number(csv, r, "voltage_V", path);
    e.soc = number(csv, r, "soc", path);
    e.num_ions = static_cast<std::size_t>(number(csv, r, "num_ions", path));
    events.push_back(std::move(e));
  }
  return events;
}

double run_temperature(const RunData& run) {
  if (run.temperature_K > 0.0) return run.temperature_K;
  double sum = 0.0;
  std::size_t n = 0;
  for (const auto& frame : run.trajectory) {
    const double t = observable(frame, "temperature");
    if (std::isfinite(t)) {
      sum += t;
      ++n;
    }
  }
  return n > 0 ? sum / static_cast<double>(n) : std::nan("");
}

RunData load_run(const fs::path& directory) {
  if (!fs::is_directory(directory))
    throw InputError(directory.string() + " is not a run directory",
                     "give the directory `ioncycle run` wrote (it holds trajectory.h5, events.csv, summary.json)");
  RunData run;
  run.directory = directory;
  run.name = fs::weakly_canonical(directory).filename().string();
  read_resolved(run);
  read_summary(run);
  read_events(run);
  read_trajectory(run);
  if (run.steps.empty()) steps_from_thermo(run);
  if (run.ion_symbol.empty()) run.ion_symbol = "Li";
  if (const auto z = core::find_atomic_number(run.ion_symbol)) {
    run.ion_species = {*z};
  } else {
    run.warnings.push_back("unknown ion species '" + run.ion_symbol + "'; Li assumed");
    run.ion_symbol = "Li";
    run.ion_species = {3};
  }
  if (!run.trajectory.empty()) {
    std::size_t ions = 0;
    for (const auto& frame : run.trajectory)
      for (int z : frame.system.atomic_numbers()) ions += std::count(run.ion_species.begin(), run.ion_species.end(), z);
    if (ions == 0) run.warnings.push_back("the trajectory holds no " + run.ion_symbol + " ions: ion analyses are empty");
  }
  return run;
}

namespace {

// Whether a step of this type moves ions in the half cycle's direction.
enum class Direction { insertion, removal, none };

Direction direction_of(const StepRecord& step) {
  if (step.type == "intercalate") return Direction::insertion;
  if (step.type == "deintercalate") return Direction::removal;
  if (step.type == "hold") {  // a hold's direction is what it did
    if (step.inserted > step.removed) return Direction::insertion;
    if (step.removed > step.inserted) return Direction::removal;
  }
  return Direction::none;
}

}  // namespace

std::vector<Segment> make_segments(const RunData& run) {
  std::vector<Segment> segments;
  Segment all;
  all.cycle = 0;
  all.label = "all";
  if (!run.trajectory.empty()) {
    all.start_fs = run.trajectory.front().time_fs;
    all.end_fs = run.trajectory.back().time_fs;
  } else if (!run.steps.empty()) {
    all.start_fs = run.steps.front().start_ps * 1000.0;
    all.end_fs = run.steps.back().end_ps * 1000.0;
  }
  segments.push_back(all);
  const bool anode = run.electrode != "cathode";
  std::map<int, std::vector<const StepRecord*>> by_cycle;
  for (const auto& step : run.steps) by_cycle[step.cycle].push_back(&step);
  for (const auto& [cycle, steps] : by_cycle) {
    for (const Direction direction : {Direction::insertion, Direction::removal}) {
      const StepRecord* first = nullptr;
      const StepRecord* last = nullptr;
      for (const auto* s : steps)
        if (direction_of(*s) == direction) {
          if (!first) first = s;
          last = s;
        }
      if (!first) continue;
      Segment half;
      half.cycle = cycle;
      const bool charge = (direction == Direction::insertion) == anode;
      half.half_cycle = charge ? HalfCycle::charge : HalfCycle::discharge;
      half.start_fs = first->start_ps * 1000.0;
      half.end_fs = last->end_ps * 1000.0;
      half.label = half_cycle_label(cycle, half.half_cycle);
      segments.push_back(std::move(half));
    }
  }
  for (const auto& step : run.steps) {
    Segment s;
    s.cycle = step.cycle;
    s.step_index = step.step;
    s.step_type = step.type;
    const Direction direction = direction_of(step);
    if (direction != Direction::none)
      s.half_cycle = ((direction == Direction::insertion) == anode) ? HalfCycle::charge : HalfCycle::discharge;
    s.start_fs = step.start_ps * 1000.0;
    s.end_fs = step.end_ps * 1000.0;
    s.label = step_label(step.cycle, step.step, step.type);
    segments.push_back(std::move(s));
  }
  return segments;
}

}  // namespace ioncycle::analysis
