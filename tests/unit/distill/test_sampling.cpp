// SPDX-License-Identifier: MIT
//
// The configurations of [sampling]: ion contents, arrangements, categories, perturbed copies,
// the reference metal, and teacher MD snapshots that survive a failing trajectory.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "core/error.hpp"
#include "defects/graphite.hpp"
#include "distill/md_snapshots.hpp"
#include "distill/sampling.hpp"
#include "distill_testing.hpp"
#include "testing.hpp"

namespace d = ioncycle::distill;
namespace t = ioncycle::testing;
using ioncycle::core::Rng;

namespace {

ioncycle::io::Frame graphite_host(int repeat) {
  ioncycle::defects::GraphiteParams p;
  p.repeat_a = repeat;
  p.repeat_b = repeat;
  p.num_layers = 2;
  ioncycle::io::Frame f;
  f.system = ioncycle::defects::build_graphite(p);
  return f;
}

std::size_t count_z(const ioncycle::core::System& s, int z) {
  return static_cast<std::size_t>(std::count(s.atomic_numbers().begin(), s.atomic_numbers().end(), z));
}

std::string origin(const ioncycle::io::Frame& f) { return std::get<std::string>(f.info.at("origin")); }

}  // namespace

TEST_CASE("base configurations hold round(x * capacity) ions, staged ones in every other gallery",
          "[unit][distill]") {
  const auto host = graphite_host(3);  // 36 C: LiC6 capacity 6
  d::SamplingSettings s;
  s.ion_fractions = {0.0, 0.5, 1.0};
  s.arrangements = {"random", "staged"};
  s.ion_spacing = 2.4;
  Rng rng(5);
  const auto bases = d::base_configurations({host}, s, rng);
  // as given (x = 0), x = 0.5 random and staged, x = 1 random (staged holds at most half).
  REQUIRE(bases.size() == 4);
  CHECK(d::category_of(bases[0]) == "bulk");
  CHECK(count_z(bases[0].system, 3) == 0);
  for (std::size_t k = 1; k < 4; ++k) CHECK(d::category_of(bases[k]) == "lithiated");
  CHECK(count_z(bases[1].system, 3) == 3);
  CHECK(count_z(bases[2].system, 3) == 3);
  CHECK(count_z(bases[3].system, 3) == 6);
  CHECK(origin(bases[2]).find("staged") != std::string::npos);
  // Galleries open by expansion_at_full * x along the normal.
  const double c0 = host.system.cell().lengths()[2];
  CHECK(bases[3].system.cell().lengths()[2] == Approx(c0 * 1.10).epsilon(1e-12));
  CHECK(bases[1].system.cell().lengths()[2] == Approx(c0 * 1.05).epsilon(1e-12));
  // Staged: every Li in gallery 0, between the two layers, none in gallery 1 (across the cell's
  // boundary along c).
  const auto& staged = bases[2].system;
  double low = 1e9, high = -1e9;
  for (std::size_t i = 0; i < staged.num_atoms(); ++i) {
    if (staged.atomic_numbers()[i] != 6) continue;
    low = std::min(low, staged.positions()[i].z());
    high = std::max(high, staged.positions()[i].z());
  }
  for (std::size_t i = 0; i < staged.num_atoms(); ++i) {
    if (staged.atomic_numbers()[i] != 3) continue;
    const double h = staged.positions()[i].z();
    CHECK(h > low);
    CHECK(h < high);
  }
  // Ions keep their minimum distances.
  for (const auto& b : bases) {
    const auto& sys = b.system;
    for (std::size_t i = 0; i < sys.num_atoms(); ++i) {
      if (sys.atomic_numbers()[i] != 3) continue;
      for (std::size_t j = 0; j < sys.num_atoms(); ++j) {
        if (j == i) continue;
        const double r = sys.cell().minimum_image(sys.positions()[j] - sys.positions()[i]).norm();
        CHECK(r >= (sys.atomic_numbers()[j] == 3 ? s.ion_spacing : s.min_distance) - 1e-9);
      }
    }
  }
  // The same seed gives the same configurations.
  Rng again(5);
  const auto repeat = d::base_configurations({host}, s, again);
  REQUIRE(repeat.size() == bases.size());
  for (std::size_t k = 0; k < bases.size(); ++k) {
    CHECK(std::equal(repeat[k].system.positions().begin(), repeat[k].system.positions().end(),
                     bases[k].system.positions().begin()));
  }
}

TEST_CASE("a lithiated host is stretched relative to its own content", "[unit][distill]") {
  ioncycle::defects::GraphiteParams p;
  p.repeat_a = 3;
  p.repeat_b = 3;
  p.num_layers = 1;
  p.phase = ioncycle::defects::GraphitePhase::lic6;  // AαAα, galleries 3.70 A
  p.stacking = "AA";
  ioncycle::io::Frame host;
  host.system = ioncycle::defects::build_graphite(p);
  const double c_lic6 = host.system.cell().lengths()[2];
  d::SamplingSettings s;
  s.ion_fractions = {0.0, 1.0};
  s.arrangements = {"random"};
  s.ion_spacing = 2.4;
  Rng rng(3);
  const auto bases = d::base_configurations({host}, s, rng);
  REQUIRE(bases.size() == 3);  // as given, ions removed, x = 1 random
  CHECK(bases[0].system.cell().lengths()[2] == Approx(c_lic6));
  CHECK(bases[1].system.cell().lengths()[2] == Approx(c_lic6 / 1.10));  // back to the empty host
  CHECK(bases[2].system.cell().lengths()[2] == Approx(c_lic6));         // full again: LiC6's own c
  CHECK(count_z(bases[1].system, 3) == 0);
  CHECK(count_z(bases[2].system, 3) == count_z(host.system, 3));
}

TEST_CASE("perturbed configurations: strains, layer scans, rattles, one ion in and out, the bcc metal",
          "[unit][distill]") {
  const auto host = graphite_host(3);
  d::SamplingSettings s;
  s.ion_fractions = {0.0, 0.5};
  s.arrangements = {"random"};
  Rng rng(9);
  const auto bases = d::base_configurations({host}, s, rng);
  REQUIRE(bases.size() == 2);  // empty host, half full
  const auto frames = d::perturbed_configurations(bases, s, rng);
  auto count = [&](const std::string& category, const std::string& what) {
    return std::count_if(frames.begin(), frames.end(), [&](const auto& f) {
      return d::category_of(f) == category && origin(f).find(what) != std::string::npos;
    });
  };
  CHECK(count("strained", "strained") == 2 * s.strained);
  CHECK(count("strained", "layers x") == 2 * static_cast<long>(s.layer_scales.size()));
  CHECK(count("bulk", "rattled") == s.rattled);
  CHECK(count("lithiated", "rattled") == s.rattled);
  CHECK(count("insertion", "one ion inserted") == 2 * s.insertions);
  CHECK(count("insertion", "one ion removed") == s.removals);  // only the base holding ions
  CHECK(count("metal", "bcc Li") == 6);
  for (const auto& f : frames) {
    const std::string o = origin(f);
    if (o.find("one ion removed") != std::string::npos) CHECK(count_z(f.system, 3) == 2);
    if (o.find("host 0 as given, one ion inserted") != std::string::npos) CHECK(count_z(f.system, 3) == 1);
    if (d::category_of(f) == "metal") {
      CHECK(f.system.num_atoms() == 2u * 27u);
      CHECK(f.system.cell().all_periodic());
    }
  }
}

TEST_CASE("sampling refuses a capacity that does not fit the host and fractions out of range", "[unit][distill]") {
  const auto host = graphite_host(2);
  d::SamplingSettings s;
  Rng rng(1);
  s.capacity = "LiCoO2";
  CHECK_THROWS_AS(d::base_configurations({host}, s, rng), ioncycle::InputError);
  s.capacity = "LiC6";
  s.ion_fractions = {1.5};
  CHECK_THROWS_AS(d::base_configurations({host}, s, rng), ioncycle::InputError);
}

TEST_CASE("MD snapshots: evenly spaced, categories kept, and a failing trajectory keeps what it took",
          "[unit][distill]") {
  const auto host = graphite_host(2);
  d::SamplingSettings s;
  s.ion_fractions = {0.0, 1.0};
  s.arrangements = {"random"};
  Rng rng(2);
  const auto bases = d::base_configurations({host}, s, rng);
  auto teacher = t::graphite_li_teacher();
  d::SnapshotSettings md;
  md.temperatures = {300.0, 600.0};
  md.steps = 20;
  md.frames = 4;
  md.timestep = 0.5;
  const auto snaps = d::md_snapshots(bases, teacher, md);
  CHECK(snaps.trajectories == static_cast<int>(bases.size()) * 2);
  CHECK(snaps.failed == 0);
  REQUIRE(snaps.frames.size() == bases.size() * 2 * 4);
  CHECK(d::category_of(snaps.frames[0]) == d::category_of(bases[0]));
  CHECK(origin(snaps.frames[3]).find("300 K MD, step 20") != std::string::npos);
  CHECK(origin(snaps.frames[4]).find("600 K MD, step 5") != std::string::npos);
  // Atoms placed on top of each other: the first force is not finite, the trajectory fails and
  // the others go on.
  auto broken = bases;
  broken[0].system.positions()[1] = broken[0].system.positions()[0];
  const auto some = d::md_snapshots(broken, teacher, md);
  CHECK(some.failed == 2);
  CHECK_FALSE(some.first_failure.empty());
  CHECK(some.frames.size() == (bases.size() - 1) * 2 * 4);
}

TEST_CASE("MD snapshots resume from their journal with the frames of an uninterrupted call", "[unit][distill]") {
  const auto host = graphite_host(2);
  d::SamplingSettings s;
  s.ion_fractions = {0.0, 0.5, 1.0};
  s.arrangements = {"random"};
  Rng rng(4);
  const auto bases = d::base_configurations({host}, s, rng);
  REQUIRE(bases.size() == 3);
  auto teacher = t::graphite_li_teacher();
  d::SnapshotSettings md;
  md.temperatures = {300.0, 600.0};
  md.steps = 12;
  md.frames = 3;
  md.seed = 9;
  const std::string dir = t::temp_dir("md_journal");
  const auto plain = d::md_snapshots(bases, teacher, md);  // no journal

  md.journal = dir + "/md.extxyz";
  std::vector<std::pair<int, int>> progress;
  md.progress = [&](int done, int total) { progress.emplace_back(done, total); };
  const auto first = d::md_snapshots(bases, teacher, md);
  REQUIRE(first.frames.size() == 6 * 3);
  CHECK(first.resumed == 0);
  REQUIRE(progress.size() == 6);
  CHECK(progress.back() == std::make_pair(6, 6));

  // A call killed inside trajectory 3's record: two records and a half are on disk.
  const std::string full = t::read_file(md.journal);
  const auto frame_lines = [&](std::size_t atoms) { return atoms + 2; };
  std::size_t lines = 0;
  for (int k = 0; k < 2; ++k) lines += 3 * frame_lines(bases[0].system.num_atoms());  // x = 0: trajectories 0, 1
  lines += frame_lines(bases[1].system.num_atoms()) + 5;  // trajectory 2: one frame and a cut one
  std::size_t cut = 0;
  for (std::size_t line = 0; line < lines; ++line) cut = full.find('\n', cut) + 1;
  std::ofstream(md.journal, std::ios::trunc) << full.substr(0, cut);

  const auto resumed = d::md_snapshots(bases, teacher, md);
  CHECK(resumed.resumed == 2);
  REQUIRE(resumed.frames.size() == plain.frames.size());
  for (std::size_t f = 0; f < plain.frames.size(); ++f) {
    CHECK(origin(resumed.frames[f]) == origin(plain.frames[f]));
    const auto a = plain.frames[f].system.positions();
    const auto b = resumed.frames[f].system.positions();
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) CHECK((a[i] - b[i]).norm() < 1e-9);  // extxyz keeps 1e-10 A
  }
  // The journal now holds each trajectory once: a third call runs nothing.
  CHECK(d::md_snapshots(bases, teacher, md).resumed == 6);

  // Another seed is another sampling: the journal is refused, not mixed in.
  md.seed = 10;
  CHECK_THROWS_WITH(d::md_snapshots(bases, teacher, md), Catch::Contains("other start structures or MD settings"));
}
