// SPDX-License-Identifier: MIT
#include "core/error.hpp"

#include <cstdio>
#include <cstdlib>

namespace ioncycle {

std::string SourceLocation::str() const {
  if (file.empty()) return {};
  std::string s = file;
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
  }
  return s;
}

std::string InputError::compose(const SourceLocation& where, const std::string& message,
                                const std::string& hint) {
  std::string s;
  if (where.known()) s = where.str() + ": ";
  s += "error: " + message;
  if (!hint.empty()) s += "\n  hint: " + hint;
  return s;
}

InputError::InputError(SourceLocation where, std::string message, std::string hint)
    : Error(compose(where, message, hint)),
      where_(std::move(where)),
      message_(std::move(message)),
      hint_(std::move(hint)) {}

InputError::InputError(std::string message, std::string hint)
    : InputError(SourceLocation{}, std::move(message), std::move(hint)) {}

InputError InputError::located(const SourceLocation& where) const {
  if (where_.known()) return *this;
  return InputError(where, message_, hint_);
}

SimulationError::SimulationError(std::string context, std::string message)
    : Error("error: " + (context.empty() ? message : context + ": " + message)),
      context_(std::move(context)) {}

SimulationError::SimulationError(std::string message) : SimulationError(std::string{}, std::move(message)) {}

BackendError::BackendError(std::string backend, std::string message)
    : Error("error: " + backend + ": " + message), backend_(std::move(backend)) {}

namespace detail {
void assertion_failed(const char* expr, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "ioncycle internal error: %s (%s) at %s:%d\n", msg, expr, file, line);
  std::abort();
}
}  // namespace detail

}  // namespace ioncycle
