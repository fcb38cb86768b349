// SPDX-License-Identifier: MIT
//
// The reverse of every entry of a full neighbor list: for the entry (i, j, n) the index of the
// entry (j, i, -n). Many-body potentials store one gradient per entry and gather the forces per
// atom from it and from the reverse entries, which needs no write from one thread into another
// thread's atoms and sums in the same order for any thread count.
#pragma once

#include <cstdint>
#include <vector>

#include "core/neighbor_list.hpp"

namespace ioncycle::core {

/// Keeps the index between calls and searches anew only when the list changed.
class ReverseNeighborIndex {
 public:
  /// The reverse entries of `list` (a full list), `reverse()[e]` for every entry e.
  const std::vector<std::uint32_t>& of(const NeighborList& list);

 private:
  std::vector<std::uint32_t> reverse_;
  std::vector<std::uint32_t> shift_order_, negated_shift_;
};

}  // namespace ioncycle::core
