// SPDX-License-Identifier: MIT
#include "distill/labels.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/content_hash.hpp"
#include "distill/journal.hpp"
#include "core/error.hpp"
#include "io/extxyz.hpp"

namespace ioncycle::distill {

namespace {

constexpr const char* kIndexKey = "config_index";
constexpr const char* kHashKey = "config_hash";

std::vector<io::Frame> parse_frames(const std::string& text, const std::string& path) {
  if (text.empty()) return {};  // a new journal, or one killed inside its first frame
  std::istringstream in(text);
  return io::read_extxyz(in, path);
}

std::int64_t index_of(const io::Frame& frame, const std::string& path) {
  const auto it = frame.info.find(kIndexKey);
  const auto* value = it == frame.info.end() ? nullptr : std::get_if<std::int64_t>(&it->second);
  if (value == nullptr) {
    throw InputError("'" + path + "' holds a frame without an integer " + kIndexKey +
                         ": it is not a label journal of ioncycle",
                     "point the labels at a new file, or remove this one");
  }
  return *value;
}

// One teacher evaluation of `frame` as a journal frame.
io::Frame label_one(const io::Frame& input, std::size_t index, const std::string& hash,
                    potentials::Potential& teacher) {
  io::Frame out = labelled_copy(input.system, teacher);
  bool finite = std::isfinite(std::get<double>(out.info.at("energy")));
  for (const auto& f : out.system.forces()) finite = finite && f.allFinite();
  if (const auto it = out.info.find("stress"); it != out.info.end()) {
    for (const double v : std::get<std::vector<double>>(it->second)) finite = finite && std::isfinite(v);
  }
  if (!finite) {
    throw SimulationError("the teacher '" + teacher.name() + "' gave a non-finite energy, force or virial for frame " +
                          std::to_string(index) + " (" + std::to_string(out.system.num_atoms()) + " atoms)");
  }
  out.info[kIndexKey] = static_cast<std::int64_t>(index);
  out.info[kHashKey] = hash;
  return out;
}

}  // namespace

io::Frame labelled_copy(const core::System& system, potentials::Potential& teacher) {
  io::Frame out;
  out.system = system;
  const core::Cell& cell = system.cell();
  const bool periodic3 = cell.all_periodic();
  potentials::ForceRequest what;
  what.forces = true;
  what.virial = periodic3;
  const potentials::ForceResult result = teacher.compute_once(out.system, what);
  std::copy(result.forces.begin(), result.forces.end(), out.system.forces().begin());
  out.has_forces = true;
  out.info["energy"] = result.energy;
  if (periodic3) {
    // ASE's stress: (1/V) ∂E/∂ε = -W/V in eV/Å³, row-major.
    const core::Mat3 s = -result.virial / cell.volume();
    std::vector<double> stress(9);
    for (int a = 0; a < 3; ++a) {
      for (int b = 0; b < 3; ++b) stress[static_cast<std::size_t>(3 * a + b)] = s(a, b);
    }
    out.info["stress"] = stress;
  }
  return out;
}

std::string structure_hash(const core::System& system) {
  core::Sha256 sha;
  const auto z = system.atomic_numbers();
  const auto x = system.positions();
  const std::uint64_t n = system.num_atoms();
  sha.update(&n, sizeof n);
  for (const int zi : z) sha.update(&zi, sizeof zi);
  for (const auto& p : x) sha.update(p.data(), 3 * sizeof(double));
  const core::Mat3 h = system.cell().matrix();
  for (int a = 0; a < 3; ++a) {
    for (int b = 0; b < 3; ++b) {
      const double v = h(a, b);
      sha.update(&v, sizeof v);
    }
  }
  for (const bool p : system.cell().pbc()) {
    const char c = p ? 'T' : 'F';
    sha.update(&c, 1);
  }
  return sha.hex_digest().substr(0, 16);
}

std::vector<io::Frame> read_labels(const std::string& path) {
  const std::string text = read_journal(path, "label journal");
  const auto ends = complete_frame_ends(text);
  std::vector<io::Frame> frames = parse_frames(text.substr(0, ends.empty() ? 0 : ends.back()), path);
  std::vector<std::pair<std::int64_t, std::size_t>> order;
  for (std::size_t k = 0; k < frames.size(); ++k) order.emplace_back(index_of(frames[k], path), k);
  std::sort(order.begin(), order.end());
  std::vector<io::Frame> sorted;
  sorted.reserve(frames.size());
  for (const auto& [index, k] : order) sorted.push_back(std::move(frames[k]));
  return sorted;
}

LabelSummary label_frames(std::span<const io::Frame> frames, const TeacherFactory& make_teacher,
                          const std::string& path, const LabelOptions& options) {
  LabelSummary summary;
  std::vector<std::string> hashes(frames.size());
  // Stored with a "sha256:" prefix: a bare hex string such as "74850487288042d3" reads as a number
  // (Fortran's D exponent) in extxyz readers, ours and ASE's.
  for (std::size_t k = 0; k < frames.size(); ++k) hashes[k] = "sha256:" + structure_hash(frames[k].system);

  // What the journal already holds; a partial last frame is cut off.
  std::vector<bool> done(frames.size(), false);
  if (std::filesystem::exists(path)) {
    const std::string text = read_journal(path, "label journal");
    const auto ends = complete_frame_ends(text);
    const std::size_t complete = ends.empty() ? 0 : ends.back();
    for (const io::Frame& frame : parse_frames(text.substr(0, complete), path)) {
      const std::int64_t index = index_of(frame, path);
      const auto it = frame.info.find(kHashKey);
      const auto* hash = it == frame.info.end() ? nullptr : std::get_if<std::string>(&it->second);
      if (index < 0 || static_cast<std::size_t>(index) >= frames.size() || hash == nullptr ||
          *hash != hashes[static_cast<std::size_t>(index)]) {
        const bool in_range = index >= 0 && static_cast<std::size_t>(index) < frames.size();
        throw InputError("the label journal '" + path + "' holds frame " + std::to_string(index) +
                             " of another set of structures (" +
                             (!in_range ? std::to_string(frames.size()) + " structures to label"
                                        : "config_hash " + (hash == nullptr ? std::string("missing or not a sha256:... string") : *hash) +
                                              ", the structure's " + hashes[static_cast<std::size_t>(index)]) +
                             ")",
                         "the structures to label changed since the journal was written: label into a new "
                         "file, or remove this one to start over");
      }
      if (!done[static_cast<std::size_t>(index)]) ++summary.reused;
      done[static_cast<std::size_t>(index)] = true;
    }
    if (complete < text.size()) {
      std::filesystem::resize_file(path, complete);
      summary.dropped_partial = true;
    }
  }

  std::vector<std::size_t> todo;
  for (std::size_t k = 0; k < frames.size(); ++k) {
    if (!done[k]) todo.push_back(k);
  }
  if (todo.empty()) return summary;

  const std::size_t workers = std::clamp<std::size_t>(options.workers, 1, todo.size());
  std::vector<std::unique_ptr<potentials::Potential>> teachers;
  for (std::size_t w = 0; w < workers; ++w) teachers.push_back(make_teacher());

  std::mutex journal;
  std::exception_ptr failure;
  std::size_t labelled = 0;
  const auto count = static_cast<long>(todo.size());
#pragma omp parallel for schedule(dynamic, 1) num_threads(static_cast<int>(workers)) if (workers > 1)
  for (long t = 0; t < count; ++t) {
    {
      const std::lock_guard<std::mutex> lock(journal);
      if (failure) continue;
    }
    try {
      const std::size_t index = todo[static_cast<std::size_t>(t)];
      potentials::Potential& teacher = *teachers[static_cast<std::size_t>(omp_get_thread_num())];
      const io::Frame frame = label_one(frames[index], index, hashes[index], teacher);
      std::ostringstream text;
      io::write_extxyz(text, {frame});
      const std::lock_guard<std::mutex> lock(journal);
      if (failure) continue;
      append_durably(path, text.str(), "label journal");
      ++labelled;
    } catch (...) {
      const std::lock_guard<std::mutex> lock(journal);
      if (!failure) failure = std::current_exception();
    }
  }
  summary.labelled = labelled;
  if (failure) std::rethrow_exception(failure);
  return summary;
}

}  // namespace ioncycle::distill
