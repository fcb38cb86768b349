// SPDX-License-Identifier: MIT
//
// Verlet list (Verlet, Phys. Rev. 159, 98 (1967)) built with cell lists ("linked lists" in
// Allen & Tildesley, Computer Simulation of Liquids, 2nd ed., section 5.3; Hockney & Eastwood),
// generalised to triclinic cells of any skew, per-axis periodicity and cells thinner than the
// interaction range.
//
// How a build works:
//  1. Fractional coordinates s = x · H⁻¹. On a periodic axis the atom is wrapped into [0, 1) by
//     the integer w = floor(s); w is kept so that the image shift of a pair can be expressed for
//     the *unwrapped* stored positions: with wrapped positions x' = x - w · H, a pair found at
//     x'_j - x'_i + m · H has n = m + w_i - w_j in the stored frame.
//  2. Bins: along axis a the fractional range is cut into nb_a bins, each at least r = cutoff +
//     skin wide *measured by the plane spacing* h_a = 1 / |column a of H⁻¹|. The fractional
//     component of any vector d satisfies |Δs_a| <= |d| / h_a (Cauchy–Schwarz with that column),
//     so for any skew a partner within r lies at most K_a = ceil(r nb_a / h_a) bins away
//     (K_a = 1 for ordinary cells, more when the cell is thinner than r and nb_a = 1). This is the
//     plane-spacing criterion LAMMPS uses for triclinic boxes; Allen & Tildesley state it for
//     cubes. Non-periodic axes (and clusters without a lattice, binned in Cartesian coordinates)
//     are binned over the bounding box of the atoms.
//  3. Search: on a periodic axis an "extended" bin index B = b + k (k in [-K, K]) maps one to one
//     onto (bin B mod nb, image m = floor(B / nb)), so scanning all k visits every periodic image
//     within range exactly once, self-images of atom i included, even when nb < 2K + 1.
//     A half list scans only the lexicographically non-negative half of the k box: the reverse of
//     a pair found at offset k is found at offset -k (the bijection above is symmetric), and
//     pairs at k = 0 (same bin, same image) are kept by the atom that comes first in the bin.
//     This halves the distance tests. Along the last axis, consecutive bins with the same image
//     are contiguous in memory and scanned as one run.
//  4. Output: contiguous chunks of atoms are processed in parallel (dynamic schedule), each into
//     its own buffer, with image shifts recorded as chunk-local indices of packed keys. The keys
//     of all chunks are merged into one sorted shift table, chunk indices are remapped, and the
//     chunks are copied to their CSR offsets. The result depends only on the input, never on the
//     number of threads or the chunking: neighbors of i come in stencil order then bin order, bins
//     are filled in atom order, and the shift table is sorted.
//
// Atoms are binned with a counting sort, and their wrapped positions are copied into bin order,
// so the inner loop streams through contiguous memory. Everything is O(N) for a fixed density.
#include "core/neighbor_list.hpp"

#include <cstdio>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "core/error.hpp"

namespace ioncycle::core {

namespace {

// Image shifts n are packed into one int64 key, 21 bits per component offset by 2^20, so that the
// key is linear in n (key(m + w_i - w_j) = key(m) + P(w_i) - P(w_j)) and orders keys as n is
// ordered lexicographically.
constexpr int kDigitBits = 21;
constexpr std::int64_t kDigitOffset = std::int64_t{1} << (kDigitBits - 1);
constexpr std::int64_t kDigitMask = (std::int64_t{1} << kDigitBits) - 1;
constexpr std::int64_t kStride1 = std::int64_t{1} << kDigitBits;
constexpr std::int64_t kStride0 = std::int64_t{1} << (2 * kDigitBits);
constexpr std::int64_t kZeroKey = kDigitOffset * (kStride0 + kStride1 + 1);
// Wrap shifts and image ranges are kept well inside one digit: |n| <= 2 * kMaxWrap + kMaxReach + 1
// < 2^20.
constexpr double kMaxWrap = 1 << 18;
constexpr int kMaxReach = 1 << 16;
// Bins are made this much (relatively) wider than r, so that rounding in the fractional
// coordinates (~1e-16) can never push a partner within r outside the searched bins.
constexpr double kBinSlack = 1e-9;
// Bins are at least r / K wide. Narrower bins fit the sphere of radius r more tightly
// (candidate volume (2K + 1)^3 / K^3 r^3: 27 r^3 for K = 1, 15.6 r^3 for K = 2; r / 2 is
// LAMMPS' default bin size), but with runs of contiguous bins (below) the per-run overhead
// dominates when bins hold few atoms: on 32,000-atom LJ fcc (range 2.8 sigma, ~22 atoms per
// r-cube) r-wide bins built ~20% faster than r / 2, and a NEP list (7 A in LiC6, ~40 atoms)
// gains nothing from r / 2. Long ranges hold hundreds of atoms per r-cube (D3 at 12.5 A in
// LiC6: ~230), where the tighter stencil pays: an MD step of a NEP student + D3 at 1,000 atoms
// took 12.6 ms with r / 2 bins against 13.9 ms with r-wide ones (docs/benchmarks.md). So K = 2
// from this many atoms per r-cube on (fully periodic cells, where the density is known), else 1.
constexpr double kDenseAtomsPerRangeCube = 100.0;
// Shift ids are std::uint32_t: unwrapped positions of atoms that diffuse far in a long run give
// many distinct image shifts (an ideal gas over nanoseconds reached 170,000), more than 16 bits hold.
constexpr std::size_t kMaxShifts = std::size_t{std::numeric_limits<std::uint32_t>::max()};

constexpr std::int64_t pack(std::int64_t n0, std::int64_t n1, std::int64_t n2) {
  return n0 * kStride0 + n1 * kStride1 + n2;
}

std::array<std::int32_t, 3> unpack(std::int64_t key) {
  return {static_cast<std::int32_t>((key >> (2 * kDigitBits)) - kDigitOffset),
          static_cast<std::int32_t>(((key >> kDigitBits) & kDigitMask) - kDigitOffset),
          static_cast<std::int32_t>((key & kDigitMask) - kDigitOffset)};
}

std::int32_t floor_div(std::int32_t a, std::int32_t b) {
  const std::int32_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

std::size_t slot_of_key(std::int64_t key, std::size_t mask) {
  // Fibonacci hashing (Knuth, TAOCP vol. 3, 6.4): keys of neighbouring shifts differ in their low
  // or middle bits only, the multiplication spreads them over the high bits.
  return static_cast<std::size_t>((static_cast<std::uint64_t>(key) * 0x9E3779B97F4A7C15ULL) >> 40) & mask;
}

void rehash(const std::vector<std::int64_t>& keys, std::vector<std::int32_t>& slots, std::size_t size) {
  slots.assign(size, -1);
  const std::size_t mask = size - 1;
  for (std::size_t idx = 0; idx < keys.size(); ++idx) {
    std::size_t s = slot_of_key(keys[idx], mask);
    while (slots[s] >= 0) s = (s + 1) & mask;
    slots[s] = static_cast<std::int32_t>(idx);
  }
}

// Chunk-local index of a packed shift key, inserted when new. Open addressing with linear probing
// in a power-of-two table kept at most half full. Only reached when a key differs from the
// previous pair's (a one-entry memo in the search loop catches the common repeats), and the
// distinct keys are few (tens), so this costs next to nothing and allocates nothing in steady
// state.
std::int32_t local_shift_index(std::vector<std::int64_t>& keys, std::vector<std::int32_t>& slots,
                               std::int64_t key) {
  const std::size_t mask = slots.size() - 1;
  std::size_t s = slot_of_key(key, mask);
  while (slots[s] >= 0) {
    if (keys[static_cast<std::size_t>(slots[s])] == key) return slots[s];
    s = (s + 1) & mask;
  }
  const auto idx = static_cast<std::int32_t>(keys.size());
  keys.push_back(key);
  slots[s] = idx;
  if (2 * keys.size() > slots.size()) rehash(keys, slots, 2 * slots.size());
  return idx;
}

constexpr std::size_t kInitialSlots = 64;

}  // namespace

NeighborList::NeighborList(NeighborOptions options) : options_(options) {
  if (!std::isfinite(options_.cutoff) || options_.cutoff < 0.0) {
    throw InputError("neighbor list cutoff must be a non-negative length (got " +
                     std::to_string(options_.cutoff) + " A)");
  }
  if (!std::isfinite(options_.skin) || options_.skin < 0.0) {
    throw InputError("neighbor list skin must be a non-negative length (got " + std::to_string(options_.skin) +
                         " A)",
                     "a skin of 1 to 2 A is usual");
  }
  if (!(options_.cutoff >= 0.0) || !std::isfinite(options_.cutoff)) {
    throw InputError("neighbor list cutoff must be a non-negative length (got " + std::to_string(options_.cutoff) + " A)");
  }
  offsets_.assign(1, 0);
  shift_table_.assign(1, {0, 0, 0});
}

bool NeighborList::update(const System& system) {
  const std::size_t n = system.num_atoms();
  const Cell& cell = system.cell();
  if (!built_ || system.topology_version() != built_topology_ || n != built_positions_.size() ||
      cell.pbc() != built_pbc_) {
    build(system);
    return true;
  }
  // Any pair vector d = x_j - x_i + n·H changed since the build by at most
  // |Δx_j| + |Δx_i| + |n| ||ΔH||_2 <= 2 max|Δx| + n_max ||ΔH||_F. A pair left out had |d| >= cutoff
  // + skin, so while this stays below the skin no pair within the cutoff can be missing (the
  // half-skin criterion of LAMMPS' "neigh_modify check yes", extended to a changing cell).
  const Vec3* x = system.positions().data();
  const Vec3* x0 = built_positions_.data();
  double max_disp2 = 0.0;
#pragma omp parallel for reduction(max : max_disp2) schedule(static) if (n > 8192)
  for (std::size_t i = 0; i < n; ++i) {
    max_disp2 = std::max(max_disp2, (x[i] - x0[i]).squaredNorm());
  }
  const double cell_change = (cell.matrix() - built_cell_).norm();
  if (2.0 * std::sqrt(max_disp2) + max_shift_ * cell_change >= options_.skin) {
    build(system);
    return true;
  }
  return false;
}

void NeighborList::cartesian_shifts(const Cell& cell, std::vector<Vec3>& out) const {
  out.resize(shift_table_.size());
  const Mat3& h = cell.matrix();
  for (std::size_t s = 0; s < shift_table_.size(); ++s) {
    const auto& n = shift_table_[s];
    out[s] = (double(n[0]) * h.row(0) + double(n[1]) * h.row(1) + double(n[2]) * h.row(2)).transpose();
  }
}

double estimated_neighbor_pairs(const System& system, double range) {
  const double n = static_cast<double>(system.num_atoms());
  if (system.num_atoms() < 2) return n * n;
  const double pi = 3.14159265358979323846;
  const double ball3 = 4.0 / 3.0 * pi * range * range * range;
  const Cell& cell = system.cell();
  const auto x = system.positions();
  // Two bounds, the smaller wins: the atoms spread over the volume they occupy (the cell, cut to
  // the atoms' extent along non-periodic axes), and all pairs times the lattice images within
  // range over the periodic axes (right for a sheet or a wire thinner than the range).
  if (!cell.has_lattice()) {
    Vec3 lo = x[0], hi = x[0];
    for (const auto& r : x) {
      lo = lo.cwiseMin(r);
      hi = hi.cwiseMax(r);
    }
    const Vec3 extent = hi - lo;
    const double volume = extent.x() * extent.y() * extent.z();
    return volume > 0.0 ? std::min(n * n, n * n * ball3 / volume) : n * n;
  }
  std::vector<Vec3> periodic;
  double occupied = std::abs(cell.volume());
  for (int a = 0; a < 3; ++a) {
    if (cell.periodic(a)) {
      periodic.push_back(cell.vector(a));
      continue;
    }
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& r : x) {
      const double s = cell.to_fractional(r)[a];
      lo = std::min(lo, s);
      hi = std::max(hi, s);
    }
    occupied *= hi - lo;
  }
  double images = 1.0;
  switch (periodic.size()) {
    case 1: images = 2.0 * range / periodic[0].norm(); break;
    case 2: images = pi * range * range / periodic[0].cross(periodic[1]).norm(); break;
    case 3: images = ball3 / std::abs(periodic[0].dot(periodic[1].cross(periodic[2]))); break;
    default: break;
  }
  const double spread = occupied > 0.0 ? ball3 / occupied : std::numeric_limits<double>::infinity();
  const double per_pair = std::min(images, spread);
  return std::isnan(per_pair) ? std::numeric_limits<double>::infinity() : n * n * per_pair;
}

void check_neighbor_budget(const System& system, double cutoff, double skin) {
  if (!(cutoff > 0.0)) return;
  const double pairs = estimated_neighbor_pairs(system, cutoff + skin);
  if (pairs <= kMaxNeighborPairs) return;
  char estimate[64];
  std::snprintf(estimate, sizeof estimate, "%.2g", pairs);
  char range[64];
  std::snprintf(range, sizeof range, "%.4g", cutoff + skin);
  char volume[64];
  std::snprintf(volume, sizeof volume, "%.4g", system.cell().has_lattice() ? std::abs(system.cell().volume()) : 0.0);
  throw InputError("the neighbor list would hold about " + std::string(estimate) + " pairs (" +
                       std::to_string(system.num_atoms()) + " atoms, cutoff + skin " + range + " A" +
                       (system.cell().has_lattice() ? std::string(", cell volume ") + volume + " A^3" : std::string()) +
                       "), more than the limit of 5e8 (about 8 GB)",
                   "a cutoff or skin this long, or a cell this small, is most likely a unit mistake: interatomic "
                   "cutoffs are 5-12 A and cells at least a few A wide");
}

void NeighborList::build(const System& system) {
  built_ = false;  // until this build completes
  const std::size_t num = system.num_atoms();
  const Cell& cell = system.cell();
  const std::span<const Vec3> x = system.positions();
  if (num > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    throw SimulationError("neighbor list: too many atoms (" + std::to_string(num) + ")");
  }
  const double range = options_.cutoff + options_.skin;
  const double range2 = range * range;
  const bool is_half = options_.kind == NeighborKind::half;
  check_neighbor_budget(system, options_.cutoff, options_.skin);

  offsets_.assign(num + 1, 0);
  // A zero cutoff: a potential that needs no pairs from the list (D3 sums its own lattice
  // images), so the list stays empty whatever the skin.
  if (num == 0 || options_.cutoff == 0.0) {
    neighbors_.clear();
    shift_ids_.clear();
    shift_table_.assign(1, {0, 0, 0});
    max_shift_ = 0;
    built_positions_.assign(x.begin(), x.end());
    built_cell_ = cell.matrix();
    built_pbc_ = cell.pbc();
    built_topology_ = system.topology_version();
    built_ = true;
    ++build_count_;
    return;
  }

  // --- 1. Fractional coordinates, wrapping and the bounding box of non-periodic axes. ---------
  // Without a lattice (a cluster) the frame is Cartesian: "fractional" = Cartesian, h = 1.
  const bool has_lattice = cell.has_lattice();
  const Mat3 h = cell.matrix();
  const Mat3 to_frac_t = has_lattice ? Mat3(h.inverse().transpose()) : Mat3(Mat3::Identity());
  const Vec3 spacing = has_lattice ? cell.heights() : Vec3(1.0, 1.0, 1.0);
  const std::array<bool, 3> pbc = cell.pbc();
  const Vec3 a0 = h.row(0).transpose(), a1 = h.row(1).transpose(), a2 = h.row(2).transpose();

  scratch_fractional_.resize(num);
  scratch_wrapped_.resize(num);
  scratch_wrap_shift_.resize(num);
  double lo0 = std::numeric_limits<double>::infinity(), lo1 = lo0, lo2 = lo0;
  double hi0 = -lo0, hi1 = -lo0, hi2 = -lo0;
  // Fractional coordinates of atom i wrapped on periodic axes, with the wrap shift; false for a
  // non-finite position or one absurdly far (more than kMaxWrap cells) from the cell.
  auto wrap_atom = [&](std::size_t i, Vec3& s, std::array<std::int32_t, 3>& w) {
    s = to_frac_t * x[i];
    w = {0, 0, 0};
    bool ok = true;
    for (int a = 0; a < 3; ++a) {
      if (!pbc[static_cast<std::size_t>(a)]) {
        ok = ok && std::isfinite(s[a]);
        continue;
      }
      const double f = std::floor(s[a]);
      if (!(std::abs(f) <= kMaxWrap)) {  // also catches NaN
        ok = false;
        continue;
      }
      w[static_cast<std::size_t>(a)] = static_cast<std::int32_t>(f);
      s[a] -= f;
    }
    return ok;
  };
  std::size_t num_bad = 0;
  const bool parallel_atoms = num > 4096;
#pragma omp parallel for schedule(static) if (parallel_atoms) \
    reduction(min : lo0, lo1, lo2) reduction(max : hi0, hi1, hi2) reduction(+ : num_bad)
  for (std::size_t i = 0; i < num; ++i) {
    Vec3 s;
    std::array<std::int32_t, 3> w;
    if (!wrap_atom(i, s, w)) {
      ++num_bad;
      s.setZero();
      w = {0, 0, 0};
    }
    scratch_fractional_[i] = s;
    scratch_wrap_shift_[i] = w;
    scratch_wrapped_[i] = x[i] - (double(w[0]) * a0 + double(w[1]) * a1 + double(w[2]) * a2);
    lo0 = std::min(lo0, s[0]);
    lo1 = std::min(lo1, s[1]);
    lo2 = std::min(lo2, s[2]);
    hi0 = std::max(hi0, s[0]);
    hi1 = std::max(hi1, s[1]);
    hi2 = std::max(hi2, s[2]);
  }
  if (num_bad > 0) {
    std::size_t first = 0;
    Vec3 s;
    std::array<std::int32_t, 3> w;
    while (first + 1 < num && wrap_atom(first, s, w)) ++first;
    throw SimulationError("neighbor list: atom " + std::to_string(first) + " (id " +
                          std::to_string(system.ids()[first]) +
                          ") has a non-finite position or lies more than " +
                          std::to_string(static_cast<long>(kMaxWrap)) + " cells from the cell (" +
                          std::to_string(num_bad) + " such atoms); the simulation has probably blown up");
  }

  // --- 2. The bin grid. --------------------------------------------------------------------
  const std::array<double, 3> box_lo{lo0, lo1, lo2};
  const std::array<double, 3> box_hi{hi0, hi1, hi2};
  const bool dense = has_lattice && pbc[0] && pbc[1] && pbc[2] &&
                     static_cast<double>(num) / cell.volume() * range * range * range >= kDenseAtomsPerRangeCube;
  bins_per_range_ = dense ? 2 : 1;
  const double min_width = range / static_cast<double>(bins_per_range_) * (1.0 + kBinSlack);
  std::array<std::int64_t, 3> nb{};
  for (std::size_t a = 0; a < 3; ++a) {
    const double extent = pbc[a] ? spacing[static_cast<Eigen::Index>(a)]
                                 : (box_hi[a] - box_lo[a]) * spacing[static_cast<Eigen::Index>(a)];
    nb[a] = static_cast<std::int64_t>(std::clamp(std::floor(extent / min_width), 1.0, double{1 << 20}));
  }
  // A sparse system (a cluster spread over a large box) would get far more bins than atoms;
  // merging bins keeps memory O(N) and only makes bins wider, which stays correct.
  const auto max_bins = static_cast<std::int64_t>(4 * num + 64);
  while (nb[0] * nb[1] * nb[2] > max_bins) {
    const auto widest = static_cast<std::size_t>(std::max_element(nb.begin(), nb.end()) - nb.begin());
    nb[widest] = std::max<std::int64_t>(1, nb[widest] / 2);
  }
  std::array<std::int32_t, 3> bins{};
  std::array<std::int32_t, 3> reach{};
  std::array<double, 3> bin_scale{};
  for (std::size_t a = 0; a < 3; ++a) {
    bins[a] = static_cast<std::int32_t>(nb[a]);
    const double sp = spacing[static_cast<Eigen::Index>(a)];
    if (pbc[a]) {
      const double k = std::ceil(range * static_cast<double>(nb[a]) / sp * (1.0 + kBinSlack));
      if (!(k <= kMaxReach)) {
        throw SimulationError("neighbor list: the cell is " + std::to_string(sp) +
                              " A thick along axis " + std::to_string(a) +
                              ", far too thin for a neighbor range of " + std::to_string(range) + " A");
      }
      reach[a] = std::max(1, static_cast<std::int32_t>(k));
      bin_scale[a] = static_cast<double>(nb[a]);
    } else if (box_hi[a] > box_lo[a]) {
      // Bins of the bounding box are at least min_width wide (or there is just one); no reach
      // beyond the last bin is needed.
      const double width = (box_hi[a] - box_lo[a]) * sp / static_cast<double>(nb[a]);
      const double k = std::ceil(range / width * (1.0 + kBinSlack));
      reach[a] = static_cast<std::int32_t>(std::clamp(k, 1.0, static_cast<double>(nb[a])));
      bin_scale[a] = static_cast<double>(nb[a]) / (box_hi[a] - box_lo[a]);
    } else {
      reach[a] = 1;
      bin_scale[a] = 0.0;
    }
  }
  const std::size_t num_bins = static_cast<std::size_t>(nb[0] * nb[1] * nb[2]);

  // --- 3. Counting sort of the atoms into bins (sequential, so bins keep atom order). --------
  scratch_cell_of_.resize(num);
#pragma omp parallel for schedule(static) if (parallel_atoms)
  for (std::size_t i = 0; i < num; ++i) {
    const Vec3& s = scratch_fractional_[i];
    std::int32_t b[3];
    for (std::size_t a = 0; a < 3; ++a) {
      const double offset = pbc[a] ? 0.0 : box_lo[a];
      const double t = std::floor((s[static_cast<Eigen::Index>(a)] - offset) * bin_scale[a]);
      b[a] = static_cast<std::int32_t>(std::clamp(t, 0.0, static_cast<double>(bins[a] - 1)));
    }
    scratch_cell_of_[i] = (b[0] * bins[1] + b[1]) * bins[2] + b[2];
  }
  scratch_cell_start_.assign(num_bins + 1, 0);
  for (std::size_t i = 0; i < num; ++i) ++scratch_cell_start_[static_cast<std::size_t>(scratch_cell_of_[i]) + 1];
  std::size_t max_occupancy = 0;
  for (std::size_t c = 0; c < num_bins; ++c) {
    max_occupancy = std::max(max_occupancy, static_cast<std::size_t>(scratch_cell_start_[c + 1]));
    scratch_cell_start_[c + 1] += scratch_cell_start_[c];
  }
  scratch_cell_atoms_.resize(num);
  scratch_slot_of_.resize(num);
  for (std::size_t i = 0; i < num; ++i) {
    // cell_start[c] is used as the fill cursor of bin c and restored below.
    const auto slot = scratch_cell_start_[static_cast<std::size_t>(scratch_cell_of_[i])]++;
    scratch_cell_atoms_[static_cast<std::size_t>(slot)] = static_cast<std::int32_t>(i);
    scratch_slot_of_[i] = slot;
  }
  for (std::size_t c = num_bins; c > 0; --c) scratch_cell_start_[c] = scratch_cell_start_[c - 1];
  scratch_cell_start_[0] = 0;
  // Wrapped positions in bin order, as three arrays (x of all slots, then y, then z), so the
  // distance loop below reads contiguous memory and vectorises.
  scratch_binned_positions_.resize(3 * num);
  scratch_binned_wrap_keys_.resize(num);
  double* const px = scratch_binned_positions_.data();
  double* const py = px + num;
  double* const pz = py + num;
#pragma omp parallel for schedule(static) if (parallel_atoms)
  for (std::size_t slot = 0; slot < num; ++slot) {
    const auto i = static_cast<std::size_t>(scratch_cell_atoms_[slot]);
    px[slot] = scratch_wrapped_[i][0];
    py[slot] = scratch_wrapped_[i][1];
    pz[slot] = scratch_wrapped_[i][2];
    const auto& w = scratch_wrap_shift_[i];
    scratch_binned_wrap_keys_[slot] = pack(w[0], w[1], w[2]);
  }

  // Axes 0 and 1, per bin b: the (bin, image) of each extended offset k in [-K, K]; bin -1 where
  // a non-periodic axis ends.
  for (std::size_t a = 0; a < 2; ++a) {
    const std::int32_t nba = bins[a], ka = reach[a];
    auto& table = scratch_stencil_[a];
    table.resize(static_cast<std::size_t>(nba) * static_cast<std::size_t>(2 * ka + 1));
    for (std::int32_t b = 0; b < nba; ++b) {
      for (std::int32_t k = -ka; k <= ka; ++k) {
        const std::int32_t ext = b + k;
        std::array<std::int32_t, 2> entry{-1, 0};
        if (pbc[a]) {
          const std::int32_t m = floor_div(ext, nba);
          entry = {ext - m * nba, m};
        } else if (ext >= 0 && ext < nba) {
          entry = {ext, 0};
        }
        table[static_cast<std::size_t>(b * (2 * ka + 1) + k + ka)] = entry;
      }
    }
  }
  // Axis 2 (the fastest-varying bin index), per bin b: the offsets k in [-K, K] (all rows) and
  // in [0, K] (the centre row of a half list) grouped into runs of consecutive bins with the same
  // image, {first bin, last bin, image}. The slots of a run are contiguous, so each run is one
  // loop: a row of the stencil is one or two loops instead of 2K + 1.
  const std::int32_t nb2 = bins[2], k2max = reach[2];
  const auto run_capacity = static_cast<std::size_t>(2 * k2max + 1);
  scratch_runs_.resize(2 * static_cast<std::size_t>(nb2) * run_capacity);
  scratch_run_counts_.assign(2 * static_cast<std::size_t>(nb2), 0);
  for (std::int32_t b = 0; b < nb2; ++b) {
    for (std::size_t set = 0; set < 2; ++set) {
      const std::size_t row = 2 * static_cast<std::size_t>(b) + set;
      std::array<std::int32_t, 3>* runs = scratch_runs_.data() + row * run_capacity;
      std::int32_t count = 0;
      for (std::int32_t k = set == 0 ? -k2max : 0; k <= k2max; ++k) {
        const std::int32_t ext = b + k;
        std::int32_t bin = ext, m = 0;
        if (pbc[2]) {
          m = floor_div(ext, nb2);
          bin = ext - m * nb2;
        } else if (ext < 0 || ext >= nb2) {
          continue;
        }
        if (count > 0 && runs[count - 1][2] == m && runs[count - 1][1] + 1 == bin) {
          runs[count - 1][1] = bin;
        } else {
          runs[count++] = {bin, bin, m};
        }
      }
      scratch_run_counts_[row] = count;
    }
  }

  // --- 4. The search, chunk by chunk. -----------------------------------------------------
  const int max_threads = omp_get_max_threads();
  const std::size_t num_chunks =
      std::clamp<std::size_t>(num / 128, 1, static_cast<std::size_t>(8 * std::max(1, max_threads)));
  if (scratch_chunks_.size() < num_chunks) scratch_chunks_.resize(num_chunks);
  const std::int64_t* wrap_keys = scratch_binned_wrap_keys_.data();
  const std::int32_t* cell_atoms = scratch_cell_atoms_.data();
  const std::int32_t* cell_start = scratch_cell_start_.data();
  const std::int32_t stride1 = bins[2], stride0 = bins[1] * bins[2];
  const std::size_t max_run = std::min(num, run_capacity * max_occupancy);

#pragma omp parallel for schedule(dynamic, 1) if (num_chunks > 1)
  for (std::size_t c = 0; c < num_chunks; ++c) {
    Chunk& chunk = scratch_chunks_[c];
    chunk.neighbors.clear();
    chunk.local_shifts.clear();
    chunk.keys.clear();
    chunk.slots.assign(std::max(kInitialSlots, chunk.slots.size()), -1);
    chunk.hits.resize(max_run);
    chunk.distances.resize(max_run);
    std::int32_t* const hits = chunk.hits.data();
    double* const d2 = chunk.distances.data();
    std::int64_t memo_key = -1;
    std::int32_t memo_index = -1;

    // Partners among slots [lo, hi) seen through image shift offset q (d = x'_j + q), whose
    // packed shift before the partner's own wrap is key_m.
    auto scan = [&](std::int32_t lo, std::int32_t hi, double qx, double qy, double qz, std::int64_t key_m) {
      const std::int32_t len = hi - lo;
      const double* const xs = px + lo;
      const double* const ys = py + lo;
      const double* const zs = pz + lo;
      // Squared distances first (a plain loop over contiguous arrays, vectorised), then a
      // branch-free compaction: every slot is written and the count advances only for those in
      // range, so the mostly rejected candidates cost no branch mispredictions.
#pragma omp simd
      for (std::int32_t t = 0; t < len; ++t) {
        const double dx = xs[t] + qx, dy = ys[t] + qy, dz = zs[t] + qz;
        d2[t] = dx * dx + dy * dy + dz * dz;
      }
      std::int32_t num_hits = 0;
      for (std::int32_t t = 0; t < len; ++t) {
        hits[num_hits] = lo + t;
        num_hits += d2[t] < range2 ? 1 : 0;
      }
      for (std::int32_t h_index = 0; h_index < num_hits; ++h_index) {
        const std::int32_t s = hits[h_index];
        const std::int64_t key = key_m - wrap_keys[s];
        if (key != memo_key) {
          memo_key = key;
          memo_index = local_shift_index(chunk.keys, chunk.slots, key);
        }
        chunk.neighbors.push_back(cell_atoms[s]);
        chunk.local_shifts.push_back(memo_index);
      }
    };

    const std::size_t first = c * num / num_chunks, last = (c + 1) * num / num_chunks;
    for (std::size_t i = first; i < last; ++i) {
      const auto slot_i = static_cast<std::int32_t>(scratch_slot_of_[i]);
      const double xi = px[slot_i], yi = py[slot_i], zi = pz[slot_i];
      const std::int64_t base_key = kZeroKey + wrap_keys[slot_i];
      const std::int32_t cell_i = scratch_cell_of_[i];
      const std::int32_t b0 = cell_i / stride0, b1 = (cell_i / stride1) % bins[1], b2 = cell_i % bins[2];
      const std::size_t count_before = chunk.neighbors.size();
      for (std::int32_t k0 = is_half ? 0 : -reach[0]; k0 <= reach[0]; ++k0) {
        const auto e0 = scratch_stencil_[0][static_cast<std::size_t>(b0 * (2 * reach[0] + 1) + k0 + reach[0])];
        if (e0[0] < 0) continue;
        for (std::int32_t k1 = (is_half && k0 == 0) ? 0 : -reach[1]; k1 <= reach[1]; ++k1) {
          const auto e1 = scratch_stencil_[1][static_cast<std::size_t>(b1 * (2 * reach[1] + 1) + k1 + reach[1])];
          if (e1[0] < 0) continue;
          // The centre row (own bin and image on axes 0 and 1) holds atom i itself. A half list
          // scans it from k2 = 0 on and, in the own bin, only slots after i's: the reverse of a
          // pair at offset k is at -k, and within the own bin the lower slot keeps the pair.
          const bool is_center_row = k0 == 0 && k1 == 0;
          const std::size_t row = 2 * static_cast<std::size_t>(b2) + (is_half && is_center_row ? 1 : 0);
          const std::array<std::int32_t, 3>* runs = scratch_runs_.data() + row * run_capacity;
          const std::int32_t num_runs = scratch_run_counts_[row];
          const std::int32_t row_bin = e0[0] * stride0 + e1[0] * stride1;
          const Vec3 o01 = double(e0[1]) * a0 + double(e1[1]) * a1;
          const std::int64_t key01 = base_key + pack(e0[1], e1[1], 0);
          for (std::int32_t r = 0; r < num_runs; ++r) {
            const auto& run = runs[r];
            // d = x'_j + m·H - x'_i = x'_j + q.
            const Vec3 o = o01 + double(run[2]) * a2;
            const double qx = o[0] - xi, qy = o[1] - yi, qz = o[2] - zi;
            const std::int64_t key_m = key01 + run[2];
            std::int32_t lo = cell_start[row_bin + run[0]];
            const std::int32_t hi = cell_start[row_bin + run[1] + 1];
            if (is_center_row && run[2] == 0 && run[0] <= b2 && b2 <= run[1]) {
              if (is_half) {
                lo = slot_i + 1;
              } else {
                scan(lo, slot_i, qx, qy, qz, key_m);
                lo = slot_i + 1;
              }
            }
            scan(lo, hi, qx, qy, qz, key_m);
          }
        }
      }
      offsets_[i + 1] = chunk.neighbors.size() - count_before;
    }
  }

  // --- 5. Shift table: every key of every chunk, sorted, with (0,0,0) first. ----------------
  scratch_keys_.clear();
  scratch_keys_.push_back(kZeroKey);
  for (std::size_t c = 0; c < num_chunks; ++c) {
    scratch_keys_.insert(scratch_keys_.end(), scratch_chunks_[c].keys.begin(), scratch_chunks_[c].keys.end());
  }
  std::sort(scratch_keys_.begin(), scratch_keys_.end());
  scratch_keys_.erase(std::unique(scratch_keys_.begin(), scratch_keys_.end()), scratch_keys_.end());
  if (scratch_keys_.size() > kMaxShifts) {
    throw SimulationError("neighbor list: " + std::to_string(scratch_keys_.size()) +
                          " distinct periodic image shifts, more than the " + std::to_string(kMaxShifts) +
                          " supported; atoms have drifted very far apart in unwrapped coordinates "
                          "(wrap the positions into the cell)");
  }
  const auto zero_pos = static_cast<std::size_t>(
      std::lower_bound(scratch_keys_.begin(), scratch_keys_.end(), kZeroKey) - scratch_keys_.begin());
  shift_table_.resize(scratch_keys_.size());
  shift_table_[0] = {0, 0, 0};
  double max_norm2 = 0.0;
  for (std::size_t p = 0, id = 1; p < scratch_keys_.size(); ++p) {
    if (p == zero_pos) continue;
    const auto n = unpack(scratch_keys_[p]);
    shift_table_[id++] = n;
    max_norm2 = std::max(max_norm2, static_cast<double>(n[0]) * n[0] + static_cast<double>(n[1]) * n[1] +
                                        static_cast<double>(n[2]) * n[2]);
  }
  max_shift_ = static_cast<int>(std::ceil(std::sqrt(max_norm2)));
  for (std::size_t c = 0; c < num_chunks; ++c) {
    Chunk& chunk = scratch_chunks_[c];
    chunk.remap.resize(chunk.keys.size());
    for (std::size_t l = 0; l < chunk.keys.size(); ++l) {
      const auto p = static_cast<std::size_t>(
          std::lower_bound(scratch_keys_.begin(), scratch_keys_.end(), chunk.keys[l]) - scratch_keys_.begin());
      chunk.remap[l] = static_cast<std::uint32_t>(p == zero_pos ? 0 : (p < zero_pos ? p + 1 : p));
    }
  }

  // --- 6. CSR offsets and the copy of each chunk to its place. -------------------------------
  for (std::size_t i = 0; i < num; ++i) offsets_[i + 1] += offsets_[i];
  neighbors_.resize(offsets_[num]);
  shift_ids_.resize(offsets_[num]);
#pragma omp parallel for schedule(dynamic, 1) if (num_chunks > 1)
  for (std::size_t c = 0; c < num_chunks; ++c) {
    const Chunk& chunk = scratch_chunks_[c];
    const std::size_t dst = offsets_[c * num / num_chunks];
    const std::size_t count = chunk.neighbors.size();
    if (count > 0) std::memcpy(neighbors_.data() + dst, chunk.neighbors.data(), count * sizeof(std::int32_t));
    std::uint32_t* ids = shift_ids_.data() + dst;
    for (std::size_t p = 0; p < count; ++p) ids[p] = chunk.remap[static_cast<std::size_t>(chunk.local_shifts[p])];
  }

  built_positions_.assign(x.begin(), x.end());
  built_cell_ = h;
  built_pbc_ = pbc;
  built_topology_ = system.topology_version();
  built_ = true;
  ++build_count_;
}

}  // namespace ioncycle::core
