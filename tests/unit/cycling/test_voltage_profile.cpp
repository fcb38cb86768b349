// SPDX-License-Identifier: MIT
//
// VoltageProfile: the voltage of an insertion or removal energy, per-bin means with standard
// errors computed by hand, running means, the checkpoint text's exact round trip and the CSV.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/strings.hpp"
#include "cycling/voltage_profile.hpp"

namespace cycling = ioncycle::cycling;
using cycling::TrialDirection;
using cycling::VoltageProfile;

namespace {

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::size_t pos = 0;
    while (true) {
      const std::size_t comma = line.find(',', pos);
      cells.push_back(line.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos));
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    rows.push_back(cells);
  }
  return rows;
}

double number(const std::string& s) { return std::stod(s); }

}  // namespace

TEST_CASE("Voltage of an insertion and of a removal", "[unit][cycling][voltage]") {
  // Li in graphite: inserting lowers the energy by 0.1 eV more than adding an atom to Li metal
  // (μ_ref = -1.9 eV), so the voltage is +0.1 V vs Li/Li+; removing the same ion costs 1.8 eV.
  CHECK(cycling::insertion_voltage(-2.0, -1.9) == Approx(0.1));
  CHECK(cycling::removal_voltage(2.0, -1.9) == Approx(0.1));
  // Removal is insertion backwards: the same μ_ion gives the same V.
  for (const double de : {-3.1, -1.0, 0.4}) {
    CHECK(cycling::removal_voltage(-de, -1.9) == cycling::insertion_voltage(de, -1.9));
  }
  // Plating-like: an ion that binds less than in the metal gives a negative voltage.
  CHECK(cycling::insertion_voltage(-1.5, -1.9) < 0.0);
}

TEST_CASE("Voltage profile means per SOC bin and direction", "[unit][cycling][voltage]") {
  VoltageProfile profile;
  profile.add(0.01, 0.2, TrialDirection::insertion);
  profile.add(0.02, 0.4, TrialDirection::insertion);
  profile.add(0.049, 0.6, TrialDirection::insertion);
  profile.add(0.03, 0.5, TrialDirection::removal);
  profile.add(0.15, 1.0, TrialDirection::insertion);  // on an edge: belongs to [0.15, 0.2)
  profile.add(0.10, 2.0, TrialDirection::removal);    // on an edge: belongs to [0.1, 0.15)
  profile.add(0.149, 3.0, TrialDirection::removal);
  REQUIRE(profile.size() == 7);

  const auto bins = profile.mean();
  REQUIRE(bins.size() == 4);
  // [0, 0.05) insertion: 0.2, 0.4, 0.6 -> mean 0.4, s = 0.2, standard error 0.2/√3.
  CHECK(bins[0].soc_lo == 0.0);
  CHECK(bins[0].soc_hi == 0.05);
  CHECK(bins[0].direction == TrialDirection::insertion);
  CHECK(bins[0].count == 3);
  CHECK(bins[0].mean == Approx(0.4).epsilon(1e-14));
  CHECK(bins[0].standard_error == Approx(0.2 / std::sqrt(3.0)).epsilon(1e-14));
  // [0, 0.05) removal: one trial, standard error undefined.
  CHECK(bins[1].direction == TrialDirection::removal);
  CHECK(bins[1].count == 1);
  CHECK(bins[1].mean == 0.5);
  CHECK(std::isnan(bins[1].standard_error));
  // [0.1, 0.15) removal: 2 and 3 -> mean 2.5, s = 1/√2, standard error 1/2.
  CHECK(bins[2].soc_lo == 0.1);
  CHECK(bins[2].soc_hi == 0.15);
  CHECK(bins[2].direction == TrialDirection::removal);
  CHECK(bins[2].count == 2);
  CHECK(bins[2].mean == Approx(2.5).epsilon(1e-14));
  CHECK(bins[2].standard_error == Approx(0.5).epsilon(1e-14));
  // [0.15, 0.2) insertion.
  CHECK(bins[3].soc_lo == 0.15);
  CHECK(bins[3].soc_hi == 0.2);
  CHECK(bins[3].count == 1);

  // Wider bins merge them: everything below 0.25 in one bin per direction.
  const auto wide = profile.mean(0.25);
  REQUIRE(wide.size() == 2);
  CHECK(wide[0].count == 4);
  CHECK(wide[0].mean == Approx((0.2 + 0.4 + 0.6 + 1.0) / 4.0));
  CHECK(wide[1].count == 3);
  CHECK(wide[1].mean == Approx((0.5 + 2.0 + 3.0) / 3.0));

  CHECK_THROWS_AS(profile.mean(0.0), ioncycle::InputError);
  CHECK_THROWS_AS(profile.mean(-0.05), ioncycle::InputError);
  CHECK(VoltageProfile().mean().empty());
}

TEST_CASE("Voltage profile standard error of many trials matches the textbook formula", "[unit][cycling][voltage]") {
  // Voltages close to each other on a large offset (as real estimates are): Welford's update
  // must not lose them to cancellation.
  ioncycle::core::Rng rng(7, 0);
  VoltageProfile profile;
  std::vector<double> v;
  for (int i = 0; i < 1000; ++i) {
    v.push_back(0.1 + 1e-3 * rng.normal());
    profile.add(0.3 + 0.01 * rng.uniform(), v.back(), TrialDirection::insertion);
  }
  double mean = 0.0;
  for (const double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0.0;
  for (const double x : v) ss += (x - mean) * (x - mean);
  const double se = std::sqrt(ss / (static_cast<double>(v.size()) - 1.0) / static_cast<double>(v.size()));
  const auto bins = profile.mean();
  REQUIRE(bins.size() == 1);
  CHECK(bins[0].soc_lo == 0.3);
  CHECK(bins[0].mean == Approx(mean).epsilon(1e-12));
  CHECK(bins[0].standard_error == Approx(se).epsilon(1e-9));
  CHECK(bins[0].standard_error == Approx(1e-3 / std::sqrt(1000.0)).epsilon(0.1));
}

TEST_CASE("Voltage profile running mean of the last k trials", "[unit][cycling][voltage]") {
  VoltageProfile profile;
  CHECK_FALSE(profile.running_mean(4).has_value());
  for (int i = 1; i <= 10; ++i) {
    profile.add(0.01 * i, static_cast<double>(i), i % 2 ? TrialDirection::insertion : TrialDirection::removal);
  }
  CHECK(*profile.running_mean(1) == 10.0);
  CHECK(*profile.running_mean(4) == Approx((7 + 8 + 9 + 10) / 4.0));
  CHECK(*profile.running_mean(100) == Approx(5.5));  // fewer than k: all of them
  CHECK_FALSE(profile.running_mean(0).has_value());
  // Only the trials from index 8 on (a step that began after 8 trials).
  CHECK(*profile.running_mean(4, 8) == Approx(9.5));
  CHECK_FALSE(profile.running_mean(4, 10).has_value());
}

TEST_CASE("Voltage profile text round trip is exact", "[unit][cycling][voltage]") {
  ioncycle::core::Rng rng(11, 0);
  VoltageProfile profile;
  for (int i = 0; i < 200; ++i) {
    const double soc = rng.uniform();
    const double voltage = -2.0 + 4.0 * rng.uniform();
    profile.add(soc, voltage, rng.uniform() < 0.5 ? TrialDirection::insertion : TrialDirection::removal);
  }
  profile.add(1.0 / 3.0, 0.1, TrialDirection::removal);
  profile.add(0.0, -0.0, TrialDirection::insertion);
  profile.add(1e-310, 1e300, TrialDirection::insertion);

  const VoltageProfile back = VoltageProfile::from_text(profile.to_text());
  REQUIRE(back.size() == profile.size());
  for (std::size_t i = 0; i < profile.size(); ++i) CHECK(back.samples()[i] == profile.samples()[i]);
  CHECK(std::signbit(back.samples()[201].voltage));
  CHECK(back.to_text() == profile.to_text());
  CHECK(VoltageProfile::from_text(VoltageProfile().to_text()).empty());

  CHECK_THROWS_AS(VoltageProfile::from_text(""), ioncycle::InputError);
  CHECK_THROWS_WITH(VoltageProfile::from_text("voltage_profile 1\ncount 2\ni 0x1p-1 0x1p-3\n", "run/checkpoint.h5"),
                    Catch::Contains("run/checkpoint.h5") && Catch::Contains("count"));
  CHECK_THROWS_WITH(VoltageProfile::from_text("voltage_profile 1\ncount 1\nx 0x1p-1 0x1p-3\n"),
                    Catch::Contains("line 3"));
  CHECK_THROWS_WITH(VoltageProfile::from_text("voltage_profile 1\ncount 1\ni 0.5 volts\n"), Catch::Contains("'volts'"));
}

TEST_CASE("Voltage profile CSV columns and values", "[unit][cycling][voltage]") {
  VoltageProfile profile;
  profile.add(0.52, 0.12, TrialDirection::insertion);
  profile.add(0.53, 0.14, TrialDirection::insertion);
  profile.add(0.51, 0.30, TrialDirection::removal);
  const auto rows = parse_csv(profile.csv());
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == std::vector<std::string>{"soc_lo", "soc_hi", "direction", "count", "mean_V", "stderr_V"});
  CHECK(rows[1][0] == "0.5");
  CHECK(rows[1][1] == "0.55");
  CHECK(rows[1][2] == "insertion");
  CHECK(rows[1][3] == "2");
  CHECK(number(rows[1][4]) == Approx(0.13));
  CHECK(number(rows[1][5]) == Approx(0.01));  // s = 0.01·√2, divided by √2
  CHECK(rows[2][2] == "removal");
  CHECK(rows[2][3] == "1");
  CHECK(number(rows[2][4]) == 0.3);
  CHECK(rows[2][5] == "nan");
  // The stream form writes the same text.
  std::ostringstream out;
  profile.write_csv(out);
  CHECK(out.str() == profile.csv());
}
