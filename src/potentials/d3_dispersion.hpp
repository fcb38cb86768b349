// SPDX-License-Identifier: MIT
//
// DFT-D3 dispersion with Becke-Johnson damping, two-body terms only (no Axilrod-Teller-Muto
// three-body term, as LAMMPS' pair_style dispersion/d3 and SevenNet's D3), in the form of
// S. Grimme, J. Antony, S. Ehrlich, H. Krieg, J. Chem. Phys. 132, 154104 (2010) and
// S. Grimme, S. Ehrlich, L. Goerigk, J. Comput. Chem. 32, 1456 (2011):
//
//     E     = -Σ_{pairs i<j, images T} [ s6 C6_ij / (r⁶ + R0⁶) + s8 C8_ij / (r⁸ + R0⁸) ]
//     C6_ij = Σ_a Σ_b W_i^a W_j^b C6ref_ij^ab,   W_i^a ∝ exp(-k3 (CN_i - CN_i^a)²), k3 = 4
//     C8_ij = 3 C6_ij r2r4_i r2r4_j,   R0 = a1 sqrt(C8/C6) + a2
//     CN_i  = Σ_{j, T} 1 / (1 + exp(-k1 ((Rcov_i + Rcov_j) / r - 1))),   k1 = 16
//
// (Rcov already scaled by k2 = 4/3). Self-images of an atom count with weight 1/2 per image.
// Forces and the virial include the chain rule through the coordination numbers
// (∂E/∂CN_i · ∂CN_i/∂r). Equations with references: docs/theory.md, "D3(BJ) dispersion".
//
// Cutoffs are hard, as in simple-dftd3 (PyPI `dftd3`) with set_realspace_cutoff(disp2, -, cn):
// image pairs with r <= cutoff enter the energy, pairs with r <= cn_cutoff the coordination
// numbers. Defaults: 9 Å and 6 Å with the tail correction (below), so that D3 costs about a
// quarter of a NEP student's step at 1,000 atoms; against the reference cutoffs of torch-dftd,
// VASP and SevenNet (95 and 40 Bohr, kD3ReferenceCutoff and kD3ReferenceCnCutoff) they differ by
// at most 0.2 meV/atom, 4e-4 eV/Å and 0.01 GPa on graphite, LiC6 and LiCoO2 (docs/models.md).
// Without three periodic axes there is no tail: a slab or a cluster at the default cutoffs misses
// the pairs beyond 9 Å, and comparisons with those codes set the reference cutoffs explicitly.
//
// Units: Å and eV at the interface. The reference data (Bohr, Hartree) are converted once with
// units::bohr and units::hartree (CODATA 2018); the tests give simple-dftd3 positions and
// cutoffs converted with the same constants.
//
// Short cutoffs (both at most kD3ListMaxCutoff = 20 Å; the defaults): D3 keeps two half
// neighbor lists of its own, one per cutoff (core::NeighborList, skin 1 Å, rebuilt only when
// atoms moved far enough), and sums over their entries, one image pair each. C6 comes from
// per-atom vectors u_i^e = M(Z_i, Z_e)ᵀ w_i prepared once per call (5 multiply-adds per pair
// instead of 25). The dispersion list's rows are grouped by the neighbor's element (re-sorted
// when the list is rebuilt), so that u_i^e and the damping constants are the same along a group
// and the pair loop, vectorized over the group, gathers only the neighbor's position and weights;
// what goes to the neighbors (force, ∂E/∂CN_j) is scattered afterwards in a scalar loop.
//
// Long cutoffs (the reference 95 / 40 Bohr): no neighbor list, which would hold ~60,000 entries
// per atom (half a gigabyte at 1,000 atoms); the C6 coefficient of a pair does not depend on the
// image, so compute() sums over lattice images itself: for every pair i >= j of the cell it
// evaluates C6 once and sums the damped terms over the translations T with |x_j - x_i + T|
// within range, taken from a list of lattice translations sorted by length (built once per cell)
// in vectorized loops. The pairs are found with bins at least a cutoff wide (a cell list over
// fractional positions), so a cell larger than the cutoff sphere costs O(N · pairs in range), and
// C6 is computed only for pairs with an image in range; memory O(N + translations).
//
// Either way neighbor_request() asks for an empty list (cutoff 0, half) and the `neighbors`
// argument is ignored. Both paths agree with the dftd3 package within the same tolerances
// (tests/unit/potentials/test_d3.cpp).
//
// Tail correction (D3Settings::tail_correction, on by default; three periodic axes only). Beyond the
// cutoff, BJ damping is negligible and the other atoms are taken as spread evenly over the cell
// (the pair distribution g(r) = 1, as for LAMMPS' pair_modify tail yes):
//     E_tail = -(2π/V) Σ_i Σ_j C6_ij [s6 / (3 rc³) + s8 (C8/C6)_ij / (5 rc⁵)]
// over all atoms i, j of the cell, with the current C6_ij (so it follows the coordination
// numbers, with their chain rule in the forces). Its virial is that of the missing pairs,
// W_tail = Σ_n (n/3) E_tail,n · I for the r⁻⁶ and r⁻⁸ parts (the uniform-density pressure, as
// LAMMPS' pair_modify tail): E_tail · I from its 1/V dependence plus the boundary term of pairs
// crossing the cutoff under strain (last_tail_boundary()).
// Σ_j runs per element over summed reference weights, so the cost is O(N · elements). The
// coordination numbers get the same treatment for the shell between cn_cutoff and the default CN
// cutoff (40 Bohr): CN_i += Σ_Z ρ_Z 4π ∫ r² f(r) dr, with its virial (1/V part and boundary part).
//
// Threads: OpenMP over atoms i (cyclic static schedule), contributions to other atoms go to
// per-thread buffers that are summed in thread order. The same thread count gives bitwise the
// same result; different counts agree to rounding (~1e-15 relative). Buffers are members and
// are reused, so repeated calls do not allocate once sizes settle; one object must not be used
// from several threads at once (as for every Potential).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/neighbor_list.hpp"
#include "core/units.hpp"
#include "potentials/d3_parameters.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::potentials {

/// Default D3 cutoffs (Å), used with the tail correction (see above).
inline constexpr double kD3DefaultCutoff = 9.0;
inline constexpr double kD3DefaultCnCutoff = 6.0;
/// The reference cutoffs of torch-dftd (and, within 0.2 %, VASP and SevenNet): 95 Bohr for the
/// dispersion energy, 40 Bohr for the coordination numbers; the tail correction's CN shell ends
/// at the latter.
inline constexpr double kD3ReferenceCutoff = 95.0 * units::bohr;    ///< Å (50.2718)
inline constexpr double kD3ReferenceCnCutoff = 40.0 * units::bohr;  ///< Å (21.1671)
/// Up to this range (Å, the larger cutoff) D3 keeps a neighbor list of its own (see below).
inline constexpr double kD3ListMaxCutoff = 20.0;

/// How a D3Dispersion is set up.
struct D3Settings {
  /// Functional whose D3(BJ) parameters are used (see d3_functionals()); ignored when
  /// `damping` is given.
  std::string functional = "pbe";
  /// Explicit s6, a1, s8, a2 (a2 in Bohr), overriding `functional`.
  std::optional<D3Damping> damping;
  double cutoff = kD3DefaultCutoff;        ///< Å, dispersion pairs with r <= cutoff
  double cn_cutoff = kD3DefaultCnCutoff;   ///< Å, pairs counted in CN with r <= cn_cutoff
  /// Add the pairs beyond `cutoff` as if the other atoms were spread evenly (three periodic axes
  /// only; see "Tail correction" above).
  bool tail_correction = true;
  /// Reference table written by scripts/setup; empty: default_d3_table_path().
  std::string table_path;
};

class D3Dispersion final : public Potential {
 public:
  using Settings = D3Settings;

  /// Loads the reference table and resolves the parameters. Throws InputError for a missing or
  /// corrupt table (naming the file, with the hint to run ./scripts/setup), an unknown
  /// functional (with a "did you mean"), a non-positive or non-finite cutoff, or damping
  /// parameters that are negative or non-finite or give R0 = 0 (a1 = a2 = 0).
  explicit D3Dispersion(const D3Settings& settings);
  /// PBE parameters, default cutoffs, default table.
  D3Dispersion();

  [[nodiscard]] std::string name() const override { return "d3"; }
  /// The larger of the dispersion and CN cutoffs (Å).
  [[nodiscard]] double cutoff() const override;
  /// An empty list (cutoff 0): D3 sums over lattice images itself (see above).
  [[nodiscard]] NeighborRequest neighbor_request() const override { return {0.0, core::NeighborKind::half}; }
  /// Z = 1..94 (H..Pu), the elements of the reference table.
  [[nodiscard]] bool supports(int z) const override { return z >= 1 && z <= D3Table::kMaxZ; }
  [[nodiscard]] std::string supported_species() const override { return "H to Pu (Z = 1-94)"; }
  /// "d3 s6=.. a1=.. s8=.. a2=.. cutoff=.. cn_cutoff=.. table_sha256=..": the damping
  /// parameters and cutoffs as exact hex floats and the SHA-256 of the reference table file.
  [[nodiscard]] std::string fingerprint() const override;

  /// Energy, forces, virial (LAMMPS sign) and per-atom energies (each pair term split half and
  /// half between its atoms), as requested. `neighbors` is not used. Throws InputError for an
  /// element outside 1..94, naming it and the atom id.
  void compute(const core::System& system, const core::NeighborList& neighbors, const ForceRequest& request,
               ForceResult& result) override;
  /// Energy only: no derivatives of C6, no gradient sums.
  [[nodiscard]] double energy(const core::System& system, const core::NeighborList& neighbors) override;

  [[nodiscard]] const D3Damping& damping() const { return damping_; }
  [[nodiscard]] double dispersion_cutoff() const { return cutoff_; }
  [[nodiscard]] double cn_cutoff() const { return cn_cutoff_; }
  [[nodiscard]] bool tail_correction() const { return tail_correction_; }
  /// Of the last evaluation: E_tail (eV), and the boundary term B (eV) of its virial (see above;
  /// with the CN shell's boundary term Σ_i ∂E/∂CN_i · b_i): W = -∂E/∂ε + B I.
  [[nodiscard]] double last_tail_energy() const { return last_tail_energy_; }
  [[nodiscard]] double last_tail_boundary() const { return last_tail_boundary_; }
  [[nodiscard]] const std::string& table_path() const { return table_path_; }
  /// Coordination numbers of the last compute() or energy(), one per atom.
  [[nodiscard]] std::span<const double> coordination_numbers() const { return cn_; }

  /// How the lattice images of an atom pair are enumerated when a pair is not covered by the
  /// translation list (see d3_dispersion.cpp): the periodic axes as outer (bounded by the
  /// distance to the plane of the other two), middle and inner (bounded by exact intersections
  /// of lines with the cutoff sphere); the inner axis is the shortest lattice vector.
  struct ImageGeometry {
    bool has_outer = false;
    bool has_middle = false;
    bool has_inner = false;
    core::Vec3 outer = core::Vec3::Zero();
    core::Vec3 middle = core::Vec3::Zero();
    core::Vec3 inner = core::Vec3::Zero();
    core::Vec3 outer_reciprocal = core::Vec3::Zero();  // column of H⁻¹: s_outer = d · it
    double outer_reciprocal_norm = 0.0;
    core::Vec3 inner_unit = core::Vec3::Zero();
    double inner_norm2 = 0.0;
    double inner_inv_norm2 = 0.0;
    core::Vec3 middle_perp = core::Vec3::Zero();  // middle minus its component along inner
    double middle_perp_norm2 = 0.0;
    double middle_perp_inv_norm2 = 0.0;
  };
  /// Vectors stored column-wise (x, y, z) with their norms or squared norms.
  struct VectorColumns {
    std::vector<double> x, y, z, w;
    std::size_t size = 0;
  };

 private:
  // Constants of an ordered element pair, in Å and eV.
  struct PairConstants {
    double r0_6 = 0.0;       // R0⁶
    double r0_8 = 0.0;       // R0⁸
    double s8_c8 = 0.0;      // s8 · 3 r2r4_i r2r4_j (Å²): s8 C8 / C6
    double rcov_sum = 0.0;   // Rcov_i + Rcov_j (Å)
  };
  // The images of one pair: d0 + t_k for k < count.
  struct ImageSpan {
    core::Vec3 d0 = core::Vec3::Zero();
    const double* x = nullptr;
    const double* y = nullptr;
    const double* z = nullptr;
    std::size_t count = 0;
  };
  // Accumulators of one OpenMP thread.
  struct ThreadBuffers {
    std::vector<double> cn;
    std::vector<double> dedcn;
    std::vector<double> atom_energy;
    std::vector<core::Vec3> forces;
    VectorColumns images;  // images of a pair outside the translation list's reach
    // One segment of the dispersion list (list path): per entry the force factor C6 h, the pair
    // vector, the damped sum g and the pair energy, for the scatter to the neighbors.
    std::vector<double> row_ch, row_x, row_y, row_z, row_g, row_energy;
    double energy = 0.0;
    std::array<double, 6> virial{};  // xx yy zz xy xz yz
  };

  [[nodiscard]] const PairConstants& pair(int zi, int zj) const {
    return pairs_[static_cast<std::size_t>(zi) * kNumZ + static_cast<std::size_t>(zj)];
  }
  [[nodiscard]] const double* c6_block(int zi, int zj) const {
    return &c6_ref_[(static_cast<std::size_t>(zi) * kNumZ + static_cast<std::size_t>(zj)) * kBlock];
  }

  void prepare(const core::System& system, bool want_forces, bool want_atom_energy);
  void prepare_translations(const core::Cell& cell);
  void prepare_bins(const core::Cell& cell);
  /// Call f(j) for every atom j <= i that may have an image within cutoff() of atom i: the atoms
  /// of i's bin and its neighbors (all atoms when the cell is narrower than three bins), in a
  /// fixed order.
  template <class F>
  void for_each_candidate(std::size_t i, F&& f) const {
    const std::uint32_t b = atom_bin_[i];
    const int nx = bins_[0], ny = bins_[1], nz = bins_[2];
    const int bx = static_cast<int>(b) / (ny * nz), by = (static_cast<int>(b) / nz) % ny, bz = static_cast<int>(b) % nz;
    const int rx = nx > 1 ? 1 : 0, ry = ny > 1 ? 1 : 0, rz = nz > 1 ? 1 : 0;
    for (int dx = -rx; dx <= rx; ++dx) {
      const int x = (bx + dx + nx) % nx;
      for (int dy = -ry; dy <= ry; ++dy) {
        const int y = (by + dy + ny) % ny;
        for (int dz = -rz; dz <= rz; ++dz) {
          const int z = (bz + dz + nz) % nz;
          const auto bin = static_cast<std::size_t>((x * ny + y) * nz + z);
          for (std::uint32_t k = bin_start_[bin]; k < bin_start_[bin + 1]; ++k) {
            const std::size_t j = bin_atoms_[k];
            if (j <= i) f(j);
          }
        }
      }
    }
  }
  [[nodiscard]] ImageSpan images(std::size_t i, std::size_t j, double radius, const std::vector<std::uint32_t>& counts,
                                 VectorColumns& scratch) const;
  void coordination_numbers_pass();
  void sum_thread_cn();
  void weights_pass();
  template <bool kGradient>
  void dispersion_pass(bool want_atom_energy);
  void cn_gradient_pass();
  /// E_tail per atom into tail_energy_ and, with `gradient`, ∂E_tail/∂CN_i into tail_dedcn_.
  void tail_pass(double volume, bool gradient);
  /// The coordination numbers' shell beyond cn_cutoff (tail correction; see the .cpp).
  void add_cn_tail(double volume);
  /// The neighbor-list passes (short cutoffs).
  [[nodiscard]] bool uses_list() const { return cutoff() <= kD3ListMaxCutoff; }
  void list_coordination_numbers_pass();
  void prepare_c6_vectors(bool gradient);
  struct PairC6 {
    double c6 = 0.0, dc6_i = 0.0, dc6_j = 0.0;  ///< C6_ij and its derivatives by CN_i, CN_j
  };
  /// C6 of the pair (i, j) from the vectors of prepare_c6_vectors (derivatives with kGradient).
  template <bool kGradient>
  [[nodiscard]] PairC6 c6_of(std::size_t i, std::size_t j) const {
    const std::size_t at = (i * elements_present_.size() + element_of_[j]) * kRefs;
    const double* u = &c6_u_[at];
    const double* wj = &weights_[j * kRefs];
    PairC6 out;
    for (std::size_t b = 0; b < kRefs; ++b) out.c6 += u[b] * wj[b];
    if constexpr (kGradient) {
      const double* du = &c6_du_[at];
      const double* dwj = &dweights_[j * kRefs];
      for (std::size_t b = 0; b < kRefs; ++b) {
        out.dc6_i += du[b] * wj[b];
        out.dc6_j += u[b] * dwj[b];
      }
    }
    return out;
  }
  void sort_dispersion_rows();
  void list_dispersion_pass(bool want_gradient, bool want_atom_energy);
  void list_cn_gradient_pass();
  double evaluate(const core::System& system, const ForceRequest& request, ForceResult* result);

  static constexpr std::size_t kNumZ = D3Table::kMaxZ + 1;
  static constexpr std::size_t kRefs = D3Table::kMaxRefs;
  static constexpr std::size_t kBlock = kRefs * kRefs;

  D3Damping damping_;
  double cutoff_ = 0.0;
  double cn_cutoff_ = 0.0;
  bool tail_correction_ = false;
  std::string table_path_;
  std::string table_sha256_;            // of the reference table file's content
  std::array<int, kNumZ> num_refs_{};
  std::vector<double> cn_ref_;          // kNumZ x kRefs, zero-padded
  std::vector<PairConstants> pairs_;    // kNumZ x kNumZ
  std::vector<double> c6_ref_;          // kNumZ x kNumZ x kRefs x kRefs, eV Å⁶, zero-padded

  // Per cell (rebuilt when the cell changes): lattice geometry, and every translation T with
  // |T| <= cutoff() + translation_reach_ sorted by |T| (w = |T|).
  ImageGeometry geometry_;
  std::array<bool, 3> periodic_{};
  core::Mat3 cell_rows_ = core::Mat3::Zero();
  core::Mat3 cell_inverse_ = core::Mat3::Zero();
  VectorColumns translations_;
  double translation_reach_ = 0.0;
  bool translations_valid_ = false;
  // Number of translations with |T| <= radius + k · kCountStep, for k = 0 .. reach / step, for
  // radius = cutoff_ and cn_cutoff_: a pair with |d0| <= k · step needs only that prefix.
  std::vector<std::uint32_t> counts_dispersion_;
  std::vector<std::uint32_t> counts_cn_;
  std::vector<std::uint32_t> translation_order_;
  VectorColumns translation_scratch_;

  // Scratch reused between calls.
  std::vector<core::Vec3> wrapped_;     // positions wrapped on periodic axes
  std::vector<core::Vec3> fractional_;  // the same in fractional coordinates (with a lattice)
  bool has_lattice_ = false;
  std::vector<int> z_;
  std::vector<double> cn_;
  std::vector<double> weights_;   // N x kRefs
  std::vector<double> dweights_;  // N x kRefs, ∂W/∂CN
  std::vector<double> dedcn_;     // ∂E/∂CN_i
  std::vector<ThreadBuffers> threads_;
  std::vector<double> tail_energy_, tail_energy8_, tail_dedcn_;  // per atom (tail_energy8_: its r⁻⁸ part)
  double last_tail_energy_ = 0.0, last_tail_boundary_ = 0.0;
  std::vector<double> cn_tail_, cn_tail_boundary_;  // per atom
  std::vector<double> cn_shell_tau_, cn_shell_edge_;  // per element pair (kNumZ²), NaN until used
  std::vector<std::size_t> element_count_;          // atoms per element present
  std::vector<double> element_weights_;           // per element present: Σ_j W_j (kRefs each)
  std::vector<int> elements_present_;
  // Neighbor-list path: one list per cutoff (dispersion, CN) with their Cartesian shifts (the
  // dispersion list's as columns, for the vectorized row kernel), the positions as columns,
  // the CN entries in range with their f'(r)/r, each atom's element index among
  // elements_present_, u_i^e = M(Z_i, Z_e)ᵀ w_i (and with dw_i) per atom and element, and
  // Rcov_i + Rcov_j per pair of elements present.
  core::NeighborList list_{core::NeighborOptions{0.0, 1.0, core::NeighborKind::half}};
  core::NeighborList cn_list_{core::NeighborOptions{0.0, 1.0, core::NeighborKind::half}};
  std::vector<core::Vec3> list_shifts_, cn_list_shifts_;
  std::vector<double> shift_x_, shift_y_, shift_z_;
  std::vector<double> pos_x_, pos_y_, pos_z_;
  std::vector<std::int32_t> cn_j_;                          // CN list entries within cn_cutoff, compacted
  std::vector<double> cn_x_, cn_y_, cn_z_, cn_r2_, cn_dfr_;  // per atom: pair vector, r², f'(r)/r
  std::vector<double> element_rcov_;
  std::vector<std::size_t> cn_end_;
  std::vector<std::uint32_t> element_of_;
  std::vector<double> c6_u_, c6_du_;
  // The dispersion list's entries with each row grouped by the neighbor's element: atom i's
  // entries with element e are segment_start_[i·E + e] .. segment_start_[i·E + e + 1] - 1 (E
  // elements present); sorted for list build sorted_build_ and atomic numbers sorted_elements_.
  std::vector<std::int32_t> sorted_neighbors_;
  std::vector<std::uint32_t> sorted_shifts_;
  std::vector<std::size_t> segment_start_, segment_fill_;
  std::size_t longest_segment_ = 0;
  std::uint64_t sorted_build_ = 0;
  std::vector<int> sorted_elements_;
  // Bins of the candidate search (prepare_bins), rebuilt per call: O(N).
  std::array<int, 3> bins_{1, 1, 1};
  std::vector<std::uint32_t> atom_bin_, bin_start_, bin_fill_, bin_atoms_;
  std::size_t num_threads_ = 1;
};

}  // namespace ioncycle::potentials
