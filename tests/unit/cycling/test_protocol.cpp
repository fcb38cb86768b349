// SPDX-License-Identifier: MIT
//
// The [ion] and [protocol] schema: values and defaults of a valid protocol, the round trip
// through resolved.toml, and every validation rule with the file:line:column it reports. The last
// case reads the malformed run files of tests/input_errors/ directly (without the CLI).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/config.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/system.hpp"
#include "cycling/protocol.hpp"
#include "md/integrator_factory.hpp"
#include "potentials/potential_factory.hpp"

namespace {

namespace c = ioncycle::cycling;
using ioncycle::InputError;
using ioncycle::core::ConfigTable;
using ioncycle::core::System;

/// 48 C atoms: "LiC6" holds 8 Li.
System carbon_host() {
  System s;
  for (int i = 0; i < 48; ++i) {
    ioncycle::core::AtomSpec a;
    a.z = 6;
    a.position = {1.42 * i, 0.0, 0.0};
    (void)s.add_atom(a);
  }
  return s;
}

c::ProtocolContext context(const System& host, double md_temperature = 300.0, double timestep = 1.0) {
  c::ProtocolContext ctx;
  ctx.host = &host;
  ctx.supports = [](int z) { return z != 92; };  // everything but U, for the "model lacks" rule
  ctx.supported_species = "H-Og except U";
  ctx.md_temperature = md_temperature;
  ctx.timestep = timestep;
  return ctx;
}

c::CyclingSettings parse(const std::string& text, double md_temperature = 300.0, double timestep = 1.0) {
  const System host = carbon_host();
  return c::parse_protocol(ConfigTable::parse_string(text, "p.toml"), context(host, md_temperature, timestep));
}

const std::string kIon = "[ion]\nspecies = \"Li\"\ncapacity = \"LiC6\"\n";  // lines 1-3

/// Expect an InputError at p.toml:line:column whose message contains `text`.
void expect_error(const std::string& toml, int line, int column, const std::string& text,
                  double md_temperature = 300.0, double timestep = 1.0) {
  INFO(toml);
  try {
    (void)parse(toml, md_temperature, timestep);
  } catch (const InputError& e) {
    INFO(e.what());
    CHECK(e.where().file == "p.toml");
    CHECK(e.where().line == line);
    CHECK(e.where().column == column);
    CHECK_THAT(e.message(), Catch::Contains(text));
    return;
  }
  FAIL("no error");
}

const std::string kFull = R"([ion]
species = "Li"
capacity = "LiC6"
electrode = "cathode"
mu_ref = "-1.9 eV"
min_distance = "1.4 A"

[ion.min_distance_to]
C = "1.6 A"
O = "1.8 A"

[protocol]
cycles = 3
until = { time = "500 ps", events = 40 }

[[protocol.step]]
type = "intercalate"
rate = "1 ion / 2 ps"
until = { soc = 0.75, voltage = "0.05 V" }
sites = "region"
region = { lo = ["0 A", "0 A", "5 A"], hi = ["10 A", "1 nm", "8 A"] }
policy = "boltzmann"
candidates = 16
temperature = "350 K"
voltage_window = 4

[[protocol.step]]
type = "rest"
duration = "20 ps"

[[protocol.step]]
type = "deintercalate"
rate = "2 ion / 1 ps"
until = { soc = 0.0, time = "30 ps" }
policy = "last_in"
depth = "4 A"

[[protocol.step]]
type = "hold"
voltage = "-0.1 V"
until = { net_rate = "1 ion / 20 ps", rate_window = "5 ps", events = 7 }
exchange_every = "50 fs"
moves = 3
sites = "edge"
settle_steps = 0

[[protocol.step]]
type = "ramp"
to = "600 K"
duration = "10 ps"

[[protocol.step]]
type = "rest"
until = { time = "1 ps" }
temperature = "0 K"

[[protocol.step]]
type = "minimize"
force_tolerance = "0.05 eV/A"
max_steps = 200
cell = { pressure = "1 bar", couple = "xy", fixed = ["z"] }
)";

void check_same(const c::CyclingSettings& a, const c::CyclingSettings& b) {
  CHECK(a.ion.z == b.ion.z);
  CHECK(a.ion.capacity_text == b.ion.capacity_text);
  CHECK(a.ion.capacity == b.ion.capacity);
  CHECK(a.ion.electrode == b.ion.electrode);
  CHECK(a.ion.mu_ref == b.ion.mu_ref);
  CHECK(a.ion.min_distance == b.ion.min_distance);
  CHECK(a.ion.min_distance_to == b.ion.min_distance_to);
  auto same_until = [](const c::Until& x, const c::Until& y) {
    CHECK(x.soc == y.soc);
    CHECK(x.time == y.time);
    CHECK(x.events == y.events);
    CHECK(x.voltage == y.voltage);
    CHECK(x.net_rate == y.net_rate);
    CHECK(x.rate_window == y.rate_window);
  };
  CHECK(a.protocol.cycles == b.protocol.cycles);
  same_until(a.protocol.end, b.protocol.end);
  REQUIRE(a.protocol.steps.size() == b.protocol.steps.size());
  for (std::size_t i = 0; i < a.protocol.steps.size(); ++i) {
    const auto& x = a.protocol.steps[i];
    const auto& y = b.protocol.steps[i];
    INFO(x.label());
    CHECK(x.type == y.type);
    CHECK(x.index == y.index);
    CHECK(x.temperature == y.temperature);
    CHECK(x.temperature_end == y.temperature_end);
    CHECK(x.duration == y.duration);
    CHECK(x.interval == y.interval);
    CHECK(x.voltage == y.voltage);
    CHECK(x.exchange_every == y.exchange_every);
    CHECK(x.moves == y.moves);
    CHECK(x.voltage_window == y.voltage_window);
    same_until(x.until, y.until);
    CHECK(x.insertion.sites == y.insertion.sites);
    CHECK(x.insertion.region.has_value() == y.insertion.region.has_value());
    if (x.insertion.region && y.insertion.region) {
      CHECK(x.insertion.region->lo == y.insertion.region->lo);
      CHECK(x.insertion.region->hi == y.insertion.region->hi);
    }
    CHECK(x.insertion.depth == y.insertion.depth);
    CHECK(x.insertion.policy == y.insertion.policy);
    CHECK(x.insertion.candidates == y.insertion.candidates);
    CHECK(x.insertion.max_tries == y.insertion.max_tries);
    CHECK(x.insertion.settle_steps == y.insertion.settle_steps);
    CHECK(x.insertion.settle_force == y.insertion.settle_force);
    CHECK(x.insertion.settle_max_move == y.insertion.settle_max_move);
    CHECK(x.removal.policy == y.removal.policy);
    CHECK(x.removal.candidates == y.removal.candidates);
    CHECK(x.removal.depth == y.removal.depth);
    CHECK(x.minimize.force_tolerance == y.minimize.force_tolerance);
    CHECK(x.minimize.max_steps == y.minimize.max_steps);
    CHECK(x.minimize.max_step == y.minimize.max_step);
    CHECK(x.minimize.timestep == y.minimize.timestep);
    CHECK(x.minimize.max_timestep == y.minimize.max_timestep);
    CHECK(x.minimize.min_timestep == y.minimize.min_timestep);
    CHECK(x.minimize.stress_tolerance == y.minimize.stress_tolerance);
    REQUIRE(x.minimize.cell_groups.size() == y.minimize.cell_groups.size());
    for (std::size_t g = 0; g < x.minimize.cell_groups.size(); ++g) {
      CHECK(x.minimize.cell_groups[g].axes == y.minimize.cell_groups[g].axes);
      CHECK(x.minimize.cell_groups[g].pressure == y.minimize.cell_groups[g].pressure);
    }
  }
}

}  // namespace

TEST_CASE("a full protocol is read with its values in internal units", "[unit][cycling][protocol]") {
  const auto s = parse(kFull);
  CHECK(s.ion.z == 3);
  CHECK(s.ion.capacity_text == "LiC6");
  CHECK(s.ion.capacity == Approx(8.0));  // 48 C / 6
  CHECK(s.ion.electrode == c::Electrode::cathode);
  REQUIRE(s.ion.mu_ref);
  CHECK(*s.ion.mu_ref == Approx(-1.9));
  CHECK(s.ion.min_distance_for(6) == Approx(1.6));
  CHECK(s.ion.min_distance_for(8) == Approx(1.8));
  CHECK(s.ion.min_distance_for(3) == Approx(1.4));  // not listed: the general distance
  CHECK(s.protocol.cycles == 3);
  CHECK(*s.protocol.end.time == Approx(500000.0));
  CHECK(*s.protocol.end.events == 40);
  REQUIRE(s.protocol.steps.size() == 7);

  const auto& ins = s.protocol.steps[0];
  CHECK(ins.type == c::StepType::intercalate);
  CHECK(ins.label() == "step 1 'intercalate'");
  CHECK(ins.where.line == 16);
  CHECK(ins.interval == Approx(2000.0));  // 1 ion / 2 ps = one event every 2000 fs
  CHECK(ins.temperature == Approx(350.0));
  CHECK(*ins.until.soc == Approx(0.75));
  CHECK(*ins.until.voltage == Approx(0.05));
  CHECK_FALSE(ins.until.time);
  CHECK(ins.insertion.sites == c::SiteSet::region);
  REQUIRE(ins.insertion.region);
  CHECK(ins.insertion.region->lo.isApprox(ioncycle::core::Vec3(0, 0, 5)));
  CHECK(ins.insertion.region->hi.isApprox(ioncycle::core::Vec3(10, 10, 8)));  // 1 nm = 10 Å
  CHECK(ins.insertion.policy == c::InsertPolicy::boltzmann);
  CHECK(ins.insertion.candidates == 16);
  CHECK(ins.voltage_window == 4);
  // Defaults of the keys not given.
  CHECK(ins.insertion.depth == Approx(5.0));
  CHECK(ins.insertion.max_tries == 1000);
  CHECK(ins.insertion.settle_steps == 10);
  CHECK(ins.insertion.settle_force == Approx(2.0));
  CHECK(ins.insertion.settle_max_move == Approx(0.05));

  const auto& rest = s.protocol.steps[1];
  CHECK(rest.type == c::StepType::rest);
  CHECK(rest.duration == Approx(20000.0));
  CHECK(rest.temperature == Approx(300.0));  // [md] temperature
  CHECK(rest.until.empty());

  const auto& de = s.protocol.steps[2];
  CHECK(de.interval == Approx(500.0));  // 2 ions per ps
  CHECK(de.removal.policy == c::RemovePolicy::last_in);
  CHECK(de.removal.candidates == 8);
  CHECK(de.removal.depth == Approx(4.0));
  CHECK(*de.until.soc == 0.0);
  CHECK(*de.until.time == Approx(30000.0));
  CHECK(de.voltage_window == 8);

  const auto& hold = s.protocol.steps[3];
  CHECK(hold.voltage == Approx(-0.1));
  CHECK(hold.exchange_every == Approx(50.0));
  CHECK(hold.moves == 3);
  CHECK(hold.insertion.sites == c::SiteSet::edge);
  CHECK(hold.insertion.policy == c::InsertPolicy::random);  // grand-canonical trials are uniform
  CHECK(hold.insertion.settle_steps == 0);
  CHECK(*hold.until.net_rate == Approx(1.0 / 20000.0));
  CHECK(hold.until.rate_window == Approx(5000.0));
  CHECK(*hold.until.events == 7);

  const auto& ramp = s.protocol.steps[4];
  CHECK(ramp.temperature == Approx(300.0));  // from: [md] temperature
  CHECK(ramp.temperature_end == Approx(600.0));
  CHECK(ramp.duration == Approx(10000.0));

  const auto& short_rest = s.protocol.steps[5];
  CHECK(short_rest.duration == 0.0);
  CHECK(*short_rest.until.time == Approx(1000.0));
  CHECK(short_rest.temperature == 0.0);

  const auto& min = s.protocol.steps[6];
  CHECK(min.type_name() == "minimize");
  CHECK(min.minimize.force_tolerance == Approx(0.05));
  CHECK(min.minimize.max_steps == 200);
  REQUIRE(min.minimize.cell_groups.size() == 1);  // xy together, z fixed
  CHECK(min.minimize.cell_groups[0].name() == "xy");
}

TEST_CASE("a minimal protocol gets every default", "[unit][cycling][protocol]") {
  const auto s = parse(kIon + "[protocol]\n[[protocol.step]]\ntype = \"intercalate\"\nrate = \"1 ion / 100 fs\"\n"
                              "until = { soc = 1.0 }\n",
                       /*md_temperature=*/0.0, /*timestep=*/0.5);
  CHECK(s.ion.electrode == c::Electrode::anode);
  CHECK_FALSE(s.ion.mu_ref);
  CHECK(s.ion.min_distance == Approx(1.5));
  CHECK(s.protocol.cycles == 1);
  CHECK(s.protocol.end.empty());
  const auto& step = s.protocol.steps.at(0);
  CHECK(step.interval == Approx(100.0));  // 200 steps of 0.5 fs
  CHECK(step.temperature == 0.0);         // NVE
  CHECK(step.insertion.sites == c::SiteSet::galleries);
  CHECK(step.insertion.policy == c::InsertPolicy::lowest_energy);
  CHECK(step.insertion.candidates == 8);
  CHECK(step.voltage_window == 8);
}

TEST_CASE("a number capacity and the names of half cycles", "[unit][cycling][protocol]") {
  const auto s = parse("[ion]\nspecies = \"Na\"\ncapacity = 12\n[protocol]\n[[protocol.step]]\ntype = \"rest\"\n"
                       "duration = \"1 ps\"\n");
  CHECK(s.ion.z == 11);
  CHECK(s.ion.capacity == 12.0);
  CHECK(c::half_cycle_name(c::Electrode::anode, true) == "charge");
  CHECK(c::half_cycle_name(c::Electrode::anode, false) == "discharge");
  CHECK(c::half_cycle_name(c::Electrode::cathode, true) == "discharge");
  CHECK(c::half_cycle_name(c::Electrode::cathode, false) == "charge");
}

TEST_CASE("to_toml writes every default and parses back to the same settings", "[unit][cycling][protocol]") {
  const auto first = parse(kFull);
  const std::string text = c::to_toml(first);
  INFO(text);
  // Defaults the input left out are written out.
  CHECK_THAT(text, Catch::Contains("max_tries = 1000") && Catch::Contains("settle_force = \"2 eV/A\"") &&
                       Catch::Contains("rate = \"1 ion / 2 ps\"") && Catch::Contains("temperature = \"300 K\""));
  const auto second = parse(text);
  check_same(first, second);
  // And the text is a fixed point.
  CHECK(c::to_toml(second) == text);

  SECTION("also with a number capacity, NVE and an odd time step") {
    const auto a = parse("[ion]\nspecies = \"Li\"\ncapacity = 7.5\n[protocol]\n[[protocol.step]]\n"
                         "type = \"intercalate\"\nrate = \"3 ion / 1 ps\"\nuntil = { events = 2 }\n",
                         0.0, 1.0 / 3.0);
    CHECK(a.protocol.steps[0].interval == Approx(1000.0 / 3.0));
    const auto b = parse(c::to_toml(a), 0.0, 1.0 / 3.0);
    check_same(a, b);
  }
}

TEST_CASE("mistakes in [ion] are errors at the value", "[unit][cycling][protocol][input_errors]") {
  const std::string steps = "[protocol]\n[[protocol.step]]\ntype = \"rest\"\nduration = \"1 ps\"\n";
  // Unknown key, with the nearest one suggested.
  expect_error(kIon + "min_distanse = \"1.6 A\"\n" + steps, 4, 1, "unknown key 'min_distanse' in [ion]; did you mean 'min_distance'");
  // Species: not an element, or one the potential lacks.
  expect_error("[ion]\nspecies = \"Lx\"\ncapacity = 3\n" + steps, 2, 11, "unknown element symbol 'Lx'");
  expect_error("[ion]\nspecies = \"U\"\ncapacity = 3\n" + steps, 2, 11, "the potential has no parameters for the ion U");
  // Capacity: does not parse; basis element absent from the host; not positive; wrong type; missing.
  expect_error("[ion]\nspecies = \"Li\"\ncapacity = \"Li_C6\"\n" + steps, 3, 12, "capacity \"Li_C6\": unexpected '_'");
  expect_error("[ion]\nspecies = \"Li\"\ncapacity = \"LiCoO2\"\n" + steps, 3, 12, "counts Co atoms, but the host has none");
  expect_error("[ion]\nspecies = \"Na\"\ncapacity = \"LiC6\"\n" + steps, 3, 12, "must start with the ion Na");
  expect_error("[ion]\nspecies = \"Li\"\ncapacity = 0\n" + steps, 3, 12, "capacity must be a positive number");
  expect_error("[ion]\nspecies = \"Li\"\ncapacity = true\n" + steps, 3, 12, "'capacity' must be a formula");
  expect_error("[ion]\nspecies = \"Li\"\n" + steps, 1, 1, "missing key 'capacity' in [ion]");
  // Electrode, distances.
  expect_error(kIon + "electrode = \"anodes\"\n" + steps, 4, 13, "did you mean 'anode'");
  expect_error(kIon + "min_distance = 1.5\n" + steps, 4, 16, "'min_distance' needs a length such as \"1.5 A\"");
  expect_error(kIon + "min_distance = \"0 A\"\n" + steps, 4, 16, "'min_distance' must be positive");
  expect_error(kIon + "mu_ref = \"-1.9 V\"\n" + steps, 4, 10, "is a voltage, but an energy is expected");
  expect_error(kIon + "[ion.min_distance_to]\nCx = \"1.6 A\"\n" + steps, 5, 6, "'Cx' in [ion.min_distance_to]");
}

TEST_CASE("mistakes in [protocol] are errors at the value", "[unit][cycling][protocol][input_errors]") {
  const std::string step = "[[protocol.step]]\ntype = \"rest\"\nduration = \"1 ps\"\n";
  expect_error(kIon + "[protocol]\ncycles = 0\n" + step, 5, 10, "'cycles' must be at least 1");
  expect_error(kIon + "[protocol]\ncycle = 2\n" + step, 5, 1, "unknown key 'cycle' in [protocol]; did you mean 'cycles'");
  expect_error(kIon + "[protocol]\ncycles = 2\n", 4, 1, "[protocol] has no steps");
  expect_error(kIon + "[protocol]\nuntil = { voltage = \"0.1 V\" }\n" + step, 5, 21, "'voltage' cannot end the whole protocol");
  expect_error(kIon + "[protocol]\nuntil = { soc = 2 }\n" + step, 5, 17, "'soc' must lie between 0 and 1");
  expect_error(kIon + "[protocol]\nuntil = { tme = \"1 ps\" }\n" + step, 5, 11, "unknown key 'tme' in [protocol.until]; did you mean 'time'");
  expect_error(kIon, 1, 1, "[ion] needs a [protocol] table");
  expect_error(kIon + "[protocols]\ncycles = 1\n", 4, 1, "unknown table [protocols]; did you mean [protocol]");
}

TEST_CASE("mistakes in a step are errors at the value", "[unit][cycling][protocol][input_errors]") {
  const std::string head = kIon + "[protocol]\n[[protocol.step]]\n";  // the step starts on line 5
  const std::string ins = head + "type = \"intercalate\"\n";           // its keys start on line 7
  // Type: misspelled.
  expect_error(head + "type = \"intercalte\"\n", 6, 8, "did you mean 'intercalate'");
  expect_error(head + "rate = \"1 ion / 2 ps\"\n", 5, 1, "missing key 'type'");
  // Rate: missing unit, wrong kind, not positive, not a whole number of steps.
  expect_error(ins + "rate = 2\nuntil = { soc = 1 }\n", 7, 8, "'rate' needs an ion rate such as \"1 ion / 2 ps\"");
  expect_error(ins + "rate = \"2 ps\"\nuntil = { soc = 1 }\n", 7, 8, "\"2 ps\" is a time, but an ion rate is expected");
  expect_error(ins + "rate = \"-1 ion / 2 ps\"\nuntil = { soc = 1 }\n", 7, 8, "'rate' must be positive");
  expect_error(ins + "rate = \"0 ion / 2 ps\"\nuntil = { soc = 1 }\n", 7, 8, "'rate' must be positive");
  expect_error(ins + "rate = \"1 ion / 2.5 fs\"\nuntil = { soc = 1 }\n", 7, 8, "not a whole number of [md] timesteps");
  // Temperature.
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { soc = 1 }\ntemperature = \"-5 K\"\n", 9, 15,
               "'temperature' must be zero or positive");
  // Ends: none, or one that can never be met.
  expect_error(ins + "rate = \"1 ion / 2 ps\"\n", 5, 1, "step 1 'intercalate' has no end");
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = {}\n", 8, 9, "step 1 'intercalate' has no end");
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { soc = 0.0 }\n", 8, 17, "'soc' can never end step 1 'intercalate'");
  expect_error(head + "type = \"deintercalate\"\nrate = \"1 ion / 2 ps\"\nuntil = { soc = 1 }\n", 8, 17,
               "'soc' can never end step 1 'deintercalate'");
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { soc = 1.2 }\n", 8, 17, "'soc' must lie between 0 and 1");
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { time = \"5 ps\", net_rate = \"1 ion / 2 ps\" }\n", 8, 37,
               "'net_rate' can never end step 1 'intercalate'");
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { tim = \"5 ps\" }\n", 8, 11, "did you mean 'time'");
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { time = \"-5 ps\" }\n", 8, 18, "'time' must be positive");
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { events = 0 }\n", 8, 20, "'events' must be positive");
  expect_error(head + "type = \"rest\"\n", 5, 1, "step 1 'rest' has no end");
  expect_error(head + "type = \"rest\"\nuntil = { soc = 0.5 }\n", 7, 17, "'soc' can never end step 1 'rest'");
  expect_error(head + "type = \"rest\"\nuntil = { voltage = \"0.1 V\" }\n", 7, 21, "'voltage' can never end step 1 'rest'");
  expect_error(head + "type = \"rest\"\nduration = \"2 ps\"\nuntil = { time = \"1 ps\" }\n", 8, 9, "not both");
  expect_error(head + "type = \"ramp\"\nto = \"500 K\"\nduration = \"5 ps\"\nuntil = { events = 3 }\n", 9, 20,
               "'events' can never end step 1 'ramp'");
  expect_error(head + "type = \"minimize\"\nuntil = { voltage = \"1 V\" }\n", 7, 21, "'voltage' can never end step 1 'minimize'");
  expect_error(head + "type = \"hold\"\nvoltage = \"0.1 V\"\nuntil = { voltage = \"0.2 V\" }\n", 8, 21,
               "'voltage' can never end step 1 'hold'");
  expect_error(head + "type = \"hold\"\nvoltage = \"0.1 V\"\nuntil = { time = \"1 ps\", rate_window = \"1 ps\" }\n", 8, 40,
               "'rate_window' is the averaging window of 'net_rate'");
  // Sites and region.
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { soc = 1 }\nsites = \"region\"\n", 9, 9, "sites = \"region\" needs a 'region'");
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { soc = 1 }\nregion = { lo = [\"0 A\", \"0 A\", \"0 A\"], hi = [\"1 A\", \"1 A\", \"1 A\"] }\n",
               9, 10, "'region' is used only with sites = \"region\"");
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { soc = 1 }\nsites = \"region\"\n"
                     "region = { lo = [\"0 A\", \"0 A\", \"5 A\"], hi = [\"1 A\", \"1 A\", \"4 A\"] }\n",
               10, 45, "'hi' must exceed 'lo' along every axis (z");
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { soc = 1 }\nsites = \"region\"\nregion = { lo = [0, 0, 5], hi = [1, 1, 8] }\n",
               10, 17, "'lo' needs lengths with units");
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { soc = 1 }\nsites = \"galeries\"\n", 9, 9, "did you mean 'galleries'");
  expect_error(ins + "rate = \"1 ion / 2 ps\"\nuntil = { soc = 1 }\ncandidates = 0\n", 9, 14, "'candidates' must be positive");
  // Hold: policy, whole rounds.
  expect_error(head + "type = \"hold\"\nvoltage = \"0.1 V\"\nuntil = { time = \"1 ps\" }\npolicy = \"random\"\n", 9, 10,
               "a hold step takes no 'policy'");
  expect_error(head + "type = \"hold\"\nvoltage = \"0.1 V\"\nuntil = { time = \"1 ps\" }\nexchange_every = \"10 fs\"\n", 9, 18,
               "not a whole number of [md] timesteps", 300.0, /*timestep=*/3.0);
  expect_error(head + "type = \"hold\"\nvoltage = 0.1\nuntil = { time = \"1 ps\" }\n", 7, 11, "'voltage' needs a voltage such as \"0.1 V\"");
  expect_error(head + "type = \"hold\"\nvoltage = \"0.1 V\"\n", 5, 1, "step 1 'hold' has no end");
  // Ramp: needs a thermostat, and its target.
  expect_error(head + "type = \"ramp\"\nto = \"500 K\"\nduration = \"5 ps\"\n", 6, 8, "a ramp step needs a thermostat", /*md_temperature=*/0.0);
  expect_error(head + "type = \"ramp\"\nduration = \"5 ps\"\n", 5, 1, "missing key 'to'");
  // Deintercalate: its own policies; unknown keys of another step type.
  expect_error(head + "type = \"deintercalate\"\nrate = \"1 ion / 2 ps\"\nuntil = { soc = 0 }\npolicy = \"lowest_energy\"\n",
               9, 10, "'policy' must be one of");
  expect_error(head + "type = \"deintercalate\"\nrate = \"1 ion / 2 ps\"\nuntil = { soc = 0 }\nsites = \"edge\"\n", 9, 1,
               "unknown key 'sites'");
  // The second step is counted in messages.
  expect_error(head + "type = \"rest\"\nduration = \"1 ps\"\n[[protocol.step]]\ntype = \"rest\"\n", 8, 1, "step 2 'rest' has no end");
}

TEST_CASE("every file in tests/input_errors fails at its stated place", "[unit][cycling][protocol][input_errors]") {
  // The run files are complete; here the [md] and [potential] tables are read as the CLI reads
  // them and parse_protocol runs on a hand-built carbon host, so the cycling part of each file is
  // checked without the CLI (tests/unit/cli/test_protocol_errors.cpp runs the real command).
  // Files whose mistake lies outside the cycling tables (the structure; [potential] audit, read by
  // the CLI; an audit condition without an audit, which the CLI checks across the tables; the
  // neighbor-list budget of [md] skin, which the CLI checks against the structure):
  const std::set<std::string> not_cycling = {"structure_file_missing.toml", "audit_on_exceed_misspelled.toml",
                                             "until_audit_without_audit.toml", "md_skin_too_long.toml",
                                             "structure_file_is_directory.toml", "structure_repeat_too_large.toml",
                                             "structure_file_no_atoms.toml"};
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(IONCYCLE_SOURCE_DIR) / "tests" / "input_errors";
  REQUIRE(fs::is_directory(dir));
  const System host = carbon_host();
  std::size_t num_files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    ++num_files;
    const std::string name = entry.path().filename().string();
    if (not_cycling.count(name) != 0) continue;
    INFO(name);
    std::ifstream in(entry.path());
    std::string first;
    std::getline(in, first);
    const std::string prefix = "# expect: ";
    REQUIRE(first.rfind(prefix, 0) == 0);
    std::istringstream expect(first.substr(prefix.size()));
    int line = 0;
    int column = 0;
    char colon = 0;
    expect >> line >> colon >> column >> colon;
    std::string text;
    std::getline(expect, text);
    text = text.substr(text.find_first_not_of(' '));

    const auto root = ConfigTable::parse_file(entry.path().string());
    const auto md_config = ioncycle::md::parse_integrator_config(root.require_table("md"));
    // The potential is built for the host's elements and the ion (as the CLI does), so a
    // pair potential written as a spec covers the ion; a table with explicit `elements` may not.
    std::vector<int> elements = {6};
    if (const auto ion = root.optional_table("ion")) {
      if (const auto species = ion->optional_string("species")) {
        if (const auto z = ioncycle::core::find_atomic_number(*species)) elements.push_back(*z);
      }
    }
    const auto potential = ioncycle::potentials::make_potential(root.require_table("potential"), dir.string(), elements);
    c::ProtocolContext ctx;
    ctx.host = &host;
    ctx.supports = [&potential](int z) { return potential->supports(z); };
    ctx.supported_species = potential->supported_species();
    ctx.timestep = md_config.timestep;
    ctx.md_temperature = md_config.thermostat.type == ioncycle::md::ThermostatType::none
                             ? 0.0
                             : md_config.temperature.value_or(0.0);
    try {
      (void)c::parse_protocol(root, ctx);
      FAIL("no error");
    } catch (const InputError& e) {
      INFO(e.what());
      CHECK(e.where().line == line);
      CHECK(e.where().column == column);
      CHECK_THAT(e.message(), Catch::Contains(text));
    }
  }
  CHECK(num_files >= 32);
}
