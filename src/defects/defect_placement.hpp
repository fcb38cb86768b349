// SPDX-License-Identifier: MIT
//
// Where defects go: the eligible sites of a request (atoms of one element, optionally restricted
// to host layers and/or a Cartesian region), how many (a count, or a concentration = fraction
// of eligible atoms affected), a minimum separation between the centres of the defects of one
// request (minimum-image distances), all drawn from a seeded Rng, so the same seed gives the
// same structure and different seeds differ.
//
// Choosing sites: eligible candidates (atoms; bonds for divacancy and Stone–Wales) are visited
// in a random order (Fisher–Yates with the Rng) and taken when they keep min_separation to every
// defect taken so far and share no atom with one. Stone–Wales bonds lie in an intact sheet (both
// atoms and their neighbours three-fold coordinated) and no atom within two bonds of a rotated
// one is rotated again. If an order falls short, up to 20 further random
// orders are tried before giving up with an InputError that says how many fitted. Interstitials
// are random points of the cell (or of the region / galleries) kept when at least min_distance
// from every atom and min_separation from each other.
//
// Every request is checked against the structure before anything changes: an absent element,
// a layer or gallery that does not exist, more defects than eligible sites, a separation that no
// two sites reach, or too many defects for the separation are InputErrors located at the key
// responsible (DefectRequest::where) and saying why. generate_defects() changes the System
// only after its sites are all chosen.
//
// Layers are those of the host (find_layers with host_layer_options()), numbered from 0 at the
// bottom; HostLayers remembers them by atom id so that numbering does not move when earlier
// defects add or remove atoms. Not thread-safe (writes the System and the Rng).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"
#include "defects/defect_record.hpp"
#include "defects/layers.hpp"

namespace ioncycle::defects {

/// Layer options for host structures: 1.5 Å gap; Li, Na and K (the mobile ions) belong to no
/// layer.
[[nodiscard]] LayerOptions host_layer_options();

/// The host layers of a structure, with each atom's layer remembered by id.
struct HostLayers {
  std::vector<Layer> layers;  ///< bottom to top, as find_layers gives them
  std::unordered_map<core::AtomId, int> layer_of_id;
  double spacing = 0.0;  ///< distance between the (a, b) lattice planes, V / |a × b| (Å)

  [[nodiscard]] std::size_t size() const { return layers.size(); }
  /// Layer index of the atom with this id, or -1.
  [[nodiscard]] int layer_of(core::AtomId id) const;
};

/// Layers of `system` (empty when the cell has no lattice or no atom forms a layer).
[[nodiscard]] HostLayers host_layers(const core::System& system);

/// Height of a point along the layer normal, s_c × spacing (Å), wrapped into [0, spacing) when c
/// is periodic: the measure find_layers uses for Layer::height.
[[nodiscard]] double layer_height(const core::Cell& cell, const core::Vec3& r);

/// An axis-aligned Cartesian box (Å); a point is inside when its position wrapped into the
/// cell satisfies lo <= r <= hi component by component.
struct Region {
  core::Vec3 lo = core::Vec3::Zero();
  core::Vec3 hi = core::Vec3::Zero();
  [[nodiscard]] bool contains(const core::Cell& cell, const core::Vec3& r) const;
};

/// Where the keys of a request were written, so errors point at them (unknown locations print
/// without one, for requests built in code).
struct RequestLocations {
  std::string table;  ///< "structure.defect[2]", for messages
  SourceLocation table_at, type, species, other, amount, layers, region, galleries, min_separation, min_distance,
      bond_cutoff;
};

/// One [[structure.defect]] table, parsed and statically valid (see defect_spec.hpp).
struct DefectRequest {
  DefectType type = DefectType::vacancy;
  /// Element of the sites: removed (vacancy, divacancy), rotated (stone_wales), replaced
  /// (substitution), exchanged site atom (antisite), inserted (interstitial).
  int z = 0;
  /// substitution: the new element ("by"); antisite: the partner element ("with").
  int other_z = 0;
  std::optional<std::int64_t> count;
  /// Fraction of eligible atoms affected, in (0, 1] (not for interstitials).
  std::optional<double> concentration;
  std::vector<int> layers;  ///< host layer indices; empty: all
  std::optional<Region> region;
  std::vector<int> galleries;   ///< interstitial: gallery k lies between layers k and k+1
  double min_separation = 0.0;  ///< Å between defect centres of this request
  double min_distance = 1.5;    ///< Å, interstitial: from every atom
  double bond_cutoff = 1.8;     ///< Å, divacancy / stone_wales: bonded when closer
  RequestLocations where;
};

/// Choose the sites of `request` in `system` with `rng`, apply the defects and return their
/// records (with layer indices from `layers`, which learns the layers of substituted atoms).
/// Throws a located InputError, with the System unchanged, when the request cannot be met.
std::vector<DefectRecord> generate_defects(core::System& system, const DefectRequest& request, HostLayers& layers,
                                           core::Rng& rng);

/// Points binned in the cell for "which points are within r of here" queries (minimum image),
/// O(1) per query on average for radii up to the `range` given at construction (larger radii
/// are answered correctly by searching every bin).
class ProximityGrid {
 public:
  ProximityGrid(const core::Cell& cell, double range);
  void add(const core::Vec3& r, std::size_t tag);
  /// Whether a stored point lies closer than `radius` to r.
  [[nodiscard]] bool any_within(const core::Vec3& r, double radius) const;
  /// Tags of the stored points closer than `radius` to r (appended to `out`).
  void within(const core::Vec3& r, double radius, std::vector<std::size_t>& out) const;

 private:
  [[nodiscard]] std::array<int, 3> bin_of(const core::Vec3& r) const;
  template <typename Visit>
  bool visit_near(const core::Vec3& r, double radius, Visit&& visit) const;

  core::Cell cell_;
  double range_ = 0.0;
  std::array<int, 3> num_bins_{1, 1, 1};
  std::vector<std::vector<std::pair<core::Vec3, std::size_t>>> bins_;
};

}  // namespace ioncycle::defects
