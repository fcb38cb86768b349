// SPDX-License-Identifier: MIT
//
// TorchScriptPotential, the interface for a user's own TorchScript model (docs/models.md, "Your
// own TorchScript model"). The test model is a two-element Lennard-Jones potential written in
// torch, scripted and saved by the venv's Python (torch 2.11) exactly as the documentation says;
// ioncycle's own LennardJones (checked against LAMMPS in test_lammps_lj.cpp) is the reference.
// Forces and virial come from ioncycle's autograd (positions; strain of positions, cell and
// shifts), so they are also checked by central differences. Then the metadata and error paths.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "potential_checks.hpp"
#include "potentials/lennard_jones.hpp"
#include "potentials/model_file.hpp"
#include "potentials/morse.hpp"
#include "potentials/torchscript_potential.hpp"
#include "testing.hpp"

using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::potentials::ForceRequest;
using ioncycle::potentials::TorchScriptPotential;
namespace t = ioncycle::testing;
namespace core = ioncycle::core;
namespace pot = ioncycle::potentials;

namespace {

constexpr int kAr = 18;
constexpr int kKr = 36;
constexpr double kCutoff = 7.0;

// The model of docs/models.md, generalized to per-element ε and σ with Lorentz-Berthelot mixing
// (what ioncycle's LennardJones does for unlike pairs), and the broken variants of the error
// tests. argv[1] is the output directory.
const char* kExportScript = R"PY(
import sys
from typing import Dict

import torch

out = sys.argv[1]


class LennardJones(torch.nn.Module):
    def __init__(self, params):  # params: {Z: (epsilon eV, sigma A)}
        super().__init__()
        eps = torch.zeros(119, dtype=torch.float64)
        sig = torch.zeros(119, dtype=torch.float64)
        for z, (e, s) in params.items():
            eps[z], sig[z] = e, s
        self.register_buffer("epsilon", eps)
        self.register_buffer("sigma", sig)

    def forward(self, positions: torch.Tensor, cell: torch.Tensor, atomic_numbers: torch.Tensor,
                edge_index: torch.Tensor, shifts: torch.Tensor) -> Dict[str, torch.Tensor]:
        i, j = edge_index[0], edge_index[1]
        d = positions[j] - positions[i] + shifts
        r2 = (d * d).sum(dim=1)
        zi, zj = atomic_numbers[i], atomic_numbers[j]
        eps = torch.sqrt(self.epsilon[zi] * self.epsilon[zj])
        sig = 0.5 * (self.sigma[zi] + self.sigma[zj])
        s6 = (sig * sig / r2) ** 3
        pair = 4.0 * eps * (s6 * s6 - s6)
        # Every pair appears twice (i->j and j->i): half of it to the sender each time.
        atomic = torch.zeros(positions.shape[0], dtype=positions.dtype, device=positions.device)
        atomic = atomic.index_add(0, i, 0.5 * pair)
        return {"energy": atomic.sum(), "atomic_energies": atomic}


class EnergyOnly(torch.nn.Module):
    def forward(self, positions: torch.Tensor, cell: torch.Tensor, atomic_numbers: torch.Tensor,
                edge_index: torch.Tensor, shifts: torch.Tensor) -> Dict[str, torch.Tensor]:
        d = positions[edge_index[1]] - positions[edge_index[0]] + shifts
        r = torch.sqrt((d * d).sum(dim=1))
        return {"energy": 0.01 * ((3.0 - r) ** 3).sum()}  # smooth at its cutoff, 3 A


class NoEnergy(torch.nn.Module):
    def forward(self, positions: torch.Tensor, cell: torch.Tensor, atomic_numbers: torch.Tensor,
                edge_index: torch.Tensor, shifts: torch.Tensor) -> Dict[str, torch.Tensor]:
        return {"e": positions.sum()}


class WrongArguments(torch.nn.Module):
    def forward(self, positions: torch.Tensor) -> Dict[str, torch.Tensor]:
        return {"energy": positions.sum()}


lj = LennardJones({18: (0.0104, 3.40), 36: (0.0140, 3.65)})
meta = {"ioncycle_model": "1", "elements": "Ar Kr", "cutoff": "7.0", "dtype": "float64"}
torch.jit.save(torch.jit.script(lj), f"{out}/lj64.pt", _extra_files=meta)
torch.jit.save(torch.jit.script(lj.float()), f"{out}/lj32.pt", _extra_files=dict(meta, dtype="float32"))
torch.jit.save(torch.jit.script(EnergyOnly()), f"{out}/energy_only.pt", _extra_files=dict(meta, cutoff="3.0"))
torch.jit.save(torch.jit.script(NoEnergy()), f"{out}/no_energy.pt", _extra_files=meta)
torch.jit.save(torch.jit.script(WrongArguments()), f"{out}/wrong_arguments.pt", _extra_files=meta)
torch.jit.save(torch.jit.script(lj), f"{out}/no_elements.pt",
               _extra_files={"ioncycle_model": "1", "cutoff": "7.0"})
torch.jit.save(torch.jit.script(lj), f"{out}/version2.pt", _extra_files=dict(meta, ioncycle_model="2"))
torch.jit.save(torch.jit.script(lj), f"{out}/bad_element.pt", _extra_files=dict(meta, elements="Ar Kx"))
torch.jit.save(torch.jit.script(lj), f"{out}/no_metadata.pt")
print("exported")
)PY";

// The example of docs/models.md ("Your own TorchScript model"), verbatim apart from the output
// path: keep the two in step.
const char* kDocsExample = R"PY(
import sys
from typing import Dict

import torch


class Morse(torch.nn.Module):
    """Pairwise Morse potential for one element, shifted to zero at the cutoff."""

    def __init__(self, d0: float, alpha: float, r0: float, cutoff: float):
        super().__init__()
        self.d0, self.alpha, self.r0, self.cutoff = d0, alpha, r0, cutoff

    def pair(self, r: torch.Tensor) -> torch.Tensor:
        u = torch.exp(-self.alpha * (r - self.r0))
        return self.d0 * (u * u - 2.0 * u)

    def forward(self, positions: torch.Tensor, cell: torch.Tensor, atomic_numbers: torch.Tensor,
                edge_index: torch.Tensor, shifts: torch.Tensor) -> Dict[str, torch.Tensor]:
        i, j = edge_index[0], edge_index[1]
        r = torch.linalg.norm(positions[j] - positions[i] + shifts, dim=1)
        e = 0.5 * (self.pair(r) - self.pair(torch.full_like(r, self.cutoff)))  # each pair is listed twice
        atomic = torch.zeros_like(positions[:, 0]).index_add(0, i, e)
        return {"energy": atomic.sum(), "atomic_energies": atomic}


model = torch.jit.script(Morse(d0=0.3429, alpha=1.3588, r0=2.866, cutoff=6.0))
torch.jit.save(model, sys.argv[1] + "/morse_cu.pt", _extra_files={
    "ioncycle_model": "1", "elements": "Cu", "cutoff": "6.0", "dtype": "float64"})
)PY";

// Export once per test process (each TEST_CASE is its own ctest process).
const std::string& model_dir() {
  static const std::string dir = [] {
    const std::string d = t::temp_dir("torchscript");
    for (const char* script : {kExportScript, kDocsExample}) {
      const auto r = t::run_python(script, t::shell_quote(d));
      INFO(r.output);
      REQUIRE(r.exit_code == 0);
    }
    return d;
  }();
  return dir;
}

pot::LennardJones reference_lj() {
  pot::LennardJones::Params params;
  params.pairs.push_back({kAr, kAr, 0.0104, 3.40, kCutoff});
  params.pairs.push_back({kKr, kKr, 0.0140, 3.65, kCutoff});
  return pot::LennardJones(params);
}

// 40 Ar/Kr atoms in a random triclinic cell of ~12.6 Å, narrower than twice the cutoff, so every
// atom also interacts with periodic images of itself.
System argon_krypton(std::uint64_t seed) {
  return t::random_structure({kAr, kKr}, 40, t::random_triclinic_cell(2000.0, seed), 3.0, seed);
}

std::string error_text(const std::string& path) {
  try {
    TorchScriptPotential p(path);
  } catch (const ioncycle::InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

}  // namespace

TEST_CASE("TorchScript LJ model matches ioncycle's LennardJones (float64 and float32)",
          "[unit][potentials][torchscript]") {
  TorchScriptPotential model(model_dir() + "/lj64.pt");
  CHECK(model.name() == "torchscript");
  CHECK(model.cutoff() == kCutoff);
  CHECK(model.dtype() == "float64");
  CHECK(model.has_per_atom_energy());
  CHECK(model.supported_species() == "Ar, Kr");
  auto lj = reference_lj();
  const ForceRequest all{true, true, true};
  for (const std::uint64_t seed : {1u, 2u, 3u}) {
    const System s = argon_krypton(seed);
    const auto ours = t::evaluate(model, s, all);
    const auto ref = t::evaluate(lj, s, all);
    INFO("seed " << seed << ": E = " << ours.energy << " eV, reference " << ref.energy << ", " << model.num_edges()
                 << " edges");
    REQUIRE(model.num_edges() > 0);
    t::check_same_result(ref, ours, 1e-10, 1e-14, "float64 vs LennardJones");
    CHECK(t::energy_of(model, s) == Approx(ref.energy).epsilon(1e-12));
  }

  TorchScriptPotential model32(model_dir() + "/lj32.pt");
  CHECK(model32.dtype() == "float32");
  const System s = argon_krypton(4);
  t::check_same_result(t::evaluate(lj, s, all), t::evaluate(model32, s, all), 2e-5, 1e-7, "float32 vs LennardJones");
}

TEST_CASE("The Morse example of docs/models.md matches ioncycle's Morse", "[unit][potentials][torchscript]") {
  TorchScriptPotential model(model_dir() + "/morse_cu.pt");
  const int cu = core::atomic_number("Cu");
  auto morse = pot::Morse::single(cu, 0.3429, 1.3588, 2.866, 6.0, /*shift=*/true);
  // 32 Cu atoms in a random triclinic cell of ~8.6 Å (narrower than twice the cutoff).
  const System s = t::random_structure({cu}, 32, t::random_triclinic_cell(32 * 20.0, 9), 2.0, 9);
  const ForceRequest all{true, true, true};
  t::check_same_result(t::evaluate(morse, s, all), t::evaluate(model, s, all), 1e-10, 1e-13, "docs Morse vs Morse");
  t::check_forces_by_central_difference(model, s, 1e-4, 1e-6, 1e-9);
}

TEST_CASE("TorchScript forces and virial are derivatives of the model's energy", "[unit][potentials][torchscript]") {
  TorchScriptPotential model(model_dir() + "/lj64.pt");
  const System s = argon_krypton(5);
  t::check_forces_by_central_difference(model, s, 1e-4, 1e-6, 1e-9);
  t::check_virial_by_strain(model, s, 1e-5, 1e-6, 1e-9);  // small h: the LJ energy jumps at its cutoff
  t::check_symmetries(model, s, 6, 1e-10, 1e-12);
  t::check_same_result(t::evaluate_with_threads(model, s, 1), t::evaluate_with_threads(model, s, 2), 1e-12, 1e-14,
                       "1 vs 2 threads");

  // A model without atomic_energies: forces and virial still work, per-atom energies are refused.
  TorchScriptPotential plain(model_dir() + "/energy_only.pt");
  CHECK_FALSE(plain.has_per_atom_energy());
  System dense = t::random_structure({kAr}, 8, t::random_triclinic_cell(60.0, 7), 1.5, 7);
  t::check_forces_by_central_difference(plain, dense, 1e-4, 1e-6, 1e-9);
  t::check_virial_by_strain(plain, dense, 1e-4, 1e-6, 1e-9);
  CHECK_THROWS_WITH(t::evaluate(plain, dense, ForceRequest{true, true, true}),
                    Catch::Contains("returns no 'atomic_energies'"));
}

TEST_CASE("TorchScript model metadata are recognized by inspect_model", "[unit][potentials][torchscript]") {
  const auto info = pot::inspect_model(model_dir() + "/lj32.pt");
  CHECK(info.format == pot::ModelFormat::torchscript);
  CHECK(pot::format_name(info.format) == "torchscript");
  CHECK(info.elements == std::vector<std::string>{"Ar", "Kr"});
  CHECK(info.cutoff == kCutoff);
  CHECK(info.dtype == "float32");
  CHECK(info.metadata.at("ioncycle_model") == "1");

  // Devices: "auto" falls back to the CPU without a GPU; an unknown name is an InputError.
  TorchScriptPotential::Options options;
  options.device = "auto";
  TorchScriptPotential automatic(model_dir() + "/lj64.pt", options);
  if (automatic.device() == "cpu") {
    options.device = "cuda";
    CHECK_THROWS_WITH(TorchScriptPotential(model_dir() + "/lj64.pt", options), Catch::Contains("no CUDA GPU"));
  } else {
    CHECK(automatic.device().rfind("cuda", 0) == 0);
  }
  options.device = "tpu";
  CHECK_THROWS_AS(TorchScriptPotential(model_dir() + "/lj64.pt", options), ioncycle::InputError);
}

TEST_CASE("TorchScript models with bad metadata or a wrong forward give clear InputErrors",
          "[unit][potentials][torchscript]") {
  const std::string& d = model_dir();
  CHECK_THAT(error_text(d + "/missing.pt"), Catch::Contains("missing.pt") && Catch::Contains("not found"));
  {
    const std::string text = d + "/structure.xyz";
    std::ofstream(text) << "1\nLattice=\"5 0 0 0 5 0 0 0 5\"\nAr 0 0 0\n";
    CHECK_THAT(error_text(text), Catch::Contains("not a TorchScript model file"));
  }
  CHECK_THAT(error_text(d + "/no_metadata.pt"),
             Catch::Contains("unknown format") && Catch::Contains("ioncycle_model") &&
                 Catch::Contains("model_type") && Catch::Contains("atomic_numbers"));
  CHECK_THAT(error_text(d + "/no_elements.pt"), Catch::Contains("lacks the extra file 'elements'"));
  CHECK_THAT(error_text(d + "/version2.pt"), Catch::Contains("reads version 1"));
  CHECK_THAT(error_text(d + "/bad_element.pt"), Catch::Contains("unknown element 'Kx'"));
  CHECK_THAT(error_text(d + "/wrong_arguments.pt"),
             Catch::Contains("forward takes 1 arguments") &&
                 Catch::Contains("forward(positions, cell, atomic_numbers, edge_index, shifts)"));
  CHECK_THAT(error_text(d + "/no_energy.pt"), Catch::Contains("returned no tensor 'energy'"));

  // An element the model lacks: named, with the model's elements listed.
  TorchScriptPotential model(d + "/lj64.pt");
  System s = argon_krypton(8);
  core::AtomSpec xe;
  xe.z = core::atomic_number("Xe");
  xe.position = Vec3(0.1, 0.2, 0.3);
  s.add_atom(xe);
  try {
    (void)t::evaluate(model, s);
    FAIL("no error for Xe");
  } catch (const ioncycle::InputError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("no parameters for Xe") != std::string::npos);
    CHECK(what.find("Ar, Kr") != std::string::npos);
  }
}
