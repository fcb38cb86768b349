// SPDX-License-Identifier: MIT
#include "core/geometry.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <vector>

#include "core/elements.hpp"

namespace ioncycle::core {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
// 1 amu/Å³ in g/cm³: 1.66053906660e-24 g / 1e-24 cm³ (CODATA 2018 atomic mass constant).
constexpr double kAmuPerA3InGPerCm3 = 1.66053906660;

struct Bins {
  std::array<int, 3> n{1, 1, 1};
  Vec3 lo = Vec3::Zero();
  Vec3 width = Vec3::Ones();
};

}  // namespace

std::string chemical_formula(const System& system) {
  std::map<std::string, std::size_t> counts;
  for (const int z : system.atomic_numbers()) ++counts[std::string(symbol(z))];
  std::string out;
  auto emit = [&](const std::string& s) {
    const auto it = counts.find(s);
    if (it == counts.end()) return;
    out += s;
    if (it->second != 1) out += std::to_string(it->second);
    counts.erase(it);
  };
  if (counts.count("C")) {
    emit("C");
    emit("H");
  }
  while (!counts.empty()) emit(counts.begin()->first);
  return out;
}

double density_g_per_cm3(const System& system) {
  const double v = system.cell().volume();
  return v > 0.0 ? system.total_mass() * kAmuPerA3InGPerCm3 / v : 0.0;
}

double shortest_lattice_vector(const Cell& cell) {
  if (!cell.any_periodic()) return kInf;
  // The shortest translation is among small integer combinations after a minimum-image reduction
  // of each periodic vector against the others; searching n in [-2, 2]^3 and reducing with the
  // exact minimum_image covers every cell.
  double best = kInf;
  for (int i = -2; i <= 2; ++i) {
    for (int j = -2; j <= 2; ++j) {
      for (int k = -2; k <= 2; ++k) {
        if ((i == 0 && j == 0 && k == 0) || (!cell.periodic(0) && i) || (!cell.periodic(1) && j) ||
            (!cell.periodic(2) && k)) {
          continue;
        }
        const Vec3 t = i * cell.vector(0) + j * cell.vector(1) + k * cell.vector(2);
        best = std::min(best, t.norm());
      }
    }
  }
  return best;
}

ClosestPair closest_pair(const System& system) {
  ClosestPair best{kInf, 0, 0};
  const std::size_t n = system.num_atoms();
  if (n < 2) return best;
  const Cell& cell = system.cell();
  const auto pos = system.positions();

  // Coordinates used for binning: fractional on periodic axes (wrapped to [0,1)), and for
  // non-periodic axes the fractional coordinate too when a lattice exists, else Cartesian.
  const bool frac = cell.has_lattice();
  std::vector<Vec3> u(n);
  for (std::size_t a = 0; a < n; ++a) {
    u[a] = frac ? cell.to_fractional(pos[a]) : pos[a];
    for (int d = 0; d < 3; ++d) {
      if (cell.periodic(d)) u[a][d] -= std::floor(u[a][d]);
    }
  }
  Vec3 lo = Vec3::Constant(kInf), hi = Vec3::Constant(-kInf);
  for (const auto& x : u) {
    lo = lo.cwiseMin(x);
    hi = hi.cwiseMax(x);
  }
  // Physical extent per unit of binning coordinate: the plane spacing for fractional axes.
  const Vec3 scale = frac ? cell.heights() : Vec3::Ones();
  for (int d = 0; d < 3; ++d) {
    if (cell.periodic(d)) {
      lo[d] = 0.0;
      hi[d] = 1.0;
    }
  }

  double r = 2.0;  // Å, first guess; typical bonds are shorter
  const double span = ((hi - lo).cwiseProduct(scale)).norm() + 1.0;
  for (;;) {
    Bins bins;
    for (int d = 0; d < 3; ++d) {
      const double extent = std::max((hi[d] - lo[d]) * scale[d], 1e-12);
      // Bins at least r wide in physical distance; at most ~N^(1/3)*4 per axis to bound memory.
      const double cap = std::max(1.0, 4.0 * std::cbrt(static_cast<double>(n)));
      bins.n[static_cast<std::size_t>(d)] = static_cast<int>(std::clamp(std::floor(extent / r), 1.0, cap));
      bins.lo[d] = lo[d];
      bins.width[d] = (hi[d] - lo[d]) / bins.n[static_cast<std::size_t>(d)];
      if (bins.width[d] <= 0.0) bins.width[d] = 1.0;
    }
    const auto nb = static_cast<std::size_t>(bins.n[0]) * static_cast<std::size_t>(bins.n[1]) *
                    static_cast<std::size_t>(bins.n[2]);
    std::vector<std::vector<std::size_t>> members(nb);
    std::vector<std::array<int, 3>> where(n);
    for (std::size_t a = 0; a < n; ++a) {
      for (int d = 0; d < 3; ++d) {
        int b = static_cast<int>(std::floor((u[a][d] - bins.lo[d]) / bins.width[d]));
        where[a][static_cast<std::size_t>(d)] = std::clamp(b, 0, bins.n[static_cast<std::size_t>(d)] - 1);
      }
      const auto& w = where[a];
      members[(static_cast<std::size_t>(w[0]) * static_cast<std::size_t>(bins.n[1]) + static_cast<std::size_t>(w[1])) *
                  static_cast<std::size_t>(bins.n[2]) + static_cast<std::size_t>(w[2])]
          .push_back(a);
    }
    ClosestPair found{kInf, 0, 0};
#pragma omp parallel
    {
      ClosestPair local{kInf, 0, 0};
#pragma omp for schedule(dynamic, 64)
      for (std::size_t a = 0; a < n; ++a) {
        // Distinct neighbouring bins (offsets -1..1, wrapped on periodic axes, deduplicated when an
        // axis has fewer than three bins).
        std::array<std::vector<int>, 3> cand;
        for (int d = 0; d < 3; ++d) {
          const int nd = bins.n[static_cast<std::size_t>(d)];
          for (int o = -1; o <= 1; ++o) {
            int b = where[a][static_cast<std::size_t>(d)] + o;
            if (cell.periodic(d)) b = ((b % nd) + nd) % nd;
            else if (b < 0 || b >= nd) continue;
            auto& c = cand[static_cast<std::size_t>(d)];
            if (std::find(c.begin(), c.end(), b) == c.end()) c.push_back(b);
          }
        }
        for (const int bx : cand[0]) {
          for (const int by : cand[1]) {
            for (const int bz : cand[2]) {
              const auto& m = members[(static_cast<std::size_t>(bx) * static_cast<std::size_t>(bins.n[1]) +
                                       static_cast<std::size_t>(by)) * static_cast<std::size_t>(bins.n[2]) +
                                      static_cast<std::size_t>(bz)];
              for (const std::size_t b : m) {
                if (b <= a) continue;
                const double dist = cell.minimum_image(pos[b] - pos[a]).norm();
                if (dist < local.distance) local = {dist, a, b};
              }
            }
          }
        }
      }
#pragma omp critical
      {
        if (local.distance < found.distance ||
            (local.distance == found.distance && std::make_pair(local.i, local.j) < std::make_pair(found.i, found.j))) {
          found = local;
        }
      }
    }
    // Every pair closer than r sits in neighbouring bins (bins are >= r wide), so a result below
    // r is the global minimum. Otherwise grow r; once bins cover everything the search is exact.
    bool exhaustive = true;  // every bin is a neighbour of every other on all axes
    for (int d = 0; d < 3; ++d) {
      exhaustive = exhaustive && bins.n[static_cast<std::size_t>(d)] <= (cell.periodic(d) ? 3 : 2);
    }
    if (found.distance < r || exhaustive || r > span) return found;
    r *= 2.0;
  }
}

}  // namespace ioncycle::core
