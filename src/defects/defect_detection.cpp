// SPDX-License-Identifier: MIT
#include "defects/defect_detection.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "core/elements.hpp"
#include "core/neighbor_list.hpp"
#include "defects/defect_placement.hpp"
#include "defects/layers.hpp"
#include "defects/point_defects.hpp"

namespace ioncycle::defects {

namespace {

// Range of the neighbour search (Å): first shells of C–C, M–O, O–O and the pair distances the
// bond cutoffs are derived from.
constexpr double kSearchRange = 4.0;
// A one-element sheet holds at least this fraction of its majority element.
constexpr double kSheetPurity = 0.75;
// Off-plane distance of an adatom in a one-element sheet (Å).
constexpr double kAdatomHeight = 0.8;
// Height gap (Å) between atomic planes: the O, M and O planes of a slab are ~1 Å apart.
constexpr double kPlaneGap = 0.7;
// Extra margin (Å) around a layer's height band within which an ion sits "in" the layer.
constexpr double kBandMargin = 0.3;

struct Neighbour {
  std::size_t j;
  core::Vec3 d;  // from the centre atom to j, nearest image
  double r;
};

double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// Minimal union-find for clustering points.
struct DisjointSets {
  std::vector<std::size_t> parent;
  explicit DisjointSets(std::size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), std::size_t{0}); }
  std::size_t find(std::size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  }
  void unite(std::size_t a, std::size_t b) { parent[find(a)] = find(b); }
};

class Detector {
 public:
  Detector(const core::System& system, const DetectionOptions& options)
      : system_(system), options_(options), cell_(system.cell()) {}

  std::vector<DefectRecord> run() {
    if (!cell_.has_lattice() || system_.empty()) return {};
    find_host_layers();
    if (layers_.empty()) return {};
    collect_neighbours();
    typical_distances();
    std::vector<DefectRecord> records;
    detect_vacancies(records);
    detect_stone_wales(records);
    detect_substitutions(records);
    detect_off_layer(records);
    return records;
  }

 private:
  bool is_intercalant(int z) const {
    return std::find(options_.intercalants.begin(), options_.intercalants.end(), z) != options_.intercalants.end();
  }

  AtomRef ref(std::size_t i) const { return {system_.ids()[i], system_.atomic_numbers()[i]}; }

  core::Vec3 wrapped(std::size_t i) const { return cell_.wrap(system_.positions()[i]); }

  // Host layers without the stray atoms: first the atomic planes (heights closer than
  // kPlaneGap), and the atoms of sparse planes set aside, so that a Ni in the Li plane between
  // two MO2 slabs (1.3 Å from the O planes on either side) does not merge the two slabs into one
  // layer; then find_layers on the rest.
  void find_host_layers() {
    LayerOptions plane_options;
    plane_options.gap = kPlaneGap;
    plane_options.exclude = options_.intercalants;
    const auto planes = find_layers(system_, plane_options);
    std::size_t largest_plane = 0;
    for (const auto& plane : planes) largest_plane = std::max(largest_plane, plane.atoms.size());
    std::vector<std::size_t> kept;
    for (const auto& plane : planes) {
      if (static_cast<double>(plane.atoms.size()) <
          options_.sparse_layer_fraction * static_cast<double>(largest_plane)) {
        continue;
      }
      kept.insert(kept.end(), plane.atoms.begin(), plane.atoms.end());
    }
    std::sort(kept.begin(), kept.end());
    core::System framework{cell_};
    std::vector<core::AtomSpec> specs;
    for (const std::size_t i : kept) {
      core::AtomSpec spec;
      spec.z = system_.atomic_numbers()[i];
      spec.position = system_.positions()[i];
      specs.push_back(spec);
    }
    framework.insert_atoms(specs);
    LayerOptions lo;
    lo.gap = options_.layer_gap;
    lo.exclude = options_.intercalants;
    layers_ = find_layers(framework, lo);
    for (auto& layer : layers_) {
      for (auto& i : layer.atoms) i = kept[i];  // back to indices of the structure
    }
    layer_of_.assign(system_.num_atoms(), -1);
    std::size_t largest = 0;
    for (const auto& layer : layers_) largest = std::max(largest, layer.atoms.size());
    is_host_.assign(layers_.size(), false);
    for (std::size_t k = 0; k < layers_.size(); ++k) {
      is_host_[k] =
          static_cast<double>(layers_[k].atoms.size()) >= options_.sparse_layer_fraction * static_cast<double>(largest);
      if (!is_host_[k]) continue;
      for (const std::size_t i : layers_[k].atoms) layer_of_[i] = static_cast<int>(k);
      for (const std::size_t i : layers_[k].atoms) ++layer_counts_[k][system_.atomic_numbers()[i]];
    }
    for (std::size_t k = 0; k < layers_.size(); ++k) {
      if (!is_host_[k]) continue;
      for (const auto& [z, count] : layer_counts_[k]) {
        host_elements_.insert(z);
        if (static_cast<double>(count) < kSheetPurity * static_cast<double>(layers_[k].atoms.size()) &&
            static_cast<double>(count) >= 0.2 * static_cast<double>(layers_[k].atoms.size())) {
          multi_element_layers_ = true;
        }
      }
    }
  }

  // Same-layer neighbours of every host-layer atom within kSearchRange.
  void collect_neighbours() {
    const std::size_t n = system_.num_atoms();
    neighbours_.assign(n, {});
    core::NeighborList list({kSearchRange, 0.0, core::NeighborKind::full});
    list.build(system_);
    std::vector<core::Vec3> shifts;
    list.cartesian_shifts(cell_, shifts);
    const auto positions = system_.positions();
    const auto offsets = list.offsets();
    const auto nbrs = list.neighbors();
    const auto shift_ids = list.shift_ids();
    for (std::size_t i = 0; i < n; ++i) {
      if (layer_of_[i] < 0) continue;
      for (std::size_t k = offsets[i]; k < offsets[i + 1]; ++k) {
        const auto j = static_cast<std::size_t>(nbrs[k]);
        if (j == i || layer_of_[j] != layer_of_[i]) continue;
        const core::Vec3 d = positions[j] - positions[i] + shifts[shift_ids[k]];
        const double r = d.norm();
        if (r < kSearchRange) neighbours_[i].push_back({j, d, r});
      }
    }
  }

  // d0(A, B): median over the atoms of the rarer element of the distance to their nearest
  // atom of the other element in the same layer.
  void typical_distances() {
    const auto zs = system_.atomic_numbers();
    std::map<int, std::size_t> totals;
    for (std::size_t i = 0; i < system_.num_atoms(); ++i) {
      if (layer_of_[i] >= 0) ++totals[zs[i]];
    }
    std::map<std::pair<int, int>, std::vector<double>> nearest;  // (centre, other)
    for (std::size_t i = 0; i < system_.num_atoms(); ++i) {
      std::map<int, double> best;
      for (const auto& nb : neighbours_[i]) {
        auto [it, inserted] = best.try_emplace(zs[nb.j], nb.r);
        if (!inserted) it->second = std::min(it->second, nb.r);
      }
      for (const auto& [z, r] : best) nearest[{zs[i], z}].push_back(r);
    }
    for (const auto& [a, na] : totals) {
      for (const auto& [b, nb] : totals) {
        // From the rarer element's side (ties: the lower Z), so both orders agree.
        const bool a_centre = na < nb || (na == nb && a <= b);
        const auto key = a_centre ? std::make_pair(a, b) : std::make_pair(b, a);
        const auto it = nearest.find(key);
        if (it == nearest.end() || it->second.empty()) continue;
        d0_[{a, b}] = median(it->second);
      }
    }
  }

  double cutoff(int a, int b) const {
    const auto it = d0_.find({a, b});
    return it == d0_.end() ? 0.0 : options_.bond_factor * it->second;
  }

  double typical(int a, int b) const {
    const auto it = d0_.find({a, b});
    return it == d0_.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
  }

  // Bonded same-layer neighbours of element b of atom i.
  std::vector<const Neighbour*> bonded(std::size_t i, int b) const {
    std::vector<const Neighbour*> out;
    const double c = cutoff(system_.atomic_numbers()[i], b);
    for (const auto& nb : neighbours_[i]) {
      if (system_.atomic_numbers()[nb.j] == b && nb.r < c) out.push_back(&nb);
    }
    return out;
  }

  // All bonded same-layer neighbours of atom i (any element).
  std::vector<const Neighbour*> bonded_any(std::size_t i) const {
    std::vector<const Neighbour*> out;
    const int a = system_.atomic_numbers()[i];
    for (const auto& nb : neighbours_[i]) {
      if (nb.r < cutoff(a, system_.atomic_numbers()[nb.j])) out.push_back(&nb);
    }
    return out;
  }

  // --- vacancies ---------------------------------------------------------------------------

  struct Prediction {
    core::Vec3 site;
    std::size_t predictor;
  };

  void detect_vacancies(std::vector<DefectRecord>& records) const {
    const auto zs = system_.atomic_numbers();
    const auto positions = system_.positions();
    std::set<int> elements;
    for (std::size_t i = 0; i < system_.num_atoms(); ++i) {
      if (layer_of_[i] >= 0) elements.insert(zs[i]);
    }
    // Every atom, to check that a predicted site is really empty.
    double largest_d0 = 0.0;
    for (const auto& [pair, d] : d0_) largest_d0 = std::max(largest_d0, d);
    ProximityGrid occupied(cell_, std::max(0.5 * largest_d0, options_.site_tolerance));
    for (std::size_t i = 0; i < system_.num_atoms(); ++i) occupied.add(positions[i], i);

    for (const int b : elements) {
      std::vector<Prediction> predictions;
      for (const int a : elements) {
        const double d0 = typical(a, b);
        if (!std::isfinite(d0)) continue;
        // Usual coordination of A by B, and whether it is centrosymmetric.
        std::map<std::size_t, std::size_t> histogram;
        std::vector<std::size_t> centres;
        for (std::size_t i = 0; i < system_.num_atoms(); ++i) {
          if (zs[i] != a || layer_of_[i] < 0) continue;
          centres.push_back(i);
          ++histogram[bonded(i, b).size()];
        }
        std::size_t mode = 0, mode_count = 0;
        for (const auto& [cn, count] : histogram) {
          if (count > mode_count) {
            mode = cn;
            mode_count = count;
          }
        }
        if (mode < 2) continue;
        std::vector<double> residuals;
        for (const std::size_t i : centres) {
          const auto bonds = bonded(i, b);
          if (bonds.size() != mode) continue;
          core::Vec3 sum = core::Vec3::Zero();
          for (const auto* nb : bonds) sum += nb->d;
          residuals.push_back(sum.norm());
        }
        if (!(median(residuals) < 0.25 * d0)) continue;
        for (const std::size_t i : centres) {
          const auto bonds = bonded(i, b);
          if (bonds.size() + 1 != mode) continue;
          core::Vec3 sum = core::Vec3::Zero();
          for (const auto* nb : bonds) sum += nb->d;
          // The missing bond vector is −sum; it should look like a bond.
          if (std::abs(sum.norm() - d0) > 0.3 * d0) continue;
          const core::Vec3 site = cell_.wrap(positions[i] - sum);
          if (occupied.any_within(site, 0.5 * d0)) continue;
          predictions.push_back({site, i});
        }
      }
      if (predictions.empty()) continue;

      // Predictions of one site merge; a site seen by at least two atoms is vacant.
      DisjointSets sets(predictions.size());
      for (std::size_t p = 0; p < predictions.size(); ++p) {
        for (std::size_t q = p + 1; q < predictions.size(); ++q) {
          if (cell_.minimum_image(predictions[q].site - predictions[p].site).norm() < options_.site_tolerance) {
            sets.unite(p, q);
          }
        }
      }
      struct Site {
        std::vector<core::Vec3> points;
        std::set<std::size_t> predictors;
        core::Vec3 centre;
      };
      std::map<std::size_t, Site> by_root;
      for (std::size_t p = 0; p < predictions.size(); ++p) {
        auto& site = by_root[sets.find(p)];
        site.points.push_back(predictions[p].site);
        site.predictors.insert(predictions[p].predictor);
      }
      std::vector<Site> sites;
      for (auto& [root, site] : by_root) {
        if (site.predictors.size() < 2) continue;  // a free edge, not a hole
        site.centre = periodic_centre(cell_, site.points);
        sites.push_back(std::move(site));
      }
      if (sites.empty()) continue;

      // Adjacent vacant sites form one defect.
      const double bb = typical(b, b);
      // Without a B–B distance (a rare element) each site stays a defect of its own.
      const double join = std::isfinite(bb) ? 1.2 * bb : 0.0;
      DisjointSets groups(sites.size());
      for (std::size_t s = 0; s < sites.size(); ++s) {
        for (std::size_t t = s + 1; t < sites.size(); ++t) {
          if (cell_.minimum_image(sites[t].centre - sites[s].centre).norm() < join) {
            groups.unite(s, t);
          }
        }
      }
      std::map<std::size_t, std::vector<std::size_t>> members;
      for (std::size_t s = 0; s < sites.size(); ++s) members[groups.find(s)].push_back(s);
      for (const auto& [root, group] : members) {
        DefectRecord record;
        record.type = group.size() == 1   ? DefectType::vacancy
                      : group.size() == 2 ? DefectType::divacancy
                                          : DefectType::vacancy_cluster;
        std::vector<core::Vec3> centres;
        std::set<std::size_t> predictors;
        for (const std::size_t s : group) {
          centres.push_back(sites[s].centre);
          record.removed.push_back({-1, b});
          predictors.insert(sites[s].predictors.begin(), sites[s].predictors.end());
        }
        record.position = periodic_centre(cell_, centres);
        std::vector<std::size_t> sorted(predictors.begin(), predictors.end());
        std::sort(sorted.begin(), sorted.end(),
                  [&](std::size_t x, std::size_t y) { return system_.ids()[x] < system_.ids()[y]; });
        for (const std::size_t i : sorted) record.atoms.push_back(ref(i));
        record.layer = layer_of_[sorted.front()];
        records.push_back(std::move(record));
      }
    }
  }

  // --- Stone–Wales ---------------------------------------------------------------------------

  // Size of the smallest ring through the bond i -> j (vector d), up to `max_ring`; 0 if none.
  // Breadth-first search from i without the bond itself; positions are unwrapped along the
  // path so that a path around the periodic cell is not mistaken for a ring.
  std::size_t smallest_ring(std::size_t i, std::size_t j, const core::Vec3& d, std::size_t max_ring,
                            const std::vector<std::vector<const Neighbour*>>& graph) const {
    struct Node {
      std::size_t atom;
      core::Vec3 offset;  // unwrapped position relative to i
      std::size_t depth;
    };
    std::map<std::size_t, core::Vec3> seen{{i, core::Vec3::Zero()}};
    std::deque<Node> queue{{i, core::Vec3::Zero(), 0}};
    while (!queue.empty()) {
      const Node node = queue.front();
      queue.pop_front();
      if (node.depth + 2 > max_ring) break;  // a path of depth+1 bonds closes a ring of depth+2
      for (const auto* nb : graph[node.atom]) {
        const core::Vec3 offset = node.offset + nb->d;
        if (node.atom == i && nb->j == j && (nb->d - d).norm() < 1e-6) continue;  // the bond itself
        if (nb->j == j) {
          if ((offset - d).norm() < 0.1 && node.depth >= 1) return node.depth + 2;
          continue;
        }
        if (seen.count(nb->j) != 0) continue;
        seen[nb->j] = offset;
        queue.push_back({nb->j, offset, node.depth + 1});
      }
    }
    return 0;
  }

  void detect_stone_wales(std::vector<DefectRecord>& records) const {
    std::vector<std::vector<const Neighbour*>> graph(system_.num_atoms());
    for (std::size_t i = 0; i < system_.num_atoms(); ++i) {
      if (layer_of_[i] < 0) continue;
      const auto& counts = layer_counts_.at(static_cast<std::size_t>(layer_of_[i]));
      // Only one-element sp2 sheets: the majority element three-fold coordinated by itself.
      const auto majority = std::max_element(counts.begin(), counts.end(),
                                             [](const auto& x, const auto& y) { return x.second < y.second; });
      if (static_cast<double>(majority->second) <
          kSheetPurity * static_cast<double>(layers_[static_cast<std::size_t>(layer_of_[i])].atoms.size())) {
        continue;
      }
      graph[i] = bonded_any(i);
    }
    // The sheet must be three-fold coordinated as a rule (graphene), not just here and there.
    std::size_t three = 0, total = 0;
    for (std::size_t i = 0; i < graph.size(); ++i) {
      if (layer_of_[i] < 0 || graph[i].empty()) continue;
      ++total;
      if (graph[i].size() == 3) ++three;
    }
    if (total == 0 || 2 * three < total) return;
    for (std::size_t i = 0; i < graph.size(); ++i) {
      if (graph[i].size() != 3) continue;
      for (const auto* nb : graph[i]) {
        const std::size_t j = nb->j;
        if (j <= i || graph[j].size() != 3) continue;
        if (smallest_ring(i, j, nb->d, 8, graph) != 7) continue;
        DefectRecord record;
        record.type = DefectType::stone_wales;
        record.position = cell_.wrap(system_.positions()[i] + 0.5 * nb->d);
        record.layer = layer_of_[i];
        record.atoms = {ref(i), ref(j)};
        records.push_back(std::move(record));
      }
    }
  }

  // --- substitutions -------------------------------------------------------------------------

  void detect_substitutions(std::vector<DefectRecord>& records) const {
    const auto zs = system_.atomic_numbers();
    for (std::size_t k = 0; k < layers_.size(); ++k) {
      if (!is_host_[k]) continue;
      const auto& counts = layer_counts_.at(k);
      const auto majority = std::max_element(counts.begin(), counts.end(),
                                             [](const auto& x, const auto& y) { return x.second < y.second; });
      if (static_cast<double>(majority->second) < kSheetPurity * static_cast<double>(layers_[k].atoms.size())) continue;
      for (const std::size_t i : layers_[k].atoms) {
        if (zs[i] == majority->first) continue;
        DefectRecord record;
        record.type = DefectType::substitution;
        record.position = wrapped(i);
        record.layer = static_cast<int>(k);
        record.atoms = {ref(i)};
        record.properties["host"] = std::string(core::symbol(majority->first));
        records.push_back(std::move(record));
      }
    }
  }

  // --- atoms off the layers --------------------------------------------------------------------

  // Distance in height between a point and a layer's mean plane, on the circle of heights.
  double height_offset(const core::Vec3& r, const Layer& layer) const {
    const double d = cell_.heights()[2];
    double dh = layer_height(cell_, r) - layer.height;
    if (cell_.periodic(2)) dh -= d * std::round(dh / d);
    return std::abs(dh);
  }

  void detect_off_layer(std::vector<DefectRecord>& records) const {
    const auto zs = system_.atomic_numbers();
    std::vector<DefectRecord> antisites, interstitials;
    for (std::size_t i = 0; i < system_.num_atoms(); ++i) {
      const int z = zs[i];
      if (is_intercalant(z)) {
        if (!multi_element_layers_) continue;
        // An ion inside a slab's height band sits on a layer site.
        for (std::size_t k = 0; k < layers_.size(); ++k) {
          if (!is_host_[k]) continue;
          if (height_offset(system_.positions()[i], layers_[k]) <= 0.5 * layers_[k].thickness + kBandMargin) {
            DefectRecord record;
            record.type = DefectType::antisite;
            record.position = wrapped(i);
            record.layer = static_cast<int>(k);
            record.atoms = {ref(i)};
            antisites.push_back(std::move(record));
            break;
          }
        }
        continue;
      }
      if (layer_of_[i] >= 0) {
        // An adatom: well off the plane of a one-element sheet.
        const auto k = static_cast<std::size_t>(layer_of_[i]);
        const auto& counts = layer_counts_.at(k);
        const auto majority = std::max_element(counts.begin(), counts.end(),
                                               [](const auto& x, const auto& y) { return x.second < y.second; });
        if (static_cast<double>(majority->second) < kSheetPurity * static_cast<double>(layers_[k].atoms.size()))
          continue;
        if (height_offset(system_.positions()[i], layers_[k]) <= kAdatomHeight) continue;
        DefectRecord record;
        record.type = DefectType::interstitial;
        record.position = wrapped(i);
        record.layer = static_cast<int>(k);
        record.atoms = {ref(i)};
        interstitials.push_back(std::move(record));
        continue;
      }
      DefectRecord record;
      record.position = wrapped(i);
      record.atoms = {ref(i)};
      // A layer cation (not the anion that makes most of the slab) in a gallery: cation mixing.
      bool cation = false;
      if (multi_element_layers_ && host_elements_.count(z) != 0) {
        std::size_t with_z = 0, total = 0;
        for (std::size_t k = 0; k < layers_.size(); ++k) {
          if (!is_host_[k]) continue;
          const auto it = layer_counts_.at(k).find(z);
          if (it != layer_counts_.at(k).end()) with_z += it->second;
          total += layers_[k].atoms.size();
        }
        cation = 2 * with_z < total;
      }
      record.type = cation ? DefectType::antisite : DefectType::interstitial;
      (cation ? antisites : interstitials).push_back(std::move(record));
    }
    records.insert(records.end(), antisites.begin(), antisites.end());
    records.insert(records.end(), interstitials.begin(), interstitials.end());
  }

  const core::System& system_;
  const DetectionOptions& options_;
  const core::Cell& cell_;
  std::vector<Layer> layers_;
  std::vector<bool> is_host_;
  std::vector<int> layer_of_;
  std::map<std::size_t, std::map<int, std::size_t>> layer_counts_;
  std::set<int> host_elements_;
  bool multi_element_layers_ = false;
  std::vector<std::vector<Neighbour>> neighbours_;
  std::map<std::pair<int, int>, double> d0_;
};

}  // namespace

std::vector<DefectRecord> detect_defects(const core::System& system, const DetectionOptions& options) {
  return Detector(system, options).run();
}

}  // namespace ioncycle::defects
