// SPDX-License-Identifier: MIT
#include "cli/describe.hpp"

#include <cmath>
#include <cstdio>
#include <map>

#include "core/elements.hpp"
#include "core/geometry.hpp"

namespace ioncycle::cli {

namespace {

std::string fmt(const char* f, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, x);
  return buf;
}

std::string pbc_text(const core::Cell& cell) {
  std::string s;
  const char* axis[3] = {"a", "b", "c"};
  for (int d = 0; d < 3; ++d) {
    if (cell.periodic(d)) s += std::string(s.empty() ? "" : " ") + axis[d];
  }
  return s.empty() ? "none" : s;
}

}  // namespace

void describe_structure(std::ostream& out, const io::Frame& frame, const std::string& label) {
  const auto& sys = frame.system;
  const auto& cell = sys.cell();
  out << "structure   " << label << "\n";
  out << "atoms       " << sys.num_atoms() << " (" << core::chemical_formula(sys) << ")\n";
  std::map<int, std::size_t> counts;
  for (const int z : sys.atomic_numbers()) ++counts[z];
  out << "species    ";
  for (const auto& [z, c] : counts) out << " " << core::symbol(z) << ": " << c;
  out << "\n";
  if (cell.has_lattice()) {
    const auto l = cell.lengths();
    const auto a = cell.angles();
    out << "cell        a = " << fmt("%.4f", l[0]) << " Å, b = " << fmt("%.4f", l[1])
        << " Å, c = " << fmt("%.4f", l[2]) << " Å\n";
    out << "angles      alpha = " << fmt("%.3f", a[0]) << "°, beta = " << fmt("%.3f", a[1])
        << "°, gamma = " << fmt("%.3f", a[2]) << "°\n";
    for (int d = 0; d < 3; ++d) {
      const auto v = cell.vector(d);
      out << (d == 0 ? "vectors     " : "            ") << fmt("%12.6f", v[0]) << fmt("%12.6f", v[1])
          << fmt("%12.6f", v[2]) << "  Å\n";
    }
    out << "periodic    " << pbc_text(cell) << "\n";
    out << "volume      " << fmt("%.4f", cell.volume()) << " Å³\n";
    out << "density     " << fmt("%.4f", core::density_g_per_cm3(sys)) << " g/cm³\n";
  } else {
    out << "cell        none (cluster in vacuum, no periodic axes)\n";
  }
  const auto pair = core::closest_pair(sys);
  if (std::isfinite(pair.distance)) {
    const auto ids = sys.ids();
    const auto zs = sys.atomic_numbers();
    out << "closest     " << fmt("%.4f", pair.distance) << " Å between atoms " << ids[pair.i] << " ("
        << core::symbol(zs[pair.i]) << ") and " << ids[pair.j] << " (" << core::symbol(zs[pair.j])
        << "), minimum image\n";
  }
  if (cell.any_periodic()) {
    out << "self image  " << fmt("%.4f", core::shortest_lattice_vector(cell))
        << " Å (shortest lattice translation)\n";
  }
}

nlohmann::json structure_json(const io::Frame& frame) {
  const auto& sys = frame.system;
  const auto& cell = sys.cell();
  nlohmann::json j;
  j["num_atoms"] = sys.num_atoms();
  j["formula"] = core::chemical_formula(sys);
  nlohmann::json species = nlohmann::json::object();
  for (const int z : sys.atomic_numbers()) {
    const std::string s(core::symbol(z));
    species[s] = species.value(s, 0) + 1;
  }
  j["species"] = species;
  j["pbc"] = {cell.periodic(0), cell.periodic(1), cell.periodic(2)};
  nlohmann::json vectors = nlohmann::json::array();
  for (int d = 0; d < 3; ++d) {
    const auto v = cell.vector(d);
    vectors.push_back({v[0], v[1], v[2]});
  }
  j["cell_A"] = vectors;
  if (cell.has_lattice()) {
    const auto l = cell.lengths();
    const auto a = cell.angles();
    j["lengths_A"] = {l[0], l[1], l[2]};
    j["angles_deg"] = {a[0], a[1], a[2]};
    j["volume_A3"] = cell.volume();
    j["density_g_per_cm3"] = core::density_g_per_cm3(sys);
  }
  const auto pair = core::closest_pair(sys);
  if (std::isfinite(pair.distance)) {
    j["closest_pair"] = {{"distance_A", pair.distance},
                         {"ids", {sys.ids()[pair.i], sys.ids()[pair.j]}}};
  }
  if (cell.any_periodic()) j["shortest_lattice_translation_A"] = core::shortest_lattice_vector(cell);
  return j;
}

}  // namespace ioncycle::cli
