// SPDX-License-Identifier: MIT
//
// Cost of one D3(BJ) force call (energy, forces, virial; PBE, default cutoffs 95/40 Bohr) on AB
// graphite of 200 and 1024 atoms, on 1 and 2 OpenMP threads: best and median of several calls
// after one warm-up, and the energy-only path. Not a test; results are in docs/models.md (D3).
//
// Usage: g++ -O3 -DNDEBUG -std=c++20 -fopenmp -Isrc -I/usr/include/eigen3 benchmarks/d3_cost.cpp src/potentials/d3_dispersion.cpp src/potentials/d3_parameters.cpp src/potentials/potential.cpp build/libioncycle_core.a -o build/d3_cost && build/d3_cost [repeats]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include <omp.h>

#include "core/neighbor_list.hpp"
#include "core/system.hpp"
#include "potentials/d3_dispersion.hpp"

namespace {

using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::System;
using ioncycle::core::Vec3;

// AB graphite, a = 2.46 Å, c = 6.70 Å, na x nb x nc cells of 4 atoms.
System graphite(int na, int nb, int nc) {
  const double a = 2.46;
  const double c = 6.70;
  Mat3 h;
  h << a, 0.0, 0.0, -0.5 * a, 0.5 * std::sqrt(3.0) * a, 0.0, 0.0, 0.0, c;
  Mat3 big = h;
  big.row(0) *= na;
  big.row(1) *= nb;
  big.row(2) *= nc;
  System s{Cell(big)};
  const Vec3 basis[4] = {{0.0, 0.0, 0.25}, {1.0 / 3.0, 2.0 / 3.0, 0.25}, {0.0, 0.0, 0.75}, {2.0 / 3.0, 1.0 / 3.0, 0.75}};
  std::srand(1);
  for (int i = 0; i < na; ++i) {
    for (int j = 0; j < nb; ++j) {
      for (int k = 0; k < nc; ++k) {
        for (const Vec3& f : basis) {
          ioncycle::core::AtomSpec spec;
          spec.z = 6;
          const Vec3 jitter(std::rand() / (RAND_MAX + 1.0) - 0.5, std::rand() / (RAND_MAX + 1.0) - 0.5,
                            std::rand() / (RAND_MAX + 1.0) - 0.5);
          spec.position = h.transpose() * (f + Vec3(i, j, k)) + 0.05 * jitter;
          s.add_atom(spec);
        }
      }
    }
  }
  return s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int repeats = argc > 1 ? std::atoi(argv[1]) : 5;
  ioncycle::potentials::D3Dispersion d3;
  struct Size {
    int na, nb, nc;
  };
  // best/median: wall-clock time of one force call; cpu: processor time of all threads of that
  // call (median), which shows contention when the machine is shared.
  std::printf("%8s %8s %10s %10s %10s %10s %14s\n", "atoms", "threads", "best_ms", "median_ms", "cpu_ms",
              "energy_ms", "E_eV_per_atom");
  for (const Size size : {Size{5, 5, 2}, Size{8, 8, 4}}) {
    const System s = graphite(size.na, size.nb, size.nc);
    ioncycle::core::NeighborList list({0.0, 0.5, ioncycle::core::NeighborKind::half});
    list.build(s);
    for (const int threads : {1, 2}) {
      omp_set_num_threads(threads);
      ioncycle::potentials::ForceResult result;
      d3.compute(s, list, {}, result);  // warm-up: buffers sized
      std::vector<double> ms;
      std::vector<double> cpu_ms;
      for (int r = 0; r < repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::clock_t c0 = std::clock();
        d3.compute(s, list, {}, result);
        cpu_ms.push_back(1e3 * static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      std::vector<double> energy_ms;
      for (int r = 0; r < std::max(1, repeats / 2); ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        (void)d3.energy(s, list);
        energy_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      }
      std::printf("%8zu %8d %10.1f %10.1f %10.1f %10.1f %14.8f\n", s.num_atoms(), threads,
                  *std::min_element(ms.begin(), ms.end()), median(ms), median(cpu_ms), median(energy_ms),
                  result.energy / static_cast<double>(s.num_atoms()));
      std::fflush(stdout);
    }
  }
  return 0;
}
