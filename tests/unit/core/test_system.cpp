// SPDX-License-Identifier: MIT
//
// System: ids, order and index_of across insertions and removals (checked against a plain
// std::vector reference model), explicit ids, versions, masses, kinetic energy and the
// positions matrix view.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "core/cell.hpp"
#include "core/elements.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"

using ioncycle::InputError;
using ioncycle::core::AtomId;
using ioncycle::core::AtomSpec;
using ioncycle::core::Cell;
using ioncycle::core::Rng;
using ioncycle::core::System;
using ioncycle::core::Vec3;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

AtomSpec atom(int z, Vec3 position, Vec3 velocity = Vec3::Zero(), double mass = kNaN,
              std::optional<AtomId> id = std::nullopt) {
  AtomSpec a;
  a.z = z;
  a.position = position;
  a.velocity = velocity;
  a.mass = mass;
  a.id = id;
  return a;
}

std::vector<AtomId> ids_of(const System& system) {
  return {system.ids().begin(), system.ids().end()};
}

// Everything observable about a System, to check that failed operations change nothing.
struct Snapshot {
  std::vector<AtomId> ids;
  std::vector<int> z;
  std::vector<double> masses;
  std::vector<Vec3> positions, velocities, forces;
  AtomId next_id = 0;
  std::uint64_t topology_version = 0;
  std::uint64_t cell_version = 0;

  explicit Snapshot(const System& s)
      : ids(ids_of(s)),
        z(s.atomic_numbers().begin(), s.atomic_numbers().end()),
        masses(s.masses().begin(), s.masses().end()),
        positions(s.positions().begin(), s.positions().end()),
        velocities(s.velocities().begin(), s.velocities().end()),
        forces(s.forces().begin(), s.forces().end()),
        next_id(s.next_id()),
        topology_version(s.topology_version()),
        cell_version(s.cell_version()) {}
  bool operator==(const Snapshot&) const = default;
};

void check_index_of_consistent(const System& system) {
  for (std::size_t i = 0; i < system.num_atoms(); ++i) {
    const auto idx = system.index_of(system.ids()[i]);
    REQUIRE(idx.has_value());
    CHECK(*idx == i);
  }
}

// The reference model: a plain vector of atoms in order, and the set of every id ever handed out.
struct RefAtom {
  AtomId id;
  int z;
  Vec3 position;
  Vec3 velocity;
  double mass;
};

struct Reference {
  std::vector<RefAtom> atoms;
  std::set<AtomId> ever_used;
  AtomId next = 0;  // one past the largest id ever used
  std::uint64_t topology_version = 0;

  const RefAtom* find(AtomId id) const {
    for (const auto& a : atoms) {
      if (a.id == id) return &a;
    }
    return nullptr;
  }
};

void check_against_reference(const System& system, const Reference& ref) {
  REQUIRE(system.num_atoms() == ref.atoms.size());
  CHECK(system.empty() == ref.atoms.empty());
  CHECK(system.topology_version() == ref.topology_version);
  CHECK(system.next_id() == ref.next);
  for (std::size_t i = 0; i < ref.atoms.size(); ++i) {
    const RefAtom& a = ref.atoms[i];
    INFO("index " << i << ", id " << a.id);
    REQUIRE(system.ids()[i] == a.id);
    CHECK(system.atomic_numbers()[i] == a.z);
    CHECK(system.positions()[i] == a.position);
    CHECK(system.velocities()[i] == a.velocity);
    CHECK(system.masses()[i] == a.mass);
    const auto idx = system.index_of(a.id);
    REQUIRE(idx.has_value());
    CHECK(*idx == i);
  }
  // Every id handed out and no longer present is gone for good; ids never handed out are unknown.
  std::set<AtomId> live;
  for (const auto& a : ref.atoms) live.insert(a.id);
  for (const AtomId id : ref.ever_used) {
    if (live.count(id) == 0) CHECK_FALSE(system.index_of(id).has_value());
  }
  CHECK_FALSE(system.index_of(ref.next).has_value());
  CHECK_FALSE(system.index_of(ref.next + 1000).has_value());
  CHECK_FALSE(system.index_of(-1).has_value());
  CHECK_FALSE(system.index_of(std::numeric_limits<AtomId>::max()).has_value());
  CHECK_FALSE(system.index_of(std::numeric_limits<AtomId>::min()).has_value());
}

}  // namespace

TEST_CASE("a new system is empty", "[unit][system]") {
  const System system;
  CHECK(system.num_atoms() == 0);
  CHECK(system.empty());
  CHECK(system.next_id() == 0);
  CHECK(system.topology_version() == 0);
  CHECK(system.cell_version() == 0);
  CHECK_FALSE(system.cell().any_periodic());
  CHECK(system.positions_matrix().cols() == 0);
  CHECK(system.kinetic_energy() == 0.0);
  CHECK(system.total_mass() == 0.0);
  CHECK_FALSE(system.index_of(0).has_value());
}

TEST_CASE("atoms get consecutive ids in insertion order", "[unit][system]") {
  System system(Cell::orthorhombic(10.0, 10.0, 10.0));
  CHECK(system.add_atom(atom(6, {0.0, 0.0, 0.0})) == 0);
  CHECK(system.add_atom(atom(6, {1.0, 0.0, 0.0})) == 1);
  const std::vector<AtomSpec> more{atom(3, {2.0, 0.0, 0.0}), atom(8, {3.0, 0.0, 0.0}),
                                   atom(1, {4.0, 0.0, 0.0})};
  CHECK(system.insert_atoms(more) == std::vector<AtomId>{2, 3, 4});
  CHECK(ids_of(system) == std::vector<AtomId>{0, 1, 2, 3, 4});
  CHECK(system.atomic_numbers()[3] == 8);
  CHECK(system.positions()[4] == Vec3(4.0, 0.0, 0.0));
  CHECK(system.next_id() == 5);
  check_index_of_consistent(system);
  // Forces start at zero.
  for (const Vec3& f : system.forces()) CHECK(f == Vec3::Zero());
}

TEST_CASE("removal keeps the order of the rest and ids are never reused", "[unit][system]") {
  System system;
  for (int i = 0; i < 6; ++i) (void)system.add_atom(atom(6, {static_cast<double>(i), 0.0, 0.0}));
  const std::vector<AtomId> doomed{4, 1};  // not in order on purpose
  system.remove_atoms(doomed);
  CHECK(ids_of(system) == std::vector<AtomId>{0, 2, 3, 5});
  // The data moved with the ids.
  CHECK(system.positions()[1] == Vec3(2.0, 0.0, 0.0));
  CHECK(system.positions()[3] == Vec3(5.0, 0.0, 0.0));
  CHECK_FALSE(system.index_of(1).has_value());
  CHECK_FALSE(system.index_of(4).has_value());
  check_index_of_consistent(system);

  // Removing the newest atom does not free its id.
  const std::vector<AtomId> last{5};
  system.remove_atoms(last);
  CHECK(system.add_atom(atom(6, {9.0, 0.0, 0.0})) == 6);
  // Removing everything does not either.
  const std::vector<AtomId> all = ids_of(system);
  system.remove_atoms(all);
  CHECK(system.empty());
  CHECK(system.add_atom(atom(6, {0.0, 0.0, 0.0})) == 7);
  CHECK(ids_of(system) == std::vector<AtomId>{7});
  CHECK(*system.index_of(7) == 0);
}

TEST_CASE("removing an unknown or repeated id throws and removes nothing", "[unit][system]") {
  System system;
  for (int i = 0; i < 4; ++i) (void)system.add_atom(atom(3, {static_cast<double>(i), 0.0, 0.0}));
  const std::vector<AtomId> once{2};
  system.remove_atoms(once);
  const Snapshot before(system);

  const std::vector<std::vector<AtomId>> bad{
      {0, 17},      // never existed (the valid 0 comes first, so a partial removal would show)
      {3, 2},       // removed earlier
      {1, -1},      // negative
      {0, 1, 0},    // listed twice
      {4},          // the next id, not yet given out
      {std::numeric_limits<AtomId>::max()},
  };
  for (const auto& ids : bad) {
    INFO("removing " << ids.size() << " ids, first " << ids.front());
    CHECK_THROWS_AS(system.remove_atoms(ids), InputError);
    CHECK(Snapshot(system) == before);
  }
  try {
    const std::vector<AtomId> unknown{17};
    system.remove_atoms(unknown);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    CHECK_THAT(std::string(e.what()), Catch::Contains("17"));
  }
}

TEST_CASE("topology_version bumps once per insert or remove call, never on moves", "[unit][system]") {
  System system(Cell::orthorhombic(5.0, 5.0, 5.0));
  CHECK(system.topology_version() == 0);
  (void)system.add_atom(atom(6, {0.0, 0.0, 0.0}));
  CHECK(system.topology_version() == 1);
  const std::vector<AtomSpec> three{atom(6, {1.0, 0.0, 0.0}), atom(6, {2.0, 0.0, 0.0}),
                                    atom(6, {3.0, 0.0, 0.0})};
  (void)system.insert_atoms(three);
  CHECK(system.topology_version() == 2);
  const std::vector<AtomId> two{1, 3};
  system.remove_atoms(two);
  CHECK(system.topology_version() == 3);

  // Moving atoms, changing velocities, forces, masses or the cell is not a topology change.
  system.positions()[0] = Vec3(0.5, 0.5, 0.5);
  system.velocities()[1] = Vec3(0.01, 0.0, 0.0);
  system.forces()[1] = Vec3(1.0, 2.0, 3.0);
  system.positions_matrix().col(1) = Eigen::Vector3d(4.0, 4.0, 4.0);
  system.set_mass(0, 13.0);
  system.set_cell(Cell::orthorhombic(6.0, 6.0, 6.0));
  CHECK(system.topology_version() == 3);

  // Calls that change nothing do not bump it.
  system.remove_atoms(std::vector<AtomId>{});
  (void)system.insert_atoms(std::vector<AtomSpec>{});
  CHECK(system.topology_version() == 3);
  // Nor do failed calls.
  CHECK_THROWS_AS(system.remove_atoms(std::vector<AtomId>{99}), InputError);
  CHECK_THROWS_AS(system.add_atom(atom(0, {0.0, 0.0, 0.0})), InputError);
  CHECK(system.topology_version() == 3);
}

TEST_CASE("set_cell bumps cell_version and moves no atom", "[unit][system]") {
  System system(Cell::orthorhombic(5.0, 5.0, 5.0));
  (void)system.add_atom(atom(6, {7.0, -1.0, 2.0}));
  CHECK(system.cell_version() == 0);
  system.set_cell(Cell::orthorhombic(6.0, 6.0, 6.0));
  CHECK(system.cell_version() == 1);
  CHECK(system.cell() == Cell::orthorhombic(6.0, 6.0, 6.0));
  CHECK(system.positions()[0] == Vec3(7.0, -1.0, 2.0));
  system.set_cell(Cell());
  CHECK(system.cell_version() == 2);
  CHECK_FALSE(system.cell().any_periodic());
  CHECK(system.topology_version() == 1);
}

TEST_CASE("explicit ids", "[unit][system]") {
  System system;
  SECTION("are used as given and move the next free id past them") {
    CHECK(system.add_atom(atom(6, {0.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{10})) == 10);
    CHECK(system.next_id() == 11);
    CHECK(system.add_atom(atom(6, {1.0, 0.0, 0.0})) == 11);
    // An unused id below the next free one (a gap in a file's ids) is allowed and does not move it.
    CHECK(system.add_atom(atom(6, {2.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{3})) == 3);
    CHECK(system.next_id() == 12);
    CHECK(ids_of(system) == std::vector<AtomId>{10, 11, 3});
    check_index_of_consistent(system);
    // Mixed with automatic ones in one call.
    const std::vector<AtomSpec> batch{atom(6, {3.0, 0.0, 0.0}),
                                      atom(6, {4.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{20}),
                                      atom(6, {5.0, 0.0, 0.0})};
    CHECK(system.insert_atoms(batch) == std::vector<AtomId>{12, 20, 21});
    CHECK(system.next_id() == 22);
    check_index_of_consistent(system);
  }
  SECTION("id 0 is a valid explicit id") {
    CHECK(system.add_atom(atom(6, {0.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{0})) == 0);
    CHECK(system.next_id() == 1);
  }
  SECTION("duplicates and negative ids throw and leave the system unchanged") {
    (void)system.add_atom(atom(6, {0.0, 0.0, 0.0}));
    (void)system.add_atom(atom(6, {1.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{5}));
    const Snapshot before(system);
    const std::vector<std::vector<AtomSpec>> bad{
        {atom(6, {2.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{5})},                    // in use
        {atom(6, {2.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{0})},                    // in use
        {atom(6, {2.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{-1})},                   // negative
        {atom(6, {2.0, 0.0, 0.0}), atom(6, {3.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{-7})},
        {atom(6, {2.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{8}),                     // twice in
         atom(6, {3.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{8})},                    // one call
        {atom(6, {2.0, 0.0, 0.0}),  // gets the automatic id 6 ...
         atom(6, {3.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{6})},  // ... then asks for 6
        {atom(6, {2.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{9}),  // moves the next id to 10
         atom(6, {3.0, 0.0, 0.0}),                                  // gets 10
         atom(6, {4.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{10})},
    };
    for (std::size_t i = 0; i < bad.size(); ++i) {
      INFO("bad batch " << i);
      CHECK_THROWS_AS(system.insert_atoms(bad[i]), InputError);
      CHECK(Snapshot(system) == before);
      CHECK_FALSE(system.index_of(6).has_value());
      CHECK_FALSE(system.index_of(8).has_value());
    }
    // And the system still works normally afterwards.
    CHECK(system.add_atom(atom(6, {2.0, 0.0, 0.0})) == 6);
  }
}

TEST_CASE("a failed insertion leaves the system unchanged", "[unit][system]") {
  System system(Cell::orthorhombic(8.0, 8.0, 8.0));
  (void)system.add_atom(atom(3, {0.0, 0.0, 0.0}, {0.1, 0.0, 0.0}));
  (void)system.add_atom(atom(6, {1.0, 0.0, 0.0}, {0.0, 0.2, 0.0}));
  const std::vector<AtomId> first{0};
  system.remove_atoms(first);
  const Snapshot before(system);
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::vector<AtomSpec>> bad{
      {atom(0, {2.0, 0.0, 0.0})},                                               // no element 0
      {atom(6, {2.0, 0.0, 0.0}), atom(119, {3.0, 0.0, 0.0})},                   // nor 119
      {atom(6, {2.0, 0.0, 0.0}), atom(6, {3.0, 0.0, 0.0}, Vec3::Zero(), -1.0)},  // bad mass, late
      {atom(6, {2.0, 0.0, 0.0}), atom(6, {3.0, 0.0, 0.0}, Vec3::Zero(), 0.0)},
      {atom(6, {2.0, 0.0, 0.0}), atom(6, {3.0, 0.0, 0.0}, Vec3::Zero(), inf)},
      {atom(6, {2.0, 0.0, 0.0}), atom(6, {kNaN, 0.0, 0.0})},                    // bad position
      {atom(6, {2.0, 0.0, 0.0}), atom(6, {inf, 0.0, 0.0})},
      {atom(6, {2.0, 0.0, 0.0}), atom(6, {3.0, 0.0, 0.0}, {0.0, kNaN, 0.0})},    // bad velocity
      {atom(6, {2.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{50}),                // explicit id
       atom(6, {3.0, 0.0, 0.0}, Vec3::Zero(), -2.0)},                           // then a bad mass
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    INFO("bad batch " << i);
    CHECK_THROWS_AS(system.insert_atoms(bad[i]), InputError);
    CHECK(Snapshot(system) == before);
    for (const AtomId id : {AtomId{2}, AtomId{3}, AtomId{50}, AtomId{51}}) CHECK_FALSE(system.index_of(id).has_value());
  }
  // The next atom gets the id it would have got without the failed attempts.
  CHECK(system.add_atom(atom(6, {2.0, 0.0, 0.0})) == 2);
  check_index_of_consistent(system);
}

TEST_CASE("random insert/remove sequences match a reference model", "[unit][system]") {
  Rng rng(2024, 3);
  System system(Cell::orthorhombic(20.0, 20.0, 20.0));
  Reference ref;
  const int zs[] = {1, 3, 6, 8, 11, 27};
  auto random_vec = [&rng](double scale) {
    return Vec3(rng.uniform(-scale, scale), rng.uniform(-scale, scale), rng.uniform(-scale, scale));
  };
  std::size_t max_atoms = 0;
  int num_explicit = 0, num_failed = 0;
  for (int step = 0; step < 3000; ++step) {
    INFO("step " << step);
    const auto op = rng.uniform_index(10);
    if (op < 4 || ref.atoms.size() < 3) {
      // Insert 1..5 atoms; some with an explicit mass, some with an explicit fresh id.
      const auto count = 1 + rng.uniform_index(5);
      std::vector<AtomSpec> batch;
      std::vector<RefAtom> expected;
      AtomId next = ref.next;
      for (std::uint64_t k = 0; k < count; ++k) {
        const int z = zs[rng.uniform_index(std::size(zs))];
        AtomSpec a = atom(z, random_vec(10.0), random_vec(0.05));
        if (rng.uniform() < 0.3) a.mass = rng.uniform(1.0, 200.0);
        if (rng.uniform() < 0.1) {
          a.id = next + static_cast<AtomId>(rng.uniform_index(4));  // sometimes leaves gaps
          ++num_explicit;
        }
        const AtomId id = a.id ? *a.id : next;
        next = std::max(next, id + 1);
        expected.push_back({id, z, a.position, a.velocity,
                            std::isnan(a.mass) ? ioncycle::core::standard_mass(z) : a.mass});
        batch.push_back(a);
      }
      if (rng.uniform() < 0.1) {
        // Spoil the batch: a duplicate of a live id, or a bad mass at the end.
        if (rng.uniform() < 0.5 && !ref.atoms.empty()) {
          batch.back().id = ref.atoms[rng.uniform_index(ref.atoms.size())].id;
        } else {
          batch.back().mass = -1.0;
        }
        CHECK_THROWS_AS(system.insert_atoms(batch), InputError);
        ++num_failed;
      } else {
        std::vector<AtomId> expected_ids;
        for (const auto& e : expected) {
          CHECK(ref.ever_used.count(e.id) == 0);  // a fresh id
          expected_ids.push_back(e.id);
          ref.ever_used.insert(e.id);
          ref.atoms.push_back(e);
        }
        CHECK(system.insert_atoms(batch) == expected_ids);
        ref.next = next;
        ++ref.topology_version;
      }
    } else if (op < 8) {
      // Remove 1..4 distinct atoms chosen at random, listed in random order.
      const auto count = std::min<std::size_t>(1 + rng.uniform_index(4), ref.atoms.size());
      std::vector<AtomId> doomed;
      while (doomed.size() < count) {
        const AtomId id = ref.atoms[rng.uniform_index(ref.atoms.size())].id;
        if (std::find(doomed.begin(), doomed.end(), id) == doomed.end()) doomed.push_back(id);
      }
      if (rng.uniform() < 0.1) {
        // Spoil the list: a removed or never-used id, or a repeat.
        const auto which = rng.uniform_index(3);
        if (which == 0) doomed.push_back(ref.next + 5);
        if (which == 1) doomed.insert(doomed.begin(), doomed.back());
        if (which == 2) {
          AtomId gone = -1;
          for (const AtomId id : ref.ever_used) {
            if (ref.find(id) == nullptr) gone = id;
          }
          doomed.push_back(gone);  // -1 if nothing was removed yet: also invalid
        }
        CHECK_THROWS_AS(system.remove_atoms(doomed), InputError);
        ++num_failed;
      } else {
        system.remove_atoms(doomed);
        std::erase_if(ref.atoms, [&doomed](const RefAtom& a) {
          return std::find(doomed.begin(), doomed.end(), a.id) != doomed.end();
        });
        ++ref.topology_version;
      }
    } else {
      // Move atoms and change velocities through the spans: not a topology change.
      for (std::size_t i = 0; i < ref.atoms.size(); ++i) {
        if (rng.uniform() < 0.5) continue;
        const Vec3 dx = random_vec(0.1);
        system.positions()[i] += dx;
        ref.atoms[i].position += dx;
        system.velocities()[i] = random_vec(0.05);
        ref.atoms[i].velocity = system.velocities()[i];
      }
    }
    max_atoms = std::max(max_atoms, ref.atoms.size());
    check_against_reference(system, ref);
  }
  // The sequence really exercised what it meant to.
  CHECK(max_atoms > 20);
  CHECK(num_explicit > 50);
  CHECK(num_failed > 50);
  CHECK(ref.ever_used.size() > 1000);
}

TEST_CASE("reserve_ids_below only moves the next id forward", "[unit][system]") {
  System system;
  system.reserve_ids_below(100);
  CHECK(system.next_id() == 100);
  CHECK(system.add_atom(atom(6, {0.0, 0.0, 0.0})) == 100);
  system.reserve_ids_below(50);
  CHECK(system.next_id() == 101);
  CHECK(system.add_atom(atom(6, {0.0, 0.0, 0.0})) == 101);
  // Ids below the reserved range can still be given explicitly (restoring a checkpoint).
  CHECK(system.add_atom(atom(6, {0.0, 0.0, 0.0}, Vec3::Zero(), kNaN, AtomId{7})) == 7);
  check_index_of_consistent(system);
}

TEST_CASE("standard masses are used when the mass is NaN", "[unit][system]") {
  System system;
  // IUPAC standard atomic weights (conventional values): H 1.008, Li 6.94, C 12.011, O 15.999,
  // Co 58.933194.
  const std::vector<std::pair<int, double>> expected{{1, 1.008}, {3, 6.94}, {6, 12.011}, {8, 15.999},
                                                     {27, 58.933194}};
  for (const auto& [z, mass] : expected) (void)system.add_atom(atom(z, Vec3::Zero()));
  (void)system.add_atom(atom(3, Vec3::Zero(), Vec3::Zero(), 7.016));  // an explicit 7Li mass
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("Z = " << expected[i].first);
    CHECK(system.masses()[i] == Approx(expected[i].second).epsilon(1e-4));
    CHECK(system.masses()[i] == ioncycle::core::standard_mass(expected[i].first));
  }
  CHECK(system.masses()[5] == 7.016);
  CHECK(system.total_mass() == Approx(1.008 + 6.94 + 12.011 + 15.999 + 58.933194 + 7.016).epsilon(1e-4));
}

TEST_CASE("set_mass changes one mass and rejects bad values", "[unit][system]") {
  System system;
  (void)system.add_atom(atom(3, Vec3::Zero()));
  (void)system.add_atom(atom(3, Vec3::Zero()));
  system.set_mass(1, 7.016);
  CHECK(system.masses()[1] == 7.016);
  CHECK(system.masses()[0] == ioncycle::core::standard_mass(3));
  CHECK_THROWS_AS(system.set_mass(0, 0.0), InputError);
  CHECK_THROWS_AS(system.set_mass(0, -1.0), InputError);
  CHECK_THROWS_AS(system.set_mass(0, kNaN), InputError);
  CHECK_THROWS_AS(system.set_mass(0, std::numeric_limits<double>::infinity()), InputError);
  CHECK(system.masses()[1] == 7.016);
}

TEST_CASE("kinetic energy of a known configuration in eV", "[unit][system]") {
  // Computed here in SI: m in kg from the 2018 CODATA atomic mass constant, v in m/s
  // (1 Å/fs = 1e-10 m / 1e-15 s = 1e5 m/s), E in J converted with the exact elementary charge.
  const double amu_kg = 1.66053906660e-27;
  const double e_J = 1.602176634e-19;
  const double A_per_fs_in_m_per_s = 1.0e-10 / 1.0e-15;
  struct Moving {
    int z;
    double mass_amu;
    Vec3 v;
  };
  const std::vector<Moving> atoms{{3, 6.94, {0.01, -0.02, 0.005}},
                                  {6, 12.0, {-0.003, 0.0, 0.004}},
                                  {8, 15.999, {0.0, 0.0, 0.0}},
                                  {1, 2.014, {0.05, 0.05, -0.05}}};
  System system;
  double expected_J = 0.0;
  for (const auto& a : atoms) {
    (void)system.add_atom(atom(a.z, Vec3::Zero(), a.v, a.mass_amu));
    const Vec3 v_SI = a.v * A_per_fs_in_m_per_s;
    expected_J += 0.5 * (a.mass_amu * amu_kg) * v_SI.squaredNorm();
  }
  const double expected_eV = expected_J / e_J;
  CHECK(system.kinetic_energy() == Approx(expected_eV).epsilon(1e-12));

  // A sanity anchor with a familiar number: 1 amu at 1 Å/fs carries 51.8213 eV
  // (1 amu·Å²/fs² = 103.6427 eV).
  System one;
  (void)one.add_atom(atom(1, Vec3::Zero(), {1.0, 0.0, 0.0}, 1.0));
  CHECK(one.kinetic_energy() == Approx(51.8213).epsilon(1e-5));

  // Kinetic energy follows removals.
  const std::vector<AtomId> light{3};
  system.remove_atoms(light);
  const Vec3 v_li = atoms[0].v * A_per_fs_in_m_per_s, v_c = atoms[1].v * A_per_fs_in_m_per_s;
  const double without_d = 0.5 * amu_kg * (6.94 * v_li.squaredNorm() + 12.0 * v_c.squaredNorm()) / e_J;
  CHECK(system.kinetic_energy() == Approx(without_d).epsilon(1e-12));
}

TEST_CASE("positions_matrix is a 3 x N view of the positions", "[unit][system]") {
  System system;
  for (int i = 0; i < 5; ++i) {
    (void)system.add_atom(atom(6, {1.0 * i, 2.0 * i, 3.0 * i}));
  }
  auto m = system.positions_matrix();
  REQUIRE(m.rows() == 3);
  REQUIRE(m.cols() == 5);
  CHECK(m.data() == system.positions().front().data());
  for (Eigen::Index j = 0; j < 5; ++j) {
    CHECK(Vec3(m.col(j)) == system.positions()[static_cast<std::size_t>(j)]);
  }
  // Writes through the view are writes to the positions, and the other way round.
  m(1, 3) = -42.0;
  CHECK(system.positions()[3] == Vec3(3.0, -42.0, 9.0));
  system.positions()[2] = Vec3(7.0, 8.0, 9.0);
  CHECK(Vec3(m.col(2)) == Vec3(7.0, 8.0, 9.0));
  m.array() += 1.0;
  CHECK(system.positions()[0] == Vec3(1.0, 1.0, 1.0));

  const System& view = system;
  const auto cm = view.positions_matrix();
  CHECK(cm.data() == view.positions().front().data());
  CHECK(cm.cols() == 5);
  CHECK(Vec3(cm.col(4)) == Vec3(5.0, 9.0, 13.0));

  // After removals the view (taken anew) matches the remaining atoms.
  const std::vector<AtomId> doomed{0, 2};
  system.remove_atoms(doomed);
  auto after = system.positions_matrix();
  REQUIRE(after.cols() == 3);
  for (Eigen::Index j = 0; j < 3; ++j) {
    CHECK(Vec3(after.col(j)) == system.positions()[static_cast<std::size_t>(j)]);
  }
}

TEST_CASE("an explicit id of a removed atom is refused: ids are never reused", "[unit][system]") {
  System sys(Cell::orthorhombic(10, 10, 10));
  AtomSpec a;
  a.z = 3;
  const AtomId first = sys.add_atom(a);
  const AtomId second = sys.add_atom(a);
  sys.remove_atoms(std::vector<AtomId>{first});
  AtomSpec again = a;
  again.id = first;
  CHECK_THROWS_WITH(sys.add_atom(again), Catch::Contains("removed"));
  CHECK(sys.num_atoms() == 1);
  CHECK(sys.index_of(second) == std::optional<std::size_t>(0));
  // Large, sparse ids from a file are fine and cost nothing per unused id.
  AtomSpec far = a;
  far.id = 4'000'000'000LL;
  CHECK(sys.add_atom(far) == 4'000'000'000LL);
  CHECK(sys.next_id() == 4'000'000'001LL);
  AtomSpec huge = a;
  huge.id = std::numeric_limits<AtomId>::max();
  CHECK_THROWS_AS(sys.add_atom(huge), InputError);
}

// Trial-move tools (ion exchange): a rejected trial leaves everything but topology_version as it
// was, and no id is burnt.
namespace {
void check_same_except_topology(const Snapshot& a, const Snapshot& b) {
  CHECK(a.ids == b.ids);
  CHECK(a.z == b.z);
  CHECK(a.masses == b.masses);
  CHECK(a.positions == b.positions);
  CHECK(a.velocities == b.velocities);
  CHECK(a.forces == b.forces);
  CHECK(a.next_id == b.next_id);
  CHECK(a.cell_version == b.cell_version);
}
}  // namespace

TEST_CASE("a discarded trial atom gives its id back", "[unit][system]") {
  System system(Cell::orthorhombic(10, 10, 10));
  for (int i = 0; i < 4; ++i) (void)system.add_atom(atom(6, {static_cast<double>(i), 0.0, 0.0}));
  system.remove_atoms(std::vector<AtomId>{3});  // next id stays 4 (3 is gone for good)
  const Snapshot before(system);
  const std::uint64_t version = system.topology_version();

  const AtomId trial = system.add_trial_atom(atom(3, {5.0, 5.0, 5.0}, {0.1, 0.0, 0.0}));
  CHECK(trial == 4);
  CHECK(system.num_atoms() == 4);
  CHECK(system.index_of(trial) == std::optional<std::size_t>(3));
  CHECK(system.next_id() == 5);
  CHECK(system.topology_version() == version + 1);

  system.discard_trial_atom(trial);
  CHECK(system.topology_version() == version + 2);
  check_same_except_topology(Snapshot(system), before);
  CHECK_FALSE(system.index_of(trial).has_value());
  check_index_of_consistent(system);

  // The id is handed out again, by a trial or an ordinary insertion, and may be given explicitly.
  CHECK(system.add_trial_atom(atom(3, {5.0, 5.0, 5.0})) == 4);
  system.discard_trial_atom(4);
  AtomSpec explicit_id = atom(3, {5.0, 5.0, 5.0});
  explicit_id.id = 4;
  CHECK(system.add_atom(explicit_id) == 4);
  CHECK(system.next_id() == 5);
  // A kept trial atom is an ordinary atom: removing it leaves a tombstone as usual.
  const AtomId kept = system.add_trial_atom(atom(3, {6.0, 5.0, 5.0}));
  CHECK(kept == 5);
  system.remove_atoms(std::vector<AtomId>{kept});
  CHECK(system.add_atom(atom(3, {6.0, 5.0, 5.0})) == 6);
}

TEST_CASE("restore_removed_atom undoes a trial removal exactly", "[unit][system]") {
  System system(Cell::orthorhombic(10, 10, 10));
  Rng rng(5);
  for (int i = 0; i < 7; ++i) {
    (void)system.add_atom(atom(i % 2 == 0 ? 6 : 3, {rng.uniform(0, 10), rng.uniform(0, 10), rng.uniform(0, 10)},
                               {rng.normal(), rng.normal(), rng.normal()}, 1.0 + rng.uniform()));
  }
  system.remove_atoms(std::vector<AtomId>{6});
  system.forces()[2] = Vec3(1.0, -2.0, 3.0);
  const Snapshot before(system);
  const std::uint64_t version = system.topology_version();

  // One atom from the middle.
  {
    const std::size_t index = *system.index_of(2);
    AtomSpec saved = atom(system.atomic_numbers()[index], system.positions()[index],
                          system.velocities()[index], system.masses()[index], AtomId{2});
    const Vec3 force = system.forces()[index];
    system.remove_atoms(std::vector<AtomId>{2});
    CHECK(system.num_atoms() == 5);
    system.restore_removed_atom(saved, index);
    CHECK(system.forces()[index] == Vec3::Zero());
    system.forces()[index] = force;
    CHECK(system.topology_version() == version + 2);
    check_same_except_topology(Snapshot(system), before);
    check_index_of_consistent(system);
  }
  // Two atoms removed by one call, restored in increasing former index (first and last).
  {
    const std::vector<AtomId> doomed{5, 0};
    std::vector<std::pair<std::size_t, AtomSpec>> saved;
    for (const AtomId id : std::vector<AtomId>{0, 5}) {
      const std::size_t i = *system.index_of(id);
      saved.emplace_back(i, atom(system.atomic_numbers()[i], system.positions()[i], system.velocities()[i],
                                 system.masses()[i], id));
    }
    system.remove_atoms(doomed);
    for (const auto& [index, spec] : saved) system.restore_removed_atom(spec, index);
    check_same_except_topology(Snapshot(system), before);
    check_index_of_consistent(system);
  }
  // Ids stay unique after all this: the next new atom gets the next id, not a restored one.
  CHECK(system.add_atom(atom(6, {1.0, 1.0, 1.0})) == 7);
}
