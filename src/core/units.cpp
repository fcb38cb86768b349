// SPDX-License-Identifier: MIT
#include "core/units.hpp"

#include <array>
#include <cctype>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::units {

namespace {

// Exact constants of the 2019 SI (BIPM, "The International System of Units", 9th ed., 2019,
// Table 1): elementary charge e and Avogadro constant N_A.
constexpr double elementary_charge_C = 1.602176634e-19;
constexpr double avogadro = 6.02214076e23;

// Molar energies: 1 kJ/mol = 1e3 J / (N_A · e) eV. The thermochemical calorie is exactly 4.184 J
// (ISO 80000-5:2019, item 5-20.a), the kcal/mol of LAMMPS "real" units and most force fields.
constexpr double kJ_per_mol = 1.0e3 / (avogadro * elementary_charge_C);
constexpr double kcal_per_mol = 4.184 * kJ_per_mol;
// Rydberg energy R∞hc = E_h / 2 by definition of the Hartree energy (CODATA 2018).
constexpr double rydberg = hartree / 2.0;

// 1 Pa = 1e-9 GPa; bar and atm are defined in Pa (1 bar = 1e5 Pa, 1 atm = 101325 Pa exactly).
constexpr double pascal = 1.0e-9 * GPa;

// 1 nN = 1e-9 J/m = 1e-9 / e eV per 1e10 Å (exact in the 2019 SI).
constexpr double nanonewton = 1.0e-9 / elementary_charge_C / 1.0e10;

// 1 m/s = 1e10 Å per 1e15 fs.
constexpr double metre_per_second = 1.0e-5;

// The molar mass constant M_u = 0.99999999965(30) g/mol since 2019 (CODATA 2018), so "g/mol"
// and "amu" differ by 3.5e-10 relative, far below any mass that matters for MD: treated as equal.

using Dim = Dimension;

struct UnitSpec {
  std::string_view name;  ///< spelling after normalize(): ASCII, no spaces, "^3" for cubes
  Dim dim;
  double factor;  ///< internal units per one of this unit
  bool listed;    ///< shown in accepted_units()
};

// Units are matched case-sensitively: "meV" and "MeV", "mV" and "MV", "Pa" and "PA" differ, and a
// wrong case is answered with a suggestion instead of a guess.
constexpr std::array unit_table{
    UnitSpec{"A", Dim::length, angstrom, true},
    UnitSpec{"Ang", Dim::length, angstrom, true},
    UnitSpec{"ang", Dim::length, angstrom, false},
    UnitSpec{"angstrom", Dim::length, angstrom, true},
    UnitSpec{"Angstrom", Dim::length, angstrom, false},
    UnitSpec{"angstroms", Dim::length, angstrom, false},
    UnitSpec{"Angstroms", Dim::length, angstrom, false},
    UnitSpec{"nm", Dim::length, nm, true},
    UnitSpec{"pm", Dim::length, pm, true},
    UnitSpec{"bohr", Dim::length, bohr, true},
    UnitSpec{"Bohr", Dim::length, bohr, false},

    UnitSpec{"fs", Dim::time, fs, true},
    UnitSpec{"ps", Dim::time, ps, true},
    UnitSpec{"ns", Dim::time, ns, true},
    UnitSpec{"us", Dim::time, 1.0e3 * ns, true},

    UnitSpec{"eV", Dim::energy, eV, true},
    UnitSpec{"meV", Dim::energy, 1.0e-3 * eV, true},
    UnitSpec{"Ha", Dim::energy, hartree, true},
    UnitSpec{"hartree", Dim::energy, hartree, true},
    UnitSpec{"Hartree", Dim::energy, hartree, false},
    UnitSpec{"Eh", Dim::energy, hartree, false},
    UnitSpec{"Ry", Dim::energy, rydberg, true},
    UnitSpec{"kJ/mol", Dim::energy, kJ_per_mol, true},
    UnitSpec{"kcal/mol", Dim::energy, kcal_per_mol, true},

    UnitSpec{"amu", Dim::mass, amu, true},
    UnitSpec{"u", Dim::mass, amu, true},
    UnitSpec{"Da", Dim::mass, amu, true},
    UnitSpec{"g/mol", Dim::mass, amu, true},

    UnitSpec{"K", Dim::temperature, kelvin, true},
    UnitSpec{"kelvin", Dim::temperature, kelvin, false},

    UnitSpec{"bar", Dim::pressure, bar, true},
    UnitSpec{"kbar", Dim::pressure, 1.0e3 * bar, true},
    UnitSpec{"atm", Dim::pressure, atm, true},
    UnitSpec{"Pa", Dim::pressure, pascal, true},
    UnitSpec{"kPa", Dim::pressure, 1.0e3 * pascal, true},
    UnitSpec{"MPa", Dim::pressure, 1.0e6 * pascal, true},
    UnitSpec{"GPa", Dim::pressure, GPa, true},
    UnitSpec{"eV/A^3", Dim::pressure, eV / (angstrom * angstrom * angstrom), true},
    UnitSpec{"eV/A3", Dim::pressure, eV / (angstrom * angstrom * angstrom), false},
    UnitSpec{"eV/Ang^3", Dim::pressure, eV / (angstrom * angstrom * angstrom), false},

    UnitSpec{"V", Dim::voltage, volt, true},
    UnitSpec{"mV", Dim::voltage, 1.0e-3 * volt, true},

    UnitSpec{"eV/A", Dim::force, eV / angstrom, true},
    UnitSpec{"eV/Ang", Dim::force, eV / angstrom, false},
    UnitSpec{"eV/angstrom", Dim::force, eV / angstrom, false},
    UnitSpec{"meV/A", Dim::force, 1.0e-3 * eV / angstrom, true},
    UnitSpec{"Ha/bohr", Dim::force, hartree / bohr, true},
    UnitSpec{"hartree/bohr", Dim::force, hartree / bohr, false},
    UnitSpec{"kcal/mol/A", Dim::force, kcal_per_mol / angstrom, true},
    UnitSpec{"nN", Dim::force, nanonewton, true},

    UnitSpec{"A/fs", Dim::velocity, angstrom / fs, true},
    UnitSpec{"Ang/fs", Dim::velocity, angstrom / fs, false},
    UnitSpec{"A/ps", Dim::velocity, angstrom / ps, true},
    UnitSpec{"nm/ps", Dim::velocity, nm / ps, true},
    UnitSpec{"m/s", Dim::velocity, metre_per_second, true},
    UnitSpec{"km/s", Dim::velocity, 1.0e3 * metre_per_second, true},

    UnitSpec{"1/A", Dim::inverse_length, 1.0 / angstrom, true},
    UnitSpec{"/A", Dim::inverse_length, 1.0 / angstrom, false},
    UnitSpec{"A^-1", Dim::inverse_length, 1.0 / angstrom, false},
    UnitSpec{"1/Ang", Dim::inverse_length, 1.0 / angstrom, false},
    UnitSpec{"1/nm", Dim::inverse_length, 1.0 / nm, true},
    UnitSpec{"1/bohr", Dim::inverse_length, 1.0 / bohr, true},
};

const UnitSpec* find_unit(std::string_view normalized) {
  for (const auto& spec : unit_table) {
    if (spec.name == normalized) return &spec;
  }
  return nullptr;
}

double factor_of(std::string_view normalized) {
  const UnitSpec* spec = find_unit(normalized);
  IONCYCLE_ASSERT(spec != nullptr, "unit missing from the unit table");
  return spec->factor;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  std::size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
}

// One spelling per unit for the table: no spaces ("kJ / mol"; also the no-break, narrow no-break
// and thin spaces that word processors put between a number and its unit), ASCII "A" for both Å
// code points (U+00C5 and the angstrom sign U+212B), "K" for the kelvin sign U+212A, "^3" for "³"
// and "**3", "u" for the micro signs.
std::string normalize(std::string_view unit) {
  std::string s;
  for (const char c : unit) {
    if (c != ' ' && c != '\t') s += c;
  }
  replace_all(s, "\xC2\xA0", "");      // U+00A0 NO-BREAK SPACE
  replace_all(s, "\xE2\x80\xAF", "");  // U+202F NARROW NO-BREAK SPACE
  replace_all(s, "\xE2\x80\x89", "");  // U+2009 THIN SPACE
  replace_all(s, "\xE2\x84\xAA", "K");  // U+212A KELVIN SIGN
  replace_all(s, "\xC3\x85", "A");      // Å  U+00C5
  replace_all(s, "\xE2\x84\xAB", "A");  // Å  U+212B ANGSTROM SIGN
  replace_all(s, "\xC2\xB3", "^3");     // ³
  replace_all(s, "**", "^");
  replace_all(s, "\xC2\xB5", "u");  // µ  U+00B5 MICRO SIGN
  replace_all(s, "\xCE\xBC", "u");  // μ  U+03BC GREEK SMALL LETTER MU
  return s;
}

std::string_view article(Dim dim) { return (dim == Dim::energy || dim == Dim::ion_rate) ? "an " : "a "; }

std::string with_article(Dim dim) { return std::string(article(dim)) + std::string(dimension_name(dim)); }

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string standard_hint(Dim dim) {
  if (dim == Dim::dimensionless) return "write a plain number, e.g. " + std::string(example(dim));
  return "write a number and its unit, e.g. " + std::string(example(dim)) + "; " +
         std::string(dimension_name(dim)) + " units: " + accepted_units(dim);
}

// Length of the leading number of `s`: [+-] digits [. digits] [(e|E) [+-] digits]; 0 if none.
// The exponent is taken only when digits follow, so "1eV" reads as 1 and "eV".
std::size_t scan_number(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
  }
  if (digits == 0) return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) {
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      i = j;
    }
  }
  return i;
}

struct Parsed {
  double value;
  Dim dim;
};

[[noreturn]] void throw_wrong_kind(std::string_view text, Dim found, Dim expected) {
  throw InputError(
      quoted(text) + " is " + with_article(found) + ", but " + with_article(expected) + " is expected",
      standard_hint(expected));
}

[[noreturn]] void throw_unknown_unit(std::string_view text, std::string_view unit, Dim expected) {
  std::vector<std::string> names;
  for (const auto& spec : unit_table) {
    if (spec.dim == expected) names.emplace_back(spec.name);
  }
  if (expected == Dim::ion_rate) names = {"ion/fs", "ion/ps", "ion/ns"};
  std::string message = "unknown unit '" + std::string(unit) + "' in " + quoted(text) + " (" +
                        with_article(expected) + " is expected)";
  const std::string suggestion = core::did_you_mean(normalize(unit), names);
  if (!suggestion.empty()) message += "; " + suggestion;
  throw InputError(message, standard_hint(expected));
}

// Celsius and Fahrenheit are affine scales; silently treating "25 C" as 25 K would be a disaster,
// so they get their own message with the kelvin value worked out.
bool is_other_temperature_scale(std::string_view normalized) {
  for (const std::string_view name :
       {"C", "°C", "degC", "oC", "celsius", "Celsius", "F", "°F", "degF", "fahrenheit", "Fahrenheit"}) {
    if (normalized == name) return true;
  }
  return false;
}

// "N ion / T" and "N ions per T", T = "[M] <time unit>", as N / (M T) in ions/fs.
std::optional<Parsed> parse_ion_rate(std::string_view text, double count, const std::string& unit) {
  std::string_view rest;
  for (const std::string_view prefix : {"ions/", "ion/", "ionsper", "ionper"}) {
    if (std::string_view(unit).starts_with(prefix)) {
      rest = std::string_view(unit).substr(prefix.size());
      break;
    }
  }
  if (rest.empty()) return std::nullopt;
  const std::size_t n = scan_number(rest);
  double per = 1.0;
  if (n > 0) {
    const auto parsed = core::parse_double(rest.substr(0, n));
    if (!parsed) return std::nullopt;
    per = *parsed;
  }
  const std::string_view time_unit = rest.substr(n);
  const UnitSpec* spec = find_unit(time_unit);
  if (spec == nullptr || spec->dim != Dim::time) {
    throw_unknown_unit(text, time_unit.empty() ? unit : std::string(time_unit), Dim::time);
  }
  const double interval = per * spec->factor;
  if (interval == 0.0) {
    throw InputError(quoted(text) + " divides by a zero time", standard_hint(Dim::ion_rate));
  }
  return Parsed{count / interval, Dim::ion_rate};
}

}  // namespace

std::string_view dimension_name(Dimension dim) {
  switch (dim) {
    case Dim::dimensionless: return "number";
    case Dim::length: return "length";
    case Dim::time: return "time";
    case Dim::energy: return "energy";
    case Dim::mass: return "mass";
    case Dim::temperature: return "temperature";
    case Dim::pressure: return "pressure";
    case Dim::voltage: return "voltage";
    case Dim::force: return "force";
    case Dim::velocity: return "velocity";
    case Dim::ion_rate: return "ion rate";
    case Dim::inverse_length: return "inverse length";
  }
  return "quantity";
}

std::string_view example(Dimension dim) {
  switch (dim) {
    case Dim::dimensionless: return "0.5";
    case Dim::length: return "\"6 A\"";
    case Dim::time: return "\"1 fs\"";
    case Dim::energy: return "\"0.1 eV\"";
    case Dim::mass: return "\"6.94 amu\"";
    case Dim::temperature: return "\"300 K\"";
    case Dim::pressure: return "\"1 bar\"";
    case Dim::voltage: return "\"0.1 V\"";
    case Dim::force: return "\"0.05 eV/A\"";
    case Dim::velocity: return "\"0.01 A/fs\"";
    case Dim::ion_rate: return "\"1 ion / 2 ps\"";
    case Dim::inverse_length: return "\"1.5 1/A\"";
  }
  return "";
}

std::string_view internal_unit(Dimension dim) {
  switch (dim) {
    case Dim::dimensionless: return "";
    case Dim::length: return "Å";
    case Dim::time: return "fs";
    case Dim::energy: return "eV";
    case Dim::mass: return "amu";
    case Dim::temperature: return "K";
    case Dim::pressure: return "eV/Å³";
    case Dim::voltage: return "V";
    case Dim::force: return "eV/Å";
    case Dim::velocity: return "Å/fs";
    case Dim::ion_rate: return "ion/fs";
    case Dim::inverse_length: return "1/Å";
  }
  return "";
}

std::string accepted_units(Dimension dim) {
  if (dim == Dim::dimensionless) return "none (a plain number)";
  if (dim == Dim::ion_rate) return "ion/fs, ion/ps, ion/ns, or ion / <number> <time unit>";
  std::string list;
  for (const auto& spec : unit_table) {
    if (spec.dim != dim || !spec.listed) continue;
    if (!list.empty()) list += ", ";
    list += spec.name;
  }
  if (dim == Dim::length) list += " (Å for A)";
  if (dim == Dim::pressure) list += " (Å³ for A^3)";
  return list;
}

double parse_quantity(std::string_view text, Dimension expected) {
  const std::string_view t = core::trim(text);
  if (t.empty()) {
    throw InputError("empty value " + quoted(text) + " where " + with_article(expected) + " is expected",
                     standard_hint(expected));
  }
  const std::size_t n = scan_number(t);
  if (n == 0) {
    throw InputError(quoted(text) + " is not " + with_article(expected) + ": it does not start with a number",
                     standard_hint(expected));
  }
  const auto number = core::parse_double(t.substr(0, n));
  if (!number) {
    throw InputError(quoted(text) + " is not " + with_article(expected) +
                         ": its number is out of the range of double precision",
                     standard_hint(expected));
  }
  const std::string_view unit_text = core::trim(t.substr(n));

  if (unit_text.empty()) {
    if (expected == Dim::dimensionless) return *number;
    throw InputError(quoted(text) + " has no unit, but " + with_article(expected) + " is expected",
                     standard_hint(expected));
  }
  const std::string unit = normalize(unit_text);

  std::optional<Parsed> parsed = parse_ion_rate(text, *number, unit);
  if (!parsed) {
    if (const UnitSpec* spec = find_unit(unit)) parsed = Parsed{*number * spec->factor, spec->dim};
  }
  if (!parsed) {
    if (expected == Dim::temperature && is_other_temperature_scale(unit)) {
      throw InputError(quoted(text) + " is not in kelvin; temperatures are given in K only",
                       "write the temperature in kelvin, e.g. " + std::string(example(expected)) +
                           " (T/K = t/°C + 273.15)");
    }
    if (expected == Dim::dimensionless) {
      throw InputError(quoted(text) + " has a unit, but a plain number is expected", standard_hint(expected));
    }
    throw_unknown_unit(text, unit_text, expected);
  }
  if (parsed->dim != expected) {
    if (expected == Dim::dimensionless) {
      throw InputError(quoted(text) + " has a unit, but a plain number is expected", standard_hint(expected));
    }
    throw_wrong_kind(text, parsed->dim, expected);
  }
  return parsed->value;
}

std::string format_quantity(double internal_value, Dimension dim) {
  const double x = internal_value;
  const double magnitude = std::fabs(x);
  // The readable unit first, then the internal one (factor 1, so always exact) as a fallback.
  std::vector<std::string_view> units;
  switch (dim) {
    case Dim::dimensionless: return core::format_double(x);
    case Dim::length: units = {"A"}; break;
    case Dim::time: units = {magnitude >= 1.0e6 ? "ns" : magnitude >= 1.0e3 ? "ps" : "fs", "fs"}; break;
    case Dim::energy: units = {"eV"}; break;
    case Dim::mass: units = {"amu"}; break;
    case Dim::temperature: units = {"K"}; break;
    case Dim::pressure:
      // Stresses of solids read naturally in GPa, barostat targets in bar.
      units = {magnitude >= 0.1 * GPa ? "GPa" : "bar", "eV/A^3"};
      break;
    case Dim::voltage: units = {"V"}; break;
    case Dim::force: units = {"eV/A"}; break;
    case Dim::velocity: units = {"A/fs"}; break;
    case Dim::ion_rate: units = {"ion/ps", "ion/fs"}; break;
    case Dim::inverse_length: units = {"1/A"}; break;
  }
  if (!std::isfinite(x)) return core::format_double(x) + " " + std::string(units.back());

  // x / factor printed shortest may come back one ulp off after the multiplication in
  // parse_quantity; try the neighbouring doubles and keep the first that round-trips exactly.
  // Not every x is reachable through a factor other than 1, and sometimes only through an ugly
  // neighbour ("9.999999999999999e-5 ion/ps"); the next unit (finally the internal one) may then
  // read better, and the shortest text wins.
  std::string chosen;
  for (const std::string_view unit : units) {
    const double factor = (dim == Dim::ion_rate) ? 1.0 / factor_of(unit.substr(4)) : factor_of(unit);
    std::string found;
    double down = x / factor;
    double up = down;
    for (int step = 0; step < 4 && found.empty(); ++step) {
      for (const double candidate : {down, up}) {
        std::string text = core::format_double(candidate) + " " + std::string(unit);
        if (parse_quantity(text, dim) == x) {
          found = std::move(text);
          break;
        }
      }
      down = std::nextafter(down, -std::numeric_limits<double>::infinity());
      up = std::nextafter(up, std::numeric_limits<double>::infinity());
    }
    if (found.empty()) continue;
    // More than 12 characters of number means a full-precision artifact, not a value anyone wrote.
    const bool readable = found.find(' ') <= 12;
    if (readable) return found;
    if (chosen.empty() || found.size() < chosen.size()) chosen = std::move(found);
  }
  if (chosen.empty()) chosen = core::format_double(x) + " " + std::string(units.back());
  return chosen;
}

}  // namespace ioncycle::units
