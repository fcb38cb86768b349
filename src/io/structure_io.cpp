// SPDX-License-Identifier: MIT
//
// Format names, format guessing from file names, and dispatch to the per-format readers and
// writers. Files are checked here (missing, a directory, unreadable) so that every reader sees
// an open stream and reports only problems of content. H5MD files go through the HDF5 library
// (h5md_reader.hpp, h5md_writer.hpp), which needs a path rather than a stream.
#include "io/structure_io.hpp"


#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <variant>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "io/atomic_file.hpp"
#include "io/extxyz.hpp"
#include "io/h5md_reader.hpp"
#include "io/h5md_writer.hpp"
#include "io/lammps_data.hpp"
#include "io/poscar.hpp"

namespace ioncycle::io {

namespace {

namespace fs = std::filesystem;

struct FormatName {
  std::string_view name;
  Format format;
};

constexpr std::array<FormatName, 9> kFormatNames{{
    {"extxyz", Format::extxyz},
    {"xyz", Format::extxyz},
    {"poscar", Format::poscar},
    {"vasp", Format::poscar},
    {"lammps-data", Format::lammps_data},
    {"lammps_data", Format::lammps_data},
    {"data", Format::lammps_data},
    {"h5md", Format::h5md},
    {"h5", Format::h5md},
}};

std::string accepted_names() {
  std::string s;
  for (const auto& f : kFormatNames) {
    if (!s.empty()) s += ", ";
    s += f.name;
  }
  return s;
}

const std::string kFormatHint =
    "name the format explicitly (--format on the command line, format = \"...\" under "
    "[structure]): extxyz, poscar, lammps-data or h5md";

// The per-frame values H5MD keeps from a Frame's info: real and integer scalars and arrays
// become observables (integers stored as reals); step and time have their own datasets;
// strings and booleans have no H5MD counterpart and are dropped.
std::vector<H5mdObservable> observables_of(const Frame& frame, const std::string& particle_group) {
  std::vector<H5mdObservable> out;
  for (const auto& [name, value] : frame.info) {
    if (name == "step" || name == "time" || name == particle_group || name.find('/') != std::string::npos) {
      continue;
    }
    H5mdObservable o{name, {}, {}};
    if (const auto* d = std::get_if<double>(&value)) o.value = {*d};
    else if (const auto* i = std::get_if<std::int64_t>(&value)) o.value = {static_cast<double>(*i)};
    else if (const auto* dv = std::get_if<std::vector<double>>(&value)) o.value = *dv;
    else if (const auto* iv = std::get_if<std::vector<std::int64_t>>(&value))
      o.value.assign(iv->begin(), iv->end());
    if (!o.value.empty()) out.push_back(std::move(o));
  }
  return out;
}

std::optional<double> numeric_info(const Frame& frame, const std::string& key) {
  const auto it = frame.info.find(key);
  if (it == frame.info.end()) return std::nullopt;
  if (const auto* d = std::get_if<double>(&it->second)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  return std::nullopt;
}

// Frames to an H5MD file, written under a temporary name and renamed into place like every
// other format. Steps come from info "step" when every frame has one and they increase (H5MD
// requires increasing steps), else they are the frame indices; times from info "time" (fs)
// when every frame has one, else NaN. Velocities and forces are written when every frame has
// them.
void write_h5md_file(const std::string& path, const std::vector<Frame>& frames) {
  H5mdWriterOptions options;
  options.write_velocities =
      std::all_of(frames.begin(), frames.end(), [](const Frame& f) { return f.has_velocities; });
  options.write_forces = std::all_of(frames.begin(), frames.end(), [](const Frame& f) { return f.has_forces; });
  std::vector<std::int64_t> steps;
  for (const auto& f : frames) {
    const auto it = f.info.find("step");
    const auto* step = it == f.info.end() ? nullptr : std::get_if<std::int64_t>(&it->second);
    if (step == nullptr || (!steps.empty() && *step <= steps.back())) {
      steps.clear();
      break;
    }
    steps.push_back(*step);
  }
  if (steps.empty()) {
    for (std::size_t k = 0; k < frames.size(); ++k) steps.push_back(static_cast<std::int64_t>(k));
  }
  const bool have_times = std::all_of(frames.begin(), frames.end(),
                                     [](const Frame& f) { return numeric_info(f, "time").has_value(); });

  write_path_atomically(path, [&](const std::string& tmp) {
    auto writer = H5mdWriter::create(tmp, options);
    for (std::size_t k = 0; k < frames.size(); ++k) {
      const double time = have_times ? *numeric_info(frames[k], "time") : std::nan("");
      const auto obs = observables_of(frames[k], options.particle_group);
      writer.append_frame(frames[k].system, steps[k], time, obs);
    }
    writer.close();
  });
}

}  // namespace

Format parse_format_name(std::string_view name) {
  const std::string lower = core::to_lower(core::trim(name));
  for (const auto& f : kFormatNames) {
    if (f.name == lower) return f.format;
  }
  std::vector<std::string> names;
  for (const auto& f : kFormatNames) names.emplace_back(f.name);
  std::string hint = core::did_you_mean(lower, names);
  hint += (hint.empty() ? "" : " ") + std::string("accepted names: ") + accepted_names();
  throw InputError("unknown structure format '" + std::string(name) + "'", hint);
}

Format guess_format(const std::string& path) {
  const fs::path p(path);
  const std::string file = core::to_lower(p.filename().string());
  const std::string ext = core::to_lower(p.extension().string());
  if (ext == ".xyz" || ext == ".extxyz") return Format::extxyz;
  if (ext == ".vasp" || ext == ".poscar") return Format::poscar;
  if (ext == ".data" || ext == ".lmp" || ext == ".lammps") return Format::lammps_data;
  if (ext == ".h5" || ext == ".h5md") return Format::h5md;
  // VASP names its files by role, not by extension: POSCAR, CONTCAR, POSCAR_relaxed, CONTCAR.3.
  if (file.rfind("poscar", 0) == 0 || file.rfind("contcar", 0) == 0) return Format::poscar;
  throw InputError(SourceLocation{path, 0, 0}, "cannot tell the structure format from the file name",
                   "use a name ending in .extxyz, .xyz, .vasp, .data or .h5, or starting with POSCAR or "
                   "CONTCAR; or " + kFormatHint);
}

std::string_view format_name(Format format) {
  switch (format) {
    case Format::extxyz: return "extxyz";
    case Format::poscar: return "poscar";
    case Format::lammps_data: return "lammps-data";
    case Format::h5md: return "h5md";
  }
  return "unknown";
}

bool supports_multiple_frames(Format format) { return format == Format::extxyz || format == Format::h5md; }

bool can_read(Format format) { return format != Format::lammps_data; }

std::vector<Frame> read_frames(const std::string& path, std::optional<Format> format) {
  const Format f = format ? *format : guess_format(path);
  if (!can_read(f)) {
    throw InputError(SourceLocation{path, 0, 0},
                     "ioncycle writes LAMMPS data files but does not read them",
                     "convert the structure to extxyz or POSCAR first (e.g. with ASE: "
                     "ase.io.read(path, format='lammps-data') then ase.io.write('host.extxyz', atoms))");
  }
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw InputError(SourceLocation{path, 0, 0}, "no such file '" + path + "'",
                     "check the path; relative paths are taken from the current directory (" +
                         fs::current_path(ec).string() + ")");
  }
  if (fs::is_directory(path, ec)) {
    throw InputError(SourceLocation{path, 0, 0}, "'" + path + "' is a directory, not a structure file");
  }
  if (f == Format::h5md) {
    auto frames = H5mdReader::open(path).read_all();
    if (frames.empty()) throw InputError(SourceLocation{path, 0, 0}, "the H5MD file holds no complete frame");
    return frames;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(SourceLocation{path, 0, 0}, "cannot open '" + path + "' for reading", "check its permissions");
  switch (f) {
    case Format::extxyz: return read_extxyz(in, path);
    case Format::poscar: return {read_poscar(in, path)};
    case Format::lammps_data:
    case Format::h5md: break;
  }
  return {};
}

Frame read_structure(const std::string& path, std::optional<Format> format) {
  auto frames = read_frames(path, format);
  // Every reader either returns a frame or throws; keep the last, as ase.io.read does.
  return std::move(frames.back());
}

void write_frames(const std::string& path, const std::vector<Frame>& frames, std::optional<Format> format) {
  const Format f = format ? *format : guess_format(path);
  if (frames.empty()) {
    throw InputError(SourceLocation{path, 0, 0}, "no frames to write");
  }
  if (frames.size() > 1 && !supports_multiple_frames(f)) {
    throw InputError(SourceLocation{path, 0, 0},
                     "a " + std::string(format_name(f)) + " file holds one structure, but " +
                         std::to_string(frames.size()) + " frames were given",
                     "write a trajectory as extxyz or h5md, or one file per frame");
  }
  if (f == Format::h5md) {
    write_h5md_file(path, frames);
    return;
  }
  write_file_atomically(path, [&](std::ostream& out) {
    switch (f) {
      case Format::extxyz: write_extxyz(out, frames); break;
      case Format::poscar: write_poscar(out, frames.front()); break;
      case Format::lammps_data: write_lammps_data(out, frames.front()); break;
      case Format::h5md: break;
    }
  });
}

void write_structure(const std::string& path, const Frame& frame, std::optional<Format> format) {
  write_frames(path, std::vector<Frame>{frame}, format);
}

}  // namespace ioncycle::io
