// SPDX-License-Identifier: MIT
//
// Extended XYZ: round trips (one frame with everything a Frame holds; frames whose atom count
// changes), hand-written files read the way ASE reads them (quoting, booleans, Fortran-ordered
// stress, momenta, Z column, defaults), every malformed file in tests/data/bad_structures/
// (bad_*.extxyz) reported with file:line:column, writer-side errors, and a cross-check against
// the venv's ASE in both directions (tests/python/ase_extxyz_helper.py).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/cell.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"
#include "io/extxyz.hpp"
#include "io/frame.hpp"
#include "io/structure_io.hpp"
#include "testing.hpp"

using ioncycle::InputError;
using ioncycle::core::AtomId;
using ioncycle::core::AtomSpec;
using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::io::ExtraArray;
using ioncycle::io::Frame;
using ioncycle::io::InfoValue;
using ioncycle::io::read_extxyz;
using ioncycle::io::write_extxyz;

namespace {

// ASE's time unit, Å·sqrt(amu/eV), in fs: 1 / ase.units.fs as printed by ASE 3.29 (CODATA 2014).
constexpr double kAseTimeUnitFs = 10.180505671156725;

std::vector<Frame> read_text(const std::string& text, const std::string& name = "test.extxyz") {
  std::istringstream in(text);
  return read_extxyz(in, name);
}

std::string write_text(const std::vector<Frame>& frames) {
  std::ostringstream out;
  write_extxyz(out, frames);
  return out.str();
}

AtomSpec atom(int z, Vec3 position, Vec3 velocity = Vec3::Zero(), std::optional<AtomId> id = std::nullopt) {
  AtomSpec a;
  a.z = z;
  a.position = position;
  a.velocity = velocity;
  a.id = id;
  return a;
}

Mat3 triclinic() {
  Mat3 h;
  h << 5.123456789012345, 0.0, 0.0,     //
      1.7000000000000002, 4.6, 0.0,    //
      0.9, -1.3333333333333333, 11.2;  //
  return h;
}

// A frame with every kind of content: triclinic mixed-pbc cell, ids with gaps (atoms removed),
// velocities, forces, one non-standard mass, info of every type, extra arrays of every type.
Frame full_frame() {
  Frame f;
  f.system = System(Cell(triclinic(), {true, false, true}));
  ioncycle::core::Rng rng(7);
  std::vector<AtomSpec> atoms;
  const int zs[] = {3, 6, 6, 6, 8, 27, 3};
  for (int i = 0; i < 7; ++i) {
    Vec3 r(rng.uniform() * 5.0, rng.uniform() * 4.0 - 2.0, rng.uniform() * 11.0);
    Vec3 v(rng.normal() * 0.01, rng.normal() * 0.01, rng.normal() * 0.01);
    atoms.push_back(atom(zs[i], r, v, AtomId{10 + 3 * i}));
  }
  atoms[1].position = Vec3(1.0 / 3.0, -1e-12, 1e15);  // awkward values
  atoms[6].mass = 7.016;                              // Li-7
  (void)f.system.insert_atoms(atoms);
  auto forces = f.system.forces();
  for (std::size_t i = 0; i < forces.size(); ++i) forces[i] = Vec3(rng.normal(), rng.normal(), -1.0 * static_cast<double>(i));
  f.has_velocities = true;
  f.has_forces = true;
  f.info["energy"] = -123.456789012345;
  f.info["whole_real"] = -5.0;
  f.info["step"] = std::int64_t{1200};
  f.info["converged"] = true;
  f.info["label"] = std::string("lithiated \"AB\" graphite = nice\\ok");
  f.info["weights"] = std::vector<double>{0.25, 1.0, -3e-9};
  f.info["layers"] = std::vector<std::int64_t>{1, -2, 3};
  f.info["mask"] = std::vector<bool>{true, false, true};
  f.info["names"] = std::vector<std::string>{"host", "ion \"Li\"", "a,b"};
  // Not symmetric, so an ordering mistake (row- vs column-major) shows.
  f.info["stress"] = std::vector<double>{1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.5};
  ExtraArray tags{ExtraArray::Type::integer, 1, {"0", "1", "2", "3", "4", "5", "-6"}};
  ExtraArray fixed{ExtraArray::Type::logical, 3, {}};
  ExtraArray charges{ExtraArray::Type::real, 1, {"0.5", "-1.25", "0", "1e-3", "2", "3", "4"}};
  ExtraArray names{ExtraArray::Type::string, 1, {"a", "b", "c", "d", "e", "f", "g"}};
  for (int i = 0; i < 21; ++i) fixed.values.push_back(i % 4 == 0 ? "T" : "F");
  f.arrays["tags"] = tags;
  f.arrays["fixed"] = fixed;
  f.arrays["initial_charges"] = charges;
  f.arrays["site"] = names;
  return f;
}

void require_same_frame(const Frame& a, const Frame& b, double position_tol = 1e-10) {
  const System& s = a.system;
  const System& t = b.system;
  REQUIRE(s.num_atoms() == t.num_atoms());
  CHECK(s.cell().pbc() == t.cell().pbc());
  CHECK((s.cell().matrix() - t.cell().matrix()).cwiseAbs().maxCoeff() <= 1e-12);
  CHECK(a.has_velocities == b.has_velocities);
  CHECK(a.has_forces == b.has_forces);
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    INFO("atom " << i);
    CHECK(s.atomic_numbers()[i] == t.atomic_numbers()[i]);
    CHECK(s.ids()[i] == t.ids()[i]);
    CHECK((s.positions()[i] - t.positions()[i]).norm() <= position_tol);
    CHECK(s.masses()[i] == Approx(t.masses()[i]).epsilon(1e-14));
    if (a.has_velocities) {
      CHECK((s.velocities()[i] - t.velocities()[i]).norm() <= 1e-14 * (1.0 + s.velocities()[i].norm()));
    }
    if (a.has_forces) CHECK((s.forces()[i] - t.forces()[i]).norm() <= 1e-12);
  }
  CHECK(a.info == b.info);
  REQUIRE(a.arrays.size() == b.arrays.size());
  for (const auto& [name, array] : a.arrays) {
    INFO("array " << name);
    REQUIRE(b.arrays.count(name) == 1);
    const ExtraArray& other = b.arrays.at(name);
    CHECK(array.type == other.type);
    CHECK(array.columns == other.columns);
    CHECK(array.values == other.values);
  }
}

}  // namespace

TEST_CASE("extxyz round trip keeps species, positions, cell, pbc, ids, velocities, forces, info, arrays",
          "[io][extxyz]") {
  const Frame original = full_frame();
  const std::string text = write_text({original});
  const auto frames = read_text(text);
  REQUIRE(frames.size() == 1);
  require_same_frame(original, frames[0]);
  // Shortest round-trip formatting: not just close, identical.
  for (std::size_t i = 0; i < original.system.num_atoms(); ++i) {
    CHECK(frames[0].system.positions()[i] == original.system.positions()[i]);
  }
  CHECK(frames[0].system.cell().matrix() == original.system.cell().matrix());
  // A whole-number real stays a real (written "-5.0", not "-5").
  REQUIRE(std::holds_alternative<double>(frames[0].info.at("whole_real")));
  // Writing what was read and reading it again changes nothing (velocities go through momenta,
  // m v -> v, so they agree to rounding, not bit for bit).
  require_same_frame(frames[0], read_text(write_text(frames))[0]);
}

TEST_CASE("extxyz header names the columns, pbc and lattice as ASE expects", "[io][extxyz]") {
  const std::string text = write_text({full_frame()});
  std::istringstream lines(text);
  std::string count, header;
  std::getline(lines, count);
  std::getline(lines, header);
  CHECK(count == "7");
  CHECK(header.rfind("Lattice=\"5.123456789012345 0.0 0.0 1.7000000000000002 4.6 0.0 0.9 -1.3333333333333333 11.2\" ", 0) == 0);
  CHECK(header.find(" Properties=species:S:1:pos:R:3:masses:R:1:momenta:R:3:forces:R:3:id:I:1:fixed:L:3:"
                    "initial_charges:R:1:site:S:1:tags:I:1 ") != std::string::npos);
  CHECK(header.find(" pbc=\"T F T\"") != std::string::npos);
  // stress in Fortran order: columns of the row-major matrix 1..9.5.
  CHECK(header.find(" stress=\"1.0 4.0 7.0 2.0 5.0 8.0 3.0 6.0 9.5\"") != std::string::npos);

  // Without velocities, forces or custom masses only the required columns; no Lattice for a
  // cluster in vacuum.
  Frame plain;
  (void)plain.system.add_atom(atom(6, Vec3(0, 0, 0)));
  (void)plain.system.add_atom(atom(1, Vec3(1.09, 0, 0)));
  const std::string plain_text = write_text({plain});
  CHECK(plain_text.rfind("2\nProperties=species:S:1:pos:R:3:id:I:1 pbc=\"F F F\"\n", 0) == 0);
  const auto back = read_text(plain_text);
  require_same_frame(plain, back[0]);
}

TEST_CASE("extxyz multi-frame files may change atom count and ids between frames", "[io][extxyz]") {
  std::vector<Frame> frames(3);
  // Frame 0: graphite-like host of 4 C; frame 1: a Li inserted (id 4); frame 2: a C removed.
  Mat3 h = Mat3::Zero();
  h.diagonal() << 2.46, 4.26, 6.7;
  frames[0].system = System(Cell(h));
  for (int i = 0; i < 4; ++i) (void)frames[0].system.add_atom(atom(6, Vec3(0.1 * i, 1.1 * i, 3.35 * (i % 2))));
  frames[1].system = frames[0].system;
  (void)frames[1].system.add_atom(atom(3, Vec3(1.2, 2.1, 1.675)));
  frames[1].info["soc"] = 0.25;
  frames[2].system = frames[1].system;
  const AtomId removed[] = {1};
  frames[2].system.remove_atoms(removed);
  h(2, 2) = 7.1;  // galleries expand
  frames[2].system.set_cell(Cell(h, {true, true, false}));
  frames[2].info["soc"] = 0.5;

  const auto back = read_text(write_text(frames));
  REQUIRE(back.size() == 3);
  CHECK(back[0].system.num_atoms() == 4);
  CHECK(back[1].system.num_atoms() == 5);
  CHECK(back[2].system.num_atoms() == 4);
  const std::vector<AtomId> ids2(back[2].system.ids().begin(), back[2].system.ids().end());
  CHECK(ids2 == std::vector<AtomId>{0, 2, 3, 4});
  for (std::size_t k = 0; k < 3; ++k) require_same_frame(frames[k], back[k]);
}

TEST_CASE("extxyz reads comment lines the way ASE does", "[io][extxyz]") {
  // Quotes of every kind, escapes, spaces around '=', a bare key, boolean words, numbers.
  const std::string text =
      "2\n"
      "Lattice=\"4 0 0 0 5 0 0 0 6\" Properties=species:S:1:pos:R:3 "
      "name='two words' braces={1 2 3} brackets=[1.5,2] quote=\"say \\\"hi\\\"\" "
      "spaced = 7 bare flags=\"T F True false\" yes=TRUE real=1e3 nan_value=nan word=hello\n"
      "C 0 0 0\n"
      "O 1 0 0\n";
  const auto frames = read_text(text);
  REQUIRE(frames.size() == 1);
  const auto& info = frames[0].info;
  CHECK(std::get<std::string>(info.at("name")) == "two words");
  CHECK(std::get<std::vector<std::int64_t>>(info.at("braces")) == std::vector<std::int64_t>{1, 2, 3});
  CHECK(std::get<std::vector<double>>(info.at("brackets")) == std::vector<double>{1.5, 2.0});
  CHECK(std::get<std::string>(info.at("quote")) == "say \"hi\"");
  CHECK(std::get<std::int64_t>(info.at("spaced")) == 7);
  CHECK(std::get<bool>(info.at("bare")) == true);
  CHECK(std::get<std::vector<bool>>(info.at("flags")) == std::vector<bool>{true, false, true, false});
  CHECK(std::get<bool>(info.at("yes")) == true);
  CHECK(std::get<double>(info.at("real")) == 1000.0);
  CHECK(std::isnan(std::get<double>(info.at("nan_value"))));
  CHECK(std::get<std::string>(info.at("word")) == "hello");
  CHECK(info.count("Lattice") == 0);
  CHECK(info.count("Properties") == 0);
  CHECK(info.count("pbc") == 0);
  // Lattice without pbc: periodic on all axes (ASE's default).
  CHECK(frames[0].system.cell().pbc() == std::array<bool, 3>{true, true, true});
  CHECK(frames[0].system.cell().matrix().diagonal() == Vec3(4, 5, 6));
  CHECK_FALSE(frames[0].has_velocities);
  CHECK_FALSE(frames[0].has_forces);
}

TEST_CASE("extxyz reads plain xyz, Z columns, masses, momenta and stress as ASE defines them", "[io][extxyz]") {
  SECTION("plain xyz: default columns, no cell, ids 0..N-1, species capitalized as ASE does") {
    const auto frames = read_text("3\nwater molecule\nO 0 0 0.1173\nh 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n");
    const System& s = frames[0].system;
    REQUIRE(s.num_atoms() == 3);
    CHECK(s.atomic_numbers()[1] == 1);
    CHECK(std::vector<AtomId>(s.ids().begin(), s.ids().end()) == std::vector<AtomId>{0, 1, 2});
    CHECK_FALSE(s.cell().any_periodic());
    CHECK(s.positions()[1].y() == 0.7572);
    // The words of a free-text comment become flags, as in ASE.
    CHECK(std::get<bool>(frames[0].info.at("water")));
  }
  SECTION("Z instead of species, explicit masses, momenta in ASE units") {
    // p = m v with v in Å per ASE time unit; velocity in Å/fs = p / m / 10.1805 fs.
    const auto frames = read_text(
        "2\nProperties=Z:I:1:pos:R:3:masses:R:1:momenta:R:3 pbc=\"F F F\"\n"
        "3 0 0 0 7.016 0.7016 0 -7.016\n"
        "6 1 2 3 12.011 0 0 0\n");
    const System& s = frames[0].system;
    CHECK(s.atomic_numbers()[0] == 3);
    CHECK(s.masses()[0] == 7.016);
    CHECK(frames[0].has_velocities);
    CHECK(s.velocities()[0].x() == Approx(0.1 / kAseTimeUnitFs).epsilon(1e-15));
    CHECK(s.velocities()[0].z() == Approx(-1.0 / kAseTimeUnitFs).epsilon(1e-15));
    CHECK(s.velocities()[1].norm() == 0.0);
  }
  SECTION("momenta without masses use the standard atomic weights") {
    const auto frames = read_text("1\nProperties=species:S:1:pos:R:3:momenta:R:3\nLi 0 0 0 6.94 0 0\n");
    CHECK(frames[0].system.velocities()[0].x() == Approx(1.0 / kAseTimeUnitFs).epsilon(1e-15));
  }
  SECTION("stress is Fortran-ordered (ASE), Voigt stress is expanded, forces go into the System") {
    const auto frames = read_text(
        "1\nProperties=species:S:1:pos:R:3:forces:R:3 stress=\"1 2 3 4 5 6 7 8 9\" virial=\"1 2 3 4 5 6\" energy=-3\n"
        "Li 0 0 0 0.5 -0.25 1e-3\n");
    const auto& info = frames[0].info;
    CHECK(std::get<std::vector<double>>(info.at("stress")) ==
          std::vector<double>{1, 4, 7, 2, 5, 8, 3, 6, 9});
    // Voigt xx yy zz yz xz xy.
    CHECK(std::get<std::vector<double>>(info.at("virial")) ==
          std::vector<double>{1, 6, 5, 6, 2, 4, 5, 4, 3});
    CHECK(std::get<std::int64_t>(info.at("energy")) == -3);
    CHECK(frames[0].has_forces);
    CHECK(frames[0].system.forces()[0] == Vec3(0.5, -0.25, 1e-3));
  }
  SECTION("unknown columns are kept verbatim, velocity-like columns included") {
    const auto frames = read_text(
        "2\nProperties=species:S:1:pos:R:3:vel:R:3:move_mask:L:1:tags:I:1\n"
        "C 0 0 0 1.0 2.0 3.0 T 5\nC 1 0 0 -1 -2 -3 False 6\n");
    const auto& arrays = frames[0].arrays;
    REQUIRE(arrays.size() == 3);
    CHECK(arrays.at("vel").type == ExtraArray::Type::real);
    CHECK(arrays.at("vel").columns == 3);
    CHECK(arrays.at("vel").values == std::vector<std::string>{"1.0", "2.0", "3.0", "-1", "-2", "-3"});
    CHECK(arrays.at("move_mask").values == std::vector<std::string>{"T", "False"});
    CHECK(arrays.at("tags").type == ExtraArray::Type::integer);
    CHECK_FALSE(frames[0].has_velocities);
  }
  SECTION("zero-atom frames, CRLF line ends and trailing blank lines are fine") {
    const auto frames = read_text("0\r\nProperties=species:S:1:pos:R:3\r\n1\r\nProperties=species:S:1:pos:R:3\r\nC 0 0 0\r\n\r\n\n");
    REQUIRE(frames.size() == 2);
    CHECK(frames[0].system.num_atoms() == 0);
    CHECK(frames[1].system.num_atoms() == 1);
  }
}

namespace {

struct BadFile {
  const char* name;
  const char* location;  // "line:col" or "line" as it appears after the file name
  const char* message;   // a fragment of the message
};

// Each file in tests/data/bad_structures/bad_*.extxyz with where the error must point and what
// it must say. Columns were counted by hand from the file contents.
const BadFile kBadFiles[] = {
    {"bad_empty.extxyz", "1", "empty"},
    {"bad_count_not_integer.extxyz", "1:1", "expected the number of atoms, got 'two'"},
    {"bad_count_negative.extxyz", "1:1", "number of atoms is negative"},
    {"bad_missing_comment.extxyz", "1", "ends after the atom count"},
    {"bad_truncated_frame.extxyz", "1:1", "declares 4 atoms but the file ends after 2 atom lines"},
    {"bad_count_too_large.extxyz", "5:2", "atom line has 1 column, expected 4"},
    {"bad_too_many_columns.extxyz", "4:15", "atom line has 5 columns, expected 4"},
    {"bad_too_few_columns.extxyz", "3:10", "atom line has 3 columns, expected 4"},
    {"bad_non_numeric_coordinate.extxyz", "4:7", "'abc' is not a number"},
    {"bad_nan_coordinate.extxyz", "3:7", "pos component 2 is not finite"},
    {"bad_inf_in_second_frame.extxyz", "7:11", "pos component 3 is not finite"},
    {"bad_unknown_element.extxyz", "4:1", "unknown element symbol 'Qx'"},
    {"bad_lattice_eight_values.extxyz", "2:9", "Lattice needs 9 numbers, got 8"},
    {"bad_lattice_not_numeric.extxyz", "2:26", "Lattice value 'x'"},
    {"bad_lattice_singular.extxyz", "2:1", "singular"},
    {"bad_pbc_without_lattice.extxyz", "2:32", "no Lattice"},
    {"bad_pbc_value.extxyz", "2:67", "pbc value 'X'"},
    {"bad_properties_type.extxyz", "2:28", "unknown property type 'X'"},
    {"bad_properties_column_count.extxyz", "2:30", "bad column count 'three'"},
    {"bad_properties_incomplete.extxyz", "2:12", "name:type:columns triples"},
    {"bad_properties_no_pos.extxyz", "2:12", "no 'pos' column"},
    {"bad_properties_pos_shape.extxyz", "2:24", "'pos' must be pos:R:3"},
    {"bad_unterminated_quote.extxyz", "2:68", "unterminated quote"},
    {"bad_duplicate_key.extxyz", "2:44", "key 'energy' appears twice"},
    {"bad_duplicate_id.extxyz", "5:15", "atom id 4 is used twice in this frame (first on line 3)"},
    {"bad_negative_id.extxyz", "4:15", "atom id -3 is negative"},
    {"bad_noninteger_id.extxyz", "4:15", "atom id '1.5' is not an integer"},
    {"bad_logical_column.extxyz", "3:15", "'yes' in column 'fixed' is not T or F"},
    {"bad_blank_line_between_frames.extxyz", "4", "blank line"},
    {"bad_stress_shape.extxyz", "2:39", "'stress' needs 9 numbers"},
};

}  // namespace

TEST_CASE("every malformed extxyz file is an InputError at the right line and column", "[io][extxyz][errors]") {
  for (const auto& bad : kBadFiles) {
    const std::string path = ioncycle::testing::data_path(std::string("bad_structures/") + bad.name);
    INFO(path);
    REQUIRE(std::filesystem::exists(path));
    std::ifstream in(path, std::ios::binary);
    std::string what;
    try {
      (void)read_extxyz(in, path);
      FAIL("no error for " << bad.name);
    } catch (const InputError& e) {
      what = e.what();
      CHECK_FALSE(e.hint().empty());
    }
    INFO(what);
    // "path:line:col: error: ..." exactly, so a wrong column is caught too.
    CHECK(what.rfind(path + ":" + bad.location + ": error: ", 0) == 0);
    CHECK(what.find(bad.message) != std::string::npos);
    // The dispatching reader reports the same.
    CHECK_THROWS_WITH(ioncycle::io::read_frames(path), Catch::Contains(path + ":" + bad.location + ": "));
  }
}

TEST_CASE("every bad_*.extxyz fixture is listed in the error table", "[io][extxyz][errors]") {
  std::vector<std::string> listed;
  for (const auto& bad : kBadFiles) listed.emplace_back(bad.name);
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(ioncycle::testing::data_path("bad_structures"))) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("bad_", 0) != 0 || entry.path().extension() != ".extxyz") continue;
    INFO(name);
    CHECK(std::find(listed.begin(), listed.end(), name) != listed.end());
    ++count;
  }
  CHECK(count == static_cast<int>(std::size(kBadFiles)));
  CHECK(count >= 15);
}

TEST_CASE("truncated or corrupted files give frames or an InputError, nothing else", "[io][extxyz][errors]") {
  std::vector<Frame> frames{full_frame(), full_frame()};
  (void)frames[1].system.add_atom(atom(3, Vec3(1, 2, 3), Vec3::Zero(), AtomId{100}));
  for (auto& [name, array] : frames[1].arrays) {
    for (int c = 0; c < array.columns; ++c) array.values.push_back(array.type == ExtraArray::Type::logical ? "T" : "1");
  }
  const std::string text = write_text(frames);
  auto outcome = [](const std::string& corrupted) {
    try {
      (void)read_text(corrupted);
      return 0;
    } catch (const InputError& e) {
      // Every error points into the file.
      return e.where().line >= 1 ? 1 : 2;
    } catch (...) {
      return 3;
    }
  };
  int errors = 0;
  for (std::size_t cut = 0; cut < text.size(); ++cut) {
    const int r = outcome(text.substr(0, cut));
    INFO("cut at " << cut);
    REQUIRE((r == 0 || r == 1));
    errors += r;
  }
  CHECK(errors > 0);
  // Replace single characters by ones that matter to the parser.
  const std::string nasty = " \t\n\"'{}[]=:,\\-.0123456789eETFxX";
  ioncycle::core::Rng rng(3);
  for (int trial = 0; trial < 3000; ++trial) {
    std::string corrupted = text;
    const int edits = 1 + static_cast<int>(rng.uniform() * 3.0);
    for (int e = 0; e < edits; ++e) {
      const auto at = static_cast<std::size_t>(rng.uniform() * static_cast<double>(corrupted.size()));
      corrupted[at] = nasty[static_cast<std::size_t>(rng.uniform() * static_cast<double>(nasty.size()))];
    }
    INFO(corrupted);
    const int r = outcome(corrupted);
    REQUIRE((r == 0 || r == 1));
  }
}

TEST_CASE("the unknown-element error suggests the nearest element", "[io][extxyz][errors]") {
  CHECK_THROWS_WITH(read_text("1\nProperties=species:S:1:pos:R:3\nCx 0 0 0\n"),
                    Catch::Contains("test.extxyz:3:1: error: unknown element symbol 'Cx'"));
  // Case is fixed the way ASE fixes it, so this one is accepted.
  CHECK(read_text("1\nProperties=species:S:1:pos:R:3\nCO 0 0 0\n")[0].system.atomic_numbers()[0] == 27);
}

TEST_CASE("extxyz writer rejects frames it cannot represent", "[io][extxyz][errors]") {
  SECTION("an extra array of the wrong length") {
    Frame f = full_frame();
    f.arrays["tags"].values.pop_back();
    CHECK_THROWS_AS(write_text({f}), InputError);
  }
  SECTION("an extra array named like a built-in column") {
    Frame f = full_frame();
    f.arrays["pos"] = ExtraArray{ExtraArray::Type::real, 1, std::vector<std::string>(7, "1.0")};
    CHECK_THROWS_WITH(write_text({f}), Catch::Contains("'pos'"));
  }
  SECTION("a string value with spaces in a column") {
    Frame f = full_frame();
    f.arrays["site"].values[2] = "two words";
    CHECK_THROWS_AS(write_text({f}), InputError);
  }
  SECTION("a reserved info key") {
    Frame f = full_frame();
    f.info["pbc"] = true;
    CHECK_THROWS_WITH(write_text({f}), Catch::Contains("reserved"));
  }
  SECTION("a stress that is not a 3x3 matrix") {
    Frame f = full_frame();
    f.info["stress"] = std::vector<double>{1.0, 2.0};
    CHECK_THROWS_AS(write_text({f}), InputError);
  }
}

// ------------------------------------------------------------------------------------------
// Cross-check with ASE (the venv's ase.io.read / ase.io.write).

namespace {

using Record = std::map<std::string, std::vector<std::string>>;

// Parse the helper's "key values..." lines into one record per frame.
std::vector<Record> parse_helper_output(const std::string& output) {
  std::vector<Record> frames;
  std::istringstream in(output);
  std::string line;
  Record current;
  bool open = false;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    if (key == "frame") {
      current.clear();
      open = true;
      continue;
    }
    if (key == "end") {
      frames.push_back(current);
      open = false;
      continue;
    }
    if (!open) continue;
    if (key.rfind("info_", 0) == 0) {
      std::string name;
      words >> name;
      key += ":" + name;
    }
    std::vector<std::string> values;
    if (key.rfind("info_string:", 0) == 0) {
      std::string rest;
      std::getline(words, rest);
      values.push_back(rest.empty() ? rest : rest.substr(1));
    } else {
      for (std::string w; words >> w;) values.push_back(w);
    }
    current[key] = values;
  }
  return frames;
}

std::vector<double> numbers(const Record& r, const std::string& key) {
  std::vector<double> v;
  for (const auto& s : r.at(key)) v.push_back(std::stod(s));
  return v;
}

std::string helper_script() {
  return std::string(IONCYCLE_SOURCE_DIR) + "/tests/python/ase_extxyz_helper.py";
}

ioncycle::testing::CommandResult run_helper(const std::string& mode, const std::string& path) {
  using ioncycle::testing::shell_quote;
  return ioncycle::testing::run_command(shell_quote(ioncycle::testing::python()) + " " +
                                        shell_quote(helper_script()) + " " + mode + " " + shell_quote(path));
}

}  // namespace

TEST_CASE("ASE reads what ioncycle writes: cell, pbc, positions, velocities, ids, forces, stress",
          "[io][extxyz][ase][crosscheck]") {
  // Frame 0: the full frame (triclinic, pbc T F T, velocities, custom mass, ids with gaps).
  // Frame 1: fewer atoms, fully periodic, no velocities. Frame 2: a cluster without a cell.
  std::vector<Frame> frames;
  frames.push_back(full_frame());
  frames[0].system.positions()[1] = Vec3(1.0 / 3.0, -1e-12, 7.25);  // keep ASE's printout sane
  Frame second;
  Mat3 h;
  h << 2.84, 0.1, 0.0, -1.42, 2.46, 0.0, 0.3, 0.2, 14.1;
  second.system = System(Cell(h));
  (void)second.system.add_atom(atom(28, Vec3(0.1, 0.2, 0.3), Vec3::Zero(), AtomId{5}));
  (void)second.system.add_atom(atom(8, Vec3(1.4, 0.8, 1.2), Vec3::Zero(), AtomId{2}));
  second.info["energy"] = -7.5;
  frames.push_back(second);
  Frame third;
  (void)third.system.add_atom(atom(1, Vec3(0.0, 0.0, 0.0), Vec3(0.01, 0.0, -0.02)));
  (void)third.system.add_atom(atom(1, Vec3(0.74, 0.0, 0.0), Vec3(-0.01, 0.0, 0.02)));
  third.has_velocities = true;
  frames.push_back(third);

  const std::string dir = ioncycle::testing::temp_dir("extxyz-to-ase");
  const std::string path = dir + "/ioncycle.extxyz";
  ioncycle::io::write_frames(path, frames);
  const auto result = run_helper("read", path);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto ase = parse_helper_output(result.output);
  REQUIRE(ase.size() == frames.size());

  for (std::size_t k = 0; k < frames.size(); ++k) {
    INFO("frame " << k);
    const System& s = frames[k].system;
    const Record& r = ase[k];
    REQUIRE(std::stoul(r.at("natoms")[0]) == s.num_atoms());
    const auto cell = numbers(r, "cell");
    for (int i = 0; i < 9; ++i) CHECK(std::abs(cell[static_cast<std::size_t>(i)] - s.cell().matrix()(i / 3, i % 3)) <= 1e-12);
    for (int a = 0; a < 3; ++a) CHECK((r.at("pbc")[static_cast<std::size_t>(a)] == "1") == s.cell().pbc()[static_cast<std::size_t>(a)]);
    const auto pos = numbers(r, "positions");
    const auto masses = numbers(r, "masses");
    const auto ids = r.at("ids");
    for (std::size_t i = 0; i < s.num_atoms(); ++i) {
      CHECK(r.at("symbols")[i] == std::string(ioncycle::core::symbol(s.atomic_numbers()[i])));
      for (std::size_t c = 0; c < 3; ++c) CHECK(std::abs(pos[3 * i + c] - s.positions()[i][static_cast<Eigen::Index>(c)]) <= 1e-8);
      CHECK(masses[i] == Approx(s.masses()[i]).epsilon(1e-14));
      CHECK(std::stoll(ids[i]) == s.ids()[i]);
    }
    if (frames[k].has_velocities) {
      const auto vel = numbers(r, "velocities");
      for (std::size_t i = 0; i < s.num_atoms(); ++i) {
        for (std::size_t c = 0; c < 3; ++c) {
          CHECK(std::abs(vel[3 * i + c] - s.velocities()[i][static_cast<Eigen::Index>(c)]) <= 1e-12);
        }
      }
    } else {
      CHECK(r.count("velocities") == 0);
    }
    if (frames[k].has_forces) {
      const auto f = numbers(r, "forces");
      for (std::size_t i = 0; i < s.num_atoms(); ++i) {
        for (std::size_t c = 0; c < 3; ++c) CHECK(std::abs(f[3 * i + c] - s.forces()[i][static_cast<Eigen::Index>(c)]) <= 1e-12);
      }
    }
  }
  // Info read by ASE: energy into its calculator, stress as Voigt (xx yy zz yz xz xy) taken from
  // our row-major 3x3 [1 2 3; 4 5 6; 7 8 9.5], and typed info values.
  CHECK(numbers(ase[0], "energy")[0] == -123.456789012345);
  CHECK(numbers(ase[0], "stress") == std::vector<double>{1.0, 5.0, 9.5, 6.0, 3.0, 2.0});
  CHECK(ase[0].at("info_int:step") == std::vector<std::string>{"1200"});
  CHECK(ase[0].at("info_bool:converged") == std::vector<std::string>{"1"});
  CHECK(ase[0].at("info_string:label") == std::vector<std::string>{"lithiated \"AB\" graphite = nice\\ok"});
  CHECK(numbers(ase[0], "info_reals:weights") == std::vector<double>{0.25, 1.0, -3e-9});
  CHECK(ase[0].at("info_ints:layers") == std::vector<std::string>{"1", "-2", "3"});
  CHECK(ase[0].at("info_real:whole_real") == std::vector<std::string>{"-5.0"});
  CHECK(numbers(ase[1], "energy")[0] == -7.5);
  std::filesystem::remove_all(dir);
}

TEST_CASE("ioncycle reads what ASE writes: triclinic cell, momenta, changing atom count, calculator results",
          "[io][extxyz][ase][crosscheck]") {
  const std::string dir = ioncycle::testing::temp_dir("ase-to-extxyz");
  const auto result = run_helper("write", dir);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const auto expected = parse_helper_output(result.output);
  // triclinic.extxyz (1 frame) then multi.extxyz (3 frames: 3, 4, 2 atoms).
  REQUIRE(expected.size() == 4);

  std::vector<Frame> frames = ioncycle::io::read_frames(dir + "/triclinic.extxyz");
  const auto multi = ioncycle::io::read_frames(dir + "/multi.extxyz");
  REQUIRE(frames.size() == 1);
  REQUIRE(multi.size() == 3);
  frames.insert(frames.end(), multi.begin(), multi.end());

  for (std::size_t k = 0; k < frames.size(); ++k) {
    INFO("frame " << k);
    const Record& r = expected[k];
    const System& s = frames[k].system;
    REQUIRE(s.num_atoms() == std::stoul(r.at("natoms")[0]));
    const auto cell = numbers(r, "cell");
    for (int i = 0; i < 9; ++i) CHECK(std::abs(cell[static_cast<std::size_t>(i)] - s.cell().matrix()(i / 3, i % 3)) <= 1e-12);
    for (int a = 0; a < 3; ++a) CHECK((r.at("pbc")[static_cast<std::size_t>(a)] == "1") == s.cell().pbc()[static_cast<std::size_t>(a)]);
    const auto pos = numbers(r, "positions");
    const auto masses = numbers(r, "masses");
    const auto vel = numbers(r, "velocities");
    CHECK(frames[k].has_velocities);
    for (std::size_t i = 0; i < s.num_atoms(); ++i) {
      CHECK(r.at("symbols")[i] == std::string(ioncycle::core::symbol(s.atomic_numbers()[i])));
      CHECK(s.ids()[i] == static_cast<AtomId>(i));  // no id column: 0..N-1
      CHECK(masses[i] == Approx(s.masses()[i]).epsilon(1e-14));
      for (std::size_t c = 0; c < 3; ++c) {
        const auto e = static_cast<Eigen::Index>(c);
        CHECK(std::abs(pos[3 * i + c] - s.positions()[i][e]) <= 1e-8);
        CHECK(std::abs(vel[3 * i + c] - s.velocities()[i][e]) <= 1e-12);
      }
    }
    if (k == 0) continue;
    // Calculator results of the multi-frame file.
    CHECK(frames[k].has_forces);
    const auto f = numbers(r, "forces");
    for (std::size_t i = 0; i < s.num_atoms(); ++i) {
      for (std::size_t c = 0; c < 3; ++c) CHECK(std::abs(f[3 * i + c] - s.forces()[i][static_cast<Eigen::Index>(c)]) <= 1e-12);
    }
    CHECK(std::get<double>(frames[k].info.at("energy")) == numbers(r, "energy")[0]);
    const auto voigt = numbers(r, "stress");
    const auto m = std::get<std::vector<double>>(frames[k].info.at("stress"));
    const std::vector<double> ours{m[0], m[4], m[8], m[5], m[2], m[1]};
    for (std::size_t c = 0; c < 6; ++c) CHECK(std::abs(ours[c] - voigt[c]) <= 1e-15);
  }

  // Info of several types written by ASE (including a list of strings, which ASE writes as JSON).
  const auto& info = frames[0].info;
  CHECK(std::get<std::int64_t>(info.at("step")) == std::stoll(expected[0].at("info_int:step")[0]));
  CHECK(std::get<double>(info.at("temperature")) == std::stod(expected[0].at("info_real:temperature")[0]));
  CHECK(std::get<bool>(info.at("converged")) == (expected[0].at("info_bool:converged")[0] == "1"));
  CHECK(std::get<std::string>(info.at("label")) == expected[0].at("info_string:label")[0]);
  CHECK(std::get<std::vector<double>>(info.at("weights")) == numbers(expected[0], "info_reals:weights"));
  const auto layers = std::get<std::vector<std::int64_t>>(info.at("layers"));
  REQUIRE(layers.size() == expected[0].at("info_ints:layers").size());
  for (std::size_t i = 0; i < layers.size(); ++i) CHECK(layers[i] == std::stoll(expected[0].at("info_ints:layers")[i]));
  CHECK(std::get<std::vector<std::string>>(info.at("tags_list")) == expected[0].at("info_strings:tags_list"));

  // And back: ASE reads ioncycle's rewrite of ASE's files with the same velocities and cells.
  const std::string rewritten = dir + "/rewritten.extxyz";
  ioncycle::io::write_frames(rewritten, frames);
  const auto again = run_helper("read", rewritten);
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  const auto reread = parse_helper_output(again.output);
  REQUIRE(reread.size() == expected.size());
  for (std::size_t k = 0; k < expected.size(); ++k) {
    const auto v0 = numbers(expected[k], "velocities");
    const auto v1 = numbers(reread[k], "velocities");
    REQUIRE(v0.size() == v1.size());
    for (std::size_t i = 0; i < v0.size(); ++i) CHECK(std::abs(v0[i] - v1[i]) <= 1e-12);
    CHECK(numbers(expected[k], "positions") == numbers(reread[k], "positions"));
    CHECK(numbers(expected[k], "cell") == numbers(reread[k], "cell"));
  }
  std::filesystem::remove_all(dir);
}
