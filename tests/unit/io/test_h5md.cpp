// SPDX-License-Identifier: MIT
//
// H5MD trajectories: round trips through H5mdWriter/H5mdReader with atoms inserted and removed
// between frames (ids kept, true counts recovered, slots grown), triclinic and cluster cells,
// velocities, forces (eV/Å and kJ mol⁻¹ Å⁻¹) and observables; writer-side refusals; the layout
// as h5py sees it and the trajectory as MDAnalysis reads it (tests/python/h5md_helper.py); a
// writer killed with SIGKILL at random moments (tests/tools/h5md_writer_loop.cpp) whose
// flushed frames all read back; structure_io's h5md format (convert to extxyz with per-frame
// counts); malformed files reported as InputErrors naming the file and the problem; and a valid
// file in another program's style (float32, nm, ps, fixed-increment steps, no ids) read with its
// units converted.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/cell.hpp"
#include "core/error.hpp"
#include "core/system.hpp"
#include "io/frame.hpp"
#include "io/h5md_reader.hpp"
#include "io/h5md_writer.hpp"
#include "io/structure_io.hpp"
#include "testing.hpp"
#include "tools/h5md_loop_frames.hpp"

using ioncycle::InputError;
using ioncycle::core::AtomId;
using ioncycle::core::AtomSpec;
using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::io::Frame;
using ioncycle::io::H5mdForceUnit;
using ioncycle::io::H5mdObservable;
using ioncycle::io::H5mdReader;
using ioncycle::io::H5mdWriter;
using ioncycle::io::H5mdWriterOptions;
namespace io = ioncycle::io;
namespace testing = ioncycle::testing;

namespace {

struct WrittenFrame {
  System system;
  std::int64_t step = 0;
  double time_fs = 0.0;
  std::vector<H5mdObservable> observables;
};

AtomSpec atom(int z, Vec3 position, Vec3 velocity) {
  AtomSpec a;
  a.z = z;
  a.position = position;
  a.velocity = velocity;
  return a;
}

// Forces that differ per atom and frame, with values that do not round-trip through text.
void set_forces(System& s, double seed) {
  auto f = s.forces();
  for (std::size_t i = 0; i < f.size(); ++i) {
    const auto id = static_cast<double>(s.ids()[i]);
    f[i] = Vec3(seed / (id + 3.0), -0.1 * id * seed, std::sqrt(id + seed));
  }
}

// Five frames of one evolving System: ions removed and inserted (the count goes 8, 7, 12, 3,
// 13, so the slot dimension grows twice and shrinks never), the triclinic cell changes (a
// barostat), positions unwrapped outside the cell, and observables of several shapes, some only
// in some frames.
std::vector<WrittenFrame> changing_trajectory() {
  Mat3 h;
  h << 4.26, 0.0, 0.0,        //
      -2.13, 3.6892718, 0.0,  //
      0.3, -0.2, 6.71;        //
  System s(Cell(h, {true, true, false}));
  for (int i = 0; i < 8; ++i) {
    const double x = i;
    (void)s.add_atom(atom(i % 3 == 0 ? 3 : 6, Vec3(0.1 * x + 1.0 / 3.0, -0.7 * x, 12.5 - x * 1e-7),
                          Vec3(1e-3 * x, -2e-3, 1.0 / (x + 7.0))));
  }
  std::vector<WrittenFrame> frames;
  auto push = [&](std::int64_t step, std::vector<H5mdObservable> obs) {
    set_forces(s, static_cast<double>(step) + 0.25);
    frames.push_back({s, step, 0.5 * static_cast<double>(step), std::move(obs)});
  };
  auto energy = [&](double e) { return H5mdObservable{"potential_energy", {e}, "eV"}; };
  auto volume = [&] { return H5mdObservable{"volume", {s.cell().volume()}, "Angstrom+3"}; };
  auto pressure = [](double p) {
    return H5mdObservable{"pressure", {p, 0.1, 0.2, 0.1, p + 1.0, 0.3, 0.2, 0.3, p - 1.0}, "GPa"};
  };
  auto dipole = [](double d) { return H5mdObservable{"dipole", {d, -d, 2.0 * d}, ""}; };

  push(0, {energy(-12.5), volume(), pressure(0.5)});

  const AtomId gone1[] = {2, 5};
  s.remove_atoms(gone1);
  const AtomSpec li[] = {atom(3, Vec3(-5.0, 9.25, 3.0), Vec3(0.01, 0.02, 0.03))};
  (void)s.insert_atoms(li);
  for (auto& p : s.positions()) p += Vec3(0.01, -0.02, 1e-9);
  h(0, 0) = 4.3;
  s.set_cell(Cell(h, {true, true, false}));
  push(100, {energy(-11.0), volume(), dipole(0.25)});

  std::vector<AtomSpec> more;
  for (int i = 0; i < 5; ++i) more.push_back(atom(3, Vec3(1.0 + i, 2.0, 3.0 + 0.5 * i), Vec3(-1e-3 * i, 0.0, 0.0)));
  (void)s.insert_atoms(more);
  push(250, {energy(-20.0), volume(), pressure(-0.25)});

  std::vector<AtomId> many;
  for (std::size_t i = 0; i + 3 < s.num_atoms(); ++i) many.push_back(s.ids()[i]);
  s.remove_atoms(many);
  h(2, 2) = 7.0;
  s.set_cell(Cell(h, {true, true, false}));
  push(400, {energy(-3.0), volume(), dipole(-1.5)});

  std::vector<AtomSpec> lots;
  for (int i = 0; i < 10; ++i) lots.push_back(atom(6, Vec3(0.25 * i, -1e3, 1e-300), Vec3(0.0, 0.0, -1e-5 * i)));
  (void)s.insert_atoms(lots);
  push(401, {energy(-30.0), volume(), pressure(2.0)});
  return frames;
}

void write_all(const std::string& path, const std::vector<WrittenFrame>& frames, const H5mdWriterOptions& options) {
  auto writer = H5mdWriter::create(path, options);
  for (const auto& f : frames) writer.append_frame(f.system, f.step, f.time_fs, f.observables);
  CHECK(writer.num_frames() == frames.size());
  writer.close();
}

const H5mdObservable* find_observable(const WrittenFrame& f, const std::string& name) {
  for (const auto& o : f.observables) {
    if (o.name == name) return &o;
  }
  return nullptr;
}

// Every atom (in order), the cell, and step/time/observables of a frame read back equal what was
// written, bit for bit: H5MD stores doubles.
void check_frame(const Frame& got, const WrittenFrame& want, bool velocities, bool forces, double force_rel_tol = 0.0) {
  const System& a = got.system;
  const System& b = want.system;
  REQUIRE(a.num_atoms() == b.num_atoms());
  CHECK(a.cell().matrix() == b.cell().matrix());
  CHECK(a.cell().pbc() == b.cell().pbc());
  for (std::size_t i = 0; i < a.num_atoms(); ++i) {
    INFO("atom " << i << " id " << b.ids()[i]);
    CHECK(a.ids()[i] == b.ids()[i]);
    CHECK(a.atomic_numbers()[i] == b.atomic_numbers()[i]);
    CHECK(a.positions()[i] == b.positions()[i]);
    CHECK(a.masses()[i] == b.masses()[i]);
    if (velocities)
      CHECK(a.velocities()[i] == b.velocities()[i]);
    else
      CHECK(a.velocities()[i] == Vec3::Zero());
    if (forces) {
      if (force_rel_tol == 0.0)
        CHECK(a.forces()[i] == b.forces()[i]);
      else
        CHECK((a.forces()[i] - b.forces()[i]).norm() <= force_rel_tol * (1.0 + b.forces()[i].norm()));
    }
  }
  CHECK(got.has_velocities == velocities);
  CHECK(got.has_forces == forces);
  CHECK(std::get<std::int64_t>(got.info.at("step")) == want.step);
  CHECK(std::get<double>(got.info.at("time")) == want.time_fs);
  for (const auto& o : want.observables) {
    INFO("observable " << o.name);
    REQUIRE(got.info.count(o.name) == 1);
    if (o.value.size() == 1)
      CHECK(std::get<double>(got.info.at(o.name)) == o.value[0]);
    else
      CHECK(std::get<std::vector<double>>(got.info.at(o.name)) == o.value);
  }
}

// The expected content for tests/python/h5md_helper.py, as JSON written by hand (the test
// executable does not link a JSON library). Doubles with 17 digits read back exactly.
std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

std::string expected_json(const std::vector<WrittenFrame>& frames, const std::string& group, const std::string& author,
                          bool velocities, bool forces, double force_factor = 1.0) {
  std::ostringstream j;
  auto vectors = [&](std::span<const Vec3> v, double factor) {
    j << "[";
    for (std::size_t i = 0; i < v.size(); ++i) {
      j << (i ? "," : "") << number(v[i].x() * factor) << "," << number(v[i].y() * factor) << ","
        << number(v[i].z() * factor);
    }
    j << "]";
  };
  j << "{\"group\":\"" << group << "\",\"author\":\"" << author << "\",\"frames\":[";
  for (std::size_t k = 0; k < frames.size(); ++k) {
    const auto& f = frames[k];
    const System& s = f.system;
    j << (k ? "," : "") << "{\"step\":" << f.step << ",\"time\":" << number(f.time_fs) << ",\"cell\":[";
    for (int r = 0; r < 3; ++r) {
      j << (r ? "," : "") << "[" << number(s.cell().matrix()(r, 0)) << "," << number(s.cell().matrix()(r, 1)) << ","
        << number(s.cell().matrix()(r, 2)) << "]";
    }
    j << "],\"pbc\":[" << s.cell().pbc()[0] << "," << s.cell().pbc()[1] << "," << s.cell().pbc()[2] << "],\"ids\":[";
    for (std::size_t i = 0; i < s.num_atoms(); ++i) j << (i ? "," : "") << s.ids()[i];
    j << "],\"species\":[";
    for (std::size_t i = 0; i < s.num_atoms(); ++i) j << (i ? "," : "") << s.atomic_numbers()[i];
    j << "],\"positions\":";
    vectors(s.positions(), 1.0);
    if (velocities) {
      j << ",\"velocities\":";
      vectors(s.velocities(), 1.0);
    }
    if (forces) {
      j << ",\"forces\":";
      vectors(s.forces(), force_factor);
    }
    if (const auto* e = find_observable(f, "potential_energy")) j << ",\"potential_energy\":" << number(e->value[0]);
    j << "}";
  }
  j << "],\"observables\":{";
  // Per observable: the steps of the frames that had it, their values, its item shape and unit.
  std::vector<std::string> names;
  for (const auto& f : frames) {
    for (const auto& o : f.observables) {
      if (std::find(names.begin(), names.end(), o.name) == names.end()) names.push_back(o.name);
    }
  }
  for (std::size_t n = 0; n < names.size(); ++n) {
    std::string steps, values, unit, shape;
    for (const auto& f : frames) {
      const auto* o = find_observable(f, names[n]);
      if (o == nullptr) continue;
      steps += (steps.empty() ? "" : ",") + std::to_string(f.step);
      values += values.empty() ? "[" : ",[";
      for (std::size_t i = 0; i < o->value.size(); ++i) values += (i ? "," : "") + number(o->value[i]);
      values += "]";
      unit = o->unit;
      shape = o->value.size() == 1 ? "" : o->value.size() == 9 ? "3,3" : std::to_string(o->value.size());
    }
    j << (n ? "," : "") << "\"" << names[n] << "\":{\"steps\":[" << steps << "],\"values\":[" << values
      << "],\"shape\":[" << shape << "],\"unit\":\"" << unit << "\"}";
  }
  j << "}}";
  return j.str();
}

std::string helper_script() { return std::string(IONCYCLE_SOURCE_DIR) + "/tests/python/h5md_helper.py"; }

testing::CommandResult run_helper(const std::string& arguments) {
  return testing::run_command(testing::shell_quote(testing::python()) + " " + testing::shell_quote(helper_script()) +
                              " " + arguments);
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// What the code under test prints to stderr (HDF5 prints its error stack there by default).
std::string capture_stderr(const std::function<void()>& body) {
  std::fflush(stderr);
  const std::string dir = testing::temp_dir("h5md-stderr");
  const std::string path = dir + "/stderr.txt";
  const int saved = ::dup(2);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ::dup2(fd, 2);
  ::close(fd);
  try {
    body();
  } catch (...) {
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    throw;
  }
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  std::filesystem::remove_all(dir);
  return s.str();
}

}  // namespace

TEST_CASE("H5MD round trip: inserted and removed atoms keep their ids and true counts", "[unit][io][h5md]") {
  const auto frames = changing_trajectory();
  // Chunking must not change what is read: one frame per chunk (the default), several frames
  // and atoms per chunk (atoms spread over several chunk columns as the count grows), and gzip
  // at the strongest level.
  const auto [frames_per_chunk, atoms_per_chunk, level] =
      GENERATE(table<std::size_t, std::size_t, int>({{1, 0, 4}, {3, 4, 0}, {2, 5, 9}}));
  INFO("frames/chunk " << frames_per_chunk << ", atoms/chunk " << atoms_per_chunk << ", gzip " << level);
  const std::string dir = testing::temp_dir("h5md-roundtrip");
  const std::string path = dir + "/traj.h5";
  H5mdWriterOptions options;
  options.write_velocities = true;
  options.write_forces = true;
  options.frames_per_chunk = frames_per_chunk;
  options.atoms_per_chunk = atoms_per_chunk;
  options.compression_level = level;
  write_all(path, frames, options);

  const auto reader = H5mdReader::open(path);
  REQUIRE(reader.num_frames() == frames.size());
  CHECK(reader.particle_group() == "all");
  CHECK(reader.has_velocities());
  CHECK(reader.has_forces());
  CHECK_FALSE(reader.dropped_incomplete_frame());
  auto names = reader.observable_names();
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"dipole", "potential_energy", "pressure", "volume"});
  for (std::size_t k = 0; k < frames.size(); ++k) {
    INFO("frame " << k);
    const Frame got = reader.read_frame(k);
    check_frame(got, frames[k], true, true);
    // Observables written only in some frames appear only there.
    CHECK(got.info.count("pressure") == (k % 2 == 0 ? 1U : 0U));
    CHECK(got.info.count("dipole") == (k % 2 == 1 ? 1U : 0U));
  }
  const auto all = reader.read_all();
  REQUIRE(all.size() == frames.size());
  CHECK(all[3].system.num_atoms() == 3);
  CHECK(all[4].system.num_atoms() == 13);
  // The ion inserted in frame 1 (id 8) is still id 8 in frame 2.
  CHECK(all[1].system.index_of(8).has_value());
  CHECK(all[2].system.index_of(8).has_value());
  CHECK_THROWS_AS(reader.read_frame(frames.size()), InputError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("H5MD: a cluster without a cell, empty frames, positions only", "[unit][io][h5md]") {
  const std::string dir = testing::temp_dir("h5md-cluster");
  const std::string path = dir + "/cluster.h5md";
  System cluster;  // no lattice, no periodicity
  (void)cluster.add_atom(atom(8, Vec3(0.0, 0.0, 0.1173), Vec3(1.0, 2.0, 3.0)));
  (void)cluster.add_atom(atom(1, Vec3(0.0, 0.7572, -0.4692), Vec3::Zero()));
  (void)cluster.add_atom(atom(1, Vec3(0.0, -0.7572, -0.4692), Vec3::Zero()));
  System empty;
  std::vector<WrittenFrame> frames{{empty, 0, 0.0, {}}, {cluster, 1, 1.0, {}}, {empty, 2, 2.0, {}}};
  write_all(path, frames, H5mdWriterOptions{});  // neither velocities nor forces
  const auto reader = H5mdReader::open(path);
  REQUIRE(reader.num_frames() == 3);
  CHECK_FALSE(reader.has_velocities());
  CHECK_FALSE(reader.has_forces());
  for (std::size_t k = 0; k < 3; ++k) {
    INFO("frame " << k);
    const Frame f = reader.read_frame(k);
    check_frame(f, frames[k], false, false);
    CHECK_FALSE(f.system.cell().has_lattice());
    CHECK_FALSE(f.system.cell().any_periodic());
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("H5MD forces stored in kJ/mol/A read back in eV/A", "[unit][io][h5md]") {
  const auto frames = changing_trajectory();
  const std::string dir = testing::temp_dir("h5md-kj");
  const std::string path = dir + "/traj.h5";
  H5mdWriterOptions options;
  options.write_forces = true;
  options.force_unit = H5mdForceUnit::kj_per_mol_per_angstrom;
  write_all(path, frames, options);
  const auto reader = H5mdReader::open(path);
  REQUIRE(reader.num_frames() == frames.size());
  for (std::size_t k = 0; k < frames.size(); ++k) {
    INFO("frame " << k);
    // Multiplying by 96.485... and dividing again costs at most a few ulps.
    check_frame(reader.read_frame(k), frames[k], false, true, 1e-15);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("the H5MD writer refuses bad frames before writing and the file stays readable", "[unit][io][h5md][errors]") {
  const std::string dir = testing::temp_dir("h5md-refuse");
  const std::string path = dir + "/traj.h5";
  const auto frames = changing_trajectory();
  auto writer = H5mdWriter::create(path);
  writer.append_frame(frames[0].system, 10, 5.0, frames[0].observables);

  CHECK_THROWS_WITH(writer.append_frame(frames[1].system, 10, 6.0), Catch::Contains("steps must increase"));
  System open_box = frames[1].system;
  open_box.set_cell(Cell(open_box.cell().matrix(), {true, true, true}));
  CHECK_THROWS_WITH(writer.append_frame(open_box, 20, 6.0), Catch::Contains("periodicity changed"));
  const H5mdObservable wrong{"pressure", {1.0, 2.0}, "GPa"};
  CHECK_THROWS_WITH(writer.append_frame(frames[1].system, 20, 6.0, {&wrong, 1}),
                    Catch::Contains("'pressure' has 2 values in this frame but 9"));
  const H5mdObservable slash{"a/b", {1.0}, ""};
  CHECK_THROWS_WITH(writer.append_frame(frames[1].system, 20, 6.0, {&slash, 1}),
                    Catch::Contains("invalid observable name"));
  const H5mdObservable group_name{"all", {1.0}, ""};
  CHECK_THROWS_WITH(writer.append_frame(frames[1].system, 20, 6.0, {&group_name, 1}),
                    Catch::Contains("invalid observable name"));
  System broken = frames[1].system;
  broken.positions()[2].y() = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH(writer.append_frame(broken, 20, 6.0), Catch::Contains("non-finite position"));

  // Nothing of the refused frames reached the file; the next good frame follows the first.
  writer.append_frame(frames[1].system, 20, 6.0);
  writer.close();
  CHECK_THROWS_WITH(writer.append_frame(frames[2].system, 30, 7.0), Catch::Contains("closed"));
  writer.close();  // twice is fine

  const auto reader = H5mdReader::open(path);
  REQUIRE(reader.num_frames() == 2);
  CHECK(std::get<std::int64_t>(reader.read_frame(1).info.at("step")) == 20);
  CHECK(reader.read_frame(1).system.num_atoms() == frames[1].system.num_atoms());

  CHECK_THROWS_WITH(H5mdWriter::create(dir + "/missing/traj.h5"), Catch::Contains("does not exist"));
  H5mdWriterOptions bad_group;
  bad_group.particle_group = "a/b";
  CHECK_THROWS_AS(H5mdWriter::create(dir + "/x.h5", bad_group), InputError);
  H5mdWriterOptions bad_level;
  bad_level.compression_level = 10;
  CHECK_THROWS_WITH(H5mdWriter::create(dir + "/x.h5", bad_level), Catch::Contains("0..9"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("h5py sees the H5MD 1.1 layout with the values written", "[unit][io][h5md][crosscheck]") {
  const auto frames = changing_trajectory();
  const std::string dir = testing::temp_dir("h5md-h5py");
  const std::string path = dir + "/traj.h5";
  H5mdWriterOptions options;
  options.author = "A. Tester";
  options.write_velocities = true;
  options.write_forces = true;
  write_all(path, frames, options);
  write_text(dir + "/expected.json", expected_json(frames, "all", "A. Tester", true, true));
  const auto result =
      run_helper("layout " + testing::shell_quote(path) + " " + testing::shell_quote(dir + "/expected.json"));
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("ok") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("MDAnalysis reads the positions, box, times, velocities and forces written",
          "[unit][io][h5md][crosscheck][slow]") {
  // A fixed atom count: MDAnalysis cannot follow a changing one.
  std::vector<WrittenFrame> frames;
  System s(Cell::from_parameters(8.1, 9.2, 10.3, 80.0, 95.0, 110.0));
  for (int i = 0; i < 7; ++i) {
    (void)s.add_atom(
        atom(i == 0 ? 3 : 6, Vec3(0.5 + 1.1 * i, 7.9 - 0.3 * i, 1.0 / (i + 1.0)), Vec3(1e-3 * i, -0.002, 0.01)));
  }
  for (int k = 0; k < 4; ++k) {
    for (auto& p : s.positions()) p += Vec3(0.05, -0.01, 0.02 * k);
    set_forces(s, k + 0.5);
    frames.push_back({s, 20 * k, 10.0 * k, {{"potential_energy", {-5.0 - k}, "eV"}}});
  }
  const std::string dir = testing::temp_dir("h5md-mda");
  // 1. The default group 'all' in a .h5 file, loaded into an empty Universe, with velocities and
  //    forces in kJ/mol/A (the force unit MDAnalysis knows).
  const std::string all = dir + "/traj.h5";
  H5mdWriterOptions options;
  options.write_velocities = true;
  options.write_forces = true;
  options.force_unit = H5mdForceUnit::kj_per_mol_per_angstrom;
  write_all(all, frames, options);
  write_text(dir + "/all.json", expected_json(frames, "all", "x", true, true));
  // 2. The group 'trajectory' in a .h5md file: then mda.Universe(path) alone opens it.
  const std::string trajectory = dir + "/traj.h5md";
  H5mdWriterOptions named;
  named.particle_group = "trajectory";
  write_all(trajectory, frames, named);
  write_text(dir + "/trajectory.json", expected_json(frames, "trajectory", "x", false, false));
  // 3. Forces in eV/A: MDAnalysis 2.11 refuses the unit (why H5mdForceUnit exists).
  const std::string ev = dir + "/ev.h5";
  H5mdWriterOptions ev_forces;
  ev_forces.write_forces = true;
  write_all(ev, frames, ev_forces);

  const auto q = [](const std::string& p) { return testing::shell_quote(p); };
  const auto result = run_helper("mdanalysis " + q(all) + " " + q(dir + "/all.json") + " " + q(trajectory) + " " +
                                 q(dir + "/trajectory.json") + " --refuses-ev " + q(ev));
  INFO(result.output);
  CHECK(result.exit_code == 0);
  CHECK(result.output.find("ok") != std::string::npos);
  std::filesystem::remove_all(dir);
}

namespace {

struct KillRound {
  std::size_t reported = 0;  // frames the writer said it flushed
  bool any_reported = false;
};

// Start the loop writer, let it report `kill_after` flushed frames, SIGKILL it, and return the
// last frame it reported. With `step` the writer waits for a go-ahead line after every frame and
// is killed while waiting, i.e. exactly between two frames; without, it writes as fast as it can
// (and may run ahead while we read), so the kill lands anywhere in an append or a flush.
KillRound run_and_kill(const std::string& path, std::size_t kill_after, std::size_t atoms, bool step) {
  ::signal(SIGPIPE, SIG_IGN);  // a writer that died early makes write() fail, not kill us
  int fds[2];
  int go[2];
  REQUIRE(::pipe(fds) == 0);
  REQUIRE(::pipe(go) == 0);
  const std::string exe = IONCYCLE_H5MD_WRITER_LOOP;
  const std::string atoms_arg = std::to_string(atoms);
  const std::string step_arg = step ? "1" : "0";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(go[0], 0);
    ::close(fds[0]);
    ::close(fds[1]);
    ::close(go[0]);
    ::close(go[1]);
    ::execl(exe.c_str(), exe.c_str(), path.c_str(), "--atoms", atoms_arg.c_str(), "--step", step_arg.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  ::close(go[0]);
  FILE* out = ::fdopen(fds[0], "r");
  KillRound round;
  char line[128];
  std::size_t seen = 0;
  bool killed = false;
  while (std::fgets(line, sizeof line, out) != nullptr) {
    std::size_t k = 0;
    if (std::sscanf(line, "flushed %zu", &k) == 1) {
      round.reported = k;
      round.any_reported = true;
      if (++seen >= kill_after && !killed) {
        ::kill(pid, SIGKILL);
        killed = true;
      } else if (step && !killed) {
        REQUIRE(::write(go[1], "go\n", 3) == 3);  // let it write the next frame
      }
    }
  }  // EOF once the child is dead and its last lines are read
  ::close(go[1]);
  std::fclose(out);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(killed);
  CHECK(WIFSIGNALED(status));
  return round;
}

void check_loop_frames(const std::string& path, const KillRound& round, std::size_t atoms) {
  REQUIRE(round.any_reported);
  const auto reader = H5mdReader::open(path);
  // Every reported frame is there; at most one more (flushed, killed before printing).
  CHECK(reader.num_frames() >= round.reported + 1);
  CHECK(reader.num_frames() <= round.reported + 2);
  for (std::size_t k = 0; k < reader.num_frames(); ++k) {
    INFO("frame " << k << " of " << reader.num_frames());
    const auto want = testing::loop_frame(k, atoms);
    const Frame got = reader.read_frame(k);
    WrittenFrame written{want.system, want.step, want.time_fs, {{"potential_energy", {want.potential_energy}, "eV"}}};
    check_frame(got, written, true, true);
  }
}

}  // namespace

TEST_CASE("a writer killed with SIGKILL leaves every flushed frame readable", "[unit][io][h5md][slow]") {
  const std::string dir = testing::temp_dir("h5md-kill");
  SECTION("killed between frames (the usual case in a run: most time goes into MD)") {
    const std::string path = dir + "/paused.h5";
    const auto round = run_and_kill(path, 4, 50, /*step=*/true);
    check_loop_frames(path, round, 50);
    // Killed while waiting for the go-ahead: exactly the reported frames are in the file.
    CHECK(H5mdReader::open(path).num_frames() == round.reported + 1);
  }
  SECTION("killed at random moments of a tight write loop") {
    // A few thousand atoms make each frame take a few ms of writing, compressing and flushing,
    // so the kill lands inside appends and flushes, not only between them.
    std::mt19937 rng(20240611);
    std::uniform_int_distribution<std::size_t> after(1, 25);
    for (int round_index = 0; round_index < 6; ++round_index) {
      INFO("round " << round_index);
      const std::string path = dir + "/tight" + std::to_string(round_index) + ".h5";
      const auto round = run_and_kill(path, after(rng), 3000, /*step=*/false);
      check_loop_frames(path, round, 3000);
    }
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("h5md through structure_io: names, convert to extxyz with per-frame counts, info round trip",
          "[unit][io][h5md][structure_io]") {
  CHECK(io::parse_format_name("h5md") == io::Format::h5md);
  CHECK(io::parse_format_name("H5") == io::Format::h5md);
  CHECK(io::guess_format("run/trajectory.h5") == io::Format::h5md);
  CHECK(io::guess_format("traj.H5MD") == io::Format::h5md);
  CHECK(io::format_name(io::Format::h5md) == "h5md");
  CHECK(io::supports_multiple_frames(io::Format::h5md));
  CHECK(io::can_read(io::Format::h5md));

  const auto frames = changing_trajectory();
  const std::string dir = testing::temp_dir("h5md-convert");
  const std::string h5 = dir + "/run.h5";
  H5mdWriterOptions options;
  options.write_velocities = true;
  write_all(h5, frames, options);

  // What `ioncycle convert run.h5 out.extxyz` does.
  const std::string xyz = dir + "/out.extxyz";
  io::write_frames(xyz, io::read_frames(h5));
  const auto back = io::read_frames(xyz);
  REQUIRE(back.size() == frames.size());
  for (std::size_t k = 0; k < frames.size(); ++k) {
    INFO("frame " << k);
    REQUIRE(back[k].system.num_atoms() == frames[k].system.num_atoms());
    for (std::size_t i = 0; i < back[k].system.num_atoms(); ++i) {
      CHECK(back[k].system.ids()[i] == frames[k].system.ids()[i]);
      CHECK(back[k].system.positions()[i] == frames[k].system.positions()[i]);
    }
    CHECK(std::get<std::int64_t>(back[k].info.at("step")) == frames[k].step);
    CHECK(std::get<double>(back[k].info.at("potential_energy")) ==
          find_observable(frames[k], "potential_energy")->value[0]);
  }
  CHECK(io::read_structure(h5).system.num_atoms() == frames.back().system.num_atoms());

  // And back to H5MD: steps, times, info (reals, integers, 3x3 arrays) and velocities survive;
  // strings have no H5MD counterpart.
  std::vector<Frame> annotated = back;
  annotated[0].info["note"] = std::string("dropped");
  annotated[0].info["n_events"] = std::int64_t{3};
  const std::string again = dir + "/again.h5";
  io::write_frames(again, annotated);
  // Only the target is left: no temporary file beside it.
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
  CHECK(files == 3);  // run.h5, out.extxyz, again.h5
  const auto round = io::read_frames(again);
  REQUIRE(round.size() == frames.size());
  for (std::size_t k = 0; k < frames.size(); ++k) {
    INFO("frame " << k);
    // Against what extxyz gave (its velocities went through momenta), with the same info.
    check_frame(round[k], WrittenFrame{back[k].system, frames[k].step, frames[k].time_fs, frames[k].observables}, true,
                false);
  }
  CHECK(round[0].info.count("note") == 0);
  CHECK(std::get<double>(round[0].info.at("n_events")) == 3.0);

  // Frames without steps or times (an ASE trajectory) get the frame index and no time.
  std::vector<Frame> plain(2);
  plain[0].system = frames[0].system;
  plain[1].system = frames[1].system;
  const std::string plain_path = dir + "/plain.h5";
  io::write_frames(plain_path, plain);
  const auto plain_back = io::read_frames(plain_path);
  REQUIRE(plain_back.size() == 2);
  CHECK(std::get<std::int64_t>(plain_back[1].info.at("step")) == 1);
  CHECK(plain_back[1].info.count("time") == 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("H5MD files made with h5py: malformed ones are InputErrors naming the problem, a foreign one reads",
          "[unit][io][h5md][errors]") {
  const std::string dir = testing::temp_dir("h5md-bad");
  const auto made = run_helper("make-files " + testing::shell_quote(dir));
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  const std::pair<const char*, const char*> cases[] = {
      {"no_h5md_group.h5", "no /h5md group"},
      {"no_particles.h5", "no /particles group"},
      {"no_species.h5", "missing /particles/all/species"},
      {"no_box.h5", "missing /particles/all/box"},
      {"position_shape.h5", "/particles/all/position/value must have shape [frames][atoms][3]"},
      {"species_width.h5", "/particles/all/species has shape [2][3][2]"},
      {"bad_unit.h5", "unsupported length unit 'furlong'"},
      {"bad_species.h5", "frame 0 (step 0): atom id 1 has species 0"},
      {"bad_count.h5", "frame 1 (step 1): particle_number says 2 atoms but 3 slots have an id"},
      {"bad_boundary.h5", "box boundary 'wall'"},
      {"version_2.h5", "unsupported H5MD version 2"},
      {"two_groups.h5", "several particle groups (left, right)"},
  };
  for (const auto& [name, message] : cases) {
    INFO(name);
    const std::string path = dir + "/" + name;
    try {
      (void)io::read_frames(path);
      FAIL("no error for " << name);
    } catch (const InputError& e) {
      CHECK(e.where().file == path);
      CHECK_THAT(e.what(), Catch::Contains(message));
    }
  }
  // A named group picks one of several.
  CHECK(H5mdReader::open(dir + "/two_groups.h5", "right").num_frames() == 2);
  CHECK_THROWS_WITH(H5mdReader::open(dir + "/two_groups.h5", "middle"), Catch::Contains("no particle group 'middle'"));

  // A valid file in another program's style reads with units converted (docs/formats.md).
  const auto foreign = H5mdReader::open(dir + "/foreign.h5");
  CHECK(foreign.particle_group() == "atoms");
  REQUIRE(foreign.num_frames() == 3);
  CHECK(foreign.has_velocities());
  for (std::size_t k = 0; k < 3; ++k) {
    INFO("frame " << k);
    const Frame f = foreign.read_frame(k);
    const auto kd = static_cast<double>(k);
    CHECK(std::get<std::int64_t>(f.info.at("step")) == 1000 + 50 * static_cast<std::int64_t>(k));
    CHECK(std::get<double>(f.info.at("time")) == Approx((2.0 + 0.1 * kd) * 1000.0).epsilon(1e-12));
    CHECK(f.system.cell().matrix() == Mat3(Eigen::Vector3d(20.0, 30.0, 40.0).asDiagonal()));
    CHECK(f.system.cell().pbc() == std::array<bool, 3>{true, true, false});
    REQUIRE(f.system.num_atoms() == 2);
    CHECK(f.system.ids()[0] == 0);  // no id element: slot index
    CHECK(f.system.ids()[1] == 1);
    CHECK(f.system.atomic_numbers()[0] == 3);
    CHECK(f.system.atomic_numbers()[1] == 8);
    // float32 in nm: 1e-7 relative.
    CHECK((f.system.positions()[1] - Vec3(4.0 + 0.1 * kd, 5.0 + 0.1 * kd, 6.0 + 0.1 * kd)).norm() < 1e-5);
    CHECK((f.system.velocities()[0] - Vec3::Constant(0.025 * (1.0 + kd))).norm() < 1e-15);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("non-HDF5 and cut-off files are InputErrors and HDF5 prints nothing", "[unit][io][h5md][errors]") {
  const std::string dir = testing::temp_dir("h5md-nothdf5");
  const std::string text = dir + "/traj.h5";
  write_text(text, "3\nLattice=\"1 0 0 0 1 0 0 0 1\"\nC 0 0 0\n");
  CHECK_THROWS_WITH(io::read_frames(text), Catch::Contains(text) && Catch::Contains("not an HDF5 file"));
  CHECK_THROWS_WITH(io::read_frames(dir + "/none.h5"), Catch::Contains("no such file"));
  CHECK_THROWS_WITH(H5mdReader::open(dir), Catch::Contains("is a directory"));

  // A writer closed (or killed) before its first frame leaves a valid file without frames.
  const std::string no_frames = dir + "/none_yet.h5";
  H5mdWriter::create(no_frames).close();
  CHECK_THROWS_WITH(io::read_frames(no_frames), Catch::Contains("the file holds no frames"));

  // A file cut short of what its superblock promises (a copy interrupted half-way).
  const std::string good = dir + "/good.h5";
  write_all(good, changing_trajectory(), H5mdWriterOptions{});
  const auto size = std::filesystem::file_size(good);
  const std::string cut = dir + "/cut.h5";
  std::filesystem::copy_file(good, cut);
  std::filesystem::resize_file(cut, size / 2);
  std::string printed;
  bool threw_input_error = false;
  printed = capture_stderr([&] {
    try {
      (void)io::read_frames(cut);
    } catch (const InputError& e) {
      threw_input_error = true;
      CHECK(e.where().file == cut);
      CHECK_THAT(e.what(), Catch::Contains("cannot open the HDF5 file"));
    }
  });
  CHECK(threw_input_error);
  CHECK(printed.empty());
  std::filesystem::remove_all(dir);
}

namespace {

// Two frames read back are the same bit for bit: atoms, cell, step, time and observables.
void check_same_frame(const Frame& got, const Frame& want) {
  const System& a = got.system;
  const System& b = want.system;
  REQUIRE(a.num_atoms() == b.num_atoms());
  CHECK(a.cell() == b.cell());
  CHECK(std::equal(a.ids().begin(), a.ids().end(), b.ids().begin()));
  CHECK(std::equal(a.atomic_numbers().begin(), a.atomic_numbers().end(), b.atomic_numbers().begin()));
  CHECK(std::equal(a.positions().begin(), a.positions().end(), b.positions().begin()));
  CHECK(std::equal(a.velocities().begin(), a.velocities().end(), b.velocities().begin()));
  CHECK(std::equal(a.forces().begin(), a.forces().end(), b.forces().begin()));
  CHECK(got.has_velocities == want.has_velocities);
  CHECK(got.has_forces == want.has_forces);
  CHECK(got.info == want.info);
}

std::size_t count_files(const std::string& dir) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("a resumed H5MD trajectory keeps the frames up to the checkpoint bit for bit and continues",
          "[unit][io][h5md][resume]") {
  const std::string dir = testing::temp_dir("h5md-resume");
  const auto frames = changing_trajectory();  // steps 0, 100, 250, 400, 401
  H5mdWriterOptions options;
  options.author = "resume-test";
  options.write_velocities = true;
  options.write_forces = true;
  SECTION("eV/A forces") { options.force_unit = H5mdForceUnit::ev_per_angstrom; }
  SECTION("kJ/mol/A forces (copied as stored, not converted twice)") {
    options.force_unit = H5mdForceUnit::kj_per_mol_per_angstrom;
  }
  const std::string reference = dir + "/reference.h5";
  write_all(reference, frames, options);

  // A run that wrote all five frames, was killed, and resumes from a checkpoint at step 250 (or
  // between 250 and 400): frames 400 and 401 are dropped and written again by the resumed run.
  for (const std::int64_t checkpoint_step : {std::int64_t{250}, std::int64_t{260}}) {
    INFO("checkpoint at step " << checkpoint_step);
    const std::string path = dir + "/trajectory.h5";
    write_all(path, frames, options);
    auto writer = H5mdWriter::resume(path, options, checkpoint_step);
    CHECK(writer.num_frames() == 3);
    CHECK(writer.path() == path);
    // The checkpoint's own frame is not written twice: steps must still increase.
    CHECK_THROWS_WITH(writer.append_frame(frames[2].system, 250, 125.0), Catch::Contains("must increase"));
    for (std::size_t k = 3; k < frames.size(); ++k) {
      writer.append_frame(frames[k].system, frames[k].step, frames[k].time_fs, frames[k].observables);
    }
    writer.close();
    CHECK(count_files(dir) == 2);  // no trajectory.h5.tmp left
    const auto got = H5mdReader::open(path);
    const auto want = H5mdReader::open(reference);
    REQUIRE(got.num_frames() == frames.size());
    CHECK_FALSE(got.dropped_incomplete_frame());
    CHECK(got.observable_names() == want.observable_names());
    for (std::size_t k = 0; k < frames.size(); ++k) {
      INFO("frame " << k);
      check_same_frame(got.read_frame(k), want.read_frame(k));
      check_frame(got.read_frame(k), frames[k], true, true,
                  options.force_unit == H5mdForceUnit::ev_per_angstrom ? 0.0 : 1e-15);
    }
  }
  SECTION("as h5py sees it: the same layout, shapes and units as an uninterrupted file") {
    const std::string path = dir + "/layout.h5";
    write_all(path, frames, options);
    auto writer = H5mdWriter::resume(path, options, 100);
    for (std::size_t k = 2; k < frames.size(); ++k) {
      writer.append_frame(frames[k].system, frames[k].step, frames[k].time_fs, frames[k].observables);
    }
    writer.close();
    write_text(dir + "/expected.json",
               expected_json(frames, "all", "resume-test", true, true,
                             options.force_unit == H5mdForceUnit::ev_per_angstrom ? 1.0 : 96.485332123));
    const auto result =
        run_helper("layout " + testing::shell_quote(path) + " " + testing::shell_quote(dir + "/expected.json"));
    INFO(result.output);
    CHECK(result.exit_code == 0);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("resuming H5MD: what is kept when, and what is refused", "[unit][io][h5md][resume][errors]") {
  const std::string dir = testing::temp_dir("h5md-resume-edges");
  const auto frames = changing_trajectory();
  H5mdWriterOptions options;
  options.write_velocities = true;
  const std::string path = dir + "/trajectory.h5";

  // A checkpoint after the last frame keeps every frame.
  write_all(path, frames, options);
  CHECK(H5mdWriter::resume(path, options, 5000).num_frames() == frames.size());
  CHECK(H5mdReader::open(path).num_frames() == frames.size());
  // A checkpoint before the first frame, or none (last_step < 0), keeps none.
  write_all(path, frames, options);
  {
    auto writer = H5mdWriter::resume(path, options, -1);
    CHECK(writer.num_frames() == 0);
    writer.append_frame(frames[1].system, frames[1].step, frames[1].time_fs);
    writer.close();
    const auto reader = H5mdReader::open(path);
    REQUIRE(reader.num_frames() == 1);
    CHECK(std::get<std::int64_t>(reader.read_frame(0).info.at("step")) == 100);
  }
  CHECK(H5mdWriter::resume(path, options, 50).num_frames() == 0);

  // A file created but killed before its first frame: nothing to keep, and it goes on.
  H5mdWriter::create(path, options).close();
  {
    auto writer = H5mdWriter::resume(path, options, 10);
    CHECK(writer.num_frames() == 0);
    writer.append_frame(frames[0].system, frames[0].step, frames[0].time_fs);
  }
  CHECK(H5mdReader::open(path).num_frames() == 1);

  // Refusals (the file is left as it was).
  CHECK_THROWS_WITH(H5mdWriter::resume(dir + "/gone.h5", options, 10), Catch::Contains("the file is missing"));
  write_text(dir + "/text.h5", "not a trajectory\n");
  CHECK_THROWS_WITH(H5mdWriter::resume(dir + "/text.h5", options, 10),
                    Catch::Contains("cannot resume the trajectory at step 10") && Catch::Contains("not an HDF5 file"));
  CHECK(H5mdWriter::resume(dir + "/text.h5", options, -1).num_frames() == 0);  // nothing to keep: fresh
  write_all(path, frames, options);
  H5mdWriterOptions no_velocities = options;
  no_velocities.write_velocities = false;
  CHECK_THROWS_WITH(H5mdWriter::resume(path, no_velocities, 100), Catch::Contains("stores velocities"));
  CHECK(H5mdReader::open(path).num_frames() == frames.size());
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  CHECK(files == 2);  // trajectory.h5, text.h5: no temporary file left by the refusal
  std::filesystem::remove_all(dir);
}

TEST_CASE("a trajectory cut short by SIGKILL resumes without duplicated or missing frames",
          "[unit][io][h5md][resume][slow]") {
  const std::string dir = testing::temp_dir("h5md-resume-kill");
  H5mdWriterOptions options;
  options.author = "h5md_writer_loop";
  options.write_velocities = true;
  options.write_forces = true;
  std::mt19937 rng(20240613);
  for (int round = 0; round < 4; ++round) {
    INFO("round " << round);
    const bool paused = round == 0;
    const std::size_t atoms = paused ? 50 : 3000;
    const std::string path = dir + "/traj" + std::to_string(round) + ".h5";
    const auto killed = run_and_kill(path, std::uniform_int_distribution<std::size_t>(3, 15)(rng), atoms, paused);
    REQUIRE(killed.any_reported);
    const std::size_t readable = H5mdReader::open(path).num_frames();
    REQUIRE(readable >= killed.reported + 1);
    // The checkpoint was taken at a frame the writer reported (odd rounds), or after the last one
    // (even rounds, a checkpoint between trajectory frames: every readable frame is kept).
    const std::size_t last_kept = round % 2 == 1
                                      ? std::uniform_int_distribution<std::size_t>(0, killed.reported)(rng)
                                      : readable - 1;
    const std::int64_t last_step = round % 2 == 1 ? testing::loop_frame(last_kept, atoms).step
                                                  : testing::loop_frame(readable - 1, atoms).step + 5;
    auto writer = H5mdWriter::resume(path, options, last_step);
    REQUIRE(writer.num_frames() == last_kept + 1);
    const std::size_t total = last_kept + 4;
    for (std::size_t k = last_kept + 1; k < total; ++k) {
      const auto f = testing::loop_frame(k, atoms);
      const H5mdObservable energy{"potential_energy", {f.potential_energy}, "eV"};
      writer.append_frame(f.system, f.step, f.time_fs, {&energy, 1});
    }
    writer.close();
    const auto reader = H5mdReader::open(path);
    REQUIRE(reader.num_frames() == total);
    CHECK_FALSE(reader.dropped_incomplete_frame());
    for (std::size_t k = 0; k < total; ++k) {
      INFO("frame " << k);
      const auto want = testing::loop_frame(k, atoms);
      WrittenFrame written{want.system, want.step, want.time_fs, {{"potential_energy", {want.potential_energy}, "eV"}}};
      check_frame(reader.read_frame(k), written, true, true);
    }
  }
  std::filesystem::remove_all(dir);
}
