// SPDX-License-Identifier: MIT
//
// The configurations a student must know before it drives a cycling run ([sampling] of
// `ioncycle distill`, docs/distill.md): every host at every ion content the cycling visits, and
// the perturbed, inserted, removed and reference-metal geometries around them. Teacher MD
// snapshots of these configurations are added by md_snapshots.hpp.
//
// Base configurations, per host (a [structure] table with its faults and defects):
//   - the host as given (a built LiC6 or LiC12 phase is an ordered staged arrangement);
//   - the host stripped of the ion, with round(x × capacity) ions for every x of `ion_fractions`
//     and every arrangement: "random" (anywhere in the galleries) and "staged" (every other
//     gallery only, the stage-2 arrangement; for x ≤ 0.5, since stage 2 holds half the ions).
//     Ions go to random gallery points (cycling/insertion_sites.hpp) at least `min_distance` from
//     host atoms and `ion_spacing` from other ions; the layer normal is first stretched by
//     `expansion_at_full` × x (graphite's galleries open by ~10 % from C to LiC6), relative to
//     the stretch of the host's own content (a built LiC6 is already open).
// Perturbed copies of every base configuration:
//   - "strained": `strained` random symmetric strains with components in ±`strain_max`, and the
//     layer normal scaled by each factor of `layer_scales` (separated and compressed layers);
//   - rattled copies (`rattled`, Gaussian σ = `rattle_sigma`), in the base's category;
//   - "insertion": one more ion at a random gallery site before any settling (`insertions` per
//     base below capacity) and one ion removed at random (`removals` per base holding ions): the
//     geometries an insertion or removal trial evaluates;
//   - "metal": the bcc metal of the ion (μ_ref's reference, cycling/reference_metal.hpp) in a
//     `metal_repeat`³ supercell of the conventional cell at 0.96, 1 and 1.04 times the tabulated
//     lattice constant, with a rattled copy of each.
// Categories: "metal", "insertion", "strained" as above; otherwise "defect" for a host with
// faults or defects (its `defects` record), "lithiated" with ions, "bulk" without. Every frame's
// info carries `category` and `origin` (a short description). Everything is drawn from `rng`, so
// a seed gives the same configurations.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "io/frame.hpp"

namespace ioncycle::distill {

struct SamplingSettings {
  int ion_z = 3;                                           ///< the cycled ion
  std::string capacity = "LiC6";                           ///< cycling/capacity.hpp formula
  std::vector<double> ion_fractions{0.0, 0.25, 0.5, 0.75, 1.0};
  std::vector<std::string> arrangements{"random", "staged"};
  double expansion_at_full = 0.10;  ///< fractional stretch of the layer normal at x = 1
  double min_distance = 1.5;        ///< Å, new ion to host atoms
  double ion_spacing = 2.5;         ///< Å, new ion to other ions
  std::vector<double> temperatures{300.0, 600.0};  ///< K, teacher MD
  int md_steps = 200;               ///< teacher MD steps per base configuration and temperature
  double md_timestep = 1.0;         ///< fs
  int md_frames = 4;                ///< snapshots kept per trajectory
  int strained = 2;
  double strain_max = 0.03;
  std::vector<double> layer_scales{0.92, 1.1, 1.25};
  int rattled = 2;
  double rattle_sigma = 0.05;  ///< Å
  int insertions = 2;
  int removals = 2;
  bool reference_metal = true;
  int metal_repeat = 3;
};

/// The categories, in the order reports list them (with "audit" for frames included from an
/// audit's audit_frames.extxyz and "labelled" for the user's labelled files).
[[nodiscard]] const std::vector<std::string>& categories();

/// Base configurations of every host (see above). InputError for a host without a periodic
/// lattice in-plane, a capacity formula that does not fit it, or settings out of range.
[[nodiscard]] std::vector<io::Frame> base_configurations(const std::vector<io::Frame>& hosts,
                                                         const SamplingSettings& settings, core::Rng& rng);

/// Perturbed, inserted, removed and metal frames around `bases` (see above).
[[nodiscard]] std::vector<io::Frame> perturbed_configurations(const std::vector<io::Frame>& bases,
                                                              const SamplingSettings& settings, core::Rng& rng);

/// Ions at state of charge 1 for `settings.capacity` on `host` without its ions
/// (cycling/capacity.hpp); InputError, without a location, when the formula does not fit it.
[[nodiscard]] double host_capacity(const core::System& host, const SamplingSettings& settings);

/// The frame's `category` info ("" when absent).
[[nodiscard]] std::string category_of(const io::Frame& frame);

/// A plain frame (positions, cell, elements) with `category` and `origin` set.
[[nodiscard]] io::Frame tagged(const core::System& system, const std::string& category, const std::string& origin);

}  // namespace ioncycle::distill
