// SPDX-License-Identifier: MIT
#include "distill/md_snapshots.hpp"

#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>

#include "core/content_hash.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "distill/journal.hpp"
#include "distill/labels.hpp"
#include "distill/sampling.hpp"
#include "io/extxyz.hpp"
#include "md/langevin.hpp"
#include "md/observer.hpp"
#include "md/simulation.hpp"
#include "md/velocities.hpp"

namespace ioncycle::distill {

namespace {

class SnapshotTaker final : public md::Observer {
 public:
  SnapshotTaker(std::vector<io::Frame>& out, std::string category, std::string origin)
      : out_(out), category_(std::move(category)), origin_(std::move(origin)) {}
  void observe(const md::StepInfo& info, const core::System& system) override {
    if (info.step == 0) return;
    bool finite = true;
    for (const auto& r : system.positions()) finite = finite && r.allFinite();
    if (!finite) return;
    out_.push_back(tagged(system, category_, origin_ + ", step " + std::to_string(info.step)));
  }

 private:
  std::vector<io::Frame>& out_;
  std::string category_;
  std::string origin_;
};

constexpr const char* kJournal = "teacher-MD journal";

std::string info_string(const io::Frame& f, const char* key) {
  const auto it = f.info.find(key);
  const auto* v = it == f.info.end() ? nullptr : std::get_if<std::string>(&it->second);
  return v == nullptr ? std::string() : *v;
}

std::int64_t info_int(const io::Frame& f, const char* key) {
  const auto it = f.info.find(key);
  const auto* v = it == f.info.end() ? nullptr : std::get_if<std::int64_t>(&it->second);
  return v == nullptr ? -1 : *v;
}

// One trajectory's record as the journal holds it.
struct Record {
  std::vector<io::Frame> frames;
  std::string failure;  // "" when none
};

// The complete records of `path` by trajectory, checked against the keys; a cut last record is
// cut off the file.
std::vector<std::optional<Record>> read_records(const std::string& path, const std::vector<std::string>& keys) {
  std::vector<std::optional<Record>> records(keys.size());
  if (!std::filesystem::exists(path)) return records;
  const std::string text = read_journal(path, kJournal);
  const auto ends = complete_frame_ends(text);
  std::vector<io::Frame> frames;
  if (!ends.empty()) {
    std::istringstream in(text.substr(0, ends.back()));
    frames = io::read_extxyz(in, path);
  }
  std::size_t keep = 0;  // bytes of complete records
  for (std::size_t i = 0; i < frames.size();) {
    const std::int64_t k = info_int(frames[i], "md_trajectory");
    const std::int64_t n = info_int(frames[i], "md_record_frames");
    if (k < 0 || n < 1) {
      throw InputError("'" + path + "' holds a frame without md_trajectory and md_record_frames: it is not a " +
                           kJournal + " of ioncycle",
                       "remove it, or sample into a new output directory");
    }
    if (i + static_cast<std::size_t>(n) > frames.size()) break;  // the cut last record
    if (static_cast<std::size_t>(k) >= keys.size() || info_string(frames[i], "md_key") != keys[static_cast<std::size_t>(k)]) {
      throw InputError("the " + std::string(kJournal) + " '" + path + "' holds trajectory " + std::to_string(k) +
                           " of other start structures or MD settings",
                       "the sampling changed since the journal was written: remove it (and the stage files "
                       "after it) to start the sampling over, or distill into a new output directory");
    }
    Record r;
    r.failure = info_string(frames[i], "md_failure");
    if (r.failure == "none") r.failure.clear();
    for (std::int64_t j = 0; j < n; ++j) {
      io::Frame f = std::move(frames[i + static_cast<std::size_t>(j)]);
      for (const char* key : {"md_trajectory", "md_record_frames", "md_failure", "md_key"}) f.info.erase(key);
      r.frames.push_back(std::move(f));
    }
    records[static_cast<std::size_t>(k)] = std::move(r);
    i += static_cast<std::size_t>(n);
    keep = ends[i - 1];
  }
  if (keep < text.size()) std::filesystem::resize_file(path, keep);
  return records;
}

void append_record(const std::string& path, std::int64_t k, const std::string& key, const Record& r) {
  std::vector<io::Frame> tagged_frames = r.frames;
  for (auto& f : tagged_frames) {
    f.info["md_trajectory"] = k;
    f.info["md_record_frames"] = static_cast<std::int64_t>(r.frames.size());
    f.info["md_failure"] = r.failure.empty() ? std::string("none") : r.failure;
    f.info["md_key"] = key;
  }
  std::ostringstream text;
  io::write_extxyz(text, tagged_frames);
  append_durably(path, text.str(), kJournal);
}

}  // namespace

Snapshots md_snapshots(const std::vector<io::Frame>& starts, potentials::Potential& potential,
                       const SnapshotSettings& settings) {
  Snapshots result;
  if (settings.frames <= 0 || settings.steps <= 0) return result;
  const std::int64_t every = std::max<std::int64_t>(1, settings.steps / settings.frames);
  const int total = static_cast<int>(starts.size() * settings.temperatures.size());

  // Trajectory k = (start, temperature) in order; its key names everything its frames depend on.
  std::vector<std::string> keys;
  if (!settings.journal.empty()) {
    for (const io::Frame& start : starts) {
      const std::string structure = structure_hash(start.system);
      for (const double temperature : settings.temperatures) {
        keys.push_back("sha256:" + core::sha256_hex(structure + "|" + core::hex_double(temperature) + "|" +
                                                     core::hex_double(settings.timestep) + "|" +
                                                     std::to_string(every) + "x" + std::to_string(settings.frames) +
                                                     "|" + std::to_string(settings.seed) + "|" +
                                                     std::to_string(keys.size()))
                                          .substr(0, 16));
      }
    }
  }
  const auto recorded = settings.journal.empty() ? std::vector<std::optional<Record>>()
                                                 : read_records(settings.journal, keys);

  std::uint64_t stream = 0;
  for (const io::Frame& start : starts) {
    const auto origin_it = start.info.find("origin");
    const std::string origin =
        origin_it == start.info.end() ? std::string("frame") : std::get<std::string>(origin_it->second);
    for (const double temperature : settings.temperatures) {
      const std::uint64_t k = stream++;
      ++result.trajectories;
      const std::string where = origin + ", " + std::to_string(static_cast<int>(std::lround(temperature))) + " K MD";
      Record record;
      if (!recorded.empty() && recorded[k]) {
        record = *recorded[k];
        ++result.resumed;
      } else {
        core::System system = start.system;
        core::Rng rng(settings.seed, k);
        md::assign_maxwell_boltzmann(system, temperature, rng);
        md::LangevinParams params;
        params.timestep = settings.timestep;
        params.temperature = temperature;
        params.damping = 100.0;
        params.seed = rng.next_u64();
        SnapshotTaker taker(record.frames, category_of(start), where);
        try {
          md::Simulation sim(system, potential, std::make_unique<md::Langevin>(params), 1.0);
          sim.add_observer(taker, every);
          (void)sim.run(every * settings.frames);
          sim.finish();
        } catch (const SimulationError& e) {
          record.failure = where + ": " + e.what();
          // One line without double quotes: it is a string value of an extended-XYZ comment line.
          for (char& c : record.failure) {
            if (c == '\n' || c == '\r') c = ' ';
            if (c == '"') c = '\'';
          }
        }
        if (!settings.journal.empty() && !record.frames.empty()) {
          append_record(settings.journal, static_cast<std::int64_t>(k), keys[k], record);
        }
      }
      if (!record.failure.empty() && result.failed++ == 0) result.first_failure = record.failure;
      for (auto& f : record.frames) result.frames.push_back(std::move(f));
      if (settings.progress) settings.progress(result.trajectories, total);
    }
  }
  return result;
}

}  // namespace ioncycle::distill
