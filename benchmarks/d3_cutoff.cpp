// SPDX-License-Identifier: MIT
//
// One D3(BJ) (PBE) force call on a structure file with the given cutoffs and tail correction:
// prints the result and the median time of `repeats` calls after a warm-up, as JSON, for
// benchmarks/d3_cutoff_error.py (which compares short cutoffs with the reference 95/40 Bohr).
//
// Usage: cmake --build build --target bench_d3_cutoff &&
//        build/benchmarks/bench_d3_cutoff FILE CUTOFF_A CN_CUTOFF_A TAIL(0|1) REPEATS
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/neighbor_list.hpp"
#include "io/structure_io.hpp"
#include "potentials/d3_dispersion.hpp"

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s FILE CUTOFF_A CN_CUTOFF_A TAIL REPEATS\n", argv[0]);
    return 2;
  }
  const auto system = ioncycle::io::read_structure(argv[1]).system;
  ioncycle::potentials::D3Settings settings;
  settings.cutoff = std::atof(argv[2]);
  settings.cn_cutoff = std::atof(argv[3]);
  settings.tail_correction = std::atoi(argv[4]) != 0;
  const int repeats = std::max(1, std::atoi(argv[5]));
  ioncycle::potentials::D3Dispersion d3(settings);
  ioncycle::core::NeighborList list({0.0, 0.5, ioncycle::core::NeighborKind::half});
  list.build(system);
  ioncycle::potentials::ForceResult result;
  d3.compute(system, list, {}, result);  // warm-up: buffers sized
  std::vector<double> seconds;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    d3.compute(system, list, {}, result);
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(seconds.begin(), seconds.end());
  std::printf("{\"atoms\": %zu, \"seconds\": %.6e, \"energy\": %.17g, \"volume\": %.17g, \"virial\": [", system.num_atoms(),
              seconds[seconds.size() / 2], result.energy, system.cell().volume());
  for (int k = 0; k < 9; ++k) std::printf("%s%.17g", k ? ", " : "", result.virial(k / 3, k % 3));
  std::printf("], \"forces\": [");
  for (std::size_t i = 0; i < result.forces.size(); ++i) {
    const auto& f = result.forces[i];
    std::printf("%s[%.17g, %.17g, %.17g]", i ? ", " : "", f[0], f[1], f[2]);
  }
  std::printf("]}\n");
  return 0;
}
