// SPDX-License-Identifier: MIT
//
// analyze_hops() on a synthetic AB graphite bilayer (periodic, so two galleries) with a carbon
// vacancy in the upper sheet. Ion 1 sits on a hollow site next to the vacancy column with
// ±0.15 Å of thermal noise, jumps to the neighbouring hollow under the vacancy, returns, makes a
// two-frame excursion that returns (a recrossing), jumps again and then climbs through the vacancy
// into the other gallery. Ion 2 appears mid-run in the other gallery far from the vacancy, makes
// one in-plane jump and disappears before the end. The known answer: 4 in-plane jumps, 1
// interlayer jump at the vacancy, and per-segment rates = counts / (ion time present).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "analysis/host_layers.hpp"
#include "analysis/hops.hpp"
#include "core/rng.hpp"
#include "defects/graphite.hpp"
#include "defects/layered_oxide.hpp"
#include "segment_fixtures.hpp"
#include "testing.hpp"

using namespace ioncycle;
using namespace ioncycle::analysis;
using ioncycle::analysis::fixtures::segment;

namespace {

constexpr double kBond = 1.42;
constexpr double kSpacing = 3.35;
const double kA = std::sqrt(3.0) * kBond;
constexpr int kRepeat = 6;
constexpr std::size_t kNumFrames = 141;  // 0..140, 100 fs apart

// Cartesian in-plane position of primitive fractional coordinates (builder frame: a1 along x).
core::Vec3 at(double f1, double f2, double z) {
  return {kA * (f1 - 0.5 * f2), kA * (std::sqrt(3.0) / 2.0) * f2, z};
}

// Layer heights in the built bilayer ((k + 1/2)·spacing) and gallery mid-planes.
constexpr double kLayer1 = 1.5 * kSpacing;
constexpr double kGallery0 = kSpacing;       // between layer 0 and layer 1
constexpr double kGallery1 = 2.0 * kSpacing;  // between layer 1 and layer 0 + c (on the c boundary)

// Sites, in primitive cells (2, 2) and (5, 5). Layer A (0) holds p0, p1, its hollows are p2;
// layer B (1) holds p2, p0, its hollows p1. The vacancy is the p2 atom of layer 1 in cell (2, 2),
// right above the hollow p2 of layer 0.
const core::Vec3 kVacancy = at(2 + 2.0 / 3, 2 + 1.0 / 3, kLayer1);
const core::Vec3 kUnderVacancy = at(2 + 2.0 / 3, 2 + 1.0 / 3, kGallery0);  // hollow of layer 0
const core::Vec3 kNextToIt = at(2 + 1.0 / 3, 2 + 2.0 / 3, kGallery0);      // hollow of layer 1, 1.42 Å away
const core::Vec3 kAboveVacancy = at(2 + 2.0 / 3, 2 + 1.0 / 3, kGallery1);  // hollow of layer 0 + c
const core::Vec3 kFar0 = at(5 + 1.0 / 3, 5 + 2.0 / 3, kGallery1);          // 7 Å from the vacancy
const core::Vec3 kFar1 = at(5 + 2.0 / 3, 5 + 1.0 / 3, kGallery1);

// Where ion 1 is meant to be in frame k (before noise).
core::Vec3 ion1_path(std::size_t k) {
  if (k < 20) return kNextToIt;
  if (k == 20) return 0.5 * (kNextToIt + kUnderVacancy);  // between the two sites
  if (k < 41) return kUnderVacancy;
  if (k < 61) return kNextToIt;
  if (k < 63) return kUnderVacancy;  // two frames away: a recrossing
  if (k < 81) return kNextToIt;
  if (k < 101) return kUnderVacancy;
  if (k == 101) return kVacancy - core::Vec3(0, 0, 0.9);
  if (k == 102) return kVacancy;
  if (k == 103) return kVacancy + core::Vec3(0, 0, 0.9);
  return kAboveVacancy;
}
// Ion 2 exists in frames 50..119.
bool ion2_present(std::size_t k) { return k >= 50 && k < 120; }
core::Vec3 ion2_path(std::size_t k) { return k < 80 ? kFar0 : kFar1; }

struct Scene {
  Trajectory trajectory;
  core::AtomId ion1 = -1, ion2 = -1;
};

Scene graphite_scene() {
  defects::GraphiteParams params;
  params.stacking = "AB";
  params.repeat_a = params.repeat_b = kRepeat;
  params.num_layers = 2;
  params.bond_length = kBond;
  params.spacing = kSpacing;
  core::System host = defects::build_graphite(params);
  // Remove the carbon on the vacancy site.
  core::AtomId vacancy_atom = -1;
  for (std::size_t i = 0; i < host.num_atoms(); ++i) {
    const core::Vec3 d = host.cell().minimum_image(host.positions()[i] - kVacancy);
    if (d.norm() < 0.1) vacancy_atom = host.ids()[i];
  }
  REQUIRE(vacancy_atom >= 0);
  host.remove_atoms(std::vector<core::AtomId>{vacancy_atom});

  Scene scene;
  scene.ion1 = host.next_id();
  scene.ion2 = scene.ion1 + 1;
  core::Rng rng(2024, 3);
  auto noise = [&rng](double amplitude) {
    return core::Vec3(rng.uniform(-amplitude, amplitude), rng.uniform(-amplitude, amplitude),
                      rng.uniform(-amplitude, amplitude));
  };
  for (std::size_t k = 0; k < kNumFrames; ++k) {
    TrajectoryFrame frame;
    frame.step = static_cast<std::int64_t>(100 * k);
    frame.time_fs = 100.0 * static_cast<double>(k);
    frame.system = host;
    for (auto& r : frame.system.positions()) r += noise(0.05);
    core::AtomSpec ion;
    ion.z = 3;
    ion.id = scene.ion1;
    ion.position = frame.system.cell().wrap(ion1_path(k) + noise(0.15));
    frame.system.add_atom(ion);
    if (ion2_present(k)) {
      ion.id = scene.ion2;
      ion.position = frame.system.cell().wrap(ion2_path(k) + noise(0.15));
      frame.system.add_atom(ion);
    }
    scene.trajectory.push_back(std::move(frame));
  }
  return scene;
}

std::vector<Segment> halves() {
  return {segment("all", 0, HalfCycle::other, 0, 14), segment("c1.charge", 1, HalfCycle::charge, 0, 7),
          segment("c1.discharge", 1, HalfCycle::discharge, 7, 14)};
}

const HopRate& rate_of(const HopResult& r, const std::string& label) {
  for (const auto& x : r.rates) {
    if (x.label == label) return x;
  }
  FAIL("no segment " << label);
  return r.rates.front();
}

std::size_t count(const HopResult& r, HopKind kind, core::AtomId ion = -1) {
  std::size_t n = 0;
  for (const auto& h : r.hops) n += (h.kind == kind && (ion < 0 || h.ion_id == ion)) ? 1 : 0;
  return n;
}

// The known answer shared by the lattice and residence site models.
void check_known_answer(const HopResult& result, const Scene& scene, double interlayer_from_ps,
                        double interlayer_to_ps) {
  CHECK(result.num_ions == 2);
  CHECK(count(result, HopKind::inplane, scene.ion1) == 3);
  CHECK(count(result, HopKind::interlayer, scene.ion1) == 1);
  CHECK(count(result, HopKind::inplane, scene.ion2) == 1);
  CHECK(count(result, HopKind::interlayer, scene.ion2) == 0);

  for (const auto& h : result.hops) {
    INFO("hop of ion " << h.ion_id << " at " << h.time_fs / 1000.0 << " ps to gallery " << h.to_gallery);
    if (h.kind == HopKind::interlayer) {
      CHECK(h.from_gallery == 0);
      CHECK(h.to_gallery == 1);
      CHECK(h.time_fs / 1000.0 >= interlayer_from_ps - 1e-9);
      CHECK(h.time_fs / 1000.0 <= interlayer_to_ps + 1e-9);
      CHECK(h.near.rfind("vacancy at (", 0) == 0);
    } else if (h.ion_id == scene.ion2) {
      CHECK(h.from_gallery == 1);
      CHECK(h.time_fs == Approx(8000.0));
      CHECK(h.near.empty());
    } else {
      CHECK(h.from_gallery == 0);
      CHECK(h.to_gallery == 0);
      CHECK(h.near.rfind("vacancy", 0) == 0);  // both sites are within 4 Å of the vacancy
    }
  }

  // Ion time: ion 1 in frames 0..140, ion 2 in 50..119 (each interval 0.1 ps).
  struct Expected {
    const char* label;
    std::size_t inplane, interlayer;
    double ion_time_ps;
  };
  const std::array<Expected, 3> expected{{{"all", 4, 1, 14.0 + 6.9},
                                          {"c1.charge", 2, 0, 7.0 + 2.0},
                                          {"c1.discharge", 2, 1, 7.0 + 4.9}}};
  for (const auto& e : expected) {
    INFO("segment " << e.label);
    const auto& r = rate_of(result, e.label);
    CHECK(r.num_inplane == e.inplane);
    CHECK(r.num_interlayer == e.interlayer);
    CHECK(r.ion_time_fs / 1000.0 == Approx(e.ion_time_ps));
    CHECK(r.inplane_rate.value == Approx(static_cast<double>(e.inplane) / e.ion_time_ps));
    CHECK(r.inplane_rate.error == Approx(std::sqrt(static_cast<double>(e.inplane)) / e.ion_time_ps));
    CHECK(r.interlayer_rate.value == Approx(static_cast<double>(e.interlayer) / e.ion_time_ps).margin(1e-12));
    // Zero jumps: the error is 1/T, not 0.
    CHECK(r.interlayer_rate.error ==
          Approx(std::sqrt(std::max(1.0, static_cast<double>(e.interlayer))) / e.ion_time_ps));
  }
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("hops on graphite hollow sites: in-plane, recrossing, interlayer through a vacancy", "[unit][analysis][hops]") {
  const Scene scene = graphite_scene();
  const HostLayers host = track_host_layers(scene.trajectory, {});
  REQUIRE(host.num_layers == 2);
  REQUIRE(host.num_galleries == 2);

  const auto result = analyze_hops(scene.trajectory, host, halves(), HopOptions{});
  INFO(result.to_json().dump(1));
  REQUIRE(result.model == SiteModel::lattice);
  REQUIRE(result.galleries.size() == 2);
  for (const auto& g : result.galleries) {
    // AB graphite: the hollows of either sheet, 1.42 Å apart.
    CHECK(g.kind == "hollow");
    CHECK(g.classes.size() == 2);
    CHECK(g.spacing == Approx(kBond).epsilon(1e-3));
  }
  REQUIRE(result.defects.size() == 1);
  CHECK(result.defects[0].rfind("vacancy at (", 0) == 0);
  // The ion reaches the gallery-1 site in frame 102 (at the vacancy, if the host already counts
  // it in gallery 1) or 103.
  check_known_answer(result, scene, 10.2, 10.3);

  // The interlayer jump starts under the vacancy and ends above it.
  for (const auto& h : result.hops) {
    if (h.kind != HopKind::interlayer) continue;
    const auto& cell = scene.trajectory.front().system.cell();
    const core::Vec3 from = cell.minimum_image(h.from - kVacancy);
    const core::Vec3 to = cell.minimum_image(h.to - kVacancy);
    CHECK(std::hypot(from.x(), from.y()) < 0.5);
    CHECK(std::hypot(to.x(), to.y()) < 0.5);
    CHECK(from.z() < 0.0);
    CHECK(to.z() > -0.3);
  }

  SECTION("without the debounce the recrossing counts as two jumps") {
    HopOptions options;
    options.settle_frames = 1;
    const auto eager = analyze_hops(scene.trajectory, host, halves(), options);
    CHECK(count(eager, HopKind::inplane, scene.ion1) == 5);
    CHECK(count(eager, HopKind::interlayer, scene.ion1) == 1);
  }

  SECTION("residence clusters give the same jumps") {
    HopOptions options;
    options.sites = SiteModel::residence;
    const auto clusters = analyze_hops(scene.trajectory, host, halves(), options);
    CHECK(clusters.model == SiteModel::residence);
    // The climb goes in 0.9 Å steps; the last step (frame 103) is 0.78 Å below the new site, so
    // with the noise the new residence starts in frame 103 or 104.
    check_known_answer(clusters, scene, 10.3, 10.4);
  }

  SECTION("tables follow the analysis contract") {
    const std::filesystem::path dir = testing::temp_dir("hops_tables");
    result.write_tables(dir);
    const auto hops = read_lines(dir / "hops.csv");
    REQUIRE(hops.size() == 6);
    CHECK(hops[0] ==
          "time_ps,step,ion_id,kind,from_gallery,to_gallery,from_x_A,from_y_A,from_z_A,to_x_A,to_y_A,to_z_A,near");
    CHECK(hops[1].rfind("2.1,2100," + std::to_string(scene.ion1) + ",inplane,0,0,", 0) == 0);
    const auto rates = read_lines(dir / "hop_rates.csv");
    REQUIRE(rates.size() == 4);
    CHECK(rates[0] == "segment,inplane_rate_per_ps,inplane_err_per_ps,interlayer_rate_per_ps,interlayer_err_per_ps,ion_time_ps");
    CHECK(rates[1].rfind("all,", 0) == 0);
    const auto json = result.to_json();
    CHECK(json["num_inplane"] == 4);
    CHECK(json["num_interlayer"] == 1);
    CHECK(json["site_model"] == "lattice");
    const auto quantities = result.segment_quantities();
    REQUIRE(quantities.size() == 6);
    CHECK(quantities[0].name == "inplane_rate");
    CHECK(quantities[0].unit == "1/ps");
    CHECK(quantities[1].name == "interlayer_rate");
  }
}

TEST_CASE("hops: a trajectory without ions gives an empty result", "[unit][analysis][hops]") {
  defects::GraphiteParams params;
  params.repeat_a = params.repeat_b = 4;
  Trajectory trajectory;
  for (int k = 0; k < 5; ++k) {
    TrajectoryFrame frame;
    frame.time_fs = 100.0 * k;
    frame.step = 100 * k;
    frame.system = defects::build_graphite(params);
    trajectory.push_back(std::move(frame));
  }
  const HostLayers host = track_host_layers(trajectory, {});
  HopResult result;
  REQUIRE_NOTHROW(result = analyze_hops(trajectory, host, halves(), HopOptions{}));
  CHECK(result.hops.empty());
  CHECK(result.num_ions == 0);
  CHECK_FALSE(result.notes.empty());
  for (const auto& r : result.rates) {
    CHECK(r.ion_time_fs == 0.0);
    CHECK(std::isnan(r.inplane_rate.value));
  }
  const std::filesystem::path dir = testing::temp_dir("hops_empty");
  REQUIRE_NOTHROW(result.write_tables(dir));
  CHECK(read_lines(dir / "hops.csv").size() == 1);
}

TEST_CASE("hops in an O3 layered oxide: octahedral sites only", "[unit][analysis][hops]") {
  defects::LayeredOxideParams params;
  params.composition = {{27, 1.0}};
  params.lattice = *defects::default_oxide_lattice(3, defects::Polytype::o3, params.composition);
  params.repeat_a = params.repeat_b = 3;
  core::System host = defects::build_layered_oxide(params, 1);
  // Keep one Li.
  std::vector<core::AtomId> others;
  core::AtomId li = -1;
  for (std::size_t i = 0; i < host.num_atoms(); ++i) {
    if (host.atomic_numbers()[i] != 3) continue;
    if (li < 0) {
      li = host.ids()[i];
    } else {
      others.push_back(host.ids()[i]);
    }
  }
  host.remove_atoms(others);
  const std::size_t li_index = *host.index_of(li);
  const core::Vec3 start = host.positions()[li_index];
  const double a = params.lattice.a;
  // 25 frames on its octahedral site, 25 on the next one (a along x), then 25 frames a/√3 off
  // it, above an O or M column (another site class): not a site, so no further jump.
  core::Rng rng(5, 0);
  Trajectory trajectory;
  for (std::size_t k = 0; k < 75; ++k) {
    TrajectoryFrame frame;
    frame.step = static_cast<std::int64_t>(k);
    frame.time_fs = 100.0 * static_cast<double>(k);
    frame.system = host;
    for (auto& r : frame.system.positions()) {
      r += core::Vec3(rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1));
    }
    core::Vec3 target = start;
    if (k >= 25) target += core::Vec3(a, 0, 0);
    if (k >= 50) target += core::Vec3(0, a / std::sqrt(3.0), 0);
    const core::Vec3 noise(rng.uniform(-0.15, 0.15), rng.uniform(-0.15, 0.15), 0.0);
    frame.system.positions()[li_index] = frame.system.cell().wrap(target + noise);
    trajectory.push_back(std::move(frame));
  }
  const HostLayers layers = track_host_layers(trajectory, {});
  REQUIRE(layers.num_galleries == 3);
  const auto result = analyze_hops(trajectory, layers, {segment("all", 0, HalfCycle::other, 0, 7.4)}, HopOptions{});
  INFO(result.to_json().dump(1));
  REQUIRE(result.model == SiteModel::lattice);
  for (const auto& g : result.galleries) {
    CHECK(g.kind == "octahedral");
    CHECK(g.classes.size() == 1);
    CHECK(g.spacing == Approx(a).epsilon(1e-2));
  }
  REQUIRE(result.hops.size() == 1);
  CHECK(result.hops[0].kind == HopKind::inplane);
  CHECK(result.hops[0].time_fs == Approx(2500.0));
  CHECK(result.rates[0].ion_time_fs == Approx(7400.0));
}
