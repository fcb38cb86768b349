// SPDX-License-Identifier: MIT
#include "potentials/d3_parameters.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "potentials/data_files.hpp"

namespace ioncycle::potentials {

namespace {

constexpr std::string_view kFormatLine = "ioncycle-d3-table 1";
constexpr const char* kSetupHint =
    "run ./scripts/setup, which writes it from the torch-dftd package (python/d3_tables.py), or set "
    "IONCYCLE_D3_TABLE to such a file";

std::size_t pair_index(int zi, int zj) {
  // Upper triangle, zi <= zj, both 1-based: row i (0-based) starts after rows 0..i-1 of
  // n, n-1, ... entries.
  const auto i = static_cast<std::size_t>(zi - 1);
  const auto j = static_cast<std::size_t>(zj - 1);
  const auto n = static_cast<std::size_t>(D3Table::kMaxZ);
  return i * (2 * n - i + 1) / 2 + (j - i);
}

// Published D3(BJ) parameters. The values equal the `dftd3` package's parameters.toml (s-dftd3
// 1.x); test_d3.cpp compares every entry with that file.
constexpr D3Functional kFunctionals[] = {
    {"pbe", "pbe", {1.0, 0.4289, 0.7875, 4.4407}, "Grimme, Ehrlich, Goerigk, J. Comput. Chem. 32, 1456 (2011)"},
    {"pbe0", "pbe0", {1.0, 0.4145, 1.2177, 4.8593}, "Grimme, Ehrlich, Goerigk, J. Comput. Chem. 32, 1456 (2011)"},
    {"revpbe", "revpbe", {1.0, 0.5238, 2.3550, 3.5016}, "Grimme, Ehrlich, Goerigk, J. Comput. Chem. 32, 1456 (2011)"},
    {"blyp", "blyp", {1.0, 0.4298, 2.6996, 4.2359}, "Grimme, Ehrlich, Goerigk, J. Comput. Chem. 32, 1456 (2011)"},
    {"bp86", "bp", {1.0, 0.3946, 3.2822, 4.8516}, "Grimme, Ehrlich, Goerigk, J. Comput. Chem. 32, 1456 (2011)"},
    {"b3lyp", "b3lyp", {1.0, 0.3981, 1.9889, 4.4211}, "Grimme, Ehrlich, Goerigk, J. Comput. Chem. 32, 1456 (2011)"},
    {"tpss", "tpss", {1.0, 0.4535, 1.9435, 4.4752}, "Grimme, Ehrlich, Goerigk, J. Comput. Chem. 32, 1456 (2011)"},
    {"pbesol", "pbesol", {1.0, 0.4466, 2.9491, 6.1742}, "Goerigk, Grimme, Phys. Chem. Chem. Phys. 13, 6670 (2011)"},
    {"hse06", "hse06", {1.0, 0.383, 2.310, 5.685}, "Moellmann, Grimme, J. Phys. Chem. C 118, 7615 (2014)"},
    {"r2scan", "r2scan", {1.0, 0.49484001, 0.78981345, 5.73083694},
     "Ehlert, Huniar, Grimme et al., J. Chem. Phys. 154, 061101 (2021)"},
};

class Parser {
 public:
  Parser(std::string path, std::istream& in) : path_(std::move(path)), in_(in) {}

  // The next line that is neither blank nor a comment, split into tokens; empty at the end.
  std::vector<std::string_view> next() {
    while (std::getline(in_, line_)) {
      ++line_number_;
      const std::string_view t = core::trim(line_);
      if (t.empty() || t.front() == '#') continue;
      return core::split_whitespace(line_);
    }
    return {};
  }

  [[noreturn]] void fail(const std::string& message) const {
    throw InputError(SourceLocation{path_, line_number_, 0},
                     "the D3 reference table is corrupt: " + message, kSetupHint);
  }

  int integer(std::string_view token, const char* what) const {
    const auto v = core::parse_integer(token);
    if (!v) fail(std::string("expected an integer for ") + what + ", got '" + std::string(token) + "'");
    return static_cast<int>(*v);
  }

  double number(std::string_view token, const char* what) const {
    const auto v = core::parse_double(token);
    if (!v) fail(std::string("expected a number for ") + what + ", got '" + std::string(token) + "'");
    return *v;
  }

  void expect_keyword(const std::vector<std::string_view>& tokens, std::string_view keyword,
                      std::size_t min_tokens) const {
    if (tokens.empty()) fail("the file ends early, expected '" + std::string(keyword) + "'");
    if (tokens[0] != keyword) {
      fail("expected '" + std::string(keyword) + "', got '" + std::string(tokens[0]) + "'");
    }
    if (tokens.size() < min_tokens) fail("too few values on this '" + std::string(keyword) + "' line");
  }

 private:
  std::string path_;
  std::istream& in_;
  std::string line_;
  int line_number_ = 0;
};

}  // namespace

double D3Table::c6(int zi, int zj, int a, int b) const {
  if (zi > zj) {
    std::swap(zi, zj);
    std::swap(a, b);
  }
  const std::size_t offset = pair_offset_[pair_index(zi, zj)];
  return c6_[offset + static_cast<std::size_t>(a * num_refs(zj) + b)];
}

D3Table D3Table::load(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    throw InputError(SourceLocation{path, 0, 0}, "cannot read the D3 reference table", kSetupHint);
  }
  D3Table table;
  table.path_ = path;
  Parser p(path, file);

  auto tokens = p.next();
  if (tokens.empty()) p.fail("the file is empty");
  {
    std::string first;
    for (const auto t : tokens) first += (first.empty() ? "" : " ") + std::string(t);
    if (first != kFormatLine) p.fail("the first line must be '" + std::string(kFormatLine) + "', got '" + first + "'");
  }

  tokens = p.next();
  p.expect_keyword(tokens, "elements", 2);
  if (p.integer(tokens[1], "the number of elements") != kMaxZ) {
    p.fail("expected " + std::to_string(kMaxZ) + " elements, got " + std::string(tokens[1]));
  }
  for (int z = 1; z <= kMaxZ; ++z) {
    tokens = p.next();
    p.expect_keyword(tokens, "element", 5);
    if (p.integer(tokens[1], "Z") != z) p.fail("expected element " + std::to_string(z) + ", got " + std::string(tokens[1]));
    const int n = p.integer(tokens[2], "the number of references");
    if (n < 1 || n > kMaxRefs) p.fail("element " + std::to_string(z) + " has " + std::to_string(n) + " references");
    if (tokens.size() != static_cast<std::size_t>(5 + n)) {
      p.fail("element " + std::to_string(z) + " needs " + std::to_string(5 + n) + " fields, got " +
             std::to_string(tokens.size()));
    }
    const auto iz = static_cast<std::size_t>(z);
    table.num_refs_[iz] = n;
    table.rcov_[iz] = p.number(tokens[3], "rcov");
    table.r2r4_[iz] = p.number(tokens[4], "r2r4");
    if (!(table.rcov_[iz] > 0.0) || !(table.r2r4_[iz] > 0.0)) p.fail("rcov and r2r4 must be positive");
    for (int a = 0; a < n; ++a) {
      const double cn = p.number(tokens[5 + static_cast<std::size_t>(a)], "a reference CN");
      if (cn < 0.0) p.fail("a reference CN is negative");
      table.cn_ref_[iz * kMaxRefs + static_cast<std::size_t>(a)] = cn;
    }
  }

  tokens = p.next();
  p.expect_keyword(tokens, "pairs", 2);
  const std::size_t num_pairs = static_cast<std::size_t>(kMaxZ) * (kMaxZ + 1) / 2;
  if (p.integer(tokens[1], "the number of pairs") != static_cast<int>(num_pairs)) {
    p.fail("expected " + std::to_string(num_pairs) + " pairs, got " + std::string(tokens[1]));
  }
  table.pair_offset_.assign(num_pairs, ~std::size_t{0});
  table.c6_.reserve(num_pairs * 9);
  for (std::size_t k = 0; k < num_pairs; ++k) {
    tokens = p.next();
    p.expect_keyword(tokens, "pair", 3);
    const int zi = p.integer(tokens[1], "Zi");
    const int zj = p.integer(tokens[2], "Zj");
    if (zi < 1 || zj > kMaxZ || zi > zj) p.fail("a pair needs 1 <= Zi <= Zj <= " + std::to_string(kMaxZ));
    const std::size_t index = pair_index(zi, zj);
    if (table.pair_offset_[index] != ~std::size_t{0}) {
      p.fail("pair " + std::to_string(zi) + " " + std::to_string(zj) + " appears twice");
    }
    const std::size_t count = static_cast<std::size_t>(table.num_refs(zi) * table.num_refs(zj));
    if (tokens.size() != 3 + count) {
      p.fail("pair " + std::to_string(zi) + " " + std::to_string(zj) + " needs " + std::to_string(count) +
             " C6 values, got " + std::to_string(tokens.size() - 3));
    }
    table.pair_offset_[index] = table.c6_.size();
    for (std::size_t c = 0; c < count; ++c) {
      const double v = p.number(tokens[3 + c], "C6");
      if (!(v > 0.0)) p.fail("C6 values must be positive");
      table.c6_.push_back(v);
    }
  }
  tokens = p.next();
  p.expect_keyword(tokens, "end", 1);
  return table;
}

std::string default_d3_table_path() {
  return find_deployed_file("IONCYCLE_D3_TABLE", "models/d3/dftd3-reference.txt");
}

std::span<const D3Functional> d3_functionals() { return kFunctionals; }

D3Damping d3_damping(std::string_view functional) {
  const std::string key = core::to_lower(core::trim(functional));
  for (const auto& f : kFunctionals) {
    if (f.name == key) return f.damping;
  }
  std::vector<std::string> names;
  for (const auto& f : kFunctionals) names.emplace_back(f.name);
  const std::string suggestion = core::did_you_mean(key, names);
  throw InputError("no D3(BJ) parameters for the functional '" + std::string(functional) + "'" +
                       (suggestion.empty() ? "" : "; " + suggestion),
                   "known functionals: " + core::join(names, ", ") +
                       "; or give s6, a1, s8 and a2 explicitly");
}

}  // namespace ioncycle::potentials
