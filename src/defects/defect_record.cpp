// SPDX-License-Identifier: MIT
#include "defects/defect_record.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>
#include <variant>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::defects {

namespace {

struct TypeName {
  DefectType type;
  std::string_view name;
};

constexpr std::array<TypeName, 8> kTypeNames{{
    {DefectType::vacancy, "vacancy"},
    {DefectType::divacancy, "divacancy"},
    {DefectType::vacancy_cluster, "vacancy_cluster"},
    {DefectType::stone_wales, "stone_wales"},
    {DefectType::substitution, "substitution"},
    {DefectType::antisite, "antisite"},
    {DefectType::interstitial, "interstitial"},
    {DefectType::stacking_fault, "stacking_fault"},
}};

// Keys with a meaning of their own in the stored form; properties may not use them.
constexpr std::array<std::string_view, 6> kReservedKeys{"pos", "layer", "removed", "added", "moved", "atoms"};

bool is_reserved(std::string_view key) {
  return std::find(kReservedKeys.begin(), kReservedKeys.end(), key) != kReservedKeys.end();
}

bool valid_property_key(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

bool valid_property_value(std::string_view value) {
  return !value.empty() && std::none_of(value.begin(), value.end(), [](char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0 || c == '"' || c == '\\';
  });
}

std::string atom_list(const std::vector<AtomRef>& atoms) {
  std::string out;
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    if (i > 0) out.push_back(',');
    out += std::to_string(atoms[i].id);
    out.push_back(':');
    out += core::symbol(atoms[i].z);
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

[[noreturn]] void malformed(std::string_view text, const std::string& why) {
  throw InputError("defect record \"" + std::string(text) + "\" is malformed: " + why,
                   "records look like \"vacancy pos=1.42,0,3.35 layer=1 removed=12:C\"");
}

std::vector<AtomRef> parse_atom_list(std::string_view text, std::string_view key, std::string_view value) {
  std::vector<AtomRef> atoms;
  if (value.empty()) return atoms;
  for (const auto item : split(value, ',')) {
    const std::size_t colon = item.find(':');
    if (colon == std::string_view::npos) {
      malformed(text, "'" + std::string(key) + "' entry '" + std::string(item) + "' is not <id>:<element>");
    }
    const auto id = core::parse_integer(item.substr(0, colon));
    const auto z = core::find_atomic_number(item.substr(colon + 1));
    if (!id || *id < -1) malformed(text, "'" + std::string(key) + "' entry '" + std::string(item) + "' has a bad id");
    if (!z) malformed(text, "'" + std::string(key) + "' entry '" + std::string(item) + "' has an unknown element");
    atoms.push_back({static_cast<core::AtomId>(*id), *z});
  }
  return atoms;
}

}  // namespace

std::string_view to_string(DefectType type) {
  for (const auto& t : kTypeNames) {
    if (t.type == type) return t.name;
  }
  return "unknown";
}

std::optional<DefectType> parse_defect_type(std::string_view name) {
  for (const auto& t : kTypeNames) {
    if (t.name == name) return t.type;
  }
  return std::nullopt;
}

std::string format_defect_record(const DefectRecord& record) {
  std::string out(to_string(record.type));
  out += " pos=" + core::format_double(record.position.x()) + "," + core::format_double(record.position.y()) + "," +
         core::format_double(record.position.z());
  if (record.layer >= 0) out += " layer=" + std::to_string(record.layer);
  const std::pair<std::string_view, const std::vector<AtomRef>*> lists[] = {
      {"removed", &record.removed}, {"added", &record.added}, {"moved", &record.moved}, {"atoms", &record.atoms}};
  for (const auto& [key, atoms] : lists) {
    if (!atoms->empty()) out += " " + std::string(key) + "=" + atom_list(*atoms);
  }
  for (const auto& [key, value] : record.properties) {
    if (is_reserved(key) || !valid_property_key(key)) {
      throw InputError("defect property key '" + key + "' cannot be stored",
                       "use letters, digits and '_', and none of pos, layer, removed, added, moved, atoms");
    }
    if (!valid_property_value(value)) {
      throw InputError("defect property '" + key + "' has a value that cannot be stored ('" + value + "')",
                       "values are non-empty and hold no spaces or quotes");
    }
    out += " " + key + "=" + value;
  }
  return out;
}

DefectRecord parse_defect_record(std::string_view text) {
  const auto words = core::split_whitespace(text);
  if (words.empty()) malformed(text, "it is empty");
  DefectRecord record;
  const auto type = parse_defect_type(words.front());
  if (!type) malformed(text, "unknown defect type '" + std::string(words.front()) + "'");
  record.type = *type;
  bool has_position = false;
  for (std::size_t w = 1; w < words.size(); ++w) {
    const std::string_view word = words[w];
    const std::size_t eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      malformed(text, "'" + std::string(word) + "' is not key=value");
    }
    const std::string_view key = word.substr(0, eq);
    const std::string_view value = word.substr(eq + 1);
    if (key == "pos") {
      const auto parts = split(value, ',');
      if (parts.size() != 3) malformed(text, "'pos' needs three comma-separated numbers");
      for (int k = 0; k < 3; ++k) {
        const auto x = core::parse_double(parts[static_cast<std::size_t>(k)]);
        if (!x)
          malformed(text, "'pos' component '" + std::string(parts[static_cast<std::size_t>(k)]) + "' is not a number");
        record.position[k] = *x;
      }
      has_position = true;
    } else if (key == "layer") {
      const auto layer = core::parse_integer(value);
      if (!layer || *layer < -1 || *layer > 1000000) malformed(text, "'layer' must be an integer >= -1");
      record.layer = static_cast<int>(*layer);
    } else if (key == "removed") {
      record.removed = parse_atom_list(text, key, value);
    } else if (key == "added") {
      record.added = parse_atom_list(text, key, value);
    } else if (key == "moved") {
      record.moved = parse_atom_list(text, key, value);
    } else if (key == "atoms") {
      record.atoms = parse_atom_list(text, key, value);
    } else {
      if (!valid_property_key(key) || value.empty()) malformed(text, "bad property '" + std::string(word) + "'");
      record.properties[std::string(key)] = std::string(value);
    }
  }
  if (!has_position) malformed(text, "'pos' is missing");
  return record;
}

void record_defects(io::Frame& frame, const std::vector<DefectRecord>& records) {
  if (records.empty()) return;
  std::vector<std::string> lines;
  const std::string key(kDefectsInfoKey);
  if (const auto it = frame.info.find(key); it != frame.info.end()) {
    // Validate what is there (and keep its order) before appending.
    for (const auto& existing : read_defect_records(frame)) lines.push_back(format_defect_record(existing));
  }
  for (const auto& record : records) lines.push_back(format_defect_record(record));
  frame.info[key] = std::move(lines);
}

std::vector<DefectRecord> read_defect_records(const io::Frame& frame) {
  const auto it = frame.info.find(std::string(kDefectsInfoKey));
  if (it == frame.info.end()) return {};
  std::vector<DefectRecord> records;
  if (const auto* list = std::get_if<std::vector<std::string>>(&it->second)) {
    records.reserve(list->size());
    for (const auto& line : *list) records.push_back(parse_defect_record(line));
  } else if (const auto* one = std::get_if<std::string>(&it->second)) {
    records.push_back(parse_defect_record(*one));  // a single record written as a plain string
  } else {
    throw InputError("info 'defects' must be a list of strings (one defect record each)",
                     "ioncycle writes defects=\"_JSON [\\\"vacancy pos=...\\\"]\"");
  }
  return records;
}

}  // namespace ioncycle::defects
