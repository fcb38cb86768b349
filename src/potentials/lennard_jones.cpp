// SPDX-License-Identifier: MIT
#include "potentials/lennard_jones.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "core/content_hash.hpp"
#include "potentials/pair_loop.hpp"

namespace ioncycle::potentials {

namespace {

LennardJones::Kernel make_kernel(const LJPair& p, bool shift) {
  LennardJones::Kernel k;
  const double s6 = std::pow(p.sigma, 6);
  const double s12 = s6 * s6;
  k.cutoff_sq = p.cutoff * p.cutoff;
  k.lj1 = 48.0 * p.epsilon * s12;
  k.lj2 = 24.0 * p.epsilon * s6;
  k.lj3 = 4.0 * p.epsilon * s12;
  k.lj4 = 4.0 * p.epsilon * s6;
  if (shift) {
    // E(r_c) of the unshifted form; subtracting it makes E continuous at r_c (as LAMMPS'
    // pair_modify shift yes: offset = 4ε[(σ/r_c)^12 - (σ/r_c)^6]).
    const double ratio6 = s6 / std::pow(p.cutoff, 6);
    k.offset = 4.0 * p.epsilon * (ratio6 * ratio6 - ratio6);
  }
  return k;
}

}  // namespace

LennardJones::LennardJones(Params params) : shift_(params.shift) {
  if (params.pairs.empty()) {
    throw InputError("lj: no element pairs given", "give at least one pair (z1, z2, epsilon, sigma, cutoff)");
  }
  // Validate and index the explicit pairs by (smaller z, larger z).
  std::map<std::pair<int, int>, LJPair> given;
  std::map<std::pair<int, int>, std::size_t> entry_of;
  std::set<int> elements;
  for (std::size_t k = 0; k < params.pairs.size(); ++k) {
    LJPair p = params.pairs[k];
    const std::string what = "lj pair " + std::to_string(k + 1);
    detail::check_element(p.z1, what);
    detail::check_element(p.z2, what);
    const std::string label = what + " (" + detail::pair_label(p.z1, p.z2) + ")";
    detail::check_positive(p.epsilon, label, "epsilon", "eV");
    detail::check_positive(p.sigma, label, "sigma", "A");
    detail::check_positive(p.cutoff, label, "cutoff", "A");
    if (p.z1 > p.z2) std::swap(p.z1, p.z2);
    const auto key = std::make_pair(p.z1, p.z2);
    if (const auto it = entry_of.find(key); it != entry_of.end()) {
      throw InputError("lj: pair " + detail::pair_label(p.z1, p.z2) + " is given twice (entries " +
                       std::to_string(it->second + 1) + " and " + std::to_string(k + 1) + ")");
    }
    entry_of[key] = k;
    given[key] = p;
    elements.insert(p.z1);
    elements.insert(p.z2);
  }

  // Every pair of supported elements: explicit, or Lorentz-Berthelot mixing of the like pairs
  // (H. A. Lorentz, Ann. Phys. 248, 127 (1881); D. Berthelot, C. R. Acad. Sci. 126, 1703 (1898)).
  const std::vector<int> element_list(elements.begin(), elements.end());
  for (std::size_t a = 0; a < element_list.size(); ++a) {
    for (std::size_t b = a; b < element_list.size(); ++b) {
      const int z1 = element_list[a];
      const int z2 = element_list[b];
      if (const auto it = given.find({z1, z2}); it != given.end()) {
        resolved_.push_back(it->second);
        continue;
      }
      const auto p1 = given.find({z1, z1});
      const auto p2 = given.find({z2, z2});
      if (p1 == given.end() || p2 == given.end()) {
        throw InputError("lj: no parameters for the pair " + detail::pair_label(z1, z2),
                         "give " + detail::pair_label(z1, z2) + " explicitly, or both " +
                             detail::pair_label(z1, z1) + " and " + detail::pair_label(z2, z2) +
                             " so that it is mixed by the Lorentz-Berthelot rules");
      }
      LJPair mixed;
      mixed.z1 = z1;
      mixed.z2 = z2;
      mixed.sigma = 0.5 * (p1->second.sigma + p2->second.sigma);
      mixed.epsilon = std::sqrt(p1->second.epsilon * p2->second.epsilon);
      mixed.cutoff = std::max(p1->second.cutoff, p2->second.cutoff);
      resolved_.push_back(mixed);
    }
  }

  table_ = detail::PairTable<Kernel>(element_list);
  for (const LJPair& p : resolved_) {
    table_.set(table_.type_of(p.z1), table_.type_of(p.z2), make_kernel(p, shift_), p.cutoff);
  }
}

LennardJones LennardJones::single(int z, double epsilon, double sigma, double cutoff, bool shift) {
  return LennardJones(Params{{LJPair{z, z, epsilon, sigma, cutoff}}, shift});
}

double LennardJones::pair_energy(int z1, int z2, double r) const { return table_.pair_energy(z1, z2, r, name()); }

void LennardJones::compute(const core::System& system, const core::NeighborList& neighbors,
                           const ForceRequest& request, ForceResult& result) {
  detail::compute_pairs(table_, scratch_, system, neighbors, request, result, name());
}

std::string LennardJones::fingerprint() const {
  // The resolved pairs (mixing applied) and the shift flag determine the energy completely.
  std::string out = std::string("lj shift=") + (shift_ ? "1" : "0");
  for (const auto& p : resolved_) {
    out += " " + std::to_string(p.z1) + "-" + std::to_string(p.z2) + ":epsilon=" + core::hex_double(p.epsilon) +
           ",sigma=" + core::hex_double(p.sigma) + ",cutoff=" + core::hex_double(p.cutoff);
  }
  return out;
}

}  // namespace ioncycle::potentials
