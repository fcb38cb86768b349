// SPDX-License-Identifier: MIT
#include "core/rng.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <system_error>
#include <vector>

#include "core/error.hpp"

namespace ioncycle::core {

namespace {

// 128-bit product for Lemire's method; __extension__ marks the GCC/Clang builtin type as intended.
__extension__ using u128 = unsigned __int128;

// splitmix64 (Steele, Lea & Flood, OOPSLA 2014): expands a 64-bit seed into well-mixed words,
// the seeding procedure recommended for the xoshiro family.
std::uint64_t splitmix64(std::uint64_t& x) {
  x += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = x;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

Rng::Rng(std::uint64_t seed, std::uint64_t stream) {
  // Mix the stream number into the seed with a second splitmix pass so that streams of one seed
  // and seeds of one stream both land far apart in the state space.
  std::uint64_t x = seed;
  const std::uint64_t a = splitmix64(x);
  std::uint64_t y = stream ^ 0xD1B54A32D192ED03ULL;
  const std::uint64_t b = splitmix64(y);
  std::uint64_t sm = a ^ std::rotl(b, 17);
  for (auto& w : state_.words) w = splitmix64(sm);
  // The all-zero state is the one fixed point of xoshiro; splitmix64 cannot produce four zero
  // words in a row, but guard anyway.
  if ((state_.words[0] | state_.words[1] | state_.words[2] | state_.words[3]) == 0) state_.words[0] = 1;
}

std::uint64_t Rng::next_u64() {
  auto& s = state_.words;
  const std::uint64_t result = std::rotl(s[0] + s[3], 23) + s[0];
  const std::uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = std::rotl(s[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Rng::uniform(double lo, double hi) {
  const double x = lo + (hi - lo) * uniform();
  // uniform() < 1, but lo + (hi - lo)·(1 - 2^-53) can round up to hi (e.g. lo = 1, hi = 2);
  // keep the interval half-open as documented.
  return x < hi ? x : std::nextafter(hi, lo);
}

std::uint64_t Rng::uniform_index(std::uint64_t n) {
  IONCYCLE_ASSERT(n > 0, "uniform_index needs n > 0");
  // Lemire, "Fast random integer generation in an interval", ACM TOMACS 29, 3 (2019).
  u128 m = static_cast<u128>(next_u64()) * n;
  auto low = static_cast<std::uint64_t>(m);
  if (low < n) {
    const std::uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<u128>(next_u64()) * n;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

double Rng::normal() {
  if (state_.has_spare_normal) {
    state_.has_spare_normal = false;
    return state_.spare_normal;
  }
  // Marsaglia & Bray polar method: two deviates per accepted point in the unit disk.
  double u = 0.0, v = 0.0, s = 0.0;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double f = std::sqrt(-2.0 * std::log(s) / s);
  state_.spare_normal = v * f;
  state_.has_spare_normal = true;
  return u * f;
}

std::string Rng::to_text(const State& st) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "xoshiro256pp %llu %llu %llu %llu %d %a",
                static_cast<unsigned long long>(st.words[0]), static_cast<unsigned long long>(st.words[1]),
                static_cast<unsigned long long>(st.words[2]), static_cast<unsigned long long>(st.words[3]),
                st.has_spare_normal ? 1 : 0, st.spare_normal);
  return buf;
}

Rng::State Rng::from_text(const std::string& text) {
  // Exactly seven whitespace-separated fields, each parsed in full: a state is machine-written,
  // so anything else (a sign, a fraction, a trailing field) means a damaged file.
  const auto fail = [&text]() {
    return InputError("malformed random-number-generator state '" + text + "'",
                      "expected \"xoshiro256pp <w0> <w1> <w2> <w3> <0|1> <hex float>\" as written "
                      "by ioncycle");
  };
  std::istringstream in(text);
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  if (fields.size() != 7 || fields[0] != "xoshiro256pp") throw fail();
  State st;
  for (std::size_t i = 0; i < 4; ++i) {
    const std::string& f = fields[i + 1];
    const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), st.words[i]);
    if (ec != std::errc() || end != f.data() + f.size()) throw fail();
  }
  if (fields[5] != "0" && fields[5] != "1") throw fail();
  st.has_spare_normal = fields[5] == "1";
  const std::string& spare = fields[6];
  char* end = nullptr;
  st.spare_normal = std::strtod(spare.c_str(), &end);
  if (end == spare.c_str() || *end != '\0' || !std::isfinite(st.spare_normal)) throw fail();
  // The all-zero state is xoshiro's fixed point: the generator would return 0 forever.
  if ((st.words[0] | st.words[1] | st.words[2] | st.words[3]) == 0) throw fail();
  return st;
}

}  // namespace ioncycle::core
