// SPDX-License-Identifier: MIT
//
// The reference chemical potential μ_ref of the cell voltage V = -(μ_ion - μ_ref)/e: the energy
// per atom of the ion's bulk metal (Li/Li+, Na/Na+, ...) computed with the run's own potential, so
// that systematic errors of the potential cancel between the electrode and the reference
// (docs/theory.md, "Voltage"; M. K. Aydinol et al., PRB 56, 1354 (1997)).
//
// The metal is the body-centred cubic crystal, the room-temperature structure of every alkali
// metal, in its 2-atom conventional cell (the neighbor list finds every periodic image in cells
// narrower than the cutoff, core/neighbor_list.hpp, so no supercell is needed). bcc has no free
// internal coordinate, so relaxing it is a 1-D minimization of E(a) over the cubic lattice
// constant a, which is exact: compute_reference_metal() brackets the minimum from a tabulated
// start value and finds the zero of dE/da = -tr(W)/a (W the virial, potentials/potential.hpp)
// with Brent's root finder to `tolerance` (default 1e-5 Å). The derivative is used rather than
// the energy alone because a minimum located from energies is only known to ~sqrt(ε_E/E'') (1e-3
// Å for the 1e-6 relative energy noise of a float32 model, 1e-8 relative at best in double),
// while the zero of the derivative is known to ε_g/E''. μ_ref is then E(a*)/N from energy(), the
// same call insertion and removal trials use. It is a 0 K static-lattice energy: no zero-point or
// thermal energy, no entropy (docs/theory-voltage.md says what that neglects).
//
// Caching: one relaxation of a 2-atom cell is cheap for an analytic potential and a few seconds
// for an MLIP on a CPU, but it is the same for every run with the same model, so
// reference_metal_cached() keeps the result in a small text file per (potential fingerprint,
// element) under a cache directory. A changed potential (any parameter, any byte of a model file)
// has another fingerprint and so another file; a potential without a fingerprint is never
// cached. A cache that cannot be read or written never fails a run: the value is computed and
// ReferenceMetal::note says why the cache was not used.
//
// Units: Å, eV. Not thread-safe with respect to `potential` (it is evaluated); distinct
// potentials may be used from distinct threads. Cache files are written atomically
// (io/atomic_file.hpp), so concurrent runs sharing a cache directory are safe.
#pragma once

#include <string>

#include "potentials/potential.hpp"

namespace ioncycle::cycling {

/// The relaxed bcc metal of one element with one potential.
struct ReferenceMetal {
  double mu_ref = 0.0;            ///< eV per atom, E(a*) / N
  double lattice_constant = 0.0;  ///< Å, the cubic a* of the conventional cell
  int num_atoms = 0;              ///< atoms in the cell that was evaluated (2)
  bool from_cache = false;        ///< read from the cache rather than computed now
  std::string cache_file;         ///< the cache file used or written; empty when not cached
  /// Empty when the cache worked as intended (or none was asked for); otherwise one sentence for
  /// the run log saying why the cache was not used or not written (the value is still right).
  std::string note;
};

struct ReferenceMetalOptions {
  /// Å: the lattice constant is found to within this (Brent's root finder on dE/da). The energy
  /// error of a lattice constant off by δ is E''δ²/2, below 1e-9 eV per atom for the default.
  double tolerance = 1e-5;
  /// Å: where the search starts; <= 0 means bcc_start_lattice_constant(z).
  double start = 0.0;
};

/// Start value of the search for element z: the measured bcc lattice constant of Li (3.51 Å),
/// Na (4.29 Å), K (5.23 Å), Rb (5.59 Å), Cs (6.05 Å); for Mg, Ca, Al and Zn (not bcc metals,
/// but possible ions) 4 r/√3 from the 8-coordinate metallic radius r; 3.5 Å for anything else
/// (the search widens its bracket as far as it has to). Sources in reference_metal.cpp.
[[nodiscard]] double bcc_start_lattice_constant(int z);

/// Relax the bcc metal of element z with `potential` and return μ_ref. `skin` (Å) is the
/// neighbor-list skin. InputError if the potential does not support z; SimulationError if E(a) has
/// no minimum between 0.5 and 3 times the start value (a purely repulsive or a flat potential) or
/// the energy is not finite.
[[nodiscard]] ReferenceMetal compute_reference_metal(int z, potentials::Potential& potential, double skin,
                                                     const ReferenceMetalOptions& options = {});

/// Where reference metals are cached when the run does not say: $IONCYCLE_CACHE_DIR, else
/// $XDG_CACHE_HOME/ioncycle, else $HOME/.cache/ioncycle (the XDG base-directory rules); empty
/// when none of these variables is set (then nothing is cached).
[[nodiscard]] std::string default_cache_dir();

/// The cache file of element z with this potential and options under `cache_dir`:
/// <cache_dir>/reference-metal/<symbol>-<SHA-256 of the key>.txt, the key being the ioncycle
/// version, the element, the tolerance and potential.fingerprint(). Empty if the potential has
/// no fingerprint or `cache_dir` is empty.
[[nodiscard]] std::string reference_metal_cache_file(int z, const potentials::Potential& potential,
                                                     const std::string& cache_dir,
                                                     const ReferenceMetalOptions& options = {});

/// compute_reference_metal() through the cache in `cache_dir` (see above): a valid cache file is
/// read (from_cache = true, the numbers bit for bit as computed); otherwise the value is computed
/// and the file written. Cache problems are reported in `note`, never thrown; errors of the
/// computation itself are thrown as by compute_reference_metal().
[[nodiscard]] ReferenceMetal reference_metal_cached(int z, potentials::Potential& potential, double skin,
                                                    const std::string& cache_dir,
                                                    const ReferenceMetalOptions& options = {});

}  // namespace ioncycle::cycling
