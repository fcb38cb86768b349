// SPDX-License-Identifier: MIT
//
// The neighbor-list memory budget (core/neighbor_list.hpp) checked when a run file is planned, so
// that `--check` refuses a cutoff, skin or cell that would exhaust memory, located at the key to
// blame: `[md] skin` when the skin is the longer part of the range, else the [potential] table.
#pragma once

#include "core/config.hpp"
#include "core/system.hpp"

namespace ioncycle::cli {

/// InputError located in `md_table` (skin) or at `potential_table` when a neighbor list of
/// `system` with `cutoff` + `skin` would exceed the budget.
void check_neighbor_budget(const core::System& system, double cutoff, double skin, const core::ConfigTable& md_table,
                           const core::ConfigTable& potential_table);

}  // namespace ioncycle::cli
