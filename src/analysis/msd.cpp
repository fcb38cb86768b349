// SPDX-License-Identifier: MIT
#include "analysis/msd.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <map>
#include <unordered_map>
#include <utility>

#include <unsupported/Eigen/FFT>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "core/error.hpp"
#include "defects/layers.hpp"

namespace ioncycle::analysis {

namespace {

std::int64_t positive_mod(std::int64_t a, std::int64_t m) {
  const std::int64_t r = a % m;
  return r < 0 ? r + m : r;
}

// The most common value of `values` (the smallest one among ties).
std::int64_t mode_of(const std::vector<std::int64_t>& values) {
  std::map<std::int64_t, std::size_t> counts;
  for (std::int64_t v : values) ++counts[v];
  std::int64_t best = values.front();
  std::size_t best_count = 0;
  for (const auto& [v, c] : counts) {
    if (c > best_count) {
      best = v;
      best_count = c;
    }
  }
  return best;
}

bool is_selected(int z, const MsdOptions& options) {
  const auto& list = options.host ? options.ion_species : options.species;
  const bool listed = std::find(list.begin(), list.end(), z) != list.end();
  return options.host ? !listed : listed;
}

void check_selection(const MsdOptions& options) {
  if (!options.host && options.species.empty()) {
    throw InputError("MSD: no species to follow", "name the ion species, or ask for the host");
  }
}

// An orthonormal frame (e1, e2, n) with n the layer normal: coordinates along e1 and e2 are
// in-plane, along n normal.
struct Frame3 {
  core::Vec3 e1, e2, n;
};

Frame3 make_frame(const core::Vec3& normal) {
  Frame3 f;
  f.n = normal;
  // Any vector not parallel to n gives an in-plane direction; the MSD does not depend on which.
  const core::Vec3 trial = std::abs(normal.x()) < 0.9 ? core::Vec3::UnitX() : core::Vec3::UnitY();
  f.e1 = (trial - trial.dot(normal) * normal).normalized();
  f.e2 = normal.cross(f.e1);
  return f;
}

// A selected atom: its id, element and the first and last grid-frame positions (in
// grid.frames) where it is present within the requested range.
struct AtomSpan {
  core::AtomId id = 0;
  int z = 0;
  std::size_t first = 0;
  std::size_t last = 0;
};

// Positions in grid.frames of the grid points first_point..last_point.
std::pair<std::size_t, std::size_t> frame_range(const TimeGrid& grid, std::int64_t first_point,
                                                std::int64_t last_point) {
  const auto lo = std::lower_bound(grid.index.begin(), grid.index.end(), first_point);
  const auto hi = std::upper_bound(grid.index.begin(), grid.index.end(), last_point);
  return {static_cast<std::size_t>(lo - grid.index.begin()), static_cast<std::size_t>(hi - grid.index.begin())};
}

std::vector<AtomSpan> selected_atoms(const Trajectory& trajectory, const TimeGrid& grid, std::size_t begin,
                                     std::size_t end, const MsdOptions& options) {
  std::unordered_map<core::AtomId, std::size_t> slot;
  std::vector<AtomSpan> atoms;
  for (std::size_t k = begin; k < end; ++k) {
    const core::System& system = trajectory[grid.frames[k]].system;
    const auto ids = system.ids();
    const auto zs = system.atomic_numbers();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (!is_selected(zs[i], options)) continue;
      const auto [it, inserted] = slot.try_emplace(ids[i], atoms.size());
      if (inserted) {
        atoms.push_back({ids[i], zs[i], k, k});
      } else {
        atoms[it->second].last = k;
      }
    }
  }
  std::sort(atoms.begin(), atoms.end(), [](const AtomSpan& a, const AtomSpan& b) { return a.id < b.id; });
  return atoms;
}

// Walks one atom's grid frames and hands every track window (unwrapped Cartesian positions at
// consecutive grid points) to `emit(first_grid_point, positions)`. `buffer` is reused.
template <typename Emit>
void for_each_window(const Trajectory& trajectory, const TimeGrid& grid, const AtomSpan& atom,
                     std::vector<core::Vec3>& buffer, Emit&& emit) {
  buffer.clear();
  std::int64_t window_start = 0;
  std::int64_t previous_point = 0;
  core::Vec3 previous_wrapped = core::Vec3::Zero();
  for (std::size_t k = atom.first; k <= atom.last; ++k) {
    const core::System& system = trajectory[grid.frames[k]].system;
    const auto index = system.index_of(atom.id);
    const std::int64_t point = grid.index[k];
    const bool continues = index.has_value() && !buffer.empty() && point == previous_point + 1;
    if (!continues && !buffer.empty()) {
      emit(window_start, buffer);
      buffer.clear();
    }
    if (!index) continue;
    const core::Vec3 wrapped = system.positions()[*index];
    if (buffer.empty()) {
      window_start = point;
      buffer.push_back(wrapped);
    } else {
      // von Bülow et al. (2020), Eq. (3), in the cell of the later frame; Kulke & Vermaas
      // (2022) for triclinic cells: the minimum image of the wrapped step is the true step when
      // it is shorter than half the smallest cell width.
      buffer.push_back(buffer.back() + system.cell().minimum_image(wrapped - previous_wrapped));
    }
    previous_wrapped = wrapped;
    previous_point = point;
  }
  if (!buffer.empty()) emit(window_start, buffer);
}

// Per-thread work space and sums over lags of the three coordinates (e1, e2, n).
class MsdAccumulator {
 public:
  explicit MsdAccumulator(std::size_t max_lags) : sums_(3, std::vector<double>(max_lags, 0.0)), count_(max_lags, 0.0) {}

  void add_window(std::span<const core::Vec3> positions, const Frame3& frame, MsdMethod method) {
    const std::size_t length = positions.size();
    ++num_windows_;
    for (std::size_t m = 0; m < length; ++m) count_[m] += static_cast<double>(length - m);
    if (length < 2) return;
    coordinate_.resize(length);
    for (int d = 0; d < 3; ++d) {
      const core::Vec3& axis = d == 0 ? frame.e1 : (d == 1 ? frame.e2 : frame.n);
      // The MSD is translation invariant: subtracting the mean keeps S1 and 2·S2 small, so their
      // difference loses fewer digits.
      double mean = 0.0;
      for (std::size_t k = 0; k < length; ++k) {
        coordinate_[k] = positions[k].dot(axis);
        mean += coordinate_[k];
      }
      mean /= static_cast<double>(length);
      for (double& x : coordinate_) x -= mean;
      if (method == MsdMethod::fft) {
        add_fft(sums_[static_cast<std::size_t>(d)]);
      } else {
        add_direct(sums_[static_cast<std::size_t>(d)]);
      }
    }
  }

  void merge_into(MsdAccumulator& total) const {
    for (std::size_t d = 0; d < 3; ++d) {
      for (std::size_t m = 0; m < count_.size(); ++m) total.sums_[d][m] += sums_[d][m];
    }
    for (std::size_t m = 0; m < count_.size(); ++m) total.count_[m] += count_[m];
    total.num_windows_ += num_windows_;
  }

  [[nodiscard]] const std::vector<double>& sum(int d) const { return sums_[static_cast<std::size_t>(d)]; }
  [[nodiscard]] const std::vector<double>& count() const { return count_; }
  [[nodiscard]] std::size_t num_windows() const { return num_windows_; }

 private:
  // Σ_k (x_{k+m} − x_k)² = S1(m) − 2 S2(m) (Calandrini et al. 2011, Eqs. for the MSD by FFT).
  void add_fft(std::vector<double>& sum) {
    const std::size_t length = coordinate_.size();
    // Zero padding to at least 2L − 1 turns the circular correlation into the linear one; a
    // power of two keeps the FFT on its fastest radix.
    std::size_t n = 1;
    while (n < 2 * length) n <<= 1;
    padded_.assign(n, 0.0);
    std::copy(coordinate_.begin(), coordinate_.end(), padded_.begin());
    fft_.fwd(spectrum_, padded_);
    for (auto& c : spectrum_) c = std::complex<double>(std::norm(c), 0.0);
    fft_.inv(correlation_, spectrum_);
    // S1 by the running sum: S1(0) = 2 Σ x², S1(m) = S1(m−1) − x_{m−1}² − x_{L−m}².
    // The FFT's rounding error is about ε·Σx² at every lag, while the true sum is of order
    // m·(L − m)·(step variance): at the shortest and the longest lags S1 and 2·S2 nearly cancel
    // and the relative error grows like L/m (≈ 2e-10 at lag 1 for L = 1e5). Those lags are summed
    // directly instead, at O(kDirectLags·L) cost, which keeps every lag within ~1e-11.
    const std::size_t direct_lags = std::min(kDirectLags, length - 1);
    double s1 = 0.0;
    for (double x : coordinate_) s1 += 2.0 * x * x;
    for (std::size_t m = 1; m < length; ++m) {
      const double a = coordinate_[m - 1];
      const double b = coordinate_[length - m];
      s1 -= a * a + b * b;
      if (m <= direct_lags || m >= length - direct_lags) {
        sum[m] += direct_sum(m);
      } else {
        sum[m] += s1 - 2.0 * correlation_[m];
      }
    }
  }

  [[nodiscard]] double direct_sum(std::size_t m) const {
    double s = 0.0;
    for (std::size_t k = 0; k + m < coordinate_.size(); ++k) {
      const double d = coordinate_[k + m] - coordinate_[k];
      s += d * d;
    }
    return s;
  }

  void add_direct(std::vector<double>& sum) const {
    for (std::size_t m = 1; m < coordinate_.size(); ++m) sum[m] += direct_sum(m);
  }

  static constexpr std::size_t kDirectLags = 32;

  std::vector<std::vector<double>> sums_;
  std::vector<double> count_;
  std::size_t num_windows_ = 0;
  std::vector<double> coordinate_;
  std::vector<double> padded_;
  std::vector<std::complex<double>> spectrum_;
  std::vector<double> correlation_;
  Eigen::FFT<double> fft_;
};

}  // namespace

TimeGrid make_time_grid(const Trajectory& trajectory, std::span<const std::size_t> frames) {
  std::vector<std::size_t> sorted(frames.begin(), frames.end());
  for (std::size_t f : sorted) IONCYCLE_ASSERT(f < trajectory.size(), "make_time_grid: frame index out of range");
  std::stable_sort(sorted.begin(), sorted.end(),
                   [&](std::size_t a, std::size_t b) { return trajectory[a].step < trajectory[b].step; });
  sorted.erase(std::unique(sorted.begin(), sorted.end(),
                           [&](std::size_t a, std::size_t b) { return trajectory[a].step == trajectory[b].step; }),
               sorted.end());
  TimeGrid grid;
  if (sorted.empty()) return grid;
  if (sorted.size() == 1) {
    grid.frames = sorted;
    grid.index = {0};
    return grid;
  }
  std::vector<std::int64_t> values;
  values.reserve(sorted.size());
  for (std::size_t k = 1; k < sorted.size(); ++k) {
    values.push_back(trajectory[sorted[k]].step - trajectory[sorted[k - 1]].step);
  }
  grid.interval_steps = mode_of(values);
  values.clear();
  for (std::size_t f : sorted) values.push_back(positive_mod(trajectory[f].step, grid.interval_steps));
  const std::int64_t residue = mode_of(values);
  std::int64_t first_step = 0;
  for (std::size_t f : sorted) {
    const std::int64_t step = trajectory[f].step;
    if (positive_mod(step, grid.interval_steps) != residue) continue;
    if (grid.frames.empty()) first_step = step;
    grid.frames.push_back(f);
    grid.index.push_back((step - first_step) / grid.interval_steps);
  }
  if (grid.index.back() > 0) {
    grid.interval_fs = (trajectory[grid.frames.back()].time_fs - trajectory[grid.frames.front()].time_fs) /
                       static_cast<double>(grid.index.back());
  }
  return grid;
}

core::Vec3 msd_normal(const Trajectory& trajectory, std::span<const std::size_t> frames, const MsdOptions& options) {
  if (options.normal) {
    const core::Vec3& n = *options.normal;
    if (!n.allFinite() || n.norm() == 0.0) {
      throw InputError("MSD: the layer normal must be a finite non-zero vector", "e.g. normal = [0, 0, 1]");
    }
    return n.normalized();
  }
  if (frames.empty()) return core::Vec3::UnitZ();
  const core::Cell& cell = trajectory[*std::min_element(frames.begin(), frames.end())].system.cell();
  if (!cell.has_lattice()) return core::Vec3::UnitZ();
  return defects::layer_normal(cell);
}

MsdCurve compute_msd_on_grid(const Trajectory& trajectory, const TimeGrid& grid, std::int64_t first_point,
                             std::int64_t last_point, const core::Vec3& normal, const MsdOptions& options,
                             MsdMethod method) {
  check_selection(options);
  MsdCurve curve;
  curve.normal = normal;
  curve.interval_fs = grid.interval_fs;
  const auto [begin, end] = frame_range(grid, first_point, last_point);
  curve.num_grid_frames = end - begin;
  if (begin == end) return curve;
  const std::vector<AtomSpan> atoms = selected_atoms(trajectory, grid, begin, end, options);
  curve.num_atoms = atoms.size();
  if (atoms.empty()) return curve;

  const std::size_t max_lags = static_cast<std::size_t>(grid.index[end - 1] - grid.index[begin] + 1);
  const Frame3 frame = make_frame(normal);
  MsdAccumulator total(max_lags);
  int num_threads = 1;
#ifdef _OPENMP
  // One atom's windows cost O(T log T); threads pay only with enough atoms.
  num_threads = atoms.size() >= 8 ? omp_get_max_threads() : 1;
#endif
  std::vector<MsdAccumulator> partial;
  partial.reserve(static_cast<std::size_t>(num_threads));
  for (int t = 0; t < num_threads; ++t) partial.emplace_back(max_lags);
  const auto num_atoms = static_cast<std::ptrdiff_t>(atoms.size());
#pragma omp parallel num_threads(num_threads)
  {
    int thread = 0;
#ifdef _OPENMP
    thread = omp_get_thread_num();
#endif
    MsdAccumulator& mine = partial[static_cast<std::size_t>(thread)];
    std::vector<core::Vec3> buffer;
#pragma omp for schedule(static)
    for (std::ptrdiff_t a = 0; a < num_atoms; ++a) {
      for_each_window(trajectory, grid, atoms[static_cast<std::size_t>(a)], buffer,
                      [&](std::int64_t, const std::vector<core::Vec3>& positions) {
                        mine.add_window(positions, frame, method);
                      });
    }
  }
  for (const auto& p : partial) p.merge_into(total);

  std::size_t num_lags = max_lags;
  while (num_lags > 0 && total.count()[num_lags - 1] == 0.0) --num_lags;
  curve.num_tracks = total.num_windows();
  curve.lag_fs.resize(num_lags);
  curve.msd.resize(num_lags);
  curve.msd_inplane.resize(num_lags);
  curve.msd_normal.resize(num_lags);
  curve.count.resize(num_lags);
  for (std::size_t m = 0; m < num_lags; ++m) {
    const double c = total.count()[m];
    curve.lag_fs[m] = static_cast<double>(m) * (m == 0 ? 1.0 : grid.interval_fs);
    curve.count[m] = c;
    if (c == 0.0) {
      curve.msd[m] = curve.msd_inplane[m] = curve.msd_normal[m] = std::numeric_limits<double>::quiet_NaN();
      continue;
    }
    curve.msd_inplane[m] = (total.sum(0)[m] + total.sum(1)[m]) / c;
    curve.msd_normal[m] = total.sum(2)[m] / c;
    curve.msd[m] = (total.sum(0)[m] + total.sum(1)[m] + total.sum(2)[m]) / c;
  }
  return curve;
}

namespace {

MsdCurve compute(const Trajectory& trajectory, std::span<const std::size_t> frames, const MsdOptions& options,
                 MsdMethod method) {
  check_selection(options);
  const TimeGrid grid = make_time_grid(trajectory, frames);
  const core::Vec3 normal = msd_normal(trajectory, frames, options);
  if (grid.frames.empty()) {
    MsdCurve curve;
    curve.normal = normal;
    return curve;
  }
  return compute_msd_on_grid(trajectory, grid, 0, grid.index.back(), normal, options, method);
}

}  // namespace

MsdCurve compute_msd(const Trajectory& trajectory, std::span<const std::size_t> frames, const MsdOptions& options) {
  return compute(trajectory, frames, options, MsdMethod::fft);
}

MsdCurve compute_msd_direct(const Trajectory& trajectory, std::span<const std::size_t> frames,
                            const MsdOptions& options) {
  return compute(trajectory, frames, options, MsdMethod::direct);
}

std::vector<Track> unwrapped_tracks(const Trajectory& trajectory, std::span<const std::size_t> frames,
                                    const MsdOptions& options) {
  check_selection(options);
  const TimeGrid grid = make_time_grid(trajectory, frames);
  std::vector<Track> tracks;
  if (grid.frames.empty()) return tracks;
  const std::vector<AtomSpan> atoms = selected_atoms(trajectory, grid, 0, grid.frames.size(), options);
  std::vector<core::Vec3> buffer;
  for (const AtomSpan& atom : atoms) {
    for_each_window(trajectory, grid, atom, buffer, [&](std::int64_t start, const std::vector<core::Vec3>& positions) {
      tracks.push_back({atom.id, atom.z, start, positions});
    });
  }
  return tracks;
}

}  // namespace ioncycle::analysis
