// SPDX-License-Identifier: MIT
#include "core/elements.hpp"

#include <array>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::core {

namespace {

// Standard atomic weights: T. Prohaska et al., "Standard atomic weights of the elements 2021
// (IUPAC Technical Report)", Pure Appl. Chem. 94, 573 (2022), as tabulated by CIAAW
// (ciaaw.org). Elements whose standard atomic weight is an interval (H, Li, B, C, N, O, Mg, Si,
// S, Cl, Ar, Br, Tl, Pb) carry the conventional value of that report's table of conventional
// atomic weights, the one to use when no sample-specific value is known.
//
// Elements without stable isotopes have no standard atomic weight (Tc, Pm, Po to Ac, Np to Og);
// for them the table holds the mass number of the longest-lived known isotope, the bracketed
// number of periodic tables, chosen by the half-lives of NUBASE2020 (F. G. Kondev et al.,
// Chinese Phys. C 45, 030001 (2021)). Where two isotopes are close (97Tc, 4.21 Myr, against 98Tc,
// 4.2 Myr) the longer central value wins. Th, Pa and U have standard atomic weights and use them.
//
// Names are the IUPAC English spellings (aluminium, caesium, sulfur).
constexpr std::array<Element, 118> table{{
    {1, "H", "hydrogen", 1.008},
    {2, "He", "helium", 4.002602},
    {3, "Li", "lithium", 6.94},
    {4, "Be", "beryllium", 9.0121831},
    {5, "B", "boron", 10.81},
    {6, "C", "carbon", 12.011},
    {7, "N", "nitrogen", 14.007},
    {8, "O", "oxygen", 15.999},
    {9, "F", "fluorine", 18.998403162},
    {10, "Ne", "neon", 20.1797},
    {11, "Na", "sodium", 22.98976928},
    {12, "Mg", "magnesium", 24.305},
    {13, "Al", "aluminium", 26.9815384},
    {14, "Si", "silicon", 28.085},
    {15, "P", "phosphorus", 30.973761998},
    {16, "S", "sulfur", 32.06},
    {17, "Cl", "chlorine", 35.45},
    {18, "Ar", "argon", 39.95},
    {19, "K", "potassium", 39.0983},
    {20, "Ca", "calcium", 40.078},
    {21, "Sc", "scandium", 44.955907},
    {22, "Ti", "titanium", 47.867},
    {23, "V", "vanadium", 50.9415},
    {24, "Cr", "chromium", 51.9961},
    {25, "Mn", "manganese", 54.938043},
    {26, "Fe", "iron", 55.845},
    {27, "Co", "cobalt", 58.933194},
    {28, "Ni", "nickel", 58.6934},
    {29, "Cu", "copper", 63.546},
    {30, "Zn", "zinc", 65.38},
    {31, "Ga", "gallium", 69.723},
    {32, "Ge", "germanium", 72.630},
    {33, "As", "arsenic", 74.921595},
    {34, "Se", "selenium", 78.971},
    {35, "Br", "bromine", 79.904},
    {36, "Kr", "krypton", 83.798},
    {37, "Rb", "rubidium", 85.4678},
    {38, "Sr", "strontium", 87.62},
    {39, "Y", "yttrium", 88.905838},
    {40, "Zr", "zirconium", 91.224},
    {41, "Nb", "niobium", 92.90637},
    {42, "Mo", "molybdenum", 95.95},
    {43, "Tc", "technetium", 97.0},
    {44, "Ru", "ruthenium", 101.07},
    {45, "Rh", "rhodium", 102.90549},
    {46, "Pd", "palladium", 106.42},
    {47, "Ag", "silver", 107.8682},
    {48, "Cd", "cadmium", 112.414},
    {49, "In", "indium", 114.818},
    {50, "Sn", "tin", 118.710},
    {51, "Sb", "antimony", 121.760},
    {52, "Te", "tellurium", 127.60},
    {53, "I", "iodine", 126.90447},
    {54, "Xe", "xenon", 131.293},
    {55, "Cs", "caesium", 132.90545196},
    {56, "Ba", "barium", 137.327},
    {57, "La", "lanthanum", 138.90547},
    {58, "Ce", "cerium", 140.116},
    {59, "Pr", "praseodymium", 140.90766},
    {60, "Nd", "neodymium", 144.242},
    {61, "Pm", "promethium", 145.0},
    {62, "Sm", "samarium", 150.36},
    {63, "Eu", "europium", 151.964},
    {64, "Gd", "gadolinium", 157.25},
    {65, "Tb", "terbium", 158.925354},
    {66, "Dy", "dysprosium", 162.500},
    {67, "Ho", "holmium", 164.930329},
    {68, "Er", "erbium", 167.259},
    {69, "Tm", "thulium", 168.934219},
    {70, "Yb", "ytterbium", 173.045},
    {71, "Lu", "lutetium", 174.9668},
    {72, "Hf", "hafnium", 178.486},
    {73, "Ta", "tantalum", 180.94788},
    {74, "W", "tungsten", 183.84},
    {75, "Re", "rhenium", 186.207},
    {76, "Os", "osmium", 190.23},
    {77, "Ir", "iridium", 192.217},
    {78, "Pt", "platinum", 195.084},
    {79, "Au", "gold", 196.966570},
    {80, "Hg", "mercury", 200.592},
    {81, "Tl", "thallium", 204.38},
    {82, "Pb", "lead", 207.2},
    {83, "Bi", "bismuth", 208.98040},
    {84, "Po", "polonium", 209.0},
    {85, "At", "astatine", 210.0},
    {86, "Rn", "radon", 222.0},
    {87, "Fr", "francium", 223.0},
    {88, "Ra", "radium", 226.0},
    {89, "Ac", "actinium", 227.0},
    {90, "Th", "thorium", 232.0377},
    {91, "Pa", "protactinium", 231.03588},
    {92, "U", "uranium", 238.02891},
    {93, "Np", "neptunium", 237.0},
    {94, "Pu", "plutonium", 244.0},
    {95, "Am", "americium", 243.0},
    {96, "Cm", "curium", 247.0},
    {97, "Bk", "berkelium", 247.0},
    {98, "Cf", "californium", 251.0},
    {99, "Es", "einsteinium", 252.0},
    {100, "Fm", "fermium", 257.0},
    {101, "Md", "mendelevium", 258.0},
    {102, "No", "nobelium", 259.0},
    {103, "Lr", "lawrencium", 266.0},
    {104, "Rf", "rutherfordium", 267.0},
    {105, "Db", "dubnium", 268.0},
    {106, "Sg", "seaborgium", 269.0},
    {107, "Bh", "bohrium", 270.0},
    {108, "Hs", "hassium", 269.0},
    {109, "Mt", "meitnerium", 278.0},
    {110, "Ds", "darmstadtium", 281.0},
    {111, "Rg", "roentgenium", 282.0},
    {112, "Cn", "copernicium", 285.0},
    {113, "Nh", "nihonium", 286.0},
    {114, "Fl", "flerovium", 289.0},
    {115, "Mc", "moscovium", 290.0},
    {116, "Lv", "livermorium", 293.0},
    {117, "Ts", "tennessine", 294.0},
    {118, "Og", "oganesson", 294.0},
}};

// The table is indexed by z - 1; a slip while typing it would silently shift every mass.
constexpr bool table_is_ordered() {
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (table[i].z != static_cast<int>(i) + 1) return false;
  }
  return true;
}
static_assert(table_is_ordered(), "element table must be ordered by atomic number");

}  // namespace

int max_atomic_number() { return static_cast<int>(table.size()); }

const Element& element(int z) {
  if (z < 1 || z > max_atomic_number()) {
    throw InputError("atomic number " + std::to_string(z) + " is not an element",
                     "atomic numbers run from 1 (H) to " + std::to_string(max_atomic_number()) + " (Og)");
  }
  return table[static_cast<std::size_t>(z - 1)];
}

std::optional<int> find_atomic_number(std::string_view symbol) {
  for (const auto& e : table) {
    if (e.symbol == symbol) return e.z;
  }
  return std::nullopt;
}

int atomic_number(std::string_view symbol) {
  if (const auto z = find_atomic_number(symbol)) return *z;
  std::vector<std::string> symbols;
  symbols.reserve(table.size());
  for (const auto& e : table) symbols.emplace_back(e.symbol);
  std::string message = "unknown element symbol '" + std::string(symbol) + "'";
  const std::string suggestion = did_you_mean(symbol, symbols);
  if (!suggestion.empty()) message += "; " + suggestion;
  throw InputError(message,
                   "element symbols are case-sensitive: one capital letter and at most "
                   "one lower-case letter, e.g. \"Li\", \"C\", \"Co\"");
}

std::string_view symbol(int z) { return element(z).symbol; }

double standard_mass(int z) { return element(z).mass; }

}  // namespace ioncycle::core
