// SPDX-License-Identifier: MIT
//
// The deployed default model (SevenNet-0, written by scripts/setup) loads with libtorch and its
// metadata are read correctly; broken or foreign files give clear InputErrors. The reference for
// the metadata is torch's own Python loader reading the same file's extra files. ioncycle's own
// TorchScript format is recognized from its extra files (MACE exports: test_mace.cpp).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "potentials/model_file.hpp"
#include "testing.hpp"

using ioncycle::InputError;
using ioncycle::potentials::inspect_model;
using ioncycle::potentials::ModelFormat;
namespace t = ioncycle::testing;

namespace {
std::string default_model() { return std::string(IONCYCLE_SOURCE_DIR) + "/models/sevennet-0.pt"; }

std::string write_file(const std::string& dir, const std::string& name, const std::string& content) {
  const std::string p = dir + "/" + name;
  std::ofstream(p, std::ios::binary) << content;
  return p;
}
}  // namespace

TEST_CASE("the deployed SevenNet-0 model loads and its metadata match torch's Python loader",
          "[unit][potentials][model]") {
  const auto info = inspect_model(default_model());
  CHECK(info.format == ModelFormat::sevennet);
  CHECK(info.dtype == "float32");
  CHECK(info.cutoff == Approx(5.0).margin(0));  // SevenNet-0 11Jul2024: 5.0 Å
  CHECK(info.elements.size() == 89);
  // sevenn builds its type map from the species sorted alphabetically by symbol.
  CHECK(std::is_sorted(info.elements.begin(), info.elements.end()));
  for (const char* e : {"Li", "Na", "C", "O", "Co", "Ni", "Mn", "B", "N"}) {
    CHECK(std::find(info.elements.begin(), info.elements.end(), e) != info.elements.end());
  }

  // Independent reference: the venv's torch reads the extra files of the same archive.
  const std::string script =
      "import sys, torch\n"
      "ex = {'chemical_symbols_to_index': '', 'cutoff': '', 'model_type': '', 'dtype': ''}\n"
      "torch.jit.load(sys.argv[1], _extra_files=ex)\n"
      "ex = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in ex.items()}\n"
      "print(' '.join(ex['chemical_symbols_to_index'].split()))\n"
      "print(float(ex['cutoff']))\n"
      "print(ex['model_type'])\n";
  const auto r = t::run_python(script, t::shell_quote(default_model()));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::istringstream in(r.output);
  std::string symbols, cutoff, model_type;
  std::getline(in, symbols);
  std::getline(in, cutoff);
  std::getline(in, model_type);
  std::string ours;
  for (const auto& e : info.elements) ours += (ours.empty() ? "" : " ") + e;
  CHECK(ours == symbols);
  CHECK(std::stod(cutoff) == info.cutoff);
  CHECK(model_type == "E3_equivariant_model");
  CHECK(info.metadata.at("model_type") == model_type);
}

TEST_CASE("bad model files give located InputErrors, never crashes", "[unit][potentials][model]") {
  const auto dir = t::temp_dir("models");
  SECTION("missing file") {
    CHECK_THROWS_WITH(inspect_model(dir + "/nope.pt"),
                      Catch::Contains("nope.pt") && Catch::Contains("not found"));
  }
  SECTION("a text file") {
    const auto p = write_file(dir, "graphite.extxyz", "2\nLattice=\"1 0 0 0 1 0 0 0 1\"\nC 0 0 0\nC 0.5 0.5 0.5\n");
    CHECK_THROWS_WITH(inspect_model(p), Catch::Contains("not a TorchScript model file"));
  }
  SECTION("an empty file") {
    const auto p = write_file(dir, "empty.pt", "");
    CHECK_THROWS_AS(inspect_model(p), InputError);
  }
  SECTION("a zip archive that is not TorchScript") {
    const auto p = write_file(dir, "fake.pt", std::string("PK\x03\x04", 4) + std::string(200, 'x'));
    CHECK_THROWS_WITH(inspect_model(p), Catch::Contains("cannot load") && Catch::Contains("fake.pt"));
  }
  SECTION("a directory") { CHECK_THROWS_AS(inspect_model(dir), InputError); }
  SECTION("TorchScript without SevenNet, ioncycle or MACE metadata") {
    const std::string p = dir + "/plain.pt";
    const std::string script =
        "import sys, torch\n"
        "class M(torch.nn.Module):\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        "        return 2 * x\n"
        "torch.jit.save(torch.jit.script(M()), sys.argv[1])\n";
    const auto r = t::run_python(script, t::shell_quote(p));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    // The message lists every piece of metadata that was looked for.
    CHECK_THROWS_WITH(inspect_model(p), Catch::Contains("unknown format") && Catch::Contains("plain.pt") &&
                                            Catch::Contains("'model_type'") && Catch::Contains("'ioncycle_model'") &&
                                            Catch::Contains("'atomic_numbers'") && Catch::Contains("'r_max'"));
  }
  SECTION("SevenNet metadata without a cutoff") {
    const std::string p = dir + "/nocutoff.pt";
    const std::string script =
        "import sys, torch\n"
        "class M(torch.nn.Module):\n"
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
        "        return x\n"
        "torch.jit.save(torch.jit.script(M()), sys.argv[1], _extra_files={'model_type': 'E3_equivariant_model',\n"
        "               'chemical_symbols_to_index': 'C Li '})\n";
    const auto r = t::run_python(script, t::shell_quote(p));
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK_THROWS_WITH(inspect_model(p), Catch::Contains("lack 'cutoff'"));
  }
}

TEST_CASE("ioncycle's own TorchScript format is recognized from its extra files; bad values are located errors",
          "[unit][potentials][model][torchscript]") {
  const auto dir = t::temp_dir("models_ts");
  // One scripted module saved with several metadata variants.
  const std::string script =
      "import sys, torch\n"
      "from typing import Dict\n"
      "class M(torch.nn.Module):\n"
      "    def forward(self, positions: torch.Tensor, cell: torch.Tensor, atomic_numbers: torch.Tensor,\n"
      "                edge_index: torch.Tensor, shifts: torch.Tensor) -> Dict[str, torch.Tensor]:\n"
      "        return {'energy': positions.sum()}\n"
      "m = torch.jit.script(M())\n"
      "ok = {'ioncycle_model': '1', 'elements': 'Li C  O', 'cutoff': '4.5'}\n"
      "variants = {'ok': ok, 'f16': dict(ok, dtype='float16'), 'cut': dict(ok, cutoff='-1'),\n"
      "            'twice': dict(ok, elements='C Li C'), 'nocut': {'ioncycle_model': '1', 'elements': 'C'}}\n"
      "for name, extra in variants.items():\n"
      "    torch.jit.save(m, f'{sys.argv[1]}/{name}.pt', _extra_files=extra)\n";
  const auto r = t::run_python(script, t::shell_quote(dir));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);

  const auto info = inspect_model(dir + "/ok.pt");
  CHECK(info.format == ModelFormat::torchscript);
  CHECK(info.elements == std::vector<std::string>{"Li", "C", "O"});
  CHECK(info.cutoff == 4.5);
  CHECK(info.dtype == "float64");  // the default when 'dtype' is absent
  CHECK(info.metadata.at("ioncycle_model") == "1");
  CHECK(info.metadata.count("dtype") == 0);

  CHECK_THROWS_WITH(inspect_model(dir + "/f16.pt"), Catch::Contains("f16.pt") && Catch::Contains("'dtype' must be"));
  CHECK_THROWS_WITH(inspect_model(dir + "/cut.pt"), Catch::Contains("'cutoff' must be a positive number"));
  CHECK_THROWS_WITH(inspect_model(dir + "/twice.pt"), Catch::Contains("lists 'C' twice"));
  CHECK_THROWS_WITH(inspect_model(dir + "/nocut.pt"), Catch::Contains("lacks the extra file 'cutoff'"));
}
