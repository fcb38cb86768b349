// SPDX-License-Identifier: MIT
//
// Small string helpers shared by parsers and error messages: trimming, splitting, strict number
// parsing, and the "did you mean" suggestion (Levenshtein distance). Pure; thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ioncycle::core {

[[nodiscard]] std::string_view trim(std::string_view s);
/// Split on runs of whitespace; no empty tokens.
[[nodiscard]] std::vector<std::string_view> split_whitespace(std::string_view s);
[[nodiscard]] std::string to_lower(std::string_view s);
/// Items joined by `separator` ("a, b, c").
[[nodiscard]] std::string join(std::span<const std::string> items, std::string_view separator);
[[nodiscard]] bool iequals(std::string_view a, std::string_view b);

/// The whole token as a finite double (std::from_chars; also accepts Fortran 'D' exponents);
/// nullopt for anything else ("1.0x", "", "nan", "inf").
[[nodiscard]] std::optional<double> parse_double(std::string_view s);
/// The whole token as an integer; nullopt otherwise.
[[nodiscard]] std::optional<long long> parse_integer(std::string_view s);

/// Edit distance (insertions, deletions, substitutions; case-sensitive).
[[nodiscard]] std::size_t edit_distance(std::string_view a, std::string_view b);
/// The candidate closest to `word` if it is close enough to be a plausible typo
/// (distance <= max(1, word.size() / 3), or equal ignoring case); nullopt otherwise.
[[nodiscard]] std::optional<std::string> nearest(std::string_view word,
                                                 std::span<const std::string> candidates);
/// "did you mean 'x'?" or "" when nothing is close.
[[nodiscard]] std::string did_you_mean(std::string_view word, std::span<const std::string> candidates);

/// Shortest decimal text that parses back to exactly `x` (std::to_chars), e.g. "0.1", "1e-10".
[[nodiscard]] std::string format_double(double x);

}  // namespace ioncycle::core
