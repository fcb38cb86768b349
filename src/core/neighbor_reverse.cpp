// SPDX-License-Identifier: MIT
#include "core/neighbor_reverse.hpp"

#include <algorithm>
#include <array>

#include "core/error.hpp"

namespace ioncycle::core {

const std::vector<std::uint32_t>& ReverseNeighborIndex::of(const NeighborList& list) {
  IONCYCLE_ASSERT(list.kind() == NeighborKind::full, "reverse neighbor entries need a full list");
  const auto offsets = list.offsets();
  const auto neighbors = list.neighbors();
  const auto shifts = list.shift_ids();
  const auto table = list.shift_table();

  // Shift id of -n for every shift id n: sort the ids by their shift and binary-search the
  // negation (a dense grid over the shifts would grow with how far unwrapped positions drift).
  shift_order_.resize(table.size());
  for (std::size_t id = 0; id < table.size(); ++id) shift_order_[id] = static_cast<std::uint32_t>(id);
  std::sort(shift_order_.begin(), shift_order_.end(), [&](std::uint32_t a, std::uint32_t b) { return table[a] < table[b]; });
  negated_shift_.resize(table.size());
  for (std::size_t id = 0; id < table.size(); ++id) {
    const std::array<std::int32_t, 3> neg{-table[id][0], -table[id][1], -table[id][2]};
    const auto it = std::lower_bound(shift_order_.begin(), shift_order_.end(), neg,
                                     [&](std::uint32_t a, const std::array<std::int32_t, 3>& v) { return table[a] < v; });
    IONCYCLE_ASSERT(it != shift_order_.end() && table[*it] == neg, "a full list holds every shift and its negation");
    negated_shift_[id] = *it;
  }

  const std::size_t n = list.num_atoms();
  const std::size_t num_pairs = list.num_pairs();
  // The index kept from the last call is reused when it still fits this list entry by entry
  // (one pass, far cheaper than the search; a list's address and build count alone could match
  // another list's).
  if (reverse_.size() == num_pairs) {
    bool valid = true;
#pragma omp parallel for schedule(static) reduction(&& : valid) if (n >= 256)
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t e = offsets[i]; e < offsets[i + 1]; ++e) {
        const auto j = static_cast<std::size_t>(neighbors[e]);
        const std::size_t r = reverse_[e];
        valid = valid && r >= offsets[j] && r < offsets[j + 1] && static_cast<std::size_t>(neighbors[r]) == i &&
                shifts[r] == negated_shift_[shifts[e]];
      }
    }
    if (valid) return reverse_;
  }
  reverse_.resize(num_pairs);
#pragma omp parallel for schedule(static) if (n >= 256)
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t e = offsets[i]; e < offsets[i + 1]; ++e) {
      const auto j = static_cast<std::size_t>(neighbors[e]);
      const std::uint32_t back = negated_shift_[shifts[e]];
      std::size_t found = num_pairs;
      for (std::size_t c = offsets[j]; c < offsets[j + 1]; ++c) {
        if (static_cast<std::size_t>(neighbors[c]) == i && shifts[c] == back) {
          found = c;
          break;
        }
      }
      IONCYCLE_ASSERT(found < num_pairs, "the neighbor list is not symmetric (full list expected)");
      reverse_[e] = static_cast<std::uint32_t>(found);
    }
  }
  return reverse_;
}

}  // namespace ioncycle::core
