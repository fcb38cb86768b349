// SPDX-License-Identifier: MIT
//
// Writes the checkpoints of tests/tools/checkpoint_loop_states.hpp to one path, one after the
// other, and prints "written K" once checkpoint K is in place, until killed (or until
// --count checkpoints). The kill test in tests/unit/io/test_checkpoint.cpp starts it, reads these
// lines, sends SIGKILL at a random moment and checks that the path holds one complete state.
//
//   checkpoint_writer_loop PATH [--atoms N] [--count N]
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "io/checkpoint.hpp"
#include "tools/checkpoint_loop_states.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PATH [--atoms N] [--count N]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  std::size_t atoms = 20000;
  std::size_t count = static_cast<std::size_t>(-1);
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const long value = std::strtol(argv[i + 1], nullptr, 10);
    if (key == "--atoms")
      atoms = static_cast<std::size_t>(value);
    else if (key == "--count")
      count = static_cast<std::size_t>(value);
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  try {
    for (std::size_t k = 0; k < count; ++k) {
      ioncycle::io::write_checkpoint(path, ioncycle::testing::loop_checkpoint(k, atoms));
      std::printf("written %zu\n", k);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
