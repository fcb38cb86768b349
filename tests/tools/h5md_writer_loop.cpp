// SPDX-License-Identifier: MIT
//
// Writes the H5MD trajectory of tests/tools/h5md_loop_frames.hpp frame after frame and prints
// "flushed K" once frame K is flushed, until killed (or until --frames frames). The kill test
// in tests/unit/io/test_h5md.cpp starts it, reads these lines, sends SIGKILL and checks that
// every flushed frame reads back.
//
// With --step 1 it waits for one line on standard input after each frame before writing the
// next, so the test decides exactly where the writer stands when it is killed (between two
// frames) without relying on timing; the writer stops at end of input.
//
//   h5md_writer_loop PATH [--atoms N] [--frames N] [--step 0|1]
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "io/h5md_writer.hpp"
#include "tools/h5md_loop_frames.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PATH [--atoms N] [--frames N] [--step 0|1]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  std::size_t atoms = 2000;
  std::size_t frames = static_cast<std::size_t>(-1);
  bool step = false;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    const long value = std::strtol(argv[i + 1], nullptr, 10);
    if (key == "--atoms")
      atoms = static_cast<std::size_t>(value);
    else if (key == "--frames")
      frames = static_cast<std::size_t>(value);
    else if (key == "--step")
      step = value != 0;
    else {
      std::fprintf(stderr, "unknown option %s\n", key.c_str());
      return 2;
    }
  }
  try {
    ioncycle::io::H5mdWriterOptions options;
    options.author = "h5md_writer_loop";
    options.write_velocities = true;
    options.write_forces = true;
    auto writer = ioncycle::io::H5mdWriter::create(path, options);
    for (std::size_t k = 0; k < frames; ++k) {
      const auto f = ioncycle::testing::loop_frame(k, atoms);
      const ioncycle::io::H5mdObservable energy{"potential_energy", {f.potential_energy}, "eV"};
      writer.append_frame(f.system, f.step, f.time_fs, {&energy, 1});
      std::printf("flushed %zu\n", k);
      std::fflush(stdout);
      if (step) {
        char go[16];
        if (std::fgets(go, sizeof go, stdin) == nullptr) break;  // the test closed its end
      }
    }
    writer.close();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
