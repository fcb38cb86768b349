// SPDX-License-Identifier: MIT
//
// Physical units and the parsing of dimensional values written by users ("1 fs", "300 K",
// "1 ion / 2 ps"). Internally ioncycle works in one coherent set of units:
//   length Å, time fs, energy eV, mass amu (g/mol), temperature K, charge e, voltage V,
//   pressure and stress eV/Å³, force eV/Å, velocity Å/fs, rate of ion events ions/fs,
//   inverse length 1/Å.
// parse_quantity() converts a user string to these internal units; format_quantity() goes back
// for reports. A number without a unit, an unknown unit, or a unit of the wrong kind is an
// InputError (without location: the caller, usually ConfigTable, adds file:line:column) whose
// message names the value and whose hint shows a correct example.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace ioncycle::units {

/// What kind of physical quantity a value is.
enum class Dimension {
  dimensionless,
  length,
  time,
  energy,
  mass,
  temperature,
  pressure,     ///< also stress
  voltage,
  force,
  velocity,
  ion_rate,     ///< ion events per time, e.g. "1 ion / 2 ps"
  inverse_length,  ///< e.g. the Morse width parameter alpha, "1.5 1/A"
};

// Conversion factors: multiply a value in the named unit to get internal units.
inline constexpr double angstrom = 1.0;
inline constexpr double nm = 10.0;
inline constexpr double pm = 0.01;
inline constexpr double bohr = 0.529177210903;          ///< CODATA 2018
inline constexpr double fs = 1.0;
inline constexpr double ps = 1.0e3;
inline constexpr double ns = 1.0e6;
inline constexpr double eV = 1.0;
inline constexpr double hartree = 27.211386245988;       ///< CODATA 2018, eV
inline constexpr double kelvin = 1.0;
inline constexpr double volt = 1.0;
inline constexpr double amu = 1.0;
/// 1 eV/Å³ = 1.602176634e-19 J / 1e-30 m³ = 160.2176634 GPa (exact with the 2019 SI e).
inline constexpr double eV_per_A3_in_GPa = 160.2176634;
inline constexpr double GPa = 1.0 / eV_per_A3_in_GPa;    ///< GPa in eV/Å³
inline constexpr double bar = 1.0e-4 * GPa;              ///< 1 bar = 1e5 Pa
inline constexpr double atm = 1.01325 * bar;
/// Boltzmann constant in eV/K (exact, 2019 SI).
inline constexpr double boltzmann = 8.617333262e-5;
/// amu·Å²/fs² expressed in eV: kinetic energy ½mv² with m in amu and v in Å/fs is
/// multiplied by this to give eV. 1 amu·Å²/fs² = 1.66053906660e-27 kg · 1e10 m²/s² / e.
inline constexpr double amu_A2_per_fs2_in_eV = 1.66053906660e-27 * 1.0e10 / 1.602176634e-19;

/// Value of `text` in internal units, checked to be of dimension `expected`.
/// Accepts "<number> <unit>" with optional whitespace ("1fs", "1 fs", "2.5e3 fs", "-3 K" parses;
/// sign checks are the caller's), and for ion_rate also "N ion / T", "N ions / T", "N ion/T".
/// Throws InputError naming `text` with an example when the unit is missing or unknown, or of
/// another dimension.
[[nodiscard]] double parse_quantity(std::string_view text, Dimension expected);

/// Human name of a dimension ("time", "temperature", ...).
[[nodiscard]] std::string_view dimension_name(Dimension dim);

/// A correct example for error hints, e.g. "\"1 fs\"" for time.
[[nodiscard]] std::string_view example(Dimension dim);

/// Name of the internal unit ("fs", "eV/Å³", "ion/fs", ...).
[[nodiscard]] std::string_view internal_unit(Dimension dim);

/// The units accepted for a dimension, comma-separated, for hints ("fs, ps, ns").
[[nodiscard]] std::string accepted_units(Dimension dim);

/// A value in internal units written with a readable unit for reports, e.g.
/// format_quantity(2000, Dimension::time) == "2 ps". Round-trips through parse_quantity.
[[nodiscard]] std::string format_quantity(double internal_value, Dimension dim);

}  // namespace ioncycle::units
