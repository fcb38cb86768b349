// SPDX-License-Identifier: MIT
//
// Located access to TOML input files. ConfigTable wraps one TOML table of a parsed document
// (TOML++ stays inside config.cpp) and every read knows the file:line:column of its value, so
// validation errors point at the word the user wrote.
//
// Reading pattern (one factory per TOML table; see STYLE.md §3):
//
//   double dt = cfg.require_quantity("timestep", units::Dimension::time, Sign::positive);
//   auto thermostat = cfg.require_choice("type", {"langevin", "nose_hoover"});
//   cfg.reject_unknown_keys();   // keys never asked for -> "unknown key 'x'; did you mean 'y'?"
//
// Every accessor, whether the key is present or not, records the key as *known*; this set is
// what reject_unknown_keys() compares the table's actual keys against, and what the "did you
// mean" suggestion is drawn from. Dimensional values must be strings with a unit; a bare number
// where a unit is needed is an InputError at that value with an example in the hint.
//
// A ConfigTable is a cheap handle: the document is shared and immutable. Not thread-safe
// (the known-key set is mutable); configs are read on one thread before a run starts.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"

namespace ioncycle::core {

/// Sign constraint applied to a number or quantity after parsing.
enum class Sign { any, positive, non_negative };

class ConfigTable {
 public:
  /// Parse a TOML file. A missing file or a TOML syntax error is an InputError located at the
  /// file (and at the line/column TOML++ reports).
  [[nodiscard]] static ConfigTable parse_file(const std::string& path);
  /// Parse TOML text; `source_name` is used as the file name in locations.
  [[nodiscard]] static ConfigTable parse_string(std::string_view text, std::string source_name);

  ConfigTable(const ConfigTable&) = default;
  ConfigTable& operator=(const ConfigTable&) = default;
  ConfigTable(ConfigTable&&) noexcept = default;
  ConfigTable& operator=(ConfigTable&&) noexcept = default;
  ~ConfigTable();

  /// Dotted path of this table in the document: "" for the root, "md.thermostat",
  /// "protocol.step[2]" (1-based index as users count).
  [[nodiscard]] const std::string& path() const { return path_; }
  /// Name of the file the document came from.
  [[nodiscard]] const std::string& source_name() const;
  /// Where this table starts.
  [[nodiscard]] SourceLocation location() const;
  /// Where the value of `key` starts; the table's location when the key is absent.
  [[nodiscard]] SourceLocation location_of(std::string_view key) const;

  /// Whether the key is present (also records it as known).
  [[nodiscard]] bool has(std::string_view key) const;
  /// The keys actually present, in file order.
  [[nodiscard]] std::vector<std::string> keys() const;

  // --- scalars (a value of the wrong TOML type is an InputError at that value) -------------
  [[nodiscard]] std::string require_string(std::string_view key) const;
  [[nodiscard]] std::optional<std::string> optional_string(std::string_view key) const;
  [[nodiscard]] std::string string_or(std::string_view key, std::string_view fallback) const;

  /// A floating or integer TOML value.
  [[nodiscard]] double require_number(std::string_view key, Sign sign = Sign::any) const;
  [[nodiscard]] std::optional<double> optional_number(std::string_view key, Sign sign = Sign::any) const;
  [[nodiscard]] double number_or(std::string_view key, double fallback, Sign sign = Sign::any) const;

  /// An integer TOML value (a float is an error).
  [[nodiscard]] std::int64_t require_integer(std::string_view key, Sign sign = Sign::any) const;
  [[nodiscard]] std::optional<std::int64_t> optional_integer(std::string_view key, Sign sign = Sign::any) const;
  [[nodiscard]] std::int64_t integer_or(std::string_view key, std::int64_t fallback, Sign sign = Sign::any) const;

  [[nodiscard]] bool require_bool(std::string_view key) const;
  [[nodiscard]] bool bool_or(std::string_view key, bool fallback) const;

  // --- dimensional values: strings such as "1 fs"; result in internal units -----------------
  [[nodiscard]] double require_quantity(std::string_view key, units::Dimension dim,
                                        Sign sign = Sign::any) const;
  [[nodiscard]] std::optional<double> optional_quantity(std::string_view key, units::Dimension dim,
                                                        Sign sign = Sign::any) const;
  /// `fallback` is a quantity string such as "1.5 A" (so defaults are documented with units).
  [[nodiscard]] double quantity_or(std::string_view key, units::Dimension dim,
                                   std::string_view fallback, Sign sign = Sign::any) const;

  /// A string that must be one of `choices`; otherwise an InputError listing them, with the
  /// nearest one suggested.
  [[nodiscard]] std::string require_choice(std::string_view key,
                                           std::initializer_list<std::string_view> choices) const;
  [[nodiscard]] std::string choice_or(std::string_view key,
                                      std::initializer_list<std::string_view> choices,
                                      std::string_view fallback) const;

  // --- arrays -------------------------------------------------------------------------------
  /// Array of numbers; `size` 0 means any length.
  [[nodiscard]] std::vector<double> require_number_array(std::string_view key, std::size_t size = 0) const;
  [[nodiscard]] std::vector<std::int64_t> require_integer_array(std::string_view key, std::size_t size = 0) const;
  [[nodiscard]] std::vector<std::string> require_string_array(std::string_view key) const;

  // --- tables -------------------------------------------------------------------------------
  [[nodiscard]] ConfigTable require_table(std::string_view key) const;
  [[nodiscard]] std::optional<ConfigTable> optional_table(std::string_view key) const;
  /// An array of tables ([[protocol.step]]); empty when absent. Also accepts a single table.
  [[nodiscard]] std::vector<ConfigTable> table_array(std::string_view key) const;

  /// Throw for the first key present in this table that no accessor asked for:
  /// "unknown key 'min_distanse' in [protocol.step]; did you mean 'min_distance'?", located at
  /// that key, with the known keys listed in the hint.
  void reject_unknown_keys() const;

  /// An InputError located at `key`'s value (or at the table if absent), for semantic
  /// validation by callers: `throw cfg.error_at("rate", "'rate' must be positive", hint);`
  [[nodiscard]] InputError error_at(std::string_view key, std::string message,
                                    std::string hint = {}) const;

  /// The raw TOML text of this table (TOML++'s serializer), for resolved.toml and logs.
  [[nodiscard]] std::string to_toml() const;
  /// This table as a TOML document under its own header ("[potential]", and "[potential.d3]"
  /// for tables inside it), so it can be pasted into a file next to others. For resolved.toml.
  [[nodiscard]] std::string to_toml_document() const;

 private:
  struct Document;
  ConfigTable(std::shared_ptr<const Document> doc, const void* table, std::string path);
  const void* node_of(std::string_view key) const;  // toml::node* or nullptr; records key

  std::shared_ptr<const Document> doc_;
  const void* table_ = nullptr;  // const toml::table*
  std::string path_;
  std::shared_ptr<std::set<std::string, std::less<>>> known_;
};

}  // namespace ioncycle::core
