// SPDX-License-Identifier: MIT
//
// find_layers(): graphite and MO2 slabs grouped by height, robust to thermal noise, to atoms
// wrapped across the c boundary and to a tilted c; ions excluded; numbering from the bottom.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/error.hpp"
#include "defects/graphite.hpp"
#include "defects/layered_oxide.hpp"
#include "defects/layers.hpp"
#include "host_checks.hpp"

using namespace ioncycle;
using namespace ioncycle::defects;
namespace hosts = ioncycle::testing::hosts;

namespace {

core::System graphite(int repeat, int layers) {
  GraphiteParams p;
  p.repeat_a = p.repeat_b = repeat;
  p.num_layers = layers;
  return build_graphite(p);
}

core::System lico2(int repeat) {
  LayeredOxideParams p;
  p.composition = {{27, 1.0}};
  p.lattice = *default_oxide_lattice(3, Polytype::o3, p.composition);
  p.repeat_a = p.repeat_b = repeat;
  return build_layered_oxide(p, 1);
}

// Atom sets of the layers, for comparing groupings independent of heights.
std::vector<std::vector<std::size_t>> members(const std::vector<Layer>& layers) {
  std::vector<std::vector<std::size_t>> out;
  for (const auto& l : layers) out.push_back(l.atoms);
  return out;
}

}  // namespace

TEST_CASE("graphite layers: one per sheet, at (k + 1/2) x spacing, numbered from the bottom", "[unit][defects][layers]") {
  const auto g = graphite(3, 4);
  const auto layers = find_layers(g, {});
  REQUIRE(layers.size() == 4);
  for (std::size_t k = 0; k < 4; ++k) {
    CHECK(layers[k].atoms.size() == 18);
    CHECK(layers[k].height == Approx((static_cast<double>(k) + 0.5) * 3.35).margin(1e-9));
    CHECK(layers[k].thickness == Approx(0.0).margin(1e-9));
    for (const std::size_t i : layers[k].atoms) CHECK(g.positions()[i][2] == Approx(layers[k].height).margin(1e-9));
  }
  CHECK(layer_normal(g.cell()).isApprox(core::Vec3::UnitZ()));
}

TEST_CASE("oxide layers: O-M-O slabs stay one layer, Li belongs to none", "[unit][defects][layers]") {
  const auto s = lico2(2);
  LayerOptions options;
  options.exclude = {3};
  const auto layers = find_layers(s, options);
  REQUIRE(layers.size() == 3);
  const double h = std::sqrt(1.92 * 1.92 - 2.816 * 2.816 / 3.0);  // O height above the Co plane
  for (std::size_t k = 0; k < 3; ++k) {
    INFO("layer " << k);
    CHECK(layers[k].atoms.size() == 12);  // 4 Co + 8 O
    CHECK(layers[k].thickness == Approx(2 * h).margin(1e-9));
    CHECK(layers[k].height == Approx((static_cast<double>(k) + 0.5) * 14.05 / 3).margin(1e-9));
    for (const std::size_t i : layers[k].atoms) CHECK(s.atomic_numbers()[i] != 3);
  }
  // Without excluding Li, its planes (1.3 Å above and below the facing O planes) bridge every
  // gallery and the whole crystal is one group.
  CHECK(find_layers(s, {}).size() == 1);
}

TEST_CASE("layers survive thermal noise and atoms wrapped across the c boundary", "[unit][defects][layers]") {
  SECTION("graphite") {
    auto g = graphite(4, 4);
    const auto reference = members(find_layers(g, {}));
    hosts::add_noise(g, 0.12, 5);
    // Put layer 0 right on the boundary: half its atoms wrap to the top of the cell.
    hosts::translate_and_wrap(g, core::Vec3(0.3, -0.2, -1.675));
    const auto layers = find_layers(g, {});
    REQUIRE(layers.size() == 4);
    // The straddling sheet is one layer with a small thickness; the others keep their atoms.
    std::vector<std::vector<std::size_t>> got = members(layers);
    std::sort(got.begin(), got.end());
    auto want = reference;
    std::sort(want.begin(), want.end());
    CHECK(got == want);
    for (const auto& l : layers) CHECK(l.thickness < 1.0);
    // Bottom to top in [0, d): the wrapped sheet sits near 0 or near d, the others at 3.35 k.
    for (std::size_t k = 0; k + 1 < layers.size(); ++k) CHECK(layers[k].height < layers[k + 1].height);
    int at_expected_heights = 0;
    for (const auto& l : layers) {
      for (const double expected : {3.35, 6.70, 10.05}) at_expected_heights += std::abs(l.height - expected) < 0.1 ? 1 : 0;
    }
    CHECK(at_expected_heights == 3);
  }
  SECTION("LiCoO2 with noise, shifted so a slab straddles the boundary") {
    auto s = lico2(3);
    LayerOptions options;
    options.exclude = {3};
    const auto reference = members(find_layers(s, options));
    hosts::add_noise(s, 0.1, 9);
    hosts::translate_and_wrap(s, core::Vec3(0, 0, -14.05 / 6));
    auto got = members(find_layers(s, options));
    REQUIRE(got.size() == 3);
    std::sort(got.begin(), got.end());
    auto want = reference;
    std::sort(want.begin(), want.end());
    CHECK(got == want);
  }
}

TEST_CASE("layers of a tilted cell and of a cell not periodic along c", "[unit][defects][layers]") {
  auto g = graphite(3, 4);
  SECTION("tilting c keeps the heights, since they are measured along the normal") {
    core::Mat3 h = g.cell().matrix();
    h.row(2) += core::Vec3(1.1, -0.7, 0.0).transpose();
    g.set_cell(core::Cell(h));
    const auto layers = find_layers(g, {});
    REQUIRE(layers.size() == 4);
    for (std::size_t k = 0; k < 4; ++k) CHECK(layers[k].height == Approx((static_cast<double>(k) + 0.5) * 3.35).margin(1e-9));
  }
  SECTION("a non-periodic c is clustered on the line, not the circle") {
    core::Mat3 h = g.cell().matrix();
    g.set_cell(core::Cell(h, {true, true, false}));
    // Move the top sheet far beyond the cell: still its own layer, above the others.
    const auto top = find_layers(g, {}).back().atoms;
    for (const std::size_t i : top) g.positions()[i][2] += 30.0;
    const auto layers = find_layers(g, {});
    REQUIRE(layers.size() == 4);
    CHECK(layers.back().atoms == top);
    CHECK(layers.back().height == Approx(3.5 * 3.35 + 30.0).margin(1e-9));
  }
}

TEST_CASE("layer gap option and structures without layers", "[unit][defects][layers]") {
  const auto g = graphite(2, 2);
  LayerOptions wide;
  wide.gap = 4.0;  // larger than the interlayer spacing: everything is one layer
  CHECK(find_layers(g, wide).size() == 1);
  core::System empty{core::Cell::orthorhombic(5, 5, 5)};
  CHECK(find_layers(empty, {}).empty());
  core::System cluster;
  core::AtomSpec atom;
  atom.z = 6;
  (void)cluster.add_atom(atom);
  CHECK_THROWS_AS(find_layers(cluster, {}), InputError);
}
