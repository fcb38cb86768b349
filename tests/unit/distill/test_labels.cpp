// SPDX-License-Identifier: MIT
//
// Teacher labels (src/distill/labels.*): the journal holds the teacher's own energy, forces and
// stress; a journal cut inside a frame (a killed write) resumes without labelling any complete
// frame again; a changed input set or a non-finite teacher result is an error, not a silent
// training set.
#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "distill_testing.hpp"
#include "distill/labels.hpp"
#include "io/frame.hpp"
#include "potential_checks.hpp"
#include "potentials/lennard_jones.hpp"
#include "testing.hpp"

namespace t = ioncycle::testing;
using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::System;
using ioncycle::distill::label_frames;
using ioncycle::distill::LabelOptions;
using ioncycle::distill::read_labels;
using ioncycle::distill::structure_hash;
using ioncycle::io::Frame;
using ioncycle::potentials::LennardJones;
using ioncycle::potentials::Potential;

namespace {

// The Li-C Lennard-Jones teacher (analytic, fast), counting its evaluations.
class CountingTeacher final : public t::LiCTeacherWrapper {
 public:
  explicit CountingTeacher(std::atomic<int>& calls) : calls_(calls) {}
  void compute(const System& system, const ioncycle::core::NeighborList& neighbors,
               const ioncycle::potentials::ForceRequest& request,
               ioncycle::potentials::ForceResult& result) override {
    ++calls_;
    LiCTeacherWrapper::compute(system, neighbors, request, result);
  }

 private:
  std::atomic<int>& calls_;
};

std::vector<Frame> structures() {
  std::vector<Frame> frames;
  for (int k = 0; k < 6; ++k) {
    Frame f;
    f.system = t::random_structure({3, 6, 6}, 18 + k, t::random_triclinic_cell(260.0 + 15.0 * k, 40 + k), 1.9,
                                   100 + k);
    frames.push_back(std::move(f));
  }
  // A cluster without a lattice (the atoms of the first cell, unwrapped): labels without stress.
  Frame cluster;
  cluster.system = System{Cell()};
  for (std::size_t i = 0; i < frames[0].system.num_atoms(); ++i) {
    ioncycle::core::AtomSpec atom;
    atom.z = frames[0].system.atomic_numbers()[i];
    atom.position = frames[0].system.positions()[i];
    cluster.system.add_atom(atom);
  }
  frames.push_back(std::move(cluster));
  return frames;
}

std::size_t index_of(const Frame& f) {
  return static_cast<std::size_t>(std::get<std::int64_t>(f.info.at("config_index")));
}

}  // namespace

TEST_CASE("labels are the teacher's energy, forces and stress, one frame per structure", "[unit][distill]") {
  const std::string dir = t::temp_dir("labels");
  const std::string journal = dir + "/labels.extxyz";
  const auto frames = structures();
  std::atomic<int> calls{0};
  const auto summary =
      label_frames(frames, [&] { return std::make_unique<CountingTeacher>(calls); }, journal);
  CHECK(summary.labelled == frames.size());
  CHECK(summary.reused == 0);
  CHECK(calls == static_cast<int>(frames.size()));

  const auto labels = read_labels(journal);
  REQUIRE(labels.size() == frames.size());
  LennardJones lj = t::li_c_teacher();
  for (std::size_t k = 0; k < labels.size(); ++k) {
    INFO("frame " << k);
    CHECK(index_of(labels[k]) == k);
    CHECK(std::get<std::string>(labels[k].info.at("config_hash")) == "sha256:" + structure_hash(frames[k].system));
    const System& s = frames[k].system;
    const auto ref = t::evaluate(lj, s);
    // Written as exact decimal text: read back to the last bit.
    CHECK(std::get<double>(labels[k].info.at("energy")) == ref.energy);
    REQUIRE(labels[k].has_forces);
    for (std::size_t i = 0; i < s.num_atoms(); ++i) CHECK(labels[k].system.forces()[i] == ref.forces[i]);
    CHECK(structure_hash(labels[k].system) == structure_hash(s));
    const bool periodic = s.cell().has_lattice();
    CHECK(labels[k].info.count("stress") == (periodic ? 1u : 0u));
    if (periodic) {
      // ASE's sign: (1/V) dE/de = -W/V, eV/A^3.
      const auto& stress = std::get<std::vector<double>>(labels[k].info.at("stress"));
      const Mat3 expected = -ref.virial / s.cell().volume();
      for (int a = 0; a < 3; ++a) {
        for (int b = 0; b < 3; ++b) {
          CHECK(stress[static_cast<std::size_t>(3 * a + b)] == Approx(expected(a, b)).epsilon(1e-14).margin(1e-18));
        }
      }
    }
  }
}

TEST_CASE("ASE reads a label journal as a training set: energy, forces and stress", "[unit][distill]") {
  const std::string dir = t::temp_dir("labels_ase");
  const std::string journal = dir + "/labels.extxyz";
  const auto frames = structures();
  std::atomic<int> calls{0};
  (void)label_frames(frames, [&] { return std::make_unique<CountingTeacher>(calls); }, journal);
  const auto labels = read_labels(journal);
  // ASE's reader puts energy, forces and stress on a SinglePointCalculator, as trainers read them.
  const auto out = t::run_python(R"(
import sys
from ase.io import read
for atoms in read(sys.argv[1], index=":"):
    k = atoms.info["config_index"]
    f = atoms.get_forces()
    s = atoms.get_stress(voigt=False) if atoms.pbc.all() else None
    r = lambda x: repr(float(x))
    print("RESULT", k, r(atoms.get_potential_energy()), r(f[0][0]), r(f[-1][2]),
          r(s[0][0]) if s is not None else "none", r(s[1][2]) if s is not None else "none")
)",
                                 t::shell_quote(journal));
  REQUIRE(out.exit_code == 0);
  const auto rows = t::tagged_lines(out.output, "RESULT");
  REQUIRE(rows.size() == frames.size());
  for (const auto& row : rows) {
    INFO(row);
    std::istringstream in(row);
    std::size_t k = 0;
    double energy = 0.0, f0x = 0.0, fnz = 0.0;
    std::string sxx, syz;
    in >> k >> energy >> f0x >> fnz >> sxx >> syz;
    REQUIRE(k < labels.size());
    const Frame& label = labels[k];
    CHECK(energy == std::get<double>(label.info.at("energy")));
    CHECK(f0x == label.system.forces()[0].x());
    CHECK(fnz == label.system.forces()[label.system.num_atoms() - 1].z());
    if (label.info.count("stress") != 0) {
      const auto& stress = std::get<std::vector<double>>(label.info.at("stress"));
      CHECK(std::stod(sxx) == stress[0]);
      CHECK(std::stod(syz) == stress[5]);
    } else {
      CHECK(sxx == "none");
    }
  }
}

TEST_CASE("a journal cut inside a frame resumes without labelling a complete frame again", "[unit][distill]") {
  const std::string dir = t::temp_dir("labels_resume");
  const std::string journal = dir + "/labels.extxyz";
  const auto frames = structures();
  const std::vector<Frame> first(frames.begin(), frames.begin() + 4);
  std::atomic<int> calls{0};
  const auto factory = [&] { return std::make_unique<CountingTeacher>(calls); };
  (void)label_frames(first, factory, journal);
  // As a SIGKILL inside the write of frame 4 would leave it: frames 0-3 and a partial frame 4
  // (written here through the same path, then cut 40 bytes before its end).
  std::vector<Frame> five(frames.begin(), frames.begin() + 5);
  const auto size_after_four = std::filesystem::file_size(journal);
  (void)label_frames(five, factory, journal);
  const auto size_after_five = std::filesystem::file_size(journal);
  REQUIRE(size_after_five > size_after_four + 40);
  std::filesystem::resize_file(journal, size_after_five - 40);
  calls = 0;

  for (const std::size_t workers : {std::size_t{1}, std::size_t{2}}) {
    INFO(workers << " workers");
    const auto summary = label_frames(frames, factory, journal, LabelOptions{workers});
    if (workers == 1) {
      CHECK(summary.dropped_partial);
      CHECK(summary.reused == 4);
      CHECK(summary.labelled == 3);  // the cut frame 4, and 5 and 6
      CHECK(calls == 3);
    } else {
      CHECK_FALSE(summary.dropped_partial);
      CHECK(summary.reused == frames.size());
      CHECK(summary.labelled == 0);
      CHECK(calls == 3);
    }
  }
  const auto labels = read_labels(journal);
  REQUIRE(labels.size() == frames.size());
  for (std::size_t k = 0; k < labels.size(); ++k) CHECK(index_of(labels[k]) == k);

  // Killed inside its first frame: nothing complete, everything labelled anew.
  const std::string first_cut = dir + "/first_cut.extxyz";
  (void)label_frames(std::vector<Frame>(frames.begin(), frames.begin() + 1), factory, first_cut);
  std::filesystem::resize_file(first_cut, std::filesystem::file_size(first_cut) / 2);
  calls = 0;
  const auto restarted = label_frames(frames, factory, first_cut);
  CHECK(restarted.dropped_partial);
  CHECK(restarted.reused == 0);
  CHECK(restarted.labelled == frames.size());
  CHECK(read_labels(first_cut).size() == frames.size());
  // An empty journal file (killed before its first write) is a new journal.
  const std::string empty = dir + "/empty.extxyz";
  { std::ofstream touch(empty); }
  CHECK(label_frames(frames, factory, empty).labelled == frames.size());

  // Two workers label the same frames to the same numbers (in whatever order they finish).
  const std::string parallel = dir + "/parallel.extxyz";
  const auto summary = label_frames(frames, factory, parallel, LabelOptions{3});
  CHECK(summary.labelled == frames.size());
  const auto again = read_labels(parallel);
  REQUIRE(again.size() == labels.size());
  for (std::size_t k = 0; k < labels.size(); ++k) {
    CHECK(std::get<double>(again[k].info.at("energy")) == std::get<double>(labels[k].info.at("energy")));
    for (std::size_t i = 0; i < labels[k].system.num_atoms(); ++i) {
      CHECK(again[k].system.forces()[i] == labels[k].system.forces()[i]);
    }
  }
}

TEST_CASE("labels refuse a journal of other structures and a non-finite teacher result", "[unit][distill]") {
  const std::string dir = t::temp_dir("labels_errors");
  const std::string journal = dir + "/labels.extxyz";
  auto frames = structures();
  std::atomic<int> calls{0};
  const auto factory = [&] { return std::make_unique<CountingTeacher>(calls); };
  (void)label_frames(frames, factory, journal);

  // One structure moved: the journal's frame 2 is not a label of it.
  frames[2].system.positions()[0].x() += 0.01;
  try {
    (void)label_frames(frames, factory, journal);
    FAIL("no error");
  } catch (const ioncycle::InputError& e) {
    const std::string msg = e.what();
    INFO(msg);
    CHECK(msg.find(journal) != std::string::npos);
    CHECK(msg.find("frame 2") != std::string::npos);
    CHECK(msg.find("another set of structures") != std::string::npos);
  }
  // A file that is not a journal.
  const std::string other = dir + "/plain.extxyz";
  {
    std::ofstream out(other);
    out << "1\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3\nLi 0 0 0\n";
  }
  CHECK_THROWS_WITH(label_frames(frames, factory, other), Catch::Contains("config_index"));

  // Two atoms on one spot: the Lennard-Jones teacher's energy is not finite.
  std::vector<Frame> bad(1);
  bad[0].system = frames[0].system;
  bad[0].system.positions()[1] = bad[0].system.positions()[0];
  const std::string bad_journal = dir + "/bad.extxyz";
  CHECK_THROWS_AS(label_frames(bad, factory, bad_journal), ioncycle::SimulationError);
  CHECK_THROWS_WITH(label_frames(bad, factory, bad_journal), Catch::Contains("frame 0"));
  CHECK((!std::filesystem::exists(bad_journal) || std::filesystem::file_size(bad_journal) == 0));
}
