// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ase_dump.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "io/poscar.hpp"
#include "testing.hpp"

namespace {

using ioncycle::InputError;
using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::io::Frame;

Frame read_text(const std::string& text, const std::string& name = "POSCAR") {
  std::istringstream in(text);
  return ioncycle::io::read_poscar(in, name);
}

std::string write_text(const Frame& frame) {
  std::ostringstream out;
  ioncycle::io::write_poscar(out, frame);
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

std::string g17(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

// Triclinic cell, species that interleave (C C Li C O Li C), positions partly outside the cell.
Frame interleaved_frame() {
  Mat3 h;
  h << 4.26, 0.0, 0.0,       //
      -2.13, 3.689272, 0.0,  //
      0.37, -0.41, 6.71;
  Frame frame;
  frame.system = System(Cell(h));
  const std::vector<std::pair<int, Vec3>> atoms = {
      {6, {0.0, 0.0, 0.0}},
      {6, {1.42, 0.1, 3.355}},
      {3, {2.13, 1.23, 1.6775}},
      {6, {-0.71, 2.4595, 3.355}},
      {8, {5.1, -0.3, 7.2}},
      {3, {0.123456789012345, 3.3, -0.5}},
      {6, {1e-7, 2.0000000000000004, 1.0 / 3.0}},
  };
  for (const auto& [z, r] : atoms) {
    ioncycle::core::AtomSpec spec;
    spec.z = z;
    spec.position = r;
    frame.system.add_atom(spec);
  }
  return frame;
}

void check_same_structure(const System& got, const System& expected, double tol) {
  REQUIRE(got.num_atoms() == expected.num_atoms());
  CHECK((got.cell().matrix() - expected.cell().matrix()).cwiseAbs().maxCoeff() <= tol);
  for (std::size_t i = 0; i < got.num_atoms(); ++i) {
    INFO("atom " << i);
    CHECK(got.atomic_numbers()[i] == expected.atomic_numbers()[i]);
    CHECK((got.positions()[i] - expected.positions()[i]).norm() <= tol);
  }
}

const char* const kFractional[4] = {"0.0 0.0 0.0", "0.25 0.5 0.75", "0.9 0.1 0.6", "-0.2 1.3 0.05"};
const Vec3 kFractionalValues[4] = {{0.0, 0.0, 0.0}, {0.25, 0.5, 0.75}, {0.9, 0.1, 0.6}, {-0.2, 1.3, 0.05}};

// The unscaled lattice of the scaling tests (rows); det = 4 * 3 * 2 = 24 Å³.
Mat3 raw_lattice() {
  Mat3 l;
  l << 4.0, 0.0, 0.0,  //
      1.0, 3.0, 0.0,   //
      0.5, 0.5, 2.0;
  return l;
}

std::string header(const std::string& scale_line) {
  std::string text = "scaling test\n" + scale_line + "\n";
  const Mat3 l = raw_lattice();
  for (int i = 0; i < 3; ++i) text += g17(l(i, 0)) + " " + g17(l(i, 1)) + " " + g17(l(i, 2)) + "\n";
  return text + "Li Co O\n1 1 2\n";
}

std::string direct_poscar(const std::string& scale_line) {
  std::string text = header(scale_line) + "Direct\n";
  for (const char* line : kFractional) text += std::string(line) + "\n";
  return text;
}

// Cartesian coordinates of the unscaled cell: VASP multiplies them by the scaling factor(s).
std::string cartesian_poscar(const std::string& scale_line, const std::string& mode_word = "Cartesian") {
  std::string text = header(scale_line) + mode_word + "\n";
  for (const Vec3& s : kFractionalValues) {
    const Vec3 r = (s.transpose() * raw_lattice()).transpose();
    text += g17(r[0]) + " " + g17(r[1]) + " " + g17(r[2]) + "\n";
  }
  return text;
}

// What every scaling variant must give: lattice components scaled per Cartesian axis, atoms at
// the same fractional coordinates.
System expected_scaled(const Vec3& factors) {
  Mat3 h = raw_lattice();
  for (int i = 0; i < 3; ++i) h.row(i) = h.row(i).cwiseProduct(factors.transpose());
  System system{Cell(h)};
  const int z[4] = {3, 27, 8, 8};
  for (int i = 0; i < 4; ++i) {
    ioncycle::core::AtomSpec spec;
    spec.z = z[i];
    spec.position = (kFractionalValues[i].transpose() * h).transpose();
    system.add_atom(spec);
  }
  return system;
}

}  // namespace

TEST_CASE("POSCAR -> System -> POSCAR keeps species, order, positions, cell and pbc", "[unit][io][poscar]") {
  const Frame original = interleaved_frame();
  const std::string text = write_text(original);
  const auto lines = lines_of(text);
  REQUIRE(lines.size() == 8 + original.system.num_atoms());

  SECTION("the species line follows the atom order in runs") {
    CHECK(words(lines[5]) == std::vector<std::string>{"C", "Li", "C", "O", "Li", "C"});
    CHECK(words(lines[6]) == std::vector<std::string>{"2", "1", "1", "1", "1", "1"});
    CHECK(words(lines[7]) == std::vector<std::string>{"Cartesian"});
    CHECK(words(lines[0]) == std::vector<std::string>{"C4Li2O"});  // Hill formula without a comment
  }

  SECTION("reading it back gives the same System") {
    const Frame back = read_text(text);
    check_same_structure(back.system, original.system, 1e-10);
    CHECK(back.system.cell().pbc() == std::array<bool, 3>{true, true, true});
    for (std::size_t i = 0; i < back.system.num_atoms(); ++i) {
      CHECK(back.system.ids()[i] == static_cast<ioncycle::core::AtomId>(i));
      CHECK(back.system.velocities()[i].cwiseAbs().maxCoeff() == 0.0);
      CHECK(back.system.masses()[i] == ioncycle::core::standard_mass(back.system.atomic_numbers()[i]));
    }
    CHECK_FALSE(back.has_velocities);
    // Written with full precision, the second trip changes nothing at all.
    CHECK(write_text(back) == text);
  }
}

TEST_CASE("POSCAR writer keeps the atom order when ids have gaps and uses the frame's comment",
          "[unit][io][poscar]") {
  Frame frame = interleaved_frame();
  const std::vector<ioncycle::core::AtomId> removed = {1, 4};
  frame.system.remove_atoms(removed);
  frame.info["comment"] = std::string("LiC6 after two removals\nsecond line");
  const Frame back = read_text(write_text(frame));
  check_same_structure(back.system, frame.system, 1e-10);
  // ids are renumbered 0..N-1 in the same order (POSCAR has no ids).
  for (std::size_t i = 0; i < back.system.num_atoms(); ++i) {
    CHECK(back.system.ids()[i] == static_cast<ioncycle::core::AtomId>(i));
  }
  REQUIRE(back.info.count("comment") == 1);
  CHECK(std::get<std::string>(back.info.at("comment")) == "LiC6 after two removals second line");
}

TEST_CASE("POSCAR scaling factors and coordinate modes give the same structure", "[unit][io][poscar]") {
  const System by_15 = expected_scaled(Vec3::Constant(1.5));
  // Negative scale = target volume: 1.5³ * 24 Å³ = 81 Å³.
  check_same_structure(read_text(direct_poscar("1.5")).system, by_15, 1e-10);
  check_same_structure(read_text(cartesian_poscar("1.5")).system, by_15, 1e-10);
  check_same_structure(read_text(direct_poscar("-81")).system, by_15, 1e-10);
  check_same_structure(read_text(cartesian_poscar("-81.0")).system, by_15, 1e-10);
  check_same_structure(read_text(direct_poscar("1.5 1.5 1.5")).system, by_15, 1e-10);
  check_same_structure(read_text(cartesian_poscar("1.5 1.5 1.5", "kartesian")).system, by_15, 1e-10);
  check_same_structure(read_text(direct_poscar("1.5   ! lattice constant")).system, by_15, 1e-10);

  // Three factors scale the x, y and z components (also of Cartesian positions).
  const System by_axis = expected_scaled(Vec3(1.1, 0.9, 1.7));
  check_same_structure(read_text(direct_poscar("1.1 0.9 1.7")).system, by_axis, 1e-10);
  check_same_structure(read_text(cartesian_poscar("1.1 0.9 1.7")).system, by_axis, 1e-10);

  const System unscaled = expected_scaled(Vec3::Ones());
  check_same_structure(read_text(cartesian_poscar("1.0", "C")).system, unscaled, 1e-12);
  check_same_structure(read_text(direct_poscar("1")).system, unscaled, 1e-12);
  CHECK(read_text(direct_poscar("-81")).system.cell().volume() == Approx(81.0).epsilon(1e-12));
}

TEST_CASE("POSCAR reader tolerates selective dynamics, VASP 6 labels, comments, CRLF and a velocity block",
          "[unit][io][poscar]") {
  const std::string text =
      "graphite with Li\r\n"
      "   1.00000000000000\r\n"
      "     2.4600000000000000    0.0000000000000000    0.0000000000000000\r\n"
      "    -1.2300000000000000    2.1304224932249324    0.0000000000000000\r\n"
      "     0.0000000000000000    0.0000000000000000    6.7100000000000000\r\n"
      "   C_s/8a3d2b1f  Li_sv/6a2f546d   ! POTCAR labels\r\n"
      "     2     1   ! counts\r\n"
      "selective dynamics\r\n"
      "direct\r\n"
      "  0.0000000000000000  0.0000000000000000  0.2500000000000000   T   T   F ! bottom\r\n"
      "  0.3333333333333333  0.6666666666666666  0.2500000000000000   F   F   F\r\n"
      "  0.0000000000000000  0.0000000000000000  0.7500000000000000   T   T   T\r\n"
      "\r\n"
      "  0.01 0.02 0.03\r\n"
      "  0.00 0.00 0.00\r\n"
      "  0.00 0.00 0.00\r\n";
  const Frame frame = read_text(text);
  const System& s = frame.system;
  REQUIRE(s.num_atoms() == 3);
  CHECK(s.atomic_numbers()[0] == 6);
  CHECK(s.atomic_numbers()[1] == 6);
  CHECK(s.atomic_numbers()[2] == 3);
  CHECK(s.cell().matrix()(1, 1) == Approx(2.1304224932249324).epsilon(1e-15));
  CHECK((s.positions()[1] - Vec3(0.0, 1.4202816621499548, 1.6775)).norm() < 1e-12);
  CHECK((s.positions()[2] - Vec3(0.0, 0.0, 5.0325)).norm() < 1e-12);
  // The velocity block is not read.
  CHECK_FALSE(frame.has_velocities);
  CHECK(s.velocities()[0].cwiseAbs().maxCoeff() == 0.0);
  CHECK(std::get<std::string>(frame.info.at("comment")) == "graphite with Li");
}

TEST_CASE("POSCAR writer refuses a structure without a cell", "[unit][io][poscar]") {
  Frame frame;
  ioncycle::core::AtomSpec spec;
  spec.z = 3;
  frame.system.add_atom(spec);
  CHECK_THROWS_AS(write_text(frame), InputError);
}

namespace {

struct BadCase {
  const char* file;
  int line;
  int column;           // 0: not checked
  const char* message;  // a fragment of what() (beyond the location)
};

// Each bad POSCAR in tests/data/bad_structures with where the error must point. Line 1 of each
// file (its comment) says the same in words.
const BadCase kBadCases[] = {
    {"bad_empty.poscar", 1, 0, "empty"},
    {"bad_truncated_lattice.poscar", 4, 0, "lattice vector b"},
    {"bad_scale_text.poscar", 2, 1, "'abc'"},
    {"bad_scale_zero.poscar", 2, 3, "zero"},
    {"bad_scale_two_numbers.poscar", 2, 5, "one or three"},
    {"bad_scale_three_negative.poscar", 2, 5, "positive"},
    {"bad_lattice_two_numbers.poscar", 4, 0, "three numbers"},
    {"bad_lattice_text.poscar", 5, 5, "'four'"},
    {"bad_lattice_singular.poscar", 3, 0, "do not span a cell"},
    {"bad_unknown_element.poscar", 6, 4, "'Xx'"},
    {"bad_vasp4.poscar", 6, 3, "add a line with the element symbols before the counts"},
    {"bad_count_not_integer.poscar", 7, 3, "'1.5'"},
    {"bad_count_negative.poscar", 7, 3, "negative"},
    {"bad_counts_mismatch.poscar", 7, 0, "2 atom count(s) but line 6 names 3 species"},
    {"bad_coordinate_mode.poscar", 8, 1, "'Fractional'"},
    {"bad_coordinate_mode_missing.poscar", 8, 1, "'Direct' or 'Cartesian'"},
    {"bad_selective_truncated.poscar", 9, 0, "'Direct' or 'Cartesian'"},
    {"bad_missing_positions.poscar", 11, 0, "2 of 4 atom positions"},
    {"bad_coordinate_text.poscar", 10, 5, "'abc'"},
    {"bad_coordinate_short_line.poscar", 11, 0, "three coordinates for atom 2"},
};

}  // namespace

TEST_CASE("Every malformed POSCAR is an InputError at the right line", "[unit][io][poscar]") {
  for (const BadCase& bad : kBadCases) {
    const std::string path = ioncycle::testing::data_path(std::string("bad_structures/") + bad.file);
    INFO(path);
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    try {
      (void)ioncycle::io::read_poscar(in, path);
      FAIL("no error for " << bad.file);
    } catch (const InputError& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(e.where().file == path);
      CHECK(e.where().line == bad.line);
      if (bad.column > 0) CHECK(e.where().column == bad.column);
      CHECK(what.find(std::string(bad.file) + ":" + std::to_string(bad.line) + ":") != std::string::npos);
      CHECK(what.find(bad.message) != std::string::npos);
    }
  }
}

TEST_CASE("Every bad_*.poscar file has an expectation", "[unit][io][poscar]") {
  std::set<std::string> listed;
  for (const BadCase& bad : kBadCases) listed.insert(bad.file);
  std::size_t found = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(ioncycle::testing::data_path("bad_structures"))) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("bad_", 0) != 0 || entry.path().extension() != ".poscar") continue;
    ++found;
    INFO(name);
    CHECK(listed.count(name) == 1);
  }
  CHECK(found == listed.size());
  CHECK(found >= 12);
}

TEST_CASE("POSCAR reader survives arbitrary truncation and corruption of a valid file",
          "[unit][io][poscar]") {
  const std::string valid = cartesian_poscar("1.5");
  // Every prefix is either a valid file (once all positions are in) or an InputError; never
  // anything else (a crash, a std::exception of another type, a silently short structure).
  for (std::size_t n = 0; n < valid.size(); ++n) {
    INFO("prefix of " << n << " characters");
    try {
      const Frame frame = read_text(valid.substr(0, n));
      CHECK(frame.system.num_atoms() == 4);
    } catch (const InputError& e) {
      CHECK(e.where().line >= 1);
    }
  }
  // Replace each character by a letter or a digit: again only valid frames or InputErrors.
  for (std::size_t n = 0; n < valid.size(); ++n) {
    for (const char c : {'x', '7', '-', ' ', '\n'}) {
      std::string text = valid;
      text[n] = c;
      try {
        (void)read_text(text);
      } catch (const InputError&) {
      }
    }
  }
}

TEST_CASE("ASE reads ioncycle's POSCAR files", "[unit][io][poscar][ase]") {
  const Frame frame = interleaved_frame();
  const std::string dir = ioncycle::testing::temp_dir("poscar-ase");
  const std::string poscar = dir + "/POSCAR";
  const std::string dump = dir + "/ase.txt";
  {
    std::ofstream out(poscar);
    ioncycle::io::write_poscar(out, frame);
  }
  using ioncycle::testing::shell_quote;
  const auto run =
      ioncycle::testing::run_ase_helper("read vasp " + shell_quote(poscar) + " " + shell_quote(dump));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const auto ase = ioncycle::testing::read_ase_dump(dump);
  const System& s = frame.system;
  CHECK((ase.cell - s.cell().matrix()).cwiseAbs().maxCoeff() < 1e-8);
  REQUIRE(ase.atoms.size() == s.num_atoms());
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    INFO("atom " << i);
    CHECK(ase.atoms[i].symbol == std::string(ioncycle::core::symbol(s.atomic_numbers()[i])));
    CHECK((ase.atoms[i].position - s.positions()[i]).norm() < 1e-8);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("ioncycle reads ASE's POSCAR files", "[unit][io][poscar][ase]") {
  const auto [flags, label] = GENERATE(table<std::string, std::string>({
      {"", "cartesian"},
      {"--direct", "direct"},
      {"--sort", "cartesian, sorted"},
      {"--direct --sort", "direct, sorted"},
  }));
  INFO("ASE writes " << label);
  const std::string dir = ioncycle::testing::temp_dir("poscar-ase");
  const std::string poscar = dir + "/POSCAR";
  const std::string dump = dir + "/ase.txt";
  using ioncycle::testing::shell_quote;
  const auto run = ioncycle::testing::run_ase_helper("write-poscar " + shell_quote(poscar) + " " +
                                                     shell_quote(dump) + " " + flags);
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const auto ase = ioncycle::testing::read_ase_dump(dump);

  std::ifstream in(poscar);
  const Frame frame = ioncycle::io::read_poscar(in, poscar);
  const System& s = frame.system;
  CHECK((s.cell().matrix() - ase.cell).cwiseAbs().maxCoeff() < 1e-8);
  REQUIRE(s.num_atoms() == ase.atoms.size());
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    INFO("atom " << i);
    CHECK(std::string(ioncycle::core::symbol(s.atomic_numbers()[i])) == ase.atoms[i].symbol);
    CHECK((s.positions()[i] - ase.atoms[i].position).norm() < 1e-8);
  }
  if (flags.find("--sort") == std::string::npos) {
    // The structure the helper built, in its order: Li C C O Li C Co O.
    std::vector<std::string> symbols;
    for (const int z : s.atomic_numbers()) symbols.emplace_back(ioncycle::core::symbol(z));
    CHECK(symbols == std::vector<std::string>{"Li", "C", "C", "O", "Li", "C", "Co", "O"});
  }
  std::filesystem::remove_all(dir);
}
