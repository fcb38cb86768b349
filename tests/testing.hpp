// SPDX-License-Identifier: MIT
//
// Shared helpers for the Catch2 tests: paths to test data and the build, temporary
// directories, and running the ioncycle binary or the venv's Python.
#pragma once

#include <string>
#include <vector>

#include "core/system.hpp"

namespace ioncycle::testing {

/// tests/data/<name>
[[nodiscard]] std::string data_path(const std::string& name);
/// <repository>/<relative>
[[nodiscard]] std::string source_path(const std::string& relative);
/// A fresh, empty temporary directory (removed at process exit is not guaranteed).
[[nodiscard]] std::string temp_dir(const std::string& prefix);

struct CommandResult {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr together
};
/// Run a shell command line, capturing its output.
[[nodiscard]] CommandResult run_command(const std::string& command_line);
/// The whole content of a text file ("" when it cannot be opened).
[[nodiscard]] std::string read_file(const std::string& path);
/// The lines of `text`, without their line ends.
[[nodiscard]] std::vector<std::string> lines_of(const std::string& text);
/// The comma-separated cells of one CSV line (unquoted tables, as the tests' own).
[[nodiscard]] std::vector<std::string> csv_cells(const std::string& line);
/// The data rows of a CSV file (header and empty lines skipped), each as its cells.
[[nodiscard]] std::vector<std::vector<std::string>> csv_rows(const std::string& path);
/// fcc argon, 3x3x3 conventional cells (108 atoms) at a = 5.26 Å (near its 0 K minimum with
/// σ = 3.405 Å), periodic, at rest: every force is zero by symmetry.
[[nodiscard]] core::System fcc_argon();
/// Quote a string for /bin/sh.
[[nodiscard]] std::string shell_quote(const std::string& s);
/// Path of the ioncycle executable built with the tests.
[[nodiscard]] std::string ioncycle_binary();
/// Path of the venv's Python.
[[nodiscard]] std::string python();
/// Run `script` (Python source) with the venv's Python and the given already-quoted arguments.
/// The script is written to a temporary file first: TorchScript needs real source files to
/// compile classes, which `python -c` does not provide.
[[nodiscard]] CommandResult run_python(const std::string& script, const std::string& args = {});

/// The rest of every line of `output` that starts with "`tag` " (reference scripts print their
/// results as "RESULT n E fx fy fz ..."), in order.
[[nodiscard]] std::vector<std::string> tagged_lines(const std::string& output, const std::string& tag);

/// Write the six structures every backend is compared on (AB graphite 4x4x2, LiC6, LiCoO2
/// 2x2x1, NMC811, graphite with a vacancy, a narrow triclinic cell; built by ASE in
/// tests/python/acceptance_structures.py) into `dir` as extxyz; returns their paths.
[[nodiscard]] std::vector<std::string> write_acceptance_structures(const std::string& dir);

}  // namespace ioncycle::testing
