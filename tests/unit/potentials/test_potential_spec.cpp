// SPDX-License-Identifier: MIT
//
// Potential spec strings ("sevennet:PATH+d3", "lj:..."): splitting, defaults, errors located at
// the offending term (also inside a TOML value), and the [potential] table forms that use them.
#include <catch2/catch.hpp>

#include "core/config.hpp"
#include "core/error.hpp"
#include "potentials/potential_factory.hpp"
#include "potentials/potential_spec.hpp"

namespace p = ioncycle::potentials;
using ioncycle::InputError;
using ioncycle::core::ConfigTable;

TEST_CASE("spec strings split into terms; 'default' is SevenNet-0 plus D3", "[unit][potentials][spec]") {
  p::SpecContext context;
  auto terms = p::parse_spec("default", context);
  REQUIRE(terms.size() == 2);
  CHECK(terms[0].kind == "sevennet");
  CHECK(terms[0].argument == "default");
  CHECK(terms[1].kind == "d3");

  terms = p::parse_spec(" mace:models/m.pt + d3:revpbe ", context);
  REQUIRE(terms.size() == 2);
  CHECK(terms[0].kind == "mace");
  CHECK(terms[0].argument == "models/m.pt");
  CHECK(terms[0].offset == 1);
  CHECK(terms[1].kind == "d3");
  CHECK(terms[1].argument == "revpbe");
  CHECK(terms[1].offset == 20);

  // '+' inside an exponent stays in its term.
  terms = p::parse_spec("lj:epsilon=1e+0 eV,sigma=3 A,cutoff=8 A+morse:d0=1 eV,alpha=1 1/A,r0=2 A,cutoff=6 A", context);
  REQUIRE(terms.size() == 2);
  CHECK(terms[0].argument == "epsilon=1e+0 eV,sigma=3 A,cutoff=8 A");
  CHECK(terms[1].kind == "morse");

  // "++" is a '+' inside a term: a file name with '+' in it.
  terms = p::parse_spec("sevennet:models/a++b.pt+d3", context);
  REQUIRE(terms.size() == 2);
  CHECK(terms[0].argument == "models/a+b.pt");
  CHECK(terms[1].kind == "d3");
  // A single '+' in a file name splits it: the hint says how to write it.
  CHECK_THROWS_WITH(p::parse_spec("sevennet:models/a+b.pt", context),
                    Catch::Contains("unknown potential 'b.pt'") && Catch::Contains("written twice"));
  CHECK_THROWS_WITH(p::parse_spec("sevennet:m.pt+d33", context), Catch::Contains("did you mean 'd3'"));

  // A bare "sevennet" is SevenNet-0.
  terms = p::parse_spec("sevennet", context);
  REQUIRE(terms.size() == 1);
  CHECK(terms[0].argument == "default");
}

TEST_CASE("spec errors point at the term, also inside a TOML value", "[unit][potentials][spec]") {
  p::SpecContext context;
  context.where = {"run.toml", 4, 8};
  context.quoted = true;
  try {
    (void)p::parse_spec("lj:epsilon=1 eV,sigma=3 A,cutoff=8 A+tersof:BNC.tersoff", context);
    FAIL("no error");
  } catch (const InputError& e) {
    // The value starts after the quote at column 9; the bad term at offset 37.
    CHECK(e.where().line == 4);
    CHECK(e.where().column == 8 + 1 + 37);
    CHECK_THAT(e.hint(), Catch::Contains("did you mean 'tersoff'"));
  }
  CHECK_THROWS_WITH(p::parse_spec("", context), Catch::Contains("empty"));
  CHECK_THROWS_WITH(p::parse_spec("d3+", context), Catch::Contains("empty term"));
  CHECK_THROWS_WITH(p::parse_spec("default:x", context), Catch::Contains("takes no argument"));
  CHECK_THROWS_WITH(p::parse_spec("torchscript", context), Catch::Contains("needs an argument"));
}

TEST_CASE("lj and morse specs build one pair for every element pair of the structure", "[unit][potentials][spec]") {
  p::SpecContext context;
  context.structure_elements = {6, 3, 6};
  auto pot = p::make_potential_from_spec("lj:epsilon=0.01 eV,sigma=3 A,cutoff=7 A", context);
  CHECK(pot->name() == "lj");
  CHECK(pot->cutoff() == 7.0);
  CHECK(pot->supports(3));
  CHECK(pot->supports(6));
  CHECK_FALSE(pot->supports(8));
  auto sum = p::make_potential_from_spec("lj:epsilon=0.01 eV,sigma=3 A,cutoff=7 A+morse:d0=0.1 eV,alpha=1 1/A,r0=3 A,cutoff=9 A",
                                         context);
  CHECK(sum->cutoff() == 9.0);
  CHECK_THROWS_WITH(p::make_potential_from_spec("lj:epsilon=0.01 eV,sigma=3 A,cutoff=7 A,rc=3 A", context),
                    Catch::Contains("unknown parameter 'rc'"));
  CHECK_THROWS_WITH(p::make_potential_from_spec("lj:epsilon=-1 eV,sigma=3 A,cutoff=7 A", context),
                    Catch::Contains("must be positive"));
  CHECK_THROWS_WITH(p::make_potential_from_spec("lj:epsilon=1 K,sigma=3 A,cutoff=7 A", context),
                    Catch::Contains("epsilon"));
}

TEST_CASE("[potential] spec = and model = use the spec grammar, located in the file", "[unit][potentials][spec]") {
  const auto table = ConfigTable::parse_string("[potential]\nspec = \"lj:epsilon=0.01 eV,sigma=3 A,cutoff=7 A\"\n", "run.toml")
                         .require_table("potential");
  CHECK(p::make_potential(table, ".", {18})->name() == "lj");

  const auto bad = ConfigTable::parse_string("[potential]\nspec = \"lj:epsilon=0.01 eV+d5\"\n", "run.toml")
                       .require_table("potential");
  try {
    (void)p::make_potential(bad, ".", {18});
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.where().file == "run.toml");
    CHECK(e.where().line == 2);
    CHECK(e.where().column == 8 + 1 + 19);
  }
  // model = PATH is "model:PATH": the file's format is recognized; a missing file is located.
  const auto missing = ConfigTable::parse_string("[potential]\nmodel = \"nope.pt\"\n", "run.toml").require_table("potential");
  CHECK_THROWS_WITH(p::make_potential(missing, "/tmp", {6}), Catch::Contains("nope.pt"));
  // A model path is one file, '+' and all, with or without a type.
  for (const char* text : {"[potential]\nmodel = \"v1+d3.pt\"\n", "[potential]\ntype = \"nep\"\nmodel = \"v1+d3.pt\"\n"}) {
    const auto plus = ConfigTable::parse_string(text, "run.toml").require_table("potential");
    CHECK_THROWS_WITH(p::make_potential(plus, "/tmp", {6}),
                      Catch::Contains("v1+d3.pt") && !Catch::Contains("unknown potential"));
  }
  // device must be one of the known names.
  const auto device = ConfigTable::parse_string("[potential]\nmodel = \"default\"\ndevice = \"gpu\"\n", "run.toml")
                          .require_table("potential");
  CHECK_THROWS_WITH(p::make_potential(device, ".", {6}), Catch::Contains("device"));
}
