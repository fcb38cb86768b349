// SPDX-License-Identifier: MIT
//
// Voltage estimates of a run, one per insertion or removal trial, and their averages over the
// state of charge (SOC): the voltage profile V(x) of a charge or discharge, separately for the
// two directions so that the hysteresis between them shows.
//
// Each trial gives one estimate (docs/theory-voltage.md): an insertion with energy change
// ΔE_ins = E(N+1) - E(N) gives V = -(ΔE_ins - μ_ref)/e; a removal with ΔE_rem = E(N-1) - E(N)
// gives V = (ΔE_rem + μ_ref)/e (insertion_voltage(), removal_voltage()). The ion exchanger adds
// every trial, accepted or not, with the SOC at that moment; mean() bins them by SOC (width 0.05
// by default) and reports per bin and direction the mean, its standard error and the count;
// running_mean() averages the last k trials for the thermo table and until.voltage.
//
// The standard error is s/√n with s the sample standard deviation (n - 1 in the denominator). It
// treats the trials of a bin as independent, which they are not quite (successive trials see
// nearly the same configuration), so it is a lower bound on the true uncertainty; the docs say
// so. For n = 1 it is undefined (NaN, written "nan").
//
// Units: V; SOC dimensionless. to_text()/from_text() round-trip exactly (hex floats), for
// checkpoints. Not thread-safe; the runner owns one.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace ioncycle::cycling {

/// Whether a trial added or took away an ion.
enum class TrialDirection { insertion, removal };

/// "insertion" or "removal" (the CSV's direction column).
[[nodiscard]] std::string_view direction_name(TrialDirection direction);

/// V = -(ΔE_ins - μ_ref)/e for an insertion energy change ΔE_ins = E(N+1) - E(N) (eV).
[[nodiscard]] inline double insertion_voltage(double delta_e, double mu_ref) { return -(delta_e - mu_ref); }
/// V = (ΔE_rem + μ_ref)/e for a removal energy change ΔE_rem = E(N-1) - E(N) (eV): the same
/// formula with μ_ion = -ΔE_rem.
[[nodiscard]] inline double removal_voltage(double delta_e, double mu_ref) { return delta_e + mu_ref; }

/// One trial's estimate.
struct VoltageSample {
  double soc = 0.0;      ///< state of charge x when the trial was made
  double voltage = 0.0;  ///< V vs the ion's metal
  TrialDirection direction = TrialDirection::insertion;
  friend bool operator==(const VoltageSample&, const VoltageSample&) = default;
};

/// The average of one SOC bin and one direction.
struct VoltageBin {
  double soc_lo = 0.0;   ///< bin [soc_lo, soc_hi)
  double soc_hi = 0.0;
  TrialDirection direction = TrialDirection::insertion;
  std::size_t count = 0;
  double mean = 0.0;          ///< V
  double standard_error = 0.0;  ///< V; NaN when count == 1
};

class VoltageProfile {
 public:
  /// Record one trial. A non-finite soc or voltage is a programmer error (IONCYCLE_ASSERT).
  void add(const VoltageSample& sample);
  void add(double soc, double voltage, TrialDirection direction) { add(VoltageSample{soc, voltage, direction}); }

  [[nodiscard]] std::size_t size() const { return samples_.size(); }
  [[nodiscard]] bool empty() const { return samples_.empty(); }
  [[nodiscard]] const std::vector<VoltageSample>& samples() const { return samples_; }

  /// Mean voltage per SOC bin and direction: bin k holds k·w <= x < (k+1)·w, k = floor(x/w +
  /// 1e-9) (the nudge puts x = 0.15 with w = 0.05 into [0.15, 0.2) although 0.15/0.05 rounds to
  /// 2.9999999999999996). Only bins with trials are listed, in increasing SOC, insertion before removal.
  /// InputError if bin_width is not positive and finite.
  [[nodiscard]] std::vector<VoltageBin> mean(double bin_width = 0.05) const;

  /// Mean of the last min(k, size() - first) trials with index >= `first` (pass the size() at the
  /// start of a step to average only that step's trials); nullopt when there are none or k = 0.
  [[nodiscard]] std::optional<double> running_mean(std::size_t k, std::size_t first = 0) const;

  /// Text for a checkpoint; from_text(to_text()) gives back equal samples, bit for bit.
  [[nodiscard]] std::string to_text() const;
  /// Inverse of to_text(); InputError (naming `origin`, e.g. the checkpoint file) for text that
  /// to_text() did not write.
  [[nodiscard]] static VoltageProfile from_text(std::string_view text, const std::string& origin = "checkpoint");

  /// mean(bin_width) as CSV (a run's voltage_profile.csv) with the header
  /// soc_lo,soc_hi,direction,count,mean_V,stderr_V; numbers in shortest round-trip decimal,
  /// "nan" for an undefined standard error.
  void write_csv(std::ostream& out, double bin_width = 0.05) const;
  /// write_csv() into a string.
  [[nodiscard]] std::string csv(double bin_width = 0.05) const;

 private:
  std::vector<VoltageSample> samples_;
};

}  // namespace ioncycle::cycling
