// SPDX-License-Identifier: MIT
//
// `ioncycle build` as a user meets it: the structures it writes are the crystals they claim to
// be (spglib, a client users trust, finds their space groups), their metadata records what was
// applied and ASE reads it, the examples build, `info` reports layers, stacking and defects,
// `run`/`md` accept the same [structure] tables, and malformed or impossible requests give a
// located error and write nothing.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/geometry.hpp"
#include "io/structure_io.hpp"
#include "testing.hpp"

namespace t = ioncycle::testing;
namespace fs = std::filesystem;

namespace {

t::CommandResult run_ioncycle(const std::string& args) {
  return t::run_command(t::shell_quote(t::ioncycle_binary()) + " " + args);
}

std::string write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

std::map<int, std::size_t> counts(const ioncycle::core::System& s) {
  std::map<int, std::size_t> c;
  for (const int z : s.atomic_numbers()) ++c[z];
  return c;
}

// Space group (international symbol and number) of each file, by spglib through ASE.
std::map<std::string, std::string> spacegroups(const std::vector<std::string>& paths) {
  std::string args;
  for (const auto& p : paths) args += " " + t::shell_quote(p);
  const auto r = t::run_python(R"(
import sys, ase.io, spglib
for path in sys.argv[1:]:
    a = ase.io.read(path)
    print(path + "\t" + spglib.get_spacegroup((a.cell[:], a.get_scaled_positions(), a.numbers), symprec=1e-3))
)", args);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, std::string> out;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    const auto tab = line.find('\t');
    if (tab != std::string::npos) out[line.substr(0, tab)] = line.substr(tab + 1);
  }
  return out;
}

}  // namespace

TEST_CASE("spglib finds the space groups of the structures ioncycle build writes", "[unit][cli][build][crosscheck]") {
  const auto dir = t::temp_dir("build-spglib");
  struct Case {
    std::string name, toml, spacegroup;
  };
  const std::vector<Case> cases = {
      {"ab", "builder = \"graphite\"\nstacking = \"AB\"\nrepeat = [2, 2]\nlayers = 2\n", "P6_3/mmc (194)"},
      {"ab_orthogonal", "builder = \"graphite\"\nstacking = \"AB\"\nrepeat = [2, 1]\ncell = \"orthogonal\"\n",
       "P6_3/mmc (194)"},
      {"aa", "builder = \"graphite\"\nstacking = \"AA\"\nlayers = 1\n", "P6/mmm (191)"},
      {"abc", "builder = \"graphite\"\nstacking = \"ABC\"\n", "R-3m (166)"},
      {"lic6", "builder = \"graphite\"\nphase = \"LiC6\"\n", "P6/mmm (191)"},
      {"lic12", "builder = \"graphite\"\nphase = \"LiC12\"\n", "P6/mmm (191)"},
      {"licoo2", "builder = \"layered_oxide\"\ncomposition = \"Co\"\n", "R-3m (166)"},
      {"licoo2_supercell", "builder = \"layered_oxide\"\ncomposition = \"Co\"\nrepeat = [2, 2]\nlayers = 6\n",
       "R-3m (166)"},
      {"cooo2_o1", "builder = \"layered_oxide\"\ncomposition = \"Co\"\npolytype = \"O1\"\nx = 0.0\n", "P-3m1 (164)"},
      {"nacoo2_p2", "builder = \"layered_oxide\"\ncomposition = \"Co\"\nion = \"Na\"\npolytype = \"P2\"\n",
       "P6_3/mmc (194)"},
      {"nacoo2_o3", "builder = \"layered_oxide\"\ncomposition = \"Co\"\nion = \"Na\"\n", "R-3m (166)"},
  };
  std::vector<std::string> outputs;
  for (const auto& c : cases) {
    const auto spec = write(dir + "/" + c.name + ".toml", "[structure]\n" + c.toml);
    const auto out = dir + "/" + c.name + ".extxyz";
    const auto r = run_ioncycle("build " + spec + " -o " + out);
    INFO(c.name << ": " << r.output);
    REQUIRE(r.exit_code == 0);
    outputs.push_back(out);
  }
  const auto groups = spacegroups(outputs);
  for (std::size_t k = 0; k < cases.size(); ++k) {
    INFO(cases[k].name);
    CHECK(groups.count(outputs[k]) == 1);
    if (groups.count(outputs[k])) CHECK(groups.at(outputs[k]) == cases[k].spacegroup);
  }
  // And ioncycle's own reading of the same files.
  const auto lic6 = ioncycle::io::read_structure(dir + "/lic6.extxyz");
  CHECK(counts(lic6.system) == std::map<int, std::size_t>{{3, 1}, {6, 6}});
  CHECK(lic6.system.cell().lengths()[2] == Approx(3.70).margin(1e-12));
  const auto info = run_ioncycle("info " + dir + "/abc.extxyz");
  CHECK_THAT(info.output, Catch::Contains("stacking    ABC"));
}

TEST_CASE("build records the builder, faults and defects in metadata that ASE reads", "[unit][cli][build]") {
  const auto dir = t::temp_dir("build-meta");
  const auto spec = write(dir + "/spec.toml", R"([run]
seed = 5

[structure]
builder = "graphite"
stacking = "AB"
repeat = [3, 3]
layers = 4

[[structure.fault]]
above_layer = 1
to = "AA"

[[structure.defect]]
type = "vacancy"
species = "C"
count = 1
layers = [3]
)");
  const auto out = dir + "/g.extxyz";
  auto r = run_ioncycle("build " + spec + " -o " + out);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("ABAB -> ABBC"));
  const auto py = t::run_python(R"(
import sys, json, ase.io
a = ase.io.read(sys.argv[1])
b = json.loads(a.info["builder"])
print("builder", b["builder"], b["stacking"], b["layers"], b["repeat"], b["seed"], b["spacing_A"])
print("seed", a.info["build_seed"])
for d in a.info["defects"]:
    print("defect", d.split()[0], "layer=2" in d or "layer=3" in d)
print("natoms", len(a))
)", t::shell_quote(out));
  INFO(py.output);
  REQUIRE(py.exit_code == 0);
  CHECK_THAT(py.output, Catch::Contains("builder graphite AB 4 [3, 3] 5 3.35"));
  CHECK_THAT(py.output, Catch::Contains("seed 5"));
  CHECK_THAT(py.output, Catch::Contains("defect stacking_fault True"));
  CHECK_THAT(py.output, Catch::Contains("defect vacancy True"));
  CHECK_THAT(py.output, Catch::Contains("natoms 71"));
  // The same seed builds the same file; another seed puts the vacancy elsewhere.
  const auto again = dir + "/again.extxyz";
  REQUIRE(run_ioncycle("build " + spec + " -o " + again).exit_code == 0);
  const auto a = ioncycle::io::read_structure(out), b = ioncycle::io::read_structure(again);
  REQUIRE(a.system.num_atoms() == b.system.num_atoms());
  for (std::size_t i = 0; i < a.system.num_atoms(); ++i) CHECK(a.system.ids()[i] == b.system.ids()[i]);
  std::string other_spec;
  {
    std::ifstream in(spec);
    std::stringstream ss;
    ss << in.rdbuf();
    other_spec = ss.str();
    other_spec.replace(other_spec.find("seed = 5"), 8, "seed = 6");
  }
  const auto other = dir + "/other.extxyz";
  REQUIRE(run_ioncycle("build " + write(dir + "/other.toml", other_spec) + " -o " + other).exit_code == 0);
  const auto c = ioncycle::io::read_structure(other);
  bool same_ids = c.system.num_atoms() == a.system.num_atoms();
  for (std::size_t i = 0; same_ids && i < a.system.num_atoms(); ++i) same_ids = a.system.ids()[i] == c.system.ids()[i];
  CHECK_FALSE(same_ids);
  SECTION("info reports layers, spacings, stacking and defects") {
    r = run_ioncycle("info " + out);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("layers      4 along the normal"));
    CHECK_THAT(r.output, Catch::Contains("heights     1.675 5.025 8.375 11.725 Å"));
    CHECK_THAT(r.output, Catch::Contains("spacing     3.350 3.350 3.350 3.350 Å"));
    CHECK_THAT(r.output, Catch::Contains("stacking    ABBC"));
    CHECK_THAT(r.output, Catch::Contains("recorded    2 defects"));
    CHECK_THAT(r.output, Catch::Contains("stacking_fault pos="));
    CHECK_THAT(r.output, Catch::Contains("detected    1 defect in the geometry"));
    r = run_ioncycle("info --json " + out);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("\"sequence\": \"ABBC\""));
    CHECK_THAT(r.output, Catch::Contains("\"count\": 4"));
    CHECK_THAT(r.output, Catch::Contains("\"builder\": \"graphite\""));
  }
}

TEST_CASE("the example build specs build what they describe", "[unit][cli][build][examples]") {
  const auto dir = t::temp_dir("build-examples");
  const std::string ex = std::string(IONCYCLE_SOURCE_DIR) + "/examples/";
  auto r = run_ioncycle("build " + ex + "build-graphite-fault.toml -o " + dir + "/g.extxyz");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto g = ioncycle::io::read_structure(dir + "/g.extxyz");
  // 432 atoms, less the two vacancies and the six band atoms the partial fault pushed onto
  // unshifted atoms at its edge; no overlaps remain.
  CHECK(counts(g.system) == std::map<int, std::size_t>{{6, 6 * 6 * 2 * 6 - 2 - 6}});
  CHECK_THAT(r.output, Catch::Contains("ABABAB -> ABCACA") && Catch::Contains("ABCACA -> ABCA?A") &&
                           Catch::Contains("6 atoms removed where the band's edge clashed"));
  CHECK(ioncycle::core::closest_pair(g.system).distance > 1.0);
  r = run_ioncycle("build " + ex + "build-nmc811.toml -o " + dir + "/n.extxyz");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto n = ioncycle::io::read_structure(dir + "/n.extxyz");
  CHECK(counts(n.system) == std::map<int, std::size_t>{{3, 60}, {8, 240}, {25, 12}, {27, 12}, {28, 96}});
  CHECK_THAT(r.output, Catch::Contains("ABCABC -> ABCCAB"));
  // Li keeps its octahedra after the glide: no Li-O pair closer than 2.0 Å.
  const auto& s = n.system;
  for (std::size_t i = 0; i < s.num_atoms(); ++i) {
    if (s.atomic_numbers()[i] != 3) continue;
    for (std::size_t j = 0; j < s.num_atoms(); ++j) {
      if (s.atomic_numbers()[j] == 8) CHECK(s.cell().minimum_image(s.positions()[j] - s.positions()[i]).norm() > 2.0);
    }
  }
  r = run_ioncycle("info " + dir + "/n.extxyz");
  CHECK_THAT(r.output, Catch::Contains("galleries   OOOOOO"));
}

TEST_CASE("run and md accept the builder tables and record what was built", "[unit][cli][build][run]") {
  const auto dir = t::temp_dir("build-run");
  const auto run_file = write(dir + "/run.toml", R"([run]
name = "built"
seed = 3

[structure]
builder = "graphite"
stacking = "AB"
repeat = [2, 2]
layers = 4

[[structure.fault]]
above_layer = 1
to = "ABC"

[potential]
type = "lj"
[[potential.pair]]
elements = ["C", "C"]
epsilon = "0.3 eV"
sigma = "1.265 A"
cutoff = "1.9 A"
[[potential.pair]]
elements = ["Li", "C"]
epsilon = "0.02 eV"
sigma = "1.7 A"
cutoff = "5 A"
[[potential.pair]]
elements = ["Li", "Li"]
epsilon = "0.01 eV"
sigma = "2.2 A"
cutoff = "5 A"

[md]
timestep = "1 fs"

[ion]
species = "Li"
capacity = "LiC6"
mu_ref = "-1 eV"

[protocol]
[[protocol.step]]
type = "rest"
duration = "2 fs"
)");
  auto r = run_ioncycle("run --output " + dir + "/run " + run_file);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("built by graphite (seed 3)"));
  CHECK_THAT(r.output, Catch::Contains("ABAB -> ABCA"));
  const auto initial = ioncycle::io::read_structure(dir + "/run/initial.extxyz");
  CHECK(initial.info.count("builder") == 1);
  CHECK(initial.info.count("defects") == 1);
  // resolved.toml holds the builder table with its seed, and builds the same structure again.
  std::ifstream in(dir + "/run/resolved.toml");
  std::stringstream resolved;
  resolved << in.rdbuf();
  CHECK_THAT(resolved.str(), Catch::Contains("builder = \"graphite\"") && Catch::Contains("seed = 3") &&
                                 Catch::Contains("spacing = \"3.35 A\"") && Catch::Contains("bond_length = \"1.42 A\"") &&
                                 Catch::Contains("[[structure.fault]]"));
  const auto rebuilt = dir + "/rebuilt.extxyz";
  r = run_ioncycle("build " + dir + "/run/resolved.toml -o " + rebuilt);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto again = ioncycle::io::read_structure(rebuilt);
  REQUIRE(again.system.num_atoms() == initial.system.num_atoms());
  for (std::size_t i = 0; i < again.system.num_atoms(); ++i) {
    CHECK((again.system.positions()[i] - initial.system.positions()[i]).norm() < 1e-9);
  }
  SECTION("md builds the host from the same table") {
    const auto md = write(dir + "/md.toml", R"([structure]
builder = "graphene"
repeat = [3, 3]
seed = 4

[potential]
type = "lj"
[[potential.pair]]
elements = ["C", "C"]
epsilon = "0.002 eV"
sigma = "3.4 A"
cutoff = "8 A"

[md]
timestep = "1 fs"
steps = 0
)");
    r = run_ioncycle("md --output " + dir + "/md " + md);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const auto f = ioncycle::io::read_structure(dir + "/md/initial.extxyz");
    CHECK(f.system.num_atoms() == 18);
    CHECK(f.info.count("builder") == 1);
  }
}

TEST_CASE("malformed or impossible build requests give a located error and write nothing", "[unit][cli][build][errors]") {
  const auto dir = t::temp_dir("build-errors");
  const std::string g = "[structure]\nbuilder = \"graphite\"\n";  // lines 1-2
  struct Case {
    std::string toml, where, message;
  };
  const std::vector<Case> cases = {
      {g + "repeat = [-1, 4]\n", "3:10", "'repeat' must be two positive integers"},
      {g + "layers = 3\n", "3:10", "do not complete the stacking"},
      {g + "stacking = \"ABD\"\n", "3:12", "letters A, B and C"},
      {g + "spacing = 3.35\n", "3:11", "length"},
      {g + "layers = 4\n[[structure.fault]]\nabove_layer = 7\nto = \"AA\"\n", "5:15", "out of range"},
      {g + "layers = 4\n[[structure.fault]]\nabove_layer = 1\nto = \"AC\"\n", "6:6", "unknown registry 'AC'"},
      {g + "layers = 4\n[[structure.fault]]\nlayer = 2\nto = \"AA\"\nband = { axis = \"a\", from = 0.9, to = 0.1 }\n",
       "7:", "0 <= from < to <= 1"},
      {"[structure]\nbuilder = \"layered_oxide\"\ncomposition = \"Ni0.8Mn0.1Co0.2\"\n", "3:15", "add up to 1.1"},
      {"[structure]\nbuilder = \"layered_oxide\"\ncomposition = \"Ni0.8Mn0.1Co0.1\"\nrepeat = [2, 2]\n", "3:15",
       "cannot hold"},
      {"[structure]\nbuilder = \"layered_oxide\"\ncomposition = \"Co\"\nx = -0.5\n", "4:5", "'x' must lie in [0, 1]"},
      {"[structure]\nbuilder = \"layered_oxide\"\ncomposition = \"Co\"\n[[structure.fault]]\nabove_layer = 0\nto = "
       "\"AA\"\n",
       "6:6", "single-plane layers"},
      {"[structure]\nbuilder = \"graphite\"\nfile = \"x.extxyz\"\n", "2:11", "either 'file' or 'builder'"},
      {"[run]\nseed = 1\n[structure]\nbuilder = \"graphite\"\nseed = 2\n", "5:8", "conflicts with the [run] seed"},
      {g + "stackin = \"AB\"\n", "3:1", "did you mean 'stacking'"},
      {g + "[structur]\nx = 1\n", "3:2", "did you mean 'structure'"},
      {g + "[[structure.defect]]\ntype = \"vacancy\"\nspecies = \"C\"\ncount = -2\n", "6:", "count"},
      {g + "repeat = [2, 2]\n[[structure.defect]]\ntype = \"vacancy\"\nspecies = \"C\"\ncount = 2\n"
           "min_separation = \"40 A\"\n",
       "", "separation"},
  };
  for (std::size_t k = 0; k < cases.size(); ++k) {
    const auto& c = cases[k];
    const std::string name = "spec" + std::to_string(k) + ".toml";
    const auto spec = write(dir + "/" + name, c.toml);
    const auto out = dir + "/out" + std::to_string(k) + ".extxyz";
    const auto r = run_ioncycle("build " + spec + " -o " + out);
    INFO(c.toml << "\n---\n" << r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(name + ":" + c.where));
    CHECK_THAT(r.output, Catch::Contains(c.message));
    CHECK_FALSE(fs::exists(out));
    // No temporary file left behind either.
    for (const auto& e : fs::directory_iterator(dir)) CHECK(e.path().extension() != ".tmp");
  }
  SECTION("command-line mistakes") {
    const auto spec = write(dir + "/ok.toml", g);
    auto r = run_ioncycle("build " + spec);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("missing -o/--output"));
    r = run_ioncycle("build " + spec + " -o " + dir + "/out.weird");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains("--format"));
    CHECK_FALSE(fs::exists(dir + "/out.weird"));
    r = run_ioncycle("build " + spec + " --output " + dir + "/POSCAR");
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("keep no metadata"));
    CHECK(fs::exists(dir + "/POSCAR"));
  }
}

TEST_CASE("every [structure] example in docs/builders.md builds", "[unit][cli][build][docs]") {
  const auto dir = t::temp_dir("build-docs");
  std::ifstream in(std::string(IONCYCLE_SOURCE_DIR) + "/docs/builders.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  // A fault fragment is built on six Bernal layers; fragments of point-defect tables are the
  // defects page's own examples and need their own hosts.
  const std::string host = "[structure]\nbuilder = \"graphite\"\nrepeat = [4, 4]\nlayers = 6\n";
  std::size_t pos = 0, built = 0;
  while ((pos = text.find("```toml\n", pos)) != std::string::npos) {
    const std::size_t start = pos + 8;
    const std::size_t end = text.find("```", start);
    REQUIRE(end != std::string::npos);
    std::string block = text.substr(start, end - start);
    pos = end + 3;
    if (block.find("[structure]") == std::string::npos) {
      if (block.rfind("[[structure.fault]]", 0) != 0) continue;
      block = host + block;
    }
    const std::string name = "doc" + std::to_string(built);
    const auto spec = write(dir + "/" + name + ".toml", block);
    const auto r = run_ioncycle("build " + spec + " -o " + dir + "/" + name + ".extxyz");
    INFO(block << "\n---\n" << r.output);
    CHECK(r.exit_code == 0);
    ++built;
  }
  CHECK(built >= 8);
}

TEST_CASE("docs/structures.md is what python/render_structures.py makes from ioncycle build", "[unit][cli][build][docs]") {
  const auto dir = t::temp_dir("build-pictures");
  const std::string script = std::string(IONCYCLE_SOURCE_DIR) + "/python/render_structures.py";
  const auto r = t::run_command(t::shell_quote(t::python()) + " " + t::shell_quote(script) + " --ioncycle " +
                                t::shell_quote(t::ioncycle_binary()) + " --out " + t::shell_quote(dir));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  // The page in the repository is current: same TOML, same stacking printed, same pictures.
  CHECK(slurp(dir + "/structures.md") == slurp(std::string(IONCYCLE_SOURCE_DIR) + "/docs/structures.md"));
  std::size_t pictures = 0;
  for (const auto& e : fs::directory_iterator(dir + "/images")) {
    ++pictures;
    CHECK(fs::file_size(e.path()) > 1000);
    CHECK(fs::exists(std::string(IONCYCLE_SOURCE_DIR) + "/docs/images/" + e.path().filename().string()));
  }
  CHECK(pictures >= 12);
}

TEST_CASE("a host read from a file takes faults and defects and keeps its earlier record", "[unit][cli][build]") {
  const auto dir = t::temp_dir("build-file");
  const auto first = write(dir + "/first.toml", R"([structure]
builder = "graphite"
repeat = [3, 3]
layers = 4
[[structure.fault]]
above_layer = 0
to = "AA"
)");
  REQUIRE(run_ioncycle("build " + first + " -o " + dir + "/host.extxyz").exit_code == 0);
  // POSCAR holds no metadata, so the second step reads the extxyz.
  const auto second = write(dir + "/second.toml", R"([structure]
file = "host.extxyz"
seed = 9
[[structure.fault]]
above_layer = 2
to = "ABC"
[[structure.defect]]
type = "substitution"
species = "C"
by = "B"
count = 1
layer = 3
)");
  const auto r = run_ioncycle("build " + second + " -o " + dir + "/out.extxyz");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("stacking AABA -> AABC"));
  const auto out = ioncycle::io::read_structure(dir + "/out.extxyz");
  CHECK(counts(out.system) == std::map<int, std::size_t>{{5, 1}, {6, 71}});
  const auto& defects = std::get<std::vector<std::string>>(out.info.at("defects"));
  REQUIRE(defects.size() == 3);  // the first build's fault, then this one's fault and substitution
  CHECK_THAT(defects[0], Catch::StartsWith("stacking_fault") && Catch::Contains("above_layer=0"));
  CHECK_THAT(defects[1], Catch::StartsWith("stacking_fault") && Catch::Contains("above_layer=2"));
  CHECK_THAT(defects[2], Catch::StartsWith("substitution") && Catch::Contains("layer=3"));
  CHECK(std::get<std::int64_t>(out.info.at("build_seed")) == 9);
}
