// SPDX-License-Identifier: MIT
//
// Synthetic trajectories for the transport tests: Gaussian random walks of ions with a known
// diffusion coefficient (in-plane and along the normal z separately), in a cell that may change
// shape every frame (a and b stay in the xy plane so that the a×b normal stays z; c tilts), with
// positions wrapped into each frame's cell, ions that may appear and disappear, and a few host
// atoms (C) that do not move. The wrapped position of frame k+1 is wrap_{k+1}(w_k + δ_k): the true
// displacement δ_k is then what an unwrapper working in the later frame's cell must recover
// (this is how a barostat that changes the cell without rescaling positions looks; see msd.hpp).
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "analysis/trajectory.hpp"
#include "core/cell.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"

namespace ioncycle::testing {

struct WalkSpec {
  int num_ions = 8;
  int num_frames = 400;
  double D_inplane = 0.01;  ///< Å²/fs
  double D_normal = 0.01;   ///< Å²/fs
  double frame_fs = 10.0;   ///< time between frames
  std::int64_t steps_per_frame = 10;
  bool changing_cell = true;
  /// Ion i (i >= 2) exists only in frames [birth_i, death_i): a random life of at least a fifth of
  /// the run; ions 0 and 1 live throughout.
  bool appear_disappear = true;
  int num_host = 4;
  double temperature_K = 300.0;
  std::uint64_t seed = 1;
};

struct Walk {
  analysis::Trajectory trajectory;
  /// true_positions[frame][ion]: unwrapped position of ion i (valid only where it exists).
  std::vector<std::vector<core::Vec3>> true_positions;
  std::vector<int> birth, death;  ///< per ion
};

inline core::Cell walk_cell(int k, bool changing) {
  const double L = 14.0;
  if (!changing) return core::Cell::orthorhombic(L, L, L);
  const double t = static_cast<double>(k);
  core::Mat3 h;
  h << L * (1.0 + 0.06 * std::sin(0.13 * t)), 0.0, 0.0,  //
      2.0 * std::sin(0.07 * t), L * (1.0 + 0.05 * std::cos(0.11 * t)), 0.0,  //
      1.5 * std::cos(0.05 * t), -1.0 * std::sin(0.09 * t), L * (1.0 + 0.04 * std::sin(0.17 * t));
  return core::Cell(h);
}

inline Walk make_walk(const WalkSpec& spec) {
  core::Rng rng(spec.seed, 17);
  Walk walk;
  const auto n = static_cast<std::size_t>(spec.num_ions);
  walk.birth.assign(n, 0);
  walk.death.assign(n, spec.num_frames);
  if (spec.appear_disappear) {
    const int min_life = spec.num_frames / 5;
    for (std::size_t i = 2; i < n; ++i) {
      const int life = min_life + static_cast<int>(rng.uniform_index(static_cast<std::uint64_t>(spec.num_frames - min_life)));
      walk.birth[i] = static_cast<int>(rng.uniform_index(static_cast<std::uint64_t>(spec.num_frames - life + 1)));
      walk.death[i] = walk.birth[i] + life;
    }
  }
  const double s_in = std::sqrt(2.0 * spec.D_inplane * spec.frame_fs);
  const double s_n = std::sqrt(2.0 * spec.D_normal * spec.frame_fs);
  std::vector<core::Vec3> wrapped(n), unwrapped(n);
  std::vector<core::Vec3> host(static_cast<std::size_t>(spec.num_host));
  for (auto& h : host) h = core::Vec3(rng.uniform(0.0, 0.9), rng.uniform(0.0, 0.9), rng.uniform(0.0, 0.9));
  for (int k = 0; k < spec.num_frames; ++k) {
    const core::Cell cell = walk_cell(k, spec.changing_cell);
    analysis::TrajectoryFrame frame;
    frame.step = k * spec.steps_per_frame;
    frame.time_fs = k * spec.frame_fs;
    frame.system = core::System(cell);
    frame.observables["temperature"] = {spec.temperature_K};
    // Host atoms first, ids 0..num_host-1 (fixed fractional positions).
    for (std::size_t h = 0; h < host.size(); ++h) {
      core::AtomSpec atom;
      atom.z = 6;
      atom.position = cell.to_cartesian(host[h]);
      atom.id = static_cast<core::AtomId>(h);
      frame.system.add_atom(atom);
    }
    walk.true_positions.emplace_back(n, core::Vec3::Zero());
    for (std::size_t i = 0; i < n; ++i) {
      if (k < walk.birth[i] || k >= walk.death[i]) continue;
      if (k == walk.birth[i]) {
        unwrapped[i] = cell.to_cartesian(core::Vec3(rng.uniform(), rng.uniform(), rng.uniform()));
        wrapped[i] = cell.wrap(unwrapped[i]);
      } else {
        const core::Vec3 step(s_in * rng.normal(), s_in * rng.normal(), s_n * rng.normal());
        unwrapped[i] += step;
        wrapped[i] = cell.wrap(wrapped[i] + step);
      }
      walk.true_positions.back()[i] = unwrapped[i];
      core::AtomSpec atom;
      atom.z = 3;
      atom.position = wrapped[i];
      atom.id = static_cast<core::AtomId>(100 + i);
      frame.system.add_atom(atom);
    }
    walk.trajectory.push_back(std::move(frame));
  }
  return walk;
}

inline std::vector<std::size_t> all_frames(const analysis::Trajectory& trajectory) {
  std::vector<std::size_t> frames(trajectory.size());
  for (std::size_t k = 0; k < frames.size(); ++k) frames[k] = k;
  return frames;
}

}  // namespace ioncycle::testing
