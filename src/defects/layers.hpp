// SPDX-License-Identifier: MIT
//
// Host layers of a layered structure (graphene sheets, MO2 slabs): atoms grouped by their
// height along the stacking direction, the normal of the a×b plane. Heights are measured from
// the fractional coordinate along c (times the interplanar spacing V/|a×b|), so the grouping is
// robust to the periodic wrap along c: clusters are formed on the circle of heights, starting
// at the widest empty gap, and a jump larger than `gap` between consecutive heights starts a
// new layer. Layers are numbered from the bottom (lowest mean height in [0, d) where d is the
// c-spacing) upward; builders place layers away from the cell boundary so that numbering is
// unambiguous. A non-periodic c (a slab whose c axis is not periodic) is clustered on the line,
// with heights s_c·d taken as they are. Atoms of the `exclude` elements (the mobile ions: Li, Na, ...) are not part of
// any layer. Read-only on the System; thread-safe.
#pragma once

#include <cstddef>
#include <vector>

#include "core/cell.hpp"
#include "core/system.hpp"

namespace ioncycle::defects {

struct Layer {
  std::vector<std::size_t> atoms;  ///< indices into the System, ascending
  double height = 0.0;             ///< mean height along the normal (Å); in [0, d) when c is periodic
  double thickness = 0.0;          ///< max − min height of its atoms (Å)
};

struct LayerOptions {
  /// A gap in height larger than this (Å) separates two layers. 1.5 Å splits graphene sheets
  /// (3.35 Å apart) and MO2 slabs (O–O height across the Li gallery ≈ 2.6 Å in LiCoO2) while an
  /// O–M–O slab (O–M height ≈ 1.03 Å) and a thermally buckled sheet stay one layer.
  double gap = 1.5;
  /// Atomic numbers that never belong to a layer (intercalated ions).
  std::vector<int> exclude;
};

/// Unit normal of the a×b plane (the stacking direction).
[[nodiscard]] core::Vec3 layer_normal(const core::Cell& cell);

/// The host layers, bottom to top. Throws InputError if the cell has no lattice.
[[nodiscard]] std::vector<Layer> find_layers(const core::System& system, const LayerOptions& options);

}  // namespace ioncycle::defects
