// SPDX-License-Identifier: MIT
#include "cli/describe.hpp"

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <map>
#include <optional>
#include <variant>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/geometry.hpp"
#include "defects/defect_detection.hpp"
#include "defects/defect_record.hpp"
#include "defects/stacking.hpp"

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

// Layers and stacking of a layered host; nullopt when the structure is not one (no lattice, or
// no hexagonal in-plane lattice and groups too small or too many to be host layers).
std::optional<defects::StackingAnalysis> layered_host(const core::System& system) {
  if (!system.cell().has_lattice() || system.num_atoms() == 0) return std::nullopt;
  try {
    auto s = defects::analyze_stacking(system);
    if (s.layers.empty()) return std::nullopt;
    const bool plausible = s.layers.size() <= 100 && std::all_of(s.layers.begin(), s.layers.end(), [](const auto& l) {
                             return l.atoms.size() >= 4;
                           });
    if (!s.has_lattice && !plausible) return std::nullopt;
    return s;
  } catch (const InputError&) {
    return std::nullopt;
  }
}

// Distances from each layer to the next (the last across the cell boundary when c is periodic).
std::vector<double> layer_spacings(const defects::StackingAnalysis& s, const core::Cell& cell) {
  std::vector<double> out;
  const std::size_t n = s.layers.size();
  const double d = cell.heights()[2];
  for (std::size_t k = 0; k + 1 < n; ++k) out.push_back(s.layers[k + 1].height - s.layers[k].height);
  if (s.periodic && n >= 1) out.push_back(s.layers.front().height + d - s.layers.back().height);
  return out;
}

std::string number_list(const std::vector<double>& v, std::size_t max_shown) {
  std::string text;
  for (std::size_t k = 0; k < v.size() && k < max_shown; ++k) text += (k ? " " : "") + fmt("%.3f", v[k]);
  if (v.size() > max_shown) text += " ... (" + std::to_string(v.size()) + " values)";
  return text;
}

std::optional<std::string> info_string(const io::Frame& frame, const std::string& key) {
  const auto it = frame.info.find(key);
  if (it == frame.info.end()) return std::nullopt;
  if (const auto* s = std::get_if<std::string>(&it->second)) return *s;
  return std::nullopt;
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
  if (const auto s = layered_host(sys)) {
    const auto spacings = layer_spacings(*s, cell);
    std::vector<double> heights;
    for (const auto& l : s->layers) heights.push_back(l.height);
    out << "layers      " << s->layers.size() << " along the normal of the a-b plane (Li, Na, K not counted)\n";
    out << "heights     " << number_list(heights, 24) << " Å\n";
    out << "spacing     " << number_list(spacings, 24) << " Å"
        << (s->periodic ? " (the last across the cell boundary)" : "") << "\n";
    if (s->has_lattice) {
      out << "stacking    " << s->sequence;
      if (!s->name.empty() && s->name != s->sequence) out << " (" << s->name << ")";
      out << "\n";
      if (!s->galleries.empty()) out << "galleries   " << s->galleries << " (O octahedral, P prismatic)\n";
    }
  }
  if (const auto builder = info_string(frame, "builder")) out << "builder     " << *builder << "\n";
}

void describe_defects(std::ostream& out, const io::Frame& frame) {
  std::vector<defects::DefectRecord> recorded;
  try {
    recorded = defects::read_defect_records(frame);
  } catch (const InputError& e) {
    out << "defects     the recorded defects cannot be read: " << e.message() << "\n";
  }
  out << "recorded    " << recorded.size() << " defect" << (recorded.size() == 1 ? "" : "s") << " in the metadata\n";
  for (const auto& r : recorded) out << "            " << defects::format_defect_record(r) << "\n";
  const auto detected = defects::detect_defects(frame.system);
  out << "detected    " << detected.size() << " defect" << (detected.size() == 1 ? "" : "s")
      << " in the geometry\n";
  for (const auto& r : detected) out << "            " << defects::format_defect_record(r) << "\n";
}

nlohmann::json defects_json(const io::Frame& frame) {
  nlohmann::json j;
  j["recorded"] = nlohmann::json::array();
  try {
    for (const auto& r : defects::read_defect_records(frame)) j["recorded"].push_back(defects::format_defect_record(r));
  } catch (const InputError& e) {
    j["recorded_error"] = e.message();
  }
  j["detected"] = nlohmann::json::array();
  for (const auto& r : defects::detect_defects(frame.system)) j["detected"].push_back(defects::format_defect_record(r));
  return j;
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
  if (const auto s = layered_host(sys)) {
    std::vector<double> heights;
    for (const auto& l : s->layers) heights.push_back(l.height);
    j["layers"] = {{"count", s->layers.size()}, {"heights_A", heights}, {"spacings_A", layer_spacings(*s, cell)}};
    if (s->has_lattice) {
      j["stacking"] = {{"sequence", s->sequence}, {"name", s->name}};
      if (!s->galleries.empty()) j["stacking"]["galleries"] = s->galleries;
    }
  }
  if (const auto builder = info_string(frame, "builder")) {
    try {
      j["builder"] = nlohmann::json::parse(*builder);
    } catch (const nlohmann::json::exception&) {
      j["builder"] = *builder;
    }
  }
  return j;
}

}  // namespace ioncycle::cli
