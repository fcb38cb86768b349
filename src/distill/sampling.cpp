// SPDX-License-Identifier: MIT
#include "distill/sampling.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "cycling/capacity.hpp"
#include "cycling/insertion_sites.hpp"
#include "cycling/protocol.hpp"
#include "cycling/reference_metal.hpp"
#include "distill/perturbations.hpp"

namespace ioncycle::distill {

namespace {

// Unit normal of the layers: a × b, the stacking direction of every layered builder
// (docs/builders.md) and of hosts read from files with the layers in the ab plane.
core::Vec3 layer_normal(const core::Cell& cell) {
  const core::Vec3 n = cell.vector(0).cross(cell.vector(1));
  if (n.norm() == 0.0) throw InputError("a host's cell has no in-plane lattice (a × b = 0)", "give a periodic layered host");
  return n.normalized();
}

// The system stretched by `factor` along the layer normal (fractional coordinates kept).
core::System stretched_normal(const core::System& system, double factor) {
  const core::Vec3 n = layer_normal(system.cell());
  return strained(system, (factor - 1.0) * n * n.transpose());
}

core::System without_ions(const core::System& system, int ion_z) {
  core::System out = system;
  std::vector<core::AtomId> ions;
  for (std::size_t i = 0; i < out.num_atoms(); ++i) {
    if (out.atomic_numbers()[i] == ion_z) ions.push_back(out.ids()[i]);
  }
  out.remove_atoms(ions);
  return out;
}

std::size_t count_ions(const core::System& system, int ion_z) {
  return static_cast<std::size_t>(std::count(system.atomic_numbers().begin(), system.atomic_numbers().end(), ion_z));
}

bool has_defect_records(const io::Frame& frame) {
  const auto it = frame.info.find("defects");
  if (it == frame.info.end()) return false;
  if (const auto* list = std::get_if<std::vector<std::string>>(&it->second)) return !list->empty();
  if (const auto* text = std::get_if<std::string>(&it->second)) return !text->empty() && *text != "[]";
  return true;
}

cycling::IonSettings ion_settings(const SamplingSettings& s) {
  cycling::IonSettings ion;
  ion.z = s.ion_z;
  ion.min_distance = s.min_distance;
  ion.min_distance_to[s.ion_z] = s.ion_spacing;
  ion.exclusion = 0.0;  // ion_spacing is the sampling's own exclusion (its configurations go beyond a run's)
  return ion;
}

// Put up to `count` ions at random gallery sites; `staged` keeps even galleries only. Returns
// how many were placed (fewer when the galleries are full at the minimum distances).
std::size_t place_ions(core::System& system, std::size_t count, bool staged, const SamplingSettings& s, core::Rng& rng) {
  cycling::SiteFinder finder(ion_settings(s));
  cycling::InsertionSettings where;
  where.sites = cycling::SiteSet::galleries;
  std::size_t placed = 0;
  for (; placed < count; ++placed) {
    finder.prepare(system, where);
    std::optional<cycling::SiteCandidate> site;
    for (int attempt = 0; attempt < 200 && !site; ++attempt) {
      auto c = finder.sample(rng, 1000);
      if (!c) break;
      if (!staged || c->gallery % 2 == 0) site = c;
    }
    if (!site) break;
    core::AtomSpec atom;
    atom.z = s.ion_z;
    atom.position = site->position;
    system.add_atom(atom);
  }
  return placed;
}

std::string content_category(const io::Frame& host, const core::System& system, int ion_z) {
  if (has_defect_records(host)) return "defect";
  return count_ions(system, ion_z) > 0 ? "lithiated" : "bulk";
}

void check_settings(const SamplingSettings& s) {
  for (const double x : s.ion_fractions) {
    if (!(x >= 0.0 && x <= 1.0)) throw InputError("ion_fractions: " + std::to_string(x) + " is outside [0, 1]", "fractions of the capacity, e.g. [0, 0.5, 1]");
  }
  for (const auto& a : s.arrangements) {
    if (a != "random" && a != "staged") throw InputError("arrangements: unknown arrangement '" + a + "'", "\"random\" or \"staged\"");
  }
  for (const double f : s.layer_scales) {
    if (!(f > 0.5 && f < 2.0)) throw InputError("layer_scales: " + std::to_string(f) + " is outside (0.5, 2)", "e.g. [0.92, 1.1, 1.25]");
  }
  if (s.strained < 0 || s.rattled < 0 || s.insertions < 0 || s.removals < 0 || s.md_frames < 0 || s.md_steps < 0 ||
      s.metal_repeat < 1) {
    throw InputError("sampling counts must be non-negative (metal_repeat at least 1)");
  }
}

}  // namespace

const std::vector<std::string>& categories() {
  static const std::vector<std::string> names{"bulk",      "lithiated", "defect", "strained",
                                              "insertion", "metal",     "audit",  "labelled"};
  return names;
}

double host_capacity(const core::System& host, const SamplingSettings& settings) {
  return cycling::capacity_ions(settings.capacity, without_ions(host, settings.ion_z), settings.ion_z);
}

std::string category_of(const io::Frame& frame) {
  const auto it = frame.info.find("category");
  if (it == frame.info.end()) return "";
  const auto* text = std::get_if<std::string>(&it->second);
  return text == nullptr ? "" : *text;
}

io::Frame tagged(const core::System& system, const std::string& category, const std::string& origin) {
  io::Frame f;
  f.system = system;
  for (auto& v : f.system.velocities()) v.setZero();
  for (auto& v : f.system.forces()) v.setZero();
  f.info["category"] = category;
  f.info["origin"] = origin;
  return f;
}

std::vector<io::Frame> base_configurations(const std::vector<io::Frame>& hosts, const SamplingSettings& s,
                                           core::Rng& rng) {
  check_settings(s);
  std::vector<io::Frame> out;
  for (std::size_t h = 0; h < hosts.size(); ++h) {
    const io::Frame& host = hosts[h];
    const std::string name = "host " + std::to_string(h);
    (void)layer_normal(host.system.cell());
    const std::size_t given_ions = count_ions(host.system, s.ion_z);
    out.push_back(tagged(host.system, content_category(host, host.system, s.ion_z), name + " as given"));
    const core::System stripped = without_ions(host.system, s.ion_z);
    const double capacity = cycling::capacity_ions(s.capacity, stripped, s.ion_z);
    // A lithiated host (a built LiC6) is already expanded by its own content: the stretches are
    // relative to that, so that every content gets the same spacing whatever the host held.
    const double given_x = std::min(1.0, static_cast<double>(given_ions) / capacity);
    const double given_stretch = 1.0 + s.expansion_at_full * given_x;
    for (const double x : s.ion_fractions) {
      const auto count = static_cast<std::size_t>(std::lround(x * capacity));
      if (count == 0) {
        if (given_ions > 0) {
          const core::System empty = stretched_normal(stripped, 1.0 / given_stretch);
          out.push_back(tagged(empty, content_category(host, empty, s.ion_z), name + ", ions removed"));
        }
        continue;
      }
      for (const auto& arrangement : s.arrangements) {
        const bool staged = arrangement == "staged";
        if (staged && x > 0.5) continue;
        core::System sys = stretched_normal(stripped, (1.0 + s.expansion_at_full * x) / given_stretch);
        const std::size_t placed = place_ions(sys, count, staged, s, rng);
        std::string origin = name + ", x = " + std::to_string(x).substr(0, 4) + " " + arrangement;
        if (placed < count) origin += " (" + std::to_string(placed) + " of " + std::to_string(count) + " ions fit)";
        if (placed == 0) continue;
        out.push_back(tagged(sys, content_category(host, sys, s.ion_z), origin));
      }
    }
  }
  return out;
}

std::vector<io::Frame> perturbed_configurations(const std::vector<io::Frame>& bases, const SamplingSettings& s,
                                                core::Rng& rng) {
  check_settings(s);
  std::vector<io::Frame> out;
  for (const io::Frame& base : bases) {
    const std::string origin = std::get<std::string>(base.info.at("origin"));
    const std::string category = category_of(base);
    for (int k = 0; k < s.strained; ++k) {
      out.push_back(tagged(strained(base.system, random_strain(s.strain_max, rng)), "strained", origin + ", strained"));
    }
    for (const double f : s.layer_scales) {
      out.push_back(tagged(stretched_normal(base.system, f), "strained", origin + ", layers x" + std::to_string(f).substr(0, 4)));
    }
    for (int k = 0; k < s.rattled; ++k) {
      out.push_back(tagged(rattled(base.system, s.rattle_sigma, rng), category, origin + ", rattled"));
    }
    const double capacity = host_capacity(base.system, s);
    const std::size_t ions = count_ions(base.system, s.ion_z);
    for (int k = 0; k < s.insertions && static_cast<double>(ions) < capacity; ++k) {
      core::System sys = base.system;
      if (place_ions(sys, 1, false, s, rng) == 1) out.push_back(tagged(sys, "insertion", origin + ", one ion inserted"));
    }
    for (int k = 0; k < s.removals && ions > 0; ++k) {
      core::System sys = base.system;
      std::vector<core::AtomId> candidates;
      for (std::size_t i = 0; i < sys.num_atoms(); ++i) {
        if (sys.atomic_numbers()[i] == s.ion_z) candidates.push_back(sys.ids()[i]);
      }
      const core::AtomId gone = candidates[rng.uniform_index(candidates.size())];
      sys.remove_atoms(std::span<const core::AtomId>(&gone, 1));
      out.push_back(tagged(sys, "insertion", origin + ", one ion removed"));
    }
  }
  if (s.reference_metal) {
    const double a0 = cycling::bcc_start_lattice_constant(s.ion_z);
    for (const double f : {0.96, 1.0, 1.04}) {
      const double a = a0 * f;
      const int n = s.metal_repeat;
      core::System metal(core::Cell::orthorhombic(n * a, n * a, n * a));
      for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
          for (int k = 0; k < n; ++k) {
            for (const double half : {0.0, 0.5}) {
              core::AtomSpec atom;
              atom.z = s.ion_z;
              atom.position = a * core::Vec3(i + half, j + half, k + half);
              metal.add_atom(atom);
            }
          }
        }
      }
      const std::string origin = std::string("bcc ") + std::string(core::symbol(s.ion_z)) + ", a = " + std::to_string(a).substr(0, 5) + " A";
      out.push_back(tagged(metal, "metal", origin));
      out.push_back(tagged(rattled(metal, s.rattle_sigma, rng), "metal", origin + ", rattled"));
    }
  }
  return out;
}

}  // namespace ioncycle::distill
