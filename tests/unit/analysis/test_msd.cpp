// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <cmath>

#include "analysis/msd.hpp"
#include "core/error.hpp"
#include "random_walk.hpp"

using namespace ioncycle;
using analysis::MsdCurve;
using analysis::MsdOptions;
using analysis::Trajectory;
using core::Vec3;

namespace {

analysis::TrajectoryFrame frame_at(std::int64_t step, double time_fs, const core::Cell& cell) {
  analysis::TrajectoryFrame f;
  f.step = step;
  f.time_fs = time_fs;
  f.system = core::System(cell);
  return f;
}

void add(analysis::TrajectoryFrame& f, int z, core::AtomId id, const Vec3& r) {
  core::AtomSpec a;
  a.z = z;
  a.id = id;
  a.position = r;
  f.system.add_atom(a);
}

double max_relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0.0;
  for (std::size_t m = 0; m < a.size(); ++m) {
    if (a[m] == b[m]) continue;
    worst = std::max(worst, std::abs(a[m] - b[m]) / std::max(std::abs(b[m]), 1e-300));
  }
  return worst;
}

}  // namespace

TEST_CASE("MSD time grid: most common step interval, off-grid frames dropped, gaps kept", "[unit][analysis][msd]") {
  Trajectory t;
  const core::Cell cell = core::Cell::orthorhombic(10, 10, 10);
  // Steps 0..90 every 10, plus chunk-end frames at 15 and 37, and 50 missing.
  for (std::int64_t s : {0, 10, 15, 20, 30, 37, 40, 60, 70, 80, 90}) t.push_back(frame_at(s, 0.5 * static_cast<double>(s), cell));
  const auto frames = testing::all_frames(t);
  const analysis::TimeGrid grid = analysis::make_time_grid(t, frames);
  CHECK(grid.interval_steps == 10);
  CHECK(grid.interval_fs == Approx(5.0));
  CHECK(grid.index == std::vector<std::int64_t>{0, 1, 2, 3, 4, 6, 7, 8, 9});
  CHECK(grid.frames == std::vector<std::size_t>{0, 1, 3, 4, 6, 7, 8, 9, 10});
  CHECK(grid.span() == 10);

  // A segment starting on a chunk-end frame (step 37) keeps the residue of the majority.
  const std::vector<std::size_t> late{5, 6, 7, 8, 9, 10};
  const analysis::TimeGrid g2 = analysis::make_time_grid(t, late);
  CHECK(g2.interval_steps == 10);
  CHECK(g2.frames == std::vector<std::size_t>{6, 7, 8, 9, 10});
  CHECK(g2.index == std::vector<std::int64_t>{0, 2, 3, 4, 5});
}

TEST_CASE("MSD of ballistic motion is (v t)^2, split along a given normal", "[unit][analysis][msd]") {
  // x(t) = x0 + v t exactly: MSD(t) = |v|² t², in-plane |v_⊥|² t², normal (v·n)² t², for
  // every origin, so the time average is exact.
  Trajectory t;
  const core::Cell cell = core::Cell::orthorhombic(50, 50, 50);
  const Vec3 v(0.03, -0.02, 0.05);  // Å/fs
  for (int k = 0; k < 40; ++k) {
    auto f = frame_at(k * 4, k * 2.0, cell);
    add(f, 3, 7, cell.wrap(Vec3(1, 2, 3) + v * (k * 2.0)));
    add(f, 6, 1, Vec3(5, 5, 5));
    t.push_back(std::move(f));
  }
  MsdOptions options;
  options.species = {3};
  const Vec3 n = Vec3(1, 1, 0).normalized();
  options.normal = Vec3(2, 2, 0);
  const MsdCurve c = analysis::compute_msd(t, testing::all_frames(t), options);
  REQUIRE(c.lag_fs.size() == 40);
  CHECK(c.num_atoms == 1);
  CHECK(c.num_tracks == 1);
  CHECK(c.normal.isApprox(n));
  for (std::size_t m = 0; m < 40; ++m) {
    const double tau = 2.0 * static_cast<double>(m);
    CHECK(c.lag_fs[m] == Approx(tau));
    CHECK(c.count[m] == Approx(40.0 - static_cast<double>(m)));
    const double vn = v.dot(n);
    CHECK(c.msd[m] == Approx(v.squaredNorm() * tau * tau).margin(1e-9));
    CHECK(c.msd_normal[m] == Approx(vn * vn * tau * tau).margin(1e-9));
    CHECK(c.msd_inplane[m] == Approx((v.squaredNorm() - vn * vn) * tau * tau).margin(1e-9));
  }
}

TEST_CASE("MSD counts (track window, origin) pairs over each ion's lifetime and across gaps", "[unit][analysis][msd]") {
  // Ion 10 lives at grid points 0..9 except point 4 (no frame there at all: a gap); ion 11
  // lives at 5..7. Windows: ion 10 {0..3} and {5..9}, ion 11 {5..7}.
  Trajectory t;
  const core::Cell cell = core::Cell::orthorhombic(20, 20, 20);
  for (int k = 0; k < 10; ++k) {
    if (k == 4) continue;
    auto f = frame_at(k * 100, k * 100.0, cell);
    add(f, 3, 10, Vec3(1.0 + 0.1 * k, 1, 1));
    if (k >= 5 && k <= 7) add(f, 3, 11, Vec3(3, 3, 3.0 + 0.2 * k));
    add(f, 6, 0, Vec3(0, 0, 0));
    t.push_back(std::move(f));
  }
  MsdOptions options;
  options.species = {3};
  const MsdCurve c = analysis::compute_msd(t, testing::all_frames(t), options);
  CHECK(c.num_atoms == 2);
  CHECK(c.num_tracks == 3);
  const std::vector<double> expected_count{4 + 5 + 3, 3 + 4 + 2, 2 + 3 + 1, 1 + 2, 1};
  REQUIRE(c.count.size() == expected_count.size());
  for (std::size_t m = 0; m < expected_count.size(); ++m) CHECK(c.count[m] == expected_count[m]);
  // Lag 1: ion 10 moves 0.1 Å per grid point (7 pairs), ion 11 0.2 Å (2 pairs).
  CHECK(c.msd[1] == Approx((7 * 0.01 + 2 * 0.04) / 9.0));
  CHECK(c.msd_normal[1] == Approx(2 * 0.04 / 9.0));
  // Lag 4: only ion 10's second window, 0.4 Å.
  CHECK(c.msd[4] == Approx(0.16));

  MsdOptions host;
  host.host = true;
  const MsdCurve h = analysis::compute_msd(t, testing::all_frames(t), host);
  CHECK(h.num_atoms == 1);
  CHECK(h.msd[1] == Approx(0.0).margin(1e-15));

  MsdOptions none;
  CHECK_THROWS_AS(analysis::compute_msd(t, testing::all_frames(t), none), InputError);
}

TEST_CASE("Unwrapping in a cell that changes shape every frame recovers the true displacements",
          "[unit][analysis][msd]") {
  testing::WalkSpec spec;
  spec.num_ions = 6;
  spec.num_frames = 300;
  spec.D_inplane = 0.04;  // σ ≈ 0.9 Å per component and frame: many boundary crossings
  spec.D_normal = 0.02;
  spec.seed = 5;
  const auto walk = testing::make_walk(spec);
  MsdOptions options;
  options.species = {3};
  const auto tracks = analysis::unwrapped_tracks(walk.trajectory, testing::all_frames(walk.trajectory), options);
  REQUIRE(tracks.size() == 6);
  double max_error = 0.0;
  double max_travel = 0.0;
  for (const auto& track : tracks) {
    const auto ion = static_cast<std::size_t>(track.id - 100);
    CHECK(track.first_point == walk.birth[ion]);
    REQUIRE(static_cast<int>(track.positions.size()) == walk.death[ion] - walk.birth[ion]);
    const Vec3 r0 = walk.true_positions[static_cast<std::size_t>(walk.birth[ion])][ion];
    for (std::size_t k = 0; k < track.positions.size(); ++k) {
      const Vec3 truth = walk.true_positions[static_cast<std::size_t>(walk.birth[ion]) + k][ion] - r0;
      const Vec3 got = track.positions[k] - track.positions[0];
      max_error = std::max(max_error, (got - truth).norm());
      max_travel = std::max(max_travel, truth.norm());
    }
  }
  CHECK(max_error < 1e-9);
  CHECK(max_travel > 20.0);  // the walk really left the cell (L ≈ 14 Å)
}

TEST_CASE("FFT MSD equals the direct O(T^2) MSD with gaps, off-grid frames and ions that come and go",
          "[unit][analysis][msd]") {
  testing::WalkSpec spec;
  spec.num_ions = 10;
  spec.num_frames = 500;
  spec.D_inplane = 0.02;
  spec.D_normal = 0.005;
  spec.seed = 11;
  auto walk = testing::make_walk(spec);
  Trajectory t;
  for (std::size_t k = 0; k < walk.trajectory.size(); ++k) {
    if (k == 150 || k == 420 || (k >= 300 && k < 305)) continue;  // gaps in the grid
    t.push_back(walk.trajectory[k]);
    if (k % 31 == 3) {  // an off-grid chunk-end frame
      auto extra = walk.trajectory[k];
      extra.step += 3;
      extra.time_fs += 3.0;
      t.push_back(std::move(extra));
    }
  }
  for (const bool host : {false, true}) {
    MsdOptions options;
    options.species = {3};
    options.host = host;
    const auto frames = testing::all_frames(t);
    const MsdCurve fft = analysis::compute_msd(t, frames, options);
    const MsdCurve direct = analysis::compute_msd_direct(t, frames, options);
    REQUIRE(fft.msd.size() > 100);
    CHECK(fft.num_tracks == direct.num_tracks);
    CHECK(fft.count == direct.count);
    CHECK(fft.lag_fs == direct.lag_fs);
    CHECK(fft.num_tracks > (host ? 4u : 10u));  // gaps split tracks
    CHECK(max_relative_difference(fft.msd, direct.msd) < 1e-10);
    CHECK(max_relative_difference(fft.msd_inplane, direct.msd_inplane) < 1e-10);
    CHECK(max_relative_difference(fft.msd_normal, direct.msd_normal) < 1e-10);
  }
}
