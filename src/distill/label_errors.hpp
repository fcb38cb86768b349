// SPDX-License-Identifier: MIT
//
// How far a potential (a student) is from labelled frames (a teacher's, or DFT): the errors that
// `ioncycle distill` reports per round and category and that an audit reports during a run.
//
//   energy:  RMSE over frames of (E_model - E_label) / N          (eV/atom)
//   forces:  RMSE over every force component of every atom          (eV/Å), and the largest
//            |F_model - F_label| of one atom                        (eV/Å)
//   stress:  RMSE over the six independent components of frames with a stress label (GPa)
//
// as NEP, DeePMD and MACE report them (component-wise force RMSE, per-atom energy RMSE). Frames
// without a label for a quantity (no energy, no forces, no stress) leave it out; a statistic with
// no frames is NaN and its count 0.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "io/frame.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::distill {

struct LabelErrors {
  std::size_t frames = 0;             ///< frames compared
  std::size_t energy_frames = 0;      ///< of which with an energy label
  std::size_t force_atoms = 0;        ///< atoms with a force label
  std::size_t stress_frames = 0;      ///< frames with a stress label (and a 3-periodic cell)
  double energy_rmse = 0.0;           ///< eV/atom
  double force_rmse = 0.0;            ///< eV/Å, per component
  double force_max = 0.0;             ///< eV/Å, largest per-atom error norm
  double stress_rmse = 0.0;           ///< GPa, per independent component
};

/// The model's predictions for one labelled frame, next to the labels (for parity plots).
struct FramePrediction {
  double energy_label = 0.0, energy_model = 0.0;  ///< eV
  std::size_t atoms = 0;
  double force_rmse = 0.0;  ///< eV/Å, this frame's component RMSE (NaN without force labels)
};

/// Evaluate `model` on every frame of `labelled` (extxyz "energy", forces column, "stress" in
/// eV/Å³ with ASE's sign, as label journals hold them) and compare. `per_frame`, if given, gets
/// one entry per frame. Throws InputError naming the frame for an element the model lacks.
[[nodiscard]] LabelErrors label_errors(potentials::Potential& model, std::span<const io::Frame> labelled,
                                       std::vector<FramePrediction>* per_frame = nullptr);

}  // namespace ioncycle::distill
