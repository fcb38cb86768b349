// SPDX-License-Identifier: MIT
//
// Training a NEP student with TorchNEP (PyPI `torchnep`, pinned in .venv-nep by scripts/setup,
// stage 2c). TorchNEP is GPL-licensed, so ioncycle never links or imports it: it writes GPUMD's
// nep.in for the hyperparameters, runs TorchNEP's `train_nep` in the trainer environment's Python
// as a separate process on a training set in extended XYZ (a label journal, labels.hpp, is one
// as it is), and takes the nep.txt it writes, which NepPotential loads unchanged.
//
// The defaults are the student of docs/benchmarks.md ("NEP kernel against TorchNEP"): NEP4,
// cutoffs 6 / 4 Å, n_max 4 / 4, basis 8 / 8, l_max 4 2 0, 30 neurons (GPUMD's defaults with a 6 Å
// radial cutoff), batch 8, float64, loss weights 1 / 1 / 0.1. TorchNEP resumes from the checkpoint
// in its output directory when the same work directory is trained again (`restart`), so a killed
// training continues.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ioncycle::distill {

struct NepHyperparameters {
  std::vector<std::string> elements;  ///< element symbols in the model's type order
  int version = 4;                    ///< 3 or 4
  double cutoff_radial = 6.0;         ///< Å
  double cutoff_angular = 4.0;        ///< Å
  int n_max_radial = 4, n_max_angular = 4;
  int basis_radial = 8, basis_angular = 8;
  int l_max_3body = 4, l_max_4body = 2, l_max_5body = 0;
  int neurons = 30;
  int batch = 8;
  int epochs = 100;
  /// Adam's initial learning rate (TorchNEP's `lr`; its default 0.01, decayed on plateaus).
  double learning_rate = 0.01;
  /// Loss weights of energy, forces and virial. GPUMD's defaults (1, 1, 0.1) rather than
  /// TorchNEP's (0.01, 1, 0.01): a student must get energies right as well (the voltage is an
  /// energy difference), and with TorchNEP's weights a short training leaves energy errors of
  /// tens of meV/atom (docs/distill.md).
  double lambda_e = 1.0, lambda_f = 1.0, lambda_v = 0.1;
};

/// GPUMD's nep.in text for `h`. InputError for values TorchNEP would refuse or misread (no
/// elements, a version other than 3 or 4, the angular cutoff above the radial one, sizes < 1,
/// l_max_4body other than 0 or 2, l_max_5body other than 0 or 1).
[[nodiscard]] std::string nep_input(const NepHyperparameters& h);

struct NepTrainingRun {
  std::string model_path;  ///< the trained nep.txt (TorchNEP's best model) in the work directory
  std::string log;         ///< TorchNEP's output
  double seconds = 0.0;    ///< wall time of the training process
};

/// Train on `training_set` (extended XYZ with energy, forces and, optionally, stress) in
/// `work_dir` (created; nep.in and TorchNEP's output go there), with `seed` for TorchNEP's run.
/// `python`: the trainer environment's interpreter; "" finds $IONCYCLE_NEP_PYTHON or
/// .venv-nep/bin/python above the executable. InputError when it is missing (hint: run
/// ./scripts/setup); SimulationError with the end of TorchNEP's output when training fails.
/// `start_from`: a nep.txt of the same hyperparameters whose weights the training starts from
/// (TorchNEP's fine-tuning: a fresh optimizer at the initial learning rate); "" starts from
/// TorchNEP's random initialization. A killed training resumes from its checkpoint either way.
[[nodiscard]] NepTrainingRun train_nep(const NepHyperparameters& h, const std::string& training_set,
                                       const std::string& work_dir, std::uint64_t seed,
                                       const std::string& python = "", const std::string& start_from = "");

}  // namespace ioncycle::distill
