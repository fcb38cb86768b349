// SPDX-License-Identifier: MIT
//
// MacePotential against MACE itself. python/mace_reference.py, run by the test in the MACE
// environment (.venv-mace, scripts/setup stage 2b; mace-torch 0.3.15 cannot share .venv with
// sevenn because both pin e3nn), creates a small MACE model with random weights (Li C O Mn Co Ni,
// 2 interactions, r_max 4.5 Å), saves it, exports it with `mace_create_lammps_model` in float64
// and float32, and evaluates MACE's own ASE calculator on the six acceptance structures
// (tests/python/acceptance_structures.py). ioncycle loads the exported files with libtorch and
// must agree within the issue-4 tolerances; then the physics checks (forces = -∇E, virial =
// -∂E/∂ε by central differences, symmetries, thread count) and the error paths.
//
// Without .venv-mace the MACE tests FAIL (not skip): run ./scripts/setup.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "io/structure_io.hpp"
#include "potential_checks.hpp"
#include "potentials/mace_potential.hpp"
#include "potentials/model_file.hpp"
#include "testing.hpp"

using ioncycle::core::Mat3;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::potentials::ForceRequest;
using ioncycle::potentials::MacePotential;
namespace t = ioncycle::testing;
namespace core = ioncycle::core;
namespace pot = ioncycle::potentials;

namespace {

// The MACE environment's Python: $IONCYCLE_MACE_PYTHON, else <repository>/.venv-mace/bin/python.
std::string mace_python() {
  if (const char* env = std::getenv("IONCYCLE_MACE_PYTHON"); env != nullptr && *env != '\0') return env;
  return std::string(IONCYCLE_SOURCE_DIR) + "/.venv-mace/bin/python";
}

void require_mace_environment() {
  std::error_code ec;
  if (!std::filesystem::exists(mace_python(), ec)) {
    FAIL("the MACE reference environment is missing (" << mace_python()
                                                       << "); run ./scripts/setup, whose stage 2b creates .venv-mace");
  }
}

struct Reference : t::ReferenceResult {
  std::string file;
};

struct MaceData {
  std::string dir;
  std::vector<std::string> structures;
  std::vector<Reference> float64, float32;
  [[nodiscard]] std::string model(const std::string& dtype) const {
    return dir + (dtype == "float32" ? "/mace_small_f32.model-lammps.pt" : "/mace_small.model-lammps.pt");
  }
};

std::vector<Reference> parse_reference(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  std::vector<Reference> out;
  for (const auto& line : t::tagged_lines(text.str(), "RESULT")) {
    std::istringstream fields(line);
    Reference ref;
    std::size_t n = 0;
    fields >> ref.file >> n >> ref.energy;
    ref.forces.resize(n);
    for (auto& f : ref.forces) fields >> f[0] >> f[1] >> f[2];
    for (auto& s : ref.stress) fields >> s;
    ref.energies.resize(n);
    for (auto& e : ref.energies) fields >> e;
    REQUIRE(!fields.fail());
    out.push_back(std::move(ref));
  }
  return out;
}

// Create, export and evaluate once per test process (each TEST_CASE is its own ctest process);
// `with_reference` = false only makes the model files (no structures, no calculator runs).
const MaceData& mace_data(bool with_reference) {
  static std::optional<MaceData> cached;
  static bool cached_with_reference = false;
  if (cached && (cached_with_reference || !with_reference)) return *cached;
  require_mace_environment();
  MaceData data;
  data.dir = t::temp_dir("mace");
  if (with_reference) data.structures = t::write_acceptance_structures(data.dir + "/structures");
  std::string args = t::shell_quote(data.dir);
  for (const auto& f : data.structures) args += " " + t::shell_quote(f);
  const auto start = std::chrono::steady_clock::now();
  const auto r = t::run_command(t::shell_quote(mace_python()) + " " +
                                t::shell_quote(t::source_path("python/mace_reference.py")) + " " + args);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  WARN("python/mace_reference.py (model, 2 exports" << (with_reference ? ", 12 calculator runs" : "") << "): "
                                                    << seconds << " s");
  if (with_reference) {
    data.float64 = parse_reference(data.dir + "/reference_float64.txt");
    data.float32 = parse_reference(data.dir + "/reference_float32.txt");
    REQUIRE(data.float64.size() == data.structures.size());
    REQUIRE(data.float32.size() == data.structures.size());
  }
  cached = std::move(data);
  cached_with_reference = with_reference;
  return *cached;
}

// 12 atoms of all six elements in a random triclinic cell of ~5.3 Å (narrower than 2 r_max).
System mixed_cell(std::uint64_t seed) {
  return t::random_structure({3, 6, 8, 25, 27, 28}, 12, t::random_triclinic_cell(150.0, seed), 1.7, seed);
}

}  // namespace

TEST_CASE("MACE exports (float64, float32) match MACE's ASE calculator on the six acceptance structures",
          "[unit][potentials][mace][slow]") {
  const MaceData& data = mace_data(true);
  struct Tolerance {
    const char* dtype;
    const std::vector<Reference>* refs;
    double energy, force, stress;
  };
  // Issue 4: float64 within 1e-6 eV/atom, 1e-5 eV/Å, 1e-4 GPa; float32 within 1e-4 eV/atom,
  // 2e-3 eV/Å, 1e-2 GPa. Per-atom energies: the energy tolerance per atom.
  const Tolerance cases[] = {{"float64", &data.float64, 1e-6, 1e-5, 1e-4}, {"float32", &data.float32, 1e-4, 2e-3, 1e-2}};
  for (const auto& tol : cases) {
    MacePotential model(data.model(tol.dtype));
    CHECK(model.dtype() == tol.dtype);
    CHECK(model.cutoff() == 4.5);
    CHECK(model.supported_species() == "Li, C, O, Mn, Co, Ni");
    CHECK(model.has_energy_only_path());
    t::ReferenceDeviation worst;
    for (std::size_t k = 0; k < data.structures.size(); ++k) {
      const System s = ioncycle::io::read_structure(data.structures[k]).system;
      const Reference& ref = (*tol.refs)[k];
      const std::string name = std::filesystem::path(data.structures[k]).stem().string();
      INFO(tol.dtype << " " << name);
      REQUIRE(ref.forces.size() == s.num_atoms());
      const auto start = std::chrono::steady_clock::now();
      const auto ours = t::evaluate(model, s, ForceRequest{true, true, true});
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      const t::ReferenceDeviation d = t::deviation_from(ours, ref, s);
      WARN(tol.dtype << " " << name << ": " << s.num_atoms() << " atoms, " << model.num_edges() << " edges, E = "
                     << ours.energy << " eV, |dE|/N = " << d.energy << " eV, max|dF| = " << d.force
                     << " eV/A, max|dsigma| = " << d.stress << " GPa, max|dE_i| = " << d.per_atom << " eV, compute "
                     << ms << " ms");
      CHECK(d.energy < tol.energy);
      CHECK(d.force < tol.force);
      CHECK(d.stress < tol.stress);
      CHECK(d.per_atom < tol.energy);
      worst.widen(d);

      // The energy-only path (the wrapped model, no backward pass) gives the same energy and
      // per-atom energies; without the virial request the forces are unchanged. The graphs
      // differ, so float32 results differ by rounding (a few ulp per atom).
      const bool f64 = tol.dtype == std::string("float64");
      const double atom_tol = f64 ? 1e-10 : 1e-5;
      const auto start_e = std::chrono::steady_clock::now();
      const double e_only = t::energy_of(model, s);
      const double ms_e = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start_e).count();
      WARN(tol.dtype << " " << name << ": energy() " << ms_e << " ms");
      CHECK(std::abs(e_only - ours.energy) <= atom_tol * static_cast<double>(s.num_atoms()));
      const auto per_atom_only = t::evaluate(model, s, ForceRequest{false, false, true});
      REQUIRE(per_atom_only.per_atom_energy.size() == s.num_atoms());
      double d_atom = 0.0;
      for (std::size_t i = 0; i < s.num_atoms(); ++i) {
        d_atom = std::max(d_atom, std::abs(per_atom_only.per_atom_energy[i] - ours.per_atom_energy[i]));
      }
      CHECK(d_atom <= atom_tol);
      // compute_virials = false is a different graph (no strain); the forces must not change.
      const auto no_virial = t::evaluate(model, s, ForceRequest{true, false, false});
      double d_force = 0.0;
      for (std::size_t i = 0; i < s.num_atoms(); ++i) {
        d_force = std::max(d_force, (no_virial.forces[i] - ours.forces[i]).cwiseAbs().maxCoeff());
      }
      CHECK(d_force <= (f64 ? 1e-12 : 1e-5));
    }
    WARN(tol.dtype << " worst: |dE|/N = " << worst.energy << " eV, max|dF| = " << worst.force << " eV/A, max|dsigma| = "
                   << worst.stress << " GPa, max|dE_i| = " << worst.per_atom << " eV");
  }
}

TEST_CASE("MACE forces and virial are derivatives of its energy; symmetries; thread count",
          "[unit][potentials][mace][slow]") {
  const MaceData& data = mace_data(false);
  const System s = mixed_cell(3);
  {
    MacePotential model(data.model("float64"));
    INFO("float64");
    t::check_forces_by_central_difference(model, s, 1e-3, 1e-6, 1e-7);
    t::check_virial_by_strain(model, s, 1e-4, 1e-6, 1e-6);
    t::check_symmetries(model, s, 4, 1e-9, 1e-9);
    t::check_same_result(t::evaluate_with_threads(model, s, 1), t::evaluate_with_threads(model, s, 2), 1e-12, 1e-12,
                         "1 vs 2 threads");
  }
  {
    // float32: E ~ 50 eV carries ~4e-6 eV of rounding, so with h = 0.01 Å a central difference
    // has ~1e-3 eV/Å of noise: tolerance 5e-3 eV/Å + 1 % (strain: 1e-2 eV + 1 %).
    MacePotential model(data.model("float32"));
    INFO("float32");
    t::check_forces_by_central_difference(model, s, 1e-2, 1e-2, 5e-3);
    t::check_virial_by_strain(model, s, 1e-3, 1e-2, 1e-2);
    t::check_symmetries(model, s, 4, 1e-5, 1e-4);
  }
}

TEST_CASE("MACE: missing file, not TorchScript, no MACE metadata, unknown element are clear InputErrors",
          "[unit][potentials][mace]") {
  const std::string dir = t::temp_dir("mace_errors");
  const auto message = [](const std::string& path) -> std::string {
    try {
      MacePotential p(path);
    } catch (const ioncycle::InputError& e) {
      return e.what();
    }
    return "(no InputError)";
  };
  CHECK_THAT(message(dir + "/missing-lammps.pt"), Catch::Contains("missing-lammps.pt") && Catch::Contains("not found"));
  {
    const std::string pickle = dir + "/model.model";  // a .model pickle is what users pass by mistake
    std::ofstream(pickle, std::ios::binary) << std::string("\x80\x04\x95", 3) << "not a zip";
    CHECK_THAT(message(pickle), Catch::Contains("not a TorchScript model file") &&
                                    Catch::Contains("mace_create_lammps_model"));
  }
  {
    const std::string plain = dir + "/plain.pt";
    const auto r = t::run_python(
        "import sys, torch\n"
        "class M(torch.nn.Module):\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        "        return 2 * x\n"
        "torch.jit.save(torch.jit.script(M()), sys.argv[1])\n",
        t::shell_quote(plain));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(message(plain), Catch::Contains("unknown format") && Catch::Contains("'atomic_numbers'") &&
                                   Catch::Contains("'r_max'") && Catch::Contains("plain.pt"));
  }
  {
    const std::string sevennet = std::string(IONCYCLE_SOURCE_DIR) + "/models/sevennet-0.pt";
    if (std::filesystem::exists(sevennet)) {
      CHECK_THAT(message(sevennet), Catch::Contains("sevennet model, not a MACE model"));
    }
  }
  MacePotential::Options options;
  options.device = "gpu";
  CHECK_THROWS_WITH(MacePotential(dir + "/missing-lammps.pt", options), Catch::Contains("unknown device 'gpu'"));
}

TEST_CASE("MACE refuses an element the model lacks, naming it and the model's elements; isolated atoms; model info",
          "[unit][potentials][mace][slow]") {
  const MaceData& data = mace_data(false);
  MacePotential model(data.model("float64"));
  System s = mixed_cell(5);
  core::AtomSpec fe;
  fe.z = core::atomic_number("Fe");
  fe.position = Vec3(0.3, 0.2, 0.1);
  s.add_atom(fe);
  try {
    (void)t::evaluate(model, s);
    FAIL("no error for Fe");
  } catch (const ioncycle::InputError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("no parameters for Fe") != std::string::npos);
    CHECK(what.find("Li, C, O, Mn, Co, Ni") != std::string::npos);
  }

  // Isolated atoms (no edges at all): only the isolated-atom energies E0, no forces, no virial;
  // an empty system has zero energy.
  {
    System isolated{core::Cell::orthorhombic(20.0, 20.0, 20.0)};
    for (const auto& [z, x] : {std::pair{3, 2.0}, std::pair{28, 12.0}}) {
      core::AtomSpec a;
      a.z = z;
      a.position = Vec3(x, 5.0, 5.0);
      isolated.add_atom(a);
    }
    const auto r = t::evaluate(model, isolated, ForceRequest{true, true, true});
    CHECK(model.num_edges() == 0);
    CHECK(r.forces[0].norm() == 0.0);
    CHECK(r.forces[1].norm() == 0.0);
    CHECK(r.virial.norm() == 0.0);
    CHECK(r.per_atom_energy[0] + r.per_atom_energy[1] == Approx(r.energy).epsilon(1e-14));
    CHECK(t::energy_of(model, isolated) == Approx(r.energy).epsilon(1e-14));
    CHECK(t::evaluate(model, System{core::Cell::orthorhombic(5.0, 5.0, 5.0)}).energy == 0.0);
  }

  // What `ioncycle model info` shows comes from inspect_model.
  for (const char* dtype : {"float64", "float32"}) {
    const auto info = pot::inspect_model(data.model(dtype));
    CHECK(info.format == pot::ModelFormat::mace);
    CHECK(info.dtype == dtype);
    CHECK(info.cutoff == 4.5);
    CHECK(info.elements == std::vector<std::string>{"Li", "C", "O", "Mn", "Co", "Ni"});
    CHECK(info.metadata.at("num_interactions") == "2");
    CHECK(info.metadata.at("atomic_numbers") == "3 6 8 25 27 28");
  }
  MacePotential::Options options;
  options.device = "auto";
  MacePotential automatic(data.model("float32"), options);
  CHECK((automatic.device() == "cpu" || automatic.device().rfind("cuda", 0) == 0));
}
