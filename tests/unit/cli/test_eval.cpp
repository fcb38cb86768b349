// SPDX-License-Identifier: MIT
//
// `ioncycle eval` as users run it: one process per call, JSON read back. The numbers are
// compared with SevenNet's own ASE calculator (so energy, forces and the stress sign and Voigt
// order are ASE's), sums of spec terms add up, and every bad model or spec is one located
// paragraph with exit status 2, never a crash.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "testing.hpp"

namespace t = ioncycle::testing;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

t::CommandResult run_ioncycle(const std::string& args) {
  return t::run_command(t::shell_quote(t::ioncycle_binary()) + " " + args + " 2>&1");
}

json eval_json(const std::string& structure, const std::string& spec) {
  const auto r = run_ioncycle("eval " + t::shell_quote(structure) + " --potential " + t::shell_quote(spec) + " --json");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.output);
}

// The message of a failed call is one paragraph: no libtorch backtrace, no abort.
void check_one_paragraph(const t::CommandResult& r) {
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("Exception raised from") == std::string::npos);
  CHECK(r.output.find("terminate called") == std::string::npos);
  CHECK(r.output.find("\n\n") == std::string::npos);
  CHECK(r.output.find("error") != std::string::npos);
}

}  // namespace

TEST_CASE("eval matches SevenNet's ASE calculator: energy, forces, stress sign and Voigt order",
          "[unit][cli][eval][sevennet][slow]") {
  const std::string dir = t::temp_dir("eval_ref");
  const auto files = t::write_acceptance_structures(dir);
  std::vector<std::string> chosen;
  for (const auto& f : files) {
    if (f.ends_with("LiCoO2_2x2x1.xyz") || f.ends_with("narrow_cell.xyz")) chosen.push_back(f);
  }
  REQUIRE(chosen.size() == 2);
  const std::string script =
      "import sys, json, warnings\n"
      "warnings.filterwarnings('ignore')\n"
      "import ase.io\n"
      "from sevenn.calculator import SevenNetCalculator\n"
      "calc = SevenNetCalculator('7net-0', device='cpu')\n"
      "out = []\n"
      "for path in sys.argv[1:]:\n"
      "    at = ase.io.read(path)\n"
      "    at.calc = calc\n"
      "    out.append({'energy': float(at.get_potential_energy()), 'forces': at.get_forces().tolist(),\n"
      "                'stress_GPa': (at.get_stress(voigt=True) * 160.21766208).tolist()})\n"
      "print('JSON' + json.dumps(out))\n";
  const auto r = t::run_python(script, t::shell_quote(chosen[0]) + " " + t::shell_quote(chosen[1]));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto refs = json::parse(r.output.substr(r.output.find("JSON") + 4));
  for (std::size_t k = 0; k < chosen.size(); ++k) {
    INFO(chosen[k]);
    const json ours = eval_json(chosen[k], "sevennet");
    const json& ref = refs[k];
    const auto n = ours["num_atoms"].get<double>();
    CHECK(std::abs(ours["energy_eV"].get<double>() - ref["energy"].get<double>()) / n < 1e-4);
    double df = 0.0;
    for (std::size_t i = 0; i < ref["forces"].size(); ++i) {
      for (int a = 0; a < 3; ++a) {
        df = std::max(df, std::abs(ours["forces_eV_per_A"][i][a].get<double>() - ref["forces"][i][a].get<double>()));
      }
    }
    CHECK(df < 2e-3);
    for (int a = 0; a < 6; ++a) {
      CHECK(ours["stress_GPa"][a].get<double>() == Approx(ref["stress_GPa"][a].get<double>()).margin(1e-2));
    }
    // Per-atom energies sum to the energy (float32 model: 1e-4 eV per atom).
    double sum = 0.0;
    for (const auto& e : ours["per_atom_energy_eV"]) sum += e.get<double>();
    CHECK(sum == Approx(ours["energy_eV"].get<double>()).margin(1e-4 * n));
  }
}

TEST_CASE("eval: a sum of spec terms is the sum of the terms", "[unit][cli][eval]") {
  const std::string structure = std::string(IONCYCLE_SOURCE_DIR) + "/examples/data/graphite-AB-4x4.extxyz";
  const std::string lj = "lj:epsilon=0.0024 eV,sigma=3.4 A,cutoff=9 A";
  const std::string morse = "morse:d0=0.01 eV,alpha=1.2 1/A,r0=3.6 A,cutoff=8 A";
  const json a = eval_json(structure, lj);
  const json b = eval_json(structure, morse);
  const json sum = eval_json(structure, lj + "+" + morse);
  CHECK(sum["energy_eV"].get<double>() == Approx(a["energy_eV"].get<double>() + b["energy_eV"].get<double>()).epsilon(1e-12));
  for (int k = 0; k < 6; ++k) {
    CHECK(sum["stress_GPa"][k].get<double>() ==
          Approx(a["stress_GPa"][k].get<double>() + b["stress_GPa"][k].get<double>()).margin(1e-9));
  }
  // With sigma = 3.4 A the in-plane C-C pairs (1.42 A) are deep in the repulsive wall: the
  // cell pushes outward, a positive pressure, which is a negative stress in ASE's sign.
  CHECK(a["stress_GPa"][0].get<double>() < 0.0);
  CHECK(a["stress_GPa"][1].get<double>() < 0.0);
}

TEST_CASE("eval: bad specs and bad model files are one located paragraph, status 2", "[unit][cli][eval]") {
  const std::string dir = t::temp_dir("eval_errors");
  const std::string structure = std::string(IONCYCLE_SOURCE_DIR) + "/examples/data/graphite-AB-4x4.extxyz";
  auto check = [&](const std::string& spec, const std::string& expected, const std::string& file = "") {
    const auto r = run_ioncycle("eval " + t::shell_quote(file.empty() ? structure : file) + " --potential " +
                                t::shell_quote(spec));
    INFO(spec << "\n" << r.output);
    check_one_paragraph(r);
    CHECK_THAT(r.output, Catch::Contains(expected));
  };
  // Spec syntax: the column points at the offending term.
  check("sevenet", "--potential:1:1: error: unknown potential 'sevenet'");
  check("sevennet+d4", "did you mean 'd3'");
  check("lj:epsilon=1 eV,sigma=3 A", "parameter 'cutoff' is missing");
  check("lj:epsilon=1,sigma=3 A,cutoff=8 A", "epsilon");
  check("mace", "'mace' needs an argument");
  // Model files.
  check("sevennet:" + dir + "/missing.pt", "missing.pt");
  std::ofstream(dir + "/text.pt") << "this is not a model\n";
  check("model:" + dir + "/text.pt", "TorchScript");
  const auto made = t::run_python("import sys, torch\n"
                                  "torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), sys.argv[1])\n",
                                  t::shell_quote(dir + "/plain.pt"));
  REQUIRE(made.exit_code == 0);
  check("model:" + dir + "/plain.pt", "metadata");
  check("sevennet:" + dir + "/plain.pt", "metadata");
  // An element the model lacks: named, with the model's elements listed.
  std::ofstream(dir + "/radon.xyz") << "2\nLattice=\"6 0 0 0 6 0 0 0 6\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n"
                                       "C 0 0 0\nRn 3 3 3\n";
  check("sevennet", "Rn", dir + "/radon.xyz");
  // --threads must be a positive integer.
  const auto r = run_ioncycle("eval " + t::shell_quote(structure) + " --potential lj:epsilon=1\\ eV --threads 0");
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.output, Catch::Contains("--threads"));
}

TEST_CASE("eval: a non-finite energy or force is an error naming the potential and the closest atoms",
          "[unit][cli][eval]") {
  const std::string dir = t::temp_dir("eval-nonfinite");
  const std::string path = dir + "/same.extxyz";
  std::ofstream(path) << "2\nLattice=\"10 0 0 0 10 0 0 0 10\" Properties=species:S:1:pos:R:3 pbc=\"T T T\"\n"
                         "C 1 1 1\nC 1 1 1\n";
  for (const char* flag : {"", " --json"}) {
    const auto r = run_ioncycle("eval " + t::shell_quote(path) + " --potential 'lj:epsilon=0.01 eV,sigma=3 A,cutoff=5 A'" + flag);
    INFO(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("gave a non-finite energy") && Catch::Contains("(lj)") &&
                             Catch::Contains("0 (C) and 1 (C), are 0.000 A apart"));
    CHECK(r.output.find("energy_eV") == std::string::npos);
  }
}

TEST_CASE("python/deploy_sevennet.py deploys a chosen head of SevenNet-MF-0; model info names it",
          "[unit][cli][eval][slow]") {
  const std::string dir = t::temp_dir("deploy-mf");
  const std::string script = std::string(IONCYCLE_SOURCE_DIR) + "/python/deploy_sevennet.py";
  const auto deploy = [&](const std::string& args) {
    return t::run_command(t::shell_quote(t::python()) + " " + t::shell_quote(script) + " " + args + " 2>&1");
  };
  for (const char* head : {"R2SCAN", "PBE"}) {
    const auto r = deploy(std::string("7net-mf-0 --modal ") + head + " --output " + t::shell_quote(dir + "/" + head + ".pt"));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto info = run_ioncycle("model info " + t::shell_quote(dir + "/" + head + ".pt"));
    CHECK_THAT(info.output, Catch::Contains(std::string("modal       ") + head) && Catch::Contains("pretrained  7net-mf-0"));
  }
  // The two heads are two potentials: the r2SCAN head binds graphite more (TEACHERS.md).
  const std::string structure = std::string(IONCYCLE_SOURCE_DIR) + "/examples/data/graphite-AB-4x4.extxyz";
  const double r2scan = eval_json(structure, "sevennet:" + dir + "/R2SCAN.pt")["energy_eV"].get<double>();
  const double pbe = eval_json(structure, "sevennet:" + dir + "/PBE.pt")["energy_eV"].get<double>();
  CHECK(std::abs(r2scan - pbe) > 1.0);
  // A multi-fidelity model without a head, or with one it lacks, is refused with its heads listed.
  const auto none = deploy("7net-mf-0 --output " + t::shell_quote(dir + "/x.pt"));
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.output, Catch::Contains("R2SCAN, PBE"));
  const auto wrong = deploy("7net-mf-0 --modal HSE --output " + t::shell_quote(dir + "/x.pt"));
  CHECK(wrong.exit_code == 2);
  CHECK_THAT(wrong.output, Catch::Contains("no head 'HSE'"));
  CHECK_FALSE(fs::exists(dir + "/x.pt"));
}
