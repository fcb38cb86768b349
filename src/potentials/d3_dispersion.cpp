// SPDX-License-Identifier: MIT
#include "potentials/d3_dispersion.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>

#include "core/content_hash.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/strings.hpp"

namespace ioncycle::potentials {

namespace {

using core::Mat3;
using core::Vec3;

// Grimme 2010: steepness of the CN counting function (Eq. 15) and of the Gaussian weights of the
// reference C6 (Eq. 16, k3 = 4 with the minus sign written out).
constexpr double kK1 = 16.0;
constexpr double kK3 = 4.0;

// Two atoms closer than this (Å²) are one point: their pair is skipped, as simple-dftd3 skips
// r² < machine epsilon (in Bohr²). It also removes the i == j, T = 0 term.
constexpr double kMinDistance2 = 1e-12;

// Integer bounds of the image loops are widened by this much (in lattice units) so that rounding
// in a bound never drops an image; the sums test |d|² <= rc² themselves.
constexpr double kBoundSlack = 1e-9;

// Pairs are matched against the translation list up to this much beyond the exact reach
// |T| <= radius + |d0| (Å), against rounding in the sorted norms.
constexpr double kReachSlack = 1e-9;

// Below this many image candidates per evaluation (pairs x translations) the loops run on one
// thread: a few hundred microseconds of work do not pay for waking a team, and on a busy
// machine a barrier can cost a scheduler time slice.
constexpr double kMinWorkForThreads = 2e5;

// Resolution (Å) of the tables of how many translations a pair needs: |d0| is rounded up to a
// multiple of it, so a pair gets at most a shell this thick of extra (masked) candidates.
constexpr double kCountStep = 0.05;

// Skin of the neighbor lists of the list path (Å): the lists are rebuilt when an atom has moved
// half of it.
constexpr double kListSkin = 1.0;

// floor and ceil of small numbers without a libm call (the Release flags target plain x86-64,
// where std::floor is not one instruction); the values are far inside the int range.
int floor_int(double x) {
  const int i = static_cast<int>(x);
  return i - (x < static_cast<double>(i) ? 1 : 0);
}
int ceil_int(double x) {
  const int i = static_cast<int>(x);
  return i + (x > static_cast<double>(i) ? 1 : 0);
}

void ensure_size(D3Dispersion::VectorColumns& v, std::size_t n) {
  if (n <= v.x.size()) return;
  const std::size_t grown = std::max<std::size_t>({64, n, 2 * v.x.size()});
  v.x.resize(grown);
  v.y.resize(grown);
  v.z.resize(grown);
  v.w.resize(grown);
}

// Store every lattice image d = d0 + n·H (n integer on periodic axes, 0 elsewhere) with |d| <=
// rc, and possibly a few just outside (the sums test |d|² <= rc²), in a fixed order, column-wise
// with w = |d|². The outer axis is bounded by the distance to the lattice plane of the other two,
// the middle one by where its line (projected normal to the inner axis) meets the sphere, and
// the inner one by the intersection of its line with the sphere. The arrays only grow.
void collect_images(const D3Dispersion::ImageGeometry& g, const Vec3& d0, double rc, D3Dispersion::VectorColumns& out) {
  const double rc2 = rc * rc;
  std::size_t count = 0;
  int outer_lo = 0;
  int outer_hi = 0;
  if (g.has_outer) {
    const double s = d0.dot(g.outer_reciprocal);
    const double reach = rc * g.outer_reciprocal_norm;
    outer_lo = ceil_int(-reach - s - kBoundSlack);
    outer_hi = floor_int(reach - s + kBoundSlack);
  }
  for (int no = outer_lo; no <= outer_hi; ++no) {
    const Vec3 w = d0 + static_cast<double>(no) * g.outer;
    int middle_lo = 0;
    int middle_hi = 0;
    if (g.has_middle) {
      // |w⊥ + t m⊥|² <= rc² with ⊥ the part normal to the inner axis.
      const Vec3 wp = w - w.dot(g.inner_unit) * g.inner_unit;
      const double b = wp.dot(g.middle_perp);
      const double disc = b * b - g.middle_perp_norm2 * (wp.squaredNorm() - rc2);
      if (disc < 0.0) continue;
      const double root = std::sqrt(disc);
      middle_lo = ceil_int((-b - root) * g.middle_perp_inv_norm2 - kBoundSlack);
      middle_hi = floor_int((-b + root) * g.middle_perp_inv_norm2 + kBoundSlack);
    }
    for (int nm = middle_lo; nm <= middle_hi; ++nm) {
      const Vec3 v = w + static_cast<double>(nm) * g.middle;
      int inner_lo = 0;
      int inner_hi = 0;
      if (g.has_inner) {
        // |v + t c|² <= rc².
        const double b = v.dot(g.inner);
        const double disc = b * b - g.inner_norm2 * (v.squaredNorm() - rc2);
        if (disc < 0.0) continue;
        const double root = std::sqrt(disc);
        inner_lo = ceil_int((-b - root) * g.inner_inv_norm2 - kBoundSlack);
        inner_hi = floor_int((-b + root) * g.inner_inv_norm2 + kBoundSlack);
      }
      if (inner_hi < inner_lo) continue;
      const std::size_t run = static_cast<std::size_t>(inner_hi - inner_lo + 1);
      ensure_size(out, count + run);
      for (std::size_t k = 0; k < run; ++k) {
        const Vec3 d = v + (static_cast<double>(inner_lo) + static_cast<double>(k)) * g.inner;
        out.x[count + k] = d[0];
        out.y[count + k] = d[1];
        out.z[count + k] = d[2];
        out.w[count + k] = d.squaredNorm();
      }
      count += run;
    }
  }
  out.size = count;
}

// Accumulate a symmetric d ⊗ d scaled by s into xx yy zz xy xz yz.
inline void add_outer(std::array<double, 6>& m, double x, double y, double z, double s) {
  m[0] += s * x * x;
  m[1] += s * y * y;
  m[2] += s * z * z;
  m[3] += s * x * y;
  m[4] += s * x * z;
  m[5] += s * y * z;
}

// The sums over the images of one pair, d_k = o + t_k for k < num, masked to kMinDistance2 <
// r² <= rc² (a 0/1 factor keeps the loops branch-free, so they vectorize):
//   g = Σ s6/(r⁶ + R0⁶) + s8 (C8/C6)/(r⁸ + R0⁸),
//   h = (1/r) dg/dr = -6 s6 r⁴/(r⁶ + R0⁶)² - 8 s8 (C8/C6) r⁶/(r⁸ + R0⁸)²,  Σ h d,  Σ h d ⊗ d.
// One division per image: 1/(r⁶ + R0⁶) = (r⁸ + R0⁸) q and 1/(r⁸ + R0⁸) = (r⁶ + R0⁶) q with
// q = 1/((r⁶ + R0⁶)(r⁸ + R0⁸)). With GCC on x86-64 each also gets an AVX2/FMA (x86-64-v3) clone
// that the loader picks where the CPU has it (the Release flags target baseline x86-64 with
// 2-wide SSE2 vectors); the two differ only in rounding (~1e-16 relative).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define IONCYCLE_D3_KERNEL __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define IONCYCLE_D3_KERNEL
#endif

struct DispersionSums {
  double g = 0.0;
  double hx = 0.0, hy = 0.0, hz = 0.0;
  double hxx = 0.0, hyy = 0.0, hzz = 0.0, hxy = 0.0, hxz = 0.0, hyz = 0.0;
};

struct DampingConstants {
  double s6, r0_6, r0_8, s8_c8;
};

IONCYCLE_D3_KERNEL
double dispersion_energy_sum(double ox, double oy, double oz, const double* tx, const double* ty, const double* tz,
                             std::size_t num, double rc2, DampingConstants c) {
  double g = 0.0;
#pragma omp simd reduction(+ : g)
  for (std::size_t k = 0; k < num; ++k) {
    const double x = ox + tx[k];
    const double y = oy + ty[k];
    const double z = oz + tz[k];
    const double r2 = x * x + y * y + z * z;
    const double keep = (r2 <= rc2 && r2 > kMinDistance2) ? 1.0 : 0.0;
    const double r6 = r2 * r2 * r2;
    const double a6 = r6 + c.r0_6;
    const double a8 = r6 * r2 + c.r0_8;
    g += keep * (c.s6 * a8 + c.s8_c8 * a6) / (a6 * a8);
  }
  return g;
}

IONCYCLE_D3_KERNEL
DispersionSums dispersion_gradient_sums(double ox, double oy, double oz, const double* tx, const double* ty,
                                        const double* tz, std::size_t num, double rc2, DampingConstants c) {
  double g = 0.0;
  double hx = 0.0, hy = 0.0, hz = 0.0;
  double hxx = 0.0, hyy = 0.0, hzz = 0.0, hxy = 0.0, hxz = 0.0, hyz = 0.0;
#pragma omp simd reduction(+ : g, hx, hy, hz, hxx, hyy, hzz, hxy, hxz, hyz)
  for (std::size_t k = 0; k < num; ++k) {
    const double x = ox + tx[k];
    const double y = oy + ty[k];
    const double z = oz + tz[k];
    const double r2 = x * x + y * y + z * z;
    const double keep = (r2 <= rc2 && r2 > kMinDistance2) ? 1.0 : 0.0;
    const double r4 = r2 * r2;
    const double r6 = r4 * r2;
    const double r8 = r6 * r2;
    const double a6 = r6 + c.r0_6;
    const double a8 = r8 + c.r0_8;
    const double q = keep / (a6 * a8);
    const double t6 = a8 * q;
    const double t8 = a6 * q;
    g += c.s6 * t6 + c.s8_c8 * t8;
    const double h = -6.0 * c.s6 * r4 * t6 * t6 - 8.0 * c.s8_c8 * r6 * t8 * t8;
    hx += h * x;
    hy += h * y;
    hz += h * z;
    hxx += h * x * x;
    hyy += h * y * y;
    hzz += h * z * z;
    hxy += h * x * y;
    hxz += h * x * z;
    hyz += h * y * z;
  }
  return {g, hx, hy, hz, hxx, hyy, hzz, hxy, hxz, hyz};
}

// One segment of an atom's row of the dispersion neighbor list (list path): the entries whose
// neighbor has one element, vectorized over the entries. The pair vectors are formed from the
// position and shift columns and masked to kMinDistance2 < r² <= rc² (a skin list holds entries
// beyond the cutoff); C6 and its CN derivatives come from the per-atom vectors of
// prepare_c6_vectors, u_i^e for the segment's element (the same for every entry, as are the
// damping constants: rows are sorted by element so that only the neighbor's own data is
// gathered), and the damped sums are those of dispersion_gradient_sums. Atom i's own sums are
// returned; what goes to the neighbors is written per entry for a scalar scatter loop (the only
// part that cannot be vectorized).
constexpr std::size_t kRowRefs = D3Table::kMaxRefs;

struct DispersionSegment {
  std::size_t i = 0;
  double xi = 0.0, yi = 0.0, zi = 0.0;
  const std::int32_t* neighbors = nullptr;
  const std::uint32_t* shifts = nullptr;
  std::size_t count = 0;
  const double *px = nullptr, *py = nullptr, *pz = nullptr;  // positions
  const double *sx = nullptr, *sy = nullptr, *sz = nullptr;  // Cartesian shifts
  const double* w = nullptr;                                 // per atom, kRefs reference weights
  std::array<double, kRowRefs> u{}, du{};                    // u_i^e and du_i^e of the segment's element
  double r0_6 = 0.0, r0_8 = 0.0, s8_c8 = 0.0;                // damping constants of Z_i with it
  double rc2 = 0.0, s6 = 0.0;
};

struct DispersionRowSums {
  double energy = 0.0;
  double dedcn_i = 0.0;
  double fx = 0.0, fy = 0.0, fz = 0.0;
  double vxx = 0.0, vyy = 0.0, vzz = 0.0, vxy = 0.0, vxz = 0.0, vyz = 0.0;
};

IONCYCLE_D3_KERNEL
DispersionRowSums dispersion_segment(const DispersionSegment& in, double* __restrict out_ch, double* __restrict out_x,
                                     double* __restrict out_y, double* __restrict out_z, double* __restrict out_g,
                                     double* __restrict out_energy) {
  double energy = 0.0, dedcn_i = 0.0;
  // Everything the loop reads in locals: the outputs might otherwise alias `in`, and the loop
  // would not vectorize.
  const double xi = in.xi, yi = in.yi, zi = in.zi, rc2 = in.rc2, s6 = in.s6;
  const double r0_6 = in.r0_6, r0_8 = in.r0_8, s8_c8 = in.s8_c8;
  const double u0 = in.u[0], u1 = in.u[1], u2 = in.u[2], u3 = in.u[3], u4 = in.u[4];
  const double du0 = in.du[0], du1 = in.du[1], du2 = in.du[2], du3 = in.du[3], du4 = in.du[4];
  static_assert(kRowRefs == 5, "the segment kernel is written out for five reference C6 per element");
  const std::int32_t* __restrict neighbors = in.neighbors;
  const std::uint32_t* __restrict shifts = in.shifts;
  const double* __restrict px = in.px;
  const double* __restrict py = in.py;
  const double* __restrict pz = in.pz;
  const double* __restrict sx = in.sx;
  const double* __restrict sy = in.sy;
  const double* __restrict sz = in.sz;
  const double* __restrict w = in.w;
  const std::size_t count = in.count;
#pragma omp simd reduction(+ : energy, dedcn_i)
  for (std::size_t k = 0; k < count; ++k) {
    const std::int32_t j = neighbors[k];
    const std::uint32_t s = shifts[k];
    const double x = px[j] - xi + sx[s];
    const double y = py[j] - yi + sy[s];
    const double z = pz[j] - zi + sz[s];
    const double r2 = x * x + y * y + z * z;
    const double keep = (r2 <= rc2 && r2 > kMinDistance2) ? 1.0 : 0.0;
    // (Indexed as w[at + b], not through a pointer: GCC vectorizes only this form.)
    const std::size_t at = static_cast<std::size_t>(j) * kRowRefs;
    const double w0 = w[at], w1 = w[at + 1], w2 = w[at + 2], w3 = w[at + 3], w4 = w[at + 4];
    const double c6 = u0 * w0 + u1 * w1 + u2 * w2 + u3 * w3 + u4 * w4;
    const double dc6_i = du0 * w0 + du1 * w1 + du2 * w2 + du3 * w3 + du4 * w4;
    // Grimme, Ehrlich, Goerigk 2011, Eq. 5 with one division, as dispersion_gradient_sums().
    const double r4 = r2 * r2;
    const double r6 = r4 * r2;
    const double a6 = r6 + r0_6;
    const double a8 = r6 * r2 + r0_8;
    const double q = keep / (a6 * a8);
    const double t6 = a8 * q;
    const double t8 = a6 * q;
    const double g = s6 * t6 + s8_c8 * t8;
    const double pair_energy = -c6 * g;
    energy += pair_energy;
    dedcn_i -= dc6_i * g;
    // h = (1/r) dg/dr; force on j: C6 h d (see dispersion_segment_forces).
    const double h = -6.0 * s6 * r4 * t6 * t6 - 8.0 * s8_c8 * r6 * t8 * t8;
    out_ch[k] = c6 * h;
    out_x[k] = x;
    out_y[k] = y;
    out_z[k] = z;
    out_g[k] = g;
    out_energy[k] = pair_energy;
  }
  DispersionRowSums sums;
  sums.energy = energy;
  sums.dedcn_i = dedcn_i;
  return sums;
}

// Atom i's force and the virial of a segment from the kernel's outputs, in a second loop over
// contiguous arrays (kept out of dispersion_segment, whose registers are full): force on j
// C6 h d, W += C6 h d ⊗ d. A self-image entry (j == i) stands for the images n and -n: no force,
// but its virial.
IONCYCLE_D3_KERNEL
void dispersion_segment_forces(std::int32_t self, const std::int32_t* __restrict neighbors, std::size_t count,
                               const double* __restrict ch, const double* __restrict dx,
                               const double* __restrict dy, const double* __restrict dz, DispersionRowSums& out) {
  double fx = 0.0, fy = 0.0, fz = 0.0;
  double vxx = 0.0, vyy = 0.0, vzz = 0.0, vxy = 0.0, vxz = 0.0, vyz = 0.0;
#pragma omp simd reduction(+ : fx, fy, fz, vxx, vyy, vzz, vxy, vxz, vyz)
  for (std::size_t k = 0; k < count; ++k) {
    const double c = ch[k];
    const double x = dx[k], y = dy[k], z = dz[k];
    const double cf = (neighbors[k] == self) ? 0.0 : c;
    fx -= cf * x;
    fy -= cf * y;
    fz -= cf * z;
    vxx += c * x * x;
    vyy += c * y * y;
    vzz += c * z * z;
    vxy += c * x * y;
    vxz += c * x * z;
    vyz += c * y * z;
  }
  out.fx = fx;
  out.fy = fy;
  out.fz = fz;
  out.vxx = vxx;
  out.vyy = vyy;
  out.vzz = vzz;
  out.vxy = vxy;
  out.vxz = vxz;
  out.vyz = vyz;
}

// exp(x) for x >= -700 (smaller x are taken as -700: exp is then ~1e-304, zero for the counting
// function), written without branches and library calls so that loops over it vectorize (glibc's
// vector exp needs -ffast-math). exp(x) = 2^n e^r with n = round(x / ln 2), r = x - n ln 2
// (Cody–Waite: ln 2 in two parts, so n·ln2_hi is exact), e^r by its Taylor series to r^13
// (|r| <= ln 2 / 2: truncation < 1e-17 relative), 2^n assembled in the exponent bits. Within
// 1 ulp of std::exp over [-700, 700] (2.2e-16 relative at worst, measured).
[[gnu::always_inline]] inline double exp_vectorizable(double x) {
  const double below = x < -700.0 ? 1.0 : 0.0;
  x += below * (-700.0 - x);
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2Hi = 0.6931471803691238;
  constexpr double kLn2Lo = 1.9082149292705877e-10;
  constexpr double kRound = 6755399441055744.0;  // 1.5 · 2^52: adding it rounds to an integer
  const double t = x * kLog2e + kRound;
  const double n = t - kRound;
  const std::int64_t ni = std::bit_cast<std::int64_t>(t) - std::bit_cast<std::int64_t>(kRound);
  const double r = (x - n * kLn2Hi) - n * kLn2Lo;
  double p = 1.0 / 6227020800.0;  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  return p * std::bit_cast<double>((ni + 1023) << 52);
}

// The counting function of one atom's CN entries in range (compacted by
// list_coordination_numbers_pass), vectorized: f = 1/(1 + exp(-k1 (Rcov/r - 1))) into out_f and
// f'(r)/r into out_dfr; returns Σ f.
IONCYCLE_D3_KERNEL
double cn_counting_row(const std::int32_t* __restrict neighbors, const double* __restrict r2s, std::size_t count,
                       const std::uint32_t* __restrict element, const double* __restrict rcov_of,
                       double* __restrict out_f, double* __restrict out_dfr) {
  double sum = 0.0;
#pragma omp simd reduction(+ : sum)
  for (std::size_t k = 0; k < count; ++k) {
    const double r2 = r2s[k];
    const double rcov = rcov_of[element[neighbors[k]]];
    const double r = std::sqrt(r2);
    const double ex = exp_vectorizable(-kK1 * (rcov / r - 1.0));
    const double f = 1.0 / (1.0 + ex);
    out_f[k] = f;
    out_dfr[k] = -f * f * ex * kK1 * rcov / (r2 * r);
    sum += f;
  }
  return sum;
}

void check_finite_positive(double value, const char* what) {
  if (!std::isfinite(value) || !(value > 0.0)) {
    throw InputError(std::string("the D3 ") + what + " must be a positive length (got " + core::format_double(value) +
                         " A)",
                     "the defaults are 9 A for the dispersion and 6 A for CN (with the tail correction); the "
                     "reference values of torch-dftd and VASP are 95 Bohr (50.27 A) and 40 Bohr (21.17 A)");
  }
}

}  // namespace

D3Dispersion::D3Dispersion() : D3Dispersion(D3Settings{}) {}

D3Dispersion::D3Dispersion(const D3Settings& settings)
    : cutoff_(settings.cutoff), cn_cutoff_(settings.cn_cutoff), tail_correction_(settings.tail_correction) {
  check_finite_positive(cutoff_, "cutoff");
  check_finite_positive(cn_cutoff_, "CN cutoff");
  list_ = core::NeighborList(core::NeighborOptions{cutoff_, kListSkin, core::NeighborKind::half});
  cn_list_ = core::NeighborList(core::NeighborOptions{cn_cutoff_, kListSkin, core::NeighborKind::half});
  damping_ = settings.damping ? *settings.damping : d3_damping(settings.functional);
  {
    const D3Damping& d = damping_;
    const bool finite = std::isfinite(d.s6) && std::isfinite(d.a1) && std::isfinite(d.s8) && std::isfinite(d.a2);
    if (!finite || d.s6 < 0.0 || d.a1 < 0.0 || d.s8 < 0.0 || d.a2 < 0.0 || !(d.a1 > 0.0 || d.a2 > 0.0)) {
      throw InputError("invalid D3(BJ) parameters s6 = " + core::format_double(d.s6) + ", a1 = " +
                           core::format_double(d.a1) + ", s8 = " + core::format_double(d.s8) +
                           ", a2 = " + core::format_double(d.a2),
                       "s6, a1, s8 and a2 (Bohr) must be finite and non-negative, and a1 or a2 positive; "
                       "PBE: s6 = 1, a1 = 0.4289, s8 = 0.7875, a2 = 4.4407");
    }
  }

  table_path_ = settings.table_path.empty() ? default_d3_table_path() : settings.table_path;
  if (table_path_.empty()) {
    throw InputError("the D3 reference table (models/d3/dftd3-reference.txt) was not found",
                     "run ./scripts/setup, which writes it from the torch-dftd package, or set "
                     "IONCYCLE_D3_TABLE to such a file");
  }
  const D3Table table = D3Table::load(table_path_);
  table_sha256_ = core::sha256_file_hex(table_path_);

  // Convert once to Å and eV: C6 [Eh a0⁶] -> eV Å⁶, lengths [a0] -> Å.
  const double bohr = units::bohr;
  const double c6_unit = units::hartree * std::pow(bohr, 6);
  cn_ref_.assign(kNumZ * kRefs, 0.0);
  for (int z = 1; z <= D3Table::kMaxZ; ++z) {
    num_refs_[static_cast<std::size_t>(z)] = table.num_refs(z);
    for (int a = 0; a < table.num_refs(z); ++a) {
      cn_ref_[static_cast<std::size_t>(z) * kRefs + static_cast<std::size_t>(a)] = table.cn_ref(z, a);
    }
  }
  pairs_.assign(kNumZ * kNumZ, PairConstants{});
  c6_ref_.assign(kNumZ * kNumZ * kBlock, 0.0);
  for (int zi = 1; zi <= D3Table::kMaxZ; ++zi) {
    for (int zj = 1; zj <= D3Table::kMaxZ; ++zj) {
      // Grimme, Ehrlich, Goerigk 2011, Eq. 6 and below: R0 = a1 sqrt(C8/C6) + a2 with
      // C8/C6 = 3 r2r4_i r2r4_j (Bohr²).
      const double c8_over_c6 = 3.0 * table.r2r4(zi) * table.r2r4(zj);
      const double r0 = (damping_.a1 * std::sqrt(c8_over_c6) + damping_.a2) * bohr;
      PairConstants& p = pairs_[static_cast<std::size_t>(zi) * kNumZ + static_cast<std::size_t>(zj)];
      p.r0_6 = std::pow(r0, 6);
      p.r0_8 = std::pow(r0, 8);
      p.s8_c8 = damping_.s8 * c8_over_c6 * bohr * bohr;
      p.rcov_sum = (table.rcov(zi) + table.rcov(zj)) * bohr;
      double* block = &c6_ref_[(static_cast<std::size_t>(zi) * kNumZ + static_cast<std::size_t>(zj)) * kBlock];
      for (int a = 0; a < table.num_refs(zi); ++a) {
        for (int b = 0; b < table.num_refs(zj); ++b) {
          block[static_cast<std::size_t>(a) * kRefs + static_cast<std::size_t>(b)] = table.c6(zi, zj, a, b) * c6_unit;
        }
      }
    }
  }
}

double D3Dispersion::cutoff() const { return std::max(cutoff_, cn_cutoff_); }

std::string D3Dispersion::fingerprint() const {
  // The functional enters only through its damping parameters, so two names for the same set
  // (or explicit parameters equal to a named set) give the same fingerprint, as they should.
  return "d3 s6=" + core::hex_double(damping_.s6) + " a1=" + core::hex_double(damping_.a1) +
         " s8=" + core::hex_double(damping_.s8) + " a2=" + core::hex_double(damping_.a2) +
         " cutoff=" + core::hex_double(cutoff_) + " cn_cutoff=" + core::hex_double(cn_cutoff_) +
         (tail_correction_ ? " tail=1" : "") + " table_sha256=" + table_sha256_;
}

void D3Dispersion::prepare_translations(const core::Cell& cell) {
  const std::array<bool, 3> pbc = cell.pbc();
  if (translations_valid_ && cell.matrix() == cell_rows_ && pbc == periodic_) return;
  cell_rows_ = cell.matrix();
  periodic_ = pbc;
  cell_inverse_ = cell.has_lattice() ? Mat3(cell.matrix().inverse()) : Mat3::Zero();

  ImageGeometry g;
  std::array<int, 3> axes{};
  int num_periodic = 0;
  for (int axis = 0; axis < 3; ++axis) {
    if (cell.periodic(axis)) axes[static_cast<std::size_t>(num_periodic++)] = axis;
  }
  // Longest lattice vector first, shortest (the inner axis: longest runs) last.
  for (int pass = 0; pass < 2; ++pass) {
    for (int k = 0; k + 1 < num_periodic; ++k) {
      const auto uk = static_cast<std::size_t>(k);
      if (cell.vector(axes[uk]).squaredNorm() < cell.vector(axes[uk + 1]).squaredNorm()) std::swap(axes[uk], axes[uk + 1]);
    }
  }
  if (num_periodic >= 1) {
    g.has_inner = true;
    g.inner = cell.vector(axes[static_cast<std::size_t>(num_periodic - 1)]);
    g.inner_norm2 = g.inner.squaredNorm();
    g.inner_inv_norm2 = 1.0 / g.inner_norm2;
    g.inner_unit = g.inner / std::sqrt(g.inner_norm2);
  }
  if (num_periodic >= 2) {
    g.has_middle = true;
    g.middle = cell.vector(axes[static_cast<std::size_t>(num_periodic - 2)]);
    g.middle_perp = g.middle - g.middle.dot(g.inner_unit) * g.inner_unit;
    g.middle_perp_norm2 = g.middle_perp.squaredNorm();
    g.middle_perp_inv_norm2 = 1.0 / g.middle_perp_norm2;
  }
  if (num_periodic == 3) {
    g.has_outer = true;
    g.outer = cell.vector(axes[0]);
    g.outer_reciprocal = cell_inverse_.col(axes[0]);
    g.outer_reciprocal_norm = g.outer_reciprocal.norm();
  }
  geometry_ = g;

  // Pair vectors are reduced to fractional components in [-1/2, 1/2] on periodic axes, so
  // |d0| <= (|a| + |b| + |c|) / 2 over the periodic axes unless the atoms also differ along a
  // non-periodic one. The list holds every T with |T| <= cutoff() + that reach; a pair with a
  // longer d0 falls back to collect_images(). Without periodic axes the list is {0} and covers all.
  double reach = 0.0;
  for (int axis = 0; axis < 3; ++axis) {
    if (cell.periodic(axis)) reach += 0.5 * cell.vector(axis).norm();
  }
  translation_reach_ = num_periodic == 0 ? std::numeric_limits<double>::infinity() : reach;
  collect_images(geometry_, Vec3::Zero(), cutoff() + (num_periodic == 0 ? 0.0 : reach), translation_scratch_);
  const std::size_t m = translation_scratch_.size;
  translation_order_.resize(m);
  for (std::size_t k = 0; k < m; ++k) translation_order_[k] = static_cast<std::uint32_t>(k);
  const auto& w = translation_scratch_.w;
  std::sort(translation_order_.begin(), translation_order_.end(),
            [&](std::uint32_t a, std::uint32_t b) { return w[a] < w[b] || (w[a] == w[b] && a < b); });
  ensure_size(translations_, m);
  for (std::size_t k = 0; k < m; ++k) {
    const std::uint32_t o = translation_order_[k];
    translations_.x[k] = translation_scratch_.x[o];
    translations_.y[k] = translation_scratch_.y[o];
    translations_.z[k] = translation_scratch_.z[o];
    translations_.w[k] = std::sqrt(translation_scratch_.w[o]);
  }
  translations_.size = m;

  // counts[k] = #{T : |T| <= radius + k · step}: a prefix of the sorted list covers every pair
  // with |d0| <= k · step.
  const auto fill_counts = [&](double radius, std::vector<std::uint32_t>& counts) {
    const std::size_t steps = std::isfinite(translation_reach_)
                                  ? static_cast<std::size_t>(std::ceil(translation_reach_ / kCountStep)) + 1
                                  : 1;
    counts.resize(steps);
    std::size_t c = 0;
    for (std::size_t k = 0; k < steps; ++k) {
      const double limit = radius + static_cast<double>(k) * kCountStep + kReachSlack;
      while (c < m && translations_.w[c] <= limit) ++c;
      counts[k] = static_cast<std::uint32_t>(c);
    }
  };
  fill_counts(cutoff_, counts_dispersion_);
  fill_counts(cn_cutoff_, counts_cn_);
  translations_valid_ = true;
}

void D3Dispersion::prepare_bins(const core::Cell& cell) {
  // Bins of the wrapped fractional positions, at least cutoff() wide (perpendicular width) along
  // each periodic axis with room for three, so that every pair with an image within the cutoff
  // lies in neighboring bins: |Δs_a| <= cutoff / width_a <= one bin. Other axes get one bin.
  const std::size_t n = z_.size();
  bins_ = {1, 1, 1};
  if (has_lattice_) {
    const Mat3 h = cell.matrix();
    const double volume = std::abs(h.determinant());
    for (int a = 0; a < 3; ++a) {
      if (!periodic_[static_cast<std::size_t>(a)]) continue;
      const Vec3 normal = h.row((a + 1) % 3).cross(h.row((a + 2) % 3));
      const double width = volume / normal.norm();
      const int k = static_cast<int>(std::floor(width / cutoff()));
      bins_[static_cast<std::size_t>(a)] = k >= 3 ? std::min(k, 1024) : 1;
    }
  }
  const std::size_t num_bins = static_cast<std::size_t>(bins_[0]) * static_cast<std::size_t>(bins_[1]) *
                               static_cast<std::size_t>(bins_[2]);
  atom_bin_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t b = 0;
    for (std::size_t a = 0; a < 3; ++a) {
      int k = 0;
      if (bins_[a] > 1) {
        k = static_cast<int>(fractional_[i][static_cast<Eigen::Index>(a)] * bins_[a]);
        k = std::clamp(k, 0, bins_[a] - 1);
      }
      b = b * static_cast<std::size_t>(bins_[a]) + static_cast<std::size_t>(k);
    }
    atom_bin_[i] = static_cast<std::uint32_t>(b);
  }
  // Counting sort: the atoms of each bin in ascending order.
  bin_start_.assign(num_bins + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++bin_start_[atom_bin_[i] + 1];
  for (std::size_t b = 0; b < num_bins; ++b) bin_start_[b + 1] += bin_start_[b];
  bin_atoms_.resize(n);
  bin_fill_.assign(bin_start_.begin(), bin_start_.end() - 1);
  for (std::size_t i = 0; i < n; ++i) bin_atoms_[bin_fill_[atom_bin_[i]]++] = static_cast<std::uint32_t>(i);
}

D3Dispersion::ImageSpan D3Dispersion::images(std::size_t i, std::size_t j, double radius,
                                             const std::vector<std::uint32_t>& counts, VectorColumns& scratch) const {
  // d0 = x_j - x_i reduced to fractional components in [-1/2, 1/2] on periodic axes (the
  // fractional positions are wrapped into [0, 1), so one shift by ±1 is enough).
  Vec3 d0;
  if (has_lattice_) {
    Vec3 s = fractional_[j] - fractional_[i];
    for (std::size_t axis = 0; axis < 3; ++axis) {
      if (periodic_[axis]) s[static_cast<Eigen::Index>(axis)] -= (s[static_cast<Eigen::Index>(axis)] > 0.5 ? 1.0 : 0.0) -
                                                                 (s[static_cast<Eigen::Index>(axis)] < -0.5 ? 1.0 : 0.0);
    }
    d0 = cell_rows_.transpose() * s;
  } else {
    d0 = wrapped_[j] - wrapped_[i];
  }
  ImageSpan span;
  const double length = d0.norm();
  if (length <= translation_reach_) {
    // Every T with |d0 + T| <= radius has |T| <= radius + |d0|: a prefix of the sorted list.
    const auto step = std::isfinite(translation_reach_) ? static_cast<std::size_t>(ceil_int(length / kCountStep)) : 0;
    span.d0 = d0;
    span.x = translations_.x.data();
    span.y = translations_.y.data();
    span.z = translations_.z.data();
    span.count = counts[std::min(step, counts.size() - 1)];
  } else {
    collect_images(geometry_, d0, radius, scratch);
    span.x = scratch.x.data();
    span.y = scratch.y.data();
    span.z = scratch.z.data();
    span.count = scratch.size;
  }
  return span;
}

void D3Dispersion::prepare(const core::System& system, bool want_forces, bool want_atom_energy) {
  const std::size_t n = system.num_atoms();
  const auto z = system.atomic_numbers();
  const auto ids = system.ids();
  z_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (!supports(z[i])) {
      const std::string element = (z[i] >= 1 && z[i] <= core::max_atomic_number())
                                      ? std::string(core::symbol(z[i]))
                                      : "Z = " + std::to_string(z[i]);
      throw InputError("D3 dispersion has no reference data for " + element + " (atom " + std::to_string(ids[i]) + ")",
                       "D3 supports " + supported_species());
    }
    z_[i] = z[i];
  }

  // Positions wrapped into the cell on periodic axes (pair vectors are reduced again per pair;
  // wrapping keeps those reductions to small integers however far atoms have drifted).
  // (The image path only: the list path takes pair vectors from its lists.)
  const core::Cell& cell = system.cell();
  const auto x = system.positions();
  if (!uses_list()) {
    wrapped_.resize(n);
    for (std::size_t i = 0; i < n; ++i) wrapped_[i] = cell.any_periodic() ? cell.wrap(x[i]) : x[i];
    has_lattice_ = cell.has_lattice();
    fractional_.resize(has_lattice_ ? n : 0);
    if (has_lattice_) {
      for (std::size_t i = 0; i < n; ++i) fractional_[i] = cell.to_fractional(wrapped_[i]);
    }
    prepare_translations(cell);
    prepare_bins(cell);
  }
  elements_present_.clear();
  for (const int zi : z_) {
    if (std::find(elements_present_.begin(), elements_present_.end(), zi) == elements_present_.end()) {
      elements_present_.push_back(zi);
    }
  }
  std::sort(elements_present_.begin(), elements_present_.end());
  element_of_.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    element_of_[i] = static_cast<std::uint32_t>(
        std::lower_bound(elements_present_.begin(), elements_present_.end(), z_[i]) - elements_present_.begin());
  }
  if (uses_list()) {
    list_.update(system);
    list_.cartesian_shifts(cell, list_shifts_);
    cn_list_.update(system);
    cn_list_.cartesian_shifts(cell, cn_list_shifts_);
    const std::size_t num_shifts = list_shifts_.size();
    shift_x_.resize(num_shifts);
    shift_y_.resize(num_shifts);
    shift_z_.resize(num_shifts);
    for (std::size_t k = 0; k < num_shifts; ++k) {
      shift_x_[k] = list_shifts_[k][0];
      shift_y_[k] = list_shifts_[k][1];
      shift_z_[k] = list_shifts_[k][2];
    }
    pos_x_.resize(n);
    pos_y_.resize(n);
    pos_z_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      pos_x_[i] = x[i][0];
      pos_y_[i] = x[i][1];
      pos_z_[i] = x[i][2];
    }
  }

  const double pairs = 0.5 * static_cast<double>(n) * static_cast<double>(n + 1);
  const double work = uses_list() ? static_cast<double>(list_.num_pairs() + cn_list_.num_pairs())
                                  : pairs * static_cast<double>(std::max<std::uint32_t>(1, counts_dispersion_.back()));
  num_threads_ = work < kMinWorkForThreads ? 1 : static_cast<std::size_t>(std::max(1, omp_get_max_threads()));
  if (threads_.size() < num_threads_) threads_.resize(num_threads_);
  for (std::size_t t = 0; t < num_threads_; ++t) {
    ThreadBuffers& b = threads_[t];
    b.cn.assign(n, 0.0);
    b.dedcn.assign(n, 0.0);
    b.atom_energy.assign(want_atom_energy ? n : 0, 0.0);
    b.forces.assign(want_forces ? n : 0, Vec3::Zero());
    b.energy = 0.0;
    b.virial.fill(0.0);
  }
  cn_.resize(n);
  weights_.resize(n * kRefs);
  dweights_.resize(n * kRefs);
  dedcn_.resize(n);
}

void D3Dispersion::coordination_numbers_pass() {
  // CN_i = Σ_j Σ_T 1/(1 + exp(-k1 (Rcov_ij / r - 1))) over r <= cn_cutoff (Grimme 2010, Eq. 15),
  // each unordered pair once: its term goes to both atoms (a self-image pair i == j is visited for
  // T and -T, each adding its term to CN_i once).
  const std::size_t n = z_.size();
  const double rc = cn_cutoff_;
  const double rc2 = rc * rc;
  const int count = static_cast<int>(n);
#pragma omp parallel num_threads(static_cast<int>(num_threads_)) if (num_threads_ > 1)
  {
    ThreadBuffers& buf = threads_[static_cast<std::size_t>(omp_get_thread_num())];
#pragma omp for schedule(static, 1)
    for (int ii = 0; ii < count; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      for_each_candidate(i, [&](std::size_t j) {
        const double rcov = pair(z_[i], z_[j]).rcov_sum;
        const ImageSpan s = images(i, j, rc, counts_cn_, buf.images);
        double sum = 0.0;
        for (std::size_t k = 0; k < s.count; ++k) {
          const double x = s.d0[0] + s.x[k];
          const double y = s.d0[1] + s.y[k];
          const double z = s.d0[2] + s.z[k];
          const double r2 = x * x + y * y + z * z;
          if (r2 > rc2 || r2 <= kMinDistance2) continue;
          sum += 1.0 / (1.0 + std::exp(-kK1 * (rcov / std::sqrt(r2) - 1.0)));
        }
        buf.cn[i] += sum;
        if (j != i) buf.cn[j] += sum;
      });
    }
  }
  sum_thread_cn();
}

void D3Dispersion::sum_thread_cn() {
  // CN_i from the threads' partial sums, in thread order (the same bits for the same count).
  const std::size_t threads = num_threads_;
  const int count = static_cast<int>(z_.size());
#pragma omp parallel for schedule(static) num_threads(static_cast<int>(num_threads_)) if (num_threads_ > 1)
  for (int ii = 0; ii < count; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    double cn = 0.0;
    for (std::size_t t = 0; t < threads; ++t) cn += threads_[t].cn[i];
    cn_[i] = cn;
  }
}

void D3Dispersion::weights_pass() {
  // W_i^a = exp(-k3 (CN_i - CN^a)²) / Σ_b exp(-k3 (CN_i - CN^b)²) (Grimme 2010, Eq. 16), evaluated
  // relative to the largest term so that it cannot underflow to 0/0 far from every reference
  // (then the nearest reference gets weight 1, as simple-dftd3's fallback to the largest CN_ref).
  // ∂W^a/∂CN = W^a (q_a - Σ_b W^b q_b), q_a = -2 k3 (CN - CN^a).
  const std::size_t n = z_.size();
  const int count = static_cast<int>(n);
#pragma omp parallel for schedule(static) num_threads(static_cast<int>(num_threads_)) if (num_threads_ > 1)
  for (int ii = 0; ii < count; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    const auto z = static_cast<std::size_t>(z_[i]);
    const int refs = num_refs_[z];
    const double* cn_ref = &cn_ref_[z * kRefs];
    double* w = &weights_[i * kRefs];
    double* dw = &dweights_[i * kRefs];
    std::array<double, kRefs> exponent{};
    std::array<double, kRefs> q{};
    double smallest = std::numeric_limits<double>::infinity();
    for (int a = 0; a < refs; ++a) {
      const auto ua = static_cast<std::size_t>(a);
      const double delta = cn_[i] - cn_ref[ua];
      exponent[ua] = kK3 * delta * delta;
      q[ua] = -2.0 * kK3 * delta;
      smallest = std::min(smallest, exponent[ua]);
    }
    double norm = 0.0;
    for (int a = 0; a < refs; ++a) {
      const auto ua = static_cast<std::size_t>(a);
      w[ua] = std::exp(smallest - exponent[ua]);
      norm += w[ua];
    }
    double mean_q = 0.0;
    for (int a = 0; a < refs; ++a) {
      const auto ua = static_cast<std::size_t>(a);
      w[ua] /= norm;
      mean_q += w[ua] * q[ua];
    }
    for (std::size_t a = 0; a < kRefs; ++a) {
      if (static_cast<int>(a) < refs) {
        dw[a] = w[a] * (q[a] - mean_q);
      } else {
        w[a] = 0.0;
        dw[a] = 0.0;
      }
    }
  }
}

template <bool kGradient>
void D3Dispersion::dispersion_pass(bool want_atom_energy) {
  // For every pair i >= j: C6_ij (and its CN derivatives) once, then the sums over images of the
  // damped r⁻⁶ and r⁻⁸ terms (Grimme, Ehrlich, Goerigk 2011, Eq. 5), e(r) = -C6 g(r) with g and
  // h = (1/r) dg/dr as in dispersion_gradient_sums().
  // Pair vector d = x_j - x_i + T: ∂E/∂d = -C6 h d is the force on i (minus that on j);
  // W = -Σ d ⊗ ∂E/∂d. A self-image pair (i == j) is visited for T and -T: weight 1/2.
  const std::size_t n = z_.size();
  const double rc = cutoff_;
  const double rc2 = rc * rc;
  const double s6 = damping_.s6;
  const int count = static_cast<int>(n);
#pragma omp parallel num_threads(static_cast<int>(num_threads_)) if (num_threads_ > 1)
  {
    ThreadBuffers& buf = threads_[static_cast<std::size_t>(omp_get_thread_num())];
    double energy = 0.0;
    std::array<double, 6> virial{};
#pragma omp for schedule(static, 1)
    for (int ii = 0; ii < count; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      for_each_candidate(i, [&](std::size_t j) {
        const PairConstants& p = pair(z_[i], z_[j]);
        // The damped sums over the images first: they do not depend on C6, and a candidate pair
        // with no image in range (most of them in a large cell) costs no C6 then.
        const ImageSpan s = images(i, j, rc, counts_dispersion_, buf.images);
        const DampingConstants constants{s6, p.r0_6, p.r0_8, p.s8_c8};
        DispersionSums sums;
        if constexpr (kGradient) {
          sums = dispersion_gradient_sums(s.d0[0], s.d0[1], s.d0[2], s.x, s.y, s.z, s.count, rc2, constants);
        } else {
          sums.g = dispersion_energy_sum(s.d0[0], s.d0[1], s.d0[2], s.x, s.y, s.z, s.count, rc2, constants);
        }
        const double g_sum = sums.g;
        if (g_sum == 0.0) return;

        const auto [c6, dc6_i, dc6_j] = c6_of<kGradient>(i, j);

        const double weight = (i == j) ? 0.5 : 1.0;
        const double e = -weight * c6 * g_sum;
        energy += e;
        if (want_atom_energy) {
          buf.atom_energy[i] += 0.5 * e;
          buf.atom_energy[j] += 0.5 * e;
        }
        if constexpr (kGradient) {
          buf.dedcn[i] -= weight * dc6_i * g_sum;
          buf.dedcn[j] -= weight * dc6_j * g_sum;
          if (i != j) {
            const Vec3 de_dd = -c6 * Vec3(sums.hx, sums.hy, sums.hz);
            buf.forces[i] += de_dd;
            buf.forces[j] -= de_dd;
          }
          const double wc6 = weight * c6;
          virial[0] += wc6 * sums.hxx;
          virial[1] += wc6 * sums.hyy;
          virial[2] += wc6 * sums.hzz;
          virial[3] += wc6 * sums.hxy;
          virial[4] += wc6 * sums.hxz;
          virial[5] += wc6 * sums.hyz;
        }
      });
    }
    buf.energy = energy;
    for (std::size_t k = 0; k < 6; ++k) buf.virial[k] += virial[k];
  }
}

void D3Dispersion::cn_gradient_pass() {
  // E depends on CN_i and CN_j through every image pair within cn_cutoff:
  //   ∂E/∂d = (∂E/∂CN_i + ∂E/∂CN_j) f'(r) d/r,   f = 1/(1 + exp(-k1 (Rcov_ij/r - 1))),
  //   f' = -f² exp(-k1 (Rcov_ij/r - 1)) k1 Rcov_ij / r²,
  // weight 1/2 for self-image pairs (visited for T and -T).
  const std::size_t n = z_.size();
  const double rc = cn_cutoff_;
  const double rc2 = rc * rc;
  const int count = static_cast<int>(n);
#pragma omp parallel num_threads(static_cast<int>(num_threads_)) if (num_threads_ > 1)
  {
    ThreadBuffers& buf = threads_[static_cast<std::size_t>(omp_get_thread_num())];
    std::array<double, 6> virial{};
#pragma omp for schedule(static, 1)
    for (int ii = 0; ii < count; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      for_each_candidate(i, [&](std::size_t j) {
        const double rcov = pair(z_[i], z_[j]).rcov_sum;
        const ImageSpan s = images(i, j, rc, counts_cn_, buf.images);
        double fx = 0.0, fy = 0.0, fz = 0.0;
        std::array<double, 6> fdd{};
        for (std::size_t k = 0; k < s.count; ++k) {
          const double x = s.d0[0] + s.x[k];
          const double y = s.d0[1] + s.y[k];
          const double z = s.d0[2] + s.z[k];
          const double r2 = x * x + y * y + z * z;
          if (r2 > rc2 || r2 <= kMinDistance2) continue;
          const double r = std::sqrt(r2);
          const double ex = std::exp(-kK1 * (rcov / r - 1.0));
          const double f = 1.0 / (1.0 + ex);
          const double df_over_r = -f * f * ex * kK1 * rcov / (r2 * r);
          fx += df_over_r * x;
          fy += df_over_r * y;
          fz += df_over_r * z;
          add_outer(fdd, x, y, z, df_over_r);
        }
        const double weight = (i == j) ? 0.5 : 1.0;
        const double c = weight * (dedcn_[i] + dedcn_[j]);
        if (i != j) {
          const Vec3 de_dd = c * Vec3(fx, fy, fz);
          buf.forces[i] += de_dd;
          buf.forces[j] -= de_dd;
        }
        for (std::size_t k = 0; k < 6; ++k) virial[k] -= c * fdd[k];
      });
    }
    for (std::size_t k = 0; k < 6; ++k) buf.virial[k] += virial[k];
  }
}

// The neighbor-list passes. Every entry of a half list is one image pair (i, j, n) with
// d = x_j - x_i + n·H, counted once with weight 1; a self-image entry (j == i) stands for the
// images n and -n together, so its term enters CN_i twice and its force cancels. The lists carry
// a skin, so every pass masks the entries to its cutoff.
void D3Dispersion::list_coordination_numbers_pass() {
  // The entries within the CN cutoff are kept, compacted at the start of each atom's slots (up to
  // cn_end_[i]), with their pair vector and f'(r)/r, for list_cn_gradient_pass. Per atom: the
  // compaction (scalar), the counting function (vectorized), the scatter to the neighbors.
  const std::size_t n = z_.size();
  const double rc2 = cn_cutoff_ * cn_cutoff_;
  const std::size_t slots = cn_list_.num_pairs();
  cn_j_.resize(slots);
  cn_x_.resize(slots);
  cn_y_.resize(slots);
  cn_z_.resize(slots);
  cn_r2_.resize(slots);
  cn_dfr_.resize(slots);
  cn_end_.resize(n);
  const std::size_t num_elements = elements_present_.size();
  element_rcov_.resize(num_elements * num_elements);
  for (std::size_t a = 0; a < num_elements; ++a) {
    for (std::size_t b = 0; b < num_elements; ++b) {
      element_rcov_[a * num_elements + b] = pair(elements_present_[a], elements_present_[b]).rcov_sum;
    }
  }
  const auto offsets = cn_list_.offsets();
  const auto neighbors = cn_list_.neighbors();
  const auto shifts = cn_list_.shift_ids();
  std::size_t longest = 0;
  for (std::size_t i = 0; i < n; ++i) longest = std::max(longest, offsets[i + 1] - offsets[i]);
  const int count = static_cast<int>(n);
#pragma omp parallel num_threads(static_cast<int>(num_threads_)) if (num_threads_ > 1)
  {
    ThreadBuffers& buf = threads_[static_cast<std::size_t>(omp_get_thread_num())];
    if (buf.row_g.size() < longest) buf.row_g.resize(longest);
#pragma omp for schedule(static, 16)
    for (int ii = 0; ii < count; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      std::size_t kept = offsets[i];
      for (std::size_t e = offsets[i]; e < offsets[i + 1]; ++e) {
        const auto j = static_cast<std::size_t>(neighbors[e]);
        const Vec3& t = cn_list_shifts_[shifts[e]];
        const double x = pos_x_[j] - pos_x_[i] + t[0];
        const double y = pos_y_[j] - pos_y_[i] + t[1];
        const double z = pos_z_[j] - pos_z_[i] + t[2];
        const double r2 = x * x + y * y + z * z;
        // Branch-free compaction: every entry is written at `kept`, which advances only for
        // those in range (about a third of a skin list's entries are not, in no order).
        cn_j_[kept] = static_cast<std::int32_t>(j);
        cn_x_[kept] = x;
        cn_y_[kept] = y;
        cn_z_[kept] = z;
        cn_r2_[kept] = r2;
        kept += static_cast<std::size_t>(r2 <= rc2 && r2 > kMinDistance2);
      }
      cn_end_[i] = kept;
      const std::size_t begin = offsets[i];
      double own = cn_counting_row(&cn_j_[begin], &cn_r2_[begin], kept - begin, element_of_.data(),
                                   &element_rcov_[element_of_[i] * num_elements], buf.row_g.data(), &cn_dfr_[begin]);
      for (std::size_t k = 0; k < kept - begin; ++k) {
        const auto j = static_cast<std::size_t>(cn_j_[begin + k]);
        if (j == i) {
          own += buf.row_g[k];
        } else {
          buf.cn[j] += buf.row_g[k];
        }
      }
      buf.cn[i] += own;
    }
  }
  sum_thread_cn();
}

void D3Dispersion::prepare_c6_vectors(bool gradient) {
  // u_i^e[b] = Σ_a w_i[a] M(Z_i, Z_e)[a][b] (M zero-padded to 5 x 5), so that C6_ij = u_i^{e_j} · w_j,
  // ∂C6/∂CN_i = du_i^{e_j} · w_j and ∂C6/∂CN_j = u_i^{e_j} · dw_j (c6_of), for every pass that
  // needs C6: 5 multiply-adds per pair instead of 25.
  const std::size_t n = z_.size();
  const std::size_t num_elements = elements_present_.size();
  c6_u_.resize(n * num_elements * kRefs);
  c6_du_.resize(gradient ? n * num_elements * kRefs : 0);
  const int count = static_cast<int>(n);
#pragma omp parallel for schedule(static) num_threads(static_cast<int>(num_threads_)) if (num_threads_ > 1)
  for (int ii = 0; ii < count; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    const double* wi = &weights_[i * kRefs];
    const double* dwi = &dweights_[i * kRefs];
    for (std::size_t el = 0; el < num_elements; ++el) {
      const double* block = c6_block(z_[i], elements_present_[el]);
      double* u = &c6_u_[(i * num_elements + el) * kRefs];
      double* du = gradient ? &c6_du_[(i * num_elements + el) * kRefs] : nullptr;
      for (std::size_t b = 0; b < kRefs; ++b) {
        double m_w = 0.0;
        double m_dw = 0.0;
        for (std::size_t a = 0; a < kRefs; ++a) {
          m_w += wi[a] * block[a * kRefs + b];
          m_dw += dwi[a] * block[a * kRefs + b];
        }
        u[b] = m_w;
        if (du != nullptr) du[b] = m_dw;
      }
    }
  }
}

void D3Dispersion::sort_dispersion_rows() {
  // The dispersion list's rows with their entries grouped by the neighbor's element (a counting
  // sort, stable), redone when the list was rebuilt or an atom changed element.
  const std::size_t n = z_.size();
  const std::size_t num_elements = elements_present_.size();
  if (list_.build_count() == sorted_build_ && sorted_elements_ == z_) return;
  sorted_build_ = list_.build_count();
  sorted_elements_ = z_;
  const auto offsets = list_.offsets();
  const auto neighbors = list_.neighbors();
  const auto shifts = list_.shift_ids();
  sorted_neighbors_.resize(neighbors.size());
  sorted_shifts_.resize(shifts.size());
  segment_start_.assign(n * num_elements + 1, 0);
  std::vector<std::size_t>& fill = segment_fill_;
  for (std::size_t i = 0; i < n; ++i) {
    fill.assign(num_elements, 0);
    for (std::size_t e = offsets[i]; e < offsets[i + 1]; ++e) ++fill[element_of_[static_cast<std::size_t>(neighbors[e])]];
    std::size_t at = offsets[i];
    for (std::size_t el = 0; el < num_elements; ++el) {
      segment_start_[i * num_elements + el] = at;
      const std::size_t size = fill[el];
      fill[el] = at;
      at += size;
    }
    for (std::size_t e = offsets[i]; e < offsets[i + 1]; ++e) {
      const std::size_t slot = fill[element_of_[static_cast<std::size_t>(neighbors[e])]]++;
      sorted_neighbors_[slot] = neighbors[e];
      sorted_shifts_[slot] = shifts[e];
    }
  }
  segment_start_[n * num_elements] = offsets[n];
  longest_segment_ = 0;
  for (std::size_t k = 0; k + 1 < segment_start_.size(); ++k) {
    longest_segment_ = std::max(longest_segment_, segment_start_[k + 1] - segment_start_[k]);
  }
}

void D3Dispersion::list_dispersion_pass(bool want_gradient, bool want_atom_energy) {
  const std::size_t n = z_.size();
  const std::size_t num_elements = elements_present_.size();
  sort_dispersion_rows();
  const std::size_t longest = longest_segment_;
  DispersionSegment segment;
  segment.px = pos_x_.data();
  segment.py = pos_y_.data();
  segment.pz = pos_z_.data();
  segment.sx = shift_x_.data();
  segment.sy = shift_y_.data();
  segment.sz = shift_z_.data();
  segment.w = weights_.data();
  segment.rc2 = cutoff_ * cutoff_;
  segment.s6 = damping_.s6;
  const int count = static_cast<int>(n);
#pragma omp parallel num_threads(static_cast<int>(num_threads_)) if (num_threads_ > 1)
  {
    ThreadBuffers& buf = threads_[static_cast<std::size_t>(omp_get_thread_num())];
    for (auto* v : {&buf.row_ch, &buf.row_x, &buf.row_y, &buf.row_z, &buf.row_g, &buf.row_energy}) {
      if (v->size() < longest) v->resize(longest);
    }
    DispersionSegment in = segment;
    double energy = 0.0;
    std::array<double, 6> virial{};
#pragma omp for schedule(static, 16)
    for (int ii = 0; ii < count; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      in.i = i;
      in.xi = pos_x_[i];
      in.yi = pos_y_[i];
      in.zi = pos_z_[i];
      Vec3 fi = Vec3::Zero();
      double dedcn_i = 0.0;
      double atom_energy_i = 0.0;
      for (std::size_t el = 0; el < num_elements; ++el) {
        const std::size_t begin = segment_start_[i * num_elements + el];
        in.count = segment_start_[i * num_elements + el + 1] - begin;
        if (in.count == 0) continue;
        in.neighbors = sorted_neighbors_.data() + begin;
        in.shifts = sorted_shifts_.data() + begin;
        const double* u = &c6_u_[(i * num_elements + el) * kRefs];
        const double* du = &c6_du_[(i * num_elements + el) * kRefs];
        std::copy(u, u + kRefs, in.u.begin());
        std::copy(du, du + kRefs, in.du.begin());
        const PairConstants& p = pair(z_[i], elements_present_[el]);
        in.r0_6 = p.r0_6;
        in.r0_8 = p.r0_8;
        in.s8_c8 = p.s8_c8;
        DispersionRowSums sums = dispersion_segment(in, buf.row_ch.data(), buf.row_x.data(), buf.row_y.data(),
                                                    buf.row_z.data(), buf.row_g.data(), buf.row_energy.data());
        energy += sums.energy;
        if (want_atom_energy) {
          atom_energy_i += 0.5 * sums.energy;
          for (std::size_t k = 0; k < in.count; ++k) buf.atom_energy[in.neighbors[k]] += 0.5 * buf.row_energy[k];
        }
        if (!want_gradient) continue;
        dispersion_segment_forces(static_cast<std::int32_t>(i), in.neighbors, in.count, buf.row_ch.data(),
                                  buf.row_x.data(), buf.row_y.data(), buf.row_z.data(), sums);
        dedcn_i += sums.dedcn_i;
        fi += Vec3(sums.fx, sums.fy, sums.fz);
        virial[0] += sums.vxx;
        virial[1] += sums.vyy;
        virial[2] += sums.vzz;
        virial[3] += sums.vxy;
        virial[4] += sums.vxz;
        virial[5] += sums.vyz;
        // ∂C6/∂CN_j = u_i^e · dw_j here rather than in the kernel: five contiguous loads per
        // entry instead of five gathers.
        for (std::size_t k = 0; k < in.count; ++k) {
          const auto j = static_cast<std::size_t>(in.neighbors[k]);
          const double ch = j == i ? 0.0 : buf.row_ch[k];
          const double* dwj = &dweights_[j * kRefs];
          const double dc6_j = in.u[0] * dwj[0] + in.u[1] * dwj[1] + in.u[2] * dwj[2] + in.u[3] * dwj[3] + in.u[4] * dwj[4];
          buf.dedcn[j] -= dc6_j * buf.row_g[k];
          buf.forces[j] += Vec3(ch * buf.row_x[k], ch * buf.row_y[k], ch * buf.row_z[k]);
        }
      }
      if (want_atom_energy) buf.atom_energy[i] += atom_energy_i;
      if (want_gradient) {
        buf.dedcn[i] += dedcn_i;
        buf.forces[i] += fi;
      }
    }
    buf.energy = energy;
    for (std::size_t k = 0; k < 6; ++k) buf.virial[k] += virial[k];
  }
}

void D3Dispersion::list_cn_gradient_pass() {
  // ∂E/∂d = (∂E/∂CN_i + ∂E/∂CN_j) f'(r) d/r over the entries within cn_cutoff kept by
  // list_coordination_numbers_pass (see cn_gradient_pass; a self-image entry gives 2 ∂E/∂CN_i and
  // no force).
  const std::size_t n = z_.size();
  const auto offsets = cn_list_.offsets();
  const int count = static_cast<int>(n);
#pragma omp parallel num_threads(static_cast<int>(num_threads_)) if (num_threads_ > 1)
  {
    ThreadBuffers& buf = threads_[static_cast<std::size_t>(omp_get_thread_num())];
    std::array<double, 6> virial{};
#pragma omp for schedule(static, 16)
    for (int ii = 0; ii < count; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      Vec3 fi = Vec3::Zero();
      for (std::size_t e = offsets[i]; e < cn_end_[i]; ++e) {
        const auto j = static_cast<std::size_t>(cn_j_[e]);
        const Vec3 d(cn_x_[e], cn_y_[e], cn_z_[e]);
        const double c = (dedcn_[i] + dedcn_[j]) * cn_dfr_[e];
        if (j != i) {
          fi += c * d;
          buf.forces[j] -= c * d;
        }
        add_outer(virial, d[0], d[1], d[2], -c);
      }
      buf.forces[i] += fi;
    }
    for (std::size_t k = 0; k < 6; ++k) buf.virial[k] += virial[k];
  }
}

void D3Dispersion::add_cn_tail(double volume) {
  // The coordination-number shell between cn_cutoff and the default CN cutoff (40 Bohr) with the
  // other atoms spread evenly: CN_i += Σ_Z (N_Z / V) τ(Z_i, Z), τ = 4π ∫_a^b r² f(r) dr (f the
  // counting function, Grimme 2010 Eq. 15; it tends to 1/(1 + e^16) ≈ 1e-7, not 0, hence the
  // upper bound of the reference). Its strain derivative, as the reference's pair sum gives it
  // (pairs crossing a enter smoothly, those crossing b are cut), is
  // ∂CN_i/∂ε_aa = -(N_Z/V) [τ + (4π/3)(a³ f(a) - b³ f(b))]: the 1/V part and a boundary part,
  // kept per atom for the virial.
  const std::size_t n = z_.size();
  const double a = cn_cutoff_;
  const double b = kD3ReferenceCnCutoff;
  cn_tail_.assign(n, 0.0);
  cn_tail_boundary_.assign(n, 0.0);
  if (!(b > a)) return;
  // τ and the boundary term of an element pair depend only on the cutoffs: computed on first use
  // (Simpson's rule, 2000 panels: the integrand is smooth and varies on the scale of Å).
  if (cn_shell_tau_.empty()) {
    cn_shell_tau_.assign(kNumZ * kNumZ, std::numeric_limits<double>::quiet_NaN());
    cn_shell_edge_.assign(kNumZ * kNumZ, 0.0);
  }
  const auto f = [](double rcov, double r) { return 1.0 / (1.0 + std::exp(-kK1 * (rcov / r - 1.0))); };
  const std::size_t num_elements = elements_present_.size();
  for (const int z1 : elements_present_) {
    for (const int z2 : elements_present_) {
      const std::size_t k = static_cast<std::size_t>(z1) * kNumZ + static_cast<std::size_t>(z2);
      if (!std::isnan(cn_shell_tau_[k])) continue;
      const double rcov = pair(z1, z2).rcov_sum;
      constexpr int kPanels = 2000;
      const double h = (b - a) / kPanels;
      double sum = 0.0;
      for (int p = 0; p <= kPanels; ++p) {
        const double r = a + h * p;
        const double w = (p == 0 || p == kPanels) ? 1.0 : (p % 2 == 1 ? 4.0 : 2.0);
        sum += w * r * r * f(rcov, r);
      }
      cn_shell_tau_[k] = 4.0 * std::numbers::pi * sum * h / 3.0;
      cn_shell_edge_[k] = 4.0 * std::numbers::pi / 3.0 * (a * a * a * f(rcov, a) - b * b * b * f(rcov, b));
    }
  }
  element_count_.assign(num_elements, 0);
  for (std::size_t i = 0; i < n; ++i) ++element_count_[element_of_[i]];
  for (std::size_t i = 0; i < n; ++i) {
    double shell = 0.0;
    double boundary = 0.0;
    for (std::size_t e = 0; e < num_elements; ++e) {
      const double density = static_cast<double>(element_count_[e]) / volume;
      const std::size_t k = static_cast<std::size_t>(z_[i]) * kNumZ + static_cast<std::size_t>(elements_present_[e]);
      shell += density * cn_shell_tau_[k];
      boundary += density * cn_shell_edge_[k];
    }
    cn_[i] += shell;
    cn_tail_[i] = shell;
    cn_tail_boundary_[i] = boundary;
  }
}

void D3Dispersion::tail_pass(double volume, bool gradient) {
  const std::size_t n = z_.size();
  // Summed reference weights per element present.
  const std::size_t num_elements = elements_present_.size();
  element_weights_.assign(num_elements * kRefs, 0.0);
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t e = element_of_[j];
    for (std::size_t b = 0; b < kRefs; ++b) element_weights_[e * kRefs + b] += weights_[j * kRefs + b];
  }
  const double rc3 = cutoff_ * cutoff_ * cutoff_;
  const double k6 = damping_.s6 / (3.0 * rc3);
  const double k8 = 1.0 / (5.0 * rc3 * cutoff_ * cutoff_);
  const double prefactor = -2.0 * std::numbers::pi / volume;
  tail_energy_.resize(n);
  tail_energy8_.resize(n);
  tail_dedcn_.resize(n);
  const int count = static_cast<int>(n);
#pragma omp parallel for schedule(static) num_threads(static_cast<int>(num_threads_)) if (num_threads_ > 1)
  for (int ii = 0; ii < count; ++ii) {
    const auto i = static_cast<std::size_t>(ii);
    double e = 0.0;
    double e8 = 0.0;
    double de = 0.0;
    for (std::size_t el = 0; el < num_elements; ++el) {
      // Σ_{j of element el} C6_ij = u_i^el · Σ_j w_j (prepare_c6_vectors), likewise its CN_i derivative.
      const double k_8 = pair(z_[i], elements_present_[el]).s8_c8 * k8;
      const double* u = &c6_u_[(i * num_elements + el) * kRefs];
      const double* a_sum = &element_weights_[el * kRefs];
      double c6 = 0.0;
      double dc6 = 0.0;
      for (std::size_t b = 0; b < kRefs; ++b) {
        c6 += u[b] * a_sum[b];
        if (gradient) dc6 += c6_du_[(i * num_elements + el) * kRefs + b] * a_sum[b];
      }
      e += (k6 + k_8) * c6;
      e8 += k_8 * c6;
      de += (k6 + k_8) * dc6;
    }
    tail_energy_[i] = prefactor * e;
    tail_energy8_[i] = prefactor * e8;
    // CN_i enters both as the row atom and, through the element sums, as a column atom: twice.
    tail_dedcn_[i] = gradient ? 2.0 * prefactor * de : 0.0;
  }
}

double D3Dispersion::evaluate(const core::System& system, const ForceRequest& request, ForceResult* result) {
  const bool want_gradient = result != nullptr && (request.forces || request.virial);
  const bool want_atom_energy = result != nullptr && request.per_atom_energy;
  const std::size_t n = system.num_atoms();
  prepare(system, want_gradient, want_atom_energy);
  // The tail needs three periodic axes (a volume over which the other atoms spread).
  const core::Cell& cell = system.cell();
  const bool tail = tail_correction_ && n > 0 && cell.all_periodic();
  if (n > 0 && uses_list()) {
    list_coordination_numbers_pass();
    if (tail) add_cn_tail(cell.volume());
    weights_pass();
    prepare_c6_vectors(true);  // the row kernel always forms the CN derivatives of C6
    list_dispersion_pass(want_gradient, want_atom_energy);
  } else if (n > 0) {
    coordination_numbers_pass();
    if (tail) add_cn_tail(cell.volume());
    weights_pass();
    prepare_c6_vectors(want_gradient);
    if (want_gradient) {
      dispersion_pass<true>(want_atom_energy);
    } else {
      dispersion_pass<false>(want_atom_energy);
    }
  }

  if (tail) tail_pass(cell.volume(), want_gradient);

  // Totals in thread order: the same result for the same thread count.
  double energy = 0.0;
  for (std::size_t t = 0; t < num_threads_; ++t) energy += threads_[t].energy;
  double tail_energy = 0.0;
  double tail_energy8 = 0.0;
  if (tail) {
    for (std::size_t i = 0; i < n; ++i) {
      tail_energy += tail_energy_[i];
      tail_energy8 += tail_energy8_[i];
    }
  }
  // The pressure of the pairs beyond the cutoff, (n/3) E_n / V for the r^-n part (n = 6, 8), is
  // larger than -∂E_tail/∂V = E_tail / V at a fixed cutoff: under a strain pairs cross the
  // cutoff, which the truncated sum's virial does not see. The difference, the boundary term
  // B = Σ_n (n/3 - 1) E_n = E_6 + (5/3) E_8, is added to the virial as LAMMPS' tail correction
  // does, so that the pressure is that of the full sum.
  last_tail_energy_ = tail_energy;
  last_tail_boundary_ = (tail_energy - tail_energy8) + (5.0 / 3.0) * tail_energy8;
  energy += tail_energy;
  if (result == nullptr) return energy;

  result->energy = energy;
  const int count = static_cast<int>(n);
  const std::size_t threads = num_threads_;
  if (want_gradient && n > 0) {
#pragma omp parallel for schedule(static) num_threads(static_cast<int>(num_threads_)) if (num_threads_ > 1)
    for (int ii = 0; ii < count; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      double sum = 0.0;
      for (std::size_t t = 0; t < threads; ++t) sum += threads_[t].dedcn[i];
      dedcn_[i] = tail ? sum + tail_dedcn_[i] : sum;
    }
    if (uses_list()) {
      list_cn_gradient_pass();
    } else {
      cn_gradient_pass();
    }
  }
  if (request.forces) {
    result->forces.resize(n);
#pragma omp parallel for schedule(static) num_threads(static_cast<int>(num_threads_)) if (num_threads_ > 1)
    for (int ii = 0; ii < count; ++ii) {
      const auto i = static_cast<std::size_t>(ii);
      Vec3 f = Vec3::Zero();
      for (std::size_t t = 0; t < threads; ++t) f += threads_[t].forces[i];
      result->forces[i] = f;
    }
  }
  if (request.virial) {
    std::array<double, 6> w{};
    for (std::size_t t = 0; t < threads; ++t) {
      for (std::size_t k = 0; k < 6; ++k) w[k] += threads_[t].virial[k];
    }
    result->virial << w[0], w[3], w[4], w[3], w[1], w[5], w[4], w[5], w[2];
    // E_tail ∝ 1/V: -∂E_tail/∂ε = E_tail I, plus the boundary term above. The CN shell: its
    // 1/V and its boundary term enter through ∂E/∂CN_i (add_cn_tail).
    double cn_shell = 0.0;
    double cn_boundary = 0.0;
    if (tail) {
      for (std::size_t i = 0; i < n; ++i) {
        cn_shell += dedcn_[i] * cn_tail_[i];
        cn_boundary += dedcn_[i] * cn_tail_boundary_[i];
      }
    }
    last_tail_boundary_ += cn_boundary;
    result->virial += (tail_energy + cn_shell + last_tail_boundary_) * Mat3::Identity();
  } else {
    result->virial.setZero();
  }
  if (request.per_atom_energy) {
    result->per_atom_energy.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      double e = 0.0;
      for (std::size_t t = 0; t < threads; ++t) e += threads_[t].atom_energy[i];
      result->per_atom_energy[i] = tail ? e + tail_energy_[i] : e;
    }
  }
  return energy;
}

void D3Dispersion::compute(const core::System& system, const core::NeighborList& /*neighbors*/,
                           const ForceRequest& request, ForceResult& result) {
  (void)evaluate(system, request, &result);
}

double D3Dispersion::energy(const core::System& system, const core::NeighborList& /*neighbors*/) {
  return evaluate(system, ForceRequest{false, false, false}, nullptr);
}

}  // namespace ioncycle::potentials
