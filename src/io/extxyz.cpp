// SPDX-License-Identifier: MIT
//
// Extended XYZ reader and writer. The dialect is the one ASE 3.x reads and writes
// (ase/io/extxyz.py), because that is what users feed into and take out of ioncycle:
//   - the comment line is a list of key=value pairs; values may be quoted with "", '', {} or []
//     and a backslash takes the next character literally; a key without '=' means key=T;
//   - Lattice="ax ay az bx by bz cx cy cz" lists the lattice vectors a, b, c one after another
//     (ASE calls it the transpose of its cell in Fortran order, which is the same thing);
//   - stress and virial are 3x3 matrices written in Fortran (column-major) order;
//   - values that are all integers become integers, else all numbers become reals, else all
//     T/F/True/False words become booleans, else "_JSON ..." is decoded, else a string.
// ioncycle is stricter than ASE where ASE would silently misread (extra columns on an atom
// line, an unterminated quote, a Properties string with a trailing incomplete triple, a
// logical column holding "yes", a blank line followed by more frames): those are InputErrors
// with file:line:column.
//
// Velocities: ASE has no velocity column; it stores momenta p = m v in its own units, amu·Å per
// ASE time unit, where the ASE time unit is Å·sqrt(amu/eV) ≈ 10.1806 fs. The writer therefore
// emits masses:R:1 and momenta:R:3 so that ase.io.read(...).get_velocities() equals the
// System's velocities (times ase.units.fs for Å/fs); the reader converts momenta back with the
// masses column, or the standard atomic weights when there is none (as ASE does with its own
// table). Columns named velocities, vel, ... are kept verbatim as extra arrays: their units are
// not defined by the format.
#include "io/extxyz.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <variant>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::io {

namespace {

using core::Vec3;

// The ASE time unit in fs. ASE defines second = 1e10 * sqrt(e / amu) in its units, with the
// CODATA 2014 constants by default (ase.units, __codata_version__ = '2014'); using the same
// constants makes velocities identical, not just close, when ASE reads what ioncycle writes.
double ase_time_unit_in_fs() {
  constexpr double elementary_charge = 1.6021766208e-19;  // C, CODATA 2014
  constexpr double atomic_mass_unit = 1.660539040e-27;     // kg, CODATA 2014
  static const double value = 1.0 / (1.0e-5 * std::sqrt(elementary_charge / atomic_mass_unit));
  return value;
}

const std::string kHeaderHint =
    "the second line of an extxyz frame holds key=value pairs, e.g. "
    "Lattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"";

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n'; }

[[noreturn]] void fail(const std::string& file, int line, int column, const std::string& message,
                       const std::string& hint = {}) {
  throw InputError(SourceLocation{file, line, column}, message, hint);
}

// ---------------------------------------------------------------------------------------------
// Numbers and words

// A real number as Python's float() reads it, so that "nan" and "inf" in an info value or an
// extra column are kept as numbers (finite-only checks are made where the value is used).
std::optional<double> parse_real(std::string_view token) {
  if (auto v = core::parse_double(token)) return v;
  std::string_view body = token;
  bool negative = false;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  const std::string lower = core::to_lower(body);
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (lower == "inf" || lower == "infinity") {
    return negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
  }
  return std::nullopt;
}

// The words ASE's comment-line parser takes for booleans.
std::optional<bool> parse_info_bool(std::string_view word) {
  if (word == "T" || word == "true" || word == "True" || word == "TRUE") return true;
  if (word == "F" || word == "false" || word == "False" || word == "FALSE") return false;
  return std::nullopt;
}

// The words ASE's column parser takes for logical (L) columns.
std::optional<bool> parse_column_bool(std::string_view word) {
  if (word == "T" || word == "True") return true;
  if (word == "F" || word == "False") return false;
  return std::nullopt;
}

// Shortest text that reads back to exactly x, always with a '.' or an exponent so that the
// reader (ours and ASE's) does not take a real that happens to be whole for an integer.
std::string format_real(double x) {
  std::string s = core::format_double(x);
  if (s.find_first_not_of("+-0123456789") == std::string::npos) s += ".0";
  return s;
}

// ---------------------------------------------------------------------------------------------
// Atom lines

struct Token {
  std::string_view text;
  int column = 0;  // 1-based
};

std::vector<Token> tokenize(std::string_view line) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) tokens.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Comment line

struct KeyValue {
  std::string key;
  std::string value;              // quotes removed, escapes resolved
  std::vector<int> value_columns; // source column of each character of `value`
  bool has_value = false;
  int key_column = 0;
  int value_column = 0;           // where the value starts in the line (its quote, if quoted)
};

// A piece of a value split on whitespace and commas, with its column in the source line.
struct ValueToken {
  std::string text;
  int column = 0;
};

class CommentParser {
 public:
  CommentParser(std::string_view line, const std::string& file, int line_number)
      : s_(line), file_(file), line_(line_number) {}

  std::vector<KeyValue> parse() {
    std::vector<KeyValue> entries;
    while (true) {
      skip_space();
      if (pos_ >= s_.size()) break;
      KeyValue kv;
      kv.key_column = column();
      if (s_[pos_] == '=') {
        fail(file_, line_, column(), "'=' without a key before it in the comment line", kHeaderHint);
      }
      std::vector<int> key_columns;
      read_token(/*is_key=*/true, kv.key, key_columns);
      if (kv.key.empty()) {
        fail(file_, line_, kv.key_column, "empty key in the comment line", kHeaderHint);
      }
      // ASE accepts spaces around '=' ("key = value"); so do we.
      const std::size_t after_key = pos_;
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == '=') {
        ++pos_;
        skip_space();
        kv.has_value = true;
        kv.value_column = column();
        read_token(/*is_key=*/false, kv.value, kv.value_columns);
      } else {
        pos_ = after_key;
      }
      entries.push_back(std::move(kv));
    }
    return entries;
  }

 private:
  [[nodiscard]] int column() const { return static_cast<int>(pos_) + 1; }
  void skip_space() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }

  // A run of characters up to unquoted whitespace (and, for a key, '='). Quoted sections may
  // hold whitespace; a backslash anywhere takes the next character literally.
  void read_token(bool is_key, std::string& text, std::vector<int>& columns) {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (is_space(c) || (is_key && c == '=')) break;
      if (c == '\\') {
        if (pos_ + 1 < s_.size()) {
          text.push_back(s_[pos_ + 1]);
          columns.push_back(static_cast<int>(pos_) + 2);
        }
        pos_ += 2;
        continue;
      }
      const char close = closing_delimiter(c);
      if (close == '\0') {
        text.push_back(c);
        columns.push_back(column());
        ++pos_;
        continue;
      }
      const int open_column = column();
      ++pos_;
      bool closed = false;
      while (pos_ < s_.size()) {
        const char q = s_[pos_];
        if (q == '\\' && pos_ + 1 < s_.size()) {
          text.push_back(s_[pos_ + 1]);
          columns.push_back(static_cast<int>(pos_) + 2);
          pos_ += 2;
          continue;
        }
        if (q == close) {
          closed = true;
          ++pos_;
          break;
        }
        text.push_back(q);
        columns.push_back(column());
        ++pos_;
      }
      if (!closed) {
        fail(file_, line_, open_column,
             std::string("unterminated quote: '") + c + "' is never closed by '" + close + "'",
             "close the quoted value, or escape a literal quote character with a backslash (\\" +
                 std::string(1, c) + ")");
      }
    }
  }

  static char closing_delimiter(char c) {
    switch (c) {
      case '"': return '"';
      case '\'': return '\'';
      case '{': return '}';
      case '[': return ']';
      default: return '\0';
    }
  }

  std::string_view s_;
  const std::string& file_;
  int line_;
  std::size_t pos_ = 0;
};

// Split a value on whitespace and commas (as ASE does before trying numbers and booleans).
std::vector<ValueToken> split_value(const KeyValue& kv) {
  std::vector<ValueToken> tokens;
  std::size_t i = 0;
  const std::string& v = kv.value;
  while (i < v.size()) {
    while (i < v.size() && (is_space(v[i]) || v[i] == ',')) ++i;
    const std::size_t start = i;
    while (i < v.size() && !is_space(v[i]) && v[i] != ',') ++i;
    if (i > start) {
      const int col = start < kv.value_columns.size() ? kv.value_columns[start] : kv.value_column;
      tokens.push_back({v.substr(start, i - start), col});
    }
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// A tiny decoder for the flat JSON values ASE writes as "_JSON [...]" (lists of strings, numbers
// or booleans). Anything else is kept as the original string rather than guessed at.

class FlatJson {
 public:
  explicit FlatJson(std::string_view s) : s_(s) {}

  std::optional<InfoValue> decode() {
    skip();
    if (pos_ >= s_.size() || s_[pos_] != '[') return std::nullopt;
    ++pos_;
    std::vector<std::string> strings;
    std::vector<std::string> numbers;
    std::vector<bool> bools;
    skip();
    bool first = true;
    while (true) {
      skip();
      if (pos_ >= s_.size()) return std::nullopt;
      if (s_[pos_] == ']') {
        if (!first) return std::nullopt;  // "[1, ]" is not JSON
        ++pos_;
        break;
      }
      if (s_[pos_] == '"') {
        auto str = read_string();
        if (!str) return std::nullopt;
        strings.push_back(*str);
      } else if (s_.substr(pos_, 4) == "true") {
        bools.push_back(true);
        pos_ += 4;
      } else if (s_.substr(pos_, 5) == "false") {
        bools.push_back(false);
        pos_ += 5;
      } else {
        const std::size_t start = pos_;
        while (pos_ < s_.size() && s_[pos_] != ',' && s_[pos_] != ']' && !is_space(s_[pos_])) ++pos_;
        numbers.emplace_back(s_.substr(start, pos_ - start));
      }
      first = false;
      skip();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        skip();
        if (pos_ < s_.size() && s_[pos_] == ']') return std::nullopt;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        break;
      }
      return std::nullopt;
    }
    skip();
    if (pos_ != s_.size()) return std::nullopt;
    const std::size_t kinds = (strings.empty() ? 0 : 1) + (numbers.empty() ? 0 : 1) + (bools.empty() ? 0 : 1);
    if (kinds > 1) return std::nullopt;
    if (!bools.empty()) return InfoValue(bools);
    if (!numbers.empty()) {
      std::vector<std::int64_t> ints;
      for (const auto& n : numbers) {
        const auto v = core::parse_integer(n);
        if (!v) break;
        ints.push_back(*v);
      }
      if (ints.size() == numbers.size()) return InfoValue(ints);
      std::vector<double> reals;
      for (const auto& n : numbers) {
        const auto v = parse_real(n);
        if (!v) return std::nullopt;
        reals.push_back(*v);
      }
      return InfoValue(reals);
    }
    return InfoValue(strings);  // also the empty list
  }

 private:
  void skip() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }

  std::optional<std::string> read_string() {
    ++pos_;  // opening quote
    std::string out;
    while (pos_ < s_.size()) {
      const char c = s_[pos_++];
      if (c == '"') return out;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return std::nullopt;
      const char e = s_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return std::nullopt;
          unsigned code = 0;
          for (int k = 0; k < 4; ++k) {
            const char h = s_[pos_++];
            code <<= 4;
            if (h >= '0' && h <= '9') code |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f') code |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') code |= static_cast<unsigned>(h - 'A' + 10);
            else return std::nullopt;
          }
          append_utf8(out, code);
          break;
        }
        default: return std::nullopt;
      }
    }
    return std::nullopt;
  }

  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code >> 6)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (code >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

bool is_matrix_key(std::string_view key) { return key == "stress" || key == "virial"; }

// The value of an info key, typed the way ASE types it.
InfoValue interpret_info(const KeyValue& kv, const std::string& file, int line) {
  const auto tokens = split_value(kv);

  if (is_matrix_key(kv.key)) {
    // A 3x3 tensor: 9 numbers in Fortran order (ASE writes this), or 6 in Voigt order
    // xx yy zz yz xz xy (ASE's own reader refuses those, but other codes write them). Stored
    // as 9 reals in row-major order, the Frame convention.
    std::vector<double> v;
    for (const auto& t : tokens) {
      const auto x = parse_real(t.text);
      if (!x) {
        fail(file, line, t.column, "'" + kv.key + "' must hold numbers, got '" + t.text + "'",
             kv.key + "=\"xx xy xz yx yy yz zx zy zz\" (9 numbers) or 6 in Voigt order");
      }
      v.push_back(*x);
    }
    std::vector<double> m(9);
    if (v.size() == 9) {
      for (int i = 0; i < 3; ++i) {
        for (int j = 0; j < 3; ++j) m[static_cast<std::size_t>(3 * i + j)] = v[static_cast<std::size_t>(3 * j + i)];
      }
    } else if (v.size() == 6) {
      // Voigt: 0 xx, 1 yy, 2 zz, 3 yz, 4 xz, 5 xy.
      m = {v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2]};
    } else {
      fail(file, line, kv.has_value ? kv.value_column : kv.key_column,
           "'" + kv.key + "' needs 9 numbers (a 3x3 matrix) or 6 (Voigt order), got " +
               std::to_string(v.size()),
           "write e.g. " + kv.key + "=\"1 0 0 0 1 0 0 0 1\"");
    }
    return InfoValue(m);
  }

  if (!kv.has_value) return InfoValue(true);
  if (!tokens.empty()) {
    std::vector<std::int64_t> ints;
    for (const auto& t : tokens) {
      const auto v = core::parse_integer(t.text);
      if (!v) break;
      ints.push_back(*v);
    }
    if (ints.size() == tokens.size()) {
      if (ints.size() == 1) return InfoValue(ints.front());
      return InfoValue(ints);
    }
    std::vector<double> reals;
    for (const auto& t : tokens) {
      const auto v = parse_real(t.text);
      if (!v) break;
      reals.push_back(*v);
    }
    if (reals.size() == tokens.size()) {
      if (reals.size() == 1) return InfoValue(reals.front());
      return InfoValue(reals);
    }
    std::vector<bool> bools;
    for (const auto& t : tokens) {
      const auto v = parse_info_bool(t.text);
      if (!v) break;
      bools.push_back(*v);
    }
    if (bools.size() == tokens.size()) {
      if (bools.size() == 1) return InfoValue(static_cast<bool>(bools.front()));
      return InfoValue(bools);
    }
  }
  if (kv.value.rfind("_JSON ", 0) == 0) {
    if (auto decoded = FlatJson(std::string_view(kv.value).substr(6)).decode()) return *decoded;
  }
  return InfoValue(kv.value);
}

// ---------------------------------------------------------------------------------------------
// Properties

enum class Role { species, atomic_number, position, momenta, forces, masses, id, extra };

struct Property {
  std::string name;
  char type = 'R';
  int columns = 1;
  Role role = Role::extra;
  std::size_t first_token = 0;  // index of its first token on an atom line
  int column = 0;       // where its name is in the comment line
};

struct KnownColumn {
  std::string_view name;
  Role role;
  char type;
  int columns;
};

constexpr KnownColumn kKnownColumns[] = {
    {"species", Role::species, 'S', 1}, {"Z", Role::atomic_number, 'I', 1},
    {"pos", Role::position, 'R', 3},    {"momenta", Role::momenta, 'R', 3},
    {"forces", Role::forces, 'R', 3},   {"masses", Role::masses, 'R', 1},
    {"id", Role::id, 'I', 1},
};

const std::string kPropertiesHint =
    "Properties is a list of name:type:columns triples with type R (real), I (integer), "
    "S (string) or L (logical), e.g. Properties=species:S:1:pos:R:3:forces:R:3";

std::vector<Property> parse_properties(const KeyValue& kv, const std::string& file, int line) {
  // Split on ':' keeping the column of each field.
  struct Field {
    std::string text;
    int column;
  };
  std::vector<Field> fields;
  std::size_t start = 0;
  const std::string& v = kv.value;
  auto column_of = [&](std::size_t index) {
    if (index < kv.value_columns.size()) return kv.value_columns[index];
    return kv.value_columns.empty() ? kv.value_column : kv.value_columns.back() + 1;
  };
  for (std::size_t i = 0; i <= v.size(); ++i) {
    if (i == v.size() || v[i] == ':') {
      fields.push_back({v.substr(start, i - start), column_of(start)});
      start = i + 1;
    }
  }
  if (v.empty() || fields.size() % 3 != 0) {
    fail(file, line, kv.value_column,
         "malformed Properties '" + v + "': expected name:type:columns triples, got " +
             std::to_string(fields.size()) + " field" + (fields.size() == 1 ? "" : "s"),
         kPropertiesHint);
  }
  std::vector<Property> props;
  std::set<std::string> seen;
  std::size_t token = 0;
  for (std::size_t k = 0; k < fields.size(); k += 3) {
    Property p;
    p.name = fields[k].text;
    p.column = fields[k].column;
    if (p.name.empty()) fail(file, line, fields[k].column, "empty property name in Properties", kPropertiesHint);
    if (!seen.insert(p.name).second) {
      fail(file, line, fields[k].column, "property '" + p.name + "' appears twice in Properties", kPropertiesHint);
    }
    const std::string& type = fields[k + 1].text;
    if (type.size() != 1 || std::string_view("RISL").find(type[0]) == std::string_view::npos) {
      fail(file, line, fields[k + 1].column,
           "unknown property type '" + type + "' for '" + p.name + "' (expected R, I, S or L)",
           kPropertiesHint);
    }
    p.type = type[0];
    const auto cols = core::parse_integer(fields[k + 2].text);
    if (!cols || *cols < 1 || *cols > 1000000) {
      fail(file, line, fields[k + 2].column,
           "bad column count '" + fields[k + 2].text + "' for property '" + p.name +
               "' (expected a positive integer)",
           kPropertiesHint);
    }
    p.columns = static_cast<int>(*cols);
    for (const auto& known : kKnownColumns) {
      if (known.name != p.name) continue;
      if (known.type != p.type || known.columns != p.columns) {
        fail(file, line, p.column,
             "property '" + p.name + "' must be " + std::string(known.name) + ":" + known.type + ":" +
                 std::to_string(known.columns) + ", got " + p.name + ":" + p.type + ":" +
                 std::to_string(p.columns),
             kPropertiesHint);
      }
      p.role = known.role;
    }
    p.first_token = token;
    token += static_cast<std::size_t>(p.columns);
    props.push_back(std::move(p));
  }
  const bool has_pos = std::any_of(props.begin(), props.end(), [](const Property& p) { return p.role == Role::position; });
  const bool has_species = std::any_of(props.begin(), props.end(), [](const Property& p) {
    return p.role == Role::species || p.role == Role::atomic_number;
  });
  if (!has_pos) {
    fail(file, line, kv.value_column, "Properties has no 'pos' column (positions are required)", kPropertiesHint);
  }
  if (!has_species) {
    fail(file, line, kv.value_column,
         "Properties has neither a 'species' nor a 'Z' column (elements are required)", kPropertiesHint);
  }
  return props;
}

// ---------------------------------------------------------------------------------------------
// One frame

struct Header {
  core::Cell cell;
  std::vector<Property> properties;
  std::map<std::string, InfoValue> info;
};

Header parse_header(const std::string& text, const std::string& file, int line) {
  const auto entries = CommentParser(text, file, line).parse();
  std::unordered_map<std::string, int> seen;
  const KeyValue* lattice = nullptr;
  const KeyValue* properties = nullptr;
  const KeyValue* pbc_entry = nullptr;
  Header header;
  for (const auto& kv : entries) {
    if (auto [it, inserted] = seen.emplace(kv.key, kv.key_column); !inserted) {
      fail(file, line, kv.key_column,
           "key '" + kv.key + "' appears twice in the comment line (first at column " +
               std::to_string(it->second) + ")",
           "give every key once");
    }
    if (kv.key == "Lattice") lattice = &kv;
    else if (kv.key == "Properties") properties = &kv;
    else if (kv.key == "pbc") pbc_entry = &kv;
    else header.info[kv.key] = interpret_info(kv, file, line);
  }

  if (properties != nullptr) {
    if (!properties->has_value) {
      fail(file, line, properties->key_column, "Properties has no value", kPropertiesHint);
    }
    header.properties = parse_properties(*properties, file, line);
  } else {
    // ASE's default when Properties is absent: a plain xyz file.
    KeyValue plain;
    plain.has_value = true;
    plain.value = "species:S:1:pos:R:3";
    header.properties = parse_properties(plain, file, line);
  }

  // A Lattice implies full periodicity unless pbc says otherwise (ASE's rule).
  std::array<bool, 3> pbc{lattice != nullptr, lattice != nullptr, lattice != nullptr};
  if (pbc_entry != nullptr) {
    const auto tokens = pbc_entry->has_value ? split_value(*pbc_entry) : std::vector<ValueToken>{{"T", pbc_entry->key_column}};
    const std::string hint = "write pbc=\"T T F\" (one T or F per lattice vector)";
    if (tokens.size() != 1 && tokens.size() != 3) {
      fail(file, line, pbc_entry->value_column,
           "pbc needs 3 values (T or F), got " + std::to_string(tokens.size()), hint);
    }
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const auto b = parse_info_bool(tokens[i].text);
      if (!b) fail(file, line, tokens[i].column, "pbc value '" + tokens[i].text + "' is not T or F", hint);
      if (tokens.size() == 1) pbc = {*b, *b, *b};
      else pbc[i] = *b;
    }
  }

  if (lattice != nullptr) {
    const std::string hint = "Lattice lists the lattice vectors a, b, c one after another: "
                             "Lattice=\"ax ay az bx by bz cx cy cz\"";
    const auto tokens = lattice->has_value ? split_value(*lattice) : std::vector<ValueToken>{};
    if (tokens.size() != 9) {
      fail(file, line, lattice->has_value ? lattice->value_column : lattice->key_column,
           "Lattice needs 9 numbers, got " + std::to_string(tokens.size()), hint);
    }
    core::Mat3 h;
    for (std::size_t i = 0; i < 9; ++i) {
      const auto x = core::parse_double(tokens[i].text);
      if (!x) {
        fail(file, line, tokens[i].column, "Lattice value '" + tokens[i].text + "' is not a finite number", hint);
      }
      h(static_cast<Eigen::Index>(i / 3), static_cast<Eigen::Index>(i % 3)) = *x;
    }
    try {
      header.cell = core::Cell(h, pbc);
    } catch (const InputError& e) {
      throw e.located(SourceLocation{file, line, lattice->key_column});
    }
  } else if (pbc[0] || pbc[1] || pbc[2]) {
    fail(file, line, pbc_entry != nullptr ? pbc_entry->key_column : 1,
         "pbc is true on some axis but the frame has no Lattice",
         "add Lattice=\"ax ay az bx by bz cx cy cz\" to the comment line, or set pbc=\"F F F\"");
  }
  return header;
}

std::string capitalized(std::string_view symbol) {
  std::string s(symbol);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    s[i] = static_cast<char>(i == 0 ? std::toupper(c) : std::tolower(c));
  }
  return s;
}

class LineSource {
 public:
  LineSource(std::istream& in, const std::string& file) : in_(in), file_(file) {}

  bool next(std::string& line) {
    if (!std::getline(in_, line)) {
      if (in_.bad()) fail(file_, number_, 0, "read error");
      return false;
    }
    ++number_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }
  [[nodiscard]] int number() const { return number_; }

 private:
  std::istream& in_;
  const std::string& file_;
  int number_ = 0;
};

Frame read_frame(LineSource& lines, const std::string& count_line, const std::string& file) {
  const int count_line_number = lines.number();
  const auto count_tokens = tokenize(count_line);
  const std::string count_hint = "the first line of each extxyz frame is its number of atoms";
  const auto count = count_tokens.size() == 1 ? core::parse_integer(count_tokens[0].text) : std::nullopt;
  if (!count) {
    fail(file, count_line_number, count_tokens.empty() ? 1 : count_tokens[0].column,
         "expected the number of atoms, got '" + std::string(core::trim(count_line)) + "'", count_hint);
  }
  if (*count < 0) {
    fail(file, count_line_number, count_tokens[0].column,
         "the number of atoms is negative (" + std::to_string(*count) + ")", count_hint);
  }
  const auto num_atoms = static_cast<std::size_t>(*count);

  std::string comment;
  if (!lines.next(comment)) {
    fail(file, count_line_number, 0,
         "the file ends after the atom count; the comment line and " + std::to_string(num_atoms) +
             " atom lines are missing",
         "the file is truncated");
  }
  const int header_line = lines.number();
  Header header = parse_header(comment, file, header_line);

  std::size_t tokens_per_atom = 0;
  for (const auto& p : header.properties) tokens_per_atom += static_cast<std::size_t>(p.columns);
  auto find_role = [&](Role role) -> const Property* {
    for (const auto& p : header.properties) {
      if (p.role == role) return &p;
    }
    return nullptr;
  };
  const Property* species = find_role(Role::species);
  const Property* znum = find_role(Role::atomic_number);
  const Property* pos = find_role(Role::position);
  const Property* momenta = find_role(Role::momenta);
  const Property* forces = find_role(Role::forces);
  const Property* masses = find_role(Role::masses);
  const Property* ids = find_role(Role::id);

  Frame frame;
  frame.info = std::move(header.info);
  frame.has_velocities = momenta != nullptr;
  frame.has_forces = forces != nullptr;
  for (const auto& p : header.properties) {
    if (p.role != Role::extra) continue;
    ExtraArray a;
    a.type = p.type == 'R'   ? ExtraArray::Type::real
             : p.type == 'I' ? ExtraArray::Type::integer
             : p.type == 'L' ? ExtraArray::Type::logical
                             : ExtraArray::Type::string;
    a.columns = p.columns;
    frame.arrays.emplace(p.name, std::move(a));
  }

  std::vector<core::AtomSpec> specs;
  std::vector<Vec3> atom_forces;
  specs.reserve(std::min<std::size_t>(num_atoms, 1u << 20));
  std::unordered_map<core::AtomId, int> id_lines;

  std::string line;
  for (std::size_t i = 0; i < num_atoms; ++i) {
    if (!lines.next(line)) {
      fail(file, count_line_number, count_tokens[0].column,
           "the frame declares " + std::to_string(num_atoms) + " atoms but the file ends after " +
               std::to_string(i) + " atom line" + (i == 1 ? "" : "s") + " (at line " +
               std::to_string(lines.number()) + ")",
           "the file is truncated, or the atom count is wrong");
    }
    const int ln = lines.number();
    const auto tokens = tokenize(line);
    if (tokens.size() != tokens_per_atom) {
      std::string hint = "Properties on line " + std::to_string(header_line) + " declares " +
                         std::to_string(tokens_per_atom) + " columns per atom";
      if (tokens.size() == 1 && core::parse_integer(tokens[0].text)) {
        hint += "; this looks like the atom count of the next frame, so the count on line " +
                std::to_string(count_line_number) + " (" + std::to_string(num_atoms) + ") may be too large";
      }
      const int col = tokens.size() > tokens_per_atom
                          ? tokens[tokens_per_atom].column
                          : static_cast<int>(line.size()) + 1;
      fail(file, ln, col,
           "atom line has " + std::to_string(tokens.size()) + " column" + (tokens.size() == 1 ? "" : "s") +
               ", expected " + std::to_string(tokens_per_atom),
           hint);
    }
    auto token = [&](const Property& p, int c) -> const Token& {
      return tokens[p.first_token + static_cast<std::size_t>(c)];
    };
    auto real = [&](const Property& p, int c, bool must_be_finite) -> double {
      const Token& t = token(p, c);
      if (auto v = core::parse_double(t.text)) return *v;
      const auto any = parse_real(t.text);
      if (any && !must_be_finite) return *any;
      const std::string what = p.columns > 1 ? p.name + " component " + std::to_string(c + 1) : p.name;
      if (any) {
        fail(file, ln, t.column, what + " is not finite ('" + std::string(t.text) + "')",
             "every " + p.name + " value must be a finite number");
      }
      fail(file, ln, t.column, what + " '" + std::string(t.text) + "' is not a number",
           "column " + std::to_string(p.first_token + static_cast<std::size_t>(c) + 1) + " holds " + p.name + " (" + p.type + ")");
    };
    auto vec3 = [&](const Property& p) {
      return Vec3(real(p, 0, true), real(p, 1, true), real(p, 2, true));
    };

    core::AtomSpec spec;
    if (species != nullptr) {
      const Token& t = token(*species, 0);
      // ASE capitalizes species ("LI" -> "Li") before looking them up; so do we.
      const auto z = core::find_atomic_number(capitalized(t.text));
      if (!z) {
        std::string message = "unknown element symbol '" + std::string(t.text) + "'";
        try {
          (void)core::atomic_number(t.text);
        } catch (const InputError& e) {
          message = e.message();  // names the symbol and the nearest element, if any
        }
        fail(file, ln, t.column, message,
             "the species column holds element symbols such as Li, C, Co (dummy atoms 'X' are "
             "not supported)");
      }
      spec.z = *z;
    }
    if (znum != nullptr) {
      const Token& t = token(*znum, 0);
      const auto z = core::parse_integer(t.text);
      if (!z || *z < 1 || *z > core::max_atomic_number()) {
        fail(file, ln, t.column, "Z '" + std::string(t.text) + "' is not an atomic number",
             "Z must be an integer from 1 to " + std::to_string(core::max_atomic_number()));
      }
      if (species != nullptr && spec.z != static_cast<int>(*z)) {
        fail(file, ln, t.column,
             "Z = " + std::to_string(*z) + " disagrees with species '" +
                 std::string(token(*species, 0).text) + "'",
             "remove one of the two columns or make them agree");
      }
      spec.z = static_cast<int>(*z);
    }
    spec.position = vec3(*pos);
    if (masses != nullptr) {
      spec.mass = real(*masses, 0, true);
      if (!(spec.mass > 0.0)) {
        fail(file, ln, token(*masses, 0).column, "mass must be positive, got " + std::string(token(*masses, 0).text));
      }
    }
    if (momenta != nullptr) {
      const double m = std::isnan(spec.mass) ? core::standard_mass(spec.z) : spec.mass;
      spec.velocity = vec3(*momenta) / (m * ase_time_unit_in_fs());
    }
    if (forces != nullptr) atom_forces.push_back(vec3(*forces));
    if (ids != nullptr) {
      const Token& t = token(*ids, 0);
      const auto id = core::parse_integer(t.text);
      const std::string hint = "ids are non-negative integers, each used once per frame";
      if (!id) fail(file, ln, t.column, "atom id '" + std::string(t.text) + "' is not an integer", hint);
      if (*id < 0) fail(file, ln, t.column, "atom id " + std::to_string(*id) + " is negative", hint);
      if (auto [it, inserted] = id_lines.emplace(*id, ln); !inserted) {
        fail(file, ln, t.column,
             "atom id " + std::to_string(*id) + " is used twice in this frame (first on line " +
                 std::to_string(it->second) + ")",
             hint);
      }
      spec.id = *id;
    }
    for (const auto& p : header.properties) {
      if (p.role != Role::extra) continue;
      auto& array = frame.arrays[p.name];
      for (int c = 0; c < p.columns; ++c) {
        const Token& t = token(p, c);
        const bool ok = p.type == 'S' || (p.type == 'R' && parse_real(t.text)) ||
                        (p.type == 'I' && core::parse_integer(t.text)) ||
                        (p.type == 'L' && parse_column_bool(t.text));
        if (!ok) {
          const char* kind = p.type == 'R' ? "a number" : p.type == 'I' ? "an integer" : "T or F";
          fail(file, ln, t.column,
               "'" + std::string(t.text) + "' in column '" + p.name + "' is not " + kind,
               "Properties declares " + p.name + ":" + p.type + ":" + std::to_string(p.columns));
        }
        array.values.emplace_back(t.text);
      }
    }
    specs.push_back(spec);
  }

  frame.system = core::System(header.cell);
  try {
    (void)frame.system.insert_atoms(specs);
  } catch (const InputError& e) {
    // Everything was checked per line above; this is a safety net that still points somewhere.
    throw e.located(SourceLocation{file, count_line_number, 0});
  }
  if (forces != nullptr) {
    auto f = frame.system.forces();
    std::copy(atom_forces.begin(), atom_forces.end(), f.begin());
  }
  return frame;
}

// ---------------------------------------------------------------------------------------------
// Writing

bool needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  return std::any_of(s.begin(), s.end(), [](char c) {
    return is_space(c) || c == '"' || c == '\'' || c == '{' || c == '}' || c == '[' || c == ']' ||
           c == '=' || c == '\\';
  });
}

std::string quoted_if_needed(std::string_view s) {
  if (!needs_quotes(s)) return std::string(s);
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char* digits = "0123456789abcdef";
          out += "\\u00";
          out.push_back(digits[(c >> 4) & 0xF]);
          out.push_back(digits[c & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

template <typename T, typename F>
std::string joined(const std::vector<T>& values, F format) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out += format(values[i]);
  }
  return out;
}

// The text of an info value, before quoting.
std::string info_text(const std::string& key, const InfoValue& value) {
  auto tf = [](bool b) { return std::string(b ? "T" : "F"); };
  if (is_matrix_key(key)) {
    std::vector<double> v;
    if (const auto* d = std::get_if<std::vector<double>>(&value)) v = *d;
    else if (const auto* n = std::get_if<std::vector<std::int64_t>>(&value)) v.assign(n->begin(), n->end());
    if (v.size() == 6) v = {v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2]};
    if (v.size() != 9) {
      throw InputError("info '" + key + "' must be a 3x3 matrix (9 numbers, row-major) or 6 numbers in Voigt order",
                       "ASE reads '" + key + "' only as a 3x3 matrix");
    }
    // Row-major in memory, Fortran order in the file.
    std::vector<double> fortran(9);
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) fortran[static_cast<std::size_t>(3 * j + i)] = v[static_cast<std::size_t>(3 * i + j)];
    }
    return joined(fortran, format_real);
  }
  return std::visit(
      [&](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, bool>) return tf(v);
        else if constexpr (std::is_same_v<V, std::int64_t>) return std::to_string(v);
        else if constexpr (std::is_same_v<V, double>) return format_real(v);
        else if constexpr (std::is_same_v<V, std::string>) return v;
        else if constexpr (std::is_same_v<V, std::vector<bool>>) {
          std::string out;
          for (std::size_t i = 0; i < v.size(); ++i) out += (i > 0 ? " " : "") + tf(v[i]);
          return out;
        } else if constexpr (std::is_same_v<V, std::vector<std::int64_t>>) {
          return joined(v, [](std::int64_t x) { return std::to_string(x); });
        } else if constexpr (std::is_same_v<V, std::vector<double>>) {
          return joined(v, format_real);
        } else {
          // Lists of strings go through JSON, as ASE writes them.
          std::string out = "_JSON [";
          for (std::size_t i = 0; i < v.size(); ++i) out += (i > 0 ? ", " : "") + json_string(v[i]);
          return out + "]";
        }
      },
      value);
}

void write_frame(std::ostream& out, const Frame& frame) {
  const core::System& system = frame.system;
  const std::size_t n = system.num_atoms();
  const auto z = system.atomic_numbers();
  const auto masses = system.masses();

  static const std::set<std::string, std::less<>> reserved_columns{"species", "Z", "pos", "momenta",
                                                                   "masses", "forces", "id"};
  for (const auto& [name, array] : frame.arrays) {
    if (reserved_columns.count(name) != 0) {
      throw InputError("extra per-atom array '" + name + "' has the name of a column ioncycle writes itself");
    }
    if (name.empty() || name.find_first_of(": \t\"'") != std::string::npos) {
      throw InputError("extra per-atom array name '" + name + "' cannot be written to extxyz",
                       "use a name without spaces, colons or quotes");
    }
    if (array.columns < 1 || array.values.size() != n * static_cast<std::size_t>(array.columns)) {
      throw InputError("extra per-atom array '" + name + "' has " + std::to_string(array.values.size()) +
                       " values, expected " + std::to_string(n) + " atoms x " + std::to_string(array.columns) +
                       " columns");
    }
    for (const auto& v : array.values) {
      if (v.empty() || std::any_of(v.begin(), v.end(), is_space)) {
        throw InputError("extra per-atom array '" + name + "' holds a value with spaces ('" + v +
                         "'), which extxyz cannot store in a column");
      }
    }
  }
  for (const auto& [key, value] : frame.info) {
    if (key == "Lattice" || key == "Properties" || key == "pbc") {
      throw InputError("info key '" + key + "' is reserved for the extxyz header");
    }
    if (key.empty()) throw InputError("an info key is empty");
  }

  bool write_masses = frame.has_velocities;
  for (std::size_t i = 0; i < n && !write_masses; ++i) write_masses = masses[i] != core::standard_mass(z[i]);

  out << n << '\n';
  const core::Cell& cell = system.cell();
  if (!cell.matrix().isZero(0.0)) {
    out << "Lattice=\"";
    for (int i = 0; i < 9; ++i) {
      out << (i > 0 ? " " : "") << format_real(cell.matrix()(i / 3, i % 3));
    }
    out << "\" ";
  }
  out << "Properties=species:S:1:pos:R:3";
  if (write_masses) out << ":masses:R:1";
  if (frame.has_velocities) out << ":momenta:R:3";
  if (frame.has_forces) out << ":forces:R:3";
  out << ":id:I:1";
  for (const auto& [name, array] : frame.arrays) {
    const char type = array.type == ExtraArray::Type::real      ? 'R'
                      : array.type == ExtraArray::Type::integer ? 'I'
                      : array.type == ExtraArray::Type::logical ? 'L'
                                                                : 'S';
    out << ':' << name << ':' << type << ':' << array.columns;
  }
  const auto& pbc = cell.pbc();
  out << " pbc=\"" << (pbc[0] ? 'T' : 'F') << ' ' << (pbc[1] ? 'T' : 'F') << ' ' << (pbc[2] ? 'T' : 'F') << '"';
  for (const auto& [key, value] : frame.info) {
    out << ' ' << quoted_if_needed(key) << '=' << quoted_if_needed(info_text(key, value));
  }
  out << '\n';

  const auto positions = system.positions();
  const auto velocities = system.velocities();
  const auto forces = system.forces();
  const auto ids = system.ids();
  std::string line;
  auto add_real = [&line](double x) {
    const std::string s = format_real(x);
    line.push_back(' ');
    if (s.size() < 22) line.append(22 - s.size(), ' ');
    line += s;
  };
  for (std::size_t i = 0; i < n; ++i) {
    line.clear();
    const std::string_view sym = core::symbol(z[i]);
    line += sym;
    if (sym.size() < 2) line.append(2 - sym.size(), ' ');
    for (int k = 0; k < 3; ++k) add_real(positions[i][k]);
    if (write_masses) add_real(masses[i]);
    if (frame.has_velocities) {
      for (int k = 0; k < 3; ++k) add_real(masses[i] * velocities[i][k] * ase_time_unit_in_fs());
    }
    if (frame.has_forces) {
      for (int k = 0; k < 3; ++k) add_real(forces[i][k]);
    }
    const std::string id = std::to_string(ids[i]);
    line.push_back(' ');
    if (id.size() < 8) line.append(8 - id.size(), ' ');
    line += id;
    for (const auto& [name, array] : frame.arrays) {
      for (int c = 0; c < array.columns; ++c) {
        line.push_back(' ');
        line += array.values[i * static_cast<std::size_t>(array.columns) + static_cast<std::size_t>(c)];
      }
    }
    line.push_back('\n');
    out << line;
  }
}

}  // namespace

std::vector<Frame> read_extxyz(std::istream& in, const std::string& source_name) {
  LineSource lines(in, source_name);
  std::vector<Frame> frames;
  std::string line;
  while (lines.next(line)) {
    if (core::trim(line).empty()) {
      // Blank lines may end the file, but nothing may follow them: ASE stops reading at the
      // first blank line where an atom count is due, so frames after it would be lost there.
      const int blank_line = lines.number();
      while (lines.next(line)) {
        if (!core::trim(line).empty()) {
          fail(source_name, blank_line, 0,
               "blank line where the atom count of the next frame was expected",
               "remove blank lines between frames (ASE stops reading at the first one)");
        }
      }
      break;
    }
    frames.push_back(read_frame(lines, line, source_name));
  }
  if (frames.empty()) {
    fail(source_name, 1, 0, "the file has no frames (it is empty)",
         "an extxyz file starts with the number of atoms on its first line");
  }
  return frames;
}

void write_extxyz(std::ostream& out, const std::vector<Frame>& frames) {
  for (const auto& frame : frames) write_frame(out, frame);
}

}  // namespace ioncycle::io
