// SPDX-License-Identifier: MIT
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
          "exported for LAMMPS), a GPUMD/TorchNEP nep.txt, or 'default' for SevenNet-0 as\n"
          "deployed by scripts/setup.",
          {{"json", "", "print a JSON object instead of text"}},
          1, 1};
}

int run_model_info(const ParsedArgs& args, const Context& ctx) {
  const std::string path = resolve_model_path(args.positional[0]);
  const auto info = potentials::inspect_model(path);
  if (args.flag("json")) {
    nlohmann::json j;
    j["path"] = info.path;
    j["format"] = std::string(potentials::format_name(info.format));
    j["elements"] = info.elements;
    j["cutoff_A"] = info.cutoff;
    j["dtype"] = info.dtype;
    j["metadata"] = info.metadata;
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
  return 0;
}

}  // namespace ioncycle::cli
