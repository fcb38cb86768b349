// SPDX-License-Identifier: MIT
//
// Human-readable and JSON descriptions of a structure, shared by `ioncycle info` and `run`.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "io/frame.hpp"

namespace ioncycle::cli {

/// Composition, cell, volume, density, closest pair; `label` names the source.
void describe_structure(std::ostream& out, const io::Frame& frame, const std::string& label);
[[nodiscard]] nlohmann::json structure_json(const io::Frame& frame);

}  // namespace ioncycle::cli
