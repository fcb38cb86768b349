// SPDX-License-Identifier: MIT
//
// The force loop shared by the analytic pair potentials, templated on the per-pair kernel
// (Kernel::evaluate(r², energy, f_over_r) with f_over_r = -(dE/dr)/r) so the inner loop is
// inlined for each potential. Included only by lennard_jones.cpp and morse.cpp.
//
// Pair vector d = x_j - x_i + n·H (neighbor_list.hpp); the force on j is F_j = f_over_r · d and
// on i the opposite; the pair's virial is d ⊗ F_j = f_over_r · d ⊗ d (LAMMPS' sign, symmetric).
//
// Threading (OpenMP over atoms i, static schedule in chunks, so a given thread count always
// gives the same partition and the same summation order, hence bitwise reproducible results):
//   - half list (preferred, each pair once): Newton's third law writes to atom j, which another
//     thread may own. Instead of atomics, every thread beyond the first scatters into its own
//     3N force buffer (and N per-atom-energy buffer); thread 0 writes the result directly, and
//     after a barrier the buffers are added in thread order, in parallel over atoms. This is
//     the scheme of LAMMPS' OPENMP package (per-thread force arrays, then a reduction). With
//     one thread there is no extra buffer and no reduction at all.
//   - full list (each pair from both sides): a gather, no write conflicts: thread t writes only
//     the force of the atoms i it owns, counting every pair with weight 1/2 in energy and virial.
// Energies and virials are accumulated per thread and summed in thread order afterwards (not
// with an OpenMP reduction clause, whose order is unspecified).
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/neighbor_list.hpp"
#include "core/system.hpp"
#include "potentials/pair_potential.hpp"
#include "potentials/potential.hpp"

namespace ioncycle::potentials::detail {

// Atoms per chunk of the static schedule: small enough to balance half lists whose neighbor
// counts vary along the atom order, large enough to keep each thread on contiguous memory.
inline constexpr std::size_t kPairChunk = 64;
// Below this many atoms the loop runs on one thread: the parallel region would cost more
// than it saves (a dimer in a Monte Carlo trial, a unit cell).
inline constexpr std::size_t kPairMinAtomsForThreads = 128;

struct PairLoopArgs {
  std::size_t num_atoms = 0;
  const double* x = nullptr;  // 3N positions
  const std::int32_t* types = nullptr;
  const std::size_t* offsets = nullptr;
  const std::int32_t* neighbors = nullptr;
  const std::uint32_t* shift_ids = nullptr;
  const double* shifts = nullptr;  // 3 per shift id
  int num_types = 0;
  double* forces = nullptr;               // 3N, the result
  double* atom_energy = nullptr;          // N, the result
  double* thread_forces = nullptr;        // (T-1) x 3N
  double* thread_atom_energy = nullptr;   // (T-1) x N
  PairScratch::Partial* partials = nullptr;  // T
  int max_threads = 1;
};

template <bool Full, bool Forces, bool Virial, bool PerAtom, class Kernel>
int pair_loop(const Kernel* kernels, const PairLoopArgs& a) {
  const std::size_t n = a.num_atoms;
  int team = 1;
#pragma omp parallel num_threads(a.max_threads) if (a.max_threads > 1 && n >= kPairMinAtomsForThreads)
  {
    const int t = omp_get_thread_num();
    const int num_threads = omp_get_num_threads();
    if (t == 0) team = num_threads;
    // Where this thread scatters (half lists): the result for thread 0, its own buffer else.
    double* f = a.forces;
    double* pe = a.atom_energy;
    if constexpr (!Full) {
      if (t > 0) {
        if constexpr (Forces) {
          f = a.thread_forces + static_cast<std::size_t>(t - 1) * 3 * n;
          std::fill(f, f + 3 * n, 0.0);
        }
        if constexpr (PerAtom) {
          pe = a.thread_atom_energy + static_cast<std::size_t>(t - 1) * n;
          std::fill(pe, pe + n, 0.0);
        }
      }
    }
    double energy = 0.0;
    double wxx = 0.0, wyy = 0.0, wzz = 0.0, wxy = 0.0, wxz = 0.0, wyz = 0.0;
    // Weight of one list entry: 1 when each pair is listed once, 1/2 when listed twice.
    constexpr double weight = Full ? 0.5 : 1.0;

#pragma omp for schedule(static, kPairChunk)
    for (std::size_t i = 0; i < n; ++i) {
      const Kernel* row = kernels + static_cast<std::size_t>(a.types[i]) * static_cast<std::size_t>(a.num_types);
      const double xi = a.x[3 * i], yi = a.x[3 * i + 1], zi = a.x[3 * i + 2];
      double fxi = 0.0, fyi = 0.0, fzi = 0.0, ei = 0.0;
      const std::size_t end = a.offsets[i + 1];
      for (std::size_t k = a.offsets[i]; k < end; ++k) {
        const std::size_t j = static_cast<std::size_t>(a.neighbors[k]);
        const double* s = a.shifts + 3 * static_cast<std::size_t>(a.shift_ids[k]);
        const double dx = a.x[3 * j] - xi + s[0];
        const double dy = a.x[3 * j + 1] - yi + s[1];
        const double dz = a.x[3 * j + 2] - zi + s[2];
        const double r_sq = dx * dx + dy * dy + dz * dz;
        const Kernel& kernel = row[a.types[j]];
        if (r_sq >= kernel.cutoff_sq) continue;
        double e = 0.0, f_over_r = 0.0;
        kernel.evaluate(r_sq, e, f_over_r);
        energy += e;
        // Force on j (F_j = f_over_r d); i gets -F_j.
        const double fx = f_over_r * dx, fy = f_over_r * dy, fz = f_over_r * dz;
        if constexpr (Forces) {
          fxi -= fx;
          fyi -= fy;
          fzi -= fz;
          if constexpr (!Full) {
            f[3 * j] += fx;
            f[3 * j + 1] += fy;
            f[3 * j + 2] += fz;
          }
        }
        if constexpr (Virial) {
          wxx += dx * fx;
          wyy += dy * fy;
          wzz += dz * fz;
          wxy += dx * fy;
          wxz += dx * fz;
          wyz += dy * fz;
        }
        if constexpr (PerAtom) {
          ei += 0.5 * e;
          if constexpr (!Full) pe[j] += 0.5 * e;
        }
      }
      if constexpr (Forces) {
        if constexpr (Full) {
          f[3 * i] = fxi;
          f[3 * i + 1] = fyi;
          f[3 * i + 2] = fzi;
        } else {
          f[3 * i] += fxi;
          f[3 * i + 1] += fyi;
          f[3 * i + 2] += fzi;
        }
      }
      if constexpr (PerAtom) {
        if constexpr (Full) pe[i] = ei;
        else pe[i] += ei;
      }
    }  // implicit barrier: every thread's buffer is complete

    PairScratch::Partial& p = a.partials[t];
    p.energy = weight * energy;
    p.virial[0] = weight * wxx;
    p.virial[1] = weight * wyy;
    p.virial[2] = weight * wzz;
    p.virial[3] = weight * wxy;
    p.virial[4] = weight * wxz;
    p.virial[5] = weight * wyz;

    if constexpr (!Full && (Forces || PerAtom)) {
      if (num_threads > 1) {
#pragma omp for schedule(static)
        for (std::size_t i = 0; i < n; ++i) {
          for (int s = 1; s < num_threads; ++s) {
            if constexpr (Forces) {
              const double* fs = a.thread_forces + static_cast<std::size_t>(s - 1) * 3 * n;
              a.forces[3 * i] += fs[3 * i];
              a.forces[3 * i + 1] += fs[3 * i + 1];
              a.forces[3 * i + 2] += fs[3 * i + 2];
            }
            if constexpr (PerAtom) {
              a.atom_energy[i] += a.thread_atom_energy[static_cast<std::size_t>(s - 1) * n + i];
            }
          }
        }
      }
    }
  }
  return team;
}

template <class F>
void with_bool(bool value, F&& f) {
  if (value) f(std::true_type{});
  else f(std::false_type{});
}

/// Energy, forces, virial and per-atom energies of a pair potential (see the top of this file).
template <class Kernel>
void compute_pairs(const PairTable<Kernel>& table, PairScratch& scratch, const core::System& system,
                   const core::NeighborList& neighbors, const ForceRequest& request, ForceResult& result,
                   std::string_view potential_name) {
  const std::size_t n = system.num_atoms();
  IONCYCLE_ASSERT(neighbors.num_atoms() == n, "neighbor list was built for a different number of atoms");
  IONCYCLE_ASSERT(n == 0 || neighbors.options().cutoff >= table.max_cutoff() * (1.0 - 1e-12),
                  "neighbor list cutoff is shorter than the potential's cutoff");

  // Type index of every atom; an element without parameters is the user's error.
  scratch.types.resize(n);
  const auto z = system.atomic_numbers();
  for (std::size_t i = 0; i < n; ++i) {
    const int type = table.type_of(z[i]);
    if (type < 0) {
      throw InputError("potential '" + std::string(potential_name) + "' has no parameters for " +
                           std::string(core::symbol(z[i])) + " (atom id " + std::to_string(system.ids()[i]) + ")",
                       "it supports " + table.species_list());
    }
    scratch.types[i] = static_cast<std::int32_t>(type);
  }

  if (request.forces) {
    result.forces.resize(n);
    std::fill(result.forces.begin(), result.forces.end(), core::Vec3::Zero());
  }
  if (request.per_atom_energy) result.per_atom_energy.assign(n, 0.0);
  result.energy = 0.0;
  if (request.virial) result.virial.setZero();
  if (n == 0) return;

  neighbors.cartesian_shifts(system.cell(), scratch.shifts);
  const bool full = neighbors.kind() == core::NeighborKind::full;
  const int max_threads = std::max(1, omp_get_max_threads());
  const std::size_t num_extra = n >= kPairMinAtomsForThreads ? static_cast<std::size_t>(max_threads - 1) : 0;
  if (!full && request.forces) scratch.thread_forces.resize(num_extra * 3 * n);
  if (!full && request.per_atom_energy) scratch.thread_atom_energy.resize(num_extra * n);
  scratch.partials.resize(static_cast<std::size_t>(max_threads));

  PairLoopArgs args;
  args.num_atoms = n;
  args.x = system.positions_matrix().data();
  args.types = scratch.types.data();
  args.offsets = neighbors.offsets().data();
  args.neighbors = neighbors.neighbors().data();
  args.shift_ids = neighbors.shift_ids().data();
  args.shifts = scratch.shifts.front().data();
  args.num_types = table.num_types();
  args.forces = request.forces ? result.forces.front().data() : nullptr;
  args.atom_energy = request.per_atom_energy ? result.per_atom_energy.data() : nullptr;
  args.thread_forces = scratch.thread_forces.data();
  args.thread_atom_energy = scratch.thread_atom_energy.data();
  args.partials = scratch.partials.data();
  args.max_threads = max_threads;

  int team = 1;
  with_bool(full, [&](auto is_full) {
    with_bool(request.forces, [&](auto forces) {
      with_bool(request.virial, [&](auto virial) {
        with_bool(request.per_atom_energy, [&](auto per_atom) {
          team = pair_loop<decltype(is_full)::value, decltype(forces)::value, decltype(virial)::value,
                           decltype(per_atom)::value>(table.kernels().data(), args);
        });
      });
    });
  });

  double energy = 0.0;
  double w[6] = {0, 0, 0, 0, 0, 0};
  for (int t = 0; t < team; ++t) {
    const auto& p = scratch.partials[static_cast<std::size_t>(t)];
    energy += p.energy;
    for (int c = 0; c < 6; ++c) w[c] += p.virial[c];
  }
  result.energy = energy;
  if (request.virial) {
    result.virial << w[0], w[3], w[4],  //
        w[3], w[1], w[5],               //
        w[4], w[5], w[2];
  }
}

}  // namespace ioncycle::potentials::detail
