// SPDX-License-Identifier: MIT
//
// Staging on constructed graphite and oxide stacks: stage 1, 2, 3 and mixed fillings, the
// automatic gallery capacity from the layers' composition, the √3×√3 order of LiC6 against a
// random and an evenly spread filling, and the tables of the contract.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>

#include "analysis/host_layers.hpp"
#include "analysis/staging.hpp"
#include "defects/graphite.hpp"
#include "defects/layered_oxide.hpp"
#include "layer_fixtures.hpp"
#include "testing.hpp"

using namespace ioncycle;
using namespace ioncycle::analysis;
namespace fx = ioncycle::testing::layers;
using core::Vec3;

namespace {

// LiC6 with `layers` AA-stacked sheets, 3 x 3 √3 cells: 54 C per sheet, 9 Li per gallery.
core::System lic6(int layers, defects::GraphitePhase phase = defects::GraphitePhase::lic6) {
  defects::GraphiteParams p;
  p.phase = phase;
  p.stacking = "A";
  p.num_layers = layers;
  p.repeat_a = p.repeat_b = 3;
  return defects::build_graphite(p);
}

// Gallery of a Li in the builder's periodic LiC6 stack (layers at (k + 1/2)·3.70 Å).
int gallery_of(double z, int layers) {
  int g = static_cast<int>(std::floor(z / 3.70 - 0.5));
  return ((g % layers) + layers) % layers;
}

// `host` keeping only the Li of the galleries for which keep(g) is true.
core::System filled(const core::System& host, int layers, const std::function<bool(int)>& keep) {
  return fx::transformed(
      host, host.cell(), [](std::int64_t, int, const Vec3& r) -> Vec3 { return r; },
      [&](std::int64_t id, int z) {
        if (z != 3) return true;
        return keep(gallery_of(host.positions()[host.index_of(id).value()].z(), layers));
      });
}

StagingResult staging_of(const Trajectory& trajectory, const StagingOptions& options = {}) {
  const HostLayers layers = track_host_layers(trajectory, {});
  Segment all;
  all.cycle = 0;
  all.label = "all";
  all.start_fs = trajectory.front().time_fs;
  all.end_fs = trajectory.back().time_fs;
  return analyze_staging(trajectory, layers, {all}, options);
}

}  // namespace

TEST_CASE("stage index from gallery occupancies", "[unit][analysis][staging]") {
  const StagingOptions o;
  auto label = [&](std::vector<double> occ, bool periodic = true) { return classify_stage(occ, periodic, o).label(); };
  CHECK(label({1, 1, 1, 1, 1, 1}) == "1");
  CHECK(label({1, 0, 1, 0, 1, 0}) == "2");
  CHECK(label({0, 0.9, 0, 0.95, 0, 1}) == "2");
  CHECK(label({0, 1, 0, 0, 1, 0}) == "3");
  CHECK(label({1, 0, 0, 0, 0, 0}) == "6");
  CHECK(label({1, 1, 0, 1, 0, 0}) == "mixed");
  CHECK(label({1, 0, 0, 1, 0}) == "mixed");  // a period of 3 does not close around 5 galleries
  CHECK(label({1, 0, 0.35, 0, 1, 0}) == "disordered");
  CHECK(label({0.33, 0.33, 0.33}) == "disordered");
  CHECK(label({0, 0.1, 0, 0}) == "empty");
  CHECK(label({0, 1, 0, 1, 0}, false) == "2");  // a slab: the pattern need not close
  CHECK(label({1, 0, 0, 1, 0}, false) == "3");
  CHECK(classify_stage({0, 1, 0, 0, 1, 0}, true, o).index == 3);
  CHECK(classify_stage({1, 1, 0, 1, 0, 0}, true, o).index == 0);
  // More ions than a gallery's capacity is no stage: the old quickstart put all 6 Li of a
  // 2-gallery, 36-C cell (capacity 3 each) into one gallery, which the filled/empty test alone
  // calls stage 2.
  CHECK(label({2, 0}) == "overfilled");
  CHECK(label({4.0 / 3.0, 1, 4.0 / 3.0, 1}) == "overfilled");
  CHECK(label({0.35, 1.2}) == "overfilled");  // checked before "disordered"
  CHECK(classify_stage({2, 0}, true, o).index == 0);
  CHECK(label({1.0 + 1e-12, 1}) == "1");  // exactly full, up to rounding, is filled
}

TEST_CASE("constructed stage-1, stage-2, stage-3 and mixed graphite give their stage", "[unit][analysis][staging]") {
  const int layers = 6;
  const core::System stage1 = lic6(layers);
  core::Rng rng(7);
  struct Case {
    core::System system;
    std::string label;
    std::set<int> filled;
  };
  std::vector<Case> cases;
  cases.push_back({stage1, "1", {0, 1, 2, 3, 4, 5}});
  cases.push_back({lic6(layers, defects::GraphitePhase::lic12), "2", {0, 2, 4}});
  cases.push_back({filled(stage1, layers, [](int g) { return g % 3 == 1; }), "3", {1, 4}});
  cases.push_back({filled(stage1, layers, [](int g) { return g == 0 || g == 1 || g == 3; }), "mixed", {0, 1, 3}});
  cases.push_back({filled(stage1, layers, [](int) { return false; }), "empty", {}});
  for (const auto& c : cases) {
    INFO("expected " << c.label);
    // Two frames: the constructed structure and the same with 0.1 Å of thermal noise.
    Trajectory trajectory{fx::frame(c.system, 0), fx::frame(fx::noisy(c.system, rng, 0.1), 100)};
    const StagingResult r = staging_of(trajectory);
    REQUIRE(r.num_galleries == 6);
    CHECK(r.capacity_source == "composition");
    for (const double cap : r.capacity) CHECK(cap == Approx(9.0));  // 54 C / 6
    for (const auto& f : r.frames) {
      CHECK(f.stage.label() == c.label);
      for (std::size_t g = 0; g < 6; ++g) {
        const bool full = c.filled.count(static_cast<int>(g)) > 0;
        CHECK(f.num_ions[g] == (full ? 9 : 0));
        CHECK(f.occupancy[g] == Approx(full ? 1.0 : 0.0));
      }
    }
  }
}

TEST_CASE("sqrt3 order: 1 for LiC6, 1/3 for an even spread, lower for a random filling", "[unit][analysis][staging]") {
  const int layers = 4;
  const core::System host = lic6(layers);
  // A graphene lattice vector t (second-neighbour C–C, a = √3·1.42 Å): the hexagon centres of a
  // sheet are the LiC6 sites plus 0, t or 2t, one √3×√3 coset each.
  const double a = std::sqrt(3.0) * 1.42;
  Vec3 t = Vec3::Zero();
  for (std::size_t i = 1; i < host.num_atoms() && t.isZero(); ++i) {
    if (host.atomic_numbers()[i] != 6) continue;
    const Vec3 d = host.cell().minimum_image(host.positions()[i] - host.positions()[0]);
    if (std::abs(d.z()) < 0.1 && std::abs(d.norm() - a) < 1e-6) t = d;
  }
  REQUIRE(t.norm() == Approx(a));
  std::vector<std::pair<std::int64_t, Vec3>> li;
  for (std::size_t i = 0; i < host.num_atoms(); ++i) {
    if (host.atomic_numbers()[i] == 3) li.emplace_back(host.ids()[i], host.positions()[i]);
  }
  REQUIRE(li.size() == 36);

  core::Rng rng(2024);
  // Frame 0: LiC6. Frame 1: in each gallery three ions on each coset (an even spread). Frames
  // 2..9: each gallery's 9 ions on random hexagon centres (27 per sheet), with 0.1 Å noise.
  Trajectory trajectory{fx::frame(host, 0)};
  std::map<std::int64_t, int> index_in_gallery;
  {
    std::map<int, int> next;
    for (const auto& [id, r] : li) index_in_gallery[id] = next[gallery_of(r.z(), layers)]++;
  }
  trajectory.push_back(fx::frame(
      fx::transformed(host, host.cell(),
                      [&](std::int64_t id, int z, const Vec3& r) -> Vec3 {
                        if (z != 3) return r;
                        return host.cell().wrap(r + (index_in_gallery[id] % 3) * t);
                      }),
      1));
  for (int f = 2; f < 10; ++f) {
    // Per gallery, 9 distinct sites of the 27: (LiC6 site k, coset m).
    std::map<int, std::vector<int>> sites;
    for (int g = 0; g < layers; ++g) {
      std::vector<int> all(27);
      for (int s = 0; s < 27; ++s) all[static_cast<std::size_t>(s)] = s;
      for (int s = 26; s > 0; --s) std::swap(all[static_cast<std::size_t>(s)], all[rng.uniform_index(static_cast<std::uint64_t>(s + 1))]);
      sites[g] = std::vector<int>(all.begin(), all.begin() + 9);
    }
    std::map<int, std::vector<Vec3>> base;
    for (const auto& [id, r] : li) base[gallery_of(r.z(), layers)].push_back(r);
    const core::System moved = fx::transformed(host, host.cell(), [&](std::int64_t id, int z, const Vec3& r) -> Vec3 {
      if (z != 3) return r;
      const int g = gallery_of(r.z(), layers);
      const int s = sites[g][static_cast<std::size_t>(index_in_gallery[id])];
      return host.cell().wrap(base[g][static_cast<std::size_t>(s / 3)] + (s % 3) * t);
    });
    trajectory.push_back(fx::frame(fx::noisy(moved, rng, 0.1), f));
  }
  const StagingResult r = staging_of(trajectory);
  REQUIRE(r.num_galleries == 4);
  for (std::size_t g = 0; g < 4; ++g) {
    CHECK(r.frames[0].sqrt3_order[g] == Approx(1.0));
    CHECK(r.frames[1].sqrt3_order[g] == Approx(1.0 / 3.0));
  }
  double sum = 0.0;
  int count = 0;
  for (std::size_t f = 2; f < 10; ++f) {
    for (std::size_t g = 0; g < 4; ++g) {
      CHECK(r.frames[f].num_ions[g] == 9);
      sum += r.frames[f].sqrt3_order[g];
      ++count;
    }
  }
  // The largest of three coset counts of 9 random picks among 3 × 9 sites averages about 0.50.
  CHECK(sum / count < 0.65);
  CHECK(sum / count > 0.34);
  // Frame 0 is stage 1 at occupancy 1 everywhere; the segment spread is 0.
  CHECK(r.frames[0].stage.label() == "1");
  REQUIRE(r.segments.size() == 1);
  CHECK(r.segments[0].occupancy_spread.value == Approx(0.0));
}

TEST_CASE("oxide capacity is one ion per metal of the slab; sqrt3 order undefined", "[unit][analysis][staging]") {
  defects::LayeredOxideParams p;
  p.ion_z = 3;
  p.polytype = defects::Polytype::o3;
  p.composition = defects::parse_composition("Co");
  p.lattice = defects::default_oxide_lattice(3, p.polytype, p.composition).value();
  p.repeat_a = p.repeat_b = 2;
  p.num_layers = 3;
  const core::System oxide = defects::build_layered_oxide(p, 1);
  Trajectory trajectory{fx::frame(oxide, 0, 1.0)};
  const StagingResult r = staging_of(trajectory);
  REQUIRE(r.num_galleries == 3);
  for (std::size_t g = 0; g < 3; ++g) {
    CHECK(r.capacity[g] == Approx(4.0));
    CHECK(r.frames[0].num_ions[g] == 4);
    CHECK(std::isnan(r.frames[0].sqrt3_order[g]));
  }
  CHECK(r.frames[0].stage.label() == "1");
  CHECK(r.frames[0].soc == Approx(1.0));
  // The capacity option overrides the composition.
  StagingOptions o;
  o.gallery_capacity = 8.0;
  const StagingResult half = staging_of(trajectory, o);
  CHECK(half.capacity_source == "option");
  CHECK(half.frames[0].occupancy[0] == Approx(0.5));
}

TEST_CASE("staging tables carry the contract's columns", "[unit][analysis][staging]") {
  const core::System host = lic6(2, defects::GraphitePhase::lic12);
  Trajectory trajectory{fx::frame(host, 0, 0.5), fx::frame(host, 2000, 0.5)};
  const StagingResult r = staging_of(trajectory);
  const std::string dir = testing::temp_dir("staging");
  r.write_tables(dir);
  std::ifstream staging(dir + "/staging.csv"), stage(dir + "/stage.csv");
  std::string header;
  std::getline(staging, header);
  CHECK(header == "time_ps,step,soc,gallery,num_ions,capacity,occupancy,sqrt3_order");
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(staging, line)) rows.push_back(line);
  REQUIRE(rows.size() == 4);  // 2 frames × 2 galleries
  CHECK(rows[2] == "2,2000,0.5,0,9,9,1,1");
  std::getline(stage, header);
  CHECK(header == "time_ps,step,soc,stage,label");
  std::getline(stage, line);
  CHECK(line == "0,0,0.5,2,2");
  const auto j = r.to_json();
  CHECK(j["frames_per_stage"]["2"] == 2);
  CHECK(r.segment_quantities().size() == 2);
}
