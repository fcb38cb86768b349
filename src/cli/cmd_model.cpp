// SPDX-License-Identifier: MIT
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/paths.hpp"
#include "potentials/model_file.hpp"

namespace ioncycle::cli {

CommandSpec model_info_spec() {
  return {"model info", "MODEL",
          "show what a model file says about itself: format, elements, cutoff, dtype, metadata",
          "MODEL is a path to a TorchScript file (a deployed SevenNet model or a MACE model\n"
          "exported for LAMMPS), a GPUMD/TorchNEP nep.txt, an `ioncycle distill` output directory\n"
          "(its nep.txt), or 'default' for SevenNet-0 as deployed by scripts/setup. A model made by\n"
          "`ioncycle distill` also shows its distill summary (teacher, frames, errors).",
          {{"json", "", "print a JSON object instead of text"}},
          1, 1};
}

namespace {

// The "distill" section of the summary.json next to a model made by `ioncycle distill`, or null.
nlohmann::json distill_summary(const std::string& model_path) {
  namespace fs = std::filesystem;
  const fs::path summary = fs::path(model_path).parent_path() / "summary.json";
  std::ifstream in(summary);
  if (!in) return nullptr;
  try {
    const auto j = nlohmann::json::parse(in);
    if (!j.contains("distill")) return nullptr;
    const auto& d = j["distill"];
    if (d.value("model", std::string()) != fs::path(model_path).filename().string()) return nullptr;
    return d;
  } catch (const nlohmann::json::exception&) {
    return nullptr;
  }
}

std::string rmse_text(const nlohmann::json& e) {
  char line[200];
  std::snprintf(line, sizeof line, "%zu frames: E %.3g meV/atom, F %.3g meV/A",
                e.value("frames", std::size_t{0}), e.value("energy_rmse_meV_per_atom", 0.0),
                e.value("force_rmse_meV_per_A", 0.0));
  std::string s = line;
  if (e.contains("stress_rmse_GPa") && e["stress_rmse_GPa"].is_number()) {
    std::snprintf(line, sizeof line, ", stress %.3g GPa", e["stress_rmse_GPa"].get<double>());
    s += line;
  }
  return s;
}

}  // namespace

int run_model_info(const ParsedArgs& args, const Context& ctx) {
  std::string path = resolve_model_path(args.positional[0]);
  if (std::filesystem::is_directory(path) && std::filesystem::exists(std::filesystem::path(path) / "nep.txt")) {
    path = (std::filesystem::path(path) / "nep.txt").string();
  }
  const auto info = potentials::inspect_model(path);
  const nlohmann::json distill = distill_summary(path);
  if (args.flag("json")) {
    nlohmann::json j;
    j["path"] = info.path;
    j["format"] = std::string(potentials::format_name(info.format));
    j["elements"] = info.elements;
    j["cutoff_A"] = info.cutoff;
    j["dtype"] = info.dtype;
    j["metadata"] = info.metadata;
    if (!distill.is_null()) j["distill"] = distill;
    ctx.out << std::setw(2) << j << "\n";
    return 0;
  }
  ctx.out << "model       " << info.path << "\n";
  ctx.out << "format      " << potentials::format_name(info.format) << "\n";
  ctx.out << "cutoff      " << info.cutoff << " Å\n";
  ctx.out << "dtype       " << info.dtype << "\n";
  ctx.out << "elements    " << info.elements.size() << ":";
  for (const auto& e : info.elements) ctx.out << " " << e;
  ctx.out << "\n";
  for (const auto& [k, v] : info.metadata) {
    if (k == "chemical_symbols_to_index" || k == "atomic_numbers") continue;
    ctx.out << "  " << std::left << std::setw(12) << k << v << "\n";
  }
  if (info.format != potentials::ModelFormat::nep) ctx.out << "libtorch    " << potentials::libtorch_version() << "\n";
  if (!distill.is_null()) {
    ctx.out << "distilled   from " << distill.value("teacher", std::string("?")) << ", final round "
            << distill.value("final_round", 0) << " (" << distill.value("stop_reason", std::string()) << ")\n";
    if (distill.contains("frames")) {
      ctx.out << "  frames    " << distill["frames"].value("training", 0) << " training, "
              << distill["frames"].value("test", 0) << " held out\n";
    }
    if (distill.contains("final_errors")) {
      for (const auto& [set, e] : distill["final_errors"].items()) {
        ctx.out << "  " << std::left << std::setw(12) << set << rmse_text(e) << "\n";
      }
    }
  }
  return 0;
}

}  // namespace ioncycle::cli
