// SPDX-License-Identifier: MIT
//
// Host layers followed through synthetic trajectories: identity by id under thermal noise and the
// periodic wrap of c, continuous heights, spacings in a cell that changes shape, ions that appear
// and disappear, and the places gallery / edge / surface / outside.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "analysis/host_layers.hpp"
#include "core/error.hpp"
#include "defects/graphite.hpp"
#include "layer_fixtures.hpp"

using namespace ioncycle;
using namespace ioncycle::analysis;
namespace fx = ioncycle::testing::layers;
using core::Vec3;

namespace {

core::System graphite(const std::string& stacking, int layers, int repeat,
                      defects::GraphitePhase phase = defects::GraphitePhase::carbon) {
  defects::GraphiteParams p;
  p.phase = phase;
  p.stacking = stacking;
  p.num_layers = layers;
  p.repeat_a = p.repeat_b = repeat;
  return defects::build_graphite(p);
}

// Ids of the carbon atoms whose height is nearest to `height` (the builder's layer k).
std::vector<std::int64_t> carbon_ids_near(const core::System& s, double height) {
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    if (s.atomic_numbers()[i] == 6 && std::abs(s.positions()[i].z() - height) < 0.5) ids.push_back(s.ids()[i]);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

core::AtomSpec lithium(const Vec3& r) {
  core::AtomSpec a;
  a.z = 3;
  a.position = r;
  return a;
}

}  // namespace

TEST_CASE("layer identity and heights survive thermal noise and the periodic wrap of c",
          "[unit][analysis][host_layers]") {
  const core::System host = graphite("AB", 4, 4);
  const double c = host.cell().vector(2).z();
  REQUIRE(c == Approx(4 * 3.35));
  core::Rng rng(42);
  Trajectory trajectory;
  // The whole host drifts down by 0.25 Å per frame, so layer 0 (at 1.675 Å) crosses the bottom
  // of the cell and its atoms are written at the top; every atom also gets 0.15 Å of noise.
  const int num_frames = 16;
  for (int f = 0; f < num_frames; ++f) {
    const double drift = -0.25 * f;
    const core::System moved =
        fx::transformed(host, host.cell(), [&](std::int64_t, int, const Vec3& r) -> Vec3 { return r + Vec3(0.0, 0.0, drift); });
    trajectory.push_back(fx::frame(f == 0 ? moved : fx::noisy(moved, rng, 0.15), f * 10));
  }
  const HostLayers layers = track_host_layers(trajectory, {});
  REQUIRE(layers.num_layers == 4);
  REQUIRE(layers.num_galleries == 4);
  CHECK(layers.periodic);
  CHECK(layers.normal.z() == Approx(1.0));
  for (std::size_t k = 0; k < 4; ++k) {
    CHECK(layers.layer_atom_ids[k] == carbon_ids_near(host, (static_cast<double>(k) + 0.5) * 3.35));
  }
  REQUIRE(layers.frames.size() == num_frames);
  for (int f = 0; f < num_frames; ++f) {
    const FrameHost& frame = layers.frames[static_cast<std::size_t>(f)];
    for (std::size_t k = 0; k < 4; ++k) {
      // Mean of 32 atoms with 0.15 Å noise: well within 0.1 Å of the true, unwrapped height.
      CHECK(frame.layer_height[k] == Approx((static_cast<double>(k) + 0.5) * 3.35 - 0.25 * f).margin(0.1));
      CHECK(frame.layer_shift[k].norm() < 0.1);
    }
    for (std::size_t g = 0; g < 4; ++g) CHECK(frame.gallery_spacing[g] == Approx(3.35).margin(0.15));
  }
}

TEST_CASE("a cell that changes shape frame to frame: spacings follow the known values",
          "[unit][analysis][host_layers]") {
  // Four AB layers; galleries 0 and 2 open from 3.35 to 3.70 Å over the trajectory while
  // galleries 1 and 3 stay at 3.35 Å, c grows accordingly and a and b are strained by up to 1 %.
  const core::System host = graphite("AB", 4, 4);
  const core::Mat3 h0 = host.cell().matrix();
  Trajectory trajectory;
  const int num_frames = 8;
  std::vector<std::array<double, 4>> truth;
  for (int f = 0; f < num_frames; ++f) {
    const double open = 3.35 + 0.05 * f;
    const std::array<double, 4> spacing{open, 3.35, open, 3.35};
    truth.push_back(spacing);
    std::array<double, 4> height{};
    height[0] = 0.5 * spacing[3];
    for (int k = 1; k < 4; ++k) height[k] = height[k - 1] + spacing[k - 1];
    const double c = spacing[0] + spacing[1] + spacing[2] + spacing[3];
    const double strain = 1.0 + 0.0015 * f;
    core::Mat3 h = h0;
    h.row(0) *= strain;
    h.row(1) *= strain;
    h(2, 2) = c;
    const core::Cell cell(h);
    const core::System s = fx::transformed(host, cell, [&](std::int64_t, int, const Vec3& r) -> Vec3 {
      const int k = static_cast<int>(std::floor(r.z() / 3.35));
      Vec3 p = r;
      p.x() *= strain;
      p.y() *= strain;
      p.z() = height[static_cast<std::size_t>(k)];
      return cell.wrap(p);
    });
    trajectory.push_back(fx::frame(s, f));
  }
  const HostLayers layers = track_host_layers(trajectory, {});
  REQUIRE(layers.num_galleries == 4);
  for (int f = 0; f < num_frames; ++f) {
    for (std::size_t g = 0; g < 4; ++g) {
      CHECK(layers.frames[static_cast<std::size_t>(f)].gallery_spacing[g] ==
            Approx(truth[static_cast<std::size_t>(f)][g]).margin(1e-9));
    }
    // A uniform in-plane strain is no sliding.
    for (std::size_t k = 0; k < 4; ++k) CHECK(layers.frames[static_cast<std::size_t>(f)].layer_shift[k].norm() < 1e-9);
  }
}

TEST_CASE("ions that appear and disappear are assigned to their galleries by id", "[unit][analysis][host_layers]") {
  // LiC6, four layers: one Li per gallery and repeat, Li ids after the carbon.
  const core::System host = graphite("A", 4, 2, defects::GraphitePhase::lic6);
  std::vector<std::int64_t> li_ids;
  std::vector<int> li_gallery;
  const double c = host.cell().vector(2).z();
  for (std::size_t i = 0; i < host.num_atoms(); ++i) {
    if (host.atomic_numbers()[i] != 3) continue;
    li_ids.push_back(host.ids()[i]);
    // Layers at (k + 1/2)·3.70: gallery k holds heights ((k + 1/2)·3.7, (k + 3/2)·3.7).
    const double z = host.positions()[i].z();
    int g = static_cast<int>(std::floor(z / 3.70 - 0.5));
    if (g < 0) g += 4;
    li_gallery.push_back(g);
  }
  REQUIRE(li_ids.size() == 16);
  REQUIRE(c == Approx(4 * 3.70));

  Trajectory trajectory;
  trajectory.push_back(fx::frame(host, 0));
  // Frame 1: the first four Li are gone.
  trajectory.push_back(fx::frame(
      fx::transformed(host, host.cell(), [](std::int64_t, int, const Vec3& r) -> Vec3 { return r; },
                      [&](std::int64_t id, int) { return std::find(li_ids.begin(), li_ids.begin() + 4, id) == li_ids.begin() + 4; }),
      1));
  // Frame 2: as frame 1 plus a new Li (new id) in gallery 3, written one cell higher (unwrapped).
  core::System with_new = trajectory.back().system;
  const Vec3 hollow = host.positions()[host.index_of(li_ids[0]).value()];
  const auto new_id = with_new.add_atom(lithium(Vec3(hollow.x(), hollow.y(), 3.5 * 3.70 + 1.85 + c)));
  trajectory.push_back(fx::frame(with_new, 2));

  const HostLayers layers = track_host_layers(trajectory, {});
  REQUIRE(layers.num_galleries == 4);
  const FrameHost& f0 = layers.frames[0];
  REQUIRE(f0.ion_ids == li_ids);
  for (std::size_t j = 0; j < li_ids.size(); ++j) {
    CHECK(f0.ion_place[j] == Place::gallery);
    CHECK(f0.ion_gallery[j] == li_gallery[j]);
  }
  const FrameHost& f1 = layers.frames[1];
  REQUIRE(f1.ion_ids == std::vector<std::int64_t>(li_ids.begin() + 4, li_ids.end()));
  for (std::size_t j = 0; j < f1.ion_ids.size(); ++j) CHECK(f1.ion_gallery[j] == li_gallery[j + 4]);
  const FrameHost& f2 = layers.frames[2];
  REQUIRE(f2.ion_ids.size() == 13);
  CHECK(f2.ion_ids.back() == new_id);
  CHECK(f2.ion_gallery.back() == 3);
  CHECK(f2.ion_place.back() == Place::gallery);
}

TEST_CASE("a slab: ions between layers are in galleries, above the top layer at the surface or outside",
          "[unit][analysis][host_layers]") {
  defects::GraphiteParams p;
  p.stacking = "AB";
  p.num_layers = 3;
  p.repeat_a = p.repeat_b = 4;
  p.vacuum = 15.0;
  core::System slab = defects::build_graphite(p);
  // Layer heights: 7.5, 10.85, 14.2 (vacuum/2 upward); a hexagon centre of layer 2 (registry A,
  // hollow at class p2 = (2/3, 1/3)).
  const double a = std::sqrt(3.0) * 1.42;
  const Vec3 hollow = (2.0 / 3.0) * Vec3(a, 0, 0) + (1.0 / 3.0) * Vec3(-0.5 * a, 0.5 * std::sqrt(3.0) * a, 0);
  const auto in_gallery = slab.add_atom(lithium(hollow + Vec3(0, 0, 9.2)));
  const auto on_top = slab.add_atom(lithium(hollow + Vec3(0, 0, 14.2 + 1.9)));
  const auto below = slab.add_atom(lithium(hollow + Vec3(0, 0, 7.5 - 1.9)));
  const auto far_above = slab.add_atom(lithium(hollow + Vec3(0, 0, 14.2 + 8.0)));
  Trajectory trajectory{fx::frame(slab, 0)};
  const HostLayers layers = track_host_layers(trajectory, {});
  REQUIRE(layers.num_layers == 3);
  CHECK_FALSE(layers.periodic);
  REQUIRE(layers.num_galleries == 2);
  const FrameHost& f = layers.frames[0];
  REQUIRE(f.gallery_spacing.size() == 2);
  CHECK(f.gallery_spacing[0] == Approx(3.35));
  CHECK(f.layer_height[0] == Approx(7.5));
  auto place_of = [&](std::int64_t id) {
    const auto j = static_cast<std::size_t>(std::find(f.ion_ids.begin(), f.ion_ids.end(), id) - f.ion_ids.begin());
    REQUIRE(j < f.ion_ids.size());
    return std::make_pair(f.ion_place[j], f.ion_gallery[j]);
  };
  CHECK(place_of(in_gallery) == std::make_pair(Place::gallery, 0));
  CHECK(place_of(on_top) == std::make_pair(Place::surface, -1));
  CHECK(place_of(below) == std::make_pair(Place::surface, -1));
  CHECK(place_of(far_above) == std::make_pair(Place::outside, -1));
  CHECK(std::string(place_name(Place::surface)) == "surface");
}

TEST_CASE("an edge geometry: ions at the open rim of a gallery are at the edge, far in the vacuum outside",
          "[unit][analysis][host_layers]") {
  defects::GraphiteParams p;
  p.stacking = "AB";
  p.num_layers = 2;
  p.repeat_a = 6;
  p.repeat_b = 2;
  p.cell = defects::PlaneCellShape::orthogonal;
  p.edge = defects::EdgeType::armchair;
  p.edge_vacuum = 20.0;
  core::System host = defects::build_graphite(p);
  double x_min = 1e9, x_max = -1e9;
  for (std::size_t i = 0; i < host.num_atoms(); ++i) {
    x_min = std::min(x_min, host.positions()[i].x());
    x_max = std::max(x_max, host.positions()[i].x());
  }
  const double gallery_z = 3.35;  // between the layers at 1.675 and 5.025
  const double y = 0.3;
  const auto inside = host.add_atom(lithium(Vec3(0.5 * (x_min + x_max) + 0.2, y, gallery_z)));
  const auto rim = host.add_atom(lithium(Vec3(x_max + 1.5, y, gallery_z)));
  const auto vacuum = host.add_atom(lithium(Vec3(x_max + 10.0, y, gallery_z)));
  Trajectory trajectory{fx::frame(host, 0)};
  const HostLayers layers = track_host_layers(trajectory, {});
  REQUIRE(layers.num_layers == 2);
  CHECK(layers.periodic);
  const FrameHost& f = layers.frames[0];
  auto place_of = [&](std::int64_t id) {
    const auto j = static_cast<std::size_t>(std::find(f.ion_ids.begin(), f.ion_ids.end(), id) - f.ion_ids.begin());
    REQUIRE(j < f.ion_ids.size());
    return f.ion_place[j];
  };
  CHECK(place_of(inside) == Place::gallery);
  CHECK(place_of(rim) == Place::edge);
  CHECK(place_of(vacuum) == Place::outside);
}

TEST_CASE("a first frame without host layers is an input error", "[unit][analysis][host_layers]") {
  core::System only_ions(core::Cell::orthorhombic(10, 10, 10));
  only_ions.add_atom(lithium(Vec3(1, 1, 1)));
  Trajectory trajectory{fx::frame(only_ions, 0)};
  CHECK_THROWS_AS(track_host_layers(trajectory, {}), InputError);
  CHECK_THROWS_AS(track_host_layers(Trajectory{}, {}), InputError);
}
