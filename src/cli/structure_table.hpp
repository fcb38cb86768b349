// SPDX-License-Identifier: MIT
//
// The [structure] table shared by `ioncycle run`, `ioncycle md` and `ioncycle build`: the host
// is read from a file (`file`, relative to the configuration file, optional `format` and
// `frame`) or built (`builder` = "graphite", "graphene", "layered_oxide" with its keys; see
// docs/builders.md); then the [[structure.fault]] stacking faults and the [[structure.defect]]
// point defects are applied in file order. Everything is validated and applied in memory, so
// every mistake is an InputError located at its key and nothing has been written when it is
// thrown.
//
// Seed: the [run] seed when the file has one (`run_seed`), else `seed` in [structure], else 1.
// Giving both is an error. Every builder, fault and defect applied is recorded in the frame's
// info (docs/formats.md, "Structure metadata"): `builder` (JSON text of the builder's
// parameters), `build_seed`, and `defects` (one record per fault and defect).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "io/frame.hpp"
#include "io/structure_io.hpp"

namespace ioncycle::cli {

struct LoadedStructure {
  io::Frame frame;                         ///< the host with faults and defects applied
  std::string path;                        ///< resolved file path; empty for a built host
  io::Format format = io::Format::extxyz;  ///< as given or guessed from the name
  std::optional<std::string> format_name;  ///< `format` as written, if given
  std::int64_t frame_index = -1;           ///< `frame` as written (0 = first, -1 = last)
  std::optional<std::string> builder;      ///< the builder's name when built
  std::uint64_t seed = 1;                  ///< seed of the builder and defects
  std::vector<std::string> applied;        ///< one line per builder, fault and defect applied
  std::string resolved_toml;               ///< the [structure] section for resolved.toml
};

/// Read [structure]; `base_dir` is the directory of the configuration file, `run_seed` the
/// [run] seed when the file gives one. Rejects unknown keys.
[[nodiscard]] LoadedStructure load_structure(const core::ConfigTable& structure, const std::filesystem::path& base_dir,
                                             std::optional<std::uint64_t> run_seed = std::nullopt);

/// "path (format)" or "built: graphite AB, 4x4, 4 layers" for logs.
[[nodiscard]] std::string structure_label(const LoadedStructure& s);

}  // namespace ioncycle::cli
