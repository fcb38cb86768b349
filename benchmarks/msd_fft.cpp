// SPDX-License-Identifier: MIT
//
// FFT MSD against the direct O(T²) MSD (issue 7: the FFT must be at least 100× faster at 10^5
// frames and agree to 1e-10 relative). The trajectory: FRAMES frames of a Gaussian random walk
// (D = 0.01 Å²/fs, 10 fs between frames) of IONS Li ions in a fixed 20 Å cubic box, wrapped,
// plus two fixed C atoms. Both methods run on the same frames, for real (no extrapolation);
// the agreement is the largest relative difference over all lags and the three MSD components.
// With fewer than 8 ions the MSD runs on one thread (msd.cpp), so both timings are single-core.
//
// Usage: bench_msd_fft [FRAMES=100000] [IONS=4] [SKIP_DIRECT=0]
// Prints one JSON object.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "analysis/msd.hpp"
#include "core/rng.hpp"

using namespace ioncycle;

namespace {

analysis::Trajectory random_walk(int num_frames, int num_ions) {
  const core::Cell cell = core::Cell::orthorhombic(20.0, 20.0, 20.0);
  core::Rng rng(2024);
  const double sigma = std::sqrt(2.0 * 0.01 * 10.0);
  std::vector<core::Vec3> r(static_cast<std::size_t>(num_ions));
  for (auto& p : r) p = core::Vec3(rng.uniform(0, 20), rng.uniform(0, 20), rng.uniform(0, 20));
  analysis::Trajectory trajectory;
  trajectory.reserve(static_cast<std::size_t>(num_frames));
  for (int k = 0; k < num_frames; ++k) {
    analysis::TrajectoryFrame frame;
    frame.step = 10 * k;
    frame.time_fs = 10.0 * k;
    frame.system = core::System(cell);
    for (int c = 0; c < 2; ++c) {
      core::AtomSpec atom;
      atom.z = 6;
      atom.position = core::Vec3(5.0 + 10.0 * c, 5.0, 5.0);
      atom.id = c;
      frame.system.add_atom(atom);
    }
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (k > 0) r[i] += core::Vec3(sigma * rng.normal(), sigma * rng.normal(), sigma * rng.normal());
      core::AtomSpec atom;
      atom.z = 3;
      atom.position = cell.wrap(r[i]);
      atom.id = static_cast<core::AtomId>(10 + i);
      frame.system.add_atom(atom);
    }
    trajectory.push_back(std::move(frame));
  }
  return trajectory;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double max_relative(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0.0;
  for (std::size_t m = 0; m < a.size(); ++m) {
    if (a[m] == b[m]) continue;
    worst = std::max(worst, std::abs(a[m] - b[m]) / std::abs(b[m]));
  }
  return worst;
}

}  // namespace

int main(int argc, char** argv) {
  const int num_frames = argc > 1 ? std::atoi(argv[1]) : 100000;
  const int num_ions = argc > 2 ? std::atoi(argv[2]) : 4;
  const bool skip_direct = argc > 3 && std::atoi(argv[3]) != 0;
  const analysis::Trajectory trajectory = random_walk(num_frames, num_ions);
  std::vector<std::size_t> frames(trajectory.size());
  for (std::size_t k = 0; k < frames.size(); ++k) frames[k] = k;
  analysis::MsdOptions options;
  options.species = {3};

  auto start = std::chrono::steady_clock::now();
  const analysis::MsdCurve fft = analysis::compute_msd(trajectory, frames, options);
  const double fft_s = seconds_since(start);
  double direct_s = std::nan("");
  double agreement = std::nan("");
  if (!skip_direct) {
    start = std::chrono::steady_clock::now();
    const analysis::MsdCurve direct = analysis::compute_msd_direct(trajectory, frames, options);
    direct_s = seconds_since(start);
    agreement = std::max({max_relative(fft.msd, direct.msd), max_relative(fft.msd_inplane, direct.msd_inplane),
                          max_relative(fft.msd_normal, direct.msd_normal)});
  }
  std::printf(
      "{\"frames\": %d, \"ions\": %d, \"lags\": %zu, \"fft_s\": %.4f, \"direct_s\": %.3f, \"speedup\": %.1f, "
      "\"max_relative_difference\": %.3e}\n",
      num_frames, num_ions, fft.lag_fs.size(), fft_s, direct_s, direct_s / fft_s, agreement);
  return 0;
}
