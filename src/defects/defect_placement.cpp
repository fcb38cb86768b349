// SPDX-License-Identifier: MIT
#include "defects/defect_placement.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "core/elements.hpp"
#include "core/neighbor_list.hpp"
#include "core/strings.hpp"
#include "core/units.hpp"
#include "defects/point_defects.hpp"

namespace ioncycle::defects {

namespace {

// Random site orders tried before a request is declared impossible.
constexpr int kMaxOrders = 21;
// Random points tried for interstitials before giving up.
constexpr std::int64_t kMaxInterstitialTrials = 200000;

std::string sym(int z) { return std::string(core::symbol(z)); }

std::string length_text(double x) { return units::format_quantity(x, units::Dimension::length); }

// A measured length for messages, to 0.01 Å.
std::string rounded_length(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f A", x);
  return buffer;
}

std::string int_list(const std::vector<int>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i > 0 ? ", " : "") + std::to_string(values[i]);
  return out + "]";
}

std::string elements_present(const core::System& system) {
  std::set<int> zs(system.atomic_numbers().begin(), system.atomic_numbers().end());
  std::string out;
  for (const int z : zs) out += (out.empty() ? "" : ", ") + sym(z);
  return out.empty() ? std::string("no atoms") : out;
}

std::string table_label(const DefectRequest& request) {
  return request.where.table.empty() ? std::string(to_string(request.type)) : "[" + request.where.table + "]";
}

// What defects of each type are called in messages.
std::string noun(DefectType type, std::int64_t n) {
  const bool one = n == 1;
  switch (type) {
    case DefectType::vacancy:
      return one ? "vacancy" : "vacancies";
    case DefectType::divacancy:
      return one ? "divacancy" : "divacancies";
    case DefectType::stone_wales:
      return one ? "Stone-Wales defect" : "Stone-Wales defects";
    case DefectType::substitution:
      return one ? "substitution" : "substitutions";
    case DefectType::antisite:
      return one ? "antisite exchange" : "antisite exchanges";
    case DefectType::interstitial:
      return one ? "interstitial" : "interstitials";
    default:
      return std::string(to_string(type));
  }
}

// Atoms affected by one defect, for concentrations (fraction of eligible atoms affected).
int atoms_per_defect(DefectType type) {
  return type == DefectType::divacancy || type == DefectType::stone_wales ? 2 : 1;
}

bool is_bond_type(DefectType type) { return type == DefectType::divacancy || type == DefectType::stone_wales; }

// One place a defect could go: one atom, or a bonded pair.
struct Candidate {
  std::size_t a = 0;
  std::size_t b = std::numeric_limits<std::size_t>::max();  // max: no second atom
  core::Vec3 position = core::Vec3::Zero();
  [[nodiscard]] bool is_pair() const { return b != std::numeric_limits<std::size_t>::max(); }
};

struct Bond {
  std::size_t i = 0;
  std::size_t j = 0;                  // i < j
  core::Vec3 d = core::Vec3::Zero();  // shortest vector from i to j
};

// Bonded neighbours (closer than cutoff) of every atom, one entry per periodic image; and, when
// `bonds` is given, each bonded pair once with its shortest vector.
std::vector<std::vector<std::size_t>> bonded_neighbours(const core::System& system, double cutoff,
                                                        std::vector<Bond>* bonds) {
  const std::size_t n = system.num_atoms();
  std::vector<std::vector<std::size_t>> neighbours(n);
  if (n == 0) return neighbours;
  core::NeighborList list({cutoff, 0.0, core::NeighborKind::full});
  list.build(system);
  std::vector<core::Vec3> shifts;
  list.cartesian_shifts(system.cell(), shifts);
  const auto positions = system.positions();
  const auto offsets = list.offsets();
  const auto nbrs = list.neighbors();
  const auto shift_ids = list.shift_ids();
  std::map<std::pair<std::size_t, std::size_t>, core::Vec3> shortest;  // i < j -> bond vector i->j
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = offsets[i]; k < offsets[i + 1]; ++k) {
      const auto j = static_cast<std::size_t>(nbrs[k]);
      if (j == i) continue;  // an atom is not bonded to its own image
      const core::Vec3 d = positions[j] - positions[i] + shifts[shift_ids[k]];
      if (d.norm() >= cutoff) continue;
      neighbours[i].push_back(j);
      if (bonds != nullptr && i < j) {
        const auto key = std::make_pair(i, j);
        const auto it = shortest.find(key);
        if (it == shortest.end() || d.norm() < it->second.norm()) shortest[key] = d;
      }
    }
  }
  if (bonds != nullptr) {
    for (const auto& [key, d] : shortest) bonds->push_back({key.first, key.second, d});
  }
  return neighbours;
}

void shuffle(std::vector<std::size_t>& v, core::Rng& rng) {
  for (std::size_t i = v.size(); i > 1; --i) {
    const auto j = static_cast<std::size_t>(rng.uniform_index(i));
    std::swap(v[i - 1], v[j]);
  }
}

double distance(const core::Cell& cell, const core::Vec3& a, const core::Vec3& b) {
  return cell.minimum_image(b - a).norm();
}

}  // namespace

// --- layers and regions -------------------------------------------------------------------

LayerOptions host_layer_options() {
  LayerOptions options;
  options.gap = 1.5;
  options.exclude = {3, 11, 19};  // Li, Na, K: the intercalated ions
  return options;
}

int HostLayers::layer_of(core::AtomId id) const {
  const auto it = layer_of_id.find(id);
  return it == layer_of_id.end() ? -1 : it->second;
}

HostLayers host_layers(const core::System& system) {
  HostLayers host;
  const core::Cell& cell = system.cell();
  if (!cell.has_lattice() || system.empty()) return host;
  host.spacing = cell.heights()[2];
  host.layers = find_layers(system, host_layer_options());
  for (std::size_t k = 0; k < host.layers.size(); ++k) {
    for (const std::size_t i : host.layers[k].atoms) host.layer_of_id[system.ids()[i]] = static_cast<int>(k);
  }
  return host;
}

double layer_height(const core::Cell& cell, const core::Vec3& r) {
  double s = cell.to_fractional(r)[2];
  if (cell.periodic(2)) s -= std::floor(s);
  return s * cell.heights()[2];
}

bool Region::contains(const core::Cell& cell, const core::Vec3& r) const {
  const core::Vec3 w = cell.has_lattice() ? cell.wrap(r) : r;
  return (w.array() >= lo.array()).all() && (w.array() <= hi.array()).all();
}

// --- proximity grid -----------------------------------------------------------------------

ProximityGrid::ProximityGrid(const core::Cell& cell, double range) : cell_(cell), range_(range) {
  // Bins at least `range` wide (measured between lattice planes), so every point within range of
  // a query lies in a neighbouring bin; at most 32 per axis (wider bins are still correct).
  if (cell_.has_lattice() && range > 0.0) {
    const core::Vec3 h = cell_.heights();
    for (int i = 0; i < 3; ++i) {
      num_bins_[static_cast<std::size_t>(i)] = std::clamp(static_cast<int>(std::floor(h[i] / range)), 1, 32);
    }
  }
  bins_.resize(static_cast<std::size_t>(num_bins_[0] * num_bins_[1] * num_bins_[2]));
}

std::array<int, 3> ProximityGrid::bin_of(const core::Vec3& r) const {
  std::array<int, 3> b{0, 0, 0};
  if (!cell_.has_lattice()) return b;
  const core::Vec3 s = cell_.to_fractional(r);
  for (int i = 0; i < 3; ++i) {
    const auto ui = static_cast<std::size_t>(i);
    double f = s[i];
    if (cell_.periodic(i)) f -= std::floor(f);
    // Non-periodic axes: clamping keeps the order of bins, so neighbours stay neighbours.
    b[ui] = std::clamp(static_cast<int>(std::floor(f * num_bins_[ui])), 0, num_bins_[ui] - 1);
  }
  return b;
}

void ProximityGrid::add(const core::Vec3& r, std::size_t tag) {
  const auto b = bin_of(r);
  bins_[static_cast<std::size_t>((b[0] * num_bins_[1] + b[1]) * num_bins_[2] + b[2])].push_back({r, tag});
}

template <typename Visit>
bool ProximityGrid::visit_near(const core::Vec3& r, double radius, Visit&& visit) const {
  const bool periodic = cell_.any_periodic();
  const auto visit_bin = [&](std::size_t bin) {
    for (const auto& [p, tag] : bins_[bin]) {
      const core::Vec3 d = periodic ? cell_.minimum_image(p - r) : core::Vec3(p - r);
      if (d.norm() < radius && visit(tag)) return true;
    }
    return false;
  };
  if (radius > range_) {  // beyond the range the bins were made for: search them all
    for (std::size_t bin = 0; bin < bins_.size(); ++bin) {
      if (visit_bin(bin)) return true;
    }
    return false;
  }
  const auto b = bin_of(r);
  // At most three bins per axis: the neighbours of b, or every bin when there are three or fewer.
  std::array<std::array<int, 3>, 3> rows{};
  std::array<int, 3> num_rows{0, 0, 0};
  for (std::size_t i = 0; i < 3; ++i) {
    const int nb = num_bins_[i];
    if (nb <= 3) {
      for (int k = 0; k < nb; ++k) rows[i][static_cast<std::size_t>(num_rows[i]++)] = k;
      continue;
    }
    for (int o = -1; o <= 1; ++o) {
      int k = b[i] + o;
      if (cell_.periodic(static_cast<int>(i))) {
        k = (k + nb) % nb;
      } else if (k < 0 || k >= nb) {
        continue;
      }
      rows[i][static_cast<std::size_t>(num_rows[i]++)] = k;
    }
  }
  for (int ri = 0; ri < num_rows[0]; ++ri) {
    for (int rj = 0; rj < num_rows[1]; ++rj) {
      for (int rk = 0; rk < num_rows[2]; ++rk) {
        const int i = rows[0][static_cast<std::size_t>(ri)];
        const int j = rows[1][static_cast<std::size_t>(rj)];
        const int k = rows[2][static_cast<std::size_t>(rk)];
        if (visit_bin(static_cast<std::size_t>((i * num_bins_[1] + j) * num_bins_[2] + k))) return true;
      }
    }
  }
  return false;
}

bool ProximityGrid::any_within(const core::Vec3& r, double radius) const {
  return visit_near(r, radius, [](std::size_t) { return true; });
}

void ProximityGrid::within(const core::Vec3& r, double radius, std::vector<std::size_t>& out) const {
  visit_near(r, radius, [&out](std::size_t tag) {
    out.push_back(tag);
    return false;
  });
}

// --- generation ---------------------------------------------------------------------------

namespace {

// Sites chosen for one request: candidate indices, plus the partner atom of each antisite.
struct Choice {
  std::vector<std::size_t> candidates;
  std::vector<std::size_t> partners;
};

class Generator {
 public:
  Generator(core::System& system, const DefectRequest& request, HostLayers& layers, core::Rng& rng)
      : system_(system), request_(request), layers_(layers), rng_(rng) {}

  std::vector<DefectRecord> run() {
    if (request_.type == DefectType::interstitial) return run_interstitials();
    check_species();
    check_layers(request_.layers, request_.where.layers, "layer");
    const auto eligible = eligible_atoms();
    build_candidates(eligible);
    const std::int64_t n = number_of_defects(static_cast<std::int64_t>(eligible.size()));
    const Choice choice = choose(static_cast<std::size_t>(n), eligible.size());
    return apply(choice);
  }

 private:
  [[noreturn]] void fail(const SourceLocation& where, const std::string& message, const std::string& hint = {}) const {
    throw InputError(where, table_label(request_) + ": " + message, hint);
  }

  void check_species() const {
    const auto zs = system_.atomic_numbers();
    const auto has = [&](int z) { return std::find(zs.begin(), zs.end(), z) != zs.end(); };
    if (!has(request_.z)) {
      fail(request_.where.species,
           "there is no " + sym(request_.z) + " atom in the structure (it holds " + elements_present(system_) + ")");
    }
    if (request_.type == DefectType::antisite && !has(request_.other_z)) {
      fail(request_.where.other, "there is no " + sym(request_.other_z) +
                                     " atom to exchange with (the structure holds " + elements_present(system_) + ")");
    }
  }

  void check_layers(const std::vector<int>& wanted, const SourceLocation& where, const std::string& what) const {
    if (wanted.empty()) return;
    if (layers_.size() == 0) {
      fail(where, "the structure has no host layers" +
                      std::string(system_.cell().has_lattice() ? "" : " (its cell has no lattice)"));
    }
    for (const int k : wanted) {
      if (k < 0 || static_cast<std::size_t>(k) >= layers_.size()) {
        fail(where, what + " " + std::to_string(k) + " does not exist: the structure has " +
                        std::to_string(layers_.size()) + " layers, numbered 0 to " +
                        std::to_string(layers_.size() - 1) + " from the bottom");
      }
    }
  }

  bool in_layers(core::AtomId id) const {
    if (request_.layers.empty()) return true;
    const int layer = layers_.layer_of(id);
    return std::find(request_.layers.begin(), request_.layers.end(), layer) != request_.layers.end();
  }

  std::vector<std::size_t> eligible_atoms() const {
    std::vector<std::size_t> out;
    const auto zs = system_.atomic_numbers();
    const auto ids = system_.ids();
    const auto positions = system_.positions();
    for (std::size_t i = 0; i < system_.num_atoms(); ++i) {
      if (zs[i] != request_.z || !in_layers(ids[i])) continue;
      if (request_.region && !request_.region->contains(system_.cell(), positions[i])) continue;
      out.push_back(i);
    }
    if (out.empty()) {
      std::string where_text;
      if (!request_.layers.empty()) where_text += " in layers " + int_list(request_.layers);
      if (request_.region) where_text += " inside the region";
      std::string hint;
      const auto excluded = host_layer_options().exclude;
      if (!request_.layers.empty() && std::find(excluded.begin(), excluded.end(), request_.z) != excluded.end()) {
        hint = sym(request_.z) + " is a mobile ion and belongs to no host layer; select it with region instead";
      }
      fail(request_.region ? request_.where.region : request_.where.layers,
           "no " + sym(request_.z) + " atom" + where_text + " to place defects on", hint);
    }
    return out;
  }

  void build_candidates(const std::vector<std::size_t>& eligible) {
    const core::Cell& cell = system_.cell();
    const auto positions = system_.positions();
    if (!is_bond_type(request_.type)) {
      for (const std::size_t i : eligible)
        candidates_.push_back(
            {i, std::numeric_limits<std::size_t>::max(), cell.has_lattice() ? cell.wrap(positions[i]) : positions[i]});
      if (request_.type == DefectType::antisite) {
        const auto zs = system_.atomic_numbers();
        for (std::size_t i = 0; i < system_.num_atoms(); ++i) {
          if (zs[i] == request_.other_z) partner_atoms_.push_back(i);
        }
      }
      return;
    }
    if (request_.type == DefectType::stone_wales && layers_.size() == 0) {
      fail(request_.where.table_at,
           "Stone-Wales rotations need a layered structure with a lattice (the bond turns "
           "about the layer normal)");
    }
    std::vector<char> is_eligible(system_.num_atoms(), 0);
    for (const std::size_t i : eligible) is_eligible[i] = 1;
    std::vector<Bond> bonds;
    neighbours_ = bonded_neighbours(system_, request_.bond_cutoff, &bonds);
    const auto ids = system_.ids();
    for (const auto& [i, j, d] : bonds) {
      if (!is_eligible[i] || !is_eligible[j]) continue;
      if (layers_.size() > 0 && layers_.layer_of(ids[i]) != layers_.layer_of(ids[j])) continue;
      if (request_.type == DefectType::stone_wales && !intact_sp2(i, j)) continue;
      const core::Vec3 mid = positions[i] + 0.5 * d;
      candidates_.push_back({i, j, cell.has_lattice() ? cell.wrap(mid) : mid});
    }
    if (candidates_.empty()) {
      fail(request_.where.bond_cutoff,
           "no " + sym(request_.z) + "-" + sym(request_.z) + " bond shorter than bond_cutoff (" +
               length_text(request_.bond_cutoff) + ") joins two eligible atoms" +
               (request_.type == DefectType::stone_wales ? " in an intact three-fold coordinated sheet" : "") +
               (layers_.size() > 0 ? " of one layer" : ""),
           "check species, layers and region, or raise bond_cutoff");
    }
  }

  // A Stone–Wales rotation needs an intact sp2 environment: both atoms of the bond and their
  // four other neighbours three-fold coordinated (no vacancy or edge next to it).
  bool intact_sp2(std::size_t i, std::size_t j) const {
    if (neighbours_[i].size() != 3 || neighbours_[j].size() != 3) return false;
    for (const std::size_t end : {i, j}) {
      for (const std::size_t k : neighbours_[end]) {
        if (neighbours_[k].size() != 3) return false;
      }
    }
    return true;
  }

  std::int64_t number_of_defects(std::int64_t num_eligible) const {
    const int per = atoms_per_defect(request_.type);
    std::int64_t n = 0;
    if (request_.count) {
      n = *request_.count;
    } else {
      const double c = request_.concentration.value_or(0.0);
      n = static_cast<std::int64_t>(std::llround(c * static_cast<double>(num_eligible) / per));
      if (n < 1) {
        fail(request_.where.amount,
             "concentration " + core::format_double(c) + " of " + std::to_string(num_eligible) + " eligible " +
                 sym(request_.z) + " atoms gives no defect",
             "raise the concentration to at least " + core::format_double(per / static_cast<double>(num_eligible)) +
                 " or give count = 1");
      }
    }
    if (n * per > num_eligible) {
      fail(request_.where.amount, "asks for " + std::to_string(n) + " " + noun(request_.type, n) +
                                      (per > 1 ? " (" + std::to_string(n * per) + " atoms)" : std::string()) +
                                      " but only " + std::to_string(num_eligible) + " " + sym(request_.z) +
                                      " atoms are eligible");
    }
    if (is_bond_type(request_.type) && static_cast<std::size_t>(n) > candidates_.size()) {
      fail(request_.where.amount, "asks for " + std::to_string(n) + " " + noun(request_.type, n) + " but only " +
                                      std::to_string(candidates_.size()) + " eligible bonds exist");
    }
    if (request_.type == DefectType::antisite && static_cast<std::size_t>(n) > partner_atoms_.size()) {
      fail(request_.where.amount, "asks for " + std::to_string(n) + " antisite exchanges but there are only " +
                                      std::to_string(partner_atoms_.size()) + " " + sym(request_.other_z) + " atoms");
    }
    return n;
  }

  // Nearest partner atom not used yet (antisite); max() when none is left.
  std::size_t nearest_partner(const Candidate& c, const std::vector<char>& used) const {
    std::size_t best = std::numeric_limits<std::size_t>::max();
    double best_d = std::numeric_limits<double>::infinity();
    for (const std::size_t p : partner_atoms_) {
      if (used[p]) continue;
      const double d = distance(system_.cell(), system_.positions()[c.a], system_.positions()[p]);
      if (d < best_d) {
        best_d = d;
        best = p;
      }
    }
    return best;
  }

  Choice choose(std::size_t n, std::size_t num_eligible) {
    const core::Cell& cell = system_.cell();
    const double sep = request_.min_separation;
    std::size_t best_count = 0;
    std::vector<std::size_t> first_choices;
    std::vector<std::size_t> order(candidates_.size());
    for (int attempt = 0; attempt < kMaxOrders; ++attempt) {
      for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
      shuffle(order, rng_);
      std::vector<char> used(system_.num_atoms(), 0);
      ProximityGrid taken(cell, sep);
      Choice choice;
      for (const std::size_t k : order) {
        if (choice.candidates.size() == n) break;
        const Candidate& c = candidates_[k];
        if (used[c.a] || (c.is_pair() && used[c.b])) continue;
        if (sep > 0.0 && taken.any_within(c.position, sep)) continue;
        std::size_t partner = std::numeric_limits<std::size_t>::max();
        if (request_.type == DefectType::antisite) {
          partner = nearest_partner(c, used);
          if (partner == std::numeric_limits<std::size_t>::max()) continue;
          used[partner] = 1;
          choice.partners.push_back(partner);
        }
        used[c.a] = 1;
        if (c.is_pair()) used[c.b] = 1;
        if (request_.type == DefectType::stone_wales) {
          // Keep rotations apart: no atom within two bonds of a rotated one is rotated again, so
          // two rotations never change the same ring bond or pull their atoms together.
          for (const std::size_t end : {c.a, c.b}) {
            for (const std::size_t j : neighbours_[end]) {
              used[j] = 1;
              for (const std::size_t second : neighbours_[j]) used[second] = 1;
            }
          }
        }
        taken.add(c.position, k);
        choice.candidates.push_back(k);
      }
      if (choice.candidates.size() == n) return choice;
      if (!choice.candidates.empty()) first_choices.push_back(choice.candidates.front());
      best_count = std::max(best_count, choice.candidates.size());
    }
    const std::string what = std::to_string(n) + " " + noun(request_.type, static_cast<std::int64_t>(n));
    // No order got past its first site: if that is because no site is min_separation away from
    // it, the cell is too small for the separation; say how far apart sites can be at all.
    double farthest = 0.0;
    if (best_count > 1) first_choices.clear();
    for (const std::size_t f : first_choices) {
      for (const auto& c : candidates_)
        farthest = std::max(farthest, distance(cell, candidates_[f].position, c.position));
    }
    if (sep > 0.0 && best_count <= 1 && n >= 2 && farthest < sep) {
      fail(request_.where.min_separation,
           "min_separation " + length_text(sep) +
               " is larger than the cell allows: no two eligible sites are that far "
               "apart under periodic boundaries (the farthest found are " +
               rounded_length(farthest) + " apart)",
           "lower min_separation or use a larger supercell");
    }
    fail(sep > 0.0 ? request_.where.min_separation : request_.where.amount,
         "only " + std::to_string(best_count) + " of the " + what + " fit" +
             (sep > 0.0 ? " with min_separation " + length_text(sep) : std::string()) + " among " +
             std::to_string(num_eligible) + " eligible " + sym(request_.z) + " atoms (best of " +
             std::to_string(kMaxOrders) + " random orders)",
         "lower count or min_separation, or widen the layers or region");
  }

  std::vector<DefectRecord> apply(const Choice& choice) {
    const auto ids = system_.ids();
    std::vector<DefectRecord> records;
    std::vector<int> record_layers;
    switch (request_.type) {
      case DefectType::vacancy:
      case DefectType::divacancy: {
        std::vector<std::vector<core::AtomId>> groups;
        for (const std::size_t k : choice.candidates) {
          const Candidate& c = candidates_[k];
          groups.push_back(c.is_pair() ? std::vector<core::AtomId>{ids[c.a], ids[c.b]}
                                       : std::vector<core::AtomId>{ids[c.a]});
          record_layers.push_back(layers_.layer_of(ids[c.a]));
        }
        records = make_vacancies(system_, groups, request_.type);
        break;
      }
      case DefectType::stone_wales: {
        std::vector<std::array<core::AtomId, 2>> bonds;
        for (const std::size_t k : choice.candidates) {
          bonds.push_back({ids[candidates_[k].a], ids[candidates_[k].b]});
          record_layers.push_back(layers_.layer_of(ids[candidates_[k].a]));
        }
        records = make_stone_wales(system_, bonds, layer_normal(system_.cell()));
        break;
      }
      case DefectType::substitution: {
        std::vector<core::AtomId> replaced;
        for (const std::size_t k : choice.candidates) {
          replaced.push_back(ids[candidates_[k].a]);
          record_layers.push_back(layers_.layer_of(ids[candidates_[k].a]));
        }
        records = make_substitutions(system_, replaced, request_.other_z);
        for (std::size_t r = 0; r < records.size(); ++r) {
          if (record_layers[r] >= 0) layers_.layer_of_id[records[r].added.front().id] = record_layers[r];
        }
        break;
      }
      case DefectType::antisite: {
        std::vector<std::array<core::AtomId, 2>> pairs;
        for (std::size_t m = 0; m < choice.candidates.size(); ++m) {
          const core::AtomId site = ids[candidates_[choice.candidates[m]].a];
          const core::AtomId partner = ids[choice.partners[m]];
          pairs.push_back({site, partner});
          const int layer = layers_.layer_of(site);
          record_layers.push_back(layer >= 0 ? layer : layers_.layer_of(partner));
        }
        records = make_antisites(system_, pairs);
        break;
      }
      default:
        fail(request_.where.type, "cannot generate defects of type '" + std::string(to_string(request_.type)) + "'");
    }
    for (std::size_t r = 0; r < records.size(); ++r) records[r].layer = record_layers[r];
    return records;
  }

  // --- interstitials ---

  struct Gallery {
    double lo = 0.0;  // fractional c of its bottom (the layer below's height / spacing)
    double width = 0.0;
  };

  std::vector<DefectRecord> run_interstitials() {
    const core::Cell& cell = system_.cell();
    const std::int64_t n = request_.count.value_or(0);
    if (!cell.has_lattice() && !request_.region) {
      fail(request_.where.table_at, "interstitials need a cell with a lattice, or a region to place them in");
    }
    std::vector<Gallery> galleries;
    if (!request_.galleries.empty()) {
      if (layers_.size() == 0) fail(request_.where.galleries, "the structure has no host layers, so no galleries");
      const std::size_t num_layers = layers_.size();
      const std::size_t num_galleries = cell.periodic(2) ? num_layers : num_layers - 1;
      for (const int k : request_.galleries) {
        if (k < 0 || static_cast<std::size_t>(k) >= num_galleries) {
          const std::string range = num_galleries == 0 ? std::string("so no gallery")
                                                       : "so galleries 0 to " + std::to_string(num_galleries - 1);
          fail(request_.where.galleries, "gallery " + std::to_string(k) + " does not exist: the structure has " +
                                             std::to_string(num_layers) + " layers, " + range +
                                             " (gallery k lies between layers k and k+1)");
        }
        const auto uk = static_cast<std::size_t>(k);
        const double lo = layers_.layers[uk].height / layers_.spacing;
        double hi = (uk + 1 < num_layers ? layers_.layers[uk + 1].height : layers_.layers[0].height + layers_.spacing) /
                    layers_.spacing;
        galleries.push_back({lo, hi - lo});
      }
    }
    const double range = std::max(request_.min_distance, request_.min_separation);
    ProximityGrid atoms(cell, range);
    for (std::size_t i = 0; i < system_.num_atoms(); ++i) atoms.add(system_.positions()[i], i);
    ProximityGrid placed(cell, range);
    double total_width = 0.0;
    for (const auto& g : galleries) total_width += g.width;

    const auto in_galleries = [&](const core::Vec3& r) {
      if (galleries.empty()) return true;
      const bool periodic_c = cell.periodic(2);
      double s = cell.to_fractional(r)[2];
      if (periodic_c) s -= std::floor(s);
      for (const auto& g : galleries) {
        double t = s - g.lo;
        if (periodic_c) t -= std::floor(t);  // the top gallery wraps to the bottom layer
        if (t >= 0.0 && t <= g.width) return true;
      }
      return false;
    };
    const auto sample = [&]() -> core::Vec3 {
      if (request_.region) {
        const auto& box = *request_.region;
        core::Vec3 r;
        for (int i = 0; i < 3; ++i) r[i] = rng_.uniform(box.lo[i], box.hi[i]);
        return r;
      }
      core::Vec3 s(rng_.uniform(), rng_.uniform(), rng_.uniform());
      if (!galleries.empty()) {
        double u = rng_.uniform() * total_width;
        for (const auto& g : galleries) {
          if (u <= g.width) {
            s[2] = g.lo + u;
            break;
          }
          u -= g.width;
        }
      }
      return cell.to_cartesian(s);
    };

    std::vector<core::Vec3> positions;
    std::int64_t trials = 0;
    while (static_cast<std::int64_t>(positions.size()) < n && trials < kMaxInterstitialTrials) {
      ++trials;
      core::Vec3 r = sample();
      if (cell.has_lattice()) r = cell.wrap(r);
      if (request_.region && !request_.region->contains(cell, r)) continue;
      if (!in_galleries(r)) continue;
      if (atoms.any_within(r, request_.min_distance)) continue;
      if (placed.any_within(r, std::max(request_.min_separation, request_.min_distance))) continue;
      placed.add(r, positions.size());
      positions.push_back(r);
    }
    if (static_cast<std::int64_t>(positions.size()) < n) {
      std::string where_text = request_.region ? " in the region" : " in the cell";
      if (!request_.galleries.empty()) where_text += " within galleries " + int_list(request_.galleries);
      fail(request_.where.min_distance,
           "found room for only " + std::to_string(positions.size()) + " of " + std::to_string(n) + " " +
               sym(request_.z) + " interstitials at least " + length_text(request_.min_distance) + " from every atom" +
               (request_.min_separation > 0.0 ? " and " + length_text(request_.min_separation) + " from each other"
                                              : std::string()) +
               where_text + " (" + std::to_string(kMaxInterstitialTrials) + " random trials)",
           "lower count or min_distance, or widen the region");
    }
    return make_interstitials(system_, request_.z, positions);
  }

  core::System& system_;
  const DefectRequest& request_;
  HostLayers& layers_;
  core::Rng& rng_;
  std::vector<Candidate> candidates_;
  std::vector<std::size_t> partner_atoms_;
  std::vector<std::vector<std::size_t>> neighbours_;
};

}  // namespace

std::vector<DefectRecord> generate_defects(core::System& system, const DefectRequest& request, HostLayers& layers,
                                           core::Rng& rng) {
  return Generator(system, request, layers, rng).run();
}

}  // namespace ioncycle::defects
