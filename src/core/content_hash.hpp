// SPDX-License-Identifier: MIT
//
// Content hashes for cache keys and potential fingerprints: SHA-256 (FIPS 180-4) of bytes, of a
// string or of a file's content, and the exact text of a double (C99 hex float), so that a key
// built from parameters changes whenever any bit of them changes.
//
// Why SHA-256 and not std::hash: the hash names cache files that outlive the process and are
// shared between runs and machines, so it must be stable across compilers and platforms, and 256
// bits make an accidental collision between two models impossible in practice. Written here (no
// OpenSSL dependency for one function); checked against the FIPS 180-4 / NIST example vectors in
// tests/unit/potentials/test_fingerprint.cpp.
//
// Sha256 objects are independent: one per thread. The free functions are pure (sha256_file reads
// the file) and thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ioncycle::core {

/// Streaming SHA-256: update() any number of times, then digest() once.
class Sha256 {
 public:
  Sha256();
  /// Append bytes to the message.
  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  /// Finish the message and return the 32-byte digest. The object must not be updated afterwards.
  [[nodiscard]] std::array<std::uint8_t, 32> digest();
  /// digest() as 64 lower-case hex digits.
  [[nodiscard]] std::string hex_digest();

 private:
  void compress(const std::uint8_t* block);
  std::array<std::uint32_t, 8> state_{};
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
  bool finished_ = false;
};

/// SHA-256 of `text` as 64 lower-case hex digits.
[[nodiscard]] std::string sha256_hex(std::string_view text);

/// SHA-256 of the content of the file at `path` as 64 lower-case hex digits (read in blocks, so
/// a large model file is not held in memory). Throws InputError naming the file when it cannot be
/// opened or read.
[[nodiscard]] std::string sha256_file_hex(const std::string& path);

/// The exact value of `x` as a C99 hex float ("0x1.91eb851eb851fp+1"), which parses back to the
/// same bits with std::strtod; for fingerprints and exact text round trips.
[[nodiscard]] std::string hex_double(double x);

}  // namespace ioncycle::core
