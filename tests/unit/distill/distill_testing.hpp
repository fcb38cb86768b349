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

/// li_c_teacher() behind a Potential whose compute() a test overrides (to count calls, to offset
/// results), calling LiCTeacherWrapper::compute for the teacher's own numbers.
class LiCTeacherWrapper : public potentials::Potential {
 public:
  [[nodiscard]] std::string name() const override { return "wrapped-lj"; }
  [[nodiscard]] double cutoff() const override { return lj_.cutoff(); }
  [[nodiscard]] potentials::NeighborRequest neighbor_request() const override { return lj_.neighbor_request(); }
  [[nodiscard]] bool supports(int z) const override { return lj_.supports(z); }
  [[nodiscard]] std::string supported_species() const override { return lj_.supported_species(); }
  void compute(const core::System& system, const core::NeighborList& neighbors,
               const potentials::ForceRequest& request, potentials::ForceResult& result) override {
    lj_.compute(system, neighbors, request, result);
  }

 private:
  potentials::LennardJones lj_ = li_c_teacher();
};

/// A teacher that keeps graphite in shape (the LJ graphite of the CLI tests, graphite_lj.hpp):
/// a stiff C–C nearest-neighbour bond only, soft Li–C and Li–Li pairs.
inline potentials::LennardJones graphite_li_teacher() {
  potentials::LennardJones::Params p;
  p.pairs = {{6, 6, 0.3, 1.265, 1.9}, {3, 6, 0.02, 1.7, 5.0}, {3, 3, 0.01, 2.2, 5.0}};
  p.shift = true;
  return potentials::LennardJones(p);
}

}  // namespace ioncycle::testing
