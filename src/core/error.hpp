// SPDX-License-Identifier: MIT
//
// Error types of ioncycle. Library code throws; only src/cli catches, prints one paragraph and
// returns a non-zero status.
//   - InputError: something the user wrote (a TOML key, a structure file, a command-line value)
//     is wrong. Carries file:line:column where known, the message, and a hint on how to fix it.
//   - SimulationError: a run went wrong at run time (non-finite energy, no insertion site);
//     carries the context (cycle, step, time, atom ids) as text.
//   - BackendError: a third-party library (libtorch, HDF5) failed; wrapped at the call site.
// IONCYCLE_ASSERT is for programmer bugs only, never for bad input.
#pragma once

#include <stdexcept>
#include <string>

namespace ioncycle {

/// Where in a user's file something is. line and column are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  [[nodiscard]] bool known() const { return !file.empty(); }
  /// "file:line:column", "file:line", "file" or "" depending on what is known.
  [[nodiscard]] std::string str() const;
};

/// Base of every ioncycle error.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad user input. what() reads "file:line:col: error: message" plus "\n  hint: ..." when a
/// hint is given, the form compilers and LAMMPS users know.
class InputError : public Error {
 public:
  InputError(SourceLocation where, std::string message, std::string hint = {});
  /// Without a location (e.g. a quantity string parsed before its origin is known).
  explicit InputError(std::string message, std::string hint = {});

  [[nodiscard]] const SourceLocation& where() const { return where_; }
  [[nodiscard]] const std::string& message() const { return message_; }
  [[nodiscard]] const std::string& hint() const { return hint_; }

  /// The same error placed at a location (used when a value parsed in isolation turns out to
  /// come from a file position). Keeps an already known location.
  [[nodiscard]] InputError located(const SourceLocation& where) const;

 private:
  static std::string compose(const SourceLocation& where, const std::string& message,
                             const std::string& hint);
  SourceLocation where_;
  std::string message_;
  std::string hint_;
};

/// A failure during a run; `context` says where (e.g. "cycle 2, step 3 'intercalate', t = 48.0 ps").
class SimulationError : public Error {
 public:
  SimulationError(std::string context, std::string message);
  explicit SimulationError(std::string message);
  [[nodiscard]] const std::string& context() const { return context_; }

 private:
  std::string context_;
};

/// A failure inside a third-party backend (libtorch, HDF5), with the backend named.
class BackendError : public Error {
 public:
  BackendError(std::string backend, std::string message);
  [[nodiscard]] const std::string& backend() const { return backend_; }

 private:
  std::string backend_;
};

namespace detail {
[[noreturn]] void assertion_failed(const char* expr, const char* file, int line, const char* msg);
}  // namespace detail

}  // namespace ioncycle

/// Programmer-bug check, active in every build type (cheap checks only).
#define IONCYCLE_ASSERT(expr, msg) \
  ((expr) ? static_cast<void>(0)   \
          : ::ioncycle::detail::assertion_failed(#expr, __FILE__, __LINE__, msg))
