// SPDX-License-Identifier: MIT
//
// Format names, format guessing from file names, and dispatch to the per-format readers and
// writers. Files are checked here (missing, a directory, unreadable) so that every reader sees
// an open stream and reports only problems of content.
#include "io/structure_io.hpp"

#include <array>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/strings.hpp"
#include "io/atomic_file.hpp"
#include "io/extxyz.hpp"
#include "io/lammps_data.hpp"
#include "io/poscar.hpp"

namespace ioncycle::io {

namespace {

namespace fs = std::filesystem;

struct FormatName {
  std::string_view name;
  Format format;
};

constexpr std::array<FormatName, 7> kFormatNames{{
    {"extxyz", Format::extxyz},
    {"xyz", Format::extxyz},
    {"poscar", Format::poscar},
    {"vasp", Format::poscar},
    {"lammps-data", Format::lammps_data},
    {"lammps_data", Format::lammps_data},
    {"data", Format::lammps_data},
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
    "[structure]): extxyz, poscar or lammps-data";

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
  // VASP names its files by role, not by extension: POSCAR, CONTCAR, POSCAR_relaxed, CONTCAR.3.
  if (file.rfind("poscar", 0) == 0 || file.rfind("contcar", 0) == 0) return Format::poscar;
  throw InputError(SourceLocation{path, 0, 0}, "cannot tell the structure format from the file name",
                   "use a name ending in .extxyz, .xyz, .vasp or .data, or starting with POSCAR or "
                   "CONTCAR; or " + kFormatHint);
}

std::string_view format_name(Format format) {
  switch (format) {
    case Format::extxyz: return "extxyz";
    case Format::poscar: return "poscar";
    case Format::lammps_data: return "lammps-data";
  }
  return "unknown";
}

bool supports_multiple_frames(Format format) { return format == Format::extxyz; }

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
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(SourceLocation{path, 0, 0}, "cannot open '" + path + "' for reading", "check its permissions");
  switch (f) {
    case Format::extxyz: return read_extxyz(in, path);
    case Format::poscar: return {read_poscar(in, path)};
    case Format::lammps_data: break;
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
                     "write a trajectory as extxyz, or one file per frame");
  }
  write_file_atomically(path, [&](std::ostream& out) {
    switch (f) {
      case Format::extxyz: write_extxyz(out, frames); break;
      case Format::poscar: write_poscar(out, frames.front()); break;
      case Format::lammps_data: write_lammps_data(out, frames.front()); break;
    }
  });
}

void write_structure(const std::string& path, const Frame& frame, std::optional<Format> format) {
  write_frames(path, std::vector<Frame>{frame}, format);
}

}  // namespace ioncycle::io
