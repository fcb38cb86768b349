// SPDX-License-Identifier: MIT
#include "potentials/morse.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <utility>

#include "core/content_hash.hpp"
#include "potentials/pair_loop.hpp"

namespace ioncycle::potentials {

namespace {

Morse::Kernel make_kernel(const MorsePair& p, bool shift) {
  Morse::Kernel k;
  k.cutoff_sq = p.cutoff * p.cutoff;
  k.d0 = p.d0;
  k.alpha = p.alpha;
  k.r0 = p.r0;
  if (shift) {
    // E(r_c) of the unshifted form (LAMMPS pair_morse: offset = D0 [e^{-2α(rc-r0)} - 2e^{-α(rc-r0)}]).
    const double u = std::exp(-p.alpha * (p.cutoff - p.r0));
    k.offset = p.d0 * u * (u - 2.0);
  }
  return k;
}

}  // namespace

Morse::Morse(Params params) : shift_(params.shift) {
  if (params.pairs.empty()) {
    throw InputError("morse: no element pairs given", "give at least one pair (z1, z2, d0, alpha, r0, cutoff)");
  }
  std::map<std::pair<int, int>, std::size_t> entry_of;
  std::set<int> elements;
  std::vector<MorsePair> pairs;
  for (std::size_t k = 0; k < params.pairs.size(); ++k) {
    MorsePair p = params.pairs[k];
    const std::string what = "morse pair " + std::to_string(k + 1);
    detail::check_element(p.z1, what);
    detail::check_element(p.z2, what);
    const std::string label = what + " (" + detail::pair_label(p.z1, p.z2) + ")";
    detail::check_positive(p.d0, label, "d0", "eV");
    detail::check_positive(p.alpha, label, "alpha", "1/A");
    detail::check_positive(p.r0, label, "r0", "A");
    detail::check_positive(p.cutoff, label, "cutoff", "A");
    if (p.z1 > p.z2) std::swap(p.z1, p.z2);
    const auto key = std::make_pair(p.z1, p.z2);
    if (const auto it = entry_of.find(key); it != entry_of.end()) {
      throw InputError("morse: pair " + detail::pair_label(p.z1, p.z2) + " is given twice (entries " +
                       std::to_string(it->second + 1) + " and " + std::to_string(k + 1) + ")");
    }
    entry_of[key] = k;
    pairs.push_back(p);
    elements.insert(p.z1);
    elements.insert(p.z2);
  }

  // Morse parameters have no accepted mixing rule (LAMMPS refuses to mix them too), so every
  // pair of supported elements must be given.
  const std::vector<int> element_list(elements.begin(), elements.end());
  for (std::size_t a = 0; a < element_list.size(); ++a) {
    for (std::size_t b = a; b < element_list.size(); ++b) {
      const int z1 = element_list[a];
      const int z2 = element_list[b];
      if (!entry_of.contains({z1, z2})) {
        throw InputError("morse: no parameters for the pair " + detail::pair_label(z1, z2),
                         "Morse parameters are not mixed; give every pair of the elements " +
                             detail::PairTable<Kernel>(element_list).species_list() + " explicitly");
      }
    }
  }
  std::sort(pairs.begin(), pairs.end(),
            [](const MorsePair& x, const MorsePair& y) { return std::pair(x.z1, x.z2) < std::pair(y.z1, y.z2); });
  resolved_ = pairs;

  table_ = detail::PairTable<Kernel>(element_list);
  for (const MorsePair& p : resolved_) {
    table_.set(table_.type_of(p.z1), table_.type_of(p.z2), make_kernel(p, shift_), p.cutoff);
  }
}

Morse Morse::single(int z, double d0, double alpha, double r0, double cutoff, bool shift) {
  return Morse(Params{{MorsePair{z, z, d0, alpha, r0, cutoff}}, shift});
}

double Morse::pair_energy(int z1, int z2, double r) const { return table_.pair_energy(z1, z2, r, name()); }

void Morse::compute(const core::System& system, const core::NeighborList& neighbors,
                    const ForceRequest& request, ForceResult& result) {
  detail::compute_pairs(table_, scratch_, system, neighbors, request, result, name());
}

std::string Morse::fingerprint() const {
  // The resolved pairs (mixing applied) and the shift flag determine the energy completely.
  std::string out = std::string("morse shift=") + (shift_ ? "1" : "0");
  for (const auto& p : resolved_) {
    out += " " + std::to_string(p.z1) + "-" + std::to_string(p.z2) + ":d0=" + core::hex_double(p.d0) +
           ",alpha=" + core::hex_double(p.alpha) + ",r0=" + core::hex_double(p.r0) +
           ",cutoff=" + core::hex_double(p.cutoff);
  }
  return out;
}

}  // namespace ioncycle::potentials
