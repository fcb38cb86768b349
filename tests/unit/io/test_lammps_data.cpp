// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <sstream>
#include <string>
#include <vector>

#include "ase_dump.hpp"
#include "core/elements.hpp"
#include "io/lammps_data.hpp"
#include "testing.hpp"

namespace {

using ioncycle::core::AtomId;
using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::io::Frame;

// What the test reads back from a data file, by a parser written here from the LAMMPS manual
// (read_data), independent of the writer.
struct DataFile {
  long long num_atoms = -1;
  long long num_types = -1;
  Vec3 lo = Vec3::Zero();
  Vec3 hi = Vec3::Zero();
  bool has_tilt = false;
  double xy = 0.0, xz = 0.0, yz = 0.0;
  std::map<int, std::pair<double, std::string>> masses;  // type -> (mass, comment)
  std::string atoms_header;
  std::map<long long, std::pair<int, Vec3>> atoms;  // id -> (type, position)
  std::map<long long, Vec3> velocities;

  [[nodiscard]] Mat3 box() const {
    Mat3 h;
    h << hi[0] - lo[0], 0.0, 0.0,  //
        xy, hi[1] - lo[1], 0.0,    //
        xz, yz, hi[2] - lo[2];
    return h;
  }
};

DataFile parse_data(const std::string& text) {
  DataFile d;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // the first line is a comment by definition
  std::string section;
  while (std::getline(in, line)) {
    const auto hash = line.find('#');
    const std::string comment = hash == std::string::npos ? "" : line.substr(hash + 1);
    const std::string body = line.substr(0, hash);
    std::istringstream fields(body);
    std::vector<std::string> w;
    for (std::string s; fields >> s;) w.push_back(s);
    if (w.empty()) continue;
    if (w.size() == 1 && (w[0] == "Masses" || w[0] == "Atoms" || w[0] == "Velocities")) {
      section = w[0];
      if (section == "Atoms") d.atoms_header = line;
      continue;
    }
    if (section.empty()) {
      const bool is_bounds = w.size() == 4 && (w[2] == "xlo" || w[2] == "ylo" || w[2] == "zlo");
      if (w.size() == 2 && w[1] == "atoms") {
        d.num_atoms = std::stoll(w[0]);
      } else if (w.size() == 3 && w[1] == "atom" && w[2] == "types") {
        d.num_types = std::stoll(w[0]);
      } else if (is_bounds) {
        const int k = w[2][0] - 'x';
        d.lo[k] = std::stod(w[0]);
        d.hi[k] = std::stod(w[1]);
      } else if (w.size() == 6 && w[3] == "xy") {
        d.has_tilt = true;
        d.xy = std::stod(w[0]);
        d.xz = std::stod(w[1]);
        d.yz = std::stod(w[2]);
      } else {
        FAIL("unexpected header line: " << line);
      }
    } else if (section == "Masses") {
      REQUIRE(w.size() == 2);
      std::istringstream c(comment);
      std::string symbol;
      c >> symbol;
      d.masses[std::stoi(w[0])] = {std::stod(w[1]), symbol};
    } else if (section == "Atoms") {
      REQUIRE(w.size() == 5);  // atomic: id type x y z
      d.atoms[std::stoll(w[0])] = {std::stoi(w[1]), Vec3(std::stod(w[2]), std::stod(w[3]), std::stod(w[4]))};
    } else if (section == "Velocities") {
      REQUIRE(w.size() == 4);
      d.velocities[std::stoll(w[0])] = Vec3(std::stod(w[1]), std::stod(w[2]), std::stod(w[3]));
    }
  }
  return d;
}

std::string write_text(const Frame& frame) {
  std::ostringstream out;
  ioncycle::io::write_lammps_data(out, frame);
  return out.str();
}

Frame make_frame(const Cell& cell, const std::vector<std::pair<int, Vec3>>& atoms) {
  Frame frame;
  frame.system = System(cell);
  int k = 0;
  for (const auto& [z, r] : atoms) {
    ioncycle::core::AtomSpec spec;
    spec.z = z;
    spec.position = r;
    // Distinct, arbitrary velocities (Å/fs) so a mix-up of atoms or components shows.
    spec.velocity = Vec3(0.001 * (k + 1), -0.002 * k, 0.0005 * (k % 3));
    frame.system.add_atom(spec);
    ++k;
  }
  return frame;
}

// Strongly skewed, fully periodic, not aligned with any axis, with species that interleave
// (Li C C O Li C O) and atoms outside the cell.
Frame skewed_frame() {
  Mat3 h;
  h << 5.0, 0.3, -0.2,  //
      7.5, 4.0, 0.5,    //
      -6.0, 3.0, 6.0;
  return make_frame(Cell(h), {{3, {0.0, 0.0, 0.0}},
                              {6, {1.0, 2.0, 3.0}},
                              {6, {12.5, -3.0, 7.5}},
                              {8, {-4.0, 1.0, -2.0}},
                              {3, {2.2, 2.2, 2.2}},
                              {6, {0.3, 5.9, 1.1}},
                              {8, {6.6, 0.1, 4.4}}});
}

// Orthonormal frame (columns) built from a and b: e1 along a, e2 in the ab plane.
Mat3 frame_of(const Vec3& a, const Vec3& b) {
  const Vec3 e1 = a.normalized();
  const Vec3 e2 = (b - b.dot(e1) * e1).normalized();
  Mat3 f;
  f.col(0) = e1;
  f.col(1) = e2;
  f.col(2) = e1.cross(e2);
  return f;
}

bool near_integer(double x, double tol) { return std::abs(x - std::round(x)) <= tol; }

// The written box and atoms are the original structure, rotated: LAMMPS keeps a along x and b
// in the xy plane, so the rotation is fixed by those two vectors. Checks that it is a proper
// rotation, that the box spans the same lattice on periodic axes, and that each atom sits at its
// rotated position up to a lattice translation along periodic axes.
void check_equivalent(const System& original, const Mat3& box, const std::vector<Vec3>& written_positions,
                      double tol) {
  const Mat3 h = original.cell().matrix();
  const auto& pbc = original.cell().pbc();
  const Mat3 rotation = frame_of(box.row(0).transpose(), box.row(1).transpose()) *
                        frame_of(h.row(0).transpose(), h.row(1).transpose()).transpose();
  CHECK((rotation * rotation.transpose() - Mat3::Identity()).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(rotation.determinant() == Approx(1.0).epsilon(1e-12));  // no mirror image
  const Mat3 rotated = h * rotation.transpose();                // rows: rotated a, b, c
  if (pbc[0] && pbc[1] && pbc[2]) {
    CHECK(std::abs(box.determinant()) == Approx(std::abs(h.determinant())).epsilon(1e-12));
    // Same lattice: the box rows are integer combinations of the rotated lattice vectors, and
    // the change of basis is unimodular.
    const Mat3 u = box * rotated.inverse();
    INFO("change of basis\n" << u);
    for (int i = 0; i < 3; ++i) {
      for (int k = 0; k < 3; ++k) CHECK(near_integer(u(i, k), 1e-9));
    }
    CHECK(std::abs(std::abs(u.determinant()) - 1.0) < 1e-9);
  }
  // Each atom: written - rotated original = integer combination of the periodic box vectors.
  // Basis: periodic box rows, and for non-periodic axes the Cartesian axis itself, along which
  // no translation is allowed.
  Mat3 basis = box;
  for (int k = 0; k < 3; ++k) {
    if (!pbc[static_cast<std::size_t>(k)]) basis.row(k) = Mat3::Identity().row(k);
  }
  // In the writer's frame non-periodic axes of a slab point along their Cartesian axis.
  const Mat3 basis_inverse = basis.inverse();
  REQUIRE(written_positions.size() == original.num_atoms());
  for (std::size_t i = 0; i < original.num_atoms(); ++i) {
    INFO("atom " << i);
    const Vec3 d = written_positions[i] - rotation * original.positions()[i];
    const Vec3 n = (d.transpose() * basis_inverse).transpose();
    for (int k = 0; k < 3; ++k) {
      INFO("component " << k << ": " << n[k]);
      if (pbc[static_cast<std::size_t>(k)]) {
        CHECK(near_integer(n[k], tol));
      } else {
        CHECK(std::abs(n[k]) <= tol);
      }
    }
  }
}

// Every atom inside the box (fractional coordinates in [0, 1) up to rounding), at least `margin`
// from the faces of non-periodic axes (along which the box is axis-aligned).
void check_inside(const DataFile& d, const std::array<bool, 3>& pbc, double margin) {
  const Mat3 inverse = d.box().inverse();
  for (const auto& [id, atom] : d.atoms) {
    INFO("atom id " << id);
    const Vec3 s = ((atom.second - d.lo).transpose() * inverse).transpose();
    for (int k = 0; k < 3; ++k) {
      CHECK(s[k] >= -1e-12);
      CHECK(s[k] < 1.0 + 1e-12);
      if (!pbc[static_cast<std::size_t>(k)]) {
        const double length = d.hi[k] - d.lo[k];
        CHECK(s[k] * length >= margin);
        CHECK((1.0 - s[k]) * length >= margin);
      }
    }
  }
}

std::vector<Vec3> positions_by_id(const DataFile& d, const System& s) {
  std::vector<Vec3> out;
  for (const AtomId id : s.ids()) {
    const auto it = d.atoms.find(id + 1);
    REQUIRE(it != d.atoms.end());
    out.push_back(it->second.second);
  }
  return out;
}

void check_file(const Frame& frame, const DataFile& d, double tol) {
  const System& s = frame.system;
  REQUIRE(d.num_atoms == static_cast<long long>(s.num_atoms()));
  CHECK(d.atoms_header.find("Atoms # atomic") == 0);
  // Tilt limits LAMMPS enforces.
  const double lx = d.hi[0] - d.lo[0], ly = d.hi[1] - d.lo[1];
  CHECK(std::abs(d.xy) <= 0.5 * lx * (1.0 + 1e-12));
  CHECK(std::abs(d.xz) <= 0.5 * lx * (1.0 + 1e-12));
  CHECK(std::abs(d.yz) <= 0.5 * ly * (1.0 + 1e-12));
  // Types numbered by first appearance, Masses naming the element.
  std::vector<int> first_seen;
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    const int z = s.atomic_numbers()[i];
    auto it = std::find(first_seen.begin(), first_seen.end(), z);
    const int type = static_cast<int>(it - first_seen.begin()) + 1;
    if (it == first_seen.end()) first_seen.push_back(z);
    CHECK(d.atoms.at(s.ids()[i] + 1).first == type);
  }
  REQUIRE(d.num_types == static_cast<long long>(first_seen.size()));
  for (std::size_t t = 0; t < first_seen.size(); ++t) {
    const auto& [mass, symbol] = d.masses.at(static_cast<int>(t) + 1);
    CHECK(symbol == std::string(ioncycle::core::symbol(first_seen[t])));
    CHECK(mass == ioncycle::core::standard_mass(first_seen[t]));
  }
  check_equivalent(s, d.box(), positions_by_id(d, s), tol);
}

}  // namespace

TEST_CASE("LAMMPS data: a skewed periodic cell becomes an equivalent LAMMPS box", "[unit][io][lammps]") {
  Frame frame = skewed_frame();
  // A gap in the ids: LAMMPS ids are System ids + 1, not positions in the list.
  const std::vector<AtomId> removed = {2};
  frame.system.remove_atoms(removed);
  frame.has_velocities = true;
  const std::string text = write_text(frame);
  INFO(text);
  const DataFile d = parse_data(text);
  CHECK(d.has_tilt);
  check_file(frame, d, 1e-9);
  check_inside(d, frame.system.cell().pbc(), 0.0);

  // Velocities rotated like the positions, Å/fs -> Å/ps.
  const Mat3 h = frame.system.cell().matrix();
  const Mat3 box = d.box();
  const Mat3 rotation = frame_of(box.row(0).transpose(), box.row(1).transpose()) *
                        frame_of(h.row(0).transpose(), h.row(1).transpose()).transpose();
  REQUIRE(d.velocities.size() == frame.system.num_atoms());
  for (std::size_t i = 0; i < frame.system.num_atoms(); ++i) {
    const Vec3 expected = 1000.0 * (rotation * frame.system.velocities()[i]);
    CHECK((d.velocities.at(frame.system.ids()[i] + 1) - expected).norm() < 1e-12);
  }
}

TEST_CASE("LAMMPS data: a left-handed cell is not mirrored", "[unit][io][lammps]") {
  Frame right = skewed_frame();
  Mat3 h = right.system.cell().matrix();
  h.row(0).swap(h.row(1));
  REQUIRE(h.determinant() < 0.0);
  std::vector<std::pair<int, Vec3>> atoms;
  for (std::size_t i = 0; i < right.system.num_atoms(); ++i) {
    atoms.emplace_back(right.system.atomic_numbers()[i], right.system.positions()[i]);
  }
  const Frame frame = make_frame(Cell(h), atoms);
  const DataFile d = parse_data(write_text(frame));
  CHECK(d.hi[2] > d.lo[2]);
  check_file(frame, d, 1e-9);
  check_inside(d, frame.system.cell().pbc(), 0.0);
}

TEST_CASE("LAMMPS data: a rotated orthorhombic cell gives an orthogonal box", "[unit][io][lammps]") {
  // a, b, c of a 3 x 4 x 5 box, rotated by 30 degrees about z and then 20 degrees about x.
  const Mat3 rotation = (Eigen::AngleAxisd(20.0 * std::numbers::pi / 180.0, Vec3::UnitX()) *
                         Eigen::AngleAxisd(30.0 * std::numbers::pi / 180.0, Vec3::UnitZ()))
                            .toRotationMatrix();
  const Mat3 h = Vec3(3.0, 4.0, 5.0).asDiagonal() * rotation.transpose();
  const Frame frame =
      make_frame(Cell(h), {{6, rotation * Vec3(1.0, 1.0, 1.0)}, {3, rotation * Vec3(2.5, 3.9, -0.5)}});
  const DataFile d = parse_data(write_text(frame));
  CHECK_FALSE(d.has_tilt);
  CHECK(d.hi[0] - d.lo[0] == Approx(3.0).epsilon(1e-12));
  CHECK(d.hi[1] - d.lo[1] == Approx(4.0).epsilon(1e-12));
  CHECK(d.hi[2] - d.lo[2] == Approx(5.0).epsilon(1e-12));
  check_file(frame, d, 1e-9);
  check_inside(d, frame.system.cell().pbc(), 0.0);
}

TEST_CASE("LAMMPS data: a slab keeps its periodic lattice and encloses atoms along z", "[unit][io][lammps]") {
  Mat3 h;
  h << 4.26, 0.0, 0.0,    //
      -2.13, 3.689, 0.0,  //
      1.5, -0.7, 6.0;     // c tilted: not allowed to stay tilted along a non-periodic z
  const Frame frame = make_frame(
      Cell(h, {true, true, false}),
      {{6, {0.0, 0.0, 0.0}}, {6, {1.42, 0.0, -3.5}}, {3, {-5.0, 9.0, 8.75}}, {6, {2.0, 1.0, 3.0}}});
  const DataFile d = parse_data(write_text(frame));
  CHECK(d.xz == 0.0);
  CHECK(d.yz == 0.0);
  check_file(frame, d, 1e-9);
  check_inside(d, frame.system.cell().pbc(), 0.99);
  // The box still covers the cell's extent along z.
  CHECK(d.lo[2] <= 0.0);
  CHECK(d.hi[2] >= 6.0);
}

TEST_CASE("LAMMPS data: a cluster without a cell gets a bounding box and unmoved atoms",
          "[unit][io][lammps]") {
  const Frame frame =
      make_frame(Cell(), {{8, {0.0, 0.0, 0.0}}, {1, {0.757, 0.586, 0.0}}, {1, {-0.757, 0.586, 0.0}}});
  const DataFile d = parse_data(write_text(frame));
  CHECK_FALSE(d.has_tilt);
  for (std::size_t i = 0; i < frame.system.num_atoms(); ++i) {
    CHECK((d.atoms.at(frame.system.ids()[i] + 1).second - frame.system.positions()[i]).norm() == 0.0);
  }
  check_inside(d, {false, false, false}, 0.99);
  CHECK(d.velocities.empty());  // has_velocities is false
}

TEST_CASE("LAMMPS data: atoms of one element with different masses get separate types",
          "[unit][io][lammps]") {
  Frame frame = make_frame(Cell::orthorhombic(5.0, 5.0, 5.0),
                           {{8, {0.0, 0.0, 0.0}}, {1, {0.9, 0.3, 0.0}}, {1, {-0.3, 0.9, 0.0}}});
  frame.system.set_mass(2, 2.014);  // deuterium
  const DataFile d = parse_data(write_text(frame));
  REQUIRE(d.num_types == 3);
  CHECK(d.atoms.at(2).first == 2);
  CHECK(d.atoms.at(3).first == 3);
  CHECK(d.masses.at(3).first == 2.014);
  CHECK(d.masses.at(3).second == "H");
}

TEST_CASE("ASE reads ioncycle's LAMMPS data files", "[unit][io][lammps][ase]") {
  const bool left_handed = GENERATE(false, true);
  Frame frame = skewed_frame();
  if (left_handed) {
    Mat3 h = frame.system.cell().matrix();
    h.row(2) *= -1.0;
    frame.system.set_cell(Cell(h));
  }
  const std::vector<AtomId> removed = {3};
  frame.system.remove_atoms(removed);
  frame.has_velocities = true;
  const std::string dir = ioncycle::testing::temp_dir("lammps-ase");
  const std::string path = dir + "/structure.data";
  const std::string dump = dir + "/ase.txt";
  {
    std::ofstream out(path);
    ioncycle::io::write_lammps_data(out, frame);
  }
  using ioncycle::testing::shell_quote;
  const auto run =
      ioncycle::testing::run_ase_helper("read lammps-data " + shell_quote(path) + " " + shell_quote(dump));
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  const auto ase = ioncycle::testing::read_ase_dump(dump);
  const System& s = frame.system;
  REQUIRE(ase.atoms.size() == s.num_atoms());
  // ASE sorts by id; ids are System ids + 1, and its symbols come from the Masses section.
  std::vector<Vec3> positions;
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    INFO("atom " << i);
    CHECK(ase.atoms[i].id == s.ids()[i] + 1);
    CHECK(ase.atoms[i].symbol == std::string(ioncycle::core::symbol(s.atomic_numbers()[i])));
    positions.push_back(ase.atoms[i].position);
  }
  check_equivalent(s, ase.cell, positions, 1e-8);
  // Velocities back in Å/fs after ASE's metal-unit conversion: the original ones, rotated.
  const Mat3 h = s.cell().matrix();
  const Mat3 rotation = frame_of(ase.cell.row(0).transpose(), ase.cell.row(1).transpose()) *
                        frame_of(h.row(0).transpose(), h.row(1).transpose()).transpose();
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    CHECK((ase.atoms[i].velocity - rotation * s.velocities()[i]).norm() < 1e-10);
  }
  std::filesystem::remove_all(dir);
}
