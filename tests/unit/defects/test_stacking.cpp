// SPDX-License-Identifier: MIT
//
// Stacking detection (AB/AA/ABC, O3/O1/P2) under thermal noise, wrapping and tilt, and the
// stacking-fault builder: the layers above a fault take the requested registry, those below
// do not move, a partial fault moves only its band, the O3 -> O1 glide keeps Li octahedral, and
// impossible requests name their key and change nothing.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/geometry.hpp"
#include "defects/graphite.hpp"
#include "defects/layered_oxide.hpp"
#include "defects/request_error.hpp"
#include "defects/stacking.hpp"
#include "host_checks.hpp"

using namespace ioncycle;
using namespace ioncycle::defects;
namespace hosts = ioncycle::testing::hosts;

namespace {

core::System graphite(const std::string& stacking, int layers, int repeat = 3) {
  GraphiteParams p;
  p.stacking = stacking;
  p.num_layers = layers;
  p.repeat_a = p.repeat_b = repeat;
  return build_graphite(p);
}

core::System lico2(int slabs, int repeat = 2) {
  LayeredOxideParams p;
  p.composition = {{27, 1.0}};
  p.lattice = *default_oxide_lattice(3, Polytype::o3, p.composition);
  p.num_layers = slabs;
  p.repeat_a = p.repeat_b = repeat;
  return build_layered_oxide(p, 1);
}

StackingFault above(int layer, RegistryTarget to) {
  StackingFault f;
  f.first_layer = layer + 1;
  f.block = true;
  f.registry = RegistryRequest{std::nullopt, to};
  return f;
}

std::string request_error_key(core::System& s, const StackingFault& f) {
  const auto before = std::vector<core::Vec3>(s.positions().begin(), s.positions().end());
  const auto cell = s.cell();
  try {
    (void)apply_stacking_fault(s, f);
  } catch (const RequestError& e) {
    // Nothing changed.
    CHECK(std::equal(before.begin(), before.end(), s.positions().begin()));
    CHECK(s.cell() == cell);
    return e.key();
  }
  return "(no error)";
}

std::vector<int> labels(const StackingAnalysis& s) {
  std::vector<int> out;
  for (const auto& r : s.registry) out.push_back(r.label);
  return out;
}

}  // namespace

TEST_CASE("stacking detection survives thermal noise, wrapping and a tilted c", "[unit][defects][stacking]") {
  for (const auto& [stacking, layers, want] : {std::tuple<std::string, int, std::string>{"AB", 4, "ABAB"},
                                               {"ABC", 6, "ABCABC"}, {"AA", 3, "AAA"}}) {
    INFO(stacking);
    auto g = graphite(stacking, layers, 4);
    // Tilt c first (the atoms keep their places; only the images across the c boundary move),
    // then shake and shift everything so that layer 0 straddles the boundary.
    core::Mat3 h = g.cell().matrix();
    h.row(2) += core::Vec3(0.4, -1.3, 0).transpose();
    g.set_cell(core::Cell(h));
    hosts::add_noise(g, 0.1, 21);
    hosts::translate_and_wrap(g, core::Vec3(0.77, 0.31, -1.6));
    const auto s = analyze_stacking(g);
    REQUIRE(s.layers.size() == static_cast<std::size_t>(layers));
    // The wrapped layer may be numbered last: compare cyclically.
    bool found = false;
    for (int k = 0; k < layers && !found; ++k) {
      const std::string rotated = s.sequence.substr(static_cast<std::size_t>(k)) + s.sequence.substr(0, static_cast<std::size_t>(k));
      std::string canon;
      std::array<char, 26> map{};
      char next = 'A';
      for (const char c : rotated) {
        if (c == '?') {
          canon += '?';
          continue;
        }
        auto& m = map[static_cast<std::size_t>(c - 'A')];
        if (m == 0) m = next++;
        canon += m;
      }
      found = canon == want;
    }
    CHECK(found);
  }
  SECTION("LiCoO2 with noise is still O3") {
    auto s = lico2(6, 3);
    hosts::add_noise(s, 0.08, 4);
    const auto st = analyze_stacking(s);
    CHECK(st.sequence == "ABCABC");
    CHECK(st.galleries == "OOOOOO");
    CHECK(st.name == "O3");
  }
}

TEST_CASE("AB -> AA fault: layers above change registry, layers below do not move", "[unit][defects][stacking]") {
  auto g = graphite("AB", 4);
  const auto before = std::vector<core::Vec3>(g.positions().begin(), g.positions().end());
  const auto old_cell = g.cell().matrix();
  const auto layers = analyze_stacking(g).layers;
  const auto out = apply_stacking_fault(g, above(1, RegistryTarget::aa));
  CHECK(out.shift.norm() == Approx(1.42).margin(1e-6));  // one C-C bond
  CHECK(std::abs(out.shift[2]) < 1e-12);
  CHECK(out.layers == std::vector<int>{2, 3});
  CHECK(out.num_moved == 36);
  CHECK(out.tilted);
  CHECK((g.cell().matrix().row(2) - old_cell.row(2)).transpose().isApprox(out.shift));
  for (std::size_t k = 0; k < 4; ++k) {
    for (const std::size_t i : layers[k].atoms) {
      const core::Vec3 want = k < 2 ? before[i] : core::Vec3(before[i] + out.shift);
      CHECK(hosts::same_modulo_lattice(g.cell(), g.positions()[i], want));
    }
  }
  for (std::size_t i : layers[0].atoms) CHECK(g.positions()[i] == before[i]);  // untouched, not even wrapped
  const auto s = analyze_stacking(g);
  const auto l = labels(s);
  CHECK(l[2] == l[1]);          // AA at the fault
  CHECK(l[0] != l[1]);          // AB below, as before
  CHECK(l[3] != l[2]);          // the block above keeps its own AB registry
  CHECK(s.sequence == "ABBC");
  CHECK(out.sequence_before == "ABAB");
  CHECK(out.sequence_after == "ABBC");
  CHECK(core::closest_pair(g).distance == Approx(1.42).margin(1e-9));
  // Recorded as a stacking fault between layers 1 and 2.
  CHECK(out.record.type == DefectType::stacking_fault);
  CHECK(out.record.layer == 2);
  CHECK(out.record.properties.at("to") == "AA");
  CHECK(out.record.properties.at("above_layer") == "1");
  CHECK(out.record.position[2] == Approx(0.5 * (layers[1].height + layers[2].height)).margin(1e-9));
}

TEST_CASE("AB -> ABC fault and several faults in one stack", "[unit][defects][stacking]") {
  auto g = graphite("AB", 6);
  auto out = apply_stacking_fault(g, above(1, RegistryTarget::abc));
  CHECK(out.sequence_before == "ABABAB");
  CHECK(out.sequence_after == "ABCACA");
  auto l = labels(analyze_stacking(g));
  CHECK(l[2] != l[1]);
  CHECK(l[2] != l[0]);
  // A second fault higher up: back to AB continuation above layer 3 (C A | C -> ...).
  out = apply_stacking_fault(g, above(3, RegistryTarget::aa));
  CHECK(out.sequence_before == "ABCACA");
  l = labels(analyze_stacking(g));
  CHECK(l[4] == l[3]);
  CHECK(l[2] != l[1]);  // the first fault is still there
  CHECK(l[0] != l[1]);
  SECTION("AB continuation and the optional from-> part") {
    auto h = graphite("AA", 3);
    StackingFault f = above(0, RegistryTarget::ab);
    f.registry->from = "AA";
    const auto o = apply_stacking_fault(h, f);
    CHECK(o.sequence_after == "ABB");
    auto k = graphite("AB", 4);
    StackingFault wrong = above(1, RegistryTarget::aa);
    wrong.registry->from = "AA";  // the stack is AB at layer 2
    CHECK(request_error_key(k, wrong) == "to");
  }
}

TEST_CASE("a shift vector does what the equivalent registry does", "[unit][defects][stacking]") {
  auto a = graphite("AB", 4);
  auto b = a;
  const auto by_name = apply_stacking_fault(a, above(1, RegistryTarget::aa));
  StackingFault f;
  f.first_layer = 2;
  f.shift = by_name.shift;
  (void)apply_stacking_fault(b, f);
  CHECK(analyze_stacking(b).sequence == analyze_stacking(a).sequence);
  for (std::size_t i = 0; i < a.num_atoms(); ++i) CHECK((a.positions()[i] - b.positions()[i]).norm() < 1e-12);
  SECTION("without tilting c, a second interface appears at the cell boundary") {
    auto c = graphite("AB", 4);
    f.tilt_cell = false;
    const auto o = apply_stacking_fault(c, f);
    CHECK_FALSE(o.tilted);
    CHECK(c.cell().matrix().row(2).transpose().isApprox(core::Vec3(0, 0, 13.4)));
    // Layer 3 (shifted) now faces the unshifted image of layer 0 in an AA or ABC way: the
    // sequence ABBC wraps around to A, which differs from the AB it had.
    CHECK(analyze_stacking(c).sequence == "ABBC");
  }
}

TEST_CASE("a partial fault shifts only its band of one layer, and clears clashes at the band's edge",
          "[unit][defects][stacking]") {
  auto g = graphite("AB", 4, 6);
  const auto before = std::vector<core::Vec3>(g.positions().begin(), g.positions().end());
  const auto ids_before = std::vector<core::AtomId>(g.ids().begin(), g.ids().end());
  const auto layers = analyze_stacking(g).layers;
  StackingFault f;
  f.first_layer = 2;
  f.block = false;
  f.registry = RegistryRequest{std::nullopt, RegistryTarget::aa};
  f.band = Band{0, 0.25, 0.75};
  const auto out = apply_stacking_fault(g, f);
  CHECK_FALSE(out.tilted);
  CHECK(out.layers == std::vector<int>{2});
  std::size_t moved = 0, removed_in_band = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    for (const std::size_t i : layers[k].atoms) {
      double u = g.cell().to_fractional(before[i])[0];
      u -= std::floor(u);
      const bool in_band = k == 2 && u >= 0.25 && u < 0.75;
      moved += in_band ? 1 : 0;
      const auto now = g.index_of(ids_before[i]);
      if (!now) {  // removed: only shifted atoms that clashed at the band's edge
        CHECK(in_band);
        removed_in_band += in_band ? 1 : 0;
        continue;
      }
      const core::Vec3 want = in_band ? core::Vec3(before[i] + out.shift) : before[i];
      CHECK(hosts::same_modulo_lattice(g.cell(), g.positions()[*now], want));
    }
  }
  CHECK(moved == out.num_moved);
  CHECK(moved == 36);  // half of the 72 atoms of layer 2
  // Atoms the shift pushes across the band's edge onto unshifted atoms are removed and recorded
  // (whether any do depends on the shift's direction relative to the edge); no pair is closer
  // than 0.7 of a bond afterwards.
  CHECK(out.num_removed == removed_in_band);
  CHECK(out.record.removed.size() == out.num_removed);
  if (out.num_removed > 0) CHECK(out.record.properties.at("boundary_removed") == std::to_string(out.num_removed));
  CHECK(g.num_atoms() == before.size() - out.num_removed);
  CHECK(core::closest_pair(g).distance > 0.7 * 1.42);
  CHECK(g.cell().matrix() == graphite("AB", 4, 6).cell().matrix());
  // The slipped layer is half AB, half AA: no single registry.
  const auto s = analyze_stacking(g);
  CHECK(s.sequence == "AB?B");
  CHECK(out.record.properties.at("band") == "a:0.25:0.75");
}

TEST_CASE("O3 -> O1 glide of MO2 slabs keeps the galleries octahedral", "[unit][defects][stacking]") {
  auto s = lico2(6);
  const auto out = apply_stacking_fault(s, above(2, RegistryTarget::o1));
  CHECK(out.shift.norm() == Approx(2.816 / std::sqrt(3.0)).margin(1e-6));
  const auto st = analyze_stacking(s);
  const auto l = labels(st);
  CHECK(l[3] == l[2]);  // metal of slab 3 straight above that of slab 2 (O1)
  CHECK(l[1] != l[2]);
  CHECK(st.galleries == "OOOOOO");
  CHECK(st.sequence == "ABCCAB");
  CHECK(out.num_ions_resited == 4);  // the Li of the faulted gallery
  // Every Li is still in an octahedron of O at the usual Li-O distance.
  const double h = std::sqrt(1.92 * 1.92 - 2.816 * 2.816 / 3);
  const double li_o = std::hypot(2.816 / std::sqrt(3.0), 14.05 / 6 - h);
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    if (s.atomic_numbers()[i] != 3) continue;
    const auto d = hosts::neighbour_distances(s, i, 2.5, 8);
    REQUIRE(d.size() == 6);
    for (const double x : d) CHECK(x == Approx(li_o).margin(1e-9));
  }
  CHECK(core::closest_pair(s).distance == Approx(1.92).margin(1e-9));
  SECTION("O3 restores the O3 stacking") {
    (void)apply_stacking_fault(s, above(2, RegistryTarget::o3));
    CHECK(analyze_stacking(s).name == "O3");
  }
}

TEST_CASE("impossible fault requests name their key and change nothing", "[unit][defects][stacking][errors]") {
  auto g = graphite("AB", 4);
  CHECK(request_error_key(g, above(3, RegistryTarget::aa)) == "above_layer");  // no layer above the top
  CHECK(request_error_key(g, above(-1, RegistryTarget::aa)) == "above_layer");
  StackingFault single;
  single.first_layer = 7;
  single.block = false;
  single.registry = RegistryRequest{std::nullopt, RegistryTarget::aa};
  CHECK(request_error_key(g, single) == "layer");
  CHECK(request_error_key(g, above(1, RegistryTarget::o1)) == "to");  // oxide registry on graphite
  auto aa = graphite("AA", 3);
  CHECK(request_error_key(aa, above(1, RegistryTarget::abc)) == "to");  // needs two different layers below
  CHECK(request_error_key(aa, above(0, RegistryTarget::aa)) == "to");   // already AA: nothing to move
  auto ox = lico2(3);
  CHECK(request_error_key(ox, above(0, RegistryTarget::aa)) == "to");   // graphite registry on an oxide
  StackingFault zero;
  zero.first_layer = 2;
  zero.shift = core::Vec3::Zero();
  CHECK(request_error_key(g, zero) == "shift");
  StackingFault vertical;
  vertical.first_layer = 2;
  vertical.shift = core::Vec3(0, 0, 1);
  CHECK(request_error_key(g, vertical) == "shift");
  StackingFault band = above(1, RegistryTarget::aa);
  band.band = Band{0, 0.8, 0.2};
  CHECK(request_error_key(g, band) == "band");
  StackingFault tilt = above(1, RegistryTarget::aa);
  tilt.band = Band{0, 0.2, 0.8};
  tilt.tilt_cell = true;
  CHECK(request_error_key(g, tilt) == "tilt_cell");
  core::System one = graphite("A", 1);
  CHECK(request_error_key(one, above(0, RegistryTarget::aa)) == "above_layer");
}

TEST_CASE("registry names", "[unit][defects][stacking]") {
  CHECK(parse_registry_request("AA")->to == RegistryTarget::aa);
  CHECK(parse_registry_request("abc")->to == RegistryTarget::abc);
  const auto r = parse_registry_request("AB->ABC");
  REQUIRE(r);
  CHECK(r->from == std::string("AB"));
  CHECK(r->to == RegistryTarget::abc);
  CHECK(parse_registry_request("O3\u2192O1")->to == RegistryTarget::o1);
  for (const char* bad : {"AX", "AB->", "->AA", "ABCD", "", "AB->AX"}) {
    INFO(bad);
    CHECK_FALSE(parse_registry_request(bad));
  }
}
