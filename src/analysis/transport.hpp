// SPDX-License-Identifier: MIT
//
// Ion transport per segment: for every segment given (the whole run, each half cycle, each
// protocol step; segments.hpp) and every ion species, the MSD curve (msd.hpp: total, in-plane,
// along the layer normal, only over the windows in which each ion exists), the diffusion
// coefficients with block-averaged uncertainties (diffusion.hpp) and the Nernst–Einstein
// conductivity; optionally the same MSD and D for the host atoms (species "host": every atom
// that is not an ion). A segment with too few frames or without ions gives NaN values with a
// note, never an exception.
//
// Inputs of the conductivity: n = the mean over the segment's frames of (ions of the species /
// cell volume); T = TransportOptions::temperature_K, or the mean of the frames' "temperature"
// observable over the segment (NaN conductivity with a note when neither is known).
//
// Outputs: analysis/msd.csv (segment,species,lag_ps,msd_A2,msd_inplane_A2,msd_normal_A2,count)
// and analysis/diffusion.csv (segment,species,num_ions,D_cm2_s,D_err_cm2_s,...,blocks,
// conductivity_S_cm,conductivity_err_S_cm) as the analysis contract states; summary.json key
// "transport"; segment quantities "D", "D_inplane", "D_normal" (cm2/s) and "conductivity" (S/cm)
// of the first ion species (other ion species get the suffix "_<symbol>", e.g. "D_Na").
// Read-only on the trajectory; thread-safe.
#pragma once

#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "analysis/diffusion.hpp"
#include "analysis/msd.hpp"
#include "analysis/report.hpp"
#include "analysis/segments.hpp"
#include "analysis/trajectory.hpp"

namespace ioncycle::analysis {

struct TransportOptions {
  /// Atomic numbers of the mobile ions; empty: those of Li, Na, K present in the trajectory.
  std::vector<int> ion_species;
  /// Also the MSD and D of the host atoms (species "host").
  bool include_host = true;
  /// Layer normal; default: a×b of each segment's first frame.
  std::optional<core::Vec3> normal;
  DiffusionOptions diffusion;
  /// Ion charge in units of e (Nernst–Einstein).
  double ion_charge = 1.0;
  /// Temperature for Nernst–Einstein (K); NaN: the mean "temperature" observable of the segment.
  double temperature_K = std::numeric_limits<double>::quiet_NaN();
};

/// One species over one segment.
struct SpeciesTransport {
  std::string segment;      ///< Segment::label
  std::string species;      ///< element symbol ("Li") or "host"
  int atomic_number = 0;    ///< 0 for the host
  MsdCurve msd;             ///< over the whole segment
  DiffusionFit diffusion;   ///< Å²/fs
  double ion_density_per_A3 = std::numeric_limits<double>::quiet_NaN();  ///< mean over the segment
  double temperature_K = std::numeric_limits<double>::quiet_NaN();
  Estimate conductivity_S_cm;  ///< NaN for the host
  std::string note;            ///< why something is missing ("" when complete)
};

struct TransportResult {
  std::vector<SpeciesTransport> entries;  ///< per segment (in the order given), ions then host
  std::vector<int> ion_species;           ///< as used

  /// {"ion_species": [...], "segments": [{segment, species, num_ions, D: {value, error} (cm2/s),
  /// D_inplane, D_normal, conductivity_S_cm, fit_start_ps, fit_end_ps, blocks, ...}], "method": ...}
  [[nodiscard]] nlohmann::json to_json() const;
  /// dir/msd.csv and dir/diffusion.csv.
  void write_tables(const std::filesystem::path& dir) const;
  /// "D", "D_inplane", "D_normal" (cm2/s), "conductivity" (S/cm) per segment, for the ions.
  [[nodiscard]] std::vector<SegmentQuantity> segment_quantities() const;
};

/// Transport over every segment (see the header).
[[nodiscard]] TransportResult analyze_transport(const Trajectory& trajectory, const std::vector<Segment>& segments,
                                                const TransportOptions& options);

}  // namespace ioncycle::analysis
