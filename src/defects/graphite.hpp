// SPDX-License-Identifier: MIT
//
// Graphite and graphene hosts: AB (Bernal, P6_3/mmc), AA (P6/mmm), ABC (rhombohedral, R-3m) or
// any sequence of A, B, C layers; in-plane repeats; layers normal to z; a hexagonal or an
// orthogonal (rectangular) cell; a slab with vacuum along z; an edge geometry with vacuum along
// x, so that the galleries open to a free edge; and the lithiated reference phases LiC6
// (stage 1) and LiC12 (stage 2).
//
// Geometry. a = √3·bond_length (2.4595 Å for 1.42 Å). Layer A holds the sites p0 and p1 of
// plane_lattice.hpp; layer B is A shifted by (2/3, 1/3) (sites p2, p0), layer C by (1/3, 2/3)
// (sites p1, p2), so AB is Bernal graphite and ABC rhombohedral graphite. Layers are numbered
// from 0 at the bottom and sit at heights (k + 1/2)·spacing in a periodic cell (so no layer lies
// on the cell boundary), or from vacuum/2 upward in a slab.
//
// Cells (`cell`): hexagonal a × a at γ = 120° (2 C per layer and repeat), or orthogonal
// a × √3a (4 C per layer and repeat), a along x in both. LiC6 and LiC12 use the √3 × √3 R30°
// cell (6 C and 1 Li per layer and repeat) or its orthogonal 3a × √3a double (12 C, 2 Li).
//
// Lithiated phases: every graphene layer in registry A (AA stacking) with Li above the hexagon
// centres that form the √3 × √3 superlattice (the α sites), the same sites in every filled
// gallery (AαAα, P6/mmm), as in LiC6 (Guérard & Hérold, Carbon 13, 337 (1975)). LiC12 fills every
// second gallery (the gallery above layers 0, 2, 4, ...). Galleries holding Li are
// `lithiated_spacing` apart (3.70 Å), empty ones `spacing` (3.35 Å). In a slab only the
// galleries between two layers hold Li.
//
// Edges (`edge`): the cell is orthogonal and each layer is cut where the widest empty stripe
// along x lies, so no carbon keeps fewer than two neighbours; the cell is then lengthened along
// x so that `edge_vacuum` separates the outermost atoms from their periodic images. "armchair"
// puts the zigzag direction a1 along x, so the free edges (normal to x) are armchair edges;
// "zigzag" puts a1 along y and the free edges are zigzag. Each layer is cut on its own, so in
// AB stacking the zigzag edges of A and B layers are staggered by up to one C–C bond, as in a
// real crystal.
//
// Errors: impossible parameter combinations throw RequestError naming the key (request_error.hpp).
// Pure function of its parameters; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/system.hpp"

namespace ioncycle::defects {

enum class GraphitePhase { carbon, lic6, lic12 };
enum class PlaneCellShape { hexagonal, orthogonal };
enum class EdgeType { armchair, zigzag };

struct GraphiteParams {
  GraphitePhase phase = GraphitePhase::carbon;
  /// Registry of the layers, one letter (A, B, C) per layer, repeated over `num_layers`.
  std::string stacking = "AB";
  int repeat_a = 1;
  int repeat_b = 1;
  int num_layers = 2;
  double bond_length = 1.42;        ///< C–C, Å
  double spacing = 3.35;            ///< interlayer distance of galleries without Li, Å
  double lithiated_spacing = 3.70;  ///< interlayer distance of galleries holding Li, Å
  PlaneCellShape cell = PlaneCellShape::hexagonal;
  /// Slab: vacuum (Å) between the top layer and the periodic image of the bottom one.
  std::optional<double> vacuum;
  /// Edge geometry: vacuum along x (implies an orthogonal cell).
  std::optional<EdgeType> edge;
  double edge_vacuum = 15.0;  ///< Å between the outermost atoms along x and their images
};

/// Shortest period of a stacking sequence ("ABAB" -> 2, "AA" -> 1, "ABC" -> 3).
[[nodiscard]] std::size_t stacking_period(const std::string& stacking);

/// Build the host. Atoms: carbon layer by layer (bottom first), then Li gallery by gallery.
/// Throws RequestError for impossible combinations (a sequence that is not periodic in the
/// requested number of layers, letters other than A/B/C, an edge in a hexagonal cell, ...).
[[nodiscard]] core::System build_graphite(const GraphiteParams& params);

}  // namespace ioncycle::defects
