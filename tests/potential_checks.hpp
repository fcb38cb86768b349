// SPDX-License-Identifier: MIT
//
// Test helpers shared by the tests of every Potential: random structures and cells, evaluating a
// potential on a System (building the neighbor list it asks for), and the standard physics
// checks (forces against a central-difference gradient of the energy, virial against a
// central-difference strain derivative). The checks report through Catch2 CHECKs with INFO
// lines naming the atom / component and both values, so call them inside a TEST_CASE.
//
// Conventions are those of potentials/potential.hpp: forces F = -∂E/∂x (eV/Å), virial
// W = -∂E/∂ε (eV) for a homogeneous strain ε of cell and positions.
#pragma once

#include <cstdint>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "core/cell.hpp"
#include "core/neighbor_list.hpp"
#include "core/system.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::testing {

/// A random triclinic cell of the given volume (Å³) in LAMMPS orientation (a along x, b in the
/// xy plane: a lower-triangular matrix), fully periodic. Lengths differ by up to ~±20% from
/// V^(1/3) and each tilt (xy, xz, yz) is uniform in ±max_tilt times the box length it tilts
/// along, so |max_tilt| <= 0.5 keeps LAMMPS' tilt limits. Deterministic in `seed`.
[[nodiscard]] core::Cell random_triclinic_cell(double volume, std::uint64_t seed, double max_tilt = 0.35);

/// A rotation matrix (proper, det = +1) drawn uniformly from `seed`.
[[nodiscard]] core::Mat3 random_rotation(std::uint64_t seed);

/// `num_atoms` atoms at uniformly random positions in `cell` (which must have a lattice; on
/// non-periodic axes positions stay inside the box), no two closer than `min_distance` (Å)
/// under the minimum-image convention. Atom k gets species[k % species.size()], so the
/// composition is fixed. Throws std::runtime_error if the atoms do not fit after many tries.
[[nodiscard]] core::System random_structure(const std::vector<int>& species, int num_atoms,
                                            const core::Cell& cell, double min_distance,
                                            std::uint64_t seed);

/// Evaluate `potential` on `system` with a freshly built neighbor list of the kind the
/// potential requests (or `kind` when given; `skin` Å beyond its cutoff).
[[nodiscard]] potentials::ForceResult evaluate(potentials::Potential& potential, const core::System& system,
                                               const potentials::ForceRequest& request = {},
                                               std::optional<core::NeighborKind> kind = std::nullopt,
                                               double skin = 0.5);
/// Energy only, through Potential::energy() with a fresh list.
[[nodiscard]] double energy_of(potentials::Potential& potential, const core::System& system,
                               std::optional<core::NeighborKind> kind = std::nullopt);

/// The same system homogeneously deformed: cell rows and positions r -> (I + strain) r
/// (column-vector convention; rows: r -> r (I + strain)ᵀ).
[[nodiscard]] core::System strained(const core::System& system, const core::Mat3& strain);

/// For every atom and Cartesian component, compare the force with -dE/dx from the central
/// difference (E(x+h) - E(x-h)) / 2h, Richardson-extrapolated with step h/2 so the error is
/// O(h⁴); passes when |F - F_num| <= abs_tol + rel_tol |F|. Then the derivative along one random
/// unit direction u of all 3N coordinates against -F·u; passes when the difference is <= abs_tol
/// + rel_tol |F|, |F| the norm of all 3N components. No pair may be within h of a cutoff where
/// the energy or its slope jumps (choose the structure accordingly).
void check_forces_by_central_difference(potentials::Potential& potential, const core::System& system,
                                        double h, double rel_tol, double abs_tol);

/// Compare each of the 9 virial components with -∂E/∂ε_ab from the central difference
/// (E(+h e_ab) - E(-h e_ab)) / 2h over a homogeneous strain ε = ±h e_ab (one non-symmetric
/// component at a time) of cell and positions, Richardson-extrapolated with step h/2. Also checks
/// that both the analytic and numerical virials are symmetric (rotational invariance) within the
/// same tolerance. A component passes when |W - W_num| <= abs_tol + rel_tol |W|.
void check_virial_by_strain(potentials::Potential& potential, const core::System& system, double h,
                            double rel_tol, double abs_tol);

/// CHECK that two results agree: energy within rel_tol |E| (+ abs_tol), every force component
/// and virial component within rel_tol times the largest one (+ abs_tol), per-atom energies
/// within rel_tol times the largest (+ abs_tol). Vectors are compared when both are non-empty.
/// `what` names the comparison in failure messages.
void check_same_result(const potentials::ForceResult& a, const potentials::ForceResult& b, double rel_tol,
                       double abs_tol, const std::string& what);

/// The symmetries every potential must respect, each a CHECK (needs forces, virial and, when the
/// potential has them, per-atom energies):
///   - translation of all atoms, rotation of cell and atoms (forces rotate as R F, the virial as
///     R W Rᵀ), a random permutation of the atoms (forces follow their atoms), re-wrapping (every
///     atom moved by random whole lattice vectors on periodic axes): same energy;
///   - total force zero (within rel_tol Σ|F_i|); per-atom energies sum to the energy;
///     energy() equals compute().energy.
/// Tolerances are relative as in check_same_result, with abs_tol for values near zero.
void check_symmetries(potentials::Potential& potential, const core::System& system, std::uint64_t seed,
                      double rel_tol, double abs_tol);

/// What a Python reference calculator reported for one structure (ASE conventions).
struct ReferenceResult {
  double energy = 0.0;                   ///< eV
  std::vector<core::Vec3> forces;        ///< eV/Å
  std::array<double, 6> stress{};        ///< ASE Voigt xx yy zz yz xz xy, eV/Å³
  std::vector<double> energies;          ///< per atom, eV
};

/// How far a result is from a reference: |ΔE|/N (eV), largest force component (eV/Å), largest
/// stress component (GPa; our stress is -W/V, ASE's sign), largest per-atom energy (eV).
struct ReferenceDeviation {
  double energy = 0.0;
  double force = 0.0;
  double stress = 0.0;
  double per_atom = 0.0;
  /// The componentwise maximum of this and `other`.
  void widen(const ReferenceDeviation& other);
};
/// Needs forces, virial and per-atom energies in `ours`, one reference force per atom.
[[nodiscard]] ReferenceDeviation deviation_from(const potentials::ForceResult& ours, const ReferenceResult& ref,
                                                const core::System& system);

/// Run compute() with `num_threads` OpenMP threads (restoring the previous setting afterwards).
[[nodiscard]] potentials::ForceResult evaluate_with_threads(potentials::Potential& potential,
                                                            const core::System& system, int num_threads,
                                                            std::optional<core::NeighborKind> kind = std::nullopt);

}  // namespace ioncycle::testing
