// SPDX-License-Identifier: MIT
//
// RequestError: an impossible or malformed builder or stacking-fault request, found while
// building (not while parsing), that names the TOML key it concerns. The builders are plain
// functions of parameter structs and know no file; host_spec.cpp catches a RequestError and
// re-throws it as an InputError located at that key of the user's table, so the message still
// reads "file:line:col: error: ...". Code that builds from C++ sees an ordinary InputError.
#pragma once

#include <string>

#include "core/error.hpp"

namespace ioncycle::defects {

class RequestError : public InputError {
 public:
  RequestError(std::string key, std::string message, std::string hint = {})
      : InputError(std::move(message), std::move(hint)), key_(std::move(key)) {}
  /// The TOML key responsible ("layers", "to", "composition", ...).
  [[nodiscard]] const std::string& key() const { return key_; }

 private:
  std::string key_;
};

}  // namespace ioncycle::defects
