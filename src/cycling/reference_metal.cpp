// SPDX-License-Identifier: MIT
#include "cycling/reference_metal.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "core/content_hash.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"
#include "io/atomic_file.hpp"
#include "md/force_evaluator.hpp"

namespace ioncycle::cycling {

namespace fs = std::filesystem;

namespace {

// Version of the relaxation and of the cache file layout: bump it when either changes what a
// cache file would hold, so old files are not reused.
constexpr const char* kCacheFormat = "ioncycle-reference-metal 1";

// The 2-atom conventional bcc cell with lattice constant a: atoms at (0,0,0) and (a/2,a/2,a/2).
void set_lattice_constant(core::System& system, double a) {
  system.set_cell(core::Cell::orthorhombic(a, a, a));
  auto x = system.positions();
  x[0] = core::Vec3::Zero();
  x[1] = core::Vec3(0.5 * a, 0.5 * a, 0.5 * a);
}

// E(a) per atom and its derivative dE/da per atom. Under the homogeneous strain x -> (1 + s) x
// the energy changes by dE/ds = -tr(W) (W = -∂E/∂ε, potentials/potential.hpp), and a = a0 (1+s),
// so dE/da = -tr(W) / a.
struct Probe {
  double a = 0.0;
  double slope = 0.0;  // eV/Å per atom
};

class Lattice {
 public:
  Lattice(int z, potentials::Potential& potential, double skin)
      : evaluator_(potential, skin), system_(core::Cell::orthorhombic(1.0, 1.0, 1.0)) {
    core::AtomSpec atom;
    atom.z = z;
    system_.add_atom(atom);
    system_.add_atom(atom);
  }

  Probe slope(double a) {
    set_lattice_constant(system_, a);
    evaluator_.evaluate(system_, /*want_virial=*/true);
    const double n = static_cast<double>(system_.num_atoms());
    const double energy = evaluator_.potential_energy();
    const double trace = evaluator_.virial().trace();
    if (!std::isfinite(energy) || !std::isfinite(trace)) {
      throw SimulationError("reference metal: the energy or virial of bcc " + symbol() + " at a = " +
                            core::format_double(a) + " A is not finite");
    }
    return {a, -trace / a / n};
  }

  double energy_per_atom(double a) {
    set_lattice_constant(system_, a);
    const double energy = evaluator_.energy(system_);
    if (!std::isfinite(energy)) {
      throw SimulationError("reference metal: the energy of bcc " + symbol() + " at a = " + core::format_double(a) +
                            " A is not finite");
    }
    return energy / static_cast<double>(system_.num_atoms());
  }

  [[nodiscard]] int num_atoms() const { return static_cast<int>(system_.num_atoms()); }
  [[nodiscard]] std::string symbol() const { return std::string(core::symbol(system_.atomic_numbers()[0])); }

 private:
  md::ForceEvaluator evaluator_;
  core::System system_;
};

// Brent's root finder (R. P. Brent, Algorithms for Minimization without Derivatives, 1973, ch. 4;
// the "zeroin" algorithm): inverse quadratic interpolation or secant steps where they stay
// inside the bracket and shrink it fast enough, bisection otherwise. Needs f(lo), f(hi) of
// opposite signs; returns a point within `tolerance` of a sign change of f.
template <class F>
Probe brent_root(F&& f, Probe lo, Probe hi, double tolerance) {
  Probe b = hi, a = lo, c = lo;
  double d = b.a - a.a, e = d;
  for (int iteration = 0; iteration < 200; ++iteration) {
    if ((b.slope > 0.0) == (c.slope > 0.0)) {
      c = a;
      d = e = b.a - a.a;
    }
    if (std::abs(c.slope) < std::abs(b.slope)) {
      a = b;
      b = c;
      c = a;
    }
    const double tol = 2.0 * std::numeric_limits<double>::epsilon() * std::abs(b.a) + 0.5 * tolerance;
    const double m = 0.5 * (c.a - b.a);
    if (std::abs(m) <= tol || b.slope == 0.0) return b;
    if (std::abs(e) >= tol && std::abs(a.slope) > std::abs(b.slope)) {
      double p = 0.0, q = 0.0;
      const double s = b.slope / a.slope;
      if (a.a == c.a) {  // secant
        p = 2.0 * m * s;
        q = 1.0 - s;
      } else {  // inverse quadratic interpolation
        const double qa = a.slope / c.slope;
        const double r = b.slope / c.slope;
        p = s * (2.0 * m * qa * (qa - r) - (b.a - a.a) * (r - 1.0));
        q = (qa - 1.0) * (r - 1.0) * (s - 1.0);
      }
      if (p > 0.0) q = -q;
      p = std::abs(p);
      if (2.0 * p < std::min(3.0 * m * q - std::abs(tol * q), std::abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    const double next = std::abs(d) > tol ? b.a + d : b.a + (m > 0.0 ? tol : -tol);
    b = f(next);
  }
  return b;
}

double metallic_start(double radius_cn12) {
  // Goldschmidt: the radius at coordination 8 is about 0.97 of that at 12; in bcc the nearest
  // neighbours touch along the body diagonal, √3 a / 2 = 2 r.
  return 4.0 * 0.97 * radius_cn12 / std::sqrt(3.0);
}

}  // namespace

double bcc_start_lattice_constant(int z) {
  switch (z) {
    // Room-temperature bcc lattice constants: Li 3.51 Å and Na 4.29 Å (R. W. G. Wyckoff, Crystal
    // Structures, 2nd ed., vol. 1 (Interscience, 1963); R. Berliner et al., PRB 40, 12086 (1989)
    // for Li, Na and K by neutron diffraction). K, Rb, Cs at 5 K: 5.225, 5.585, 6.045 Å
    // (C. Kittel, Introduction to Solid State Physics, 8th ed. (Wiley, 2005), ch. 1).
    case 3: return 3.51;
    case 11: return 4.29;
    case 19: return 5.23;
    case 37: return 5.59;
    case 55: return 6.05;
    // Not bcc metals; a bcc guess from the 12-coordinate metallic radius (N. N. Greenwood and
    // A. Earnshaw, Chemistry of the Elements, 2nd ed. (1997)): Mg 1.60, Ca 1.97, Al 1.43,
    // Zn 1.37 Å.
    case 12: return metallic_start(1.60);
    case 20: return metallic_start(1.97);
    case 13: return metallic_start(1.43);
    case 30: return metallic_start(1.37);
    default: return 3.5;
  }
}

ReferenceMetal compute_reference_metal(int z, potentials::Potential& potential, double skin,
                                       const ReferenceMetalOptions& options) {
  (void)core::element(z);  // InputError for a number outside the periodic table
  const std::string symbol(core::symbol(z));
  if (!potential.supports(z)) {
    throw InputError("the reference metal of " + symbol + " cannot be computed: the potential '" + potential.name() +
                         "' has no parameters for " + symbol,
                     "it supports " + potential.supported_species() + "; or give mu_ref in [ion] explicitly");
  }
  IONCYCLE_ASSERT(options.tolerance > 0.0, "reference metal tolerance must be positive");
  const double start = options.start > 0.0 ? options.start : bcc_start_lattice_constant(z);
  Lattice lattice(z, potential, skin);

  // Bracket a sign change of dE/da from - to + (a minimum of E), walking downhill from the start
  // with steps growing by the golden ratio, within [0.5, 3] x start.
  const double lowest = 0.5 * start;
  const double highest = 3.0 * start;
  auto no_minimum = [&](const std::string& why) {
    return SimulationError("reference metal: no minimum of the energy of bcc " + symbol + " with '" +
                           potential.name() + "' between a = " + core::format_double(lowest) + " and " +
                           core::format_double(highest) + " A (" + why +
                           "); give mu_ref in [ion] explicitly, or check the potential for " + symbol + "-" + symbol);
  };
  Probe previous = lattice.slope(start);
  if (previous.slope == 0.0) {
    // Either exactly at the minimum or no interaction at all (cutoff below the nearest-neighbour
    // distance): tell them apart by a neighbour on each side.
    const Probe below = lattice.slope(start * (1.0 - 1e-3));
    const Probe above = lattice.slope(start * (1.0 + 1e-3));
    if (below.slope == 0.0 && above.slope == 0.0) throw no_minimum("the energy does not depend on a");
  }
  Probe lo, hi;
  bool bracketed = previous.slope == 0.0;
  if (bracketed) lo = hi = previous;
  const double direction = previous.slope > 0.0 ? -1.0 : 1.0;  // downhill
  double step = 0.02 * start;
  while (!bracketed) {
    const double next_a = previous.a + direction * step;
    if (next_a < lowest || next_a > highest) {
      throw no_minimum(direction < 0.0 ? "the energy keeps falling as the lattice shrinks"
                                       : "the energy keeps falling as the lattice expands");
    }
    const Probe next = lattice.slope(next_a);
    if (next.slope == 0.0 || (next.slope > 0.0) != (previous.slope > 0.0)) {
      lo = direction > 0.0 ? previous : next;
      hi = direction > 0.0 ? next : previous;
      bracketed = true;
    } else {
      previous = next;
      step *= 1.618;
    }
  }
  Probe best = hi;
  if (lo.slope == 0.0) {
    best = lo;
  } else if (hi.slope != 0.0) {
    best = brent_root([&](double a) { return lattice.slope(a); }, lo, hi, options.tolerance);
  }

  ReferenceMetal out;
  out.lattice_constant = best.a;
  out.mu_ref = lattice.energy_per_atom(best.a);
  out.num_atoms = lattice.num_atoms();
  return out;
}

std::string default_cache_dir() {
  auto env = [](const char* name) -> std::string {
    const char* value = std::getenv(name);
    return value != nullptr ? std::string(value) : std::string();
  };
  if (std::string dir = env("IONCYCLE_CACHE_DIR"); !dir.empty()) return dir;
  if (std::string dir = env("XDG_CACHE_HOME"); !dir.empty()) return (fs::path(dir) / "ioncycle").string();
  if (std::string dir = env("HOME"); !dir.empty()) return (fs::path(dir) / ".cache" / "ioncycle").string();
  return {};
}

namespace {

std::string cache_key(int z, const std::string& fingerprint, const ReferenceMetalOptions& options) {
  // The tolerance enters because a file computed to a looser one must not answer a tighter
  // request; the start value does not (the minimum found is the same within the tolerance).
  // The version enters because a release may change how a potential evaluates.
  std::string key = std::string(kCacheFormat) + "\nioncycle " + IONCYCLE_VERSION + "\nstructure bcc\nz " +
                    std::to_string(z) + "\ntolerance " + core::hex_double(options.tolerance) + "\npotential " +
                    fingerprint + "\n";
  return core::sha256_hex(key);
}

// Reads a cache file; nullopt-like failure via the returned bool and `why`.
bool read_cache(const std::string& path, const std::string& key, int z, ReferenceMetal& out, std::string& why) {
  std::ifstream in(path);
  if (!in) {
    why = "cannot be opened";
    return false;
  }
  std::map<std::string, std::string> values;
  std::string line;
  while (std::getline(in, line)) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    const auto tokens = core::split_whitespace(line);
    if (tokens.empty()) continue;
    if (tokens.size() != 2) {
      why = "has a malformed line";
      return false;
    }
    values[std::string(tokens[0])] = std::string(tokens[1]);
  }
  auto real = [&](const char* name, double& value) {
    const auto it = values.find(name);
    if (it == values.end()) return false;
    char* end = nullptr;
    value = std::strtod(it->second.c_str(), &end);
    return end != nullptr && *end == '\0' && std::isfinite(value);
  };
  if (values["format"] != "1" || values["key"] != key || values["z"] != std::to_string(z)) {
    why = "belongs to another potential or format";
    return false;
  }
  double num_atoms = 0.0;
  if (!real("mu_ref", out.mu_ref) || !real("lattice_constant", out.lattice_constant) ||
      !real("num_atoms", num_atoms) || !(out.lattice_constant > 0.0) || num_atoms < 1.0) {
    why = "lacks a valid mu_ref, lattice_constant or num_atoms";
    return false;
  }
  out.num_atoms = static_cast<int>(num_atoms);
  return true;
}

void write_cache(const std::string& path, const std::string& key, int z, const std::string& fingerprint,
                 const ReferenceMetal& value) {
  fs::create_directories(fs::path(path).parent_path());
  io::write_file_atomically(path, [&](std::ostream& out) {
    // Hex floats so that a cached value is bit for bit the computed one; the decimal value
    // follows as a comment for people.
    out << "# ioncycle reference metal: relaxed bcc " << core::symbol(z)
        << ", energy per atom with one potential. Safe to delete; recomputed when needed.\n"
        << "# potential: " << fingerprint.substr(0, 200) << (fingerprint.size() > 200 ? " ..." : "") << "\n"
        << "format 1\n"
        << "key " << key << "\n"
        << "z " << z << "\n"
        << "structure bcc\n"
        << "num_atoms " << value.num_atoms << "\n"
        << "lattice_constant " << core::hex_double(value.lattice_constant) << "  # "
        << core::format_double(value.lattice_constant) << " A\n"
        << "mu_ref " << core::hex_double(value.mu_ref) << "  # " << core::format_double(value.mu_ref) << " eV\n";
  });
}

}  // namespace

std::string reference_metal_cache_file(int z, const potentials::Potential& potential, const std::string& cache_dir,
                                       const ReferenceMetalOptions& options) {
  const std::string fingerprint = potential.fingerprint();
  if (fingerprint.empty() || cache_dir.empty()) return {};
  const std::string name = std::string(core::symbol(z)) + "-" + cache_key(z, fingerprint, options) + ".txt";
  return (fs::path(cache_dir) / "reference-metal" / name).string();
}

ReferenceMetal reference_metal_cached(int z, potentials::Potential& potential, double skin,
                                      const std::string& cache_dir, const ReferenceMetalOptions& options) {
  (void)core::element(z);
  const std::string fingerprint = potential.fingerprint();
  if (fingerprint.empty()) {
    ReferenceMetal out = compute_reference_metal(z, potential, skin, options);
    out.note = "reference metal not cached: the potential '" + potential.name() + "' has no fingerprint";
    return out;
  }
  if (cache_dir.empty()) {
    ReferenceMetal out = compute_reference_metal(z, potential, skin, options);
    out.note = "reference metal not cached: no cache directory (set IONCYCLE_CACHE_DIR or HOME)";
    return out;
  }
  const std::string key = cache_key(z, fingerprint, options);
  const std::string path = reference_metal_cache_file(z, potential, cache_dir, options);

  std::string why;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    ReferenceMetal cached;
    if (read_cache(path, key, z, cached, why)) {
      cached.from_cache = true;
      cached.cache_file = path;
      return cached;
    }
  }
  ReferenceMetal out = compute_reference_metal(z, potential, skin, options);
  if (!why.empty()) out.note = "reference metal cache file '" + path + "' " + why + "; recomputed";
  try {
    write_cache(path, key, z, fingerprint, out);
    out.cache_file = path;
  } catch (const std::exception& e) {
    // A read-only home or a full disk must not stop a run: the value is right, only not kept.
    if (!out.note.empty()) out.note += "; ";
    out.note += "reference metal not cached: cannot write '" + path + "': " + e.what();
  }
  return out;
}

}  // namespace ioncycle::cycling
