// SPDX-License-Identifier: MIT
//
// Shared machinery of the analytic pair potentials (LennardJones, Morse): a per-element-pair
// table of coefficients and the scratch buffers of the force loop. Internal to
// src/potentials; the loop itself lives in pair_loop.hpp, included only by the .cpp files.
//
// Elements are mapped to dense type indices 0..num_types-1 in increasing atomic number; the
// coefficients of types (a, b) are kernels()[a * num_types + b], stored symmetrically.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/cell.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::potentials::detail {

template <class Kernel>
class PairTable {
 public:
  PairTable() = default;
  /// `elements`: the supported atomic numbers, sorted and unique.
  explicit PairTable(const std::vector<int>& elements);

  [[nodiscard]] int num_types() const { return static_cast<int>(elements_.size()); }
  [[nodiscard]] const std::vector<int>& elements() const { return elements_; }
  /// Type index of atomic number z, or -1 when z is not supported.
  [[nodiscard]] int type_of(int z) const {
    return (z >= 0 && static_cast<std::size_t>(z) < type_of_z_.size()) ? type_of_z_[static_cast<std::size_t>(z)] : -1;
  }
  [[nodiscard]] bool supports(int z) const { return type_of(z) >= 0; }
  /// "Ar, Kr": the supported element symbols in increasing atomic number.
  [[nodiscard]] std::string species_list() const;

  /// Set the coefficients of the (unordered) type pair (a, b) with cutoff `cutoff` (Å).
  void set(int a, int b, const Kernel& kernel, double cutoff);
  [[nodiscard]] const Kernel& kernel(int a, int b) const {
    return kernels_[static_cast<std::size_t>(a * num_types() + b)];
  }
  [[nodiscard]] const std::vector<Kernel>& kernels() const { return kernels_; }
  [[nodiscard]] double max_cutoff() const { return max_cutoff_; }
  /// Energy of one pair of elements at distance r (Å), as the force loop counts it (offset
  /// included; 0 at and beyond the cutoff). InputError naming `potential` for unknown elements.
  [[nodiscard]] double pair_energy(int z1, int z2, double r, const std::string& potential) const;

 private:
  std::vector<int> elements_;
  std::vector<int> type_of_z_;
  std::vector<Kernel> kernels_;
  double max_cutoff_ = 0.0;
};

/// Buffers reused by the force loop so that steady-state calls do not allocate.
struct PairScratch {
  std::vector<std::int32_t> types;  ///< type index per atom
  std::vector<core::Vec3> shifts;   ///< Cartesian image shifts n·H of the neighbor list
  std::vector<double> thread_forces;      ///< (threads - 1) x 3N, half lists only
  std::vector<double> thread_atom_energy; ///< (threads - 1) x N, half lists only
  /// Per-thread energy and virial (xx, yy, zz, xy, xz, yz), padded to a cache line each.
  struct alignas(64) Partial {
    double energy = 0.0;
    double virial[6] = {0, 0, 0, 0, 0, 0};
  };
  std::vector<Partial> partials;
};

/// "Ar-Kr": the element pair as users write it.
inline std::string pair_label(int z1, int z2) {
  return std::string(core::symbol(z1)) + "-" + std::string(core::symbol(z2));
}

/// InputError unless z is an atomic number of the periodic table. `what` names the entry
/// ("lj pair 2") for the message.
inline void check_element(int z, const std::string& what) {
  if (z < 1 || z > core::max_atomic_number()) {
    throw InputError(what + ": atomic number " + std::to_string(z) + " is not an element",
                     "use atomic numbers 1 to " + std::to_string(core::max_atomic_number()));
  }
}

/// InputError unless value is finite and > 0.
inline void check_positive(double value, const std::string& what, const std::string& name, const std::string& unit) {
  if (!(value > 0.0) || !std::isfinite(value)) {
    throw InputError(what + ": " + name + " must be positive (got " + core::format_double(value) + " " + unit + ")");
  }
}

// ---- template definitions ----
template <class Kernel>
PairTable<Kernel>::PairTable(const std::vector<int>& elements)
    : elements_(elements),
      type_of_z_(static_cast<std::size_t>(core::max_atomic_number() + 1), -1),
      kernels_(elements.size() * elements.size()) {
  for (std::size_t t = 0; t < elements_.size(); ++t) type_of_z_[static_cast<std::size_t>(elements_[t])] = static_cast<int>(t);
}

template <class Kernel>
std::string PairTable<Kernel>::species_list() const {
  std::string out;
  for (const int z : elements_) {
    if (!out.empty()) out += ", ";
    out += core::symbol(z);
  }
  return out;
}

template <class Kernel>
void PairTable<Kernel>::set(int a, int b, const Kernel& kernel, double cutoff) {
  kernels_[static_cast<std::size_t>(a * num_types() + b)] = kernel;
  kernels_[static_cast<std::size_t>(b * num_types() + a)] = kernel;
  max_cutoff_ = std::max(max_cutoff_, cutoff);
}

template <class Kernel>
double PairTable<Kernel>::pair_energy(int z1, int z2, double r, const std::string& potential) const {
  const int a = type_of(z1);
  const int b = type_of(z2);
  if (a < 0 || b < 0) {
    throw InputError(potential + " has no parameters for " + pair_label(z1, z2), "it supports " + species_list());
  }
  const Kernel& k = kernel(a, b);
  if (r * r >= k.cutoff_sq) return 0.0;
  double e = 0.0, f = 0.0;
  k.evaluate(r * r, e, f);
  return e;
}

}  // namespace ioncycle::potentials::detail
