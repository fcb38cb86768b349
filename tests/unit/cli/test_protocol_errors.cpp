// SPDX-License-Identifier: MIT
//
// Every malformed run file of tests/input_errors/ run through the real command, as a user would:
// `ioncycle run FILE --output DIR/out` must exit with status 2, print exactly one error, located
// at the FILE:LINE:COL its first line states (`# expect: LINE:COL: text`) and containing the
// expected text, and leave no run directory behind.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "testing.hpp"

namespace t = ioncycle::testing;
namespace fs = std::filesystem;

namespace {

struct Expectation {
  int line = 0;
  int column = 0;
  std::string text;
};

/// The `# expect: LINE:COL: text` header of a file; line 0 when it is missing or malformed.
Expectation read_expectation(const fs::path& file) {
  std::ifstream in(file);
  std::string first;
  std::getline(in, first);
  Expectation e;
  const std::string prefix = "# expect: ";
  if (first.rfind(prefix, 0) != 0) return e;
  std::istringstream rest(first.substr(prefix.size()));
  char colon1 = 0;
  char colon2 = 0;
  if (!(rest >> e.line >> colon1 >> e.column >> colon2) || colon1 != ':' || colon2 != ':') return Expectation{};
  std::getline(rest, e.text);
  const auto start = e.text.find_first_not_of(' ');
  e.text = start == std::string::npos ? std::string{} : e.text.substr(start);
  return e;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

}  // namespace

TEST_CASE("every malformed run file in tests/input_errors stops with one located error", "[unit][cli][input_errors]") {
  const fs::path dir = fs::path(IONCYCLE_SOURCE_DIR) / "tests" / "input_errors";
  REQUIRE(fs::is_directory(dir));
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  CHECK(files.size() >= 32);

  for (const auto& file : files) {
    INFO(file.filename().string());
    const Expectation expected = read_expectation(file);
    REQUIRE(expected.line > 0);
    REQUIRE(expected.column > 0);
    REQUIRE_FALSE(expected.text.empty());

    // A fresh working directory, so nothing the command might write lands in the source tree.
    const fs::path work = t::temp_dir("protocol-errors");
    const fs::path out = work / "out";
    const fs::path stdout_file = work / "stdout.txt";
    const fs::path stderr_file = work / "stderr.txt";
    const auto result = t::run_command("( cd " + t::shell_quote(work.string()) + " && " +
                                       t::shell_quote(t::ioncycle_binary()) + " run " + t::shell_quote(file.string()) +
                                       " --output " + t::shell_quote(out.string()) + " >" +
                                       t::shell_quote(stdout_file.string()) + " 2>" +
                                       t::shell_quote(stderr_file.string()) + " )");
    const std::string err = read_text(stderr_file);
    INFO("stderr:\n" << err << "stdout:\n" << read_text(stdout_file));
    CHECK(result.exit_code == 2);

    std::vector<std::string> error_lines;
    std::istringstream lines(err);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("error:") != std::string::npos) error_lines.push_back(line);
    }
    REQUIRE(error_lines.size() == 1);
    const std::string location =
        file.string() + ":" + std::to_string(expected.line) + ":" + std::to_string(expected.column) + ": error: ";
    CHECK_THAT(error_lines[0], Catch::StartsWith(location));
    CHECK_THAT(error_lines[0], Catch::Contains(expected.text));
    CHECK_FALSE(fs::exists(out));
    fs::remove_all(work);
  }
}
