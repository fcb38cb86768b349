// SPDX-License-Identifier: MIT
#include <catch2/catch.hpp>
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/units.hpp"
#include "md/integrator_factory.hpp"
#include "md/langevin.hpp"
#include "md/nose_hoover_chain.hpp"
#include "md/velocity_verlet.hpp"

using namespace ioncycle;
using namespace ioncycle::md;
using core::ConfigTable;

namespace {

ConfigTable md_table(const std::string& body) {
  return ConfigTable::parse_string("[md]\n" + body, "run.toml").require_table("md");
}

/// what() of the InputError that building an integrator from `body` (lines after "[md]") throws.
std::string integrator_error(const std::string& body) {
  try {
    (void)make_integrator(md_table(body), 1);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string minimizer_error(const std::string& text) {
  try {
    (void)make_minimizer(ConfigTable::parse_string("[minimize]\n" + text, "run.toml").require_table("minimize"));
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

// --- valid tables ----------------------------------------------------------------------------

TEST_CASE("[md] builds velocity Verlet by default", "[unit][md][config]") {
  const auto integrator = make_integrator(md_table(""), 1);
  CHECK(dynamic_cast<VelocityVerlet*>(integrator.get()) != nullptr);
  CHECK(integrator->timestep() == 1.0);
  CHECK(integrator->target_temperature() == 0.0);
  // A temperature alone (e.g. for initial velocities) does not make a thermostat.
  const auto nve = make_integrator(md_table("timestep = \"2 fs\"\ntemperature = \"300 K\"\n"), 1);
  CHECK(nve->name() == "velocity_verlet");
  CHECK(nve->timestep() == 2.0);
}

TEST_CASE("[md] builds Langevin with a semi-isotropic barostat", "[unit][md][config]") {
  const auto config = parse_integrator_config(md_table(R"(timestep = "2 fs"
temperature = "300 K"
thermostat = { type = "langevin", damping = "50 fs" }
barostat = { type = "c_rescale", pressure = "1 bar", couple = "xy", damping = "2 ps", bulk_modulus = "40 GPa" }
)"));
  CHECK(config.timestep == 2.0);
  CHECK(config.temperature == 300.0);
  CHECK(config.thermostat.type == ThermostatType::langevin);
  CHECK(config.thermostat.damping == 50.0);
  REQUIRE(config.barostat);
  REQUIRE(config.barostat->groups.size() == 2);
  CHECK(config.barostat->groups[0].name() == "xy");
  CHECK(config.barostat->groups[1].name() == "z");
  CHECK(config.barostat->groups[1].pressure == Approx(units::bar));
  CHECK(config.barostat->damping == 2000.0);
  CHECK(config.barostat->compressibility == Approx(1.0 / (40.0 * units::GPa)));

  const auto integrator = make_integrator(config, 7);
  auto* langevin = dynamic_cast<Langevin*>(integrator.get());
  REQUIRE(langevin != nullptr);
  CHECK(langevin->name() == "langevin+c_rescale");
  CHECK(langevin->params().seed == 7);
  CHECK(langevin->target_temperature() == 300.0);
  REQUIRE(langevin->barostat() != nullptr);
}

TEST_CASE("[md] builds Nose-Hoover chains with fixed axes and per-group pressures", "[unit][md][config]") {
  const auto config = parse_integrator_config(md_table(R"(temperature = "600 K"
thermostat = { type = "nose_hoover", damping = "200 fs", chain = 5, substeps = 2, yoshida_order = 5 }
barostat = { type = "c_rescale", couple = "x y z", fixed = ["x"], pressure = { y = "1 kbar", z = "2 GPa" }, compressibility = "4.5e-5 /bar" }
)"));
  CHECK(config.thermostat.type == ThermostatType::nose_hoover);
  CHECK(config.thermostat.chain_length == 5);
  CHECK(config.thermostat.num_substeps == 2);
  CHECK(config.thermostat.yoshida_order == 5);
  REQUIRE(config.barostat);
  REQUIRE(config.barostat->groups.size() == 2);
  CHECK(config.barostat->groups[0].name() == "y");
  CHECK(config.barostat->groups[0].pressure == Approx(1000.0 * units::bar));
  CHECK(config.barostat->groups[1].name() == "z");
  CHECK(config.barostat->groups[1].pressure == Approx(2.0 * units::GPa));
  CHECK(config.barostat->compressibility == Approx(4.5e-5 / units::bar));
  const auto integrator = make_integrator(config, 1);
  auto* nhc = dynamic_cast<NoseHooverChain*>(integrator.get());
  REQUIRE(nhc != nullptr);
  CHECK(nhc->eta().size() == 5);
  CHECK(nhc->name() == "nose_hoover+c_rescale");

  // "fixed" takes axes out of the default isotropic group: z alone.
  const auto z_only = parse_integrator_config(md_table(R"(temperature = "300 K"
thermostat = { type = "langevin" }
barostat = { type = "c_rescale", pressure = "0 bar", fixed = ["x", "y"] }
)"));
  REQUIRE(z_only.barostat->groups.size() == 1);
  CHECK(z_only.barostat->groups[0].name() == "z");
  CHECK(z_only.barostat->damping == 1000.0);                                   // default 1 ps
  CHECK(z_only.barostat->compressibility == Approx(1.0 / (100.0 * units::GPa)));  // default
  // "none" means three independent axes; groups come out in x, y, z order.
  const auto none = parse_integrator_config(md_table(R"(temperature = "300 K"
thermostat = { type = "langevin" }
barostat = { type = "c_rescale", pressure = "0 bar", couple = "none" }
)"));
  REQUIRE(none.barostat->groups.size() == 3);
  CHECK(none.barostat->groups[2].name() == "z");
  const auto swapped = parse_integrator_config(md_table(R"(temperature = "300 K"
thermostat = { type = "langevin" }
barostat = { type = "c_rescale", pressure = "0 bar", couple = "z, yx" }
)"));
  REQUIRE(swapped.barostat->groups.size() == 2);
  CHECK(swapped.barostat->groups[0].name() == "xy");
}

TEST_CASE("a minimization table builds FIRE", "[unit][md][config]") {
  const auto table = ConfigTable::parse_string(R"([minimize]
force_tolerance = "0.005 eV/A"
max_steps = 200
max_step = "0.1 A"
cell = { pressure = "1 kbar", couple = "xy", fixed = ["z"], stress_tolerance = "10 bar" }
)",
                                               "run.toml")
                         .require_table("minimize");
  const auto fire = make_minimizer(table);
  const auto& o = fire->options();
  CHECK(o.force_tolerance == 0.005);
  CHECK(o.max_steps == 200);
  CHECK(o.max_step == 0.1);
  CHECK(o.timestep == 1.0);
  CHECK(o.max_timestep == 10.0);
  REQUIRE(o.cell_groups.size() == 1);
  CHECK(o.cell_groups[0].name() == "xy");
  CHECK(o.cell_groups[0].pressure == Approx(1000.0 * units::bar));
  CHECK(o.stress_tolerance == Approx(10.0 * units::bar));
  // Without a cell table the cell is fixed.
  const auto plain = parse_fire_options(ConfigTable::parse_string("[m]\n", "run.toml").require_table("m"));
  CHECK(plain.cell_groups.empty());
  // With an empty one, every axis relaxes on its own to 0 bar.
  const auto free_cell =
      parse_fire_options(ConfigTable::parse_string("[m]\ncell = {}\n", "run.toml").require_table("m"));
  CHECK(free_cell.cell_groups.size() == 3);
  CHECK(free_cell.cell_groups[0].pressure == 0.0);
}

// --- mistakes: located errors ------------------------------------------------------------------
// Line 1 of every document is "[md]" (or "[minimize]"); columns count from 1.

TEST_CASE("[md] mistakes are located input errors", "[unit][md][config]") {
  const std::string langevin = "temperature = \"300 K\"\nthermostat = { type = \"langevin\" }\n";
  const auto check = [](const std::string& what, const std::string& location, const std::string& text) {
    INFO(what);
    CHECK(what.rfind("run.toml:" + location + ": error: ", 0) == 0);
    CHECK_THAT(what, Catch::Contains(text));
  };
  check(integrator_error("thermostat = { type = \"langevn\" }\n"), "2:23", "did you mean 'langevin'?");
  check(integrator_error("timestep = 1\n"), "2:12", "'timestep' needs a time such as \"1 fs\" (got 1)");
  check(integrator_error("timestep = \"-1 fs\"\n"), "2:12", "'timestep' must be positive");
  check(integrator_error("temprature = \"300 K\"\n"), "2:1", "unknown key 'temprature' in [md]; did you mean 'temperature'?");
  check(integrator_error("temperature = \"300 K\"\nthermostat = { type = \"langevin\", dampng = \"1 ps\" }\n"), "3:35",
        "unknown key 'dampng' in [md.thermostat]; did you mean 'damping'?");
  check(integrator_error("temperature = \"300 K\"\nthermostat = { type = \"langevin\", chain = 3 }\n"), "3:43",
        "'chain' applies only to type = \"nose_hoover\"");
  check(integrator_error("thermostat = { type = \"langevin\" }\n"), "2:14", "the thermostat needs 'temperature'");
  check(integrator_error("thermostat = \"langevin\"\n"), "2:14", "'thermostat' must be a table");
  check(integrator_error("barostat = { type = \"c_rescale\", pressure = \"1 bar\" }\n"), "2:12",
        "the barostat needs a thermostat");
  check(integrator_error("temperature = \"300 K\"\nthermostat = { type = \"nose_hoover\", damping = \"0.5 fs\" }\n"),
        "3:48", "'damping' must be longer than the time step");
  check(integrator_error("temperature = \"300 K\"\nthermostat = { type = \"nose_hoover\", yoshida_order = 4 }\n"),
        "3:54", "'yoshida_order' must be 1, 3, 5 or 7");
  check(integrator_error("temperature = \"300 K\"\nthermostat = { type = \"nose_hoover\", chain = 0 }\n"), "3:46",
        "'chain' must be positive");
  check(integrator_error("temperature = \"0 K\"\nthermostat = { type = \"nose_hoover\" }\n"), "2:15",
        "need a positive 'temperature'");
  check(integrator_error("temperature = \"-5 K\"\n"), "2:15", "'temperature' must be zero or positive");

  const auto barostat = [&](const std::string& inside) {
    return integrator_error(langevin + "barostat = { type = \"c_rescale\", " + inside + " }\n");
  };
  check(barostat("pressure = \"1 bar\", couple = \"xyy\""), "4:63", "'couple' names axis y twice");
  check(barostat("pressure = \"1 bar\", couple = \"xw\""), "4:63", "'couple' may contain only the axes x, y, z");
  check(barostat("pressure = \"1 bar\", fixed = [\"x\", \"y\", \"z\"]"), "4:62", "every axis is fixed");
  check(barostat("pressure = \"1 bar\", fixed = [\"w\"]"), "4:62", "'fixed' may contain only");
  check(barostat("pressure = \"1 bar\", fixed = [\"z\", \"z\"]"), "4:62", "'fixed' names axis z twice");
  check(barostat("couple = \"xy\", pressure = { xy = \"1 bar\" }"), "4:60", "missing key 'z' in [md.barostat.pressure]");
  check(barostat("couple = \"xy\", pressure = { xy = \"1 bar\", z = \"1 bar\", x = \"2 bar\" }"), "4:89",
        "unknown key 'x' in [md.barostat.pressure]");
  check(barostat("pressure = 1.0"), "4:45", "'pressure' needs a pressure such as \"1 bar\"");
  check(barostat("pressure = \"1 barr\""), "4:45", "did you mean 'bar'?");
  check(barostat("couple = \"xy\""), "4:12", "missing key 'pressure' in [md.barostat]");
  check(barostat("pressure = \"1 bar\", compressibility = \"4.5e-5\""), "4:72",
        "'compressibility' needs an inverse pressure such as \"4.5e-5 /bar\"");
  check(barostat("pressure = \"1 bar\", compressibility = 4.5e-5"), "4:72", "with its unit");
  check(barostat("pressure = \"1 bar\", compressibility = \"4.5e-5 /bra\""), "4:72", "unknown unit 'bra'");
  check(barostat("pressure = \"1 bar\", compressibility = \"-1 /bar\""), "4:72", "must be positive");
  check(barostat("pressure = \"1 bar\", compressibility = \"4.5e-5 /bar\", bulk_modulus = \"1 GPa\""), "4:102",
        "either 'compressibility' or 'bulk_modulus'");
  check(barostat("pressure = \"1 bar\", damping = \"0.5 fs\""), "4:64", "'damping' must be longer than the time step");
  check(barostat("pressure = \"1 bar\", dampin = \"1 ps\""), "4:54", "did you mean 'damping'?");
  check(integrator_error(langevin + "barostat = { type = \"berendsen\" }\n"), "4:21",
        "'type' must be one of 'c_rescale', 'none'");
}

TEST_CASE("minimization mistakes are located input errors", "[unit][md][config]") {
  const auto check = [](const std::string& what, const std::string& location, const std::string& text) {
    INFO(what);
    CHECK(what.rfind("run.toml:" + location + ": error: ", 0) == 0);
    CHECK_THAT(what, Catch::Contains(text));
  };
  check(minimizer_error("force_tolerance = 0.01\n"), "2:19", "'force_tolerance' needs a force such as");
  check(minimizer_error("max_steps = -3\n"), "2:13", "'max_steps' must be zero or positive");
  check(minimizer_error("max_step = \"0 A\"\n"), "2:12", "'max_step' must be positive");
  check(minimizer_error("timestep = \"5 fs\"\nmax_timestep = \"2 fs\"\n"), "3:16", "must not be shorter than 'timestep'");
  check(minimizer_error("max_stpes = 10\n"), "2:1", "unknown key 'max_stpes' in [minimize]");
  check(minimizer_error("cell = { fixed = [\"q\"] }\n"), "2:18", "'fixed' may contain only");
  check(minimizer_error("cell = { pressure = \"1 bar\", stres_tolerance = \"1 bar\" }\n"), "2:30",
        "did you mean 'stress_tolerance'?");
}
