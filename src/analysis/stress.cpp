// SPDX-License-Identifier: MIT
#include "analysis/stress.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "core/error.hpp"

namespace ioncycle::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kFsPerPs = 1000.0;
// Six stress components and the pressure p: the series every estimate runs over.
constexpr std::size_t kNumSeries = 7;

double series_value(const StressSample& s, std::size_t q) { return q < 6 ? s.stress[q] : s.pressure; }

// Ordinary least-squares line x(t) with the statistics the window estimates need.
struct LineFit {
  std::size_t n = 0;
  double slope = kNaN;      // per ps
  double slope_err = kNaN;  // per ps, AR(1)-inflated
  double resid_sd = kNaN;   // residual standard deviation (n − 2 degrees of freedom)
  double inflation = 1.0;   // √((1 + ρ)/(1 − ρ))
  double mean_t = kNaN;
  double sxx = 0.0;         // Σ(t − t̄)²
};

// t in ps. Residual lag-1 autocorrelation ρ gives the effective sample size n(1 − ρ)/(1 + ρ) of
// Santer et al. (2000); ρ < 0 (anti-correlated noise) is taken as 0 so errors are never shrunk.
LineFit fit_line(const double* t, const double* x, std::size_t count) {
  LineFit fit;
  fit.n = count;
  if (fit.n < 2) return fit;
  const double n = static_cast<double>(fit.n);
  double mt = 0.0, mx = 0.0;
  for (std::size_t i = 0; i < fit.n; ++i) {
    mt += t[i];
    mx += x[i];
  }
  mt /= n;
  mx /= n;
  double sxx = 0.0, sxy = 0.0;
  for (std::size_t i = 0; i < fit.n; ++i) {
    sxx += (t[i] - mt) * (t[i] - mt);
    sxy += (t[i] - mt) * (x[i] - mx);
  }
  fit.mean_t = mt;
  fit.sxx = sxx;
  if (!(sxx > 0.0)) return fit;
  fit.slope = sxy / sxx;
  if (fit.n < 3) return fit;
  double ss = 0.0, lag = 0.0, previous = 0.0;
  for (std::size_t i = 0; i < fit.n; ++i) {
    const double e = x[i] - (mx + fit.slope * (t[i] - mt));
    ss += e * e;
    if (i > 0) lag += e * previous;
    previous = e;
  }
  fit.resid_sd = std::sqrt(ss / (n - 2.0));
  if (fit.n >= 4 && ss > 0.0) {
    const double rho = std::clamp(lag / ss, 0.0, 0.9);
    fit.inflation = std::sqrt((1.0 + rho) / (1.0 - rho));
  }
  fit.slope_err = fit.inflation * fit.resid_sd / std::sqrt(sxx);
  return fit;
}

// The value at time t_eval (the segment's start or end): the mean over the w frames at that end,
// moved to t_eval with the slope of a line fitted to the L frames at that end, so that
// a trend neither biases it (a window mean lags by half the window) nor, through a slope fitted
// over the whole segment, a turn elsewhere in the segment (a cycle goes up and down). The noise
// s and its autocorrelation come from the residuals of that local fit (see stress.hpp).
Estimate end_estimate(const std::vector<double>& t, const std::vector<double>& x, double t_eval, std::size_t window,
                      bool at_start) {
  const std::size_t n = t.size();
  if (n == 0) return {};
  const std::size_t w = std::clamp<std::size_t>(std::min(window, n / 4), 1, n);
  const std::size_t num_local = std::clamp<std::size_t>(std::min(4 * window, n / 4), w, n);
  const std::size_t begin = at_start ? 0 : n - w;
  double mt = 0.0, mx = 0.0;
  for (std::size_t i = begin; i < begin + w; ++i) {
    mt += t[i];
    mx += x[i];
  }
  mt /= static_cast<double>(w);
  mx /= static_cast<double>(w);
  const std::size_t local_begin = at_start ? 0 : n - num_local;
  const LineFit fit = fit_line(t.data() + local_begin, x.data() + local_begin, num_local);
  const double offset = t_eval - mt;
  Estimate e;
  if (!std::isfinite(fit.slope)) {
    e.value = mx;
    e.error = fit.inflation * fit.resid_sd / std::sqrt(static_cast<double>(w));
    return e;
  }
  e.value = mx + fit.slope * offset;
  // The estimate is Σ c_i x_i over the local frames, c_i = [i in window]/w + offset·(t_i − t̄)/Sxx;
  // its variance for noise of standard deviation s is s²·Σ c_i² (the window mean and the slope
  // share frames, so their covariance is included).
  double sum_c2 = 0.0;
  for (std::size_t i = local_begin; i < local_begin + num_local; ++i) {
    const double in_window = (i >= begin && i < begin + w) ? 1.0 / static_cast<double>(w) : 0.0;
    const double c = in_window + offset * (t[i] - fit.mean_t) / fit.sxx;
    sum_c2 += c * c;
  }
  e.error = fit.inflation * fit.resid_sd * std::sqrt(sum_c2);
  return e;
}

Estimate difference(const Estimate& end, const Estimate& start) {
  return {end.value - start.value, std::hypot(end.error, start.error)};
}

struct SpanEstimates {
  std::size_t num_frames = 0;
  std::array<Estimate, kNumSeries> start, end, change, rate;
};

// Window estimates at both ends and the line-fit rate of every series over the samples `idx`.
SpanEstimates estimate_span(const std::vector<StressSample>& samples, const std::vector<std::size_t>& idx,
                            double start_fs, double end_fs, std::size_t window) {
  SpanEstimates out;
  out.num_frames = idx.size();
  if (idx.empty()) return out;
  std::vector<double> t(idx.size()), x(idx.size());
  for (std::size_t i = 0; i < idx.size(); ++i) t[i] = samples[idx[i]].time_fs / kFsPerPs;
  for (std::size_t q = 0; q < kNumSeries; ++q) {
    for (std::size_t i = 0; i < idx.size(); ++i) x[i] = series_value(samples[idx[i]], q);
    const LineFit fit = fit_line(t.data(), x.data(), t.size());
    out.start[q] = end_estimate(t, x, start_fs / kFsPerPs, window, true);
    out.end[q] = end_estimate(t, x, end_fs / kFsPerPs, window, false);
    if (idx.size() >= 2) out.change[q] = difference(out.end[q], out.start[q]);
    out.rate[q] = {fit.slope, fit.slope_err};
  }
  return out;
}

// Sample indices whose time lies in [start_fs, end_fs] (the tolerance of segments.hpp).
std::vector<std::size_t> samples_in(const std::vector<StressSample>& samples, double start_fs, double end_fs) {
  constexpr double tolerance_fs = 1e-6;
  std::vector<std::size_t> out;
  for (std::size_t k = 0; k < samples.size(); ++k) {
    const double t = samples[k].time_fs;
    if (t >= start_fs - tolerance_fs && t <= end_fs + tolerance_fs) out.push_back(k);
  }
  return out;
}

Estimate negated(const Estimate& e) { return {-e.value, e.error}; }

nlohmann::json voigt_json(const std::array<Estimate, 6>& values) {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t q = 0; q < 6; ++q) out[kVoigtNames[q]] = to_json(values[q]);
  return out;
}

}  // namespace

std::array<double, 6> stress_from_pressure(const std::vector<double>& p) {
  IONCYCLE_ASSERT(p.size() == 9, "stress_from_pressure: need 9 values");
  // Row-major P: P_ij = p[3i + j]. σ = −P, symmetrised off the diagonal.
  return {-p[0], -p[4], -p[8], -0.5 * (p[5] + p[7]), -0.5 * (p[2] + p[6]), -0.5 * (p[1] + p[3])};
}

StressResult analyze_stress(const Trajectory& trajectory, const std::vector<Segment>& segments,
                            const StressOptions& options) {
  StressResult result;
  result.options = options;
  std::size_t wrong_shape = 0;
  for (const auto& frame : trajectory) {
    const auto it = frame.observables.find("pressure");
    if (it == frame.observables.end()) {
      ++result.num_frames_skipped;
      continue;
    }
    const auto& p = it->second;
    if (p.size() != 9 || !std::all_of(p.begin(), p.end(), [](double v) { return std::isfinite(v); })) {
      ++result.num_frames_skipped;
      ++wrong_shape;
      continue;
    }
    StressSample s;
    s.step = frame.step;
    s.time_fs = frame.time_fs;
    s.soc = observable(frame, "state_of_charge");
    s.stress = stress_from_pressure(p);
    s.pressure = (p[0] + p[4] + p[8]) / 3.0;
    result.samples.push_back(s);
  }
  std::stable_sort(result.samples.begin(), result.samples.end(),
                   [](const StressSample& a, const StressSample& b) { return a.time_fs < b.time_fs; });
  if (wrong_shape > 0) {
    result.notes.push_back(std::to_string(wrong_shape) +
                           " frame(s) have a pressure observable that is not 9 finite values; skipped");
  }
  if (result.samples.empty()) {
    result.notes.push_back(trajectory.empty() ? "empty trajectory: no stress"
                                              : "no frame has a pressure observable: no stress analysis");
  } else if (result.num_frames_skipped > 0) {
    result.notes.push_back(std::to_string(result.num_frames_skipped) + " of " + std::to_string(trajectory.size()) +
                           " frames have no usable pressure and were skipped");
  }

  for (const auto& segment : segments) {
    StressSegment out;
    out.label = segment.label;
    out.cycle = segment.cycle;
    out.half_cycle = segment.half_cycle;
    out.start_fs = segment.start_fs;
    out.end_fs = segment.end_fs;
    const auto span = estimate_span(result.samples, samples_in(result.samples, segment.start_fs, segment.end_fs),
                                    segment.start_fs, segment.end_fs, options.window_frames);
    out.num_frames = span.num_frames;
    for (std::size_t q = 0; q < 6; ++q) {
      out.start[q] = span.start[q];
      out.end[q] = span.end[q];
      out.change[q] = span.change[q];
    }
    out.pressure_change = span.change[6];
    out.pressure_rate = span.rate[6];
    result.segments.push_back(std::move(out));
  }

  // Cycles: the span of all segments of cycle k >= 1.
  std::map<int, std::pair<double, double>> cycles;
  for (const auto& segment : segments) {
    if (segment.cycle < 1) continue;
    auto [it, inserted] = cycles.try_emplace(segment.cycle, segment.start_fs, segment.end_fs);
    if (!inserted) {
      it->second.first = std::min(it->second.first, segment.start_fs);
      it->second.second = std::max(it->second.second, segment.end_fs);
    }
  }
  for (const auto& [cycle, times] : cycles) {
    ResidualStress r;
    r.cycle = cycle;
    r.start_fs = times.first;
    r.end_fs = times.second;
    const auto span = estimate_span(result.samples, samples_in(result.samples, times.first, times.second),
                                    times.first, times.second, options.window_frames);
    r.num_frames = span.num_frames;
    for (std::size_t q = 0; q < 6; ++q) {
      r.start[q] = span.start[q];
      r.end[q] = span.end[q];
    }
    r.pressure_change = span.change[6];
    result.residuals.push_back(r);
  }
  return result;
}

nlohmann::json StressResult::to_json() const {
  nlohmann::json out;
  out["convention"] =
      "stress = -pressure tensor (GPa), tension positive (ASE); pressure_GPa = tr(P)/3, compression positive; "
      "Voigt order xx, yy, zz, yz, xz, xy";
  out["num_frames"] = samples.size();
  out["num_frames_skipped"] = num_frames_skipped;
  out["options"] = {{"window_frames", options.window_frames}};
  nlohmann::json segs = nlohmann::json::array();
  for (const auto& s : segments) {
    segs.push_back({{"segment", s.label},
                    {"cycle", s.cycle},
                    {"half_cycle", half_cycle_name(s.half_cycle)},
                    {"start_ps", s.start_fs / kFsPerPs},
                    {"end_ps", s.end_fs / kFsPerPs},
                    {"num_frames", s.num_frames},
                    {"stress_start_GPa", voigt_json(s.start)},
                    {"stress_end_GPa", voigt_json(s.end)},
                    {"stress_change_GPa", voigt_json(s.change)},
                    {"d_pressure_GPa", analysis::to_json(s.pressure_change)},
                    {"rate_pressure_GPa_per_ps", analysis::to_json(s.pressure_rate)}});
  }
  out["segments"] = std::move(segs);
  nlohmann::json res = nlohmann::json::array();
  for (const auto& r : residuals) {
    res.push_back({{"cycle", r.cycle},
                   {"start_ps", r.start_fs / kFsPerPs},
                   {"end_ps", r.end_fs / kFsPerPs},
                   {"num_frames", r.num_frames},
                   {"stress_start_GPa", voigt_json(r.start)},
                   {"stress_end_GPa", voigt_json(r.end)},
                   {"d_pressure_GPa", analysis::to_json(r.pressure_change)}});
  }
  out["residual"] = std::move(res);
  out["notes"] = notes;
  return out;
}

void StressResult::write_tables(const std::filesystem::path& dir) const {
  CsvTable frames({"time_ps", "step", "soc", "sxx_GPa", "syy_GPa", "szz_GPa", "syz_GPa", "sxz_GPa", "sxy_GPa",
                   "pressure_GPa"});
  for (const auto& s : samples) {
    frames.row().add(s.time_fs / kFsPerPs).add(static_cast<long long>(s.step)).add(s.soc);
    for (const double v : s.stress) frames.add(v);
    frames.add(s.pressure);
  }
  frames.write(dir / "stress.csv");

  CsvTable segs({"segment", "cycle", "half_cycle", "start_ps", "end_ps", "d_sxx_GPa", "d_syy_GPa", "d_szz_GPa",
                 "d_pressure_GPa", "rate_pressure_GPa_per_ps"});
  for (const auto& s : segments) {
    segs.row().add(s.label).add(s.cycle).add(half_cycle_name(s.half_cycle));
    segs.add(s.start_fs / kFsPerPs).add(s.end_fs / kFsPerPs);
    segs.add(s.change[0].value).add(s.change[1].value).add(s.change[2].value);
    segs.add(s.pressure_change.value).add(s.pressure_rate.value);
  }
  segs.write(dir / "stress_segments.csv");

  CsvTable res({"cycle", "sxx_start_GPa", "sxx_end_GPa", "syy_start_GPa", "syy_end_GPa", "szz_start_GPa",
                "szz_end_GPa", "d_pressure_GPa"});
  for (const auto& r : residuals) {
    res.row().add(r.cycle);
    for (std::size_t q = 0; q < 3; ++q) res.add(r.start[q].value).add(r.end[q].value);
    res.add(r.pressure_change.value);
  }
  res.write(dir / "residual_stress.csv");
}

std::vector<SegmentQuantity> StressResult::segment_quantities() const {
  std::vector<SegmentQuantity> out;
  for (const auto& s : segments) {
    out.push_back({s.label, "stress_rate", "GPa/ps", negated(s.pressure_rate)});
    out.push_back({s.label, "stress_change", "GPa", negated(s.pressure_change)});
  }
  return out;
}

}  // namespace ioncycle::analysis
