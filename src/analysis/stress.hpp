// SPDX-License-Identifier: MIT
//
// Stress over a cycling run: the stress tensor of every frame (over time and against the state
// of charge), its change over every segment (step, half cycle, whole run), the stress rate of
// every segment, and the residual stress that a cycle leaves behind.
//
// Sign. Frames carry the pressure tensor P (observable "pressure", 9 values row-major, GPa,
// positive = compressive, the LAMMPS sign; md/pressure.hpp). The stress reported here is
// σ = −P, tension positive, as ASE's Atoms.get_stress() (which is −P in eV/Å³; 1 eV/Å³ =
// 160.21766 GPa). Voigt order xx, yy, zz, yz, xz, xy; the off-diagonal part is symmetrised,
// σ_ij = −(P_ij + P_ji)/2. The scalar "pressure_GPa" column is p = tr(P)/3 (compressive
// positive, so the mean normal stress is σ_m = −p). In tables, d_pressure_GPa and
// rate_pressure_GPa_per_ps are changes of p; segment_quantities() reports the mean normal stress
// σ_m (stress_change = −Δp, stress_rate = −dp/dt), tension positive like the tensor.
//
// Change over a segment. A single frame carries the full thermal fluctuation of the
// instantaneous virial (~0.1–1 GPa in a few-hundred-atom cell), so the value at each end of a
// segment is the mean over a short window of w frames there (w = min(window_frames, n/4), at
// least 1), moved to the segment's boundary time with the slope b of a least-squares line over
// the L = max(w, min(n/4, 4·window_frames)) frames at that end:  X_start = mean_w(X) + b·(t_start −
// mean_w(t)), and likewise at the end. For a stress that changes linearly near the end the
// estimate is unbiased (a plain window mean lags by half the window), a turn elsewhere in the
// span (a cycle goes up and down) does not enter, and for noise alone it is the window mean.
// The estimate is linear in the L values, Σ c_i X_i, so its standard error is s·√(Σ c_i²)·√((1 + ρ)/(1 − ρ)),
// with s the residual standard deviation of that local line fit and ρ the lag-1
// autocorrelation of its residuals (clamped to [0, 0.9]; n(1 − ρ)/(1 + ρ) is the effective
// number of independent samples); ΔX = X_end − X_start with the two errors added in quadrature.
//
// Rate over a segment: the slope b of the ordinary least-squares line X(t) over the segment's
// frames (GPa/ps), with SE(b) = s/√Σ(t − t̄)² inflated by √((1 + ρ)/(1 − ρ)), the AR(1)
// effective-sample-size correction of trend errors (Santer et al., J. Geophys. Res. 105, 7337
// (2000), eq. 6). Frames are not equally spaced (extra frames before every event); the fit
// weights every frame equally.
//
// Residual stress of cycle k: the segments with cycle == k span [min start, max end]; the
// stress at the start and at the end of that span, estimated as above, and the change of p.
//
// Frames without a (finite, 9-valued) pressure observable are skipped. A trajectory without any
// gives an empty result with a note, never an exception. Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/report.hpp"
#include "analysis/segments.hpp"
#include "analysis/trajectory.hpp"

namespace ioncycle::analysis {

/// Voigt components of the stress, in this order (as ASE: xx, yy, zz, yz, xz, xy).
inline constexpr std::array<const char*, 6> kVoigtNames{"xx", "yy", "zz", "yz", "xz", "xy"};

struct StressOptions {
  /// Frames averaged at each end of a segment (fewer when the segment has < 4·window_frames).
  std::size_t window_frames = 5;
};

/// The stress of one frame.
struct StressSample {
  std::int64_t step = 0;
  double time_fs = 0.0;
  double soc = 0.0;                ///< state of charge (NaN when the frame has none)
  std::array<double, 6> stress{};  ///< σ = −P, Voigt order, GPa (tension positive)
  double pressure = 0.0;           ///< p = tr(P)/3, GPa (compression positive)
};

/// Stress change and rate over one segment.
struct StressSegment {
  std::string label;  ///< Segment::label
  int cycle = 0;
  HalfCycle half_cycle = HalfCycle::other;
  double start_fs = 0.0;
  double end_fs = 0.0;
  std::size_t num_frames = 0;           ///< frames with a pressure in the segment
  std::array<Estimate, 6> start;        ///< σ at the start (window estimate), GPa
  std::array<Estimate, 6> end;          ///< σ at the end, GPa
  std::array<Estimate, 6> change;       ///< σ_end − σ_start, GPa
  Estimate pressure_change;             ///< Δp, GPa (NaN with fewer than 2 frames)
  Estimate pressure_rate;               ///< dp/dt from the line fit, GPa/ps (error NaN with < 3 frames)
};

/// Stress left by one cycle: end of its last segment against the start of its first.
struct ResidualStress {
  int cycle = 1;
  double start_fs = 0.0;
  double end_fs = 0.0;
  std::size_t num_frames = 0;
  std::array<Estimate, 6> start;  ///< σ, GPa
  std::array<Estimate, 6> end;    ///< σ, GPa
  Estimate pressure_change;       ///< p_end − p_start, GPa
};

struct StressResult {
  std::vector<StressSample> samples;    ///< frames with a pressure, in time order
  std::vector<StressSegment> segments;  ///< one per segment given, in the order given
  std::vector<ResidualStress> residuals;  ///< one per cycle >= 1, ascending
  std::size_t num_frames_skipped = 0;   ///< frames without a usable pressure
  std::vector<std::string> notes;       ///< why something could not be computed
  StressOptions options;                ///< as used

  /// The "stress" object of summary.json: convention, per-segment changes and rates, residuals
  /// (each with errors), notes.
  [[nodiscard]] nlohmann::json to_json() const;
  /// stress.csv, stress_segments.csv, residual_stress.csv in `dir` (header only when empty).
  void write_tables(const std::filesystem::path& dir) const;
  /// Per segment: "stress_rate" (GPa/ps) and "stress_change" (GPa) of the mean normal stress
  /// σ_m = −p (tension positive).
  [[nodiscard]] std::vector<SegmentQuantity> segment_quantities() const;
};

/// σ = −P as 6 Voigt components (symmetrised) from a row-major 3×3 pressure tensor.
[[nodiscard]] std::array<double, 6> stress_from_pressure(const std::vector<double>& pressure_row_major);

/// Stress analysis of `trajectory` over `segments` (see the header comment).
[[nodiscard]] StressResult analyze_stress(const Trajectory& trajectory, const std::vector<Segment>& segments,
                                          const StressOptions& options = {});

}  // namespace ioncycle::analysis
