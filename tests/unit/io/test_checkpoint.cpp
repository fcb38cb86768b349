// SPDX-License-Identifier: MIT
//
// Checkpoints (io/checkpoint.hpp): a bitwise round trip of a System with extreme and subnormal
// values, ids with gaps and a next id beyond removed atoms, and of every kind of generic state;
// the restored System hands out no id twice and a restored RNG continues its sequence; missing,
// foreign, damaged and other-version files are InputErrors naming the file and the problem; a
// writer killed with SIGKILL at random moments (tests/tools/checkpoint_writer_loop.cpp) always
// leaves a checkpoint equal to one of the states it wrote, and no stale temporary files pile up.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/cell.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/system.hpp"
#include "io/checkpoint.hpp"
#include "io/h5md_writer.hpp"
#include "testing.hpp"
#include "tools/checkpoint_loop_states.hpp"

using ioncycle::InputError;
using ioncycle::core::AtomId;
using ioncycle::core::AtomSpec;
using ioncycle::core::Cell;
using ioncycle::core::Mat3;
using ioncycle::core::Rng;
using ioncycle::core::System;
using ioncycle::core::Vec3;
using ioncycle::io::CheckpointData;
namespace io = ioncycle::io;
namespace testing = ioncycle::testing;

namespace {

template <class T>
bool same_bytes(std::span<const T> a, std::span<const T> b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size_bytes()) == 0);
}

bool same_bytes(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Every stored part of two systems agrees bit for bit.
bool same_system(const System& a, const System& b) {
  const Mat3 ha = a.cell().matrix();
  const Mat3 hb = b.cell().matrix();
  return same_bytes(std::span<const double>(ha.data(), 9), std::span<const double>(hb.data(), 9)) &&
         a.cell().pbc() == b.cell().pbc() && same_bytes(a.positions(), b.positions()) &&
         same_bytes(a.velocities(), b.velocities()) && same_bytes(a.forces(), b.forces()) &&
         same_bytes(a.masses(), b.masses()) && same_bytes(a.atomic_numbers(), b.atomic_numbers()) &&
         same_bytes(a.ids(), b.ids()) && a.next_id() == b.next_id();
}

bool same_values(const std::map<std::string, std::vector<double>>& a,
                 const std::map<std::string, std::vector<double>>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, v] : a) {
    const auto it = b.find(name);
    if (it == b.end() || !same_bytes(std::span<const double>(v), std::span<const double>(it->second))) return false;
  }
  return true;
}

bool same_checkpoint(const CheckpointData& a, const CheckpointData& b) {
  return same_system(a.system, b.system) && same_values(a.values, b.values) && a.rngs == b.rngs &&
         a.texts == b.texts && a.integers == b.integers;
}

constexpr double kMax = std::numeric_limits<double>::max();
constexpr double kMin = std::numeric_limits<double>::min();          // smallest normal
constexpr double kDenorm = std::numeric_limits<double>::denorm_min();  // smallest subnormal
constexpr double kInf = std::numeric_limits<double>::infinity();

CheckpointData rich_state() {
  Mat3 h;
  h << 12.3456789012345678, 0.0, 0.0,  //
      -4.1, 11.0000000000000018, 0.0,  //
      0.7, -1.3, 25.0 / 3.0;
  CheckpointData data;
  data.system = System(Cell(h, {true, false, true}));
  Rng rng(2024, 3);
  std::vector<AtomSpec> atoms;
  // Ids with gaps, out of order, given explicitly (as a restored or read-in system has them).
  const std::vector<AtomId> ids{3, 0, 17, 18, 4, 1000, 5, 6, 7, 42};
  const std::vector<double> odd{0.0, -0.0, kDenorm, -kDenorm, 3 * kDenorm, kMin, -kMin, 0.5 * kMin, 1e300, -1e-310};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    AtomSpec a;
    a.z = i % 3 == 0 ? 3 : (i % 3 == 1 ? 6 : 8);
    a.position = Vec3(odd[i], rng.uniform(-1e3, 1e3), rng.normal() * 1e-200);
    a.velocity = Vec3(rng.normal(), odd[(i + 3) % odd.size()], i % 2 == 0 ? kMax : -kMax);
    a.mass = i == 0 ? kDenorm : (i == 1 ? kMax : rng.uniform(1.0, 200.0));
    a.id = ids[i];
    atoms.push_back(a);
  }
  (void)data.system.insert_atoms(atoms);
  auto f = data.system.forces();
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = Vec3(rng.normal(), i % 2 == 0 ? kInf : -kInf, odd[i]);
  // Remove the atoms with the largest ids, then make sure they are never handed out again.
  const std::vector<AtomId> gone{1000, 42};
  data.system.remove_atoms(gone);
  data.system.reserve_ids_below(5000);

  data.values["langevin.exchanged"] = {-1.25e-3};
  data.values["extremes"] = {kMax, -kMax, kMin, kDenorm, -kDenorm, -0.0, kInf, -kInf, 0.1, 1.0 / 3.0};
  data.values["empty"] = {};
  Rng with_spare(77, 1);
  (void)with_spare.normal();  // leaves the second deviate of the polar method cached
  data.rngs["langevin"] = with_spare.save();
  data.rngs["barostat"] = Rng(78, 2).save();
  data.texts["runner.cursor"] = R"({"cycle": 2, "step": 3, "note": "Li⁺ → C₆, ok\nnext line"})";
  data.texts["empty"] = "";
  data.integers["step"] = 123456789012345;
  data.integers["min"] = std::numeric_limits<std::int64_t>::min();
  data.integers["max"] = std::numeric_limits<std::int64_t>::max();
  return data;
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

}  // namespace

TEST_CASE("a checkpoint round trip is bit for bit", "[unit][io][checkpoint]") {
  const std::string dir = testing::temp_dir("checkpoint-roundtrip");
  const std::string path = dir + "/checkpoint.h5";
  SECTION("a system with extreme values, gaps in its ids and removed ions, and every kind of state") {
    const CheckpointData written = rich_state();
    io::write_checkpoint(path, written);
    CheckpointData read = io::read_checkpoint(path);
    CHECK(same_checkpoint(read, written));
    CHECK(read.system.num_atoms() == 8);
    CHECK(read.system.next_id() == 5000);
    CHECK(read.system.cell().has_lattice());
    CHECK(read.rngs.at("langevin").has_spare_normal);
    // Ids never reused after a restore: the next atom gets 5000, not 1000 or 42 or 43.
    AtomSpec li;
    li.z = 3;
    CHECK(read.system.add_atom(li) == 5000);
    // A restored generator continues its sequence exactly, cached deviate included.
    Rng original(77, 1);
    (void)original.normal();
    Rng restored(0);
    restored.restore(read.rngs.at("langevin"));
    for (int k = 0; k < 5; ++k) CHECK(same_bytes(restored.normal(), original.normal()));
    // Writing what was read gives the same checkpoint again (nothing drifts between resumes).
    read.system = written.system;
    io::write_checkpoint(path, read);
    CHECK(same_checkpoint(io::read_checkpoint(path), written));
  }
  SECTION("an empty cluster without a cell and no generic state") {
    CheckpointData written;
    written.system.reserve_ids_below(7);
    io::write_checkpoint(path, written);
    const CheckpointData read = io::read_checkpoint(path);
    CHECK(same_checkpoint(read, written));
    CHECK(read.system.empty());
    CHECK(read.system.cell().pbc() == std::array<bool, 3>{false, false, false});
    CHECK(read.system.next_id() == 7);
  }
  SECTION("a second write replaces the first whole and leaves no temporary file") {
    io::write_checkpoint(path, testing::loop_checkpoint(0, 30));
    io::write_checkpoint(path, testing::loop_checkpoint(1, 30));
    const CheckpointData read = io::read_checkpoint(path);
    CHECK(same_checkpoint(read, testing::loop_checkpoint(1, 30)));
    CHECK_FALSE(same_checkpoint(read, testing::loop_checkpoint(0, 30)));
    std::size_t files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      (void)entry;
      ++files;
    }
    CHECK(files == 1);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("bad checkpoints are InputErrors naming the file and the problem", "[unit][io][checkpoint][errors]") {
  const std::string dir = testing::temp_dir("checkpoint-bad");
  auto expect = [](const std::string& path, const std::string& message) {
    INFO(path);
    try {
      (void)io::read_checkpoint(path);
      FAIL("no error for " << path);
    } catch (const InputError& e) {
      CHECK(e.where().file == path);
      CHECK_THAT(e.message(), Catch::Contains(message));
    }
  };
  expect(dir + "/none.h5", "no such checkpoint file");
  write_text(dir + "/text.h5", "step = 3\n");
  expect(dir + "/text.h5", "not HDF5");
  // An H5MD trajectory is HDF5 but not a checkpoint (the file users most likely confuse).
  io::H5mdWriter::create(dir + "/trajectory.h5").close();
  expect(dir + "/trajectory.h5", "not an ioncycle checkpoint");

  const std::string good = dir + "/good.h5";
  io::write_checkpoint(good, testing::loop_checkpoint(3, 200));
  const auto size = std::filesystem::file_size(good);
  const std::string cut = dir + "/cut.h5";
  std::filesystem::copy_file(good, cut);
  std::filesystem::resize_file(cut, size / 2);
  expect(cut, "checkpoint");

  // Made with h5py from a good file: another version, a missing dataset, a wrong shape.
  const std::string script = R"(
import shutil, sys, h5py
good, out = sys.argv[1], sys.argv[2]
for name in ["version.h5", "no_masses.h5", "short_ids.h5"]:
    shutil.copy(good, out + "/" + name)
with h5py.File(out + "/version.h5", "r+") as f:
    f.attrs["ioncycle_checkpoint_version"] = 2
with h5py.File(out + "/no_masses.h5", "r+") as f:
    del f["system/masses"]
with h5py.File(out + "/short_ids.h5", "r+") as f:
    ids = f["system/ids"][:-1]
    del f["system/ids"]
    f["system/ids"] = ids
print("ok")
)";
  const auto made = testing::run_python(script, testing::shell_quote(good) + " " + testing::shell_quote(dir));
  INFO(made.output);
  REQUIRE(made.exit_code == 0);
  expect(dir + "/version.h5", "unsupported checkpoint format version 2");
  expect(dir + "/no_masses.h5", "missing dataset /system/masses");
  expect(dir + "/short_ids.h5", "/system/positions has the wrong shape");

  // An invalid name is refused before anything is written; the old checkpoint stays.
  CheckpointData bad_name = testing::loop_checkpoint(4, 10);
  bad_name.values["a/b"] = {1.0};
  CHECK_THROWS_WITH(io::write_checkpoint(good, bad_name), Catch::Contains("invalid checkpoint value name 'a/b'"));
  CHECK(same_checkpoint(io::read_checkpoint(good), testing::loop_checkpoint(3, 200)));
  CHECK_THROWS_WITH(io::write_checkpoint(dir + "/missing/checkpoint.h5", bad_name),
                    Catch::Contains("invalid checkpoint value name"));
  CHECK_THROWS_WITH(io::write_checkpoint(dir + "/missing/checkpoint.h5", testing::loop_checkpoint(4, 10)),
                    Catch::Contains("does not exist"));
  std::filesystem::remove_all(dir);
}

namespace {

// Start the loop writer, SIGKILL it as soon as it has reported `kill_after` checkpoints (it goes
// straight on with the next write, so the kill lands wherever the scheduler has got that write
// to), and return the index of the last checkpoint it reported, or -1 if none.
long run_and_kill(const std::string& path, std::size_t kill_after, std::size_t atoms) {
  ::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const std::string exe = IONCYCLE_CHECKPOINT_WRITER_LOOP;
  const std::string atoms_arg = std::to_string(atoms);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(exe.c_str(), exe.c_str(), path.c_str(), "--atoms", atoms_arg.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  FILE* out = ::fdopen(fds[0], "r");
  long reported = -1;
  std::size_t seen = 0;
  bool killed = false;
  char line[128];
  while (std::fgets(line, sizeof line, out) != nullptr) {
    long k = 0;
    if (std::sscanf(line, "written %ld", &k) == 1) {
      reported = k;
      if (++seen >= kill_after && !killed) {
        ::kill(pid, SIGKILL);
        killed = true;
      }
    }
  }
  std::fclose(out);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(killed);
  CHECK(WIFSIGNALED(status));
  return reported;
}

}  // namespace

TEST_CASE("a checkpoint writer killed with SIGKILL at random moments leaves a complete checkpoint",
          "[unit][io][checkpoint][slow]") {
  const std::string dir = testing::temp_dir("checkpoint-kill");
  const std::string path = dir + "/checkpoint.h5";
  constexpr std::size_t atoms = 20000;
  std::mt19937 rng(20240612);
  std::uniform_int_distribution<std::size_t> after(1, 4);
  for (int round = 0; round < 8; ++round) {
    INFO("round " << round);
    // Every round writes from state 0 again over the file the previous round left: the kill may
    // land before the first rename, and then the file must still hold the previous round's state.
    const long reported = run_and_kill(path, after(rng), atoms);
    REQUIRE(reported >= 0);
    const CheckpointData read = io::read_checkpoint(path);
    // The reported state, or the next one if the kill came after its rename but before the line.
    const bool is_reported = same_checkpoint(read, testing::loop_checkpoint(static_cast<std::size_t>(reported), atoms));
    const bool is_next =
        !is_reported && same_checkpoint(read, testing::loop_checkpoint(static_cast<std::size_t>(reported) + 1, atoms));
    CHECK((is_reported || is_next));
  }
  // Temporary files of killed writers are tidied by the next write.
  io::write_checkpoint(path, testing::loop_checkpoint(0, 10));
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  CHECK(names == std::vector<std::string>{"checkpoint.h5"});
  std::filesystem::remove_all(dir);
}
