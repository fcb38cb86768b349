// SPDX-License-Identifier: MIT
//
// The layered-oxide builder: exact stoichiometry, octahedral MO6 and AO6 (prismatic NaO6 in
// P2) with the requested bond lengths, O3/O1/P2 recovered by the stacking detection,
// compositions placed at random from the seed or on the sqrt3 superlattice, partial
// delithiation, default lattices, and impossible requests.
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include "core/error.hpp"
#include "defects/layered_oxide.hpp"
#include "defects/request_error.hpp"
#include "defects/stacking.hpp"
#include "host_checks.hpp"

using namespace ioncycle;
using namespace ioncycle::defects;
namespace hosts = ioncycle::testing::hosts;

namespace {

LayeredOxideParams oxide(const std::string& composition, int ion = 3, Polytype polytype = Polytype::o3) {
  LayeredOxideParams p;
  p.ion_z = ion;
  p.polytype = polytype;
  p.composition = parse_composition(composition);
  p.lattice = *default_oxide_lattice(ion, polytype, p.composition);
  p.num_layers = slabs_per_cell(polytype);
  return p;
}

bool is_metal(int z) { return z != 3 && z != 11 && z != 8; }

std::string expect_request_error(const LayeredOxideParams& p) {
  try {
    (void)build_layered_oxide(p, 1);
  } catch (const RequestError& e) {
    return e.key();
  }
  return "(no error)";
}

// Positions of the metals, as a comparable list of (species, rounded position).
std::vector<std::pair<int, std::array<long, 3>>> metal_sites(const core::System& s) {
  std::vector<std::pair<int, std::array<long, 3>>> out;
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    if (!is_metal(s.atomic_numbers()[i])) continue;
    const auto& r = s.positions()[i];
    out.push_back({s.atomic_numbers()[i], {std::lround(r[0] * 1e4), std::lround(r[1] * 1e4), std::lround(r[2] * 1e4)}});
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("LiCoO2 (O3): stoichiometry, octahedra, O3 stacking", "[unit][defects][oxide]") {
  auto p = oxide("Co");
  p.repeat_a = p.repeat_b = 3;
  const auto s = build_layered_oxide(p, 1);
  CHECK(hosts::counts(s) == std::map<int, std::size_t>{{3, 27}, {8, 54}, {27, 27}});
  CHECK(s.cell().lengths()[0] == Approx(3 * 2.816).margin(1e-12));
  CHECK(s.cell().lengths()[2] == Approx(14.05).margin(1e-12));
  const double h = std::sqrt(1.92 * 1.92 - 2.816 * 2.816 / 3);
  const double li_o = std::hypot(2.816 / std::sqrt(3.0), 14.05 / 6 - h);
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    const int z = s.atomic_numbers()[i];
    if (z == 8) continue;
    const auto d = hosts::neighbour_distances(s, i, 2.5, 8);
    INFO("atom " << i << " Z=" << z);
    REQUIRE(d.size() == 6);
    for (const double x : d) CHECK(x == Approx(z == 27 ? 1.92 : li_o).margin(1e-9));
  }
  CHECK(li_o == Approx(2.09).margin(0.01));  // the known Li-O bond of LiCoO2
  const auto st = analyze_stacking(s);
  REQUIRE(st.layers.size() == 3);
  CHECK(st.sequence == "ABC");
  CHECK(st.galleries == "OOO");
  CHECK(st.name == "O3");
  CHECK(st.t1.norm() == Approx(2.816).margin(1e-6));
}

TEST_CASE("O1 and P2 stackings and their sites", "[unit][defects][oxide]") {
  SECTION("O1: metals stacked on one another, octahedral galleries") {
    auto p = oxide("Co", 3, Polytype::o1);
    p.num_layers = 2;
    p.repeat_a = p.repeat_b = 2;
    const auto s = build_layered_oxide(p, 1);
    CHECK(s.cell().lengths()[2] == Approx(2 * 14.05 / 3).margin(1e-12));
    const auto st = analyze_stacking(s);
    CHECK(st.sequence == "AA");
    CHECK(st.galleries == "OO");
    CHECK(st.name == "O1");
    for (std::size_t i = 0; i < s.num_atoms(); ++i) {
      if (s.atomic_numbers()[i] == 3) CHECK(hosts::neighbour_distances(s, i, 2.5, 8).size() == 6);
    }
  }
  SECTION("P2: prismatic galleries, Na in edge-sharing prisms") {
    auto p = oxide("Ni1/3Mn2/3", 11, Polytype::p2);
    p.repeat_a = p.repeat_b = 3;
    p.ordering = MetalOrdering::sqrt3;
    const auto s = build_layered_oxide(p, 1);
    CHECK(hosts::counts(s) == std::map<int, std::size_t>{{8, 36}, {11, 18}, {25, 12}, {28, 6}});
    CHECK(s.cell().lengths()[2] == Approx(11.15).margin(1e-12));
    const auto st = analyze_stacking(s);
    CHECK(st.galleries == "PP");
    CHECK(st.name == "P2");
    for (std::size_t i = 0; i < s.num_atoms(); ++i) {
      if (s.atomic_numbers()[i] != 11) continue;
      // Six O at the prism corners; the nearest metal is not straight above or below (that is
      // the face-sharing Na_f site) but in-plane offset by a/sqrt(3).
      const auto d = hosts::neighbour_distances(s, i, 2.8, 8);
      REQUIRE(d.size() == 6);
      CHECK(d.front() == Approx(d.back()).margin(1e-9));
      double nearest_metal = 1e9;
      for (std::size_t j = 0; j < s.num_atoms(); ++j) {
        if (is_metal(s.atomic_numbers()[j])) {
          nearest_metal = std::min(nearest_metal, s.cell().minimum_image(s.positions()[j] - s.positions()[i]).norm());
        }
      }
      CHECK(nearest_metal == Approx(std::hypot(2.886 / std::sqrt(3.0), 11.15 / 4)).margin(1e-9));
    }
  }
}

TEST_CASE("NMC811 at random: exact counts, reproducible from the seed", "[unit][defects][oxide]") {
  auto p = oxide("Ni0.8Mn0.1Co0.1");
  CHECK(p.lattice.a == Approx(2.872));
  CHECK(p.lattice.c == Approx(14.20));
  p.repeat_a = 5;
  p.repeat_b = 2;
  const auto s1 = build_layered_oxide(p, 11);
  CHECK(hosts::counts(s1) == std::map<int, std::size_t>{{3, 30}, {8, 60}, {25, 3}, {27, 3}, {28, 24}});
  const auto s1_again = build_layered_oxide(p, 11);
  const auto s2 = build_layered_oxide(p, 12);
  CHECK(metal_sites(s1) == metal_sites(s1_again));
  CHECK(metal_sites(s1) != metal_sites(s2));
  // Randomness only moves species between the same sites.
  std::set<std::array<long, 3>> sites1, sites2;
  for (const auto& [z, r] : metal_sites(s1)) sites1.insert(r);
  for (const auto& [z, r] : metal_sites(s2)) sites2.insert(r);
  CHECK(sites1 == sites2);
  CHECK(analyze_stacking(s1).name == "O3");
}

TEST_CASE("sqrt3 ordering puts each element of NMC111 on its own sqrt3 x sqrt3 sublattice", "[unit][defects][oxide]") {
  auto p = oxide("Ni1/3Mn1/3Co1/3");
  p.repeat_a = p.repeat_b = 3;
  p.ordering = MetalOrdering::sqrt3;
  const auto s = build_layered_oxide(p, 1);
  CHECK(hosts::counts(s) == std::map<int, std::size_t>{{3, 27}, {8, 54}, {25, 9}, {27, 9}, {28, 9}});
  const double a = p.lattice.a;
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    const int z = s.atomic_numbers()[i];
    if (!is_metal(z)) continue;
    // In its own plane, the six nearest metals are of the two other elements; the nearest of its
    // own element are sqrt(3) a away.
    for (std::size_t j = 0; j < s.num_atoms(); ++j) {
      if (j == i || !is_metal(s.atomic_numbers()[j])) continue;
      const auto d = s.cell().minimum_image(s.positions()[j] - s.positions()[i]);
      if (std::abs(d[2]) > 0.1) continue;
      if (d.norm() < 1.1 * a) CHECK(s.atomic_numbers()[j] != z);
      if (s.atomic_numbers()[j] == z) CHECK(d.norm() > 1.7 * a);
    }
  }
  auto bad = p;
  bad.repeat_a = 2;
  CHECK(expect_request_error(bad) == "ordering");
  auto bad2 = oxide("Ni0.8Mn0.1Co0.1");
  bad2.repeat_a = bad2.repeat_b = 3;
  bad2.ordering = MetalOrdering::sqrt3;
  CHECK(expect_request_error(bad2) == "ordering");
}

TEST_CASE("partial delithiation removes exactly (1 - x) of the ions, the same ones for a seed",
          "[unit][defects][oxide]") {
  auto p = oxide("Co");
  p.repeat_a = p.repeat_b = 2;
  p.x = 0.5;
  const auto s = build_layered_oxide(p, 3);
  CHECK(hosts::counts(s).at(3) == 6);
  CHECK(hosts::counts(s).at(27) == 12);
  // The metals do not move when x changes (separate random streams).
  auto full = p;
  full.x = 1.0;
  CHECK(metal_sites(build_layered_oxide(full, 3)) == metal_sites(s));
  p.x = 0.3;  // 3.6 of 12 sites
  CHECK(expect_request_error(p) == "x");
  p.x = 0.0;
  CHECK(hosts::counts(build_layered_oxide(p, 3)).count(3) == 0);
}

TEST_CASE("oxide slabs with vacuum and orthogonal cells", "[unit][defects][oxide]") {
  auto p = oxide("Co");
  p.num_layers = 2;
  p.vacuum = 15.0;
  p.cell = PlaneCellShape::orthogonal;
  p.repeat_a = 2;
  p.repeat_b = 1;
  const auto s = build_layered_oxide(p, 1);
  // 2 x 1 orthogonal cells hold 4 metals per plane; only the inner gallery holds Li.
  CHECK(hosts::counts(s) == std::map<int, std::size_t>{{3, 4}, {8, 16}, {27, 8}});
  CHECK(s.cell().angles()[2] == Approx(90.0).margin(1e-9));
  const double h = std::sqrt(1.92 * 1.92 - 2.816 * 2.816 / 3);
  CHECK(s.cell().lengths()[2] == Approx(14.05 / 3 + 2 * h + 15.0).margin(1e-9));
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    if (s.atomic_numbers()[i] == 27) CHECK(hosts::neighbour_distances(s, i, 2.5, 8).size() == 6);
  }
}

TEST_CASE("compositions and default lattices", "[unit][defects][oxide]") {
  const auto c = parse_composition("Ni1/3Mn1/3Co1/3");
  REQUIRE(c.size() == 3);
  CHECK(c[0].z == 28);
  CHECK(c[1].fraction == Approx(1.0 / 3.0));
  CHECK(parse_composition("Co").front().fraction == 1.0);
  for (const char* bad : {"Ni0.8Mn0.1", "Ni0.8Mn0.1Co0.2", "Xx", "NiNi", "Ni0.5Co", "ni", "Ni-0.5Co1.5", "LiCo",
                          "Ni0.5Co0.5O2", ""}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_composition(bad), InputError);
  }
  // Tabulated compounds.
  CHECK(default_oxide_lattice(3, Polytype::o3, parse_composition("Co"))->a == Approx(2.816));
  CHECK(default_oxide_lattice(3, Polytype::o3, parse_composition("Ni"))->c == Approx(14.19));
  CHECK(default_oxide_lattice(11, Polytype::p2, parse_composition("Co"))->c == Approx(10.90));
  // O1 is the O3 slab spacing, one slab per cell.
  CHECK(default_oxide_lattice(3, Polytype::o1, parse_composition("Co"))->c == Approx(14.05 / 3));
  // Vegard's law reproduces NMC811 from the end members within 0.005 Å in a.
  const auto v = default_oxide_lattice(3, Polytype::o3, parse_composition("Ni0.5Co0.5"));
  REQUIRE(v);
  CHECK(v->a == Approx(0.5 * (2.816 + 2.878)));
  const auto mix811 = default_oxide_lattice(3, Polytype::o3, parse_composition("Ni0.8Co0.1Mn0.1"));
  CHECK(mix811->a == Approx(2.872));  // tabulated: the order of elements does not matter
  CHECK_FALSE(default_oxide_lattice(3, Polytype::o3, parse_composition("Fe")));
  CHECK_FALSE(default_oxide_lattice(3, Polytype::p2, parse_composition("Co")));
}

TEST_CASE("impossible oxide requests name the key at fault", "[unit][defects][oxide][errors]") {
  auto p = oxide("Co");
  p.num_layers = 4;  // O3 needs multiples of 3 without vacuum
  CHECK(expect_request_error(p) == "layers");
  p = oxide("Ni0.8Mn0.1Co0.1");  // 3 metal sites cannot hold 0.1
  CHECK(expect_request_error(p) == "composition");
  p = oxide("Co");
  p.lattice.metal_oxygen = 1.5;  // shorter than a/sqrt(3)
  CHECK(expect_request_error(p) == "metal_oxygen_distance");
  p = oxide("Co");
  p.lattice.c = 6.0;  // no room for the Li layer
  CHECK(expect_request_error(p) == "c");
  p = oxide("Co");
  p.x = 1.5;
  CHECK(expect_request_error(p) == "x");
  p = oxide("Co");
  p.repeat_b = -1;
  CHECK(expect_request_error(p) == "repeat");
}
