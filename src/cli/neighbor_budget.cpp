// SPDX-License-Identifier: MIT
#include "cli/neighbor_budget.hpp"

#include "core/error.hpp"
#include "core/neighbor_list.hpp"

namespace ioncycle::cli {

void check_neighbor_budget(const core::System& system, double cutoff, double skin, const core::ConfigTable& md_table,
                           const core::ConfigTable& potential_table) {
  try {
    core::check_neighbor_budget(system, cutoff, skin);
  } catch (const InputError& e) {
    if (skin > cutoff && md_table.has("skin")) throw md_table.error_at("skin", e.message(), e.hint());
    throw InputError(potential_table.location(), e.message(), e.hint());
  }
}

}  // namespace ioncycle::cli
