// SPDX-License-Identifier: MIT
//
// Layout written (H5MD 1.1; docs/formats.md has the full tree):
//   h5md/                      version [1,1]; author/ name; creator/ name, version
//   particles/<group>/box      dimension 3, boundary ["periodic"|"none"] x 3, edges/ (time-dependent 3x3)
//   particles/<group>/position step, time, value [frames][slots][3]   (velocity/, force/ alike)
//   particles/<group>/species  step, time, value [frames][slots] int32, -1 in empty slots
//   particles/<group>/id       step, time, value [frames][slots] int64, -1 in empty slots
//   observables/<group>/particle_number  step, time, value [frames] int64: the true atom count
//   observables/<name>         step, time, value [n_obs] / [n_obs][3][3] / [n_obs][k]
// Every element of the particle group shares position's step and time datasets through hard
// links, as H5MD recommends for elements sampled together (and requires for the box).
//
// Crash safety. HDF5 1.10 has no journal: H5Fflush writes the dirty chunks and metadata in
// place, and a process killed between two flushes leaves the file as of the last one, as long
// as nothing that flush described has been overwritten since. Three choices keep it so:
//   - per-atom datasets default to one frame per chunk, so a flushed frame's chunks are never
//     rewritten (a rewritten compressed chunk changes size and moves);
//   - the small per-frame datasets (step, time, box, observables, particle_number) are not
//     compressed, so their partly filled chunks are rewritten in place with the same bytes
//     plus the new frame, never moved;
//   - the file-space strategy is NONE: space freed when a chunk moves (frames_per_chunk > 1)
//     is never reused, so data a flushed index points to stays intact.
// A kill during a flush itself can leave the last frame half-written; the reader detects and
// drops such a frame (h5md_reader.cpp).
#include "io/h5md_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "core/units.hpp"
#include "io/atomic_file.hpp"
#include "io/h5md_reader.hpp"
#include "io/hdf5_support.hpp"

namespace ioncycle::io {

namespace {

namespace fs = std::filesystem;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// Fill values: what a slot or row reads as when it was never written.
constexpr std::int64_t kNoStep = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kNoId = -1;
constexpr std::int32_t kNoSpecies = -1;
// 1 eV in kJ/mol = e · N_A / 1000 with the exact SI 2019 values (the constants MDAnalysis uses).
constexpr double kKjPerMolPerEv = 1.602176634e-19 * 6.02214076e23 / 1000.0;
// Rows per chunk of the small per-frame datasets: 256 steps are 2 KiB, a box chunk 18 KiB.
constexpr hsize_t kFramesPerSmallChunk = 256;
constexpr std::size_t kMaxAutoAtomsPerChunk = 4096;

const char* const kLengthUnit = "Angstrom";
const char* const kTimeUnit = "fs";
const char* const kVelocityUnit = "Angstrom fs-1";

bool valid_link_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos;
}

std::string default_author() {
  const char* user = std::getenv("USER");
  return (user != nullptr && user[0] != '\0') ? std::string(user) : std::string("unknown");
}

}  // namespace

struct H5mdWriter::Impl {
  std::string path;
  H5mdWriterOptions options;
  h5::Handle file;
  h5::Handle particle_group;
  h5::Handle box_group;
  h5::Handle observables_group;

  // Per-frame datasets of the particle group (created with the first frame).
  h5::Handle step, time;
  h5::Handle position, velocity, force, species, id, edges, particle_number;

  struct Observable {
    h5::Handle step, time, value;
    std::vector<hsize_t> item_shape;  // shape of one frame's value: {}, {3,3} or {k}
    std::size_t num_values = 0;
    hsize_t rows = 0;
  };
  std::map<std::string, Observable> observables;

  hsize_t frames = 0;
  hsize_t slots = 0;
  std::array<bool, 3> pbc{};
  std::optional<std::int64_t> last_step;
  bool closed = false;
  // Set when an HDF5 call failed half-way through a frame: the file stays readable up to the
  // last flushed frame, but appending more could interleave with the broken one.
  bool failed = false;

  [[nodiscard]] SourceLocation where() const { return SourceLocation{path, 0, 0}; }
  void validate(const core::System& system, std::int64_t step_value, std::span<const H5mdObservable> obs) const;
  void create_particle_datasets(const core::System& system);
  void grow_slots(hsize_t new_slots);
  /// `stored_forces`, when not empty, replaces system.forces() and is already in the file's
  /// force unit (resume() copies frames this way, bit for bit). `flush`: end with H5Fflush.
  void write_frame(const core::System& system, std::int64_t step_value, double time_fs,
                   std::span<const H5mdObservable> obs, std::span<const core::Vec3> stored_forces = {},
                   bool flush = true);
  void write_observable(const H5mdObservable& o, std::int64_t step_value, double time_fs);
  void close_all();
};

namespace {

// A per-frame element group sharing `step`/`time` with position.
h5::Handle create_linked_element(hid_t parent, const std::string& name, hid_t step_source_group) {
  h5::Handle group = h5::create_group(parent, name);
  h5::hard_link(step_source_group, "step", group.get(), "step");
  h5::hard_link(step_source_group, "time", group.get(), "time");
  return group;
}

struct DatasetSpec {
  hid_t file_type;
  std::vector<hsize_t> dims;      // initial extent
  std::vector<hsize_t> max_dims;  // H5S_UNLIMITED where it grows
  std::vector<hsize_t> chunk;
  int compression_level = 0;
  hid_t fill_type = -1;  // memory type of *fill, or -1 for HDF5's default fill (zero)
  const void* fill = nullptr;
};

h5::Handle create_dataset(hid_t parent, const std::string& name, const DatasetSpec& spec) {
  h5::Handle space =
      h5::own_dataspace(H5Screate_simple(static_cast<int>(spec.dims.size()), spec.dims.data(), spec.max_dims.data()),
                        "cannot create the dataspace of '" + name + "'");
  h5::Handle dcpl = h5::own_plist(H5Pcreate(H5P_DATASET_CREATE), "cannot create a property list");
  h5::check_status(H5Pset_chunk(dcpl.get(), static_cast<int>(spec.chunk.size()), spec.chunk.data()),
                   "cannot chunk '" + name + "'");
  if (spec.fill != nullptr) {
    h5::check_status(H5Pset_fill_value(dcpl.get(), spec.fill_type, spec.fill),
                     "cannot set the fill value of '" + name + "'");
    // Chunks are created filled, so slots added by growing the atom dimension read as empty in
    // frames written before the growth.
    h5::check_status(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_IFSET), "cannot set the fill time of '" + name + "'");
  }
  if (spec.compression_level > 0) {
    h5::check_status(H5Pset_shuffle(dcpl.get()), "cannot enable the shuffle filter for '" + name + "'");
    h5::check_status(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(spec.compression_level)),
                     "cannot enable gzip compression for '" + name + "'");
  }
  return h5::own_dataset(
      H5Dcreate2(parent, name.c_str(), spec.file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      "cannot create dataset '" + name + "'");
}

// Append one row (the block [frame, ...item shape]) to a dataset that is exactly `frame` rows
// long, growing it first.
void append_row(hid_t dataset, hid_t mem_type, hsize_t frame, const std::vector<hsize_t>& item_shape,
                const void* data) {
  std::vector<hsize_t> dims{frame + 1};
  dims.insert(dims.end(), item_shape.begin(), item_shape.end());
  h5::set_extent(dataset, dims);
  std::vector<hsize_t> start(dims.size(), 0);
  start[0] = frame;
  std::vector<hsize_t> count = dims;
  count[0] = 1;
  h5::write_block(dataset, mem_type, start, count, data);
}

}  // namespace

std::vector<H5mdObservable> thermo_observables(double potential_energy, double kinetic_energy, double temperature,
                                               const core::Mat3& pressure, double volume) {
  std::vector<double> tensor(9);
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) tensor[static_cast<std::size_t>(3 * r + c)] = pressure(r, c) * units::eV_per_A3_in_GPa;
  }
  return {{"potential_energy", {potential_energy}, "eV"},
          {"kinetic_energy", {kinetic_energy}, "eV"},
          {"temperature", {temperature}, "K"},
          {"pressure", std::move(tensor), "GPa"},
          {"volume", {volume}, "Angstrom+3"}};
}

H5mdWriter H5mdWriter::create(const std::string& path, H5mdWriterOptions options) {
  const SourceLocation where{path, 0, 0};
  if (!valid_link_name(options.particle_group)) {
    throw InputError(where, "invalid H5MD particle group name '" + options.particle_group + "'",
                     "use a non-empty name without '/', such as \"all\"");
  }
  if (options.compression_level < 0 || options.compression_level > 9) {
    throw InputError(where,
                     "gzip compression level must be 0..9 (got " + std::to_string(options.compression_level) + ")");
  }
  if (options.frames_per_chunk == 0) throw InputError(where, "frames per chunk must be at least 1");
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    throw InputError(where, "cannot write: directory '" + dir.string() + "' does not exist");
  }
  if (options.author.empty()) options.author = default_author();

  h5::ErrorSilencer silencer;
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;

  h5::Handle fcpl = h5::own_plist(H5Pcreate(H5P_FILE_CREATE), "cannot create a property list");
  // Never reuse freed file space (see the crash-safety note at the top of this file).
  h5::check_status(H5Pset_file_space_strategy(fcpl.get(), H5F_FSPACE_STRATEGY_NONE, 0, 1),
                   "cannot set the file-space strategy");
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), H5P_DEFAULT);
  if (file < 0) {
    throw InputError(where, "cannot create H5MD file: " + h5::error_stack_message(),
                     "check that the directory is writable and that no other program has the file open");
  }
  impl->file = h5::Handle(file, H5Fclose);

  h5::Handle h5md = h5::create_group(file, "h5md");
  h5::write_int_array_attribute(h5md.get(), "version", {1, 1});
  {
    h5::Handle author = h5::create_group(h5md.get(), "author");
    h5::write_fixed_string_attribute(author.get(), "name", options.author);
    h5::Handle creator = h5::create_group(h5md.get(), "creator");
    h5::write_fixed_string_attribute(creator.get(), "name", options.creator);
    h5::write_fixed_string_attribute(creator.get(), "version", options.creator_version);
  }
  h5::Handle particles = h5::create_group(file, "particles");
  impl->particle_group = h5::create_group(particles.get(), options.particle_group);
  impl->box_group = h5::create_group(impl->particle_group.get(), "box");
  h5::write_int_attribute(impl->box_group.get(), "dimension", 3);
  impl->observables_group = h5::create_group(file, "observables");
  h5::check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), "cannot flush '" + path + "'");
  return H5mdWriter(std::move(impl));
}

H5mdWriter::H5mdWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
H5mdWriter::H5mdWriter(H5mdWriter&&) noexcept = default;
H5mdWriter& H5mdWriter::operator=(H5mdWriter&&) noexcept = default;

H5mdWriter::~H5mdWriter() {
  if (impl_ && !impl_->closed) {
    try {
      close();
    } catch (...) {  // NOLINT(bugprone-empty-catch): destructors must not throw; close() reports.
    }
  }
}

std::size_t H5mdWriter::num_frames() const { return static_cast<std::size_t>(impl_->frames); }
const std::string& H5mdWriter::path() const { return impl_->path; }

void H5mdWriter::Impl::validate(const core::System& system, std::int64_t step_value,
                                std::span<const H5mdObservable> obs) const {
  if (closed) throw InputError(where(), "cannot append a frame: the H5MD writer was closed");
  if (failed) {
    throw BackendError("HDF5", path + ": an earlier frame failed to write; the file holds the " +
                                   std::to_string(frames) + " frames flushed before it");
  }
  if (last_step && step_value <= *last_step) {
    throw InputError(where(), "H5MD steps must increase from frame to frame (got step " + std::to_string(step_value) +
                                  " after step " + std::to_string(*last_step) + ")");
  }
  if (frames > 0 && system.cell().pbc() != pbc) {
    throw InputError(where(), "the periodicity changed between frames; an H5MD particle group has one boundary",
                     "write frames with different periodicity to separate files");
  }
  const auto positions = system.positions();
  const auto ids = system.ids();
  for (std::size_t i = 0; i < positions.size(); ++i) {
    if (!positions[i].allFinite()) {
      throw InputError(where(), "atom id " + std::to_string(ids[i]) + " has a non-finite position; frame at step " +
                                    std::to_string(step_value) + " not written");
    }
  }
  std::set<std::string> seen;
  for (const auto& o : obs) {
    if (!valid_link_name(o.name) || o.name == options.particle_group) {
      throw InputError(where(), "invalid observable name '" + o.name + "'",
                       "use a non-empty name without '/' that differs from the particle group name '" +
                           options.particle_group + "'");
    }
    if (!seen.insert(o.name).second) throw InputError(where(), "observable '" + o.name + "' given twice in one frame");
    if (o.value.empty()) throw InputError(where(), "observable '" + o.name + "' has no value");
    const auto it = observables.find(o.name);
    if (it != observables.end() && it->second.num_values != o.value.size()) {
      throw InputError(where(), "observable '" + o.name + "' has " + std::to_string(o.value.size()) +
                                    " values in this frame but " + std::to_string(it->second.num_values) +
                                    " in earlier frames");
    }
  }
}

void H5mdWriter::Impl::create_particle_datasets(const core::System& system) {
  const hsize_t n = system.num_atoms();
  const hsize_t fpc = options.frames_per_chunk;
  hsize_t apc = options.atoms_per_chunk;
  if (apc == 0) {
    // Room for a quarter more atoms than the first frame has before a second chunk column is
    // needed, capped so that one chunk of vectors stays below 100 KiB.
    apc = std::clamp<hsize_t>(n + n / 4, 1, kMaxAutoAtomsPerChunk);
  }
  const int level = options.compression_level;
  const hid_t group = particle_group.get();
  slots = n;
  pbc = system.cell().pbc();

  h5::Handle position_group = h5::create_group(group, "position");
  // Fill values mark rows a killed writer extended but never wrote (the reader drops them).
  step = create_dataset(position_group.get(), "step",
                        {H5T_STD_I64LE, {0}, {H5S_UNLIMITED}, {kFramesPerSmallChunk}, 0, H5T_NATIVE_INT64, &kNoStep});
  time = create_dataset(position_group.get(), "time",
                        {H5T_IEEE_F64LE, {0}, {H5S_UNLIMITED}, {kFramesPerSmallChunk}, 0, H5T_NATIVE_DOUBLE, &kNaN});
  h5::write_variable_string_attribute(time.get(), "unit", kTimeUnit);

  const DatasetSpec vectors{H5T_IEEE_F64LE,    {0, n, 3}, {H5S_UNLIMITED, H5S_UNLIMITED, 3}, {fpc, apc, 3}, level,
                            H5T_NATIVE_DOUBLE, &kNaN};
  position = create_dataset(position_group.get(), "value", vectors);
  h5::write_variable_string_attribute(position.get(), "unit", kLengthUnit);
  if (options.write_velocities) {
    h5::Handle g = create_linked_element(group, "velocity", position_group.get());
    velocity = create_dataset(g.get(), "value", vectors);
    h5::write_variable_string_attribute(velocity.get(), "unit", kVelocityUnit);
  }
  if (options.write_forces) {
    h5::Handle g = create_linked_element(group, "force", position_group.get());
    force = create_dataset(g.get(), "value", vectors);
    h5::write_variable_string_attribute(
        force.get(), "unit",
        options.force_unit == H5mdForceUnit::ev_per_angstrom ? "eV Angstrom-1" : "kJ mol-1 Angstrom-1");
  }
  {
    h5::Handle g = create_linked_element(group, "species", position_group.get());
    species = create_dataset(
        g.get(), "value",
        {H5T_STD_I32LE, {0, n}, {H5S_UNLIMITED, H5S_UNLIMITED}, {fpc, apc}, level, H5T_NATIVE_INT32, &kNoSpecies});
  }
  {
    h5::Handle g = create_linked_element(group, "id", position_group.get());
    id = create_dataset(
        g.get(), "value",
        {H5T_STD_I64LE, {0, n}, {H5S_UNLIMITED, H5S_UNLIMITED}, {fpc, apc}, level, H5T_NATIVE_INT64, &kNoId});
  }
  std::vector<std::string> boundary;
  for (const bool p : pbc) boundary.emplace_back(p ? "periodic" : "none");
  h5::write_fixed_string_array_attribute(box_group.get(), "boundary", boundary);
  {
    h5::Handle g = create_linked_element(box_group.get(), "edges", position_group.get());
    edges = create_dataset(
        g.get(), "value",
        {H5T_IEEE_F64LE, {0, 3, 3}, {H5S_UNLIMITED, 3, 3}, {kFramesPerSmallChunk, 3, 3}, 0, H5T_NATIVE_DOUBLE, &kNaN});
    h5::write_variable_string_attribute(edges.get(), "unit", kLengthUnit);
  }
  {
    // The true atom count of each frame, where H5MD's thermodynamics module keeps it.
    h5::Handle obs_group = h5::create_group(observables_group.get(), options.particle_group);
    h5::write_int_attribute(obs_group.get(), "dimension", 3);
    h5::Handle g = create_linked_element(obs_group.get(), "particle_number", position_group.get());
    particle_number = create_dataset(
        g.get(), "value", {H5T_STD_I64LE, {0}, {H5S_UNLIMITED}, {kFramesPerSmallChunk}, 0, H5T_NATIVE_INT64, &kNoId});
  }
}

void H5mdWriter::Impl::grow_slots(hsize_t new_slots) {
  for (const h5::Handle* d : {&position, &velocity, &force}) {
    if (d->valid()) h5::set_extent(d->get(), {frames, new_slots, 3});
  }
  h5::set_extent(species.get(), {frames, new_slots});
  h5::set_extent(id.get(), {frames, new_slots});
  slots = new_slots;
}

void H5mdWriter::Impl::write_frame(const core::System& system, std::int64_t step_value, double time_fs,
                                   std::span<const H5mdObservable> obs, std::span<const core::Vec3> stored_forces,
                                   bool flush) {
  if (!position.valid()) create_particle_datasets(system);
  const std::size_t n = system.num_atoms();
  if (n > slots) grow_slots(n);
  const std::size_t width = slots;

  append_row(step.get(), H5T_NATIVE_INT64, frames, {}, &step_value);
  append_row(time.get(), H5T_NATIVE_DOUBLE, frames, {}, &time_fs);

  // Rows padded to the slot count: empty slots hold the same values as the fill, so a frame
  // reads the same whether its slots were written or filled.
  std::vector<double> row(3 * width, kNaN);
  auto write_vectors = [&](const h5::Handle& dataset, std::span<const core::Vec3> values, double factor) {
    std::fill(row.begin(), row.end(), kNaN);
    for (std::size_t i = 0; i < n; ++i) {
      for (int k = 0; k < 3; ++k) row[3 * i + static_cast<std::size_t>(k)] = values[i][k] * factor;
    }
    append_row(dataset.get(), H5T_NATIVE_DOUBLE, frames, {slots, 3}, row.data());
  };
  write_vectors(position, system.positions(), 1.0);
  if (velocity.valid()) write_vectors(velocity, system.velocities(), 1.0);
  if (force.valid()) {
    if (!stored_forces.empty()) {
      write_vectors(force, stored_forces, 1.0);
    } else {
      write_vectors(force, system.forces(),
                    options.force_unit == H5mdForceUnit::ev_per_angstrom ? 1.0 : kKjPerMolPerEv);
    }
  }
  std::vector<std::int32_t> z(width, -1);
  std::vector<std::int64_t> ids(width, -1);
  for (std::size_t i = 0; i < n; ++i) {
    z[i] = static_cast<std::int32_t>(system.atomic_numbers()[i]);
    ids[i] = system.ids()[i];
  }
  append_row(species.get(), H5T_NATIVE_INT32, frames, {slots}, z.data());
  append_row(id.get(), H5T_NATIVE_INT64, frames, {slots}, ids.data());

  std::array<double, 9> box{};
  const core::Mat3& h = system.cell().matrix();
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) box[static_cast<std::size_t>(3 * r + c)] = h(r, c);
  }
  append_row(edges.get(), H5T_NATIVE_DOUBLE, frames, {3, 3}, box.data());
  const auto count = static_cast<std::int64_t>(n);
  append_row(particle_number.get(), H5T_NATIVE_INT64, frames, {}, &count);

  for (const auto& o : obs) write_observable(o, step_value, time_fs);
  if (flush) h5::check_status(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "cannot flush '" + path + "'");
}

void H5mdWriter::Impl::write_observable(const H5mdObservable& o, std::int64_t step_value, double time_fs) {
  auto it = observables.find(o.name);
  if (it == observables.end()) {
    Observable created;
    created.num_values = o.value.size();
    if (o.value.size() == 9)
      created.item_shape = {3, 3};
    else if (o.value.size() != 1)
      created.item_shape = {static_cast<hsize_t>(o.value.size())};
    h5::Handle g = h5::create_group(observables_group.get(), o.name);
    created.step =
        create_dataset(g.get(), "step", {H5T_STD_I64LE, {0}, {H5S_UNLIMITED}, {kFramesPerSmallChunk}, 0, -1, nullptr});
    created.time =
        create_dataset(g.get(), "time", {H5T_IEEE_F64LE, {0}, {H5S_UNLIMITED}, {kFramesPerSmallChunk}, 0, -1, nullptr});
    h5::write_variable_string_attribute(created.time.get(), "unit", kTimeUnit);
    DatasetSpec spec{H5T_IEEE_F64LE, {0}, {H5S_UNLIMITED}, {kFramesPerSmallChunk}, 0, -1, nullptr};
    spec.dims.insert(spec.dims.end(), created.item_shape.begin(), created.item_shape.end());
    spec.max_dims.insert(spec.max_dims.end(), created.item_shape.begin(), created.item_shape.end());
    spec.chunk.insert(spec.chunk.end(), created.item_shape.begin(), created.item_shape.end());
    created.value = create_dataset(g.get(), "value", spec);
    if (!o.unit.empty()) h5::write_variable_string_attribute(created.value.get(), "unit", o.unit);
    it = observables.emplace(o.name, std::move(created)).first;
  }
  Observable& target = it->second;
  append_row(target.step.get(), H5T_NATIVE_INT64, target.rows, {}, &step_value);
  append_row(target.time.get(), H5T_NATIVE_DOUBLE, target.rows, {}, &time_fs);
  append_row(target.value.get(), H5T_NATIVE_DOUBLE, target.rows, target.item_shape, o.value.data());
  ++target.rows;
}

void H5mdWriter::append_frame(const core::System& system, std::int64_t step, double time_fs,
                              std::span<const H5mdObservable> observables) {
  Impl& w = *impl_;
  w.validate(system, step, observables);
  h5::ErrorSilencer silencer;
  try {
    w.write_frame(system, step, time_fs, observables);
  } catch (...) {
    w.failed = true;
    throw;
  }
  ++w.frames;
  w.last_step = step;
}

void H5mdWriter::Impl::close_all() {
  observables.clear();
  for (h5::Handle* d : {&step, &time, &position, &velocity, &force, &species, &id, &edges, &particle_number,
                        &observables_group, &box_group, &particle_group}) {
    d->reset();
  }
}

void H5mdWriter::close() {
  if (!impl_ || impl_->closed) return;
  Impl& w = *impl_;
  w.closed = true;
  h5::ErrorSilencer silencer;
  w.close_all();
  w.file.close_checked("cannot close '" + w.path + "'");
}


namespace {

// Whether `path` is an H5MD file whose particle group exists but has no position element yet:
// what create() leaves before the first frame (the reader refuses such a file: no frames).
bool holds_no_frames(const std::string& path, const std::string& group) {
  h5::ErrorSilencer silencer;
  if (H5Fis_hdf5(path.c_str()) <= 0) return false;
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return false;
  h5::Handle file(f, H5Fclose);
  try {
    return h5::exists(f, "h5md") && h5::exists(f, "particles/" + group) &&
           !h5::exists(f, "particles/" + group + "/position");
  } catch (const BackendError&) {
    return false;
  }
}

// What resume() needs from the old file beyond what H5mdReader gives: the stored force unit and
// raw force rows (the reader converts kJ/mol/Å to eV/Å, which does not round-trip bit for bit),
// and the unit strings of the observables.
struct RawTrajectory {
  h5::Handle file;
  h5::Handle force;
  std::string force_unit;
  std::map<std::string, std::string> observable_units;

  RawTrajectory(const std::string& path, const std::string& group, const std::vector<std::string>& observables) {
    file = h5::own_file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "cannot open '" + path + "'");
    const std::string force_path = "particles/" + group + "/force/value";
    if (h5::exists(file.get(), force_path)) {
      force = h5::open_dataset(file.get(), force_path);
      if (h5::has_attribute(force.get(), "unit")) {
        const auto unit = h5::read_string_attribute(force.get(), "unit");
        if (unit.size() == 1) force_unit = unit[0];
      }
    }
    for (const auto& name : observables) {
      const std::string value_path = "observables/" + name + "/value";
      if (!h5::exists(file.get(), value_path)) continue;
      h5::Handle value = h5::open_dataset(file.get(), value_path);
      if (!h5::has_attribute(value.get(), "unit")) continue;
      const auto unit = h5::read_string_attribute(value.get(), "unit");
      if (unit.size() == 1) observable_units[name] = unit[0];
    }
  }

  // The first `n` force vectors of frame `k` as stored.
  std::vector<core::Vec3> forces(std::size_t k, std::size_t n) const {
    std::vector<core::Vec3> out(n);
    h5::read_block(force.get(), H5T_NATIVE_DOUBLE, {k, 0, 0}, {1, n, 3}, out.data());
    return out;
  }
};

}  // namespace

H5mdWriter H5mdWriter::resume(const std::string& path, H5mdWriterOptions options, std::int64_t last_step) {
  const SourceLocation where{path, 0, 0};
  const std::string at_step = "cannot resume the trajectory at step " + std::to_string(last_step);
  // Nothing to keep: start afresh.
  if (last_step < 0) return create(path, options);
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw InputError(where, at_step + ": the file is missing",
                     "the checkpoint belongs to a run whose trajectory was moved or deleted; restore the file "
                     "or start the run again");
  }
  std::optional<H5mdReader> reader;
  try {
    reader.emplace(H5mdReader::open(path, options.particle_group));
  } catch (const InputError& e) {
    if (holds_no_frames(path, options.particle_group)) return create(path, options);
    throw InputError(where, at_step + ": " + e.message(), e.hint());
  } catch (const BackendError& e) {
    throw InputError(where, at_step + ": " + std::string(e.what()));
  }

  // Frames are in increasing step order (the writer enforces it): keep the leading ones. They
  // are read one at a time and copied as they come, so a long trajectory never sits in memory.
  const auto step_of = [](const Frame& f) { return std::get<std::int64_t>(f.info.at("step")); };
  const auto read_frame = [&](std::size_t k) {
    try {
      return reader->read_frame(k);
    } catch (const Error& e) {
      throw InputError(where, at_step + ": " + std::string(e.what()),
                       "the trajectory is damaged before the checkpoint; restore it from a backup");
    }
  };
  if (reader->num_frames() == 0) {
    reader.reset();  // HDF5 cannot truncate a file it has open
    return create(path, options);
  }
  Frame frame = read_frame(0);
  if (step_of(frame) > last_step) {
    reader.reset();
    return create(path, options);
  }
  if (reader->has_velocities() != options.write_velocities || reader->has_forces() != options.write_forces) {
    throw InputError(where,
                     at_step + ": the file " + (reader->has_velocities() ? "stores" : "does not store") +
                         " velocities and " + (reader->has_forces() ? "stores" : "does not store") +
                         " forces, but the output settings ask otherwise",
                     "resume with the [output] settings the run was started with");
  }

  h5::ErrorSilencer silencer;
  const std::vector<std::string> observable_names = reader->observable_names();
  RawTrajectory raw(path, reader->particle_group(), observable_names);
  const std::string wanted_force_unit =
      options.force_unit == H5mdForceUnit::ev_per_angstrom ? "eV Angstrom-1" : "kJ mol-1 Angstrom-1";
  const bool copy_raw_forces = options.write_forces && raw.force.valid() && raw.force_unit == wanted_force_unit &&
                               options.force_unit != H5mdForceUnit::ev_per_angstrom;

  const std::string tmp = path + ".tmp";
  H5mdWriter writer = create(tmp, options);
  try {
    Impl& w = *writer.impl_;
    for (std::size_t k = 0;;) {
      const std::int64_t step = step_of(frame);
      const auto time_it = frame.info.find("time");
      const double time_fs = time_it != frame.info.end() ? std::get<double>(time_it->second) : kNaN;
      std::vector<H5mdObservable> obs;
      for (const auto& name : observable_names) {
        const auto it = frame.info.find(name);
        if (it == frame.info.end()) continue;
        H5mdObservable o;
        o.name = name;
        if (const auto* scalar = std::get_if<double>(&it->second)) {
          o.value = {*scalar};
        } else if (const auto* array = std::get_if<std::vector<double>>(&it->second)) {
          o.value = *array;
        } else {
          continue;
        }
        const auto unit = raw.observable_units.find(name);
        if (unit != raw.observable_units.end()) o.unit = unit->second;
        obs.push_back(std::move(o));
      }
      std::vector<core::Vec3> stored;
      if (copy_raw_forces) {
        // The reader's eV/Å forces are these times 1/(kJ/mol per eV); check that each one is, so
        // the raw row is known to hold this frame's atoms in its first slots (as ioncycle writes).
        stored = raw.forces(k, frame.system.num_atoms());
        const auto converted = frame.system.forces();
        for (std::size_t i = 0; i < stored.size(); ++i) {
          if (stored[i] * (1.0 / kKjPerMolPerEv) != converted[i]) {
            stored.clear();
            break;
          }
        }
      }
      w.validate(frame.system, step, obs);
      w.write_frame(frame.system, step, time_fs, obs, stored, /*flush=*/false);
      ++w.frames;
      w.last_step = step;
      if (++k == reader->num_frames()) break;
      frame = read_frame(k);
      if (step_of(frame) > last_step) break;
    }
    h5::check_status(H5Fflush(w.file.get(), H5F_SCOPE_GLOBAL), "cannot flush '" + tmp + "'");
    reader.reset();
    raw.force.reset();
    raw.file.reset();
    // fsync before the rename, so that after a system crash the name never points at a file
    // whose data did not reach the disk.
    const int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    // Renaming a file HDF5 keeps open is fine on POSIX: the open descriptor follows the inode,
    // and the writer goes on appending to what is now `path`.
    fs::rename(tmp, path, ec);
    if (ec) throw InputError(where, at_step + ": cannot rename '" + tmp + "' into place: " + ec.message());
    sync_parent_directory(path);
    w.path = path;
  } catch (...) {
    writer.close();
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
  return writer;
}

}  // namespace ioncycle::io
