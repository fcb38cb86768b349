// SPDX-License-Identifier: MIT
//
// Human-readable and JSON descriptions of a structure, shared by `ioncycle info` and `run`.
#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "io/frame.hpp"

namespace ioncycle::cli {

/// Composition, cell, volume, density, closest pair, host layers (count, heights, spacings)
/// and stacking sequence of layered hosts, and the builder recorded in the metadata; `label`
/// names the source.
void describe_structure(std::ostream& out, const io::Frame& frame, const std::string& label);
[[nodiscard]] nlohmann::json structure_json(const io::Frame& frame);

/// Defects: those recorded in the metadata (builders, generators) and those detected in the
/// geometry (defects/defect_detection.hpp). Used by `ioncycle info`.
void describe_defects(std::ostream& out, const io::Frame& frame);
[[nodiscard]] nlohmann::json defects_json(const io::Frame& frame);

}  // namespace ioncycle::cli
