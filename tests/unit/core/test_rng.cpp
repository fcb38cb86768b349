// SPDX-License-Identifier: MIT
//
// Rng: the xoshiro256++ generator against an independent implementation and hand-derived
// outputs, reproducibility (seeds, streams, save/restore, text form) and the distributions
// (uniform, uniform_index, normal) within statistical bands. The statistical tests use fixed
// seeds, so they are deterministic; their bands are set at p ≈ 1e-4 or wider so that a change
// of seed would still pass with high probability.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/rng.hpp"

using ioncycle::InputError;
using ioncycle::core::Rng;

namespace {

using State = Rng::State;

// xoshiro256++ written from its definition (Blackman & Vigna 2021, Fig. 1), independently of
// src/core/rng.cpp: the four new state words are computed at once from the old ones in closed
// form (the reference C code updates them in place in six statements), the rotation is spelled
// out with shifts, and the 64-bit additions are done by hand on 32-bit halves with a carry.
struct ReferenceXoshiro256pp {
  std::uint64_t s0, s1, s2, s3;

  static std::uint64_t rotate_left(std::uint64_t x, unsigned k) { return (x << k) | (x >> (64U - k)); }
  static std::uint64_t add_mod_2_64(std::uint64_t a, std::uint64_t b) {
    const std::uint64_t low = (a & 0xFFFFFFFFULL) + (b & 0xFFFFFFFFULL);  // at most 33 bits
    const std::uint64_t high = (a >> 32) + (b >> 32) + (low >> 32);
    return ((high & 0xFFFFFFFFULL) << 32) | (low & 0xFFFFFFFFULL);
  }

  std::uint64_t next() {
    const std::uint64_t output = add_mod_2_64(rotate_left(add_mod_2_64(s0, s3), 23), s0);
    const std::uint64_t n0 = s0 ^ s3 ^ s1;
    const std::uint64_t n1 = s1 ^ s2 ^ s0;
    const std::uint64_t n2 = s2 ^ s0 ^ (s1 << 17);
    const std::uint64_t n3 = rotate_left(s3 ^ s1, 45);
    s0 = n0;
    s1 = n1;
    s2 = n2;
    s3 = n3;
    return output;
  }
};

// The 128-bit product x * n as (high, low) 64-bit words, by schoolbook multiplication of
// 32-bit halves (no __int128), for the reference of Lemire's method.
struct Product {
  std::uint64_t high, low;
};
Product multiply_64x64(std::uint64_t x, std::uint64_t n) {
  const std::uint64_t x0 = x & 0xFFFFFFFFULL, x1 = x >> 32;
  const std::uint64_t n0 = n & 0xFFFFFFFFULL, n1 = n >> 32;
  const std::uint64_t p00 = x0 * n0, p01 = x0 * n1, p10 = x1 * n0, p11 = x1 * n1;
  const std::uint64_t middle = (p00 >> 32) + (p01 & 0xFFFFFFFFULL) + (p10 & 0xFFFFFFFFULL);
  const std::uint64_t high = p11 + (p01 >> 32) + (p10 >> 32) + (middle >> 32);
  const std::uint64_t low = (middle << 32) | (p00 & 0xFFFFFFFFULL);
  return {high, low};
}

State state_of(std::uint64_t w0, std::uint64_t w1, std::uint64_t w2, std::uint64_t w3) {
  State s;
  s.words = {w0, w1, w2, w3};
  return s;
}

Rng rng_at(const State& s) {
  Rng rng(0);
  rng.restore(s);
  return rng;
}

// Standard normal CDF.
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

struct Moments {
  double mean = 0.0, variance = 0.0, skewness = 0.0, excess_kurtosis = 0.0;
};
Moments moments(const std::vector<double>& x) {
  const auto n = static_cast<double>(x.size());
  double mean = 0.0;
  for (const double v : x) mean += v;
  mean /= n;
  double m2 = 0.0, m3 = 0.0, m4 = 0.0;
  for (const double v : x) {
    const double d = v - mean, d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  return {mean, m2, m3 / std::pow(m2, 1.5), m4 / (m2 * m2) - 3.0};
}

}  // namespace

TEST_CASE("xoshiro256++ known answers from state {1, 2, 3, 4}", "[unit][rng]") {
  Rng rng = rng_at(state_of(1, 2, 3, 4));
  // Derived by hand from the definition  out = rotl(s0 + s3, 23) + s0:
  //   1st: rotl(1 + 4, 23) + 1 = 5·2^23 + 1 = 41943041. The state becomes
  //        s0 = 1^4^2 = 7, s1 = 2^3^1 = 0, s2 = 3^1^(2<<17) = 262146, s3 = rotl(4^2, 45) = 6·2^45.
  //   2nd: rotl(7 + 6·2^45, 23) + 7 = 7·2^23 + 6·2^(68-64) + 7 = 58720256 + 96 + 7 = 58720359.
  // The 3rd and 4th were computed with a line-by-line Python transcription of the reference C
  // code (prng.di.unimi.it/xoshiro256plusplus.c) using arbitrary-precision ints masked to 64 bits.
  CHECK(rng.next_u64() == 41943041ULL);
  CHECK(rng.next_u64() == 58720359ULL);
  CHECK(rng.next_u64() == 3588806011781223ULL);
  CHECK(rng.next_u64() == 3591011842654386ULL);

  // The next 10000 against the in-test re-implementation.
  ReferenceXoshiro256pp ref{1, 2, 3, 4};
  for (int i = 0; i < 4; ++i) (void)ref.next();
  int mismatches = 0;
  for (int i = 0; i < 10000; ++i) mismatches += rng.next_u64() != ref.next() ? 1 : 0;
  CHECK(mismatches == 0);
  // And the state advanced identically.
  CHECK(rng.save().words == std::array<std::uint64_t, 4>{ref.s0, ref.s1, ref.s2, ref.s3});
}

TEST_CASE("xoshiro256++ matches the reference for random states", "[unit][rng]") {
  Rng seeds(99);
  for (int trial = 0; trial < 100; ++trial) {
    const State s = state_of(seeds.next_u64(), seeds.next_u64(), seeds.next_u64(), seeds.next_u64());
    Rng rng = rng_at(s);
    ReferenceXoshiro256pp ref{s.words[0], s.words[1], s.words[2], s.words[3]};
    for (int i = 0; i < 100; ++i) REQUIRE(rng.next_u64() == ref.next());
  }
}

TEST_CASE("uniform takes the top 53 bits and stays in [0, 1)", "[unit][rng]") {
  const State s = state_of(11, 22, 33, 44);
  Rng rng = rng_at(s);
  ReferenceXoshiro256pp ref{11, 22, 33, 44};
  for (int i = 0; i < 1000; ++i) {
    const double expected = std::ldexp(static_cast<double>(ref.next() >> 11), -53);
    REQUIRE(rng.uniform() == expected);
  }
  // A state whose next output is 0 gives exactly 0; one whose next output is 2^64 - 1 gives
  // the largest double below 1. (out = rotl(s0 + s3, 23) + s0: s0 = 0, s3 = 0 gives 0 and
  // s0 = 0, s3 = 2^64 - 1 gives 2^64 - 1.)
  const std::uint64_t all_ones = std::numeric_limits<std::uint64_t>::max();
  const State zero_out = state_of(0, 1, 2, 0);
  const State max_out = state_of(0, 1, 2, all_ones);
  CHECK(rng_at(zero_out).next_u64() == 0);
  CHECK(rng_at(max_out).next_u64() == all_ones);
  CHECK(rng_at(zero_out).uniform() == 0.0);
  CHECK(rng_at(max_out).uniform() == 1.0 - std::ldexp(1.0, -53));
  CHECK(rng_at(max_out).uniform() < 1.0);
}

TEST_CASE("uniform(lo, hi) stays in [lo, hi), also at the top of the range", "[unit][rng]") {
  const State max_out = state_of(0, 1, 2, std::numeric_limits<std::uint64_t>::max());
  const State zero_out = state_of(0, 1, 2, 0);
  // lo + (hi - lo)·(1 - 2^-53) rounds to hi for these ranges unless guarded.
  const std::vector<std::pair<double, double>> ranges{{1.0, 2.0}, {-2.0, -1.0}, {0.0, 1.0}, {0.0, 3.0},
                                                      {-0.5, 0.5}, {10.0, 10.5}, {1e3, 1e3 + 1.0}};
  for (const auto& [lo, hi] : ranges) {
    INFO("[" << lo << ", " << hi << ")");
    const double top = rng_at(max_out).uniform(lo, hi);
    CHECK(top < hi);
    CHECK(top > lo);
    CHECK(hi - top < 1e-12 * std::max(1.0, std::abs(hi)));
    CHECK(rng_at(zero_out).uniform(lo, hi) == lo);
  }
  Rng rng(5);
  for (int i = 0; i < 100000; ++i) {
    const double x = rng.uniform(-3.0, 7.0);
    REQUIRE(x >= -3.0);
    REQUIRE(x < 7.0);
  }
}

TEST_CASE("the same seed and stream give the same sequence", "[unit][rng]") {
  Rng a(12345, 6), b(12345, 6);
  for (int i = 0; i < 1000; ++i) REQUIRE(a.next_u64() == b.next_u64());
  for (int i = 0; i < 1000; ++i) REQUIRE(std::bit_cast<std::uint64_t>(a.normal()) == std::bit_cast<std::uint64_t>(b.normal()));
  for (int i = 0; i < 1000; ++i) REQUIRE(a.uniform_index(17) == b.uniform_index(17));
  CHECK(a.save() == b.save());
  // The stream defaults to 0.
  Rng c(777), d(777, 0);
  for (int i = 0; i < 100; ++i) REQUIRE(c.next_u64() == d.next_u64());
}

TEST_CASE("different seeds and streams give different sequences", "[unit][rng]") {
  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max();
  const std::array<std::uint64_t, 5> values{0, 1, 2, 0x9E3779B97F4A7C15ULL, big};
  std::set<std::uint64_t> first_outputs;
  std::vector<std::vector<std::uint64_t>> sequences;
  for (const std::uint64_t seed : values) {
    for (const std::uint64_t stream : values) {
      Rng rng(seed, stream);
      std::vector<std::uint64_t> seq;
      for (int i = 0; i < 200; ++i) seq.push_back(rng.next_u64());
      first_outputs.insert(seq.front());
      sequences.push_back(seq);
    }
  }
  // 25 generators, 25 different first outputs, and no two sequences agree at any position
  // (a coincidence would have probability ~ 25²·200 / 2^64).
  CHECK(first_outputs.size() == values.size() * values.size());
  int coincidences = 0;
  for (std::size_t i = 0; i < sequences.size(); ++i) {
    for (std::size_t j = i + 1; j < sequences.size(); ++j) {
      for (std::size_t k = 0; k < sequences[i].size(); ++k) coincidences += sequences[i][k] == sequences[j][k] ? 1 : 0;
    }
  }
  CHECK(coincidences == 0);
}

TEST_CASE("streams of one seed are uncorrelated", "[unit][rng][stochastic]") {
  // Pearson correlation of paired uniforms; under independence its standard deviation is
  // 1/√n = 0.0022 for n = 200000; the band is about 5 standard deviations.
  constexpr int n = 200000;
  const std::array<std::pair<std::uint64_t, std::uint64_t>, 3> pairs{{{0, 1}, {1, 2}, {41, 42}}};
  for (const auto& [stream_a, stream_b] : pairs) {
    Rng a(2024, stream_a), b(2024, stream_b);
    double sab = 0.0, sa = 0.0, sb = 0.0, saa = 0.0, sbb = 0.0;
    for (int i = 0; i < n; ++i) {
      const double x = a.uniform(), y = b.uniform();
      sab += x * y;
      sa += x;
      sb += y;
      saa += x * x;
      sbb += y * y;
    }
    const double cov = sab / n - (sa / n) * (sb / n);
    const double corr = cov / std::sqrt((saa / n - sa * sa / n / n) * (sbb / n - sb * sb / n / n));
    INFO("streams " << stream_a << ", " << stream_b << ": correlation " << corr);
    CHECK(std::abs(corr) < 0.011);
  }
}

TEST_CASE("save and restore continue bit-identically", "[unit][rng]") {
  Rng rng(42, 1);
  for (int i = 0; i < 37; ++i) (void)rng.next_u64();
  // An odd number of normal() calls leaves the second deviate of the pair cached.
  (void)rng.normal();
  const State mid = rng.save();
  CHECK(mid.has_spare_normal);

  // A mixed sequence of every kind of draw.
  auto draw = [](Rng& r) {
    std::vector<std::uint64_t> out;
    for (int i = 0; i < 500; ++i) {
      out.push_back(std::bit_cast<std::uint64_t>(r.normal()));
      out.push_back(std::bit_cast<std::uint64_t>(r.uniform()));
      out.push_back(r.uniform_index(1000003));
      if (i % 3 == 0) out.push_back(std::bit_cast<std::uint64_t>(r.normal()));
      if (i % 7 == 0) out.push_back(r.next_u64());
    }
    return out;
  };
  const auto first = draw(rng);
  const State end = rng.save();

  // The same generator rewound, and a generator from another seed given the saved state.
  rng.restore(mid);
  CHECK(draw(rng) == first);
  CHECK(rng.save() == end);
  Rng other(9999, 3);
  other.restore(mid);
  CHECK(draw(other) == first);

  // Without the spare the continuation differs (so the test above depends on it).
  State no_spare = mid;
  no_spare.has_spare_normal = false;
  Rng without(0);
  without.restore(no_spare);
  CHECK(draw(without) != first);
}

TEST_CASE("a cached spare normal is returned first, exactly", "[unit][rng]") {
  State s = state_of(5, 6, 7, 8);
  s.has_spare_normal = true;
  s.spare_normal = -1.2345678901234567;
  Rng rng = rng_at(s);
  CHECK(rng.normal() == -1.2345678901234567);
  CHECK_FALSE(rng.save().has_spare_normal);
  CHECK(rng.save().words == s.words);  // nothing drawn yet
  // Then the generator proceeds as one that had no spare.
  State plain = s;
  plain.has_spare_normal = false;
  Rng twin = rng_at(plain);
  for (int i = 0; i < 100; ++i) REQUIRE(std::bit_cast<std::uint64_t>(rng.normal()) == std::bit_cast<std::uint64_t>(twin.normal()));
}

TEST_CASE("the text form round-trips exactly", "[unit][rng]") {
  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max();
  const double denormal = std::numeric_limits<double>::denorm_min();
  std::vector<State> states;
  for (const double spare : {0.0, -0.0, 0.1, -1.2345678901234567, 1.0 / 3.0, denormal, -denormal,
                             std::numeric_limits<double>::max(), std::numeric_limits<double>::min(), 7.5e-310}) {
    State s = state_of(big, 0, 1ULL << 63, 0x0123456789ABCDEFULL);
    s.has_spare_normal = true;
    s.spare_normal = spare;
    states.push_back(s);
  }
  states.push_back(state_of(1, 2, 3, 4));
  Rng live(31, 4);
  (void)live.normal();
  states.push_back(live.save());
  for (const State& s : states) {
    const std::string text = Rng::to_text(s);
    INFO(text);
    CHECK(text.rfind("xoshiro256pp ", 0) == 0);
    const State back = Rng::from_text(text);
    CHECK(back.words == s.words);
    CHECK(back.has_spare_normal == s.has_spare_normal);
    CHECK(std::bit_cast<std::uint64_t>(back.spare_normal) == std::bit_cast<std::uint64_t>(s.spare_normal));
    CHECK(Rng::to_text(back) == text);
  }
  // A generator restored from text continues exactly.
  Rng restored(0);
  restored.restore(Rng::from_text(Rng::to_text(live.save())));
  for (int i = 0; i < 200; ++i) REQUIRE(std::bit_cast<std::uint64_t>(restored.normal()) == std::bit_cast<std::uint64_t>(live.normal()));
}

TEST_CASE("malformed text is an InputError", "[unit][rng]") {
  const std::string good = "xoshiro256pp 1 2 3 4 1 0x1.8p+0";
  REQUIRE(Rng::from_text(good).spare_normal == 1.5);
  REQUIRE(Rng::from_text(good).has_spare_normal);
  // Surrounding whitespace (a trailing newline from a file) is fine.
  CHECK(Rng::from_text("  " + good + "\n").words == std::array<std::uint64_t, 4>{1, 2, 3, 4});
  const std::vector<std::string> bad{
      "",
      "   ",
      "xoshiro256pp",
      "xoshiro256pp 1 2 3",
      "xoshiro256pp 1 2 3 4",
      "xoshiro256pp 1 2 3 4 1",
      "xoshiro256 1 2 3 4 1 0x1.8p+0",            // wrong generator name
      "XOSHIRO256PP 1 2 3 4 1 0x1.8p+0",
      "xoshiro256pp 1 2 x 4 1 0x1.8p+0",           // not a number
      "xoshiro256pp 1 2 3.5 4 1 0x1.8p+0",
      "xoshiro256pp 1 2 -3 4 1 0x1.8p+0",          // negative word
      "xoshiro256pp 1 2 +3 4 1 0x1.8p+0",
      "xoshiro256pp 1 2 18446744073709551616 4 1 0x1.8p+0",  // 2^64 does not fit
      "xoshiro256pp 1 2 3 4 2 0x1.8p+0",           // flag must be 0 or 1
      "xoshiro256pp 1 2 3 4 -1 0x1.8p+0",
      "xoshiro256pp 1 2 3 4 1.5 0x1.8p+0",
      "xoshiro256pp 1 2 3 4 yes 0x1.8p+0",
      "xoshiro256pp 1 2 3 4 1 spare",              // not a double
      "xoshiro256pp 1 2 3 4 1 0x1.8p+0junk",
      "xoshiro256pp 1 2 3 4 1 nan",                // a deviate is finite
      "xoshiro256pp 1 2 3 4 1 inf",
      "xoshiro256pp 1 2 3 4 1 0x1.8p+0 5",         // trailing token
      "xoshiro256pp 0 0 0 0 0 0x0p+0",             // the all-zero state never leaves zero
  };
  for (const auto& text : bad) {
    INFO("'" << text << "'");
    CHECK_THROWS_AS(Rng::from_text(text), InputError);
  }
}

TEST_CASE("uniform has the mean and variance of U(0, 1)", "[unit][rng][stochastic]") {
  Rng rng(20240601);
  constexpr int n = 1000000;
  std::vector<double> x(n);
  double lowest = 1.0, highest = 0.0;
  std::array<int, 100> bins{};
  for (auto& v : x) {
    v = rng.uniform();
    lowest = std::min(lowest, v);
    highest = std::max(highest, v);
    ++bins[std::min<std::size_t>(static_cast<std::size_t>(v * 100.0), 99)];
  }
  CHECK(lowest >= 0.0);
  CHECK(highest < 1.0);
  const Moments m = moments(x);
  // Standard deviations: mean √(1/12/n) = 2.9e-4, variance √((1/80 - 1/144)/n) = 7.5e-5.
  CHECK(std::abs(m.mean - 0.5) < 1.5e-3);
  CHECK(std::abs(m.variance - 1.0 / 12.0) < 4e-4);
  CHECK(std::abs(m.skewness) < 0.01);
  CHECK(std::abs(m.excess_kurtosis + 1.2) < 0.01);  // U(0,1) has excess kurtosis -6/5
  // Chi-square over 100 equal bins; 160.06 is the p = 1e-4 quantile of chi²(99).
  double chi2 = 0.0;
  const double expected = n / 100.0;
  for (const int count : bins) chi2 += (count - expected) * (count - expected) / expected;
  INFO("chi2 = " << chi2);
  CHECK(chi2 < 160.06);
}

TEST_CASE("uniform_index(1) is always 0", "[unit][rng]") {
  Rng rng(3);
  for (int i = 0; i < 10000; ++i) REQUIRE(rng.uniform_index(1) == 0);
  // Extreme states too.
  CHECK(rng_at(state_of(0, 1, 2, 0)).uniform_index(1) == 0);
  CHECK(rng_at(state_of(0, 1, 2, std::numeric_limits<std::uint64_t>::max())).uniform_index(1) == 0);
}

TEST_CASE("uniform_index follows Lemire's method, rejection included", "[unit][rng]") {
  // Reference: x·n as a 128-bit product; accept when its low word is >= 2^64 mod n, answer the
  // high word. Checked on random states for small, odd and huge n.
  const std::uint64_t big = std::numeric_limits<std::uint64_t>::max();
  const std::array<std::uint64_t, 7> ns{2, 3, 7, 1000003, 1ULL << 40, 3ULL << 62, big};
  Rng seeds(8);
  for (const std::uint64_t n : ns) {
    const State s = state_of(seeds.next_u64(), seeds.next_u64(), seeds.next_u64(), seeds.next_u64());
    Rng rng = rng_at(s);
    ReferenceXoshiro256pp ref{s.words[0], s.words[1], s.words[2], s.words[3]};
    const std::uint64_t threshold = (big - n + 1) % n;  // 2^64 mod n
    for (int i = 0; i < 2000; ++i) {
      Product p = multiply_64x64(ref.next(), n);
      while (p.low < threshold) p = multiply_64x64(ref.next(), n);
      REQUIRE(rng.uniform_index(n) == p.high);
    }
  }
  // The state {0, 1, 2, 0} first outputs 0, whose product 0 lies in the rejected zone for n = 7
  // (2^64 mod 7 = 2): the answer must come from the second output.
  Rng rejecting = rng_at(state_of(0, 1, 2, 0));
  ReferenceXoshiro256pp ref{0, 1, 2, 0};
  CHECK(ref.next() == 0);
  const std::uint64_t second = ref.next();
  REQUIRE(multiply_64x64(second, 7).low >= 2);
  CHECK(rejecting.uniform_index(7) == multiply_64x64(second, 7).high);
  // The top output maps to n - 1.
  CHECK(rng_at(state_of(0, 1, 2, big)).uniform_index(7) == 6);
  CHECK(rng_at(state_of(0, 1, 2, big)).uniform_index(big) == big - 1);
}

TEST_CASE("uniform_index is unbiased", "[unit][rng][stochastic]") {
  SECTION("chi-square for n = 7") {
    Rng rng(777);
    constexpr int n = 700000;
    std::array<int, 7> counts{};
    for (int i = 0; i < n; ++i) {
      const auto k = rng.uniform_index(7);
      REQUIRE(k < 7);
      ++counts[k];
    }
    double chi2 = 0.0;
    const double expected = n / 7.0;
    for (const int c : counts) chi2 += (c - expected) * (c - expected) / expected;
    INFO("chi2 = " << chi2);
    CHECK(chi2 < 27.86);  // p = 1e-4 quantile of chi²(6)
  }
  SECTION("no modulo or truncation bias for n = 3·2^62") {
    // With n = 3/4 of 2^64, x mod n would put half of all draws into the lowest third, and
    // multiplication without rejection would give every third value (k ≡ 0 mod 3) twice the
    // weight, so half of all draws. Unbiased: a third each. Standard deviation 0.0019.
    Rng rng(4321);
    const std::uint64_t n = 3ULL << 62;
    constexpr int draws = 60000;
    int lowest_third = 0, multiple_of_three = 0;
    for (int i = 0; i < draws; ++i) {
      const auto k = rng.uniform_index(n);
      REQUIRE(k < n);
      lowest_third += k < (1ULL << 62) ? 1 : 0;
      multiple_of_three += k % 3 == 0 ? 1 : 0;
    }
    CHECK(std::abs(lowest_third / double(draws) - 1.0 / 3.0) < 0.01);
    CHECK(std::abs(multiple_of_three / double(draws) - 1.0 / 3.0) < 0.01);
  }
}

TEST_CASE("normal deviates have the moments of N(0, 1)", "[unit][rng][stochastic]") {
  Rng rng(1234567, 2);
  constexpr int n = 1000000;
  std::vector<double> x(n);
  for (auto& v : x) v = rng.normal();
  const Moments m = moments(x);
  INFO("mean " << m.mean << ", variance " << m.variance << ", skewness " << m.skewness
               << ", excess kurtosis " << m.excess_kurtosis);
  // Standard deviations for n = 1e6: mean 0.001, variance √(2/n) = 0.0014, skewness √(6/n) =
  // 0.0024, excess kurtosis √(24/n) = 0.0049. Bands are 5 to 6 of them.
  CHECK(std::abs(m.mean) < 0.005);
  CHECK(std::abs(m.variance - 1.0) < 0.008);
  CHECK(std::abs(m.skewness) < 0.015);
  CHECK(std::abs(m.excess_kurtosis) < 0.03);
  // The two deviates of each pair are uncorrelated, as are successive pairs.
  double lag1 = 0.0;
  for (int i = 0; i + 1 < n; ++i) lag1 += x[static_cast<std::size_t>(i)] * x[static_cast<std::size_t>(i) + 1];
  CHECK(std::abs(lag1 / (n - 1)) < 0.005);
  // Tails: P(|x| > 3) = 0.0026998 (standard deviation of the count about 52 for n = 1e6).
  const auto beyond3 = std::count_if(x.begin(), x.end(), [](double v) { return std::abs(v) > 3.0; });
  CHECK(std::abs(static_cast<double>(beyond3) - 2699.8) < 260.0);
}

TEST_CASE("normal deviates pass a Kolmogorov-Smirnov test", "[unit][rng][stochastic]") {
  Rng rng(2718281828);
  constexpr int n = 100000;
  std::vector<double> x(n);
  for (auto& v : x) v = rng.normal();
  std::sort(x.begin(), x.end());
  double d = 0.0;
  for (int i = 0; i < n; ++i) {
    const double f = normal_cdf(x[static_cast<std::size_t>(i)]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  // Critical value at p = 1e-4: K / √n with K = 2.2253 (Kolmogorov distribution quantile).
  const double critical = 2.2253 / std::sqrt(static_cast<double>(n));
  INFO("D = " << d << ", critical " << critical);
  CHECK(d < critical);
  // The test can fail: a 5% error in the standard deviation is caught.
  double d_wrong = 0.0;
  for (int i = 0; i < n; ++i) {
    const double f = normal_cdf(1.05 * x[static_cast<std::size_t>(i)]);
    d_wrong = std::max({d_wrong, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  CHECK(d_wrong > critical);
}
