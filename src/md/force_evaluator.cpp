// SPDX-License-Identifier: MIT
#include "md/force_evaluator.hpp"

#include <chrono>

#include <cmath>
#include <set>
#include <string>

#include "core/elements.hpp"
#include "core/error.hpp"

namespace ioncycle::md {

namespace {
core::NeighborOptions options_for(const potentials::Potential& potential, double skin) {
  const auto req = potential.neighbor_request();
  return {req.cutoff, skin, req.kind};
}
}  // namespace

ForceEvaluator::ForceEvaluator(potentials::Potential& potential, double skin)
    : potential_(potential), neighbors_(options_for(potential, skin)) {}

void ForceEvaluator::check_species(const core::System& system) {
  if (checked_topology_ == system.topology_version()) return;
  std::set<int> missing;
  for (const int z : system.atomic_numbers()) {
    if (!potential_.supports(z)) missing.insert(z);
  }
  if (!missing.empty()) {
    std::string list;
    for (const int z : missing) list += (list.empty() ? "" : ", ") + std::string(core::symbol(z));
    throw InputError("the potential '" + potential_.name() + "' has no parameters for " + list,
                     "it supports: " + potential_.supported_species());
  }
  checked_topology_ = system.topology_version();
}

void ForceEvaluator::check_finite(const core::System& system) const {
  if (!std::isfinite(result_.energy)) {
    throw SimulationError("potential '" + potential_.name() + "' returned a non-finite energy");
  }
  for (std::size_t i = 0; i < result_.forces.size(); ++i) {
    if (!result_.forces[i].allFinite()) {
      throw SimulationError("potential '" + potential_.name() + "' returned a non-finite force on atom id " +
                            std::to_string(system.ids()[i]));
    }
  }
}

void ForceEvaluator::evaluate(core::System& system, bool want_virial) {
  using clock = std::chrono::steady_clock;
  check_species(system);
  const auto t0 = clock::now();
  neighbors_.update(system);
  const auto t1 = clock::now();
  potentials::ForceRequest request;
  request.forces = true;
  request.virial = want_virial && !skip_virial_;
  potential_.compute(system, neighbors_, request, result_);
  const auto t2 = clock::now();
  seconds_neighbors_ += std::chrono::duration<double>(t1 - t0).count();
  seconds_potential_ += std::chrono::duration<double>(t2 - t1).count();
  virial_valid_ = request.virial;
  ++num_evaluations_;
  check_finite(system);
  auto f = system.forces();
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = result_.forces[i];
}

void ForceEvaluator::rebuild_neighbors(const core::System& system) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  neighbors_.build(system);
  seconds_neighbors_ += std::chrono::duration<double>(clock::now() - t0).count();
}

double ForceEvaluator::energy(const core::System& system) {
  check_species(system);
  neighbors_.update(system);
  const double e = potential_.energy(system, neighbors_);
  if (!std::isfinite(e)) throw SimulationError("potential '" + potential_.name() + "' returned a non-finite energy");
  return e;
}

}  // namespace ioncycle::md
