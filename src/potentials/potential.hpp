// SPDX-License-Identifier: MIT
//
// The Potential interface: maps a System and a NeighborList to the energy, forces, virial and,
// where the potential can, per-atom energies. The MD loop calls compute() once per step (through
// md::ForceEvaluator); insertion and removal trials call energy().
//
// Conventions (the same for every potential, tested against LAMMPS and ASE):
//   - energy in eV, forces in eV/Å, one Vec3 per atom in System order;
//   - virial W (eV) = -∂E/∂ε, the derivative of the energy with respect to a homogeneous strain ε
//     applied to cell and positions, with LAMMPS' sign: for pair terms W = Σ_pairs d_ij ⊗ F_ij
//     where F_ij is the force on j (so W > 0 for repulsion). The pressure tensor is
//     P = (Σ m v ⊗ v + W) / V and ASE's stress of the potential is -W / V.
//   - per-atom energies sum to the energy.
//
// A potential declares the neighbor list it needs (cutoff, full or half); the evaluator builds
// one list satisfying every term of a sum (the largest cutoff; full if any term needs full), so
// each potential must accept a full list even if it prefers half (pair terms then count each
// pair from both sides with weight 1/2, or skip one direction). The list may extend beyond the
// potential's cutoff; potentials test the distance themselves.
//
// A Potential owns no atoms. It may keep caches keyed on System::topology_version(). compute()
// may use OpenMP inside; a Potential is not called from several threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/neighbor_list.hpp"
#include "core/system.hpp"

namespace ioncycle::potentials {

/// What a caller wants computed.
struct ForceRequest {
  bool forces = true;
  bool virial = true;
  bool per_atom_energy = false;
};

/// What a potential computed. Vectors are resized by compute(); reusing one ForceResult across
/// steps avoids allocation.
struct ForceResult {
  double energy = 0.0;                     ///< eV
  std::vector<core::Vec3> forces;          ///< eV/Å, one per atom (when requested)
  core::Mat3 virial = core::Mat3::Zero();  ///< eV, LAMMPS sign (when requested)
  std::vector<double> per_atom_energy;     ///< eV, one per atom (when requested)
};

/// Wall time spent in named stages of compute() since construction, for performance reports
/// (`ioncycle md` summary.json, benchmarks). Stages are in the order first seen.
struct StageTimes {
  std::vector<std::pair<std::string, double>> stages;  ///< name, seconds
  void add(const std::string& name, double seconds);
  /// Seconds of stage `name`, 0 if absent.
  [[nodiscard]] double seconds(const std::string& name) const;
};

struct NeighborRequest {
  double cutoff = 0.0;  ///< Å
  core::NeighborKind kind = core::NeighborKind::full;
};

class Potential {
 public:
  virtual ~Potential() = default;

  /// Short name for logs and errors ("lj", "tersoff", "sevennet").
  [[nodiscard]] virtual std::string name() const = 0;
  /// Interaction range in Å.
  [[nodiscard]] virtual double cutoff() const = 0;
  /// The neighbor list this potential wants (default: full list at cutoff()).
  [[nodiscard]] virtual NeighborRequest neighbor_request() const { return {cutoff(), core::NeighborKind::full}; }
  /// Whether the potential has parameters for this atomic number.
  [[nodiscard]] virtual bool supports(int z) const = 0;
  /// Human list of supported elements for error messages ("C, B, N" or "any").
  [[nodiscard]] virtual std::string supported_species() const = 0;
  /// Whether compute() can fill per_atom_energy.
  [[nodiscard]] virtual bool has_per_atom_energy() const { return true; }

  /// Identity of the energy function, for caches of derived quantities (the reference metal's
  /// chemical potential): equal for potentials that give the same energy for every System, and
  /// different whenever the energy could differ. Analytic potentials give their name and every
  /// parameter as exact hex floats; model backends the SHA-256 of the model file's content (not
  /// its path, device or compute dtype, which do not change the function); a sum joins its
  /// terms. Empty means "unknown": nothing derived from this potential may be cached. That is
  /// the default, so a potential that does not override this is never mistaken for another.
  [[nodiscard]] virtual std::string fingerprint() const { return {}; }

  /// Compute what `request` asks for. `neighbors` is up to date for `system`.
  virtual void compute(const core::System& system, const core::NeighborList& neighbors,
                       const ForceRequest& request, ForceResult& result) = 0;

  /// Energy only (no gradients). The default calls compute() without forces and virial.
  [[nodiscard]] virtual double energy(const core::System& system, const core::NeighborList& neighbors);

  /// One evaluation of `system` with a neighbor list built for it alone (no skin), for
  /// single-point callers (eval, labelling, error checks) that do not keep a list between calls.
  [[nodiscard]] ForceResult compute_once(const core::System& system, const ForceRequest& request);

  /// Add the time spent in this potential's stages (e.g. edge building, model forward and
  /// backward). Potentials without inner stages add nothing; a sum times each term.
  virtual void collect_times(StageTimes& out) const { (void)out; }

 protected:
  Potential() = default;
  Potential(const Potential&) = default;
  Potential& operator=(const Potential&) = default;
};

/// A sum of potentials is itself a Potential (e.g. an MLIP plus D3 dispersion).
class SumPotential final : public Potential {
 public:
  explicit SumPotential(std::vector<std::unique_ptr<Potential>> terms);

  [[nodiscard]] std::string name() const override;
  [[nodiscard]] double cutoff() const override;
  [[nodiscard]] NeighborRequest neighbor_request() const override;
  [[nodiscard]] bool supports(int z) const override;
  [[nodiscard]] std::string supported_species() const override;
  [[nodiscard]] bool has_per_atom_energy() const override;
  /// "sum(<term 1>;<term 2>;...)" in term order; empty if any term's fingerprint is empty.
  [[nodiscard]] std::string fingerprint() const override;
  void compute(const core::System& system, const core::NeighborList& neighbors,
               const ForceRequest& request, ForceResult& result) override;
  [[nodiscard]] double energy(const core::System& system, const core::NeighborList& neighbors) override;
  void collect_times(StageTimes& out) const override;

  [[nodiscard]] std::size_t num_terms() const { return terms_.size(); }
  [[nodiscard]] Potential& term(std::size_t i) { return *terms_[i]; }

 private:
  std::vector<std::unique_ptr<Potential>> terms_;
  std::vector<double> term_seconds_;  ///< compute() time per term
  ForceResult scratch_;
};

}  // namespace ioncycle::potentials
