// SPDX-License-Identifier: MIT
#include "cycling/voltage_profile.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <sstream>

#include "core/content_hash.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::cycling {

namespace {

constexpr std::string_view kHeader = "voltage_profile 1";

// Welford's running mean and variance (B. P. Welford, Technometrics 4, 419 (1962)): no
// cancellation when the voltages of a bin are close to each other, as they are.
struct Accumulator {
  std::size_t count = 0;
  double mean = 0.0;
  double m2 = 0.0;
  void add(double x) {
    ++count;
    const double delta = x - mean;
    mean += delta / static_cast<double>(count);
    m2 += delta * (x - mean);
  }
  [[nodiscard]] double standard_error() const {
    if (count < 2) return std::numeric_limits<double>::quiet_NaN();
    const double n = static_cast<double>(count);
    return std::sqrt(m2 / (n - 1.0) / n);
  }
};

std::string csv_number(double x) { return std::isnan(x) ? std::string("nan") : core::format_double(x); }

}  // namespace

std::string_view direction_name(TrialDirection direction) {
  return direction == TrialDirection::insertion ? "insertion" : "removal";
}

void VoltageProfile::add(const VoltageSample& sample) {
  IONCYCLE_ASSERT(std::isfinite(sample.soc) && std::isfinite(sample.voltage),
                  "voltage sample with a non-finite value");
  samples_.push_back(sample);
}

std::vector<VoltageBin> VoltageProfile::mean(double bin_width) const {
  if (!(bin_width > 0.0) || !std::isfinite(bin_width)) {
    throw InputError("voltage profile bin width must be positive (got " + core::format_double(bin_width) + ")",
                     "use a fraction of the capacity such as 0.05");
  }
  // Key: (bin index, direction); std::map keeps them in increasing SOC, insertion first.
  std::map<std::pair<long long, int>, Accumulator> bins;
  for (const auto& s : samples_) {
    const auto k = static_cast<long long>(std::floor(s.soc / bin_width + 1e-9));
    bins[{k, s.direction == TrialDirection::insertion ? 0 : 1}].add(s.voltage);
  }
  // Edges k·w; when 1/w is a whole number (0.05 -> 20) as k/(1/w), which is correctly rounded
  // (3/20 = 0.15 where 3·0.05 = 0.15000000000000002).
  const double per_unit = std::round(1.0 / bin_width);
  const bool whole = std::abs(per_unit - 1.0 / bin_width) <= 1e-9 * per_unit && per_unit >= 1.0;
  auto edge = [&](long long k) {
    return whole ? static_cast<double>(k) / per_unit : static_cast<double>(k) * bin_width;
  };
  std::vector<VoltageBin> out;
  out.reserve(bins.size());
  for (const auto& [key, acc] : bins) {
    VoltageBin bin;
    bin.soc_lo = edge(key.first);
    bin.soc_hi = edge(key.first + 1);
    bin.direction = key.second == 0 ? TrialDirection::insertion : TrialDirection::removal;
    bin.count = acc.count;
    bin.mean = acc.mean;
    bin.standard_error = acc.standard_error();
    out.push_back(bin);
  }
  return out;
}

std::optional<double> VoltageProfile::running_mean(std::size_t k, std::size_t first) const {
  if (k == 0 || first >= samples_.size()) return std::nullopt;
  const std::size_t begin = std::max(first, samples_.size() >= k ? samples_.size() - k : std::size_t{0});
  double sum = 0.0;
  for (std::size_t i = begin; i < samples_.size(); ++i) sum += samples_[i].voltage;
  return sum / static_cast<double>(samples_.size() - begin);
}

std::string VoltageProfile::to_text() const {
  // One line per trial: direction (i/r), soc, voltage as hex floats (exact round trip).
  std::string out = std::string(kHeader) + "\ncount " + std::to_string(samples_.size()) + "\n";
  for (const auto& s : samples_) {
    out += s.direction == TrialDirection::insertion ? "i " : "r ";
    out += core::hex_double(s.soc) + " " + core::hex_double(s.voltage) + "\n";
  }
  return out;
}

VoltageProfile VoltageProfile::from_text(std::string_view text, const std::string& origin) {
  auto fail = [&](const std::string& what) {
    return InputError(origin + ": the saved voltage profile is corrupt (" + what + ")",
                      "the file was not written by this version of ioncycle, or was damaged");
  };
  std::vector<std::string_view> lines;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  if (lines.size() < 2 || core::trim(lines[0]) != kHeader) throw fail("missing header '" + std::string(kHeader) + "'");
  const auto count_tokens = core::split_whitespace(lines[1]);
  const auto count = count_tokens.size() == 2 && count_tokens[0] == "count" ? core::parse_integer(count_tokens[1])
                                                                             : std::nullopt;
  if (!count || *count < 0 || static_cast<std::size_t>(*count) != lines.size() - 2) {
    throw fail("the sample count does not match the number of lines");
  }
  auto real = [&](std::string_view token, std::size_t line) {
    const std::string s(token);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end == nullptr || *end != '\0' || !std::isfinite(v)) {
      throw fail("line " + std::to_string(line + 1) + ": '" + s + "' is not a number");
    }
    return v;
  };
  VoltageProfile profile;
  profile.samples_.reserve(static_cast<std::size_t>(*count));
  for (std::size_t i = 2; i < lines.size(); ++i) {
    const auto tokens = core::split_whitespace(lines[i]);
    if (tokens.size() != 3 || (tokens[0] != "i" && tokens[0] != "r")) {
      throw fail("line " + std::to_string(i + 1) + " is not 'i|r soc voltage'");
    }
    VoltageSample s;
    s.direction = tokens[0] == "i" ? TrialDirection::insertion : TrialDirection::removal;
    s.soc = real(tokens[1], i);
    s.voltage = real(tokens[2], i);
    profile.samples_.push_back(s);
  }
  return profile;
}

void VoltageProfile::write_csv(std::ostream& out, double bin_width) const {
  out << "soc_lo,soc_hi,direction,count,mean_V,stderr_V\n";
  for (const auto& bin : mean(bin_width)) {
    out << core::format_double(bin.soc_lo) << "," << core::format_double(bin.soc_hi) << ","
        << direction_name(bin.direction) << "," << bin.count << "," << csv_number(bin.mean) << ","
        << csv_number(bin.standard_error) << "\n";
  }
}

std::string VoltageProfile::csv(double bin_width) const {
  std::ostringstream out;
  write_csv(out, bin_width);
  return out.str();
}

}  // namespace ioncycle::cycling
