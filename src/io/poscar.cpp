// SPDX-License-Identifier: MIT
#include "io/poscar.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>
#include <vector>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/geometry.hpp"
#include "core/strings.hpp"

namespace ioncycle::io {

namespace {

using core::Mat3;
using core::Vec3;

// A count larger than this is a typo or a corrupt file, not a structure; refusing it early keeps
// the error at the counts line instead of a confusing "file ends" far below.
constexpr long long kMaxAtoms = 1'000'000'000;

// VASP and ASE end the species and counts lines at a comment ("Li C ! host"); so do we.
bool starts_comment(std::string_view token) { return token.front() == '!' || token.front() == '#'; }

std::vector<std::string_view> tokens_before_comment(std::string_view line) {
  std::vector<std::string_view> tokens = core::split_whitespace(line);
  const auto end = std::find_if(tokens.begin(), tokens.end(), starts_comment);
  tokens.erase(end, tokens.end());
  return tokens;
}

// Reads the file into lines once, then answers by 0-based index so that every error can name
// its 1-based line (and the column of the offending token).
class PoscarParser {
 public:
  PoscarParser(std::istream& in, std::string source) : source_(std::move(source)) {
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();  // files edited on Windows
      lines_.push_back(std::move(line));
    }
  }

  Frame parse();

 private:
  [[nodiscard]] SourceLocation at(std::size_t index, std::string_view token = {}) const {
    int column = 0;
    if (!token.empty() && index < lines_.size()) {
      column = static_cast<int>(token.data() - lines_[index].data()) + 1;
    }
    return SourceLocation{source_, static_cast<int>(index) + 1, column};
  }

  [[noreturn]] void fail(std::size_t index, std::string_view token, const std::string& message,
                         const std::string& hint = {}) const {
    throw InputError(at(index, token), message, hint);
  }

  // Line `index`, or an error at the line just past the end naming what was expected there.
  std::string_view require(std::size_t index, const std::string& what) const {
    if (index >= lines_.size()) {
      if (lines_.empty()) {
        fail(0, {}, "the POSCAR file is empty",
             "a POSCAR file starts with a comment line, then the scaling factor and three lattice vectors");
      }
      fail(index, {}, "the file ends before " + what,
           "the file looks truncated; compare it with the VASP 5 layout in docs/formats.md");
    }
    return lines_[index];
  }

  double number(std::size_t index, std::string_view token, const std::string& what) const {
    const auto value = core::parse_double(token);
    if (!value) fail(index, token, "expected " + what + " (a number), got '" + std::string(token) + "'");
    return *value;
  }

  // Line 2: factors for the x, y, z components (one number repeated, or three), or a target
  // volume in Å³ (a single negative number).
  struct Scale {
    Vec3 factors = Vec3::Ones();
    std::optional<double> volume;
  };
  Scale parse_scale(std::size_t index) const;
  Mat3 parse_lattice(std::size_t first_index) const;

  std::string source_;
  std::vector<std::string> lines_;
};

PoscarParser::Scale PoscarParser::parse_scale(std::size_t index) const {
  const std::string_view line = require(index, "the scaling factor");
  const auto tokens = core::split_whitespace(line);
  if (tokens.empty()) {
    fail(index, {}, "expected the scaling factor on line 2, found an empty line",
         "write 1.0 to use the lattice vectors as given");
  }
  // Like VASP's list-directed read, take the leading numbers and ignore a trailing comment.
  std::vector<double> values;
  for (const auto token : tokens) {
    const auto value = core::parse_double(token);
    if (!value) break;
    values.push_back(*value);
  }
  if (values.empty()) {
    fail(index, tokens.front(),
         "expected the scaling factor (a number), got '" + std::string(tokens.front()) + "'",
         "line 2 holds one number (1.0 keeps the lattice vectors as given; negative: the cell volume in Å³) "
         "or three");
  }
  Scale scale;
  if (values.size() == 1) {
    if (values[0] == 0.0) {
      fail(index, tokens[0], "the scaling factor is zero",
           "write 1.0 to use the lattice vectors as given, or a negative number for the cell volume in Å³");
    }
    if (values[0] < 0.0) {
      scale.volume = -values[0];
    } else {
      scale.factors = Vec3::Constant(values[0]);
    }
    return scale;
  }
  if (values.size() != 3) {
    fail(
        index, tokens[values.size() == 2 ? 1 : 3],
        "line 2 holds " + std::to_string(values.size()) + " scaling factors; VASP accepts one or three",
        "one number scales the whole cell (negative: the cell volume in Å³); three numbers scale x, y and z");
  }
  for (std::size_t i = 0; i < 3; ++i) {
    if (!(values[i] > 0.0)) {
      fail(index, tokens[i],
           "with three scaling factors each must be positive (got '" + std::string(tokens[i]) + "')",
           "a negative scaling factor (target volume) is only allowed as a single number");
    }
    scale.factors[static_cast<Eigen::Index>(i)] = values[i];
  }
  return scale;
}

Mat3 PoscarParser::parse_lattice(std::size_t first_index) const {
  static constexpr const char* kNames[3] = {"a", "b", "c"};
  Mat3 h;
  for (std::size_t row = 0; row < 3; ++row) {
    const std::size_t index = first_index + row;
    const std::string what = std::string("lattice vector ") + kNames[row];
    const std::string_view line = require(index, what);
    const auto tokens = core::split_whitespace(line);
    // Extra tokens after the third number are ignored, as VASP's list-directed read does.
    for (std::size_t k = 0; k < std::min<std::size_t>(tokens.size(), 3); ++k) {
      h(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(k)) =
          number(index, tokens[k], "component " + std::to_string(k + 1) + " of " + what);
    }
    if (tokens.size() < 3) {
      fail(index, {}, what + " needs three numbers, found " + std::to_string(tokens.size()),
           "lines 3-5 hold the lattice vectors a, b, c, one per line, as three Cartesian components");
    }
  }
  return h;
}

Frame PoscarParser::parse() {
  // Line 1: free comment (kept so that POSCAR -> POSCAR keeps it).
  const std::string_view comment = require(0, "the comment line");

  const Scale scale = parse_scale(1);
  Mat3 h = parse_lattice(2);

  // The three-factor form scales the x, y and z components of every lattice vector (VASP wiki,
  // "POSCAR", scaling factor line); the single factor scales everything alike.
  double volume_factor = 1.0;
  if (scale.volume) {
    const double raw_volume = std::abs(h.determinant());
    // Rescaling needs a volume to start from; a flat cell is reported below as singular.
    if (raw_volume > 0.0) volume_factor = std::cbrt(*scale.volume / raw_volume);
  }
  const Vec3 factors = scale.volume ? Vec3::Constant(volume_factor) : scale.factors;
  for (int row = 0; row < 3; ++row) h.row(row) = h.row(row).cwiseProduct(factors.transpose());

  core::Cell cell;
  try {
    cell = core::Cell(h, {true, true, true});
  } catch (const InputError& e) {
    throw InputError(at(2), "the lattice vectors on lines 3-5 do not span a cell: " + e.message(),
                     "POSCAR cells are periodic in all three directions and need three independent, "
                     "non-zero lattice vectors");
  }

  // Line 6: species (VASP 5). A VASP 4 file has the counts here instead.
  const std::string_view species_line = require(5, "the element symbols (VASP 5 species line)");
  const auto species_tokens = tokens_before_comment(species_line);
  if (species_tokens.empty()) {
    fail(5, {}, "expected the element symbols on line 6, found nothing",
         "VASP 5 POSCAR files name the elements on line 6, e.g. 'Li C', and give their counts on line 7");
  }
  if (core::parse_double(species_tokens.front())) {
    fail(5, species_tokens.front(),
         "line 6 holds numbers, not element symbols: this looks like a VASP 4 POSCAR, which does not "
         "name its elements",
         "add a line with the element symbols before the counts (e.g. 'Li C', in the order of the "
         "POTCAR), as VASP 5 and later write it");
  }
  std::vector<int> species;
  for (const auto token : species_tokens) {
    // VASP 6 may write POTCAR labels with a hash ("Li_sv/6a2f546d"); the element comes first.
    const std::string_view symbol = token.substr(0, token.find_first_of("_/"));
    if (symbol.empty()) fail(5, token, "'" + std::string(token) + "' is not an element symbol");
    try {
      species.push_back(core::atomic_number(symbol));
    } catch (const InputError& e) {
      throw InputError(
          at(5, token), "unknown element '" + std::string(symbol) + "' in the species line",
          e.hint().empty() ? "use element symbols such as 'Li', 'C', 'O' (case matters)" : e.hint());
    }
  }

  // Line 7: counts, one per species.
  const std::string_view counts_line = require(6, "the atom counts");
  const auto count_tokens = tokens_before_comment(counts_line);
  std::vector<long long> counts;
  long long num_atoms = 0;
  for (const auto token : count_tokens) {
    const auto count = core::parse_integer(token);
    if (!count) {
      fail(6, token, "atom count '" + std::string(token) + "' is not a whole number",
           "line 7 gives the number of atoms of each species on line 6, e.g. '12 2'");
    }
    if (*count < 0) fail(6, token, "atom count " + std::string(token) + " is negative");
    if (*count > kMaxAtoms) fail(6, token, "atom count " + std::string(token) + " is implausibly large");
    counts.push_back(*count);
    num_atoms += *count;
  }
  if (counts.size() != species.size()) {
    fail(6, {},
         "line 7 gives " + std::to_string(counts.size()) + " atom count(s) but line 6 names " +
             std::to_string(species.size()) + " species",
         "give exactly one count per element symbol, in the same order");
  }
  if (num_atoms == 0) fail(6, {}, "the counts on line 7 add up to zero atoms");
  if (num_atoms > kMaxAtoms) {
    fail(6, {}, "the counts on line 7 add up to an implausibly large number of atoms");
  }

  // Line 8: optional "Selective dynamics" (only the first letter counts, as in VASP), then the mode.
  std::size_t index = 7;
  const std::string_view maybe_selective = core::trim(require(index, "'Direct' or 'Cartesian'"));
  if (!maybe_selective.empty() && (maybe_selective.front() == 'S' || maybe_selective.front() == 's')) ++index;
  const std::string_view mode = core::trim(require(index, "'Direct' or 'Cartesian'"));
  bool cartesian = false;
  const char first = mode.empty() ? '\0' : mode.front();
  if (first == 'D' || first == 'd') {
    cartesian = false;
  } else if (first == 'C' || first == 'c' || first == 'K' || first == 'k') {
    cartesian = true;
  } else {
    fail(index, mode, "expected the coordinate mode 'Direct' or 'Cartesian', got '" + std::string(mode) + "'",
         "after the counts (and an optional 'Selective dynamics' line) VASP expects a line starting "
         "with D (fractional coordinates) or C/K (Cartesian, in Å times the scaling factor)");
  }
  ++index;

  std::vector<core::AtomSpec> atoms;
  std::size_t species_index = 0;
  long long left_in_species = counts.empty() ? 0 : counts[0];
  for (long long k = 0; k < num_atoms; ++k, ++index) {
    while (left_in_species == 0) left_in_species = counts[++species_index];
    --left_in_species;
    if (index >= lines_.size()) {
      fail(
          index, {},
          "the file ends after " + std::to_string(k) + " of " + std::to_string(num_atoms) + " atom positions",
          "the counts on line 7 promise " + std::to_string(num_atoms) + " atoms, one position line each");
    }
    const auto tokens = core::split_whitespace(lines_[index]);
    if (tokens.size() < 3) {
      fail(index, {},
           "expected three coordinates for atom " + std::to_string(k + 1) + " of " +
               std::to_string(num_atoms) + ", found " + std::to_string(tokens.size()) + " value(s)",
           "the counts on line 7 promise " + std::to_string(num_atoms) + " atoms, one position line each");
    }
    Vec3 v;
    for (int c = 0; c < 3; ++c) {
      v[c] = number(index, tokens[static_cast<std::size_t>(c)],
                    "coordinate " + std::to_string(c + 1) + " of atom " + std::to_string(k + 1));
    }
    // Extra tokens (selective-dynamics flags, site labels, comments) are ignored.
    core::AtomSpec atom;
    atom.z = species[species_index];
    // Cartesian coordinates are scaled like the lattice (VASP multiplies them by the factors).
    atom.position = cartesian ? Vec3(v.cwiseProduct(factors)) : cell.to_cartesian(v);
    if (!atom.position.allFinite()) {
      fail(index, tokens[0], "the position of atom " + std::to_string(k + 1) + " overflows");
    }
    atoms.push_back(atom);
  }
  // Anything below (velocities, predictor-corrector block of a CONTCAR) is not used.

  Frame frame;
  frame.system = core::System(cell);
  (void)frame.system.insert_atoms(atoms);  // ids 0..N-1 in file order
  const std::string_view trimmed_comment = core::trim(comment);
  if (!trimmed_comment.empty()) frame.info["comment"] = std::string(trimmed_comment);
  return frame;
}

// Right-aligned so that columns line up; shortest round-trip text keeps every bit.
void append_number(std::string& out, double x) {
  const std::string text = core::format_double(x);
  constexpr std::size_t kWidth = 24;
  out.append(text.size() < kWidth ? kWidth - text.size() : 1, ' ');
  out += text;
}

}  // namespace

Frame read_poscar(std::istream& in, const std::string& source_name) {
  return PoscarParser(in, source_name).parse();
}

void write_poscar(std::ostream& out, const Frame& frame) {
  const core::System& system = frame.system;
  const core::Cell& cell = system.cell();
  if (!cell.has_lattice()) {
    throw InputError("cannot write a POSCAR file: the structure has no cell (three lattice vectors)",
                     "POSCAR files are periodic in all three directions; give the structure a cell first");
  }
  if (system.empty()) {
    throw InputError("cannot write a POSCAR file with no atoms", "VASP needs at least one atom");
  }

  std::string text;
  // Line 1: the frame's own comment if it has one (a POSCAR read earlier), else the formula.
  std::string comment = core::chemical_formula(system);
  if (const auto it = frame.info.find("comment"); it != frame.info.end()) {
    if (const auto* s = std::get_if<std::string>(&it->second)) comment = *s;
  }
  std::replace_if(
      comment.begin(), comment.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  text += comment + "\n";
  text += "1.0\n";
  for (int row = 0; row < 3; ++row) {
    for (int k = 0; k < 3; ++k) append_number(text, cell.matrix()(row, k));
    text += "\n";
  }

  // Consecutive runs of one element, so that the file keeps the System's atom order (and with it
  // the ids 0..N-1 a reader assigns): "C Li C" / "4 1 4" when the atoms interleave.
  std::vector<std::pair<int, std::size_t>> runs;
  for (const int z : system.atomic_numbers()) {
    if (runs.empty() || runs.back().first != z) runs.emplace_back(z, 0);
    ++runs.back().second;
  }
  std::string species_line;
  std::string counts_line;
  for (const auto& [z, count] : runs) {
    const std::string symbol(core::symbol(z));
    const std::string number = std::to_string(count);
    const std::size_t width = std::max(symbol.size(), number.size()) + 2;
    species_line.append(width - symbol.size(), ' ').append(symbol);
    counts_line.append(width - number.size(), ' ').append(number);
  }
  text += species_line + "\n" + counts_line + "\n";

  // Cartesian, as ASE writes by default: positions go out exactly as stored (no conversion to
  // fractional coordinates and back), so a round trip is bit-for-bit.
  text += "Cartesian\n";
  for (const Vec3& r : system.positions()) {
    for (int k = 0; k < 3; ++k) append_number(text, r[k]);
    text += "\n";
  }
  out << text;
}

}  // namespace ioncycle::io
