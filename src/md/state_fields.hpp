// SPDX-License-Identifier: MIT
//
// Reading named fields back from an IntegratorState (checkpoints). A missing field or one of the
// wrong size means the checkpoint was written by another integrator or is damaged: an
// InputError that names the field, so restore() never continues from half a state.
// Internal to src/md; pure functions.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"
#include "md/integrator.hpp"

namespace ioncycle::md::detail {

/// state.values[key], which must hold exactly `size` numbers.
inline const std::vector<double>& state_values(const IntegratorState& state, const std::string& key,
                                               std::size_t size, const std::string& integrator) {
  const auto it = state.values.find(key);
  if (it == state.values.end()) {
    throw InputError("the saved integrator state has no field '" + key + "' needed by '" + integrator + "'",
                     "the checkpoint was written with another integrator or thermostat; start from "
                     "the structure instead, or use the [md] settings the checkpoint was made with");
  }
  if (it->second.size() != size) {
    throw InputError("the saved integrator field '" + key + "' has " + std::to_string(it->second.size()) +
                         " values, '" + integrator + "' needs " + std::to_string(size),
                     "the checkpoint was written with other [md] settings (e.g. another chain length)");
  }
  return it->second;
}

/// The single number state.values[key].
inline double state_value(const IntegratorState& state, const std::string& key, const std::string& integrator) {
  return state_values(state, key, 1, integrator)[0];
}

/// state.rngs[key].
inline const core::Rng::State& state_rng(const IntegratorState& state, const std::string& key,
                                         const std::string& integrator) {
  const auto it = state.rngs.find(key);
  if (it == state.rngs.end()) {
    throw InputError("the saved integrator state has no random-number state '" + key + "' needed by '" +
                         integrator + "'",
                     "the checkpoint was written with another integrator or thermostat");
  }
  return it->second;
}

}  // namespace ioncycle::md::detail
