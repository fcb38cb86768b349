// SPDX-License-Identifier: MIT
//
// The seeded random number generator. All randomness in a run comes from the run's seed through
// Rng objects, so the same input, seed and thread count give the same trajectory.
//
// Generator: xoshiro256++ (Blackman & Vigna, "Scrambled linear pseudorandom number generators",
// ACM TOMS 47, 36 (2021)), seeded through splitmix64. Its whole state is four 64-bit words plus
// the cached second normal deviate, so save()/restore() are exact: a restored generator continues
// with the same numbers bit for bit. Distributions are implemented here (not std::*_distribution,
// whose output differs between standard libraries), so sequences are identical on every platform.
//
// An Rng is not thread-safe; give each thread its own stream via Rng(seed, stream).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace ioncycle::core {

class Rng {
 public:
  /// Complete generator state, for checkpoints.
  struct State {
    std::array<std::uint64_t, 4> words{};
    bool has_spare_normal = false;
    double spare_normal = 0.0;
    friend bool operator==(const State&, const State&) = default;
  };

  /// Stream `stream` of seed `seed`; different (seed, stream) pairs give independent sequences.
  explicit Rng(std::uint64_t seed, std::uint64_t stream = 0);

  /// Next raw 64-bit output.
  std::uint64_t next_u64();
  /// Uniform in [0, 1) with 53 random bits.
  double uniform();
  /// Uniform in [lo, hi).
  double uniform(double lo, double hi);
  /// Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject). n must be > 0.
  std::uint64_t uniform_index(std::uint64_t n);
  /// Standard normal deviate (Marsaglia polar method; the second deviate is cached in State).
  double normal();

  [[nodiscard]] State save() const { return state_; }
  void restore(const State& state) { state_ = state; }

  /// State as text ("xoshiro256pp <w0> <w1> <w2> <w3> <has_spare> <spare as hex float>"), and back.
  /// from_text throws InputError for malformed text.
  [[nodiscard]] static std::string to_text(const State& state);
  [[nodiscard]] static State from_text(const std::string& text);

 private:
  State state_;
};

}  // namespace ioncycle::core
