// SPDX-License-Identifier: MIT
//
// NepPotential (the native NEP kernel) against TorchNEP, the PyTorch NEP trainer whose nep.txt
// files GPUMD loads. tests/python/nep_reference.py, run by the test in the NEP trainer environment
// (.venv-nep, scripts/setup stage 2c), writes small NEP models with seeded random weights (nep4 with
// six elements and l_max 4 2 1; nep4_zbl with per-element cutoffs, universal ZBL and q_112; nep4
// with a flexible ZBL table and l up to 8; nep3) and evaluates TorchNEP's ASE calculator on the six
// acceptance structures (tests/python/acceptance_structures.py); ioncycle must agree within the
// issue-13 tolerances (1e-6 eV/atom, 1e-5 eV/Å, 1e-4 GPa). So must the model that TorchNEP itself
// trained and wrote (tests/data/nep/LiC_7net0_small.txt, made by make_lic_model.sh there). Then
// the physics checks (forces = -∇E, virial = -∂E/∂ε by central differences, symmetries, thread
// counts), located errors for malformed files, and NVE energy conservation.
//
// Without .venv-nep the reference tests FAIL (not skip): run ./scripts/setup.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "io/structure_io.hpp"
#include "potential_checks.hpp"
#include "potentials/nep_model.hpp"
#include "potentials/nep_potential.hpp"
#include "potentials/potential_spec.hpp"
#include "potentials/model_file.hpp"
#include "testing.hpp"

using ioncycle::core::Mat3;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::potentials::ForceRequest;
using ioncycle::potentials::NepPotential;
namespace t = ioncycle::testing;
namespace core = ioncycle::core;
namespace pot = ioncycle::potentials;

namespace {

// The NEP trainer environment's Python: $IONCYCLE_NEP_PYTHON, else <repository>/.venv-nep/bin/python.
std::string nep_python() {
  if (const char* env = std::getenv("IONCYCLE_NEP_PYTHON"); env != nullptr && *env != '\0') return env;
  return std::string(IONCYCLE_SOURCE_DIR) + "/.venv-nep/bin/python";
}

t::CommandResult run_reference(const std::string& args) {
  std::error_code ec;
  if (!std::filesystem::exists(nep_python(), ec)) {
    FAIL("the NEP trainer environment is missing (" << nep_python()
                                                    << "); run ./scripts/setup, whose stage 2c creates .venv-nep");
  }
  return t::run_command(t::shell_quote(nep_python()) + " " +
                        t::shell_quote(t::source_path("tests/python/nep_reference.py")) + " " + args);
}

using Reference = t::ReferenceResult;

struct NepData {
  std::string dir;
  std::vector<std::string> structures;
  std::map<std::string, std::string> models;  // name -> path
};

// Models (and, on request, structures) once per test process.
const NepData& nep_data(bool with_structures) {
  static std::optional<NepData> cached;
  if (cached && (!with_structures || !cached->structures.empty())) return *cached;
  NepData data;
  data.dir = t::temp_dir("nep");
  data.structures = t::write_acceptance_structures(data.dir + "/structures");
  std::string args = "models " + t::shell_quote(data.dir + "/models");
  for (const auto& f : data.structures) args += " " + t::shell_quote(f);
  const auto r = run_reference(args);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  for (const auto& line : t::tagged_lines(r.output, "MODEL")) {
    std::istringstream fields(line);
    std::string name, path;
    fields >> name >> path;
    data.models[name] = path;
  }
  REQUIRE(data.models.size() == 5);
  cached = std::move(data);
  return *cached;
}

std::map<std::string, Reference> evaluate_reference(const std::string& model, const std::vector<std::string>& files) {
  std::string args = "evaluate " + t::shell_quote(model);
  for (const auto& f : files) args += " " + t::shell_quote(f);
  const auto r = run_reference(args);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, Reference> out;
  for (const auto& line : t::tagged_lines(r.output, "RESULT")) {
    std::istringstream fields(line);
    std::string file;
    Reference ref;
    fields >> file >> ref.energy;
    for (auto& s : ref.stress) fields >> s;
    REQUIRE(!fields.fail());
    out[file] = ref;
  }
  for (const auto& line : t::tagged_lines(r.output, "ATOM")) {
    std::istringstream fields(line);
    std::string file;
    std::size_t i = 0;
    double e = 0.0;
    Vec3 f;
    fields >> file >> i >> e >> f[0] >> f[1] >> f[2];
    REQUIRE(!fields.fail());
    Reference& ref = out.at(file);
    REQUIRE(i == ref.energies.size());
    ref.energies.push_back(e);
    ref.forces.push_back(f);
  }
  REQUIRE(out.size() == files.size());
  return out;
}

void check_against_reference(const std::string& ours_path, const std::string& reference_path,
                             const std::vector<std::string>& structures) {
  NepPotential model(ours_path);
  const auto refs = evaluate_reference(reference_path, structures);
  t::ReferenceDeviation worst;
  for (const auto& file : structures) {
    const System s = ioncycle::io::read_structure(file).system;
    const std::string name = std::filesystem::path(file).stem().string();
    INFO(ours_path << " on " << name);
    const Reference& ref = refs.at(file);
    REQUIRE(ref.forces.size() == s.num_atoms());
    const auto ours = t::evaluate(model, s, ForceRequest{true, true, true});
    const t::ReferenceDeviation d = t::deviation_from(ours, ref, s);
    CHECK(d.energy < 1e-6);
    CHECK(d.force < 1e-5);
    CHECK(d.stress < 1e-4);
    CHECK(d.per_atom < 1e-6);
    worst.widen(d);
    // The energy-only path gives the same energy.
    CHECK(std::abs(t::energy_of(model, s) - ours.energy) <= 1e-10 * static_cast<double>(s.num_atoms()));
  }
  WARN(std::filesystem::path(ours_path).filename().string()
       << " vs TorchNEP, worst of " << structures.size() << " structures: |dE|/N = " << worst.energy
       << " eV, max|dF| = " << worst.force << " eV/A, max|dsigma| = " << worst.stress << " GPa, max|dE_i| = "
       << worst.per_atom << " eV");
}

// 12 atoms of all six elements in a random triclinic cell of ~5.3 Å (narrower than twice the cutoff).
System mixed_cell(std::uint64_t seed) {
  return t::random_structure({3, 6, 8, 25, 27, 28}, 12, t::random_triclinic_cell(150.0, seed), 1.4, seed);
}

std::string trained_model() { return t::data_path("nep/LiC_7net0_small.txt"); }

}  // namespace

TEST_CASE("NEP kernel equals TorchNEP on the six acceptance structures: nep4, per-element cutoffs, ZBL, "
          "flexible ZBL, l up to 8, q_222, q_1111, q_112, nep3",
          "[unit][potentials][nep][slow]") {
  const NepData& data = nep_data(true);
  for (const char* name : {"nep4_6el", "nep4_zbl_pairs", "nep4_zbl_flex"}) {
    check_against_reference(data.models.at(name), data.models.at(name), data.structures);
  }
  // TorchNEP reads nep4 only; a nep3 model is the nep4 model whose every element has the one network.
  check_against_reference(data.models.at("nep3"), data.models.at("nep3_as_nep4"), data.structures);
}

TEST_CASE("A model trained and written by TorchNEP runs unchanged and equals TorchNEP's own evaluation",
          "[unit][potentials][nep][slow]") {
  const NepData& data = nep_data(true);
  std::vector<std::string> lic;  // the structures of its elements
  for (const auto& f : data.structures) {
    if (f.find("graphite") != std::string::npos || f.find("LiC6") != std::string::npos ||
        f.find("narrow") != std::string::npos) {
      lic.push_back(f);
    }
  }
  REQUIRE(lic.size() == 4);
  check_against_reference(trained_model(), trained_model(), lic);
}

TEST_CASE("NEP forces and virial are derivatives of its energy; symmetries; thread counts",
          "[unit][potentials][nep][slow]") {
  const NepData& data = nep_data(false);
  for (const char* name : {"nep4_6el", "nep4_zbl_pairs", "nep4_zbl_flex", "nep3"}) {
    INFO(name);
    NepPotential model(data.models.at(name));
    const System s = mixed_cell(3);
    t::check_forces_by_central_difference(model, s, 1e-3, 1e-6, 1e-7);
    t::check_virial_by_strain(model, s, 1e-4, 1e-6, 1e-6);
    t::check_symmetries(model, s, 4, 1e-9, 1e-9);
    // Energy and virial are summed per atom in atom order: the same bits for any thread count;
    // forces come from per-thread buffers: the same bits for the same count, rounding across counts.
    // (120 atoms: enough for the kernel to use the threads.)
    const System big = t::random_structure({3, 6, 8, 25, 27, 28}, 120, t::random_triclinic_cell(1500.0, 5), 1.4, 5);
    const auto one = t::evaluate_with_threads(model, big, 1);
    const auto two = t::evaluate_with_threads(model, big, 2);
    const auto two_again = t::evaluate_with_threads(model, big, 2);
    CHECK(one.energy == two.energy);
    CHECK(one.virial == two.virial);
    for (std::size_t i = 0; i < big.num_atoms(); ++i) CHECK(two.forces[i] == two_again.forces[i]);
    t::check_same_result(one, two, 1e-13, 1e-13, "1 vs 2 threads");
  }
}

namespace {

// A valid two-element nep4 header with `lines` replacing lines of it (1-based) and `numbers`
// parameters (the right count is 2 * 5 * (dim + 2) + 1 + 4 * (2 * 3) + 4 * (2 * 3) + dim with
// n_max 1 1, basis 2 2, l_max 1, 5 neurons: dim = 2 + 2 = 4).
constexpr std::size_t kRightCount = 2 * 5 * (4 + 2) + 1 + 4 * 6 + 4 * 6 + 4;

std::string nep_text(std::map<int, std::string> replace, std::size_t numbers) {
  std::vector<std::string> lines = {"nep4 2 Li C", "cutoff 5 4 100 50", "n_max 1 1", "basis_size 2 2", "l_max 1 0 0",
                                    "ANN 5 0"};
  for (const auto& [line, text] : replace) lines[static_cast<std::size_t>(line - 1)] = text;
  std::ostringstream out;
  for (const auto& l : lines) out << l << "\n";
  for (std::size_t k = 0; k < numbers; ++k) out << "  " << 0.01 * static_cast<double>(k % 17) << "\n";
  return out.str();
}

std::string nep_error(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  try {
    NepPotential p(path);
  } catch (const ioncycle::InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

}  // namespace

TEST_CASE("NEP files: malformed, truncated, extra numbers, unknown element and unsupported variants are located "
          "one-paragraph errors",
          "[unit][potentials][nep]") {
  const std::string dir = t::temp_dir("nep_errors");
  // The well-formed file loads.
  {
    const std::string path = dir + "/good.txt";
    std::ofstream(path) << nep_text({}, kRightCount);
    NepPotential p(path);
    CHECK(p.supported_species() == "Li, C");
    CHECK(p.cutoff() == 5.0);
    CHECK(p.model().dim == 4);
  }
  const auto expect = [&](const std::string& name, const std::string& text, const std::string& where,
                          const std::string& what) {
    const std::string message = nep_error(dir, name, text);
    INFO(message);
    CHECK_THAT(message, Catch::Contains(dir + "/" + name + ":" + where) && Catch::Contains(what));
    // One paragraph: the error line and at most a hint line.
    CHECK(std::count(message.begin(), message.end(), '\n') <= 1);
  };
  expect("unknown_element.txt", nep_text({{1, "nep4 2 Li Xx"}}, kRightCount), "1:11:", "unknown element 'Xx'");
  expect("lowercase_element.txt", nep_text({{1, "nep4 2 li C"}}, kRightCount), "1:8:", "unknown element 'li'");
  expect("truncated.txt", nep_text({}, kRightCount - 7), "", "truncated");
  expect("extra.txt", nep_text({}, kRightCount + 1), std::to_string(6 + kRightCount + 1) + ":3:",
         "unexpected extra number");
  {
    std::string text = nep_text({}, kRightCount);
    const auto pos = text.find("  0.03\n");
    text.replace(pos, 7, "  0.0x3\n");
    expect("not_a_number.txt", text, "", "must be a finite number, found '0.0x3'");
  }
  expect("version.txt", nep_text({{1, "nep5 2 Li C"}}, kRightCount), "1:1:", "unknown NEP version 'nep5'");
  expect("dipole.txt", nep_text({{1, "nep4_dipole 2 Li C"}}, kRightCount), "1:1:", "not an energy model");
  expect("count.txt", nep_text({{1, "nep4 3 Li C"}}, kRightCount), "1:", "declares 3");
  expect("order.txt", nep_text({{3, "basis_size 2 2"}, {4, "n_max 1 1"}}, kRightCount), "3:1:",
         "expected the 'n_max' line here");
  expect("cutoff.txt", nep_text({{2, "cutoff 5 4 100"}}, kRightCount), "2:", "'cutoff' line must read");
  expect("zbl_missing.txt", nep_text({{1, "nep4_zbl 2 Li C"}}, kRightCount), "2:1:", "expected the 'zbl' line");
  expect("typewise.txt", "nep4_zbl 2 Li C\nzbl 1 2 0.6\n" + nep_text({}, kRightCount).substr(12), "2:9:",
         "typewise ZBL cutoffs");
  expect("q123.txt", nep_text({{5, "l_max 4 2 0 0 1"}}, kRightCount), "5:15:", "q_123");
  expect("lmax.txt", nep_text({{5, "l_max 9 0 0"}}, kRightCount), "5:7:", "between 0 and 8");
  expect("empty.txt", "", "", "before the 'nep4' line");
  // The spec names the model; model:PATH recognizes a nep.txt.
  {
    const std::string path = dir + "/good.txt";
    pot::SpecContext context;
    auto p = pot::make_potential_from_spec("model:" + path, context);
    CHECK(p->name() == "nep");
    CHECK(p->fingerprint().rfind("nep sha256=", 0) == 0);
    auto sum = pot::make_potential_from_spec("nep:" + path + "+d3", context);
    CHECK(sum->name().find("nep") != std::string::npos);
    CHECK(sum->name().find("d3") != std::string::npos);
    const auto info = pot::inspect_model(path);
    CHECK(info.format == pot::ModelFormat::nep);
    CHECK(info.elements == std::vector<std::string>{"Li", "C"});
    CHECK(info.cutoff == 5.0);
    CHECK_THAT(info.metadata.at("summary"), Catch::Contains("nep4, 2 elements (Li C)"));
    CHECK_THROWS_WITH(pot::make_potential_from_spec("mace:" + path, context),
                      Catch::Contains("this is a nep model, not a mace model"));
  }
  // An empty system and an isolated atom: the network's output at q = 0, no forces, no virial.
  {
    NepPotential p(dir + "/good.txt");
    System empty{core::Cell::orthorhombic(10.0, 10.0, 10.0)};
    const auto none = t::evaluate(p, empty, ForceRequest{true, true, true});
    CHECK(none.energy == 0.0);
    CHECK(none.forces.empty());
    System lone{core::Cell::orthorhombic(30.0, 30.0, 30.0)};
    core::AtomSpec li;
    li.z = 3;
    li.position = Vec3(5.0, 5.0, 5.0);
    lone.add_atom(li);
    const auto one = t::evaluate(p, lone, ForceRequest{true, true, true});
    const auto& net = p.model().networks[0];
    double expected = -p.model().b1;
    for (std::size_t mu = 0; mu < net.b0.size(); ++mu) expected += net.w1[mu] * std::tanh(-net.b0[mu]);
    CHECK(one.energy == Approx(expected).epsilon(1e-14));
    CHECK(one.forces[0].norm() == 0.0);
    CHECK(one.virial.norm() == 0.0);
  }
  // An element the model lacks: named with the model's elements.
  {
    NepPotential p(dir + "/good.txt");
    System s{core::Cell::orthorhombic(10.0, 10.0, 10.0)};
    core::AtomSpec a;
    a.z = core::atomic_number("O");
    a.position = Vec3(1.0, 1.0, 1.0);
    s.add_atom(a);
    CHECK_THROWS_WITH((void)t::evaluate(p, s), Catch::Contains("no parameters for O") && Catch::Contains("Li, C"));
  }
}
