// SPDX-License-Identifier: MIT
#include "io/lammps_data.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/geometry.hpp"
#include "core/strings.hpp"

namespace ioncycle::io {

namespace {

using core::Mat3;
using core::Vec3;

// Distance (Å) kept between the outermost atoms and a non-periodic box face: LAMMPS drops atoms
// that lie on or outside a fixed ('f') boundary when it reads the file.
constexpr double kMargin = 1.0;
// Tilt factors below this fraction of the box size are rounding noise from the rotation of an
// orthogonal cell; writing them as zero gives LAMMPS an orthogonal box (shift <= 1e-12 * L).
constexpr double kTiltNoise = 1e-12;
// metal units: velocities in Å/ps; ioncycle stores Å/fs.
constexpr double kAngstromPerFsInAngstromPerPs = 1000.0;

// The box as LAMMPS describes it: origin (xlo, ylo, zlo) and the rows of a lower-triangular
// matrix a = (lx, 0, 0), b = (xy, ly, 0), c = (xz, yz, lz).
struct Box {
  Vec3 origin = Vec3::Zero();
  Mat3 h = Mat3::Identity();
};

// Rotation taking the cell into the LAMMPS frame, the box, and every atom's position in it.
struct Placement {
  Mat3 rotation = Mat3::Identity();  // r' = rotation * r
  Box box;
  std::vector<Vec3> positions;
};

// No lattice (a molecule or cluster in vacuum): an axis-aligned bounding box with a margin.
Placement place_without_lattice(const core::System& system) {
  Placement p;
  const auto positions = system.positions();
  Vec3 lo = Vec3::Zero();
  Vec3 hi = Vec3::Zero();
  if (!positions.empty()) {
    lo = hi = positions.front();
    for (const Vec3& r : positions) {
      lo = lo.cwiseMin(r);
      hi = hi.cwiseMax(r);
    }
  }
  p.box.origin = lo - Vec3::Constant(kMargin);
  p.box.h = Mat3(((hi - lo) + Vec3::Constant(2.0 * kMargin)).asDiagonal());
  p.positions.assign(positions.begin(), positions.end());
  return p;
}

Placement place_with_lattice(const core::System& system) {
  const core::Cell& cell = system.cell();
  const auto& pbc = cell.pbc();
  Mat3 h = cell.matrix();
  // LAMMPS boxes are right-handed (lz > 0). -c spans the same lattice as c, so flipping it
  // turns a left-handed cell right-handed without mirroring the atoms.
  if (h.determinant() < 0.0) h.row(2) *= -1.0;

  // Orthonormal frame from a and b (Gram-Schmidt): e1 along a, e2 in the ab plane, e3 = e1 x e2.
  // In it a = (|a|, 0, 0), b = (b.e1, |b_perp|, 0), c = (c.e1, c.e2, c.e3) with c.e3 > 0.
  const Vec3 a = h.row(0).transpose();
  const Vec3 b = h.row(1).transpose();
  const Vec3 c = h.row(2).transpose();
  const Vec3 e1 = a.normalized();
  const Vec3 b_perp = b - b.dot(e1) * e1;
  const Vec3 e2 = b_perp.normalized();
  const Vec3 e3 = e1.cross(e2);
  Placement p;
  p.rotation.row(0) = e1.transpose();
  p.rotation.row(1) = e2.transpose();
  p.rotation.row(2) = e3.transpose();

  Mat3& box = p.box.h;
  box.setZero();
  box(0, 0) = a.norm();
  box(1, 0) = b.dot(e1);
  box(1, 1) = b_perp.norm();
  box(2, 0) = c.dot(e1);
  box(2, 1) = c.dot(e2);
  box(2, 2) = c.dot(e3);

  // A non-periodic vector is no lattice translation, only the box's extent, so it may point
  // straight along its axis: LAMMPS only allows tilt into a dimension that is periodic
  // ("Triclinic box must be periodic in skewed dimensions").
  if (!pbc[1]) box(1, 0) = 0.0;
  if (!pbc[2]) box(2, 0) = box(2, 1) = 0.0;

  // Tilt limits |xy|, |xz| <= lx/2 and |yz| <= ly/2: subtract whole periodic lattice vectors,
  // which leaves the lattice (and so the periodic structure) unchanged. yz first, because
  // subtracting b from c also moves xz, which the last step then fixes.
  if (pbc[0]) box.row(1) -= std::round(box(1, 0) / box(0, 0)) * box.row(0);
  if (pbc[1]) box.row(2) -= std::round(box(2, 1) / box(1, 1)) * box.row(1);
  if (pbc[0]) box.row(2) -= std::round(box(2, 0) / box(0, 0)) * box.row(0);

  const double size = box.diagonal().maxCoeff();
  for (auto [row, col] : {std::pair{1, 0}, std::pair{2, 0}, std::pair{2, 1}}) {
    if (std::abs(box(row, col)) <= kTiltNoise * size) box(row, col) = 0.0;
  }

  // Each atom is rotated, then moved by whole periodic box vectors into the box. Subtracting
  // translations (instead of rebuilding r from fractional coordinates) leaves an atom that is
  // already inside exactly where it was. On non-periodic axes the fractional range sets the
  // extent, since the box must enclose every atom.
  const Mat3 inverse = box.inverse();
  const auto positions = system.positions();
  p.positions.reserve(positions.size());
  Vec3 s_min = Vec3::Constant(std::numeric_limits<double>::infinity());
  Vec3 s_max = -s_min;
  for (const Vec3& r : positions) {
    Vec3 x = p.rotation * r;
    const Vec3 s = (x.transpose() * inverse).transpose();
    for (int k = 0; k < 3; ++k) {
      if (!pbc[static_cast<std::size_t>(k)]) continue;
      double n = std::floor(s[k]);
      if (s[k] - n >= 1.0) n += 1.0;  // s = -1e-17: the atom is on the face already
      if (n != 0.0) x -= n * box.row(k).transpose();
    }
    s_min = s_min.cwiseMin(s);
    s_max = s_max.cwiseMax(s);
    p.positions.push_back(x);
  }

  // Non-periodic axes are axis-aligned now (b and c made so above, a always is), so stretching
  // one changes only its diagonal entry, and kMargin / l is kMargin Å along it. Moving the
  // origin and stretching moves no atom.
  for (int k = 0; k < 3; ++k) {
    if (pbc[static_cast<std::size_t>(k)]) continue;
    const double length = box(k, k);
    double lo = 0.0;
    double hi = 1.0;
    if (!positions.empty()) {
      lo = std::min(0.0, s_min[k] - kMargin / length);
      hi = std::max(1.0, s_max[k] + kMargin / length);
    }
    p.box.origin += lo * box.row(k).transpose();
    box.row(k) *= (hi - lo);
  }
  return p;
}

void append_number(std::string& out, double x) { out += core::format_double(x); }

}  // namespace

void write_lammps_data(std::ostream& out, const Frame& frame) {
  const core::System& system = frame.system;
  const Placement placement =
      system.cell().has_lattice() ? place_with_lattice(system) : place_without_lattice(system);

  // Types by first appearance of each (element, mass): one type per element normally, and a
  // separate one for atoms whose mass differs from the element's first atom (deuterium among
  // hydrogen), because atom_style atomic gives masses per type.
  struct Type {
    int z;
    double mass;
  };
  std::vector<Type> types;
  std::vector<std::size_t> type_of_atom(system.num_atoms());
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    const int z = system.atomic_numbers()[i];
    const double mass = system.masses()[i];
    const auto it =
        std::find_if(types.begin(), types.end(), [&](const Type& t) { return t.z == z && t.mass == mass; });
    type_of_atom[i] = static_cast<std::size_t>(it - types.begin()) + 1;
    if (it == types.end()) types.push_back({z, mass});
  }

  const Box& box = placement.box;
  const Mat3& h = box.h;
  std::string text;
  text += "LAMMPS data file written by ioncycle (atom_style atomic, units metal): ";
  text += system.empty() ? std::string("no atoms") : core::chemical_formula(system);
  text += "\n\n";
  text += std::to_string(system.num_atoms()) + " atoms\n";
  text += std::to_string(types.size()) + " atom types\n\n";
  static constexpr const char* kBounds[3] = {" xlo xhi\n", " ylo yhi\n", " zlo zhi\n"};
  for (int k = 0; k < 3; ++k) {
    append_number(text, box.origin[k]);
    text += " ";
    append_number(text, box.origin[k] + h(k, k));
    text += kBounds[k];
  }
  if (h(1, 0) != 0.0 || h(2, 0) != 0.0 || h(2, 1) != 0.0) {
    append_number(text, h(1, 0));
    text += " ";
    append_number(text, h(2, 0));
    text += " ";
    append_number(text, h(2, 1));
    text += " xy xz yz\n";
  }

  if (!system.empty()) {
    text += "\nMasses\n\n";
    for (std::size_t t = 0; t < types.size(); ++t) {
      text += std::to_string(t + 1) + " ";
      append_number(text, types[t].mass);
      text += " # " + std::string(core::symbol(types[t].z)) + "\n";
    }

    // ASE's reader guesses the style from this comment and expects exactly one blank line next.
    text += "\nAtoms # atomic\n\n";
    for (std::size_t i = 0; i < system.num_atoms(); ++i) {
      text += std::to_string(system.ids()[i] + 1) + " " + std::to_string(type_of_atom[i]);
      for (int k = 0; k < 3; ++k) {
        text += " ";
        append_number(text, placement.positions[i][k]);
      }
      text += "\n";
    }

    if (frame.has_velocities) {
      text += "\nVelocities\n\n";
      for (std::size_t i = 0; i < system.num_atoms(); ++i) {
        const Vec3 v = placement.rotation * system.velocities()[i] * kAngstromPerFsInAngstromPerPs;
        text += std::to_string(system.ids()[i] + 1);
        for (int k = 0; k < 3; ++k) {
          text += " ";
          append_number(text, v[k]);
        }
        text += "\n";
      }
    }
  }
  out << text;
}

}  // namespace ioncycle::io
