// SPDX-License-Identifier: MIT
//
// The teacher of the distill tests: a shifted Li-C Lennard-Jones potential (analytic and fast),
// Li-C mixed by Lorentz-Berthelot.
#pragma once

#include "potentials/lennard_jones.hpp"

namespace ioncycle::testing {

inline potentials::LennardJones li_c_teacher() {
  potentials::LennardJones::Params p;
  p.pairs = {{3, 3, 0.02, 2.6, 6.0}, {6, 6, 0.004, 3.4, 6.0}};
  p.shift = true;
  return potentials::LennardJones(p);
}

/// A teacher that keeps graphite in shape (the LJ graphite of the CLI tests, graphite_lj.hpp):
/// a stiff C–C nearest-neighbour bond only, soft Li–C and Li–Li pairs.
inline potentials::LennardJones graphite_li_teacher() {
  potentials::LennardJones::Params p;
  p.pairs = {{6, 6, 0.3, 1.265, 1.9}, {3, 6, 0.02, 1.7, 5.0}, {3, 3, 0.01, 2.2, 5.0}};
  p.shift = true;
  return potentials::LennardJones(p);
}

}  // namespace ioncycle::testing
