// SPDX-License-Identifier: MIT
//
// What a defect is, as recorded with a structure: its type, the atoms it removed, added, moved or
// that reveal it (each as a persistent id plus its element), its position (Å) and the host layer
// it sits in. Generators (defect_spec.hpp, the stacking-fault builder) return DefectRecords;
// record_defects() writes them into a Frame's info map so that they travel with the structure
// (extxyz comment line, run directory), and read_defect_records() reads them back; detection
// (defect_detection.hpp) returns them too, so `ioncycle info` prints both kinds the same way.
//
// Stored form: info["defects"] is a list of strings (extxyz writes it as `_JSON [...]`, which ASE
// reads as a Python list of str), one string per defect:
//
//   "<type> pos=<x>,<y>,<z> [layer=<k>] [removed=<id>:<El>,...] [added=...] [moved=...]
//    [atoms=...] [<key>=<value> ...]"
//
// fields separated by single spaces, lists by commas, numbers in the shortest form that reads
// back exactly. `layer` is omitted when the defect belongs to no layer (-1); an id of -1 means
// "not known" (a vacancy found by detection names the missing element, not the lost atom).
// Extra key=value pairs carry what one type needs (a stacking fault's shift); keys other than the
// reserved ones are kept verbatim.
// Value types and pure functions; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cell.hpp"
#include "core/system.hpp"
#include "io/frame.hpp"

namespace ioncycle::defects {

/// Kinds of defect. stacking_fault is recorded by the stacking-fault builder; vacancy_cluster
/// only comes from detection (three or more adjacent vacant sites, or an unclassified hole).
enum class DefectType {
  vacancy,
  divacancy,
  vacancy_cluster,
  stone_wales,
  substitution,
  antisite,
  interstitial,
  stacking_fault,
};

/// "vacancy", "divacancy", ..., the names used in TOML and in the stored form.
[[nodiscard]] std::string_view to_string(DefectType type);
/// The type named `name`, or nullopt.
[[nodiscard]] std::optional<DefectType> parse_defect_type(std::string_view name);

/// One atom taking part in a defect: its persistent id (-1 when unknown) and atomic number.
struct AtomRef {
  core::AtomId id = -1;
  int z = 0;
  friend bool operator==(const AtomRef&, const AtomRef&) = default;
};

struct DefectRecord {
  DefectType type = DefectType::vacancy;
  /// Centre of the defect (Å), wrapped into the cell on periodic axes: the removed atom, the
  /// midpoint of a removed or rotated bond, the substituted site, the antisite's site, the
  /// interstitial.
  core::Vec3 position = core::Vec3::Zero();
  /// Host layer index (bottom = 0, as find_layers numbers them), or -1 for none.
  int layer = -1;
  /// Atoms taken out (vacancies; the original atom of a substitution). Their ids are dead.
  std::vector<AtomRef> removed;
  /// Atoms put in (interstitials; the new atom of a substitution, which gets a new id).
  std::vector<AtomRef> added;
  /// Atoms present before and after whose positions changed (Stone–Wales: the two atoms of the
  /// rotated bond; antisite: the two exchanged atoms, site atom first).
  std::vector<AtomRef> moved;
  /// Atoms that reveal a detected defect (the under-coordinated neighbours of a vacancy, the
  /// foreign atom of a substitution, ...). Empty for generated defects.
  std::vector<AtomRef> atoms;
  /// Further key=value pairs (keys: letters, digits, '_'; values without spaces).
  std::map<std::string, std::string> properties;

  friend bool operator==(const DefectRecord& a, const DefectRecord& b) {
    return a.type == b.type && a.position == b.position && a.layer == b.layer && a.removed == b.removed &&
           a.added == b.added && a.moved == b.moved && a.atoms == b.atoms && a.properties == b.properties;
  }
};

/// The info key the records are stored under.
inline constexpr std::string_view kDefectsInfoKey = "defects";

/// The stored one-line form of a record (see the header comment). Throws InputError if a
/// property key or value cannot be stored (reserved key, space, '=' in a key, empty).
[[nodiscard]] std::string format_defect_record(const DefectRecord& record);
/// Parse the stored form; throws InputError naming the text and what is wrong.
[[nodiscard]] DefectRecord parse_defect_record(std::string_view text);

/// Append `records` to frame.info["defects"] (records already there are kept, so several
/// generators can record into one frame). Nothing is written for an empty list.
void record_defects(io::Frame& frame, const std::vector<DefectRecord>& records);
/// The records stored in frame.info["defects"] (empty when the key is absent). Throws InputError
/// when the value is not a list of strings in the stored form.
[[nodiscard]] std::vector<DefectRecord> read_defect_records(const io::Frame& frame);

}  // namespace ioncycle::defects
