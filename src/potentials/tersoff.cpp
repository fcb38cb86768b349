// SPDX-License-Identifier: MIT
#include "potentials/tersoff.hpp"

#include <omp.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <limits>
#include <numbers>
#include <optional>
#include <sstream>
#include <string_view>

#include "core/content_hash.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::potentials {

namespace {

using core::Mat3;
using core::Vec3;

constexpr std::array<const char*, 14> kParameterNames = {
    "m", "gamma", "lambda3", "c", "d", "costheta0", "n", "beta", "lambda2", "B", "R", "D", "lambda1", "A"};

constexpr const char* kEntryLayout =
    "an entry is 3 element symbols (centre i, bonded neighbour j, neighbour k) followed by 14 numbers: "
    "m gamma lambda3 c d costheta0 n beta lambda2 B R D lambda1 A; it may span several lines, and '#' "
    "starts a comment";

double& parameter_ref(TersoffParameters& p, std::size_t index) {
  switch (index) {
    case 0: return p.m;
    case 1: return p.gamma;
    case 2: return p.lambda3;
    case 3: return p.c;
    case 4: return p.d;
    case 5: return p.costheta0;
    case 6: return p.n;
    case 7: return p.beta;
    case 8: return p.lambda2;
    case 9: return p.B;
    case 10: return p.R;
    case 11: return p.D;
    case 12: return p.lambda1;
    default: return p.A;
  }
}

struct ParameterProblem {
  std::size_t index;  // into kParameterNames
  std::string message;
};

// The restrictions LAMMPS places on the parameters, plus the ones that keep our arithmetic
// finite: d > 0 (c²/d² in g) and n > 0 where the two-body b_ij uses it (entries i, j, j).
std::optional<ParameterProblem> check_parameters(const TersoffParameters& p, bool is_pair_entry) {
  auto nonnegative = [&](std::size_t index, double value,
                         const char* what) -> std::optional<ParameterProblem> {
    if (value < 0.0) {
      return ParameterProblem{index, std::string("'") + kParameterNames[index] + "' must not be negative (" + what +
                                         "), got " + core::format_double(value)};
    }
    return std::nullopt;
  };
  if (p.m != 1.0 && p.m != 3.0) {
    return ParameterProblem{0, "'m' must be 1 or 3, got " + core::format_double(p.m)};
  }
  if (auto e = nonnegative(1, p.gamma, "it scales the angular term g")) return e;
  if (auto e = nonnegative(3, p.c, "it enters g as c²")) return e;
  if (!(p.d > 0.0)) {
    return ParameterProblem{4, "'d' must be positive (g contains c²/d²), got " + core::format_double(p.d)};
  }
  if (auto e = nonnegative(6, p.n, "it is the power of βζ in b_ij")) return e;
  if (is_pair_entry && !(p.n > 0.0)) {
    return ParameterProblem{6, "'n' must be positive in an entry whose 2nd and 3rd elements are equal "
                               "(b_ij contains the power -1/(2n)), got " +
                                   core::format_double(p.n)};
  }
  if (auto e = nonnegative(7, p.beta, "it scales ζ in b_ij")) return e;
  if (auto e = nonnegative(8, p.lambda2, "it is the decay rate of f_A")) return e;
  if (auto e = nonnegative(9, p.B, "it is the strength of f_A")) return e;
  if (auto e = nonnegative(10, p.R, "it is the cutoff radius")) return e;
  if (auto e = nonnegative(11, p.D, "it is the half-width of the cutoff region")) return e;
  if (p.D > p.R) {
    return ParameterProblem{11, "'D' must not exceed 'R' (the cutoff region R-D .. R+D would start below 0), got D = " +
                                    core::format_double(p.D) + " > R = " + core::format_double(p.R)};
  }
  if (auto e = nonnegative(12, p.lambda1, "it is the decay rate of f_R")) return e;
  if (auto e = nonnegative(13, p.A, "it is the strength of f_R")) return e;
  return std::nullopt;
}

std::string triplet_name(int zi, int zj, int zk) {
  return std::string(core::symbol(zi)) + " " + std::string(core::symbol(zj)) + " " + std::string(core::symbol(zk));
}

// The element a .tersoff label stands for: an element symbol, optionally followed by a variant
// tag that does not start with a lower-case letter ("Si(D)" in SiCGe.tersoff, "C_1"), so that
// "Si(D)" is silicon while "Cx" or "si" are not elements.
std::optional<int> element_of_label(std::string_view label) {
  if (const auto z = core::find_atomic_number(label)) return z;
  for (std::size_t len : {std::size_t{2}, std::size_t{1}}) {
    if (label.size() <= len) continue;
    const char next = label[len];
    if (next >= 'a' && next <= 'z') continue;
    if (next >= 'A' && next <= 'Z') continue;
    if (const auto z = core::find_atomic_number(label.substr(0, len))) return z;
  }
  return std::nullopt;
}

std::vector<std::string> all_symbols() {
  std::vector<std::string> symbols;
  for (int z = 1; z <= core::max_atomic_number(); ++z) symbols.emplace_back(core::symbol(z));
  return symbols;
}

// f_C(r) and its derivative (Tersoff 1988, Eq. 3, in LAMMPS' R, D form).
inline void cutoff_function(double R, double D, double r, double& fc, double& dfc) {
  if (r < R - D) {
    fc = 1.0;
    dfc = 0.0;
  } else if (r >= R + D) {  // also a step cutoff for D = 0 (SiC_1990.tersoff)
    fc = 0.0;
    dfc = 0.0;
  } else {
    const double arg = 0.5 * std::numbers::pi * (r - R) / D;
    fc = 0.5 - 0.5 * std::sin(arg);
    dfc = -0.25 * std::numbers::pi / D * std::cos(arg);
  }
}

// b(ζ) = (1 + (βζ)^n)^(-1/(2n)) and db/dζ (Tersoff 1989, Eq. 1c). Written with log1p so that
// b stays accurate when (βζ)^n is far below 1; for ζ = 0, b = 1 and, since every ζ term then
// vanishes together with its gradient, db/dζ is set to 0 rather than to the infinite limit of
// (βζ)^(n-1) for n < 1.
inline void bond_order(double beta, double n, double zeta, double& b, double& db) {
  const double x = beta * zeta;
  if (!(x > 0.0)) {
    b = 1.0;
    db = 0.0;
    return;
  }
  const double xn = std::pow(x, n);
  b = std::exp(-std::log1p(xn) / (2.0 * n));
  db = -0.5 * b * xn / ((1.0 + xn) * zeta);
}

// Largest |argument| of the exponential in ζ: e^69.0776 ≈ 1e30. Beyond it (atoms far inside
// each other with λ3 > 0) the exponential is held constant, as LAMMPS does, instead of
// overflowing.
constexpr double kMaxExponent = 69.0776;

// Below this many atoms the loops run on one thread: a force call then takes tens of
// microseconds, comparable to waking a team, and far less than a team costs on a loaded machine.
// The results do not depend on it (every per-atom quantity is computed the same way).
constexpr std::size_t kMinAtomsForThreads = 512;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Construction

Tersoff::Tersoff(const std::vector<TersoffEntry>& entries) {
  type_of_z_.fill(-1);
  for (const auto& entry : entries) {
    for (const int z : entry.z) {
      if (z < 1 || z > core::max_atomic_number()) {
        throw InputError("Tersoff entry with atomic number " + std::to_string(z) + ": not an element",
                         "atomic numbers run from 1 to " + std::to_string(core::max_atomic_number()));
      }
      if (type_of_z_[static_cast<std::size_t>(z)] < 0) {
        type_of_z_[static_cast<std::size_t>(z)] = static_cast<int>(elements_.size());
        elements_.push_back(z);
      }
    }
  }
  if (elements_.empty()) {
    throw InputError("the Tersoff potential has no entries", "give at least one entry, e.g. C C C");
  }
  num_types_ = elements_.size();
  triplets_.assign(num_types_ * num_types_ * num_types_, Triplet{});
  std::vector<bool> seen(triplets_.size(), false);
  for (const auto& entry : entries) {
    const auto [zi, zj, zk] = entry.z;
    const std::size_t ti = static_cast<std::size_t>(type_of_z_[static_cast<std::size_t>(zi)]);
    const std::size_t tj = static_cast<std::size_t>(type_of_z_[static_cast<std::size_t>(zj)]);
    const std::size_t tk = static_cast<std::size_t>(type_of_z_[static_cast<std::size_t>(zk)]);
    const std::size_t index = (ti * num_types_ + tj) * num_types_ + tk;
    if (seen[index]) {
      throw InputError("two Tersoff entries for " + triplet_name(zi, zj, zk), "keep one entry per triplet");
    }
    if (const auto problem = check_parameters(entry.parameters, zj == zk)) {
      throw InputError("Tersoff entry " + triplet_name(zi, zj, zk) + ": " + problem->message);
    }
    seen[index] = true;
    Triplet& t = triplets_[index];
    t.p = entry.parameters;
    t.m = entry.parameters.m == 1.0 ? 1 : 3;
    t.cut = t.p.R + t.p.D;
    t.c2 = t.p.c * t.p.c;
    t.d2 = t.p.d * t.p.d;
    t.g0 = t.p.gamma * (1.0 + t.c2 / t.d2);
    t.has_lambda3 = t.p.lambda3 != 0.0;
  }
  for (std::size_t index = 0; index < seen.size(); ++index) {
    if (!seen[index]) {
      const std::size_t tk = index % num_types_;
      const std::size_t tj = (index / num_types_) % num_types_;
      const std::size_t ti = index / (num_types_ * num_types_);
      throw InputError("no Tersoff entry for " + triplet_name(elements_[ti], elements_[tj], elements_[tk]),
                       "every ordered triplet of the elements needs an entry (" +
                           std::to_string(triplets_.size()) + " for " + std::to_string(num_types_) + " elements)");
    }
  }
  cutoff_ = 0.0;
  for (std::size_t ti = 0; ti < num_types_; ++ti) {
    for (std::size_t tj = 0; tj < num_types_; ++tj) {
      for (std::size_t tk = 0; tk < num_types_; ++tk) {
        Triplet& t = triplets_[(ti * num_types_ + tj) * num_types_ + tk];
        const Triplet& ik = triplets_[(ti * num_types_ + tk) * num_types_ + tk];
        t.same_cutoff_as_ik = t.p.R == ik.p.R && t.p.D == ik.p.D;
        cutoff_ = std::max(cutoff_, t.cut);
      }
    }
  }
}

namespace {

struct Token {
  std::string_view text;
  int line = 0;
  int column = 0;
};

}  // namespace

Tersoff Tersoff::from_file(const std::string& path, const std::vector<std::string>& elements) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw InputError(SourceLocation{path, 0, 0}, "cannot read the Tersoff parameter file '" + path + "'",
                     "check the path; Debian's lammps-data package installs LAMMPS' files in "
                     "/usr/share/lammps/potentials");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  auto at = [&](int line, int column) { return SourceLocation{path, line, column}; };

  // Requested elements: labels as in LAMMPS' pair_coeff, each standing for one element. These
  // errors are about the caller's list, not the file, so they carry no location (the caller
  // places them, e.g. at the TOML key).
  if (elements.empty()) {
    throw InputError("no elements given for the Tersoff potential in '" + path + "'",
                     "name the elements to take from the file, e.g. C");
  }
  std::vector<std::string> labels;  // distinct requested labels, in order
  std::vector<int> label_z;
  for (const auto& label : elements) {
    const auto z = element_of_label(label);
    if (!z) {
      const auto symbols = all_symbols();
      const std::string suggestion = core::did_you_mean(label, symbols);
      throw InputError("'" + label + "' is not an element symbol (Tersoff parameters from '" + path + "')",
                       suggestion.empty() ? "use symbols as in the file, e.g. C or Si" : suggestion);
    }
    if (std::find(labels.begin(), labels.end(), label) != labels.end()) continue;
    for (std::size_t k = 0; k < labels.size(); ++k) {
      if (label_z[k] == *z) {
        throw InputError("'" + labels[k] + "' and '" + label + "' are both " + std::string(core::symbol(*z)) +
                             " (Tersoff parameters from '" + path + "')",
                         "atoms are told apart by element only, so choose one label per element");
      }
    }
    labels.push_back(label);
    label_z.push_back(*z);
  }

  // Tokens with their positions; '#' starts a comment.
  std::vector<Token> tokens;
  int num_lines = 0;
  {
    std::size_t pos = 0;
    int line = 0;
    while (pos < text.size()) {
      std::size_t end = text.find('\n', pos);
      if (end == std::string::npos) end = text.size();
      ++line;
      std::string_view content(text.data() + pos, end - pos);
      if (const auto hash = content.find('#'); hash != std::string_view::npos) content = content.substr(0, hash);
      std::size_t i = 0;
      while (i < content.size()) {
        while (i < content.size() && std::isspace(static_cast<unsigned char>(content[i]))) ++i;
        const std::size_t start = i;
        while (i < content.size() && !std::isspace(static_cast<unsigned char>(content[i]))) ++i;
        if (i > start) tokens.push_back(Token{content.substr(start, i - start), line, static_cast<int>(start) + 1});
      }
      pos = end + 1;
    }
    num_lines = std::max(line, 1);
  }
  if (tokens.empty()) {
    throw InputError(at(num_lines, 0), "the Tersoff parameter file has no entries", kEntryLayout);
  }

  struct Parsed {
    TersoffEntry entry;
    std::array<std::size_t, 3> order{};  // positions of the labels in the requested list
    int line = 0;
  };
  std::vector<Parsed> kept;
  std::vector<std::string> file_labels;  // every label the file has entries for, in order
  std::size_t t = 0;
  int previous_entry_line = 0;
  while (t < tokens.size()) {
    const Token& first = tokens[t];
    std::array<std::string_view, 3> entry_labels{};
    std::array<int, 3> z{};
    for (std::size_t e = 0; e < 3; ++e) {
      if (t >= tokens.size()) {
        throw InputError(at(first.line, first.column),
                         "incomplete Tersoff entry at the end of the file: " + std::to_string(e) +
                             " element symbol(s) and no numbers",
                         kEntryLayout);
      }
      const Token& tok = tokens[t];
      if (core::parse_double(tok.text)) {
        std::string hint = kEntryLayout;
        if (previous_entry_line > 0) {
          hint = "the entry starting on line " + std::to_string(previous_entry_line) +
                 " may have more than 14 numbers; " + hint;
        }
        throw InputError(at(tok.line, tok.column),
                         "expected an element symbol, found the number '" + std::string(tok.text) + "'", hint);
      }
      const auto zz = element_of_label(tok.text);
      if (!zz) {
        const auto symbols = all_symbols();
        const std::string suggestion = core::did_you_mean(tok.text, symbols);
        throw InputError(at(tok.line, tok.column), "unknown element '" + std::string(tok.text) + "'",
                         suggestion.empty()
                             ? std::string("element symbols are case-sensitive (C, Si, Ge); ") + kEntryLayout
                             : suggestion);
      }
      entry_labels[e] = tok.text;
      z[e] = *zz;
      ++t;
    }
    const std::string entry_name =
        std::string(entry_labels[0]) + " " + std::string(entry_labels[1]) + " " + std::string(entry_labels[2]);
    TersoffParameters p;
    std::array<const Token*, 14> value_tokens{};
    for (std::size_t v = 0; v < 14; ++v) {
      if (t >= tokens.size()) {
        throw InputError(at(first.line, first.column),
                         "the Tersoff entry '" + entry_name + "' has " + std::to_string(v) +
                             " numbers and the file ends; expected 14",
                         kEntryLayout);
      }
      const Token& tok = tokens[t];
      const auto value = core::parse_double(tok.text);
      if (!value) {
        if (element_of_label(tok.text)) {
          throw InputError(at(first.line, first.column),
                           "the Tersoff entry '" + entry_name + "' has " + std::to_string(v) +
                               " numbers; expected 14 (the next entry starts at line " + std::to_string(tok.line) +
                               ", column " + std::to_string(tok.column) + ")",
                           kEntryLayout);
        }
        throw InputError(at(tok.line, tok.column),
                         "'" + std::string(tok.text) + "' is not a number (parameter '" + kParameterNames[v] +
                             "' of the entry starting on line " + std::to_string(first.line) + ")",
                         kEntryLayout);
      }
      parameter_ref(p, v) = *value;
      value_tokens[v] = &tok;
      ++t;
    }
    previous_entry_line = first.line;
    for (const auto label : entry_labels) {
      if (std::find(file_labels.begin(), file_labels.end(), label) == file_labels.end()) {
        file_labels.emplace_back(label);
      }
    }

    // Keep the entry if all three labels were requested.
    std::array<std::size_t, 3> position{};
    bool wanted = true;
    for (std::size_t e = 0; e < 3; ++e) {
      const auto it = std::find(labels.begin(), labels.end(), entry_labels[e]);
      if (it == labels.end()) {
        wanted = false;
        break;
      }
      position[e] = static_cast<std::size_t>(it - labels.begin());
    }
    if (!wanted) continue;
    if (const auto problem = check_parameters(p, z[1] == z[2])) {
      const Token& tok = *value_tokens[problem->index];
      throw InputError(at(tok.line, tok.column),
                       "Tersoff entry '" + entry_name + "': " + problem->message,
                       "see LAMMPS' pair_style tersoff documentation for the meaning of each parameter");
    }
    for (const auto& other : kept) {
      if (other.entry.z == z) {
        throw InputError(at(first.line, first.column),
                         "a second Tersoff entry for '" + entry_name + "'",
                         "the first one is on line " + std::to_string(other.line) + "; keep only one");
      }
    }
    kept.push_back(Parsed{TersoffEntry{z, p}, position, first.line});
  }

  // Every requested element needs entries, and every ordered triplet of them one entry. A missing
  // one is reported at the end of the file, where it could be added.
  for (const auto& label : labels) {
    if (std::find(file_labels.begin(), file_labels.end(), label) == file_labels.end()) {
      throw InputError(at(num_lines, 0), "the Tersoff parameter file has no entries for '" + label + "'",
                       "it has entries for " + core::join(file_labels, ", ") + "; use another file or other elements");
    }
  }
  for (std::size_t a = 0; a < labels.size(); ++a) {
    for (std::size_t b = 0; b < labels.size(); ++b) {
      for (std::size_t c = 0; c < labels.size(); ++c) {
        const std::array<int, 3> z{label_z[a], label_z[b], label_z[c]};
        const bool found = std::any_of(kept.begin(), kept.end(), [&](const Parsed& e) { return e.entry.z == z; });
        if (!found) {
          const std::size_t n = labels.size();
          throw InputError(at(num_lines, 0),
                           "no Tersoff entry for '" + labels[a] + " " + labels[b] + " " + labels[c] + "'",
                           "with the elements " + core::join(labels, ", ") + " the file needs an entry for each of the " +
                               std::to_string(n * n * n) + " ordered triplets");
        }
      }
    }
  }
  // In the order of the requested elements, so that atomic_numbers() follows the caller's list.
  std::sort(kept.begin(), kept.end(), [](const Parsed& x, const Parsed& y) { return x.order < y.order; });
  std::vector<TersoffEntry> entries;
  entries.reserve(kept.size());
  for (const auto& e : kept) entries.push_back(e.entry);
  return Tersoff(entries);
}

bool Tersoff::supports(int z) const {
  return z >= 0 && z < static_cast<int>(type_of_z_.size()) && type_of_z_[static_cast<std::size_t>(z)] >= 0;
}

std::string Tersoff::supported_species() const {
  std::string list;
  for (const int z : elements_) list += (list.empty() ? "" : ", ") + std::string(core::symbol(z));
  return list;
}

const TersoffParameters& Tersoff::parameters(int zi, int zj, int zk) const {
  if (!supports(zi) || !supports(zj) || !supports(zk)) {
    throw InputError("the Tersoff potential has no parameters for this triplet",
                     "it has parameters for " + supported_species());
  }
  return triplet(type_of_z_[static_cast<std::size_t>(zi)], type_of_z_[static_cast<std::size_t>(zj)],
                 type_of_z_[static_cast<std::size_t>(zk)])
      .p;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

void Tersoff::assign_types(const core::System& system) {
  const auto z = system.atomic_numbers();
  types_.resize(z.size());
  for (std::size_t i = 0; i < z.size(); ++i) {
    const int type = supports(z[i]) ? type_of_z_[static_cast<std::size_t>(z[i])] : -1;
    if (type < 0) {
      throw InputError("the Tersoff potential has no parameters for " +
                           (z[i] >= 1 && z[i] <= core::max_atomic_number() ? std::string(core::symbol(z[i]))
                                                                           : "Z = " + std::to_string(z[i])) +
                           " (atom " + std::to_string(system.ids()[i]) + ")",
                       "it has parameters for " + supported_species() +
                           "; use a .tersoff file with entries for every element of the system");
    }
    types_[i] = type;
  }
}

void Tersoff::build_bonds(const core::System& system, const core::NeighborList& neighbors) {
  const std::size_t n = system.num_atoms();
  const auto x = system.positions();
  const auto offsets = neighbors.offsets();
  const auto js = neighbors.neighbors();
  const auto sids = neighbors.shift_ids();
  neighbors.cartesian_shifts(system.cell(), shifts_);

  // Pass 1: how many neighbours of each atom lie within the cutoff. The pair vector is formed as
  // (x_j - x_i) + n·H in both passes, so both give the same answer, and the vector of the
  // reverse pair is the exact negative of it (the short list is symmetric).
  const double cut2 = cutoff_ * cutoff_;
  bond_offsets_.resize(n + 1);
  bond_offsets_[0] = 0;
#pragma omp parallel for schedule(static) if (n >= kMinAtomsForThreads)
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t count = 0;
    for (std::size_t p = offsets[i]; p < offsets[i + 1]; ++p) {
      const Vec3 d = (x[static_cast<std::size_t>(js[p])] - x[i]) + shifts_[sids[p]];
      if (d.squaredNorm() < cut2) ++count;
    }
    bond_offsets_[i + 1] = count;
  }
  for (std::size_t i = 0; i < n; ++i) bond_offsets_[i + 1] += bond_offsets_[i];
  const std::size_t num_bonds = bond_offsets_[n];
  bonds_.resize(num_bonds);
  bond_shift_.resize(num_bonds);

  // Pass 2: the bonds, with f_C of the pair entry (i, j, j).
#pragma omp parallel for schedule(static) if (n >= kMinAtomsForThreads)
  for (std::size_t i = 0; i < n; ++i) {
    const int ti = types_[i];
    std::size_t b = bond_offsets_[i];
    for (std::size_t p = offsets[i]; p < offsets[i + 1]; ++p) {
      const std::size_t j = static_cast<std::size_t>(js[p]);
      const Vec3 d = (x[j] - x[i]) + shifts_[sids[p]];
      const double r2 = d.squaredNorm();
      if (!(r2 < cut2)) continue;
      Bond& bond = bonds_[b];
      bond.d = d;
      bond.r = std::sqrt(r2);
      bond.j = static_cast<std::int32_t>(j);
      bond.type = types_[j];
      const Triplet& pair = triplet(ti, bond.type, bond.type);
      cutoff_function(pair.p.R, pair.p.D, bond.r, bond.fc, bond.dfc);
      bond_shift_[b] = sids[p];
      ++b;
    }
  }
}

void Tersoff::find_reverse_bonds(const core::NeighborList& neighbors) {
  const std::size_t n = types_.size();
  const std::size_t num_bonds = bonds_.size();
  reverse_.resize(num_bonds);

  // Shift id of -n for every shift id n: sort the ids by their shift and binary-search the
  // negation. (A dense grid over the shifts would grow with the cube of how far unwrapped
  // positions have drifted in a long run.)
  const auto table = neighbors.shift_table();
  shift_order_.resize(table.size());
  for (std::size_t id = 0; id < table.size(); ++id) shift_order_[id] = static_cast<std::uint32_t>(id);
  std::sort(shift_order_.begin(), shift_order_.end(),
            [&](std::uint32_t a, std::uint32_t b) { return table[a] < table[b]; });
  negated_shift_.resize(table.size());
  for (std::size_t id = 0; id < table.size(); ++id) {
    const std::array<std::int32_t, 3> neg{-table[id][0], -table[id][1], -table[id][2]};
    const auto it = std::lower_bound(shift_order_.begin(), shift_order_.end(), neg,
                                     [&](std::uint32_t a, const std::array<std::int32_t, 3>& v) { return table[a] < v; });
    IONCYCLE_ASSERT(it != shift_order_.end() && table[*it] == neg, "Tersoff: a full list holds every shift and its negation");
    negated_shift_[id] = *it;
  }

  // For every bond i -> j (image n) the bond j -> i (image -n), so that forces can be
  // gathered per atom without write conflicts between threads.
#pragma omp parallel for schedule(static) if (n >= kMinAtomsForThreads)
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t b = bond_offsets_[i]; b < bond_offsets_[i + 1]; ++b) {
      const std::size_t j = static_cast<std::size_t>(bonds_[b].j);
      const std::uint32_t back = negated_shift_[bond_shift_[b]];
      std::size_t found = num_bonds;
      for (std::size_t c = bond_offsets_[j]; c < bond_offsets_[j + 1]; ++c) {
        if (static_cast<std::size_t>(bonds_[c].j) == i && bond_shift_[c] == back) {
          found = c;
          break;
        }
      }
      IONCYCLE_ASSERT(found < num_bonds, "Tersoff: the neighbor list is not symmetric (full list expected)");
      reverse_[b] = found;
    }
  }
}

void Tersoff::compute_bonds(bool want_gradient) {
  const std::size_t n = types_.size();
  std::size_t max_bonds = 0;
  for (std::size_t i = 0; i < n; ++i) max_bonds = std::max(max_bonds, bond_offsets_[i + 1] - bond_offsets_[i]);
  const std::size_t num_threads = static_cast<std::size_t>(std::max(1, omp_get_max_threads()));
  if (thread_scratch_.size() < num_threads) thread_scratch_.resize(num_threads);
  for (auto& scratch : thread_scratch_) {
    if (scratch.size() < max_bonds) scratch.resize(max_bonds);
  }
  gradient_.resize(bonds_.size());
  bond_energy_.resize(bonds_.size());
  atom_energy_.resize(n);
  atom_virial_.resize(want_gradient ? n : 0);

#pragma omp parallel if (n >= kMinAtomsForThreads)
  {
    std::vector<Vec3>& dzeta_dik = thread_scratch_[static_cast<std::size_t>(omp_get_thread_num())];
#pragma omp for schedule(dynamic, 64)
    for (std::size_t i = 0; i < n; ++i) {
      const int ti = types_[i];
      const std::size_t b0 = bond_offsets_[i];
      const std::size_t b1 = bond_offsets_[i + 1];
      double site_energy = 0.0;
      if (want_gradient) {
        for (std::size_t b = b0; b < b1; ++b) gradient_[b].setZero();
      }
      for (std::size_t bj = b0; bj < b1; ++bj) {
        const Bond& ij = bonds_[bj];
        const Triplet& pair = triplet(ti, ij.type, ij.type);
        if (!(ij.r < pair.cut)) {
          bond_energy_[bj] = 0.0;
          continue;
        }
        const double inv_rij = 1.0 / ij.r;
        const Vec3 u_ij = ij.d * inv_rij;

        // ζ_ij = Σ_k f_C(r_ik) g(θ_ijk) exp[(λ3 (r_ij - r_ik))^m] (Tersoff 1989, Eq. 1d, LAMMPS
        // form) and, for forces, its gradients with respect to d_ij (summed) and d_ik (per k).
        double zeta = 0.0;
        Vec3 dzeta_dij = Vec3::Zero();
        for (std::size_t bk = b0; bk < b1; ++bk) {
          if (bk == bj) continue;
          const Bond& ik = bonds_[bk];
          const Triplet& t = triplet(ti, ij.type, ik.type);
          if (!(ik.r < t.cut)) {
            if (want_gradient) dzeta_dik[bk - b0].setZero();
            continue;
          }
          double fc = ik.fc;
          double dfc = ik.dfc;
          if (!t.same_cutoff_as_ik) cutoff_function(t.p.R, t.p.D, ik.r, fc, dfc);

          const double inv_rik = 1.0 / ik.r;
          const Vec3 u_ik = ik.d * inv_rik;
          const double cos_theta = u_ij.dot(u_ik);
          // g(θ) = γ (1 + c²/d² - c²/(d² + (cosθ0 - cosθ)²)) (Tersoff 1989, Eq. 1e).
          const double h = t.p.costheta0 - cos_theta;
          const double denominator = t.d2 + h * h;
          const double g = t.g0 - t.p.gamma * t.c2 / denominator;
          // dg/dcosθ = -2 γ c² (cosθ0 - cosθ) / (d² + (cosθ0 - cosθ)²)²
          const double dg = -2.0 * t.p.gamma * t.c2 * h / (denominator * denominator);

          // exp[(λ3 (r_ij - r_ik))^m] and its derivative with respect to r_ij (= - that to r_ik).
          double ex = 1.0;
          double dex = 0.0;
          if (t.has_lambda3) {
            const double u = t.p.lambda3 * (ij.r - ik.r);
            double arg = u;
            double darg = t.p.lambda3;
            if (t.m == 3) {
              arg = u * u * u;
              darg = 3.0 * t.p.lambda3 * u * u;
            }
            if (arg > kMaxExponent || arg < -kMaxExponent) {
              arg = std::clamp(arg, -kMaxExponent, kMaxExponent);
              darg = 0.0;
            }
            ex = std::exp(arg);
            dex = ex * darg;
          }
          zeta += fc * g * ex;

          if (want_gradient) {
            // ∂cosθ/∂d_ij = (u_ik - cosθ u_ij)/r_ij,  ∂cosθ/∂d_ik = (u_ij - cosθ u_ik)/r_ik.
            const Vec3 dcos_dij = (u_ik - cos_theta * u_ij) * inv_rij;
            const Vec3 dcos_dik = (u_ij - cos_theta * u_ik) * inv_rik;
            dzeta_dij += fc * (dg * ex * dcos_dij + g * dex * u_ij);
            dzeta_dik[bk - b0] = dfc * g * ex * u_ik + fc * (dg * ex * dcos_dik - g * dex * u_ik);
          }
        }

        double b = 1.0;
        double db = 0.0;
        bond_order(pair.p.beta, pair.p.n, zeta, b, db);
        // V_ij = f_C (f_R + b_ij f_A) with f_R = A e^(-λ1 r), f_A = -B e^(-λ2 r) (Tersoff 1988, Eq. 2).
        const double f_r = pair.p.A * std::exp(-pair.p.lambda1 * ij.r);
        const double f_a = -pair.p.B * std::exp(-pair.p.lambda2 * ij.r);
        const double v = ij.fc * (f_r + b * f_a);
        bond_energy_[bj] = v;
        site_energy += 0.5 * v;

        if (want_gradient) {
          // E holds 1/2 V_ij for this ordered pair; its gradient with respect to the pair vectors:
          //   ∂/∂d_ij: 1/2 [f_C' (f_R + b f_A) + f_C (f_R' + b f_A')] u_ij + 1/2 f_C f_A b'(ζ) ∂ζ/∂d_ij
          //   ∂/∂d_ik: 1/2 f_C f_A b'(ζ) ∂ζ/∂d_ik
          const double dv_dr = ij.dfc * (f_r + b * f_a) + ij.fc * (-pair.p.lambda1 * f_r - b * pair.p.lambda2 * f_a);
          const double de_dzeta = 0.5 * ij.fc * f_a * db;
          gradient_[bj] += 0.5 * dv_dr * u_ij + de_dzeta * dzeta_dij;
          if (de_dzeta != 0.0) {
            for (std::size_t bk = b0; bk < b1; ++bk) {
              if (bk != bj) gradient_[bk] += de_dzeta * dzeta_dik[bk - b0];
            }
          }
        }
      }
      atom_energy_[i] = site_energy;
      if (want_gradient) {
        // W = Σ d ⊗ F_on_neighbour = -Σ d ⊗ ∂E/∂d over the pair vectors of atom i.
        Mat3 w = Mat3::Zero();
        for (std::size_t b = b0; b < b1; ++b) w.noalias() -= bonds_[b].d * gradient_[b].transpose();
        atom_virial_[i] = w;
      }
    }
  }
}

void Tersoff::compute(const core::System& system, const core::NeighborList& neighbors, const ForceRequest& request,
                      ForceResult& result) {
  const std::size_t n = system.num_atoms();
  IONCYCLE_ASSERT(neighbors.kind() == core::NeighborKind::full, "Tersoff needs a full neighbor list");
  IONCYCLE_ASSERT(neighbors.num_atoms() == n, "neighbor list built for another system");
  IONCYCLE_ASSERT(neighbors.options().cutoff >= cutoff_ * (1.0 - 1e-12),
                  "neighbor list shorter than the Tersoff cutoff");

  assign_types(system);
  build_bonds(system, neighbors);
  const bool want_gradient = request.forces || request.virial;
  compute_bonds(want_gradient);
  if (request.forces || request.per_atom_energy) find_reverse_bonds(neighbors);

  // Totals in atom order: the same sum for any number of threads.
  double energy = 0.0;
  for (std::size_t i = 0; i < n; ++i) energy += atom_energy_[i];
  result.energy = energy;

  if (request.virial) {
    Mat3 w = Mat3::Zero();
    for (std::size_t i = 0; i < n; ++i) w += atom_virial_[i];
    result.virial = w;
  } else {
    result.virial.setZero();
  }

  if (request.forces) result.forces.resize(n);
  if (request.per_atom_energy) result.per_atom_energy.resize(n);
  if (request.forces || request.per_atom_energy) {
    // Gather per atom: d_ij = x_j - x_i + n·H, so ∂E/∂x_i = -Σ_j ∂E/∂d_ij + Σ_j ∂E/∂d_ji over the
    // bonds of i and the reverse bonds pointing at i. Per-atom energy as LAMMPS' pe/atom: each
    // bond term 1/2 V_ij is shared half and half between i and j.
#pragma omp parallel for schedule(static) if (n >= kMinAtomsForThreads)
    for (std::size_t i = 0; i < n; ++i) {
      Vec3 f = Vec3::Zero();
      double e = 0.0;
      for (std::size_t b = bond_offsets_[i]; b < bond_offsets_[i + 1]; ++b) {
        if (request.forces) f += gradient_[b] - gradient_[reverse_[b]];
        e += bond_energy_[b] + bond_energy_[reverse_[b]];
      }
      if (request.forces) result.forces[i] = f;
      if (request.per_atom_energy) result.per_atom_energy[i] = 0.25 * e;
    }
  }
}

std::string Tersoff::fingerprint() const {
  std::vector<int> sorted = elements_;
  std::sort(sorted.begin(), sorted.end());
  core::Sha256 hash;
  for (const int zi : sorted) {
    for (const int zj : sorted) {
      for (const int zk : sorted) {
        const TersoffParameters& p = parameters(zi, zj, zk);
        std::string line = std::to_string(zi) + " " + std::to_string(zj) + " " + std::to_string(zk);
        for (const double v : {p.m, p.gamma, p.lambda3, p.c, p.d, p.costheta0, p.n, p.beta, p.lambda2, p.B, p.R,
                               p.D, p.lambda1, p.A}) {
          line += " " + core::hex_double(v);
        }
        hash.update(line + "\n");
      }
    }
  }
  return "tersoff sha256=" + hash.hex_digest();
}

}  // namespace ioncycle::potentials
