// SPDX-License-Identifier: MIT
//
// Parameters of DFT-D3 dispersion with Becke-Johnson damping (D3(BJ)): Grimme's element
// reference data and the damping parameters of each density functional.
//
// Reference data (D3Table): for every element Z = 1..94 (H..Pu) the reference coordination
// numbers CN_ref, the reference C6 coefficients of every pair of references of every pair of
// elements, the covalent radii (already scaled by k2 = 4/3) and the r2r4 factors
// (C8 = 3 C6 r2r4_i r2r4_j), from S. Grimme, J. Antony, S. Ehrlich, H. Krieg, J. Chem. Phys.
// 132, 154104 (2010). They are not typed into the repository: scripts/setup (stage 3b) runs
// python/d3_tables.py, which converts the copy shipped by the PyPI package torch-dftd into
// models/d3/dftd3-reference.txt (a text file; its header documents the format). Units in the
// file and in D3Table are atomic: Bohr, Hartree Bohr^6.
//
// Damping parameters (D3Damping): s6, a1, s8, a2 of the rational (BJ) damping
// R0 = a1 sqrt(C8/C6) + a2, by functional name, from Grimme, Ehrlich, Goerigk, J. Comput. Chem.
// 32, 1456 (2011) and the later papers cited in d3_parameters.cpp. They are the values of the
// PyPI `dftd3` package's parameters.toml (checked by tests/unit/potentials/test_d3.cpp).
//
// Loading and look-up are pure; a loaded D3Table is immutable and may be shared between threads.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ioncycle::potentials {

/// Grimme's D3 reference data for Z = 1..94, as read from the table file (atomic units).
class D3Table {
 public:
  static constexpr int kMaxZ = 94;      ///< last element with references (Pu)
  static constexpr int kMaxRefs = 5;    ///< references per element, at most

  /// Read the file written by python/d3_tables.py. Throws InputError naming `path` (with the
  /// line for a malformed file) and the hint to run ./scripts/setup when the file is missing,
  /// unreadable, truncated or inconsistent.
  [[nodiscard]] static D3Table load(const std::string& path);

  [[nodiscard]] const std::string& path() const { return path_; }
  /// Number of reference systems of element z (1..kMaxZ).
  [[nodiscard]] int num_refs(int z) const { return num_refs_[index(z)]; }
  /// Coordination number of reference `a` of element z.
  [[nodiscard]] double cn_ref(int z, int a) const { return cn_ref_[index(z) * kMaxRefs + static_cast<std::size_t>(a)]; }
  /// Covalent radius in Bohr, scaled by k2 = 4/3 (Grimme 2010, Eq. 15).
  [[nodiscard]] double rcov(int z) const { return rcov_[index(z)]; }
  /// sqrt(0.5 <r⁴>/<r²> sqrt(Z)) in Bohr: C8 = 3 C6 r2r4(zi) r2r4(zj).
  [[nodiscard]] double r2r4(int z) const { return r2r4_[index(z)]; }
  /// Reference C6 (Hartree Bohr^6) of reference a of zi with reference b of zj.
  [[nodiscard]] double c6(int zi, int zj, int a, int b) const;

 private:
  D3Table() = default;
  [[nodiscard]] static std::size_t index(int z) { return static_cast<std::size_t>(z); }

  std::string path_;
  std::array<int, kMaxZ + 1> num_refs_{};
  std::array<double, (kMaxZ + 1) * kMaxRefs> cn_ref_{};
  std::array<double, kMaxZ + 1> rcov_{};
  std::array<double, kMaxZ + 1> r2r4_{};
  // C6 of the pair (zi, zj), zi <= zj: offsets into c6_, num_refs(zi) x num_refs(zj) row-major.
  std::vector<std::size_t> pair_offset_;
  std::vector<double> c6_;
};

/// The table `d3` uses when none is named: $IONCYCLE_D3_TABLE if set (not checked), otherwise
/// models/d3/dftd3-reference.txt in the first directory above the running executable that has
/// one (the repository, for build trees inside it). Empty if none is found.
[[nodiscard]] std::string default_d3_table_path();

/// Rational (Becke-Johnson) damping parameters: E = -Σ s6 C6/(r⁶ + R0⁶) + s8 C8/(r⁸ + R0⁸),
/// R0 = a1 sqrt(C8/C6) + a2. s6, s8, a1 dimensionless; a2 in Bohr (as published).
struct D3Damping {
  double s6 = 1.0;
  double a1 = 0.0;
  double s8 = 0.0;
  double a2 = 0.0;
};

/// One named parameter set.
struct D3Functional {
  std::string_view name;       ///< lower case, as accepted by d3_damping()
  std::string_view dftd3_name; ///< the key of the same set in the dftd3 package's parameters.toml
  D3Damping damping;
  std::string_view reference;  ///< publication of the parameters
};

/// Every functional with built-in D3(BJ) parameters ("pbe" first).
[[nodiscard]] std::span<const D3Functional> d3_functionals();

/// The D3(BJ) parameters of `functional` (case-insensitive). Throws InputError for an unknown
/// name, with a "did you mean" suggestion and the list of known names.
[[nodiscard]] D3Damping d3_damping(std::string_view functional);

}  // namespace ioncycle::potentials
