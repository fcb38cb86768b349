// SPDX-License-Identifier: MIT
#include "cycling/protocol_runner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"
#include "core/units.hpp"
#include "md/fire.hpp"

namespace ioncycle::cycling {

namespace {

constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

// A ramp changes the thermostat's target in this many equal stairs (docs/protocols.md, ramp).
constexpr std::int64_t kRampStairs = 100;

std::string fmt(const char* format, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, a);
  return buf;
}

}  // namespace

// --- Cursor <-> text --------------------------------------------------------------------------

std::string Cursor::to_text() const {
  nlohmann::json j;
  j["cycle"] = cycle;
  j["step_index"] = step_index;
  j["step_started"] = step_started;
  j["finished"] = finished;
  j["end_reason"] = end_reason;
  j["step_start"] = step_start;
  j["step_start_time"] = step_start_time;
  j["soc_at_start"] = soc_at_start;
  j["next_event"] = next_event;
  j["events_in_step"] = events_in_step;
  j["trials_in_step"] = trials_in_step;
  j["inserted_in_step"] = inserted_in_step;
  j["removed_in_step"] = removed_in_step;
  j["events_total"] = events_total;
  j["last_checkpoint_step"] = last_checkpoint_step;
  j["target_temperature"] = target_temperature;
  j["step_voltages"] = step_voltages;
  j["exchanges"] = exchanges;
  nlohmann::json reports_json = nlohmann::json::array();
  for (const auto& r : reports) {
    reports_json.push_back({{"cycle", r.cycle}, {"step_index", r.step_index}, {"type", r.type},
                            {"start_time", r.start_time}, {"end_time", r.end_time}, {"soc_start", r.soc_start},
                            {"soc_end", r.soc_end}, {"inserted", r.inserted}, {"removed", r.removed},
                            {"trials", r.trials}, {"end_reason", r.end_reason}});
  }
  j["reports"] = reports_json;
  // nlohmann writes doubles with enough digits to read back the same bits.
  return j.dump();
}

Cursor Cursor::from_text(const std::string& text) {
  try {
    const auto j = nlohmann::json::parse(text);
    Cursor c;
    c.cycle = j.at("cycle").get<int>();
    c.step_index = j.at("step_index").get<std::size_t>();
    c.step_started = j.at("step_started").get<bool>();
    c.finished = j.at("finished").get<bool>();
    c.end_reason = j.at("end_reason").get<std::string>();
    c.step_start = j.at("step_start").get<std::int64_t>();
    c.step_start_time = j.at("step_start_time").get<double>();
    c.soc_at_start = j.at("soc_at_start").get<double>();
    c.next_event = j.at("next_event").get<std::int64_t>();
    c.events_in_step = j.at("events_in_step").get<std::int64_t>();
    c.trials_in_step = j.at("trials_in_step").get<std::int64_t>();
    c.inserted_in_step = j.at("inserted_in_step").get<std::int64_t>();
    c.removed_in_step = j.at("removed_in_step").get<std::int64_t>();
    c.events_total = j.at("events_total").get<std::int64_t>();
    c.last_checkpoint_step = j.at("last_checkpoint_step").get<std::int64_t>();
    c.target_temperature = j.at("target_temperature").get<double>();
    c.step_voltages = j.at("step_voltages").get<std::vector<double>>();
    c.exchanges = j.at("exchanges").get<std::vector<std::pair<double, int>>>();
    for (const auto& r : j.at("reports")) {
      StepReport s;
      s.cycle = r.at("cycle").get<int>();
      s.step_index = r.at("step_index").get<std::size_t>();
      s.type = r.at("type").get<std::string>();
      s.start_time = r.at("start_time").get<double>();
      s.end_time = r.at("end_time").get<double>();
      s.soc_start = r.at("soc_start").get<double>();
      s.soc_end = r.at("soc_end").get<double>();
      s.inserted = r.at("inserted").get<std::int64_t>();
      s.removed = r.at("removed").get<std::int64_t>();
      s.trials = r.at("trials").get<std::int64_t>();
      s.end_reason = r.at("end_reason").get<std::string>();
      c.reports.push_back(std::move(s));
    }
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("the checkpoint's protocol cursor is damaged: ") + e.what(),
                     "start the run again from its input file");
  }
}

// --- runner -----------------------------------------------------------------------------------

ProtocolRunner::ProtocolRunner(md::Simulation& sim, const CyclingSettings& settings, IonExchanger& exchanger,
                               IonLedger& ledger, VoltageProfile& voltages, EventsTable& events, RunnerHooks hooks,
                               std::int64_t checkpoint_every)
    : sim_(sim),
      settings_(settings),
      exchanger_(exchanger),
      ledger_(ledger),
      voltages_(voltages),
      events_(events),
      hooks_(std::move(hooks)),
      checkpoint_every_(checkpoint_every) {
  IONCYCLE_ASSERT(!settings_.protocol.steps.empty(), "a protocol needs steps");
  cursor_.target_temperature = sim_.integrator().target_temperature();
}

std::size_t ProtocolRunner::num_ions() const {
  const auto zs = sim_.system().atomic_numbers();
  return static_cast<std::size_t>(std::count(zs.begin(), zs.end(), settings_.ion.z));
}

double ProtocolRunner::state_of_charge() const {
  return static_cast<double>(num_ions()) / settings_.ion.capacity;
}

double ProtocolRunner::voltage_estimate() const {
  if (cursor_.step_voltages.empty()) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t k = std::min<std::size_t>(cursor_.step_voltages.size(),
                                              static_cast<std::size_t>(std::max(1, current().voltage_window)));
  double sum = 0.0;
  for (std::size_t i = cursor_.step_voltages.size() - k; i < cursor_.step_voltages.size(); ++i) {
    sum += cursor_.step_voltages[i];
  }
  return sum / static_cast<double>(k);
}

std::int64_t ProtocolRunner::steps_of(double fs) const {
  return static_cast<std::int64_t>(std::llround(fs / sim_.integrator().timestep()));
}

void ProtocolRunner::apply_temperature(double kelvin) {
  // NVE runs have no target to change (validation only allows temperatures with a thermostat).
  if (sim_.integrator().target_temperature() <= 0.0) return;
  if (kelvin <= 0.0) return;
  if (kelvin != sim_.integrator().target_temperature()) sim_.integrator().set_target_temperature(kelvin);
  cursor_.target_temperature = kelvin;
}

double ProtocolRunner::ramp_temperature(std::int64_t md_step) const {
  const StepSpec& s = current();
  const std::int64_t n = std::max<std::int64_t>(1, steps_of(s.duration));
  const std::int64_t stair = std::max<std::int64_t>(1, n / kRampStairs);
  const std::int64_t done = std::min(n, ((md_step - cursor_.step_start) / stair) * stair);
  return s.temperature + (s.temperature_end - s.temperature) * static_cast<double>(done) / static_cast<double>(n);
}

void ProtocolRunner::restore(const Cursor& cursor) {
  cursor_ = cursor;
  ledger_.set_cursor(cursor_.cycle, static_cast<int>(cursor_.step_index));
  if (cursor_.target_temperature > 0.0) apply_temperature(cursor_.target_temperature);
}

void ProtocolRunner::begin_step() {
  const StepSpec& s = current();
  cursor_.step_started = true;
  cursor_.step_start = sim_.step();
  cursor_.step_start_time = sim_.time();
  cursor_.soc_at_start = state_of_charge();
  cursor_.events_in_step = cursor_.trials_in_step = cursor_.inserted_in_step = cursor_.removed_in_step = 0;
  cursor_.step_voltages.clear();
  cursor_.exchanges.clear();
  ledger_.set_cursor(cursor_.cycle, static_cast<int>(cursor_.step_index));
  switch (s.type) {
    case StepType::intercalate:
    case StepType::deintercalate: cursor_.next_event = cursor_.step_start + steps_of(s.interval); break;
    case StepType::hold: cursor_.next_event = cursor_.step_start + steps_of(s.exchange_every); break;
    default: cursor_.next_event = -1;
  }
  apply_temperature(s.type == StepType::ramp ? s.temperature : s.temperature);
  if (hooks_.log) {
    std::ostringstream line;
    line << "cycle " << (cursor_.cycle + 1) << "/" << settings_.protocol.cycles << ", " << s.label()
         << " begins at t = " << units::format_quantity(sim_.time(), units::Dimension::time) << ", soc "
         << fmt("%.3f", cursor_.soc_at_start);
    hooks_.log(line.str());
  }
}

void ProtocolRunner::end_step(const std::string& reason) {
  const StepSpec& s = current();
  StepReport r;
  r.cycle = cursor_.cycle;
  r.step_index = cursor_.step_index;
  r.type = s.type_name();
  r.start_time = cursor_.step_start_time;
  r.end_time = sim_.time();
  r.soc_start = cursor_.soc_at_start;
  r.soc_end = state_of_charge();
  r.inserted = cursor_.inserted_in_step;
  r.removed = cursor_.removed_in_step;
  r.trials = cursor_.trials_in_step;
  r.end_reason = reason;
  cursor_.reports.push_back(r);
  if (hooks_.log) {
    std::ostringstream line;
    line << "cycle " << (cursor_.cycle + 1) << ", " << s.label() << " ends at t = "
         << units::format_quantity(sim_.time(), units::Dimension::time) << " (" << reason << "): soc "
         << fmt("%.3f", r.soc_end) << ", +" << r.inserted << " / -" << r.removed << " ions";
    hooks_.log(line.str());
  }
  cursor_.step_started = false;
  cursor_.next_event = -1;
  if (++cursor_.step_index == settings_.protocol.steps.size()) {
    cursor_.step_index = 0;
    if (++cursor_.cycle == settings_.protocol.cycles) {
      cursor_.finished = true;
      cursor_.end_reason = "all cycles done";
    }
  }
}

std::string ProtocolRunner::step_end_reason() const {
  const StepSpec& s = current();
  const Until& u = s.until;
  const double soc = state_of_charge();
  constexpr double eps = 1e-12;
  if (u.soc) {
    bool met = false;
    if (s.type == StepType::intercalate) met = soc >= *u.soc - eps;
    else if (s.type == StepType::deintercalate) met = soc <= *u.soc + eps;
    else met = (cursor_.soc_at_start <= *u.soc && soc >= *u.soc - eps) ||
               (cursor_.soc_at_start >= *u.soc && soc <= *u.soc + eps);
    if (met) return "soc " + fmt("%.3f", soc) + " reached";
  }
  const std::int64_t elapsed = sim_.step() - cursor_.step_start;
  double duration = s.duration;
  if (u.time) duration = duration > 0.0 ? std::min(duration, *u.time) : *u.time;
  if (duration > 0.0 && elapsed >= steps_of(duration)) {
    return "time " + units::format_quantity(duration, units::Dimension::time) + " elapsed";
  }
  if (u.events && cursor_.events_in_step >= *u.events) return std::to_string(*u.events) + " events done";
  if (u.voltage && !cursor_.step_voltages.empty() &&
      cursor_.step_voltages.size() >= static_cast<std::size_t>(s.voltage_window)) {
    const double v = voltage_estimate();
    if ((s.type == StepType::intercalate && v < *u.voltage) || (s.type == StepType::deintercalate && v > *u.voltage)) {
      return "voltage estimate " + fmt("%.4f", v) + " V crossed the cut-off";
    }
  }
  if (u.net_rate && s.type == StepType::hold) {
    const double now = sim_.time();
    if (now - cursor_.step_start_time >= u.rate_window - 1e-9) {
      int net = 0;
      for (const auto& [t, sign] : cursor_.exchanges) {
        if (t > now - u.rate_window) net += sign;
      }
      const double rate = std::abs(static_cast<double>(net)) / u.rate_window;
      if (rate < *u.net_rate) return "net exchange rate below the threshold";
    }
  }
  if (u.audit_force_rmse) {
    if (const auto why = audit_exceeded(*u.audit_force_rmse, cursor_.step_start); !why.empty()) return why;
  }
  if (s.type == StepType::deintercalate && num_ions() == 0) return "no ions left";
  return {};
}

std::string ProtocolRunner::audit_exceeded(double threshold, std::int64_t since_step) const {
  if (!hooks_.latest_audit) return {};
  const auto latest = hooks_.latest_audit();
  // A check made at the step a protocol step starts on belongs to the step before (it ran at the
  // end of that step's last MD chunk), except at step 0, where it is the run's first check.
  if (!latest || latest->first < since_step || (latest->first == since_step && since_step > 0)) return {};
  if (latest->second <= threshold) return {};  // NaN exceeds, as in the audit's own rows
  return "audit force RMSE " + fmt("%.4g", latest->second) + " eV/A above " + fmt("%.4g", threshold) + " eV/A at step " +
         std::to_string(latest->first);
}

std::string ProtocolRunner::global_end_reason() const {
  const Until& u = settings_.protocol.end;
  if (u.time && sim_.step() >= steps_of(*u.time)) {
    return "protocol time limit " + units::format_quantity(*u.time, units::Dimension::time) + " reached";
  }
  if (u.events && cursor_.events_total >= *u.events) return "protocol event limit reached";
  if (u.audit_force_rmse) {
    if (const auto why = audit_exceeded(*u.audit_force_rmse, 0); !why.empty()) return "protocol " + why;
  }
  if (u.soc && cursor_.events_total > 0 && std::abs(state_of_charge() - *u.soc) < 1e-12) {
    return "protocol soc " + fmt("%.3f", *u.soc) + " reached";
  }
  return {};
}

std::int64_t ProtocolRunner::next_stop() const {
  const StepSpec& s = current();
  std::int64_t target = kNever;
  if (cursor_.next_event >= 0) target = std::min(target, cursor_.next_event);
  double duration = s.duration;
  if (s.until.time) duration = duration > 0.0 ? std::min(duration, *s.until.time) : *s.until.time;
  if (duration > 0.0) target = std::min(target, cursor_.step_start + steps_of(duration));
  if (s.type == StepType::ramp) {
    const std::int64_t n = std::max<std::int64_t>(1, steps_of(s.duration));
    const std::int64_t stair = std::max<std::int64_t>(1, n / kRampStairs);
    target = std::min(target, cursor_.step_start + ((sim_.step() - cursor_.step_start) / stair + 1) * stair);
  }
  if (s.type == StepType::hold && s.until.net_rate) {
    // Look at the rate once the window is full, then at every round (rounds are stops anyway).
    target = std::min(target, cursor_.step_start + steps_of(s.until.rate_window));
  }
  if (checkpoint_every_ > 0) target = std::min(target, (sim_.step() / checkpoint_every_ + 1) * checkpoint_every_);
  if (hooks_.audit_every > 0 && (s.until.audit_force_rmse || settings_.protocol.end.audit_force_rmse)) {
    target = std::min(target, (sim_.step() / hooks_.audit_every + 1) * hooks_.audit_every);
  }
  if (settings_.protocol.end.time) target = std::min(target, steps_of(*settings_.protocol.end.time));
  return std::max(target, sim_.step() + 1);
}

void ProtocolRunner::record(const ExchangeEvent& e, const std::string& kind) {
  const StepSpec& s = current();
  const bool is_insert = e.kind == ExchangeKind::insert;
  if (!e.accepted && !e.failure.empty() && s.type == StepType::intercalate &&
      exchanger_.site_finder().unavailable_reason().empty()) {
    // No free site for the next ion: the host is full under its exclusions at this x, as a
    // galvanostatic charge ends at its cut-off. The step ends (docs/protocols.md, intercalate);
    // the protocol goes on with the next one. A site set that does not exist at all (no
    // galleries, no free edge) is no full host: that still stops the run below.
    end_step("host full: " + e.failure);
    return;
  }
  if (!e.accepted && !e.failure.empty() && s.type != StepType::hold) {
    // An event that cannot happen (a site set the host lacks, no ion the removal policy can
    // take) stops the run: the schedule cannot be kept.
    std::ostringstream where;
    where << "cycle " << (cursor_.cycle + 1) << ", " << s.label() << ", t = "
          << units::format_quantity(sim_.time(), units::Dimension::time);
    throw SimulationError(where.str(), e.failure);
  }
  ++cursor_.trials_in_step;
  // A grand-canonical trial that found no site or no ion has no voltage estimate.
  if (!std::isfinite(e.voltage)) return;
  cursor_.step_voltages.push_back(e.voltage);
  const auto window = static_cast<std::size_t>(std::max(1, s.voltage_window));
  if (cursor_.step_voltages.size() > window) {
    cursor_.step_voltages.erase(cursor_.step_voltages.begin(),
                                cursor_.step_voltages.end() - static_cast<std::ptrdiff_t>(window));
  }
  voltages_.add(state_of_charge(), e.voltage, is_insert ? TrialDirection::insertion : TrialDirection::removal);
  if (!e.accepted) return;
  ++cursor_.events_in_step;
  ++cursor_.events_total;
  if (is_insert) ++cursor_.inserted_in_step;
  else ++cursor_.removed_in_step;
  if (s.type == StepType::hold) {
    cursor_.exchanges.emplace_back(sim_.time(), is_insert ? 1 : -1);
    const double oldest = sim_.time() - s.until.rate_window;
    std::erase_if(cursor_.exchanges, [&](const auto& x) { return x.first <= oldest; });
  }
  EventRecord r;
  r.time = sim_.time();
  r.step = sim_.step();
  r.cycle = cursor_.cycle;
  r.step_index = cursor_.step_index;
  r.step_type = s.type_name();
  r.half_cycle = half_cycle_name(settings_.ion.electrode, is_insert);
  r.event = kind;
  r.ion_id = e.ion_id;
  r.position = e.position;
  r.site = e.site;
  r.delta_energy = e.delta_energy;
  r.voltage = e.voltage;
  r.soc_after = state_of_charge();
  r.num_ions_after = num_ions();
  events_.write(r);
}

void ProtocolRunner::do_events() {
  const StepSpec& s = current();
  core::System& system = sim_.system();
  const double temperature = cursor_.target_temperature > 0.0 ? cursor_.target_temperature : s.temperature;
  const auto t0 = std::chrono::steady_clock::now();
  switch (s.type) {
    case StepType::intercalate: {
      const ExchangeEvent e = exchanger_.insert(system, sim_.forces(), s.insertion, temperature, ledger_, sim_.time());
      record(e, "insert");
      if (cursor_.step_started) cursor_.next_event += steps_of(s.interval);  // not when it ended the step
      break;
    }
    case StepType::deintercalate: {
      if (num_ions() > 0) {
        const ExchangeEvent e = exchanger_.remove(system, sim_.forces(), s.removal, temperature, ledger_, sim_.time());
        record(e, "remove");
      }
      cursor_.next_event += steps_of(s.interval);
      break;
    }
    case StepType::hold: {
      for (int k = 0; k < s.moves; ++k) {
        const ExchangeEvent e = exchanger_.grand_canonical_move(system, sim_.forces(), s.insertion, s.voltage,
                                                                temperature, ledger_, sim_.time(),
                                                                settings_.ion.capacity);
        record(e, e.kind == ExchangeKind::insert ? "gc_insert" : "gc_remove");
      }
      cursor_.next_event += steps_of(s.exchange_every);
      break;
    }
    default: break;
  }
  seconds_exchange_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void ProtocolRunner::run_minimize() {
  const StepSpec& s = current();
  md::FireMinimizer fire(s.minimize);
  const auto report = fire.minimize(sim_.system(), sim_.forces());
  // The minimizer leaves the fictitious FIRE velocities behind; the MD that follows starts from
  // rest and its thermostat brings the temperature back (docs/protocols.md, minimize).
  for (auto& v : sim_.system().velocities()) v = core::Vec3::Zero();
  sim_.reset_forces();
  if (hooks_.log) {
    hooks_.log("minimized: " + report.stop_reason + " after " + std::to_string(report.num_steps) +
               " FIRE steps, E = " + fmt("%.6f", report.energy) + " eV, max |F| = " + fmt("%.3g", report.max_force) +
               " eV/A");
  }
}

RunOutcome ProtocolRunner::run(const std::atomic<bool>* stop) {
  while (!cursor_.finished) {
    // Checkpoints are taken here, at the top of the loop, which is where a resumed run enters.
    if (checkpoint_every_ > 0 && sim_.step() > 0 && sim_.step() % checkpoint_every_ == 0 &&
        cursor_.last_checkpoint_step != sim_.step()) {
      cursor_.last_checkpoint_step = sim_.step();
      if (hooks_.checkpoint) hooks_.checkpoint();
      sim_.reset_forces();
    }
    if (stop != nullptr && stop->load()) return RunOutcome::interrupted;
    if (const auto why = global_end_reason(); !why.empty()) {
      if (cursor_.step_started) end_step(why);
      cursor_.finished = true;
      cursor_.end_reason = why;
      break;
    }
    if (!cursor_.step_started) {
      begin_step();
      if (current().type == StepType::minimize) {
        run_minimize();
        end_step("minimized");
        continue;
      }
    }
    if (const auto why = step_end_reason(); !why.empty()) {
      end_step(why);
      continue;
    }
    const std::int64_t target = next_stop();
    const std::int64_t todo = target - sim_.step();
    const std::int64_t done = sim_.run(todo, stop);
    if (done < todo) return RunOutcome::interrupted;
    if (current().type == StepType::ramp) apply_temperature(ramp_temperature(sim_.step()));
    if (cursor_.next_event >= 0 && sim_.step() == cursor_.next_event) do_events();
  }
  return RunOutcome::finished;
}

}  // namespace ioncycle::cycling
