// SPDX-License-Identifier: MIT
#include "distill/nep_training.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "core/subprocess.hpp"
#include "potentials/data_files.hpp"

namespace ioncycle::distill {

namespace {

// TorchNEP's training call, run by the trainer environment's Python: nep.in, the training set,
// the output directory and the seed as arguments. Float64, as ioncycle evaluates NEP in double
// precision; checkpoints every 10 epochs so that a killed training loses little. A fifth argument
// names a model to start from (TorchNEP's finetune_from: its weights and q_scaler, a fresh optimizer
// at nep.in's lr); TorchNEP ignores its own checkpoint when finetune_from is given, so a killed
// warm-started training is resumed from the checkpoint instead, without finetune_from.
constexpr const char* kTrainScript = R"(import os, sys
from torchnep import train_nep
start = sys.argv[5] if len(sys.argv) > 5 else ""
if start and os.path.exists(os.path.join(sys.argv[3], "checkpoint.pt")):
    start = ""
train_nep(sys.argv[1], sys.argv[2], output_dir=sys.argv[3], device="cpu", precision="float64",
          run_seed=int(sys.argv[4]), restart=True, checkpoint_interval=10, prediction_interval=1000000,
          finetune_from=start or None)
)";

std::string last_lines(const std::string& text, std::size_t count) {
  std::size_t pos = text.size();
  for (std::size_t k = 0; k <= count && pos > 0; ++k) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) return text;
  }
  return text.substr(pos + 1);
}

}  // namespace

std::string nep_input(const NepHyperparameters& h) {
  const auto bad = [](const std::string& what, const std::string& hint) { throw InputError(what, hint); };
  if (h.elements.empty()) bad("a NEP model needs at least one element", "list the elements of the training set");
  if (h.version != 3 && h.version != 4) bad("NEP version " + std::to_string(h.version) + " is not 3 or 4", "use 4");
  if (!(h.cutoff_radial > 0.0) || !(h.cutoff_angular > 0.0) || h.cutoff_angular > h.cutoff_radial) {
    bad("NEP cutoffs must be positive with the angular one at most the radial one (got " +
            core::format_double(h.cutoff_radial) + " / " + core::format_double(h.cutoff_angular) + " A)",
        "6 / 4 A is the student's default");
  }
  if (h.n_max_radial < 1 || h.n_max_angular < 1 || h.basis_radial < 1 || h.basis_angular < 1 || h.neurons < 1 ||
      h.batch < 1 || h.epochs < 1 || h.l_max_3body < 1) {
    bad("NEP sizes (n_max, basis, l_max, neurons, batch, epochs) must be at least 1", "see docs/models.md");
  }
  if (!(h.lambda_e >= 0.0) || !(h.lambda_f >= 0.0) || !(h.lambda_v >= 0.0) || h.lambda_e + h.lambda_f == 0.0) {
    bad("the NEP loss weights lambda_e, lambda_f, lambda_v must be non-negative, energy or force weighted",
        "GPUMD's defaults: lambda_e 1, lambda_f 1, lambda_v 0.1");
  }
  if (!(h.learning_rate > 0.0) || !std::isfinite(h.learning_rate)) {
    bad("the NEP learning rate must be positive and finite", "TorchNEP's default is 0.01");
  }
  if (h.l_max_4body != 0 && h.l_max_4body != 2) bad("the NEP four-body l_max must be 0 or 2", "GPUMD allows 0 or 2");
  if (h.l_max_5body != 0 && h.l_max_5body != 1) bad("the NEP five-body l_max must be 0 or 1", "GPUMD allows 0 or 1");
  std::ostringstream out;
  out << "type " << h.elements.size();
  for (const auto& e : h.elements) out << ' ' << e;
  out << "\nversion " << h.version << "\ncutoff " << core::format_double(h.cutoff_radial) << ' '
      << core::format_double(h.cutoff_angular) << "\nn_max " << h.n_max_radial << ' ' << h.n_max_angular
      << "\nbasis_size " << h.basis_radial << ' ' << h.basis_angular << "\nl_max " << h.l_max_3body << ' '
      << h.l_max_4body << ' ' << h.l_max_5body << "\nneuron " << h.neurons << "\nbatch " << h.batch << "\nepoch "
      << h.epochs << "\nlambda_e " << core::format_double(h.lambda_e) << "\nlambda_f " << core::format_double(h.lambda_f)
      << "\nlambda_v " << core::format_double(h.lambda_v) << "\nlr " << core::format_double(h.learning_rate) << "\n";
  return out.str();
}

NepTrainingRun train_nep(const NepHyperparameters& h, const std::string& training_set, const std::string& work_dir,
                         std::uint64_t seed, const std::string& python, const std::string& start_from) {
  const std::string interpreter =
      python.empty() ? potentials::find_deployed_file("IONCYCLE_NEP_PYTHON", ".venv-nep/bin/python") : python;
  if (interpreter.empty() || !std::filesystem::exists(interpreter)) {
    throw InputError("the NEP trainer environment (.venv-nep with TorchNEP) was not found",
                     "run ./scripts/setup, which creates it, or set IONCYCLE_NEP_PYTHON to its python");
  }
  if (!std::filesystem::exists(training_set)) {
    throw InputError("the training set '" + training_set + "' does not exist", "label the structures first");
  }
  if (!start_from.empty() && !std::filesystem::exists(start_from)) {
    throw InputError("the model to start the training from, '" + start_from + "', does not exist",
                     "train without a start model, or give an existing nep.txt");
  }
  const std::filesystem::path dir = std::filesystem::absolute(work_dir);
  std::filesystem::create_directories(dir);
  const std::string config = (dir / "nep.in").string();
  {
    std::ofstream out(config);
    out << nep_input(h);
    if (!out) throw InputError("cannot write '" + config + "'", "check that the directory is writable");
  }
  const std::string output = (dir / "torchnep").string();
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> command{interpreter, "-c", kTrainScript, config,
                                   std::filesystem::absolute(training_set).string(), output, std::to_string(seed)};
  if (!start_from.empty()) command.push_back(std::filesystem::absolute(start_from).string());
  const core::ProcessResult result = core::run_process(command);
  NepTrainingRun run;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.log = result.output;
  {
    std::ofstream log(dir / "torchnep.log");
    log << result.output;
  }
  for (const char* name : {"nep_best.txt", "nep.txt"}) {
    const std::filesystem::path model = std::filesystem::path(output) / name;
    if (result.exit_code == 0 && std::filesystem::exists(model)) {
      run.model_path = model.string();
      return run;
    }
  }
  throw SimulationError("TorchNEP did not produce a model (exit status " + std::to_string(result.exit_code) +
                        "); the end of its output (all of it in " + (dir / "torchnep.log").string() + "):\n" +
                        last_lines(result.output, 12));
}

}  // namespace ioncycle::distill
