// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>

#include "pair_reference.hpp"
#include "potential_checks.hpp"
#include "potentials/lennard_jones.hpp"
#include "potentials/morse.hpp"
#include "potentials/potential.hpp"

using namespace ioncycle;
using potentials::ForceResult;
using potentials::LennardJones;
using potentials::Morse;
using potentials::SumPotential;

namespace {

constexpr int kLi = 3;
constexpr int kC = 6;

// A stand-in for a many-body term: LJ that insists on a full list and has no per-atom energies.
class FullListLJ final : public potentials::Potential {
 public:
  explicit FullListLJ(LennardJones lj) : lj_(std::move(lj)) {}
  std::string name() const override { return "fulllj"; }
  double cutoff() const override { return lj_.cutoff(); }
  potentials::NeighborRequest neighbor_request() const override { return {cutoff(), core::NeighborKind::full}; }
  bool supports(int z) const override { return lj_.supports(z); }
  std::string supported_species() const override { return lj_.supported_species(); }
  bool has_per_atom_energy() const override { return false; }
  void compute(const core::System& s, const core::NeighborList& nl, const potentials::ForceRequest& request,
               ForceResult& result) override {
    REQUIRE(nl.kind() == core::NeighborKind::full);
    potentials::ForceRequest r = request;
    r.per_atom_energy = false;
    lj_.compute(s, nl, r, result);
    result.per_atom_energy.clear();
  }

 private:
  LennardJones lj_;
};

LennardJones make_lj() {
  return LennardJones({{{kLi, kLi, 0.02, 2.5, 7.0}, {kC, kC, 0.0030, 2.8, 8.0}}, true});
}
Morse make_morse() {
  return Morse({{{kLi, kLi, 0.3, 1.2, 3.0, 5.0}, {kC, kC, 0.2, 1.5, 2.5, 5.5}, {kLi, kC, 0.25, 1.3, 2.7, 5.2}}, false});
}

std::unique_ptr<SumPotential> make_sum() {
  std::vector<std::unique_ptr<potentials::Potential>> terms;
  terms.push_back(std::make_unique<LennardJones>(make_lj()));
  terms.push_back(std::make_unique<Morse>(make_morse()));
  return std::make_unique<SumPotential>(std::move(terms));
}

core::System structure(int n, std::uint64_t seed) {
  return testing::random_structure({kC, kC, kLi}, n, testing::random_triclinic_cell(18.0 * n, seed), 2.2, seed);
}

// Distance (Å) from the nearest pair to its cutoff in either term.
double margin_to_cutoffs(const core::System& s) {
  const LennardJones lj = make_lj();
  const Morse morse = make_morse();
  auto margin = [&](const auto& pairs, double r_max) {
    return testing::closest_approach_to_cutoff(s, r_max + 0.1, [&](int z1, int z2) {
      for (const auto& p : pairs) {
        if ((p.z1 == z1 && p.z2 == z2) || (p.z1 == z2 && p.z2 == z1)) return p.cutoff;
      }
      return 0.0;
    });
  };
  return std::min(margin(lj.resolved_pairs(), lj.cutoff()), margin(morse.resolved_pairs(), morse.cutoff()));
}

}  // namespace

TEST_CASE("SumPotential adds energies, forces, virials and per-atom energies", "[unit][potentials][sum]") {
  auto sum = make_sum();
  auto lj = make_lj();
  auto morse = make_morse();
  const core::System s = structure(50, 1);
  const potentials::ForceRequest all{true, true, true};
  // Each term evaluated on the list the sum asks for (half, 8 Å), as the sum does.
  const ForceResult a = testing::evaluate(lj, s, all, core::NeighborKind::half);
  const ForceResult b = testing::evaluate(morse, s, all, core::NeighborKind::half);
  ForceResult expected = a;
  expected.energy += b.energy;
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    expected.forces[i] += b.forces[i];
    expected.per_atom_energy[i] += b.per_atom_energy[i];
  }
  expected.virial += b.virial;
  REQUIRE(b.energy != 0.0);
  const ForceResult got = testing::evaluate(*sum, s, all);
  testing::check_same_result(expected, got, 1e-13, 1e-14, "sum vs terms");
  // Reusing the result object (scratch reuse) gives the same again.
  core::NeighborList list({sum->cutoff(), 0.5, sum->neighbor_request().kind});
  list.build(s);
  ForceResult reused;
  sum->compute(s, list, all, reused);
  sum->compute(s, list, all, reused);
  testing::check_same_result(got, reused, 0.0, 0.0, "second call");
  CHECK(sum->energy(s, list) == Approx(expected.energy).epsilon(1e-13));
}

TEST_CASE("SumPotential describes itself from its terms", "[unit][potentials][sum]") {
  auto sum = make_sum();
  CHECK(sum->name() == "lj+morse");
  CHECK(sum->num_terms() == 2);
  CHECK(sum->term(1).name() == "morse");
  CHECK(sum->cutoff() == 8.0);
  CHECK(sum->neighbor_request().cutoff == 8.0);
  CHECK(sum->neighbor_request().kind == core::NeighborKind::half);
  CHECK(sum->supports(kLi));
  CHECK_FALSE(sum->supports(8));
  CHECK(sum->supported_species() == "Li, C");
  CHECK(sum->has_per_atom_energy());

  // Species: the intersection of the terms'.
  std::vector<std::unique_ptr<potentials::Potential>> terms;
  terms.push_back(std::make_unique<LennardJones>(make_lj()));
  terms.push_back(std::make_unique<LennardJones>(LennardJones::single(kC, 0.01, 3.0, 9.0)));
  SumPotential partial(std::move(terms));
  CHECK(partial.supported_species() == "C");
  CHECK_FALSE(partial.supports(kLi));
  CHECK(partial.cutoff() == 9.0);
}

TEST_CASE("SumPotential asks for a full list when a term needs one", "[unit][potentials][sum]") {
  std::vector<std::unique_ptr<potentials::Potential>> terms;
  terms.push_back(std::make_unique<Morse>(make_morse()));
  terms.push_back(std::make_unique<FullListLJ>(make_lj()));
  SumPotential sum(std::move(terms));
  CHECK(sum.neighbor_request().kind == core::NeighborKind::full);
  CHECK(sum.neighbor_request().cutoff == 8.0);
  CHECK_FALSE(sum.has_per_atom_energy());

  const core::System s = structure(40, 6);
  const ForceResult got = testing::evaluate(sum, s, {true, true, true});
  CHECK(got.per_atom_energy.empty());  // one term cannot give them, so none are reported
  {
    // Also when the result object held per-atom energies from an earlier call.
    core::NeighborList list({sum.cutoff(), 0.5, core::NeighborKind::full});
    list.build(s);
    ForceResult stale;
    stale.per_atom_energy.assign(s.num_atoms(), 1.0);
    sum.compute(s, list, {true, true, true}, stale);
    CHECK(stale.per_atom_energy.empty());
  }
  auto direct = make_sum();            // lj + morse on a half list: the same physics
  testing::check_same_result(testing::evaluate(*direct, s, {true, true, false}), got, 1e-12, 1e-14,
                             "full-list sum vs half-list sum");
  REQUIRE(margin_to_cutoffs(s) > 2e-4);  // no pair crosses a cutoff within ±h
  testing::check_forces_by_central_difference(sum, s, 1e-4, 1e-6, 1e-9);
  testing::check_virial_by_strain(sum, s, 1e-5, 1e-6, 1e-9);
}

TEST_CASE("SumPotential of sums and of one term", "[unit][potentials][sum]") {
  const core::System s = structure(30, 3);
  std::vector<std::unique_ptr<potentials::Potential>> one;
  one.push_back(std::make_unique<Morse>(make_morse()));
  SumPotential single(std::move(one));
  auto morse = make_morse();
  CHECK(single.name() == "morse");
  testing::check_same_result(testing::evaluate(morse, s, {true, true, true}),
                             testing::evaluate(single, s, {true, true, true}), 0.0, 0.0, "one-term sum");

  std::vector<std::unique_ptr<potentials::Potential>> nested;
  nested.push_back(make_sum());
  nested.push_back(std::make_unique<LennardJones>(make_lj()));
  SumPotential outer(std::move(nested));
  CHECK(outer.name() == "lj+morse+lj");
  auto inner = make_sum();
  auto lj = make_lj();
  const ForceResult a = testing::evaluate(*inner, s, {true, true, true});
  const ForceResult b = testing::evaluate(lj, s, {true, true, true});
  const ForceResult c = testing::evaluate(outer, s, {true, true, true});
  CHECK(c.energy == Approx(a.energy + b.energy).epsilon(1e-13));
  CHECK((c.virial - a.virial - b.virial).cwiseAbs().maxCoeff() < 1e-12);
  testing::check_symmetries(outer, s, 3, 1e-11, 1e-13);
}
