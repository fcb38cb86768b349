// SPDX-License-Identifier: MIT
//
// `ioncycle eval STRUCTURE --potential SPEC`: one single-point evaluation, the check users run
// before trusting a model on their structure (and the one the tests compare with each model's
// own Python calculator). Reports, in ASE's conventions so numbers can be pasted side by side:
//   energy (eV), forces (eV/Å), per-atom energies (eV) where the potential has them, and the
//   stress of the potential in GPa, stress = (1/V) ∂E/∂ε = -W/V (ASE's sign: positive when the
//   cell pulls inward, i.e. tensile), Voigt order xx, yy, zz, yz, xz, xy (ASE's order).
// The kinetic part is not included (a single point has no temperature).
#include <omp.h>

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/frame_select.hpp"
#include "cli/threads.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/geometry.hpp"
#include "core/units.hpp"
#include "io/structure_io.hpp"
#include "potentials/potential_spec.hpp"

namespace ioncycle::cli {

namespace fs = std::filesystem;

namespace {

// A single point that is not a number is no result: say which potential gave it and point at the
// usual cause, atoms on top of each other (issue "Reliability": eval printed "energy inf eV").
void refuse_non_finite(const potentials::ForceResult& result, const core::System& system, const std::string& spec,
                       const std::string& name) {
  std::string what;
  if (!std::isfinite(result.energy)) {
    std::ostringstream e;
    e << "a non-finite energy (" << result.energy << " eV)";
    what = e.str();
  } else {
    for (std::size_t i = 0; i < result.forces.size(); ++i) {
      if (!result.forces[i].allFinite()) {
        what = "a non-finite force on atom " + std::to_string(i);
        break;
      }
    }
  }
  if (what.empty()) return;
  std::ostringstream message;
  message << "the potential '" << spec << "' (" << name << ") gave " << what << " for this structure";
  const core::ClosestPair pair = core::closest_pair(system);
  if (std::isfinite(pair.distance)) {
    message << "; its closest atoms, " << pair.i << " (" << core::symbol(system.atomic_numbers()[pair.i]) << ") and "
            << pair.j << " (" << core::symbol(system.atomic_numbers()[pair.j]) << "), are " << std::fixed
            << std::setprecision(3) << pair.distance << " A apart";
  }
  throw SimulationError("eval", message.str());
}

}  // namespace

CommandSpec eval_spec() {
  return {"eval", "STRUCTURE",
          "single-point energy, forces, stress and per-atom energies of a structure",
          "--potential takes a spec: 'default' (SevenNet-0 + D3(BJ)), 'sevennet:PATH', 'mace:PATH',\n"
          "'torchscript:PATH', 'model:PATH' (format from the file), 'd3[:FUNCTIONAL]', 'tersoff:PATH',\n"
          "'lj:epsilon=E,sigma=S,cutoff=C', 'morse:d0=D,alpha=A,r0=R,cutoff=C', and sums 'A+B'.\n"
          "Paths are relative to the working directory. Stress is the potential's only (no kinetic\n"
          "part), in GPa with ASE's sign and Voigt order (xx, yy, zz, yz, xz, xy).",
          {{"potential", "SPEC", "the potential (default: 'default')"},
           {"device", "DEV", "cpu, cuda, cuda:N or auto (default) for TorchScript models"},
           {"threads", "N", "OpenMP and libtorch threads (default: OMP_NUM_THREADS or all cores)"},
           {"format", "FMT", "input format (extxyz, poscar, h5md); default: from the file name"},
           {"frame", "N", "frame of a multi-frame file (default -1, the last)"},
           {"forces", "", "also print every atom's force and energy (text output)"},
           {"json", "", "print a JSON object instead of text"}},
          1, 1};
}

int run_eval(const ParsedArgs& args, const Context& ctx) {
  apply_thread_option(args);
  const std::string& path = args.positional[0];
  std::optional<io::Format> fmt;
  if (auto f = args.value("format")) fmt = io::parse_format_name(*f);
  const auto frames = io::read_frames(path, fmt);
  const std::size_t k = select_frame(frames, args.value("frame").value_or("-1"), path);
  const core::System& system = frames[k].system;
  if (system.num_atoms() == 0) {
    throw InputError(SourceLocation{path, 0, 0}, "the structure holds no atoms (frame " + std::to_string(k) + ")",
                     "check that the file was written completely");
  }

  const std::string spec = args.value("potential").value_or("default");
  potentials::SpecContext context;
  context.base_dir = fs::current_path().string();
  context.structure_elements.assign(system.atomic_numbers().begin(), system.atomic_numbers().end());
  context.device = args.value("device").value_or("auto");
  context.where = SourceLocation{"--potential", 1, 1};
  auto potential = potentials::make_potential_from_spec(spec, context);
  for (const int z : system.atomic_numbers()) {
    if (!potential->supports(z)) {
      throw InputError(SourceLocation{"--potential", 1, 1},
                       "the potential '" + spec + "' has no parameters for " + std::string(core::symbol(z)),
                       "it supports: " + potential->supported_species());
    }
  }

  potentials::ForceRequest what;
  what.forces = true;
  const bool periodic3 = system.cell().all_periodic();
  what.virial = periodic3;
  what.per_atom_energy = potential->has_per_atom_energy();
  const potentials::ForceResult result = potential->compute_once(system, what);
  refuse_non_finite(result, system, spec, potential->name());

  const std::size_t n = system.num_atoms();
  std::array<double, 6> stress{};
  if (periodic3) {
    // ASE: stress = (1/V) ∂E/∂ε = -W/V, Voigt xx yy zz yz xz xy.
    const core::Mat3 s = -result.virial / system.cell().volume() * units::eV_per_A3_in_GPa;
    stress = {s(0, 0), s(1, 1), s(2, 2), s(1, 2), s(0, 2), s(0, 1)};
  }
  std::size_t worst = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (result.forces[i].norm() > result.forces[worst].norm()) worst = i;
  }

  if (args.flag("json")) {
    nlohmann::json j;
    j["structure"] = path;
    j["frame"] = k;
    j["potential"] = spec;
    j["num_atoms"] = n;
    j["energy_eV"] = result.energy;
    j["energy_per_atom_eV"] = n > 0 ? result.energy / static_cast<double>(n) : 0.0;
    nlohmann::json forces = nlohmann::json::array();
    for (const auto& f : result.forces) forces.push_back({f.x(), f.y(), f.z()});
    j["forces_eV_per_A"] = forces;
    if (periodic3) {
      j["stress_GPa"] = stress;
      j["stress_order"] = "xx yy zz yz xz xy";
      j["stress_convention"] = "ASE: (1/V) dE/dstrain, positive = tensile; potential part only";
      j["virial_eV"] = {{result.virial(0, 0), result.virial(0, 1), result.virial(0, 2)},
                        {result.virial(1, 0), result.virial(1, 1), result.virial(1, 2)},
                        {result.virial(2, 0), result.virial(2, 1), result.virial(2, 2)}};
    } else {
      j["stress_GPa"] = nullptr;
    }
    if (what.per_atom_energy) j["per_atom_energy_eV"] = result.per_atom_energy;
    std::vector<std::string> symbols;
    for (const int z : system.atomic_numbers()) symbols.emplace_back(core::symbol(z));
    j["symbols"] = symbols;
    j["ids"] = std::vector<std::int64_t>(system.ids().begin(), system.ids().end());
    j["threads"] = omp_get_max_threads();
    ctx.out << std::setw(2) << j << "\n";
    return 0;
  }

  auto& out = ctx.out;
  out << std::setprecision(10);
  out << "structure   " << path << " (frame " << k << ", " << n << " atoms)\n";
  out << "potential   " << spec << " (" << potential->name() << ")\n";
  out << "energy      " << result.energy << " eV  (" << (n > 0 ? result.energy / static_cast<double>(n) : 0.0)
      << " eV/atom)\n";
  if (n > 0) {
    out << "max |F|     " << result.forces[worst].norm() << " eV/Å  (atom " << worst << ", "
        << core::symbol(system.atomic_numbers()[worst]) << ")\n";
  }
  if (periodic3) {
    out << "stress      GPa, ASE sign, xx yy zz yz xz xy:";
    for (const double s : stress) out << " " << s;
    out << "\n";
  } else {
    out << "stress      (not defined: the cell is not periodic along all three axes)\n";
  }
  if (args.flag("forces")) {
    out << "# index id element fx fy fz (eV/Å)" << (what.per_atom_energy ? " energy (eV)" : "") << "\n";
    for (std::size_t i = 0; i < n; ++i) {
      const auto& f = result.forces[i];
      out << i << " " << system.ids()[i] << " " << core::symbol(system.atomic_numbers()[i]) << " " << f.x() << " "
          << f.y() << " " << f.z();
      if (what.per_atom_energy) out << " " << result.per_atom_energy[i];
      out << "\n";
    }
  }
  return 0;
}

}  // namespace ioncycle::cli
