// SPDX-License-Identifier: MIT
#include "cycling/ion_ledger.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace ioncycle::cycling {

namespace {

constexpr int kFormatVersion = 1;

std::string id_list(const std::vector<core::AtomId>& ids) {
  std::string out;
  const std::size_t shown = std::min<std::size_t>(ids.size(), 10);
  for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + std::to_string(ids[i]);
  if (ids.size() > shown) out += ", ... (" + std::to_string(ids.size()) + " in all)";
  return out;
}

}  // namespace

void IonLedger::push(IonRecord record) {
  index_.emplace(record.id, records_.size());
  records_.push_back(record);
}

void IonLedger::add_initial(const core::System& system, int ion_z) {
  if (!records_.empty()) throw InputError("the ion ledger already holds ions; initial ions are recorded once");
  const auto zs = system.atomic_numbers();
  const auto ids = system.ids();
  std::vector<core::AtomId> initial;
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    if (zs[i] == ion_z) initial.push_back(ids[i]);
  }
  std::sort(initial.begin(), initial.end());
  for (const core::AtomId id : initial) {
    IonRecord r;
    r.id = id;
    r.initial = true;
    push(r);
  }
  num_initial_ = initial.size();
}

void IonLedger::set_cursor(int cycle, int step) {
  cycle_ = cycle;
  step_ = step;
}

void IonLedger::record_insertion(core::AtomId id, double time) {
  IONCYCLE_ASSERT(std::isfinite(time), "insertion time must be finite");
  if (index_.count(id) != 0) {
    throw SimulationError("ion ledger: ion id " + std::to_string(id) +
                          " inserted twice (ids are never reused, so this is a bookkeeping error)");
  }
  IonRecord r;
  r.id = id;
  r.time_inserted = time;
  r.cycle_inserted = cycle_;
  r.step_inserted = step_;
  push(r);
  ++num_inserted_;
}

void IonLedger::record_removal(core::AtomId id, double time) {
  IONCYCLE_ASSERT(std::isfinite(time), "removal time must be finite");
  const auto it = index_.find(id);
  if (it == index_.end()) {
    throw SimulationError("ion ledger: removal of ion id " + std::to_string(id) + ", which was never recorded");
  }
  IonRecord& r = records_[it->second];
  if (!r.present()) {
    throw SimulationError("ion ledger: ion id " + std::to_string(id) + " removed twice");
  }
  r.time_removed = time;
  r.cycle_removed = cycle_;
  r.step_removed = step_;
  ++num_removed_;
}

const IonRecord* IonLedger::find(core::AtomId id) const {
  const auto it = index_.find(id);
  return it == index_.end() ? nullptr : &records_[it->second];
}

std::vector<core::AtomId> IonLedger::present_ids() const {
  std::vector<core::AtomId> out;
  for (const auto& r : records_) {
    if (r.present()) out.push_back(r.id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// Strict "inserted before" order: initial ions (at -inf) first, then by time, ties by id.
bool inserted_before(const IonRecord& a, const IonRecord& b) {
  if (a.initial != b.initial) return a.initial;
  if (!a.initial && a.time_inserted != b.time_inserted) return a.time_inserted < b.time_inserted;
  return a.id < b.id;
}

}  // namespace

std::optional<core::AtomId> IonLedger::first_in() const {
  const IonRecord* best = nullptr;
  for (const auto& r : records_) {
    if (r.present() && (best == nullptr || inserted_before(r, *best))) best = &r;
  }
  return best ? std::optional<core::AtomId>(best->id) : std::nullopt;
}

std::optional<core::AtomId> IonLedger::last_in() const {
  const IonRecord* best = nullptr;
  for (const auto& r : records_) {
    if (r.present() && (best == nullptr || inserted_before(*best, r))) best = &r;
  }
  return best ? std::optional<core::AtomId>(best->id) : std::nullopt;
}

void IonLedger::check(const core::System& system, int ion_z) const {
  std::size_t present = 0, initial = 0, inserted = 0, removed = 0;
  for (const auto& r : records_) {
    (r.initial ? initial : inserted) += 1;
    if (r.present()) ++present;
    else ++removed;
  }
  if (initial != num_initial_ || inserted != num_inserted_ || removed != num_removed_ ||
      present != num_initial_ + num_inserted_ - num_removed_) {
    throw SimulationError("ion ledger does not balance: " + std::to_string(present) + " present, " +
                          std::to_string(num_initial_) + " initial + " + std::to_string(num_inserted_) +
                          " inserted - " + std::to_string(num_removed_) + " removed");
  }
  std::set<core::AtomId> in_system;
  const auto zs = system.atomic_numbers();
  const auto ids = system.ids();
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    if (zs[i] == ion_z) in_system.insert(ids[i]);
  }
  std::vector<core::AtomId> missing, unrecorded;
  for (const auto& r : records_) {
    if (r.present() && in_system.count(r.id) == 0) missing.push_back(r.id);
  }
  for (const core::AtomId id : in_system) {
    const IonRecord* r = find(id);
    if (r == nullptr || !r->present()) unrecorded.push_back(id);
  }
  if (!missing.empty() || !unrecorded.empty()) {
    std::string msg = "ion ledger and structure disagree:";
    if (!missing.empty()) msg += " ions " + id_list(missing) + " are in the ledger but not in the structure;";
    if (!unrecorded.empty()) msg += " ions " + id_list(unrecorded) + " are in the structure but not in the ledger;";
    msg.pop_back();
    throw SimulationError(msg);
  }
}

std::string IonLedger::to_json() const {
  nlohmann::json j;
  j["format"] = "ioncycle ion ledger";
  j["version"] = kFormatVersion;
  j["cycle"] = cycle_;
  j["step"] = step_;
  nlohmann::json ions = nlohmann::json::array();
  for (const auto& r : records_) {
    nlohmann::json e;
    e["id"] = r.id;
    e["initial"] = r.initial;
    // nlohmann writes doubles in the shortest form that parses back to the same bits.
    if (!r.initial) {
      e["time_inserted"] = r.time_inserted;
      e["cycle_inserted"] = r.cycle_inserted;
      e["step_inserted"] = r.step_inserted;
    }
    if (r.time_removed) {
      e["time_removed"] = *r.time_removed;
      e["cycle_removed"] = r.cycle_removed;
      e["step_removed"] = r.step_removed;
    }
    ions.push_back(std::move(e));
  }
  j["ions"] = std::move(ions);
  return j.dump();
}

IonLedger IonLedger::from_json(const std::string& text) {
  IonLedger ledger;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    if (!j.is_object() || j.value("format", std::string{}) != "ioncycle ion ledger") {
      throw InputError("the text is not an ioncycle ion ledger");
    }
    if (j.at("version").get<int>() != kFormatVersion) {
      throw InputError("ion ledger format version " + std::to_string(j.at("version").get<int>()) +
                       " is not supported (expected " + std::to_string(kFormatVersion) + ")");
    }
    ledger.cycle_ = j.at("cycle").get<int>();
    ledger.step_ = j.at("step").get<int>();
    for (const auto& e : j.at("ions")) {
      IonRecord r;
      r.id = e.at("id").get<core::AtomId>();
      r.initial = e.at("initial").get<bool>();
      if (!r.initial) {
        r.time_inserted = e.at("time_inserted").get<double>();
        r.cycle_inserted = e.at("cycle_inserted").get<int>();
        r.step_inserted = e.at("step_inserted").get<int>();
      }
      if (e.contains("time_removed")) {
        r.time_removed = e.at("time_removed").get<double>();
        r.cycle_removed = e.at("cycle_removed").get<int>();
        r.step_removed = e.at("step_removed").get<int>();
      }
      if (ledger.index_.count(r.id) != 0) throw InputError("ion id " + std::to_string(r.id) + " appears twice");
      (r.initial ? ledger.num_initial_ : ledger.num_inserted_) += 1;
      if (!r.present()) ++ledger.num_removed_;
      ledger.push(r);
    }
  } catch (const InputError& e) {
    throw InputError("ion ledger in checkpoint: " + e.message(), e.hint());
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("ion ledger in checkpoint is damaged: ") + e.what());
  }
  return ledger;
}

}  // namespace ioncycle::cycling
