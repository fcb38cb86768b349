// SPDX-License-Identifier: MIT
//
// The only file that includes TOML++: every other module sees ConfigTable, so TOML++'s templates
// and its parse_error exception stay here. TOML++ records a source_region (line, column) for each
// key and each value it parses; that is what lets every error below point at the word the user
// wrote, the way compilers and LAMMPS do.
#include "core/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/strings.hpp"

namespace ioncycle::core {

/// One parsed TOML document. Immutable once built; the known-key sets are per table and shared by
/// every handle to that table, so a key read through one copy of a ConfigTable counts as known in
/// another (a registry may read "type" before the factory reads the rest).
struct ConfigTable::Document {
  toml::table root;
  std::string source_name;
  mutable std::map<const toml::table*, std::shared_ptr<std::set<std::string, std::less<>>>> known;
};

namespace {

using KeySet = std::set<std::string, std::less<>>;

const toml::table* as_table_ptr(const void* p) { return static_cast<const toml::table*>(p); }

SourceLocation make_location(const std::string& file, const toml::source_region& region) {
  return SourceLocation{file, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time of day";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

/// The value as the user would recognize it in messages: strings in double quotes, numbers as
/// written back by the shortest round-trip form.
std::string value_text(const toml::node& node) {
  if (const auto* s = node.as_string()) return "\"" + s->get() + "\"";
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return format_double(f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  if (node.is_table()) return "a table";
  if (node.is_array()) return "an array";
  std::ostringstream os;
  node.visit([&os](const auto& value) { os << value; });  // dates and times
  return os.str();
}

bool satisfies(double value, Sign sign) {
  switch (sign) {
    case Sign::any: return true;
    case Sign::positive: return value > 0.0;
    case Sign::non_negative: return value >= 0.0;
  }
  return true;
}

std::string_view sign_words(Sign sign) { return sign == Sign::positive ? "positive" : "zero or positive"; }

/// The unit of units::example(dim), e.g. "fs" from "\"1 fs\"", to build an example from the
/// user's own number ("got 1.6" -> such as "1.6 A").
std::string example_unit(units::Dimension dim) {
  std::string_view ex = units::example(dim);
  if (ex.size() >= 2 && ex.front() == '"') ex = ex.substr(1, ex.size() - 2);
  const auto space = ex.find(' ');
  return space == std::string_view::npos ? std::string{} : std::string(ex.substr(space + 1));
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace

// --- construction -------------------------------------------------------------------------

ConfigTable::ConfigTable(std::shared_ptr<const Document> doc, const void* table, std::string path)
    : doc_(std::move(doc)), table_(table), path_(std::move(path)) {
  auto& slot = doc_->known[as_table_ptr(table_)];
  if (!slot) slot = std::make_shared<KeySet>();
  known_ = slot;
}

ConfigTable::~ConfigTable() = default;

ConfigTable ConfigTable::parse_string(std::string_view text, std::string source_name) {
  auto doc = std::make_shared<Document>();
  doc->source_name = std::move(source_name);
  try {
    doc->root = toml::parse(text, std::string_view(doc->source_name));
  } catch (const toml::parse_error& e) {
    std::string description(e.description());
    if (!description.empty()) description[0] = static_cast<char>(std::tolower(description[0]));
    throw InputError(make_location(doc->source_name, e.source()), "invalid TOML: " + description,
                     "strings, including every value with a unit, need double quotes: "
                     "timestep = \"1 fs\"; see https://toml.io/en/v1.0.0");
  }
  const toml::table* root = &doc->root;
  return ConfigTable(std::move(doc), root, std::string{});
}

ConfigTable ConfigTable::parse_file(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const SourceLocation where{path, 0, 0};
  if (!fs::exists(path, ec)) {
    throw InputError(where, "cannot open input file '" + path + "': no such file",
                     "relative paths start from the current directory, " + fs::current_path(ec).string());
  }
  if (fs::is_directory(path, ec)) {
    throw InputError(where, "cannot read input file '" + path + "': it is a directory",
                     "give the path of a .toml file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(where, "cannot read input file '" + path + "'", "check its permissions");
  // An empty file makes `text << rdbuf()` fail without any read error: tell the two apart.
  if (in.peek() == std::ifstream::traits_type::eof()) {
    if (in.bad()) throw InputError(where, "cannot read input file '" + path + "'", "check its permissions");
    throw InputError(where, "input file '" + path + "' is empty",
                     "was it saved? examples/ holds complete files to start from");
  }
  std::ostringstream text;
  if (!(text << in.rdbuf())) throw InputError(where, "cannot read input file '" + path + "'", "check its permissions");
  return parse_string(text.str(), path);
}

// --- where things are -----------------------------------------------------------------------

const std::string& ConfigTable::source_name() const { return doc_->source_name; }

SourceLocation ConfigTable::location() const {
  const auto& region = as_table_ptr(table_)->source();
  if (region.begin.line == 0) return SourceLocation{source_name(), 0, 0};
  return make_location(source_name(), region);
}

SourceLocation ConfigTable::location_of(std::string_view key) const {
  // Deliberately does not record the key: asking where a key is must not make it known.
  if (const toml::node* node = as_table_ptr(table_)->get(key)) {
    return make_location(source_name(), node->source());
  }
  return location();
}

const void* ConfigTable::node_of(std::string_view key) const {
  known_->emplace(key);
  return as_table_ptr(table_)->get(key);
}

bool ConfigTable::has(std::string_view key) const { return node_of(key) != nullptr; }

std::vector<std::string> ConfigTable::keys() const {
  struct Entry {
    std::string key;
    toml::source_position position;
  };
  std::vector<Entry> entries;
  for (const auto& [k, v] : *as_table_ptr(table_))
    entries.push_back({std::string(k.str()), k.source().begin});
  // toml::table is ordered by key; users think in file order.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.position.line != b.position.line ? a.position.line < b.position.line
                                              : a.position.column < b.position.column;
  });
  std::vector<std::string> out;
  out.reserve(entries.size());
  for (auto& e : entries) out.push_back(std::move(e.key));
  return out;
}

InputError ConfigTable::error_at(std::string_view key, std::string message, std::string hint) const {
  return InputError(location_of(key), std::move(message), std::move(hint));
}

namespace {

// Shared bodies of the accessors, with the table's context passed in.
struct Context {
  const ConfigTable& cfg;
  std::string_view key;

  [[nodiscard]] std::string table_label() const {
    return cfg.path().empty() ? std::string("at the top level") : "in [" + cfg.path() + "]";
  }
  [[noreturn]] void missing() const {
    throw InputError(cfg.location(), "missing key " + quote(key) + " " + table_label());
  }
  [[noreturn]] void wrong_type(const toml::node& node, std::string_view expected) const {
    throw InputError(cfg.location_of(key), quote(key) + " must be " + std::string(expected) + ", not " +
                                               type_name(node) + " (got " + value_text(node) + ")");
  }
  void check_sign(const toml::node& node, double value, Sign sign) const {
    if (satisfies(value, sign)) return;
    throw InputError(cfg.location_of(key), quote(key) + " must be " + std::string(sign_words(sign)) +
                                               " (got " + value_text(node) + ")");
  }
};

double number_value(const Context& ctx, const toml::node& node) {
  if (const auto* i = node.as_integer()) return static_cast<double>(i->get());
  if (const auto* f = node.as_floating_point()) return f->get();
  ctx.wrong_type(node, "a number");
}

std::int64_t integer_value(const Context& ctx, const toml::node& node) {
  if (const auto* i = node.as_integer()) return i->get();
  ctx.wrong_type(node, "an integer");
}

double quantity_value(const Context& ctx, const toml::node& node, units::Dimension dim) {
  if (node.is_integer() || node.is_floating_point()) {
    if (dim == units::Dimension::dimensionless) return number_value(ctx, node);
    // The mistake users make most: a bare number where the unit is required. Show their number
    // with a unit so the fix is a copy-paste.
    const std::string example = dim == units::Dimension::ion_rate
                                    ? std::string(units::example(dim))
                                    : "\"" + value_text(node) + " " + example_unit(dim) + "\"";
    const std::string name(units::dimension_name(dim));
    const std::string article =
        std::string_view("aeiou").find(name.front()) != std::string_view::npos ? "an " : "a ";
    throw InputError(ctx.cfg.location_of(ctx.key),
                     quote(ctx.key) + " needs " + article + name + " such as " + example + " (got " +
                         value_text(node) + ")",
                     "values with a dimension are strings that carry their unit; " + name +
                         " units: " + units::accepted_units(dim));
  }
  const auto* s = node.as_string();
  if (s == nullptr) {
    ctx.wrong_type(node, "a string with a unit such as " + std::string(units::example(dim)));
  }
  try {
    return units::parse_quantity(s->get(), dim);
  } catch (const InputError& e) {
    throw InputError(ctx.cfg.location_of(ctx.key), quote(ctx.key) + ": " + e.message(), e.hint());
  }
}

std::string choices_text(std::initializer_list<std::string_view> choices) {
  std::vector<std::string> quoted;
  for (const auto c : choices) quoted.push_back(quote(c));
  return join(quoted, ", ");
}

std::string choice_value(const Context& ctx, const toml::node& node,
                         std::initializer_list<std::string_view> choices) {
  const auto* s = node.as_string();
  if (s == nullptr) ctx.wrong_type(node, "one of the strings " + choices_text(choices));
  const std::string& value = s->get();
  for (const auto c : choices) {
    if (c == value) return value;
  }
  const std::vector<std::string> names(choices.begin(), choices.end());
  std::string message =
      quote(ctx.key) + " must be one of " + choices_text(choices) + " (got " + value_text(node) + ")";
  const std::string suggestion = did_you_mean(value, names);
  if (!suggestion.empty()) message += "; " + suggestion;
  throw InputError(ctx.cfg.location_of(ctx.key), message);
}

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

template <typename T, typename Convert>
std::vector<T> array_values(const ConfigTable& cfg, std::string_view key, const toml::node* node,
                            std::size_t size, std::string_view element_kind, std::string_view one_element,
                            Convert convert) {
  const Context ctx{cfg, key};
  if (node == nullptr) ctx.missing();
  const auto* array = node->as_array();
  if (array == nullptr) ctx.wrong_type(*node, "an array of " + std::string(element_kind));
  if (size != 0 && array->size() != size) {
    throw InputError(cfg.location_of(key), quote(key) + " must have " + std::to_string(size) + " " +
                                               std::string(element_kind) + " (got " +
                                               std::to_string(array->size()) + ")");
  }
  std::vector<T> out;
  out.reserve(array->size());
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    auto value = convert(element);
    if (!value) {
      throw InputError(make_location(cfg.source_name(), element.source()),
                       "element " + std::to_string(i + 1) + " of " + quote(key) + " must be " +
                           std::string(one_element) + ", not " + type_name(element) + " (got " +
                           value_text(element) + ")");
    }
    out.push_back(*value);
  }
  return out;
}

}  // namespace

// --- scalars ------------------------------------------------------------------------------

std::string ConfigTable::require_string(std::string_view key) const {
  if (auto value = optional_string(key)) return *value;
  Context{*this, key}.missing();
}

std::optional<std::string> ConfigTable::optional_string(std::string_view key) const {
  const auto* node = static_cast<const toml::node*>(node_of(key));
  if (node == nullptr) return std::nullopt;
  if (const auto* s = node->as_string()) return s->get();
  Context{*this, key}.wrong_type(*node, "a string");
}

std::string ConfigTable::string_or(std::string_view key, std::string_view fallback) const {
  return optional_string(key).value_or(std::string(fallback));
}

double ConfigTable::require_number(std::string_view key, Sign sign) const {
  if (auto value = optional_number(key, sign)) return *value;
  Context{*this, key}.missing();
}

std::optional<double> ConfigTable::optional_number(std::string_view key, Sign sign) const {
  const auto* node = static_cast<const toml::node*>(node_of(key));
  if (node == nullptr) return std::nullopt;
  const Context ctx{*this, key};
  const double value = number_value(ctx, *node);
  ctx.check_sign(*node, value, sign);
  return value;
}

double ConfigTable::number_or(std::string_view key, double fallback, Sign sign) const {
  return optional_number(key, sign).value_or(fallback);
}

std::int64_t ConfigTable::require_integer(std::string_view key, Sign sign) const {
  if (auto value = optional_integer(key, sign)) return *value;
  Context{*this, key}.missing();
}

std::optional<std::int64_t> ConfigTable::optional_integer(std::string_view key, Sign sign) const {
  const auto* node = static_cast<const toml::node*>(node_of(key));
  if (node == nullptr) return std::nullopt;
  const Context ctx{*this, key};
  const std::int64_t value = integer_value(ctx, *node);
  ctx.check_sign(*node, static_cast<double>(value), sign);
  return value;
}

std::int64_t ConfigTable::integer_or(std::string_view key, std::int64_t fallback, Sign sign) const {
  return optional_integer(key, sign).value_or(fallback);
}

bool ConfigTable::require_bool(std::string_view key) const {
  const auto* node = static_cast<const toml::node*>(node_of(key));
  const Context ctx{*this, key};
  if (node == nullptr) ctx.missing();
  if (const auto* b = node->as_boolean()) return b->get();
  ctx.wrong_type(*node, "a boolean (true or false)");
}

bool ConfigTable::bool_or(std::string_view key, bool fallback) const {
  if (!has(key)) return fallback;
  return require_bool(key);
}

// --- quantities ---------------------------------------------------------------------------

double ConfigTable::require_quantity(std::string_view key, units::Dimension dim, Sign sign) const {
  if (auto value = optional_quantity(key, dim, sign)) return *value;
  Context{*this, key}.missing();
}

std::optional<double> ConfigTable::optional_quantity(std::string_view key, units::Dimension dim,
                                                     Sign sign) const {
  const auto* node = static_cast<const toml::node*>(node_of(key));
  if (node == nullptr) return std::nullopt;
  const Context ctx{*this, key};
  const double value = quantity_value(ctx, *node, dim);
  ctx.check_sign(*node, value, sign);
  return value;
}

double ConfigTable::quantity_or(std::string_view key, units::Dimension dim, std::string_view fallback,
                                Sign sign) const {
  if (auto value = optional_quantity(key, dim, sign)) return *value;
  return units::parse_quantity(fallback, dim);
}

std::string ConfigTable::require_choice(std::string_view key,
                                        std::initializer_list<std::string_view> choices) const {
  const auto* node = static_cast<const toml::node*>(node_of(key));
  const Context ctx{*this, key};
  if (node == nullptr) {
    throw InputError(location(), "missing key " + quote(key) + " " + ctx.table_label(),
                     quote(key) + " is one of " + choices_text(choices));
  }
  return choice_value(ctx, *node, choices);
}

std::string ConfigTable::choice_or(std::string_view key, std::initializer_list<std::string_view> choices,
                                   std::string_view fallback) const {
  const auto* node = static_cast<const toml::node*>(node_of(key));
  if (node == nullptr) return std::string(fallback);
  return choice_value(Context{*this, key}, *node, choices);
}

// --- arrays -------------------------------------------------------------------------------

std::vector<double> ConfigTable::require_number_array(std::string_view key, std::size_t size) const {
  return array_values<double>(*this, key, static_cast<const toml::node*>(node_of(key)), size, "numbers",
                              "a number", [](const toml::node& n) -> std::optional<double> {
                                if (const auto* i = n.as_integer()) return static_cast<double>(i->get());
                                if (const auto* f = n.as_floating_point()) return f->get();
                                return std::nullopt;
                              });
}

std::vector<std::int64_t> ConfigTable::require_integer_array(std::string_view key, std::size_t size) const {
  return array_values<std::int64_t>(*this, key, static_cast<const toml::node*>(node_of(key)), size,
                                    "integers", "an integer",
                                    [](const toml::node& n) -> std::optional<std::int64_t> {
                                      if (const auto* i = n.as_integer()) return i->get();
                                      return std::nullopt;
                                    });
}

std::vector<std::string> ConfigTable::require_string_array(std::string_view key) const {
  return array_values<std::string>(*this, key, static_cast<const toml::node*>(node_of(key)), 0, "strings",
                                   "a string", [](const toml::node& n) -> std::optional<std::string> {
                                     if (const auto* s = n.as_string()) return s->get();
                                     return std::nullopt;
                                   });
}

// --- tables -------------------------------------------------------------------------------

ConfigTable ConfigTable::require_table(std::string_view key) const {
  if (auto table = optional_table(key)) return *table;
  Context{*this, key}.missing();
}

std::optional<ConfigTable> ConfigTable::optional_table(std::string_view key) const {
  const auto* node = static_cast<const toml::node*>(node_of(key));
  if (node == nullptr) return std::nullopt;
  const auto* table = node->as_table();
  if (table == nullptr) Context{*this, key}.wrong_type(*node, "a table");
  return ConfigTable(doc_, table, child_path(path_, key));
}

std::vector<ConfigTable> ConfigTable::table_array(std::string_view key) const {
  const auto* node = static_cast<const toml::node*>(node_of(key));
  std::vector<ConfigTable> out;
  if (node == nullptr) return out;
  if (const auto* table = node->as_table()) {
    out.push_back(ConfigTable(doc_, table, child_path(path_, key)));
    return out;
  }
  const auto* array = node->as_array();
  if (array == nullptr)
    Context{*this, key}.wrong_type(*node, "an array of tables ([[" + child_path(path_, key) + "]])");
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const auto* table = element.as_table();
    if (table == nullptr) {
      throw InputError(make_location(source_name(), element.source()),
                       "element " + std::to_string(i + 1) + " of " + quote(key) + " must be a table, not " +
                           type_name(element) + " (got " + value_text(element) + ")");
    }
    // 1-based, as users count the [[protocol.step]] blocks of their file.
    out.push_back(ConfigTable(doc_, table, child_path(path_, key) + "[" + std::to_string(i + 1) + "]"));
  }
  return out;
}

void ConfigTable::reject_unknown_keys() const {
  const auto* table = as_table_ptr(table_);
  std::vector<std::string> known(known_->begin(), known_->end());
  for (const auto& key : keys()) {
    if (known_->contains(key)) continue;
    const Context ctx{*this, key};
    std::string message = "unknown key " + quote(key) + " " + ctx.table_label();
    const std::string suggestion = did_you_mean(key, known);
    if (!suggestion.empty()) message += "; " + suggestion;
    const std::string where = path_.empty() ? std::string("at the top level") : "in [" + path_ + "]";
    std::string hint =
        known.empty() ? "no keys are read " + where : "known keys " + where + ": " + join(known, ", ");
    const toml::key* k = nullptr;
    for (const auto& [table_key, value] : *table) {
      if (table_key.str() == key) k = &table_key;
    }
    const SourceLocation loc = k != nullptr && k->source().begin.line != 0
                                   ? make_location(source_name(), k->source())
                                   : location_of(key);
    throw InputError(loc, message, hint);
  }
}

std::string ConfigTable::to_toml_document() const {
  // Nest a copy under the components of the dotted path, so that TOML++ writes the headers.
  toml::table body = *as_table_ptr(table_);
  body.is_inline(false);
  std::vector<std::string> parts;
  for (std::size_t start = 0; start <= path_.size();) {
    const std::size_t dot = std::min(path_.find('.', start), path_.size());
    parts.push_back(path_.substr(start, dot - start));
    start = dot + 1;
  }
  const bool plain = !path_.empty() && std::none_of(parts.begin(), parts.end(), [](const std::string& p) {
    return p.empty() || p.find('[') != std::string::npos;
  });
  if (!plain) return "[" + path_ + "]\n" + to_toml();  // array elements: header and body as they are
  toml::table doc = std::move(body);
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    toml::table outer;
    outer.insert(*it, std::move(doc));
    doc = std::move(outer);
  }
  std::ostringstream os;
  os << toml::toml_formatter{doc};
  return os.str();
}

std::string ConfigTable::to_toml() const {
  // An inline table ({ type = "langevin" }) prints as one; written alone it must be a plain
  // table to be a TOML document.
  toml::table copy = *as_table_ptr(table_);
  copy.is_inline(false);
  std::ostringstream os;
  os << toml::toml_formatter{copy};
  return os.str();
}

}  // namespace ioncycle::core
