// SPDX-License-Identifier: MIT
//
// events.csv: one row per accepted insertion or removal, written and flushed as it happens (so a
// killed run keeps every event before its last checkpoint; a resumed run truncates the file back
// to the checkpoint and continues). Columns and units are in docs/formats.md ("events.csv").
// Not thread-safe; one writer per file.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "core/system.hpp"

namespace ioncycle::cycling {

/// One row of events.csv, internal units (fs, Å, eV, V).
struct EventRecord {
  double time = 0.0;              ///< fs since the run started
  std::int64_t step = 0;          ///< MD step
  int cycle = 0;                  ///< 0-based (written 1-based)
  std::size_t step_index = 0;     ///< 0-based protocol step (written 1-based)
  std::string step_type;          ///< "intercalate", "hold", ...
  std::string half_cycle;         ///< "charge" or "discharge" (docs/protocols.md, [ion] electrode)
  std::string event;              ///< "insert", "remove", "gc_insert", "gc_remove"
  core::AtomId ion_id = -1;
  core::Vec3 position = core::Vec3::Zero();  ///< where the ion was put or where it was taken from
  std::string site;               ///< "gallery 2", "edge", "surface", "region", "anywhere", or the removal policy
  double delta_energy = 0.0;      ///< eV, E_after − E_before
  double voltage = 0.0;           ///< V, the trial's voltage estimate
  double soc_after = 0.0;
  std::size_t num_ions_after = 0;
};

class EventsTable {
 public:
  /// `write_header`: false when appending to a resumed file.
  EventsTable(std::ostream& out, bool write_header);
  void write(const EventRecord& record);
  [[nodiscard]] static std::string header();

 private:
  std::ostream& out_;
};

}  // namespace ioncycle::cycling
