// SPDX-License-Identifier: MIT
#include "testing.hpp"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace ioncycle::testing {

std::string data_path(const std::string& name) { return std::string(IONCYCLE_TEST_DATA_DIR) + "/" + name; }

std::string temp_dir(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / ("ioncycle-" + prefix + "-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

CommandResult run_command(const std::string& command_line) {
  CommandResult result;
  const std::string cmd = command_line + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command_line);
  std::array<char, 4096> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string cell; std::getline(in, cell, ',');) out.push_back(cell);
  return out;
}

std::vector<std::vector<std::string>> csv_rows(const std::string& path) {
  std::vector<std::vector<std::string>> out;
  const auto lines = lines_of(read_file(path));
  for (std::size_t k = 1; k < lines.size(); ++k) {
    if (!lines[k].empty()) out.push_back(csv_cells(lines[k]));
  }
  return out;
}

core::System fcc_argon() {
  const double a = 5.26;
  core::System sys(core::Cell::orthorhombic(3 * a, 3 * a, 3 * a));
  const double basis[4][3] = {{0, 0, 0}, {0.5, 0.5, 0}, {0.5, 0, 0.5}, {0, 0.5, 0.5}};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int k = 0; k < 3; ++k) {
        for (const auto& b : basis) {
          core::AtomSpec atom;
          atom.z = 18;
          atom.position = {(i + b[0]) * a, (j + b[1]) * a, (k + b[2]) * a};
          sys.add_atom(atom);
        }
      }
    }
  }
  return sys;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (const char c : s) {
    if (c == '\'') q += "'\\''";
    else q += c;
  }
  return q + "'";
}

std::string ioncycle_binary() { return IONCYCLE_BINARY; }
std::string python() { return IONCYCLE_PYTHON; }

CommandResult run_python(const std::string& script, const std::string& args) {
  const std::string dir = temp_dir("py");
  const std::string path = dir + "/script.py";
  {
    std::ofstream out(path);
    out << script;
  }
  auto result = run_command(shell_quote(python()) + " " + shell_quote(path) + (args.empty() ? "" : " " + args));
  std::filesystem::remove_all(dir);
  return result;
}

std::string source_path(const std::string& relative) { return std::string(IONCYCLE_SOURCE_DIR) + "/" + relative; }

std::vector<std::string> tagged_lines(const std::string& output, const std::string& tag) {
  std::vector<std::string> out;
  const std::string prefix = tag + " ";
  std::size_t start = 0;
  while (start < output.size()) {
    const std::size_t end = std::min(output.find('\n', start), output.size());
    if (output.compare(start, prefix.size(), prefix) == 0) {
      out.push_back(output.substr(start + prefix.size(), end - start - prefix.size()));
    }
    start = end + 1;
  }
  return out;
}

std::vector<std::string> write_acceptance_structures(const std::string& dir) {
  const auto r = run_command(shell_quote(python()) + " " + shell_quote(source_path("tests/python/acceptance_structures.py")) +
                             " " + shell_quote(dir));
  if (r.exit_code != 0) throw std::runtime_error("acceptance_structures.py failed:\n" + r.output);
  std::vector<std::string> files;
  std::size_t start = 0;
  while (start < r.output.size()) {
    const std::size_t end = std::min(r.output.find('\n', start), r.output.size());
    const std::string line = r.output.substr(start, end - start);
    if (line.ends_with(".xyz")) files.push_back(line);
    start = end + 1;
  }
  if (files.size() != 6) throw std::runtime_error("acceptance_structures.py wrote " + std::to_string(files.size()) + " files:\n" + r.output);
  return files;
}

}  // namespace ioncycle::testing
