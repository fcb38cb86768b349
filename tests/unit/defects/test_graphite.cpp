// SPDX-License-Identifier: MIT
//
// The graphite builder: exact counts, C–C 1.42 Å with three neighbours, the requested spacing,
// AB/AA/ABC recovered by ioncycle's own stacking detection, orthogonal cells, slabs, clean
// armchair and zigzag edges, LiC6 and LiC12 geometry, and impossible requests.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/geometry.hpp"
#include "defects/graphite.hpp"
#include "defects/layers.hpp"
#include "defects/request_error.hpp"
#include "defects/stacking.hpp"
#include "host_checks.hpp"

using namespace ioncycle;
using namespace ioncycle::defects;
namespace hosts = ioncycle::testing::hosts;

namespace {

constexpr double kCC = 1.42;

GraphiteParams params(const std::string& stacking, int repeat, int layers) {
  GraphiteParams p;
  p.stacking = stacking;
  p.repeat_a = p.repeat_b = repeat;
  p.num_layers = layers;
  return p;
}

// Every carbon has exactly `n` carbon neighbours within 1.6 Å, all at 1.42 Å.
void check_bonds(const core::System& s, std::size_t want = 3) {
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    if (s.atomic_numbers()[i] != 6) continue;
    const auto d = hosts::neighbour_distances(s, i, 1.6, 6);
    INFO("atom " << i);
    REQUIRE(d.size() == want);
    for (const double x : d) CHECK(x == Approx(kCC).margin(1e-9));
  }
}

std::string expect_request_error(const GraphiteParams& p) {
  try {
    (void)build_graphite(p);
  } catch (const RequestError& e) {
    return e.key();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("AB, AA and ABC graphite: counts, bonds, spacing and recovered registry", "[unit][defects][graphite]") {
  struct Case {
    std::string stacking;
    int layers;
    std::string sequence;
    std::string name;
  };
  for (const Case& c : {Case{"AB", 4, "ABAB", "AB"}, Case{"AA", 2, "AA", "AA"}, Case{"ABC", 3, "ABC", "ABC"},
                        Case{"ABC", 6, "ABCABC", "ABC"}, Case{"ABAC", 4, "ABAC", "ABAC"}}) {
    for (const auto cell : {PlaneCellShape::hexagonal, PlaneCellShape::orthogonal}) {
      INFO(c.stacking << " x " << c.layers << (cell == PlaneCellShape::orthogonal ? " orthogonal" : " hexagonal"));
      auto p = params(c.stacking, 3, c.layers);
      p.cell = cell;
      const auto g = build_graphite(p);
      const std::size_t per_layer = (cell == PlaneCellShape::orthogonal ? 4 : 2) * 9;
      CHECK(g.num_atoms() == per_layer * static_cast<std::size_t>(c.layers));
      CHECK(hosts::counts(g) == std::map<int, std::size_t>{{6, g.num_atoms()}});
      check_bonds(g);
      CHECK(core::closest_pair(g).distance == Approx(kCC).margin(1e-9));
      const auto angles = g.cell().angles();
      CHECK(angles[2] == Approx(cell == PlaneCellShape::orthogonal ? 90.0 : 120.0).margin(1e-9));
      CHECK(g.cell().lengths()[2] == Approx(3.35 * c.layers).margin(1e-9));
      const auto s = analyze_stacking(g);
      REQUIRE(s.layers.size() == static_cast<std::size_t>(c.layers));
      for (std::size_t k = 0; k < s.layers.size(); ++k) {
        CHECK(s.layers[k].height == Approx((static_cast<double>(k) + 0.5) * 3.35).margin(1e-9));
      }
      CHECK(s.sequence == c.sequence);
      CHECK(s.name == c.name);
      CHECK(s.t1.norm() == Approx(std::sqrt(3.0) * kCC).margin(1e-6));
    }
  }
}

TEST_CASE("the interlayer spacing and bond length are parameters", "[unit][defects][graphite]") {
  auto p = params("AB", 2, 2);
  p.spacing = 3.60;
  p.bond_length = 1.44;
  const auto g = build_graphite(p);
  CHECK(g.cell().lengths()[2] == Approx(7.2).margin(1e-12));
  CHECK(g.cell().lengths()[0] == Approx(2 * std::sqrt(3.0) * 1.44).margin(1e-12));
  const auto layers = find_layers(g, {});
  REQUIRE(layers.size() == 2);
  CHECK(layers[1].height - layers[0].height == Approx(3.60).margin(1e-12));
  CHECK(core::closest_pair(g).distance == Approx(1.44).margin(1e-9));
}

TEST_CASE("slabs: vacuum along z, any number of layers", "[unit][defects][graphite]") {
  auto p = params("AB", 2, 3);
  p.vacuum = 20.0;
  const auto g = build_graphite(p);
  CHECK(g.num_atoms() == 24);
  CHECK(g.cell().lengths()[2] == Approx(2 * 3.35 + 20.0).margin(1e-12));
  const auto s = analyze_stacking(g);
  REQUIRE(s.layers.size() == 3);
  CHECK(s.layers[0].height == Approx(10.0).margin(1e-9));
  CHECK(s.sequence == "ABA");
  // The empty gap across the cell boundary is the vacuum.
  CHECK(s.layers[0].height + g.cell().heights()[2] - s.layers[2].height == Approx(20.0).margin(1e-9));
  SECTION("graphene is one layer in vacuum") {
    auto q = params("A", 3, 1);
    q.vacuum = 15.0;
    const auto sheet = build_graphite(q);
    CHECK(sheet.num_atoms() == 18);
    CHECK(sheet.cell().lengths()[2] == Approx(15.0).margin(1e-12));
    check_bonds(sheet);
  }
}

TEST_CASE("edges: vacuum along x, every carbon keeps two or three bonds", "[unit][defects][graphite]") {
  for (const auto edge : {EdgeType::armchair, EdgeType::zigzag}) {
    for (const std::string stacking : {"AB", "AA"}) {
      INFO((edge == EdgeType::armchair ? "armchair " : "zigzag ") << stacking);
      auto p = params(stacking, 4, 2);
      p.edge = edge;
      p.edge_vacuum = 12.0;
      p.cell = PlaneCellShape::orthogonal;
      const auto g = build_graphite(p);
      CHECK(g.num_atoms() == 4u * 16u * 2u);
      CHECK(g.cell().angles()[2] == Approx(90.0).margin(1e-9));
      // The vacuum: the outermost atoms and their images along x are edge_vacuum apart.
      double lo = 1e9, hi = -1e9;
      for (const auto& r : g.positions()) {
        lo = std::min(lo, r[0]);
        hi = std::max(hi, r[0]);
      }
      CHECK(lo + g.cell().lengths()[0] - hi == Approx(12.0).margin(1e-9));
      CHECK(lo > 0.0);
      std::size_t two = 0;
      std::size_t edge_pairs = 0;
      for (std::size_t i = 0; i < g.num_atoms(); ++i) {
        const auto nb = hosts::neighbours(g, i, 1.6);
        REQUIRE(nb.size() >= 2);
        REQUIRE(nb.size() <= 3);
        for (const double d : hosts::neighbour_distances(g, i, 1.6)) CHECK(d == Approx(kCC).margin(1e-9));
        if (nb.size() == 2) {
          ++two;
          for (const std::size_t j : nb) edge_pairs += hosts::neighbours(g, j, 1.6).size() == 2 ? 1 : 0;
        }
      }
      // Two free edges per layer, each along b (4 repeats): armchair edges have 2 atoms per
      // 4.26 Å repeat on each edge... counted per layer and edge.
      const std::size_t per_edge = edge == EdgeType::armchair ? 2 * 4 : 1 * 4;
      CHECK(two == 2 * 2 * per_edge);
      // Armchair edge atoms come in bonded pairs; zigzag edge atoms are never bonded to each other.
      if (edge == EdgeType::armchair) {
        CHECK(edge_pairs == two);
      } else {
        CHECK(edge_pairs == 0);
      }
      const auto s = analyze_stacking(g);
      CHECK(s.sequence == (stacking == "AB" ? "AB" : "AA"));
    }
  }
}

TEST_CASE("LiC6: AA stacking, Li in the sqrt3 x sqrt3 alpha sites, 3.70 A apart", "[unit][defects][graphite]") {
  for (const auto cell : {PlaneCellShape::hexagonal, PlaneCellShape::orthogonal}) {
    GraphiteParams p;
    p.phase = GraphitePhase::lic6;
    p.stacking = "A";
    p.num_layers = 3;
    p.repeat_a = p.repeat_b = 3;
    p.cell = cell;
    const auto s = build_graphite(p);
    const auto c = hosts::counts(s);
    CHECK(c.at(6) == 6 * c.at(3));
    CHECK(c.at(3) == (cell == PlaneCellShape::orthogonal ? 2u : 1u) * 9u * 3u);
    CHECK(s.cell().lengths()[2] == Approx(3 * 3.70).margin(1e-12));
    const double a = std::sqrt(3.0) * kCC;
    for (std::size_t i = 0; i < s.num_atoms(); ++i) {
      if (s.atomic_numbers()[i] != 3) continue;
      // Above a hexagon centre, midway in the gallery: 12 C at sqrt(1.42² + 1.85²).
      const auto dc = hosts::neighbour_distances(s, i, 3.0, 6);
      REQUIRE(dc.size() == 12);
      for (const double d : dc) CHECK(d == Approx(std::hypot(kCC, 1.85)).margin(1e-9));
      // Li-Li: six in-plane neighbours at sqrt(3) a, two along c at 3.70 Å.
      const auto dl = hosts::neighbour_distances(s, i, 4.5, 3);
      REQUIRE(dl.size() == 8);
      CHECK(dl[0] == Approx(3.70).margin(1e-9));
      CHECK(dl[1] == Approx(3.70).margin(1e-9));
      for (std::size_t k = 2; k < dl.size(); ++k) CHECK(dl[k] == Approx(std::sqrt(3.0) * a).margin(1e-9));
    }
    check_bonds(s);
    const auto st = analyze_stacking(s);
    CHECK(st.sequence == "AAA");
    CHECK(st.name == "AA");
  }
}

TEST_CASE("LiC12: Li in every second gallery", "[unit][defects][graphite]") {
  GraphiteParams p;
  p.phase = GraphitePhase::lic12;
  p.stacking = "A";
  p.num_layers = 4;
  p.repeat_a = p.repeat_b = 2;
  const auto s = build_graphite(p);
  const auto c = hosts::counts(s);
  CHECK(c.at(6) == 12 * c.at(3));
  CHECK(s.cell().lengths()[2] == Approx(2 * (3.70 + 3.35)).margin(1e-12));
  const auto layers = find_layers(s, LayerOptions{1.5, {3}});
  REQUIRE(layers.size() == 4);
  CHECK(layers[1].height - layers[0].height == Approx(3.70).margin(1e-9));
  CHECK(layers[2].height - layers[1].height == Approx(3.35).margin(1e-9));
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    if (s.atomic_numbers()[i] != 3) continue;
    const double z = s.positions()[i][2];
    // Gallery 0 (between layers 0 and 1) or gallery 2: midway in a 3.70 Å gallery.
    const bool in_filled = std::abs(z - 0.5 * (layers[0].height + layers[1].height)) < 1e-9 ||
                           std::abs(z - 0.5 * (layers[2].height + layers[3].height)) < 1e-9;
    CHECK(in_filled);
  }
}

TEST_CASE("impossible graphite requests name the key at fault", "[unit][defects][graphite][errors]") {
  CHECK(expect_request_error(params("ABD", 2, 2)) == "stacking");
  CHECK(expect_request_error(params("AB", 2, 3)) == "layers");   // periodic ABA adds a fault
  CHECK(expect_request_error(params("ABC", 2, 4)) == "layers");
  CHECK(expect_request_error(params("AB", 0, 2)) == "repeat");
  CHECK(expect_request_error(params("AB", 2, 0)) == "layers");
  auto p = params("AB", 2, 2);
  p.edge = EdgeType::armchair;
  p.cell = PlaneCellShape::hexagonal;
  CHECK(expect_request_error(p) == "cell");
  p = params("AB", 2, 2);
  p.phase = GraphitePhase::lic6;
  CHECK(expect_request_error(p) == "stacking");
  p = params("A", 2, 3);
  p.phase = GraphitePhase::lic12;
  CHECK(expect_request_error(p) == "layers");
  p = params("AB", 2, 2);
  p.spacing = 0.2;
  CHECK(expect_request_error(p) == "spacing");
  CHECK(stacking_period("ABAB") == 2);
  CHECK(stacking_period("AA") == 1);
  CHECK(stacking_period("ABCABC") == 3);
  CHECK(stacking_period("ABAC") == 4);
}
