// SPDX-License-Identifier: MIT
//
// Stacking detection in large supercells with thermal noise: the in-plane lattice must be
// commensurate with the cell (exact integer combinations give a and b), so that atoms ~30
// lattice spacings from the reference atom still fall on their site classes. AB graphite and
// LiC6 at 18 x 18 with 0.1 Å Gaussian noise, an 18 x 18 cell strained by 1 % in-plane
// (uniaxially and in shear), a large cell that is not periodic in-plane (the least-squares
// fallback), and an edge geometry whose cell is not a lattice vector of the plane.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "defects/graphite.hpp"
#include "defects/stacking.hpp"
#include "host_checks.hpp"

using namespace ioncycle;
using namespace ioncycle::defects;
namespace hosts = ioncycle::testing::hosts;

namespace {

core::System graphite(const std::string& stacking, int layers, int repeat,
                      GraphitePhase phase = GraphitePhase::carbon) {
  GraphiteParams p;
  p.phase = phase;
  p.stacking = stacking;
  p.num_layers = layers;
  p.repeat_a = p.repeat_b = repeat;
  return build_graphite(p);
}

// The cell and every atom deformed by the in-plane map F (rows of H -> rows of H·Fᵀ): the crystal
// stays periodic and commensurate with the new cell.
void deform(core::System& s, const core::Mat3& f) {
  const core::Cell old = s.cell();
  core::Mat3 h = old.matrix();
  for (int k = 0; k < 3; ++k) h.row(k) = (f * h.row(k).transpose()).transpose();
  s.set_cell(core::Cell(h, old.pbc()));
  for (auto& r : s.positions()) r = f * r;
}

// Fractions of a and b along (t1, t2): integers for a lattice commensurate with the cell.
Eigen::Matrix2d cell_in_lattice(const StackingAnalysis& s, const core::Cell& cell) {
  Eigen::Matrix<double, 3, 2> t;
  t.col(0) = s.t1;
  t.col(1) = s.t2;
  Eigen::Matrix<double, 3, 2> ab;
  ab.col(0) = cell.vector(0);
  ab.col(1) = cell.vector(1);
  return t.colPivHouseholderQr().solve(ab);
}

double distance_to_integers(const Eigen::Matrix2d& m) {
  double worst = 0.0;
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) worst = std::max(worst, std::abs(m(i, j) - std::round(m(i, j))));
  }
  return worst;
}

// Every plane detected: nearly all atoms within the site tolerance of a class.
void check_all_planes_fit(const StackingAnalysis& s, double min_fitting) {
  for (std::size_t l = 0; l < s.registry.size(); ++l) {
    INFO("layer " << l);
    CHECK(s.registry[l].label >= 0);
    for (const auto& p : s.registry[l].planes) CHECK(p.fitting >= min_fitting);
  }
}

}  // namespace

TEST_CASE("AB graphite 18 x 18 with 0.1 A noise: every layer on the lattice, registry AB",
          "[unit][defects][stacking][stacking_large]") {
  auto g = graphite("AB", 4, 18);
  hosts::add_noise(g, 0.1, 1801);
  hosts::translate_and_wrap(g, core::Vec3(0.37, -0.52, 0.0));
  const auto s = analyze_stacking(g);
  REQUIRE(s.layers.size() == 4);
  REQUIRE(s.has_lattice);
  CHECK(s.sequence == "ABAB");
  CHECK(s.name == "AB");
  check_all_planes_fit(s, 0.97);
  // The lattice is exact for the cell: a = 18 t, b = 18 t' (up to the basis choice), |det| = 324.
  const Eigen::Matrix2d m = cell_in_lattice(s, g.cell());
  CHECK(distance_to_integers(m) < 1e-9);
  CHECK(std::abs(std::round(m.determinant())) == 324.0);
  CHECK(s.t1.norm() == Approx(std::sqrt(3.0) * 1.42).epsilon(1e-12));
  CHECK(s.t2.norm() == Approx(std::sqrt(3.0) * 1.42).epsilon(1e-12));
  CHECK(s.t1.dot(s.t2) / (s.t1.norm() * s.t2.norm()) == Approx(-0.5).epsilon(1e-12));
}

TEST_CASE("LiC6 18 x 18 (sqrt3 cells) with 0.1 A noise: AA sheets, Li in no layer",
          "[unit][defects][stacking][stacking_large]") {
  auto g = graphite("A", 3, 18, GraphitePhase::lic6);
  hosts::add_noise(g, 0.1, 606);
  hosts::translate_and_wrap(g, core::Vec3(-0.8, 1.1, 0.0));
  const auto s = analyze_stacking(g);
  REQUIRE(s.layers.size() == 3);
  for (const auto& l : s.layers) CHECK(l.atoms.size() == 18u * 18u * 6u);  // carbon only
  CHECK(s.sequence == "AAA");
  CHECK(s.name == "AA");
  check_all_planes_fit(s, 0.97);
  CHECK(distance_to_integers(cell_in_lattice(s, g.cell())) < 1e-9);
  // Every Li sits above a hexagon centre, the empty class of the sheets.
  const int hollow = s.registry[0].label;
  std::size_t li = 0, on_hollow = 0;
  for (std::size_t i = 0; i < g.num_atoms(); ++i) {
    if (g.atomic_numbers()[i] != 3) continue;
    ++li;
    const auto [k, dist] = s.nearest_class(g.cell(), g.positions()[i]);
    if (k == hollow && dist < 0.5) ++on_hollow;
  }
  CHECK(li == 3u * 18u * 18u);
  CHECK(on_hollow == li);
}

TEST_CASE("18 x 18 graphite strained by 1 % in-plane keeps its registry",
          "[unit][defects][stacking][stacking_large]") {
  core::Mat3 uniaxial = core::Mat3::Identity();
  uniaxial(0, 0) = 1.01;
  core::Mat3 shear = core::Mat3::Identity();
  shear(0, 1) = 0.01;
  core::Mat3 biaxial = core::Mat3::Identity();
  biaxial(0, 0) = biaxial(1, 1) = 0.99;
  for (const auto& [name, f] : {std::pair<std::string, core::Mat3>{"uniaxial +1 %", uniaxial},
                                {"shear 1 %", shear}, {"biaxial -1 %", biaxial}}) {
    INFO(name);
    auto g = graphite("ABC", 3, 18);
    deform(g, f);
    hosts::add_noise(g, 0.1, 77);
    hosts::translate_and_wrap(g, core::Vec3(0.2, 0.9, 0.0));
    const auto s = analyze_stacking(g);
    REQUIRE(s.layers.size() == 3);
    CHECK(s.sequence == "ABC");
    CHECK(s.name == "ABC");
    check_all_planes_fit(s, 0.97);
    CHECK(distance_to_integers(cell_in_lattice(s, g.cell())) < 1e-9);
    // The lattice follows the strain: t1 and t2 are the deformed graphene vectors.
    const double a = std::sqrt(3.0) * 1.42;
    for (const core::Vec3& t : {s.t1, s.t2}) {
      const core::Vec3 undeformed = f.inverse() * t;
      CHECK(undeformed.norm() == Approx(a).epsilon(1e-9));
    }
  }
}

TEST_CASE("large graphite whose cell is not periodic in-plane: least-squares lattice over the plane",
          "[unit][defects][stacking][stacking_large]") {
  auto g = graphite("AB", 4, 18);
  hosts::add_noise(g, 0.1, 99);
  g.set_cell(core::Cell(g.cell().matrix(), {false, false, true}));
  const auto s = analyze_stacking(g);
  REQUIRE(s.layers.size() == 4);
  CHECK(s.sequence == "ABAB");
  check_all_planes_fit(s, 0.97);
  // Not snapped to the cell, but refined over ~650 atoms: within 0.002 Å of graphene's.
  CHECK(s.t1.norm() == Approx(std::sqrt(3.0) * 1.42).margin(2e-3));
  CHECK(s.t2.norm() == Approx(std::sqrt(3.0) * 1.42).margin(2e-3));
}

TEST_CASE("edge geometry: vacuum along a, so a is no lattice vector of the sheets",
          "[unit][defects][stacking][stacking_large]") {
  GraphiteParams p;
  p.stacking = "AB";
  p.num_layers = 4;
  p.repeat_a = 12;
  p.repeat_b = 10;
  p.cell = PlaneCellShape::orthogonal;
  p.edge = EdgeType::armchair;
  auto g = build_graphite(p);
  hosts::add_noise(g, 0.1, 5);
  const auto s = analyze_stacking(g);
  REQUIRE(s.layers.size() == 4);
  CHECK(s.sequence == "ABAB");
  check_all_planes_fit(s, 0.95);
  CHECK(s.t1.norm() == Approx(std::sqrt(3.0) * 1.42).margin(5e-3));
}
