// SPDX-License-Identifier: MIT
#include "potentials/potential.hpp"

#include <algorithm>
#include <chrono>

#include "core/elements.hpp"
#include "core/error.hpp"

namespace ioncycle::potentials {

void StageTimes::add(const std::string& name, double seconds) {
  for (auto& [n, s] : stages) {
    if (n == name) {
      s += seconds;
      return;
    }
  }
  stages.emplace_back(name, seconds);
}

double StageTimes::seconds(const std::string& name) const {
  for (const auto& [n, s] : stages) {
    if (n == name) return s;
  }
  return 0.0;
}

double Potential::energy(const core::System& system, const core::NeighborList& neighbors) {
  // Empty vectors: no allocation for an energy-only call.
  ForceResult result;
  compute(system, neighbors, ForceRequest{false, false, false}, result);
  return result.energy;
}

ForceResult Potential::compute_once(const core::System& system, const ForceRequest& request) {
  const NeighborRequest wanted = neighbor_request();
  core::NeighborList neighbors({wanted.cutoff, 0.0, wanted.kind});
  neighbors.build(system);
  ForceResult result;
  compute(system, neighbors, request, result);
  return result;
}

SumPotential::SumPotential(std::vector<std::unique_ptr<Potential>> terms) : terms_(std::move(terms)) {
  IONCYCLE_ASSERT(!terms_.empty(), "a SumPotential needs at least one term");
  for (const auto& term : terms_) IONCYCLE_ASSERT(term != nullptr, "a SumPotential term is null");
}

std::string SumPotential::name() const {
  std::string out;
  for (const auto& term : terms_) {
    if (!out.empty()) out += "+";
    out += term->name();
  }
  return out;
}

double SumPotential::cutoff() const {
  double cutoff = 0.0;
  for (const auto& term : terms_) cutoff = std::max(cutoff, term->cutoff());
  return cutoff;
}

NeighborRequest SumPotential::neighbor_request() const {
  // One list serves every term: the largest cutoff, and full if any term needs full (the pair
  // terms accept a full list; a many-body term cannot work from a half one).
  NeighborRequest request{0.0, core::NeighborKind::half};
  for (const auto& term : terms_) {
    const NeighborRequest r = term->neighbor_request();
    request.cutoff = std::max(request.cutoff, r.cutoff);
    if (r.kind == core::NeighborKind::full) request.kind = core::NeighborKind::full;
  }
  return request;
}

bool SumPotential::supports(int z) const {
  // Every term is evaluated on every atom, so each must know the element.
  return std::all_of(terms_.begin(), terms_.end(), [z](const auto& term) { return term->supports(z); });
}

std::string SumPotential::supported_species() const {
  std::string out;
  int count = 0;
  for (int z = 1; z <= core::max_atomic_number(); ++z) {
    if (!supports(z)) continue;
    if (!out.empty()) out += ", ";
    out += core::symbol(z);
    ++count;
  }
  if (count == core::max_atomic_number()) return "any";
  return out.empty() ? "none" : out;
}

std::string SumPotential::fingerprint() const {
  // Term order matters only through rounding, but a different order is a different sum in
  // floating point, so it is kept.
  std::string out = "sum(";
  for (std::size_t t = 0; t < terms_.size(); ++t) {
    const std::string term = terms_[t]->fingerprint();
    if (term.empty()) return {};
    if (t > 0) out += ";";
    out += term;
  }
  return out + ")";
}

bool SumPotential::has_per_atom_energy() const {
  return std::all_of(terms_.begin(), terms_.end(), [](const auto& term) { return term->has_per_atom_energy(); });
}

void SumPotential::compute(const core::System& system, const core::NeighborList& neighbors,
                           const ForceRequest& request, ForceResult& result) {
  // Per-atom energies only when every term can give them; otherwise the vector is left empty.
  ForceRequest each = request;
  each.per_atom_energy = request.per_atom_energy && has_per_atom_energy();

  // The first term writes the result directly, the others go through scratch_ and are added,
  // in term order (deterministic). scratch_ keeps its capacity between calls.
  using clock = std::chrono::steady_clock;
  term_seconds_.resize(terms_.size(), 0.0);
  auto start = clock::now();
  terms_.front()->compute(system, neighbors, each, result);
  auto stop = clock::now();
  term_seconds_[0] += std::chrono::duration<double>(stop - start).count();
  if (request.per_atom_energy && !each.per_atom_energy) result.per_atom_energy.clear();
  for (std::size_t t = 1; t < terms_.size(); ++t) {
    start = clock::now();
    terms_[t]->compute(system, neighbors, each, scratch_);
    stop = clock::now();
    term_seconds_[t] += std::chrono::duration<double>(stop - start).count();
    result.energy += scratch_.energy;
    if (each.forces) {
      for (std::size_t i = 0; i < result.forces.size(); ++i) result.forces[i] += scratch_.forces[i];
    }
    if (each.virial) result.virial += scratch_.virial;
    if (each.per_atom_energy) {
      for (std::size_t i = 0; i < result.per_atom_energy.size(); ++i) {
        result.per_atom_energy[i] += scratch_.per_atom_energy[i];
      }
    }
  }
}

void SumPotential::collect_times(StageTimes& out) const {
  for (std::size_t t = 0; t < terms_.size(); ++t) {
    StageTimes inner;
    terms_[t]->collect_times(inner);
    if (inner.stages.empty()) {
      out.add(terms_[t]->name(), t < term_seconds_.size() ? term_seconds_[t] : 0.0);
    } else {
      for (const auto& [name, seconds] : inner.stages) out.add(name, seconds);
    }
  }
}

double SumPotential::energy(const core::System& system, const core::NeighborList& neighbors) {
  double energy = 0.0;
  for (const auto& term : terms_) energy += term->energy(system, neighbors);
  return energy;
}

}  // namespace ioncycle::potentials
