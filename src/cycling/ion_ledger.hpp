// SPDX-License-Identifier: MIT
//
// The ion ledger: every ion of the mobile species that was ever present in the run, with when
// it came (at the start, or inserted at a time, cycle and step) and when it left. It is the
// bookkeeping behind the state of charge, the first_in/last_in removal policies and the events
// table, and check() compares it with the System after every exchange so that a lost or
// duplicated ion stops the run instead of corrupting its results.
//
// Times are in fs of run time; cycle and step are 0-based positions of the protocol cursor
// (set_cursor), -1 where none applies (the initial ions). Ions are identified by their
// persistent System id, never reused.
//
// to_json()/from_json() give an exact round trip (doubles are written in the shortest form that
// reads back to the same bits) for checkpoints. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/system.hpp"

namespace ioncycle::cycling {

/// The life of one ion.
struct IonRecord {
  core::AtomId id = -1;
  bool initial = false;          ///< present at the start of the run (no insertion time)
  double time_inserted = 0.0;    ///< fs; meaningless for initial ions (they count as inserted at -inf)
  int cycle_inserted = -1;       ///< 0-based, -1 for initial ions
  int step_inserted = -1;
  std::optional<double> time_removed;  ///< fs; unset while present
  int cycle_removed = -1;
  int step_removed = -1;
  [[nodiscard]] bool present() const { return !time_removed.has_value(); }
  friend bool operator==(const IonRecord&, const IonRecord&) = default;
};

class IonLedger {
 public:
  IonLedger() = default;

  /// Record every atom of atomic number `ion_z` in `system` as an initial ion. Call once, on an
  /// empty ledger, before the first exchange (InputError if the ledger is not empty).
  void add_initial(const core::System& system, int ion_z);

  /// Protocol position recorded with the following insertions and removals.
  void set_cursor(int cycle, int step);
  [[nodiscard]] int cycle() const { return cycle_; }
  [[nodiscard]] int step() const { return step_; }

  /// An ion inserted at `time` (fs). SimulationError if the id is already known (ids are never
  /// reused, so a second record would be a bookkeeping bug).
  void record_insertion(core::AtomId id, double time);
  /// An ion removed at `time` (fs). SimulationError if the id is unknown or already removed.
  void record_removal(core::AtomId id, double time);

  [[nodiscard]] std::size_t num_initial() const { return num_initial_; }
  [[nodiscard]] std::size_t num_inserted() const { return num_inserted_; }
  [[nodiscard]] std::size_t num_removed() const { return num_removed_; }
  [[nodiscard]] std::size_t num_present() const { return num_initial_ + num_inserted_ - num_removed_; }

  /// Every ion ever recorded, in the order recorded (initial ions first, by id).
  [[nodiscard]] const std::vector<IonRecord>& records() const { return records_; }
  /// The record of `id`, or nullptr.
  [[nodiscard]] const IonRecord* find(core::AtomId id) const;
  /// Ids of the ions present, in increasing id.
  [[nodiscard]] std::vector<core::AtomId> present_ids() const;

  /// The present ion inserted earliest (initial ions count as inserted at -inf; ties by smaller
  /// id), or nullopt when none is present.
  [[nodiscard]] std::optional<core::AtomId> first_in() const;
  /// The present ion inserted latest (ties by larger id), or nullopt when none is present.
  [[nodiscard]] std::optional<core::AtomId> last_in() const;

  /// SimulationError unless present == initial + inserted − removed and the ions present in the
  /// ledger are exactly the atoms of atomic number `ion_z` in `system` (the message names the ids
  /// that disagree).
  void check(const core::System& system, int ion_z) const;

  /// Exact text form for checkpoints (JSON), and back; from_json throws InputError for text that
  /// is not a ledger.
  [[nodiscard]] std::string to_json() const;
  [[nodiscard]] static IonLedger from_json(const std::string& text);

  friend bool operator==(const IonLedger& a, const IonLedger& b) {
    return a.records_ == b.records_ && a.cycle_ == b.cycle_ && a.step_ == b.step_;
  }

 private:
  void push(IonRecord record);

  std::vector<IonRecord> records_;
  std::unordered_map<core::AtomId, std::size_t> index_;  // id -> position in records_
  std::size_t num_initial_ = 0;
  std::size_t num_inserted_ = 0;
  std::size_t num_removed_ = 0;
  int cycle_ = -1;
  int step_ = -1;
};

}  // namespace ioncycle::cycling
