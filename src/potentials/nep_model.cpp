// SPDX-License-Identifier: MIT
#include "potentials/nep_model.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::potentials {

namespace {

constexpr const char* kFormatHint =
    "a nep.txt as GPUMD or TorchNEP write it: header lines nep4 (or nep3, nep4_zbl), [zbl], cutoff, n_max, "
    "basis_size, l_max, ANN, then one number per line (docs/models.md, 'NEP models')";

/// One whitespace-separated word of the file with its position.
struct Word {
  std::string_view text;
  int line = 0;
  int column = 0;
};

class NepReader {
 public:
  explicit NepReader(std::string path) : path_(std::move(path)) {
    std::ifstream in(path_, std::ios::binary);
    if (!in) throw InputError(SourceLocation{path_, 0, 0}, "cannot open the NEP model file", "check the path");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text_ = buffer.str();
    std::size_t start = 0;
    while (start <= text_.size()) {
      std::size_t end = text_.find('\n', start);
      if (end == std::string::npos) end = text_.size();
      lines_.push_back(std::string_view(text_).substr(start, end - start));
      start = end + 1;
    }
  }

  [[nodiscard]] const std::string& path() const { return path_; }

  [[noreturn]] void fail(int line, int column, const std::string& message, const std::string& hint = kFormatHint) const {
    throw InputError(SourceLocation{path_, line, column}, message, hint);
  }
  [[noreturn]] void fail(const Word& w, const std::string& message, const std::string& hint = kFormatHint) const {
    fail(w.line, w.column, message, hint);
  }

  /// The words of the next non-blank line; fails at the end of the file naming `expected`.
  std::vector<Word> header_line(const std::string& expected) {
    while (next_line_ < lines_.size()) {
      const std::size_t index = next_line_++;
      std::vector<Word> words = words_of(index);
      if (!words.empty()) return words;
    }
    fail(static_cast<int>(lines_.size()), 1, "the file ends before the '" + expected + "' line");
  }

  /// The header line `keyword ...`, checked to start with `keyword`.
  std::vector<Word> keyword_line(const std::string& keyword) {
    std::vector<Word> words = header_line(keyword);
    if (words.front().text != keyword) {
      fail(words.front(), "expected the '" + keyword + "' line here, found '" + std::string(words.front().text) + "'");
    }
    return words;
  }

  /// Every remaining word: the parameters.
  std::vector<Word> rest() {
    std::vector<Word> words;
    for (; next_line_ < lines_.size(); ++next_line_) {
      std::vector<Word> line = words_of(next_line_);
      words.insert(words.end(), line.begin(), line.end());
    }
    return words;
  }

  [[nodiscard]] int last_line() const {
    int last = 1;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (!core::trim(lines_[i]).empty()) last = static_cast<int>(i) + 1;
    }
    return last;
  }

  double number(const Word& w, const std::string& what) const {
    const auto value = core::parse_double(w.text);
    if (!value || !std::isfinite(*value)) {
      fail(w, what + " must be a finite number, found '" + std::string(w.text) + "'");
    }
    return *value;
  }

  int integer(const Word& w, const std::string& what, int low, int high) const {
    const auto value = core::parse_integer(w.text);
    if (!value) fail(w, what + " must be an integer, found '" + std::string(w.text) + "'");
    if (*value < low || *value > high) {
      fail(w, what + " must be between " + std::to_string(low) + " and " + std::to_string(high) + ", found " +
                  std::to_string(*value));
    }
    return static_cast<int>(*value);
  }

 private:
  std::vector<Word> words_of(std::size_t index) const {
    std::vector<Word> words;
    const std::string_view line = lines_[index];
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])) != 0) ++i;
      if (i >= line.size()) break;
      const std::size_t start = i;
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])) == 0) ++i;
      words.push_back({line.substr(start, i - start), static_cast<int>(index) + 1, static_cast<int>(start) + 1});
    }
    return words;
  }

  std::string path_;
  std::string text_;
  std::vector<std::string_view> lines_;
  std::size_t next_line_ = 0;
};

void require_count(const NepReader& r, const std::vector<Word>& words, std::size_t low, std::size_t high,
                   const std::string& form) {
  if (words.size() < low || words.size() > high) {
    const Word& at = words.size() < low ? words.back() : words[high];
    r.fail(at, "the '" + std::string(words.front().text) + "' line must read '" + form + "'");
  }
}

}  // namespace

double NepModel::max_cutoff() const {
  double rc = 0.0;
  for (double r : rc_radial) rc = std::max(rc, r);
  for (double r : rc_angular) rc = std::max(rc, r);
  return rc;
}

std::size_t NepModel::num_parameters() const {
  std::size_t n = 1 + c_radial.size() + c_angular.size();
  for (const Network& net : networks) n += net.w0.size() + net.b0.size() + net.w1.size();
  return n;
}

std::string NepModel::summary() const {
  std::ostringstream out;
  out << version << (zbl ? "_zbl" : "") << ", " << elements.size() << " element" << (elements.size() == 1 ? "" : "s")
      << " (";
  for (std::size_t t = 0; t < elements.size(); ++t) out << (t ? " " : "") << core::symbol(elements[t]);
  const auto [rr_min, rr_max] = std::minmax_element(rc_radial.begin(), rc_radial.end());
  const auto [ra_min, ra_max] = std::minmax_element(rc_angular.begin(), rc_angular.end());
  out << "), cutoff " << core::format_double(*rr_max) << "/" << core::format_double(*ra_max) << " A";
  if (*rr_min != *rr_max || *ra_min != *ra_max) out << " (per element)";
  out << ", n_max " << n_max_radial << "/" << n_max_angular << ", basis " << basis_radial << "/" << basis_angular
      << ", l_max " << l_max << " " << (q4 ? 2 : 0) << " " << (q5 ? 1 : 0) << (q112 ? " 1" : "") << ", " << neurons
      << " neurons, " << num_parameters() << " parameters";
  if (zbl) {
    out << ", ZBL "
        << (zbl_flexible ? std::string("flexible (per pair)")
                         : core::format_double(zbl_rc_inner) + "-" + core::format_double(zbl_rc_outer) + " A");
  }
  return out.str();
}

bool looks_like_nep_file(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  if (!(in >> word)) return false;
  return word.rfind("nep3", 0) == 0 || word.rfind("nep4", 0) == 0 || word.rfind("nep5", 0) == 0;
}

NepModel read_nep_model(const std::string& path) {
  NepReader r(path);
  NepModel m;
  m.path = path;

  // Line 1: version and elements.
  const std::vector<Word> head = r.header_line("nep4");
  const std::string version(head.front().text);
  if (version == "nep3" || version == "nep3_zbl" || version == "nep4" || version == "nep4_zbl") {
    m.version = version.substr(0, 4);
    m.zbl = version.size() > 4;
    m.per_type_ann = m.version == "nep4";
  } else if (version.rfind("nep", 0) == 0 &&
             (version.find("dipole") != std::string::npos || version.find("polarizability") != std::string::npos ||
              version.find("temperature") != std::string::npos)) {
    r.fail(head.front(), "'" + version + "' is not an energy model; ioncycle runs NEP potentials (nep3, nep4, "
                         "nep3_zbl, nep4_zbl)", "train the model as a potential (model_type 0)");
  } else {
    r.fail(head.front(), "unknown NEP version '" + version + "'; ioncycle reads nep3, nep4, nep3_zbl and nep4_zbl");
  }
  if (head.size() < 2) r.fail(head.front(), "the first line must give the number of elements and their symbols");
  const int num_types = r.integer(head[1], "the number of elements", 1, 118);
  if (head.size() != static_cast<std::size_t>(num_types) + 2) {
    r.fail(head.size() > static_cast<std::size_t>(num_types) + 2 ? head[static_cast<std::size_t>(num_types) + 2]
                                                                   : head.back(),
           "the first line names " + std::to_string(head.size() - 2) + " element(s) but declares " +
               std::to_string(num_types));
  }
  for (int t = 0; t < num_types; ++t) {
    const Word& w = head[static_cast<std::size_t>(t) + 2];
    const auto z = core::find_atomic_number(w.text);
    if (!z) {
      std::vector<std::string> symbols;
      for (int k = 1; k <= core::max_atomic_number(); ++k) symbols.emplace_back(core::symbol(k));
      const std::string hint = core::did_you_mean(w.text, symbols);
      r.fail(w, "unknown element '" + std::string(w.text) + "'",
             hint.empty() ? "element symbols are case-sensitive, as in 'Li' or 'C'" : hint);
    }
    if (std::find(m.elements.begin(), m.elements.end(), *z) != m.elements.end()) {
      r.fail(w, "element '" + std::string(w.text) + "' is listed twice");
    }
    m.elements.push_back(*z);
  }
  const auto T = static_cast<std::size_t>(num_types);

  if (m.zbl) {
    const std::vector<Word> z = r.keyword_line("zbl");
    require_count(r, z, 3, 4, "zbl RC_INNER RC_OUTER");
    if (z.size() == 4) {
      r.fail(z[3], "typewise ZBL cutoffs (a third number on the 'zbl' line) are not supported",
             "train with one global ZBL range (GPUMD's 'zbl RC_OUTER' without use_typewise_cutoff_zbl)");
    }
    m.zbl_rc_inner = r.number(z[1], "the inner ZBL radius");
    m.zbl_rc_outer = r.number(z[2], "the outer ZBL radius");
    m.zbl_flexible = m.zbl_rc_inner == 0.0 && m.zbl_rc_outer == 0.0;
    if (!m.zbl_flexible && !(m.zbl_rc_inner >= 0.0 && m.zbl_rc_outer > m.zbl_rc_inner)) {
      r.fail(z[2], "the ZBL radii must satisfy 0 <= inner < outer");
    }
  }

  const std::vector<Word> cut = r.keyword_line("cutoff");
  if (cut.size() == 5 || (num_types > 1 && cut.size() == 2 * T + 3)) {
    const bool per_type = cut.size() != 5;
    for (std::size_t t = 0; t < T; ++t) {
      const std::size_t k = per_type ? 1 + 2 * t : 1;
      m.rc_radial.push_back(r.number(cut[k], "the radial cutoff"));
      m.rc_angular.push_back(r.number(cut[k + 1], "the angular cutoff"));
      if (!(m.rc_radial.back() > 0.0)) r.fail(cut[k], "the radial cutoff must be positive");
      if (!(m.rc_angular.back() > 0.0)) r.fail(cut[k + 1], "the angular cutoff must be positive");
    }
    m.max_nn_radial = r.integer(cut[cut.size() - 2], "MAX_NN_RADIAL", 0, 1 << 20);
    m.max_nn_angular = r.integer(cut[cut.size() - 1], "MAX_NN_ANGULAR", 0, 1 << 20);
  } else {
    r.fail(cut.size() > 5 ? cut[5] : cut.back(),
           "the 'cutoff' line must read 'cutoff RC_RADIAL RC_ANGULAR MAX_NN_RADIAL MAX_NN_ANGULAR' (or give "
           "RC_RADIAL RC_ANGULAR for each of the " + std::to_string(num_types) + " elements)");
  }

  const std::vector<Word> nmax = r.keyword_line("n_max");
  require_count(r, nmax, 3, 3, "n_max N_RADIAL N_ANGULAR");
  m.n_max_radial = r.integer(nmax[1], "n_max (radial)", 0, 19);
  m.n_max_angular = r.integer(nmax[2], "n_max (angular)", 0, 19);

  const std::vector<Word> basis = r.keyword_line("basis_size");
  require_count(r, basis, 3, 3, "basis_size K_RADIAL K_ANGULAR");
  m.basis_radial = r.integer(basis[1], "basis_size (radial)", 0, 19);
  m.basis_angular = r.integer(basis[2], "basis_size (angular)", 0, 19);

  const std::vector<Word> lmax = r.keyword_line("l_max");
  require_count(r, lmax, 2, 8, "l_max L_3BODY [Q_222 [Q_1111 [Q_112]]]");
  m.l_max = r.integer(lmax[1], "l_max (three-body)", 0, 8);
  if (lmax.size() > 2) m.q4 = r.integer(lmax[2], "the four-body switch", 0, 4) > 0;
  if (lmax.size() > 3) m.q5 = r.integer(lmax[3], "the five-body switch", 0, 1) > 0;
  if (lmax.size() > 4) m.q112 = r.integer(lmax[4], "the q_112 switch", 0, 1) > 0;
  for (std::size_t k = 5; k < lmax.size(); ++k) {
    if (r.integer(lmax[k], "an invariant switch", 0, 1) != 0) {
      r.fail(lmax[k], "the invariants q_123, q_233 and q_134 (l_max fields 5-7, TorchNEP extensions) are not "
                      "supported", "train without them");
    }
  }
  if ((m.q4 || m.q112) && m.l_max < 2) r.fail(lmax[1], "four-body invariants need l_max >= 2");
  if (m.q5 && m.l_max < 1) r.fail(lmax[1], "the five-body invariant needs l_max >= 1");

  const std::vector<Word> ann = r.keyword_line("ANN");
  require_count(r, ann, 2, 3, "ANN NEURONS 0");
  m.neurons = r.integer(ann[1], "the number of neurons", 1, 1000);

  const int angular_blocks = m.l_max + (m.q4 ? 1 : 0) + (m.q5 ? 1 : 0) + (m.q112 ? 1 : 0);
  m.dim = (m.n_max_radial + 1) + (m.l_max > 0 ? (m.n_max_angular + 1) * angular_blocks : 0);

  // The parameters, in file order.
  const std::vector<Word> numbers = r.rest();
  const auto neurons = static_cast<std::size_t>(m.neurons);
  const auto dim = static_cast<std::size_t>(m.dim);
  const std::size_t networks = m.per_type_ann ? T : 1;
  const std::size_t c_radial = static_cast<std::size_t>((m.n_max_radial + 1) * (m.basis_radial + 1)) * T * T;
  const std::size_t c_angular =
      m.l_max > 0 ? static_cast<std::size_t>((m.n_max_angular + 1) * (m.basis_angular + 1)) * T * T : 0;
  const std::size_t zbl_rows = m.zbl_flexible ? T * (T + 1) / 2 : 0;
  const std::size_t expected = networks * (neurons * dim + 2 * neurons) + 1 + c_radial + c_angular + dim + 10 * zbl_rows;
  if (numbers.size() != expected) {
    const std::string counts = "this header needs " + std::to_string(expected) + " numbers after the ANN line (" +
                               std::to_string(networks) + " network(s) of " + std::to_string(neurons * (dim + 2)) +
                               ", b1, " + std::to_string(c_radial + c_angular) + " descriptor coefficients, " +
                               std::to_string(dim) + " q_scaler" +
                               (zbl_rows ? ", " + std::to_string(10 * zbl_rows) + " ZBL table" : std::string()) +
                               ")";
    if (numbers.size() < expected) {
      r.fail(r.last_line(), 1, "the file is truncated: " + counts + ", found " + std::to_string(numbers.size()),
             "the file was cut short (an interrupted copy or training run?); take the complete nep.txt");
    }
    r.fail(numbers[expected], "unexpected extra number: " + counts + ", found " + std::to_string(numbers.size()),
           "check that the header (n_max, basis_size, l_max, ANN) is the one the model was trained with");
  }
  std::size_t at = 0;
  auto take = [&](std::vector<double>& out, std::size_t count, const std::string& what) {
    out.resize(count);
    for (std::size_t k = 0; k < count; ++k) out[k] = r.number(numbers[at++], what);
  };
  m.networks.resize(networks);
  for (NepModel::Network& net : m.networks) {
    take(net.w0, neurons * dim, "a w0 weight");
    take(net.b0, neurons, "a b0 bias");
    take(net.w1, neurons, "a w1 weight");
  }
  m.b1 = r.number(numbers[at++], "b1");
  take(m.c_radial, c_radial, "a radial coefficient");
  take(m.c_angular, c_angular, "an angular coefficient");
  take(m.q_scaler, dim, "a q_scaler entry");
  if (m.zbl_flexible) {
    // File rows: pairs (t1 <= t2) in the order 1-1, 1-2, ..., 1-T, 2-2, ..., T-T.
    m.zbl_table.assign(T * T, {});
    for (std::size_t t1 = 0; t1 < T; ++t1) {
      for (std::size_t t2 = t1; t2 < T; ++t2) {
        const Word& first = numbers[at];
        std::array<double, 10> row{};
        for (double& v : row) v = r.number(numbers[at++], "a ZBL table entry");
        if (!(row[0] >= 0.0 && row[1] > row[0])) r.fail(first, "a flexible ZBL row needs 0 <= rc_inner < rc_outer");
        m.zbl_table[t1 * T + t2] = row;
        m.zbl_table[t2 * T + t1] = row;
      }
    }
  }
  return m;
}

}  // namespace ioncycle::potentials
