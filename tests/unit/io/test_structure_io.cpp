// SPDX-License-Identifier: MIT
//
// structure_io: format names and guessing, errors for missing files, unreadable formats and
// multi-frame writes to single-frame formats, atomic writes, and dispatch to each format's
// reader and writer.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/cell.hpp"
#include "core/error.hpp"
#include "core/system.hpp"
#include "io/frame.hpp"
#include "io/structure_io.hpp"
#include "testing.hpp"

using ioncycle::InputError;
using ioncycle::core::AtomSpec;
using ioncycle::core::Cell;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::io::Format;
using ioncycle::io::Frame;
namespace io = ioncycle::io;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Frame small_frame(double shift = 0.0, int extra_atoms = 0) {
  Frame f;
  Eigen::Matrix3d h;
  h << 4.0, 0.0, 0.0, 0.5, 4.2, 0.0, 0.1, 0.2, 9.0;
  f.system = System(Cell(h));
  const int zs[] = {3, 8, 8, 27};
  for (int i = 0; i < 4 + extra_atoms; ++i) {
    AtomSpec a;
    a.z = zs[i % 4];
    a.position = Vec3(0.3 * i + shift, 0.7 * i, 1.9 * i + 0.123456789012345);
    (void)f.system.add_atom(a);
  }
  return f;
}

}  // namespace

TEST_CASE("format names", "[io][structure_io]") {
  CHECK(io::parse_format_name("extxyz") == Format::extxyz);
  CHECK(io::parse_format_name("xyz") == Format::extxyz);
  CHECK(io::parse_format_name("POSCAR") == Format::poscar);
  CHECK(io::parse_format_name("vasp") == Format::poscar);
  CHECK(io::parse_format_name("lammps-data") == Format::lammps_data);
  CHECK(io::parse_format_name("lammps_data") == Format::lammps_data);
  CHECK(io::parse_format_name("data") == Format::lammps_data);
  CHECK_THROWS_WITH(io::parse_format_name("extxy"), Catch::Contains("unknown structure format 'extxy'"));
  CHECK_THROWS_WITH(io::parse_format_name("extxy"), Catch::Contains("did you mean 'extxyz'?"));
  CHECK_THROWS_WITH(io::parse_format_name("pdb"), Catch::Contains("extxyz, xyz, poscar"));
  for (const Format f : {Format::extxyz, Format::poscar, Format::lammps_data}) {
    CHECK(io::parse_format_name(io::format_name(f)) == f);
  }
  CHECK(io::supports_multiple_frames(Format::extxyz));
  CHECK_FALSE(io::supports_multiple_frames(Format::poscar));
  CHECK_FALSE(io::supports_multiple_frames(Format::lammps_data));
  CHECK(io::can_read(Format::extxyz));
  CHECK(io::can_read(Format::poscar));
  CHECK_FALSE(io::can_read(Format::lammps_data));
}

TEST_CASE("formats are guessed from file names", "[io][structure_io]") {
  const std::pair<const char*, Format> cases[] = {
      {"traj.extxyz", Format::extxyz},     {"dir/host.xyz", Format::extxyz},
      {"HOST.XYZ", Format::extxyz},        {"POSCAR", Format::poscar},
      {"run/CONTCAR", Format::poscar},     {"POSCAR_relaxed", Format::poscar},
      {"CONTCAR.3", Format::poscar},       {"LiCoO2.vasp", Format::poscar},
      {"x.poscar", Format::poscar},        {"poscar", Format::poscar},
      {"in.data", Format::lammps_data},    {"graphite.lmp", Format::lammps_data},
      {"cell.lammps", Format::lammps_data},
  };
  for (const auto& [name, format] : cases) {
    INFO(name);
    CHECK(io::guess_format(name) == format);
  }
  for (const char* name : {"structure.txt", "host", "data", "my.cif"}) {
    INFO(name);
    try {
      (void)io::guess_format(name);
      FAIL("guessed a format for " << name);
    } catch (const InputError& e) {
      CHECK(e.where().file == name);
      CHECK(e.hint().find("--format") != std::string::npos);
    }
  }
}

TEST_CASE("reading a missing file, a directory or a LAMMPS data file is an InputError naming it",
          "[io][structure_io][errors]") {
  const std::string dir = ioncycle::testing::temp_dir("structure-io-read");
  const std::string missing = dir + "/nope.extxyz";
  try {
    (void)io::read_frames(missing);
    FAIL("no error for a missing file");
  } catch (const InputError& e) {
    CHECK(e.where().file == missing);
    CHECK(std::string(e.what()).find("no such file") != std::string::npos);
    CHECK(std::string(e.what()).find(missing) != std::string::npos);
  }
  CHECK_THROWS_WITH(io::read_structure(dir, Format::extxyz), Catch::Contains("is a directory"));

  const std::string data = dir + "/host.data";
  { std::ofstream(data) << "LAMMPS data file\n\n1 atoms\n"; }
  try {
    (void)io::read_frames(data);
    FAIL("no error for reading LAMMPS data");
  } catch (const InputError& e) {
    CHECK(e.where().file == data);
    CHECK(std::string(e.what()).find("does not read") != std::string::npos);
    CHECK_FALSE(e.hint().empty());
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("extxyz through structure_io: all frames, the last frame, explicit format", "[io][structure_io]") {
  const std::string dir = ioncycle::testing::temp_dir("structure-io-extxyz");
  const std::vector<Frame> frames{small_frame(0.0), small_frame(0.5, 1), small_frame(1.0, 3)};
  const std::string path = dir + "/traj.extxyz";
  io::write_frames(path, frames);
  const auto back = io::read_frames(path);
  REQUIRE(back.size() == 3);
  for (std::size_t k = 0; k < 3; ++k) {
    REQUIRE(back[k].system.num_atoms() == frames[k].system.num_atoms());
    for (std::size_t i = 0; i < frames[k].system.num_atoms(); ++i) {
      CHECK((back[k].system.positions()[i] - frames[k].system.positions()[i]).norm() <= 1e-10);
    }
  }
  // read_structure takes the last frame, as ase.io.read does.
  const Frame last = io::read_structure(path);
  CHECK(last.system.num_atoms() == 7);
  CHECK(last.system.positions()[0].x() == 1.0);

  // A name that says nothing about the format works when the format is given.
  const std::string odd = dir + "/structure.txt";
  io::write_structure(odd, frames[1], Format::extxyz);
  CHECK(io::read_structure(odd, Format::extxyz).system.num_atoms() == 5);
  CHECK_THROWS_AS(io::read_structure(odd), InputError);
  std::filesystem::remove_all(dir);
}

TEST_CASE("writing several frames to a single-frame format is an InputError and writes nothing",
          "[io][structure_io][errors]") {
  const std::string dir = ioncycle::testing::temp_dir("structure-io-multi");
  const std::vector<Frame> frames{small_frame(), small_frame(0.5)};
  for (const std::string name : {"POSCAR", "host.data"}) {
    const std::string path = dir + "/" + name;
    INFO(path);
    try {
      io::write_frames(path, frames);
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(e.where().file == path);
      CHECK(std::string(e.what()).find("2 frames") != std::string::npos);
    }
    CHECK_FALSE(std::filesystem::exists(path));
  }
  CHECK_THROWS_AS(io::write_frames(dir + "/empty.extxyz", {}), InputError);
  // Nothing else (no temporary files) was left behind.
  CHECK(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a failed write leaves the previous file untouched", "[io][structure_io][errors]") {
  const std::string dir = ioncycle::testing::temp_dir("structure-io-atomic");
  const std::string path = dir + "/host.extxyz";
  io::write_structure(path, small_frame());
  const std::string before = slurp(path);
  Frame bad = small_frame(1.0);
  bad.arrays["tags"] = io::ExtraArray{io::ExtraArray::Type::integer, 1, {"1", "2"}};  // 2 values, 4 atoms
  CHECK_THROWS_AS(io::write_structure(path, bad), InputError);
  CHECK(slurp(path) == before);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++files;
  CHECK(files == 1);
  std::filesystem::remove_all(dir);
}

TEST_CASE("POSCAR and LAMMPS data go through their own writers", "[io][structure_io]") {
  const std::string dir = ioncycle::testing::temp_dir("structure-io-dispatch");
  const Frame frame = small_frame();

  const std::string poscar = dir + "/POSCAR";
  io::write_structure(poscar, frame);
  const Frame back = io::read_structure(poscar);
  REQUIRE(back.system.num_atoms() == frame.system.num_atoms());
  CHECK((back.system.cell().matrix() - frame.system.cell().matrix()).cwiseAbs().maxCoeff() <= 1e-10);
  for (std::size_t i = 0; i < frame.system.num_atoms(); ++i) {
    CHECK(back.system.atomic_numbers()[i] == frame.system.atomic_numbers()[i]);
    CHECK((back.system.positions()[i] - frame.system.positions()[i]).norm() <= 1e-10);
  }

  const std::string data = dir + "/host.data";
  io::write_structure(data, frame);
  const std::string text = slurp(data);
  CHECK(text.find("4 atoms") != std::string::npos);
  CHECK(text.find("Atoms") != std::string::npos);
  std::filesystem::remove_all(dir);
}
