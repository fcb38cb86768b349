// SPDX-License-Identifier: MIT
//
// Layered transition-metal oxides A_x MO2 (A = Li or Na): O3 (α-NaFeO2 type, R-3m; LiCoO2,
// LiNiO2, NMC, NCA, O3-NaCoO2), O1 (P-3m1, CdI2-type MO2 slabs stacked directly on one another;
// the stacking of delithiated CoO2) and P2 (P6_3/mmc; Na_xCoO2, Na_x(Ni1/3Mn2/3)O2), as hexagonal
// or orthogonal supercells with layers normal to z.
//
// Structure. An MO2 slab is a close-packed M plane between two O planes at heights ±h, with
// h = sqrt(d_MO² − a²/3) from the M–O bond length. In the site classes of plane_lattice.hpp a
// slab whose M plane is in class m has its lower O plane in m + 1 and its upper one in m + 2
// (class addition mod 3). Slab k (0 at the bottom) sits at height (k + ½)·s with s the slab
// spacing (c/3 in O3, c in O1, c/2 in P2, c being the conventional hexagonal cell length):
//   O3: M in class 2k: each slab is the one below translated by (2/3, 1/3), the R-centring, and
//       A sits in the octahedral site of each gallery (class m + 1);
//   O1: M in class 0 in every slab, A octahedral in class 0 (directly above M);
//   P2: M in class 0, every second slab mirrored (O planes exchanged), so the O planes facing
//       across a gallery coincide and A sits in the trigonal prisms that share edges with the
//       MO6 octahedra (Na_e, Wyckoff 2d), the class that is neither M nor O.
// Galleries lie at (k + 1)·s; in a periodic cell every gallery holds A sites, in a slab (with
// `vacuum`) only the galleries between two slabs do.
//
// Composition: the M sites take the elements of `composition` in exactly the proportions given
// (so the number of M sites times each fraction must be a whole number), either at random from
// the seed (Rng stream 1) or ordered by a rule: "sqrt3" fills the three √3 × √3 R30° sublattices
// of each M plane (the Ni/Mn/Co superlattice proposed for LiNi1/3Mn1/3Co1/3O2, Koyama et al.,
// J. Power Sources 119–121, 644 (2003)) in the order the elements are written. x < 1 removes
// (1 − x) of the A ions at random (Rng stream 2), so changing x does not reshuffle the metals.
//
// Atoms are written M (in composition order), then O, then A, each group bottom to top.
// Errors: RequestError naming the key. Pure function of its parameters and seed; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/system.hpp"
#include "defects/graphite.hpp"

namespace ioncycle::defects {

enum class Polytype { o3, o1, p2 };
enum class MetalOrdering { random, sqrt3 };

/// "O3", "O1", "P2".
[[nodiscard]] std::string_view to_string(Polytype polytype);
/// MO2 slabs in the conventional hexagonal cell (O3: 3, O1: 1, P2: 2).
[[nodiscard]] int slabs_per_cell(Polytype polytype);

struct MetalFraction {
  int z = 0;
  double fraction = 0.0;
};

/// Parse a metal composition such as "Co", "Ni0.8Mn0.1Co0.1" or "Ni1/3Mn1/3Co1/3": element
/// symbols, each followed by a fraction (decimal or p/q; none = 1). Throws InputError (no
/// location) for bad syntax, an unknown or repeated element, a fraction <= 0, or fractions that
/// do not add up to 1 (within 1e-6).
[[nodiscard]] std::vector<MetalFraction> parse_composition(std::string_view text);

/// Lattice parameters of a layered oxide (Å).
struct OxideLattice {
  double a = 0.0;
  double c = 0.0;             ///< conventional hexagonal cell (3 slabs in O3, 1 in O1, 2 in P2)
  double metal_oxygen = 0.0;  ///< M–O bond length
  std::string source;         ///< where the numbers come from
};

/// Default lattice for an ion, polytype and composition: a tabulated compound, or for Li O3
/// mixtures of Co, Ni and Mn Vegard's law between LiCoO2, LiNiO2 and an effective Mn end member;
/// nullopt when there is no default (the user must give a and c).
[[nodiscard]] std::optional<OxideLattice> default_oxide_lattice(int ion_z, Polytype polytype,
                                                                const std::vector<MetalFraction>& composition);

struct LayeredOxideParams {
  int ion_z = 3;  ///< Li (3) or Na (11)
  Polytype polytype = Polytype::o3;
  std::vector<MetalFraction> composition;
  MetalOrdering ordering = MetalOrdering::random;
  double x = 1.0;  ///< fraction of the A sites occupied
  int repeat_a = 1;
  int repeat_b = 1;
  int num_layers = 3;  ///< MO2 slabs
  PlaneCellShape cell = PlaneCellShape::hexagonal;
  std::optional<double> vacuum;  ///< slab along z (Å between outermost O planes across the gap)
  OxideLattice lattice;
};

/// Build the host (see the header comment); `seed` drives the random metal placement and the
/// removal of ions for x < 1.
[[nodiscard]] core::System build_layered_oxide(const LayeredOxideParams& params, std::uint64_t seed);

}  // namespace ioncycle::defects
