// SPDX-License-Identifier: MIT
#include "analysis/transport.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "core/elements.hpp"

namespace ioncycle::analysis {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPsPerFs = 1e-3;

Estimate to_cm2_s(const Estimate& e) { return {e.value * kCm2PerSPerA2PerFs, e.error * kCm2PerSPerA2PerFs}; }

void append_note(std::string& note, const std::string& text) {
  if (text.empty()) return;
  note += (note.empty() ? "" : "; ") + text;
}

std::vector<int> ions_present(const Trajectory& trajectory) {
  std::set<int> found;
  for (const auto& frame : trajectory) {
    for (int z : frame.system.atomic_numbers()) {
      if (z == 3 || z == 11 || z == 19) found.insert(z);
    }
  }
  return {found.begin(), found.end()};
}

// Mean over `frames` of (atoms with atomic number z) / volume; NaN without a lattice.
double mean_density(const Trajectory& trajectory, const std::vector<std::size_t>& frames, int z) {
  double sum = 0.0;
  std::size_t n = 0;
  for (std::size_t f : frames) {
    const core::System& system = trajectory[f].system;
    const double volume = system.cell().volume();
    if (!(volume > 0.0)) continue;
    const auto zs = system.atomic_numbers();
    sum += static_cast<double>(std::count(zs.begin(), zs.end(), z)) / volume;
    ++n;
  }
  return n ? sum / static_cast<double>(n) : kNaN;
}

double mean_temperature(const Trajectory& trajectory, const std::vector<std::size_t>& frames) {
  double sum = 0.0;
  std::size_t n = 0;
  for (std::size_t f : frames) {
    const double t = observable(trajectory[f], "temperature");
    if (std::isfinite(t)) {
      sum += t;
      ++n;
    }
  }
  return n ? sum / static_cast<double>(n) : kNaN;
}

std::string quantity_suffix(const TransportResult& result, int z) {
  if (!result.ion_species.empty() && z == result.ion_species.front()) return "";
  return "_" + std::string(core::symbol(z));
}

}  // namespace

TransportResult analyze_transport(const Trajectory& trajectory, const std::vector<Segment>& segments,
                                  const TransportOptions& options) {
  TransportResult result;
  result.ion_species = options.ion_species.empty() ? ions_present(trajectory) : options.ion_species;
  for (const Segment& segment : segments) {
    const std::vector<std::size_t> frames = frames_in(trajectory, segment);
    const auto run_one = [&](int z) {
      SpeciesTransport entry;
      entry.segment = segment.label;
      entry.atomic_number = z;
      entry.species = z == 0 ? "host" : std::string(core::symbol(z));
      MsdOptions msd_options;
      msd_options.normal = options.normal;
      if (z == 0) {
        msd_options.host = true;
        msd_options.ion_species = result.ion_species;
      } else {
        msd_options.species = {z};
      }
      entry.msd = compute_msd(trajectory, frames, msd_options);
      entry.diffusion = fit_diffusion(trajectory, frames, msd_options, options.diffusion);
      append_note(entry.note, entry.diffusion.note);
      if (z != 0) {
        entry.ion_density_per_A3 = mean_density(trajectory, frames, z);
        entry.temperature_K =
            std::isfinite(options.temperature_K) ? options.temperature_K : mean_temperature(trajectory, frames);
        if (!std::isfinite(entry.temperature_K)) {
          append_note(entry.note, "no temperature: conductivity not computed");
        } else if (std::isfinite(entry.diffusion.D.value)) {
          entry.conductivity_S_cm = nernst_einstein_conductivity(entry.diffusion.D, entry.ion_density_per_A3,
                                                                 entry.temperature_K, options.ion_charge);
        }
      }
      result.entries.push_back(std::move(entry));
    };
    for (int z : result.ion_species) run_one(z);
    if (options.include_host) run_one(0);
  }
  return result;
}

nlohmann::json TransportResult::to_json() const {
  nlohmann::json segments = nlohmann::json::array();
  for (const SpeciesTransport& e : entries) {
    const DiffusionFit& d = e.diffusion;
    segments.push_back({{"segment", e.segment},
                        {"species", e.species},
                        {"num_ions", d.num_atoms},
                        {"D_cm2_s", analysis::to_json(to_cm2_s(d.D))},
                        {"D_inplane_cm2_s", analysis::to_json(to_cm2_s(d.D_inplane))},
                        {"D_normal_cm2_s", analysis::to_json(to_cm2_s(d.D_normal))},
                        {"conductivity_S_cm", analysis::to_json(e.conductivity_S_cm)},
                        {"fit_start_ps", json_number(d.fit_start_fs * kPsPerFs)},
                        {"fit_end_ps", json_number(d.fit_end_fs * kPsPerFs)},
                        {"blocks", d.num_blocks},
                        {"num_tracks", e.msd.num_tracks},
                        {"msd_interval_ps", json_number(e.msd.interval_fs * kPsPerFs)},
                        {"grid_frames", e.msd.num_grid_frames},
                        {"ion_density_per_A3", json_number(e.ion_density_per_A3)},
                        {"temperature_K", json_number(e.temperature_K)},
                        {"normal", {e.msd.normal.x(), e.msd.normal.y(), e.msd.normal.z()}},
                        {"note", e.note}});
  }
  return {{"ion_species", ion_species},
          {"segments", segments},
          {"method",
           "FFT MSD over each ion's lifetime windows on the uniform frame grid; D = mean over time blocks of "
           "OLS slopes of MSD(t) = 2dDt with intercept, error = t-scaled standard error of the block mean; "
           "conductivity by Nernst-Einstein (Haven ratio 1)"}};
}

void TransportResult::write_tables(const std::filesystem::path& dir) const {
  CsvTable msd({"segment", "species", "lag_ps", "msd_A2", "msd_inplane_A2", "msd_normal_A2", "count"});
  CsvTable diffusion({"segment", "species", "num_ions", "D_cm2_s", "D_err_cm2_s", "D_inplane_cm2_s",
                      "D_inplane_err_cm2_s", "D_normal_cm2_s", "D_normal_err_cm2_s", "fit_start_ps", "fit_end_ps",
                      "blocks", "conductivity_S_cm", "conductivity_err_S_cm"});
  for (const SpeciesTransport& e : entries) {
    for (std::size_t m = 0; m < e.msd.lag_fs.size(); ++m) {
      msd.row()
          .add(e.segment)
          .add(e.species)
          .add(e.msd.lag_fs[m] * kPsPerFs)
          .add(e.msd.msd[m])
          .add(e.msd.msd_inplane[m])
          .add(e.msd.msd_normal[m])
          .add(static_cast<long long>(e.msd.count[m]));
    }
    const DiffusionFit& d = e.diffusion;
    const Estimate D = to_cm2_s(d.D);
    const Estimate Di = to_cm2_s(d.D_inplane);
    const Estimate Dn = to_cm2_s(d.D_normal);
    diffusion.row()
        .add(e.segment)
        .add(e.species)
        .add(d.num_atoms)
        .add(D.value)
        .add(D.error)
        .add(Di.value)
        .add(Di.error)
        .add(Dn.value)
        .add(Dn.error)
        .add(d.fit_start_fs * kPsPerFs)
        .add(d.fit_end_fs * kPsPerFs)
        .add(d.num_blocks)
        .add(e.conductivity_S_cm.value)
        .add(e.conductivity_S_cm.error);
  }
  msd.write(dir / "msd.csv");
  diffusion.write(dir / "diffusion.csv");
}

std::vector<SegmentQuantity> TransportResult::segment_quantities() const {
  std::vector<SegmentQuantity> out;
  for (const SpeciesTransport& e : entries) {
    if (e.atomic_number == 0) continue;
    const std::string suffix = quantity_suffix(*this, e.atomic_number);
    out.push_back({e.segment, "D" + suffix, "cm2/s", to_cm2_s(e.diffusion.D)});
    out.push_back({e.segment, "D_inplane" + suffix, "cm2/s", to_cm2_s(e.diffusion.D_inplane)});
    out.push_back({e.segment, "D_normal" + suffix, "cm2/s", to_cm2_s(e.diffusion.D_normal)});
    out.push_back({e.segment, "conductivity" + suffix, "S/cm", e.conductivity_S_cm});
  }
  return out;
}

}  // namespace ioncycle::analysis
