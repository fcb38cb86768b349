// SPDX-License-Identifier: MIT
//
// The Tersoff bond-order potential (J. Tersoff, PRB 37, 6991 (1988); PRB 39, 5566 (1989)) in the
// form and parameter-file format of LAMMPS' pair_style tersoff, so that the `.tersoff` files
// users already have (Si.tersoff, SiC.tersoff, BNC.tersoff, ...) give the same numbers as LAMMPS:
//
//     E     = 1/2 Σ_i Σ_{j≠i} V_ij
//     V_ij  = f_C(r_ij) [ f_R(r_ij) + b_ij f_A(r_ij) ]
//     f_R   = A exp(-λ1 r),   f_A = -B exp(-λ2 r)
//     f_C   = 1 for r < R-D;  1/2 - 1/2 sin(π/2 (r-R)/D) for |r-R| < D;  0 for r > R+D
//     b_ij  = (1 + β^n ζ_ij^n)^(-1/(2n))
//     ζ_ij  = Σ_{k≠i,j} f_C(r_ik) g(θ_ijk) exp[λ3^m (r_ij - r_ik)^m]      (m = 1 or 3)
//     g(θ)  = γ (1 + c²/d² - c²/(d² + (cosθ0 - cosθ)²))
//
// Which entry supplies which parameter (the LAMMPS rule): the entry (i, j, k) of a triplet of
// elements (centre i, bonded neighbour j, neighbour k that weakens the i-j bond) gives m, γ, λ3,
// c, d, cosθ0 and the R, D of f_C(r_ik) inside ζ_ij; the entry (i, j, j) gives the two-body
// parameters n, β, λ2, B, λ1, A and the R, D of f_C(r_ij). The cutoff is the largest R + D.
//
// Per-atom energies follow LAMMPS' compute pe/atom: every bond term is shared equally between its
// two atoms, e_i = 1/4 Σ_j (V_ij + V_ji). The virial is W = Σ d ⊗ F over the pair vectors of all
// terms (LAMMPS sign, see potential.hpp).
//
// Needs a full neighbor list (neighbor_request()). compute() runs in parallel with OpenMP and
// gives bitwise identical results for any number of threads: every per-atom quantity is
// assembled by the thread that owns the atom, and totals are summed in atom order. Scratch
// buffers are members, so repeated calls do not allocate once sizes settle; hence one Tersoff
// object must not be used from several threads at once (as for every Potential).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "potentials/potential.hpp"

namespace ioncycle::potentials {

/// The 14 numbers of one `.tersoff` entry, in file order. Units: λ in 1/Å, A and B in eV, R and
/// D in Å; the rest are dimensionless.
struct TersoffParameters {
  double m = 3.0;
  double gamma = 1.0;
  double lambda3 = 0.0;
  double c = 0.0;
  double d = 1.0;
  double costheta0 = 0.0;
  double n = 1.0;
  double beta = 0.0;
  double lambda2 = 0.0;
  double B = 0.0;
  double R = 0.0;
  double D = 0.0;
  double lambda1 = 0.0;
  double A = 0.0;
};

/// One entry: the element triplet (i, j, k) by atomic number and its parameters.
struct TersoffEntry {
  std::array<int, 3> z{};
  TersoffParameters parameters;
};

class Tersoff final : public Potential {
 public:
  /// The elements are every atomic number in `entries` (in order of first appearance); every
  /// ordered triplet of them needs exactly one entry. Throws InputError (without a file
  /// location) for a missing or duplicate triplet or an illegal value: m not 1 or 3; negative γ,
  /// c, β, λ1, λ2, A, B, R or D; d <= 0; D > R; n <= 0 in an (i, j, j) entry.
  explicit Tersoff(const std::vector<TersoffEntry>& entries);

  /// Read a LAMMPS `.tersoff` file and keep the entries among `elements` (element symbols,
  /// like the element list of LAMMPS' `pair_coeff * * file.tersoff C`; LAMMPS variant labels such
  /// as "Si(D)" in SiCGe.tersoff are accepted and mean that element). Entries for other elements
  /// are skipped. Throws InputError with file:line:column and a hint for a malformed file (wrong
  /// number of values, a value that is not a number, an unknown element, an illegal value, a
  /// duplicate entry), with file:line for a missing triplet, and naming the file when it cannot
  /// be read.
  [[nodiscard]] static Tersoff from_file(const std::string& path, const std::vector<std::string>& elements);

  [[nodiscard]] std::string name() const override { return "tersoff"; }
  [[nodiscard]] double cutoff() const override { return cutoff_; }
  [[nodiscard]] bool supports(int z) const override;
  [[nodiscard]] std::string supported_species() const override;
  /// "tersoff sha256=<hex>": the hash of every triplet's 14 parameters (exact hex floats) in
  /// increasing (Z_i, Z_j, Z_k). Taken over the parameters in use rather than the file's bytes,
  /// so that it also covers potentials built from entries, changes when a different element
  /// subset of the same file is taken, and ignores comment edits, which change nothing.
  [[nodiscard]] std::string fingerprint() const override;

  /// Needs a full list with cutoff >= cutoff(). Throws InputError if the system holds an element
  /// without parameters.
  void compute(const core::System& system, const core::NeighborList& neighbors,
               const ForceRequest& request, ForceResult& result) override;

  /// Atomic numbers the potential has parameters for, in the order of the elements given.
  [[nodiscard]] const std::vector<int>& atomic_numbers() const { return elements_; }
  /// The parameters of the triplet (zi, zj, zk); throws InputError if there are none.
  [[nodiscard]] const TersoffParameters& parameters(int zi, int zj, int zk) const;

 private:
  // Parameters of one triplet with derived constants, indexed by local types.
  struct Triplet {
    TersoffParameters p;
    int m = 3;
    double cut = 0.0;                // R + D
    double c2 = 0.0;                 // c²
    double d2 = 0.0;                 // d²
    double g0 = 0.0;                 // γ (1 + c²/d²)
    bool has_lambda3 = false;        // λ3 != 0 (otherwise the exponential is 1)
    bool same_cutoff_as_ik = false;  // R, D equal those of the (i, k, k) entry
  };
  // One neighbour of atom i within cutoff_ (a "short" list entry, rebuilt every call).
  struct Bond {
    core::Vec3 d;      // x_j - x_i + n·H
    double r = 0.0;    // |d|
    double fc = 0.0;   // f_C(r) with the (i, j, j) R, D
    double dfc = 0.0;  // f_C'(r)
    std::int32_t j = 0;
    std::int32_t type = 0;  // local type of j
  };

  [[nodiscard]] const Triplet& triplet(int ti, int tj, int tk) const {
    return triplets_[(static_cast<std::size_t>(ti) * num_types_ + static_cast<std::size_t>(tj)) * num_types_ +
                     static_cast<std::size_t>(tk)];
  }
  void assign_types(const core::System& system);
  void build_bonds(const core::System& system, const core::NeighborList& neighbors);
  void compute_bonds(bool want_gradient);
  void find_reverse_bonds(const core::NeighborList& neighbors);

  std::vector<int> elements_;          // atomic number of each local type
  std::array<int, 119> type_of_z_{};   // local type or -1
  std::size_t num_types_ = 0;
  std::vector<Triplet> triplets_;      // num_types_³
  double cutoff_ = 0.0;

  // Scratch reused between calls.
  std::vector<std::int32_t> types_;          // per atom
  std::vector<core::Vec3> shifts_;           // Cartesian image shifts
  std::vector<std::uint32_t> shift_order_;    // shift ids sorted by their integer shift
  std::vector<std::uint32_t> negated_shift_;  // shift id of -n for every shift id n
  std::vector<std::size_t> bond_offsets_;    // CSR over atoms
  std::vector<Bond> bonds_;
  std::vector<std::size_t> reverse_;         // index of the bond j -> i for every bond i -> j
  std::vector<std::uint32_t> bond_shift_;    // shift id of every bond
  std::vector<core::Vec3> gradient_;         // ∂E/∂d for every bond
  std::vector<double> bond_energy_;          // V_ij for every bond
  std::vector<double> atom_energy_;          // per atom
  std::vector<core::Mat3> atom_virial_;      // per atom
  std::vector<std::vector<core::Vec3>> thread_scratch_;
};

}  // namespace ioncycle::potentials
