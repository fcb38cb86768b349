// SPDX-License-Identifier: MIT
//
// Potential fingerprints (the identity of an energy function, used as cache keys) and the SHA-256
// they rest on: the hash against the FIPS 180-4 / NIST example messages, and for every potential
// that equal settings give equal fingerprints while any change of a parameter (down to one ulp)
// or of a model file's bytes gives another.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/content_hash.hpp"
#include "core/error.hpp"
#include "potentials/d3_dispersion.hpp"
#include "potentials/lennard_jones.hpp"
#include "potentials/morse.hpp"
#include "potentials/potential.hpp"
#include "potentials/tersoff.hpp"
#include "potentials/torchscript_potential.hpp"
#include "testing.hpp"

namespace core = ioncycle::core;
namespace pot = ioncycle::potentials;
namespace t = ioncycle::testing;

namespace {

std::string write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return path;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

pot::LennardJones lj(double epsilon, double sigma, double cutoff, bool shift = false) {
  return pot::LennardJones::single(3, epsilon, sigma, cutoff, shift);
}

// A potential that does not override fingerprint().
class Anonymous final : public pot::Potential {
 public:
  [[nodiscard]] std::string name() const override { return "anonymous"; }
  [[nodiscard]] double cutoff() const override { return 1.0; }
  [[nodiscard]] bool supports(int) const override { return true; }
  [[nodiscard]] std::string supported_species() const override { return "any"; }
  void compute(const core::System&, const core::NeighborList&, const pot::ForceRequest&,
               pot::ForceResult& result) override {
    result.energy = 0.0;
  }
};

// Tersoff's silicon (PRB 38, 9902 (1988), "Si(B)"), in LAMMPS' Si.tersoff layout.
const char* kSiTersoff =
    "# Tersoff Si(B)\n"
    "Si Si Si 3.0 1.0 0.0 1.0039e5 16.217 -0.59825 0.78734 1.1000e-6 1.7322 471.18 2.85 0.15 2.4799 1830.8\n";

}  // namespace

TEST_CASE("SHA-256 of the FIPS 180-4 example messages", "[unit][potentials][fingerprint]") {
  // NIST CSRC "Example Algorithms" for SHA-256 (one block, two blocks, a million 'a').
  CHECK(core::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(core::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(core::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(core::sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
                         "lmnopqrsmnopqrstnopqrstu") ==
        "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  const std::string million(1000000, 'a');
  CHECK(core::sha256_hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");

  // Streaming in uneven pieces (across block boundaries) gives the same digest.
  core::Sha256 streamed;
  std::size_t pos = 0;
  for (std::size_t piece = 1; pos < million.size(); piece = piece * 7 % 1000 + 1) {
    const std::size_t n = std::min(piece, million.size() - pos);
    streamed.update(million.data() + pos, n);
    pos += n;
  }
  CHECK(streamed.hex_digest() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("File hashes follow every byte; hex floats round-trip exactly", "[unit][potentials][fingerprint]") {
  const std::string dir = t::temp_dir("fingerprint");
  std::string content(3 * 1024 * 1024 + 17, '\0');  // over three read blocks
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>((i * 2654435761u) >> 13);
  const std::string a = write_file(dir + "/a.bin", content);
  CHECK(core::sha256_file_hex(a) == core::sha256_hex(content));
  content[content.size() / 2] = static_cast<char>(content[content.size() / 2] ^ 1);
  const std::string b = write_file(dir + "/b.bin", content);
  CHECK(core::sha256_file_hex(b) == core::sha256_hex(content));
  CHECK(core::sha256_file_hex(a) != core::sha256_file_hex(b));
  CHECK_THROWS_AS(core::sha256_file_hex(dir + "/missing.bin"), ioncycle::InputError);

  for (const double x : {0.1, -1.0 / 3.0, 3.51, 1e-310, -0.0, 6.02214076e23, std::nextafter(1.0, 2.0)}) {
    const std::string text = core::hex_double(x);
    const double back = std::strtod(text.c_str(), nullptr);
    CHECK(std::signbit(back) == std::signbit(x));
    CHECK(back == x);
  }
  CHECK(core::hex_double(1.0) != core::hex_double(std::nextafter(1.0, 2.0)));
}

TEST_CASE("Pair potential fingerprints change with every parameter", "[unit][potentials][fingerprint]") {
  const std::string base = lj(0.2, 2.8, 6.5).fingerprint();
  CHECK(base == lj(0.2, 2.8, 6.5).fingerprint());
  CHECK(base.rfind("lj ", 0) == 0);
  CHECK(base != lj(std::nextafter(0.2, 1.0), 2.8, 6.5).fingerprint());
  CHECK(base != lj(0.2, std::nextafter(2.8, 3.0), 6.5).fingerprint());
  CHECK(base != lj(0.2, 2.8, 6.6).fingerprint());
  CHECK(base != lj(0.2, 2.8, 6.5, /*shift=*/true).fingerprint());
  // Another element with the same numbers is another potential.
  CHECK(base != pot::LennardJones::single(11, 0.2, 2.8, 6.5).fingerprint());

  // An unlike pair given explicitly with the Lorentz-Berthelot values is the same energy function
  // as the mixed one, and has the same fingerprint; a different unlike pair does not.
  pot::LennardJones::Params mixed;
  mixed.pairs = {{3, 3, 0.2, 2.8, 6.5}, {11, 11, 0.05, 3.4, 7.0}};
  pot::LennardJones::Params explicit_pair = mixed;
  explicit_pair.pairs.push_back({3, 11, std::sqrt(0.2 * 0.05), 0.5 * (2.8 + 3.4), 7.0});
  CHECK(pot::LennardJones(mixed).fingerprint() == pot::LennardJones(explicit_pair).fingerprint());
  explicit_pair.pairs.back().epsilon *= 1.5;
  CHECK(pot::LennardJones(mixed).fingerprint() != pot::LennardJones(explicit_pair).fingerprint());

  const std::string morse = pot::Morse::single(29, 0.3429, 1.3588, 2.866, 6.0).fingerprint();
  CHECK(morse == pot::Morse::single(29, 0.3429, 1.3588, 2.866, 6.0).fingerprint());
  CHECK(morse != pot::Morse::single(29, 0.3429, 1.3588, std::nextafter(2.866, 3.0), 6.0).fingerprint());
  CHECK(morse != pot::Morse::single(29, 0.3429, std::nextafter(1.3588, 2.0), 2.866, 6.0).fingerprint());
  CHECK(morse != pot::Morse::single(29, 0.3429, 1.3588, 2.866, 6.0, /*shift=*/true).fingerprint());
  CHECK(morse != base);
}

TEST_CASE("Tersoff fingerprints follow the parameters in use, not comments", "[unit][potentials][fingerprint]") {
  const std::string dir = t::temp_dir("fingerprint_tersoff");
  const std::string original = write_file(dir + "/Si.tersoff", kSiTersoff);
  const std::string commented = write_file(dir + "/Si-commented.tersoff", std::string("# a note\n") + kSiTersoff);
  std::string changed_text = kSiTersoff;
  changed_text.replace(changed_text.find("2.85"), 4, "2.86");  // R
  const std::string changed = write_file(dir + "/Si-changed.tersoff", changed_text);

  const std::string fp = pot::Tersoff::from_file(original, {"Si"}).fingerprint();
  CHECK(fp.rfind("tersoff sha256=", 0) == 0);
  CHECK(fp.size() == std::string("tersoff sha256=").size() + 64);
  CHECK(fp == pot::Tersoff::from_file(original, {"Si"}).fingerprint());
  CHECK(fp == pot::Tersoff::from_file(commented, {"Si"}).fingerprint());
  CHECK(fp != pot::Tersoff::from_file(changed, {"Si"}).fingerprint());

  // Built from entries with the same numbers: the same function, the same fingerprint.
  pot::TersoffEntry entry;
  entry.z = {14, 14, 14};
  entry.parameters = pot::Tersoff::from_file(original, {"Si"}).parameters(14, 14, 14);
  CHECK(pot::Tersoff({entry}).fingerprint() == fp);
  entry.parameters.A = std::nextafter(entry.parameters.A, 0.0);
  CHECK(pot::Tersoff({entry}).fingerprint() != fp);
}

TEST_CASE("D3 fingerprints hold the damping, the cutoffs and the table's hash", "[unit][potentials][fingerprint]") {
  const std::string table = pot::default_d3_table_path();
  if (table.empty()) {
    WARN("D3 reference table not deployed (./scripts/setup); skipped");
    return;
  }
  const pot::D3Dispersion pbe;
  CHECK(pbe.fingerprint() == pot::D3Dispersion().fingerprint());
  CHECK(pbe.fingerprint().find("table_sha256=" + core::sha256_file_hex(table)) != std::string::npos);

  pot::D3Settings other;
  other.functional = "b3lyp";
  CHECK(pot::D3Dispersion(other).fingerprint() != pbe.fingerprint());
  pot::D3Settings shorter;
  shorter.cutoff = 40.0;
  CHECK(pot::D3Dispersion(shorter).fingerprint() != pbe.fingerprint());

  // Explicit damping equal to PBE's is the same function.
  pot::D3Settings explicit_pbe;
  explicit_pbe.damping = pbe.damping();
  CHECK(pot::D3Dispersion(explicit_pbe).fingerprint() == pbe.fingerprint());

  // The same table under another name: the same function, the same fingerprint.
  const std::string dir = t::temp_dir("fingerprint_d3");
  std::string text = read_file(table);
  pot::D3Settings copy;
  copy.table_path = write_file(dir + "/copy.txt", text);
  CHECK(pot::D3Dispersion(copy).fingerprint() == pbe.fingerprint());
}

TEST_CASE("A sum's fingerprint joins its terms and is empty if one is unknown", "[unit][potentials][fingerprint]") {
  auto make = [](double epsilon) {
    std::vector<std::unique_ptr<pot::Potential>> terms;
    terms.push_back(std::make_unique<pot::LennardJones>(lj(epsilon, 2.8, 6.5)));
    terms.push_back(std::make_unique<pot::Morse>(pot::Morse::single(3, 0.1, 1.0, 3.0, 6.0)));
    return pot::SumPotential(std::move(terms));
  };
  const std::string fp = make(0.2).fingerprint();
  CHECK(fp == "sum(" + lj(0.2, 2.8, 6.5).fingerprint() + ";" + pot::Morse::single(3, 0.1, 1.0, 3.0, 6.0).fingerprint() +
                  ")");
  CHECK(fp != make(0.3).fingerprint());

  CHECK(Anonymous().fingerprint().empty());
  std::vector<std::unique_ptr<pot::Potential>> terms;
  terms.push_back(std::make_unique<pot::LennardJones>(lj(0.2, 2.8, 6.5)));
  terms.push_back(std::make_unique<Anonymous>());
  CHECK(pot::SumPotential(std::move(terms)).fingerprint().empty());
}

TEST_CASE("Model fingerprints are the file content's SHA-256, whatever the path",
          "[unit][potentials][fingerprint][torchscript]") {
  // Two models that differ only in their cutoff metadata (one byte of an extra file), saved by
  // torch; the first copied to another name.
  const std::string dir = t::temp_dir("fingerprint_model");
  const char* script = R"PY(
import sys
from typing import Dict
import torch

class Spring(torch.nn.Module):
    def forward(self, positions: torch.Tensor, cell: torch.Tensor, atomic_numbers: torch.Tensor,
                edge_index: torch.Tensor, shifts: torch.Tensor) -> Dict[str, torch.Tensor]:
        d = positions[edge_index[1]] - positions[edge_index[0]] + shifts
        return {"energy": 0.5 * (d * d).sum()}

m = torch.jit.script(Spring())
meta = {"ioncycle_model": "1", "elements": "Li", "dtype": "float64"}
torch.jit.save(m, sys.argv[1] + "/a.pt", _extra_files=dict(meta, cutoff="3.0"))
torch.jit.save(m, sys.argv[1] + "/b.pt", _extra_files=dict(meta, cutoff="4.0"))
)PY";
  const auto r = t::run_python(script, t::shell_quote(dir));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::filesystem::copy_file(dir + "/a.pt", dir + "/a-copy.pt");

  const pot::TorchScriptPotential a(dir + "/a.pt", {"cpu"});
  const pot::TorchScriptPotential a_copy(dir + "/a-copy.pt", {"cpu"});
  const pot::TorchScriptPotential b(dir + "/b.pt", {"cpu"});
  CHECK(a.fingerprint() == "torchscript sha256=" + core::sha256_file_hex(dir + "/a.pt"));
  CHECK(a.fingerprint() == a_copy.fingerprint());
  CHECK(a.fingerprint() != b.fingerprint());
}
