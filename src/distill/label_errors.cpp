// SPDX-License-Identifier: MIT
#include "distill/label_errors.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <variant>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/units.hpp"

namespace ioncycle::distill {

namespace {

const double* info_real(const io::Frame& frame, const char* key) {
  const auto it = frame.info.find(key);
  return it == frame.info.end() ? nullptr : std::get_if<double>(&it->second);
}

const std::vector<double>* info_matrix(const io::Frame& frame, const char* key) {
  const auto it = frame.info.find(key);
  const auto* v = it == frame.info.end() ? nullptr : std::get_if<std::vector<double>>(&it->second);
  return v != nullptr && v->size() == 9 ? v : nullptr;
}

}  // namespace

LabelErrors label_errors(potentials::Potential& model, std::span<const io::Frame> labelled,
                         std::vector<FramePrediction>* per_frame) {
  LabelErrors out;
  double energy_sq = 0.0, force_sq = 0.0, stress_sq = 0.0;
  std::size_t stress_components = 0;
  if (per_frame != nullptr) per_frame->clear();
  for (std::size_t k = 0; k < labelled.size(); ++k) {
    const io::Frame& frame = labelled[k];
    const core::System& system = frame.system;
    for (const int z : system.atomic_numbers()) {
      if (!model.supports(z)) {
        throw InputError("frame " + std::to_string(k) + " holds " + std::string(core::symbol(z)) + ", which the model '" +
                             model.name() + "' does not know",
                         "the model supports " + model.supported_species());
      }
    }
    const core::Cell& cell = system.cell();
    const double* energy = info_real(frame, "energy");
    const std::vector<double>* stress = cell.all_periodic() ? info_matrix(frame, "stress") : nullptr;
    potentials::ForceRequest what;
    what.forces = frame.has_forces;
    what.virial = stress != nullptr;
    const potentials::ForceResult result = model.compute_once(system, what);
    ++out.frames;

    const std::size_t n = system.num_atoms();
    FramePrediction row;
    row.atoms = n;
    row.energy_model = result.energy;
    row.energy_label = energy != nullptr ? *energy : std::numeric_limits<double>::quiet_NaN();
    row.force_rmse = std::numeric_limits<double>::quiet_NaN();
    if (energy != nullptr && n > 0) {
      const double d = (result.energy - *energy) / static_cast<double>(n);
      energy_sq += d * d;
      ++out.energy_frames;
    }
    if (frame.has_forces && n > 0) {
      double frame_sq = 0.0;
      const auto labels = system.forces();
      for (std::size_t i = 0; i < n; ++i) {
        const core::Vec3 d = result.forces[i] - labels[i];
        frame_sq += d.squaredNorm();
        out.force_max = std::max(out.force_max, d.norm());
      }
      force_sq += frame_sq;
      out.force_atoms += n;
      row.force_rmse = std::sqrt(frame_sq / (3.0 * static_cast<double>(n)));
    }
    if (stress != nullptr) {
      // Model stress in ASE's sign, -W/V, against the label; the six independent components.
      const core::Mat3 s = -result.virial / cell.volume();
      const int pairs[6][2] = {{0, 0}, {1, 1}, {2, 2}, {1, 2}, {0, 2}, {0, 1}};
      for (const auto& p : pairs) {
        const double label = (*stress)[static_cast<std::size_t>(3 * p[0] + p[1])];
        const double d = (s(p[0], p[1]) - label) * units::eV_per_A3_in_GPa;
        stress_sq += d * d;
      }
      stress_components += 6;
      ++out.stress_frames;
    }
    if (per_frame != nullptr) per_frame->push_back(row);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  out.energy_rmse = out.energy_frames > 0 ? std::sqrt(energy_sq / static_cast<double>(out.energy_frames)) : nan;
  out.force_rmse = out.force_atoms > 0 ? std::sqrt(force_sq / (3.0 * static_cast<double>(out.force_atoms))) : nan;
  if (out.force_atoms == 0) out.force_max = nan;
  out.stress_rmse = stress_components > 0 ? std::sqrt(stress_sq / static_cast<double>(stress_components)) : nan;
  return out;
}

}  // namespace ioncycle::distill
