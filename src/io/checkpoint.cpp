// SPDX-License-Identifier: MIT
//
// Layout written (docs/formats-checkpoint.md):
//   /                         attributes ioncycle_checkpoint_version (int32), creator, creator_version
//   /system/cell              f64 [3][3], Å, rows are the lattice vectors a, b, c
//   /system/pbc               int8 [3], 1 = periodic
//   /system/next_id           int64 scalar
//   /system/positions         f64 [N][3] Å        velocities f64 [N][3] Å/fs   forces f64 [N][3] eV/Å
//   /system/masses            f64 [N] amu         atomic_numbers int32 [N]     ids int64 [N]
//   /values/<name>            f64 [k]
//   /rngs/<name>/words        uint64 [4]; has_spare_normal int8 scalar; spare_normal f64 scalar
//   /texts/<name>             variable-length UTF-8 string, scalar
//   /integers/<name>          int64 scalar
// Datasets are contiguous and uncompressed: a checkpoint is written once, whole, and read once.
// The memory and file types of doubles are both IEEE binary64 little-endian on every platform
// ioncycle builds on, so HDF5 copies their bytes and nothing is rounded.
#include "io/checkpoint.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/hdf5_support.hpp"

namespace ioncycle::io {

namespace {

namespace fs = std::filesystem;

const char* const kVersionAttribute = "ioncycle_checkpoint_version";

bool valid_name(const std::string& name) {
  return !name.empty() && name != "." && name.find('/') == std::string::npos;
}

// A contiguous dataset of shape `dims` (empty: a scalar) written in one call.
void write_dataset(hid_t parent, const std::string& name, hid_t file_type, hid_t mem_type,
                   const std::vector<hsize_t>& dims, const void* data) {
  h5::Handle space =
      dims.empty() ? h5::own_dataspace(H5Screate(H5S_SCALAR), "cannot create a dataspace")
                   : h5::own_dataspace(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                                       "cannot create the dataspace of '" + name + "'");
  h5::Handle dataset =
      h5::own_dataset(H5Dcreate2(parent, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                      "cannot create dataset '" + name + "'");
  if (std::find(dims.begin(), dims.end(), hsize_t{0}) != dims.end()) return;  // nothing to write
  h5::check_status(H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                   "cannot write dataset '" + name + "'");
}

h5::Handle utf8_string_type() {
  h5::Handle type = h5::own_type(H5Tcopy(H5T_C_S1), "cannot create a string type");
  h5::check_status(H5Tset_size(type.get(), H5T_VARIABLE), "cannot make a variable-length string type");
  h5::check_status(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot set a string character set");
  return type;
}

void write_file(const std::string& tmp_path, const CheckpointData& data) {
  h5::ErrorSilencer silencer;
  h5::Handle file = h5::own_file(H5Fcreate(tmp_path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
                                 "cannot create checkpoint file");
  const hid_t f = file.get();
  h5::write_int_attribute(f, kVersionAttribute, checkpoint_format_version);
  h5::write_fixed_string_attribute(f, "creator", "ioncycle");
  h5::write_fixed_string_attribute(f, "creator_version", IONCYCLE_VERSION);

  const core::System& s = data.system;
  const hsize_t n = s.num_atoms();
  {
    h5::Handle g = h5::create_group(f, "system");
    std::array<double, 9> h{};
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) h[static_cast<std::size_t>(3 * r + c)] = s.cell().matrix()(r, c);
    }
    write_dataset(g.get(), "cell", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {3, 3}, h.data());
    std::array<std::int8_t, 3> pbc{};
    for (std::size_t a = 0; a < 3; ++a) pbc[a] = s.cell().pbc()[a] ? 1 : 0;
    write_dataset(g.get(), "pbc", H5T_STD_I8LE, H5T_NATIVE_INT8, {3}, pbc.data());
    const std::int64_t next_id = s.next_id();
    write_dataset(g.get(), "next_id", H5T_STD_I64LE, H5T_NATIVE_INT64, {}, &next_id);
    // Vec3 is three contiguous doubles (Eigen, no padding), so the arrays are [N][3] in memory.
    static_assert(sizeof(core::Vec3) == 3 * sizeof(double));
    write_dataset(g.get(), "positions", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {n, 3}, s.positions().data());
    write_dataset(g.get(), "velocities", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {n, 3}, s.velocities().data());
    write_dataset(g.get(), "forces", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {n, 3}, s.forces().data());
    write_dataset(g.get(), "masses", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {n}, s.masses().data());
    static_assert(sizeof(int) == sizeof(std::int32_t));
    write_dataset(g.get(), "atomic_numbers", H5T_STD_I32LE, H5T_NATIVE_INT32, {n}, s.atomic_numbers().data());
    static_assert(sizeof(core::AtomId) == sizeof(std::int64_t));
    write_dataset(g.get(), "ids", H5T_STD_I64LE, H5T_NATIVE_INT64, {n}, s.ids().data());
  }
  {
    h5::Handle g = h5::create_group(f, "values");
    for (const auto& [name, v] : data.values) {
      write_dataset(g.get(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {v.size()}, v.data());
    }
  }
  {
    h5::Handle g = h5::create_group(f, "rngs");
    for (const auto& [name, state] : data.rngs) {
      h5::Handle r = h5::create_group(g.get(), name);
      write_dataset(r.get(), "words", H5T_STD_U64LE, H5T_NATIVE_UINT64, {4}, state.words.data());
      const std::int8_t has_spare = state.has_spare_normal ? 1 : 0;
      write_dataset(r.get(), "has_spare_normal", H5T_STD_I8LE, H5T_NATIVE_INT8, {}, &has_spare);
      write_dataset(r.get(), "spare_normal", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {}, &state.spare_normal);
    }
  }
  {
    h5::Handle g = h5::create_group(f, "texts");
    h5::Handle type = utf8_string_type();
    for (const auto& [name, text] : data.texts) {
      const char* pointer = text.c_str();
      write_dataset(g.get(), name, type.get(), type.get(), {}, &pointer);
    }
  }
  {
    h5::Handle g = h5::create_group(f, "integers");
    for (const auto& [name, value] : data.integers) {
      write_dataset(g.get(), name, H5T_STD_I64LE, H5T_NATIVE_INT64, {}, &value);
    }
  }
  file.close_checked("cannot close checkpoint file");
}

void check_names(const std::string& path, const CheckpointData& data) {
  auto check = [&](const std::string& name, const char* kind) {
    if (!valid_name(name)) {
      throw InputError(SourceLocation{path, 0, 0}, std::string("invalid checkpoint ") + kind + " name '" + name + "'",
                       "names must be non-empty, must not contain '/' and must not be \".\"");
    }
  };
  for (const auto& entry : data.values) check(entry.first, "value");
  for (const auto& entry : data.rngs) check(entry.first, "random-number state");
  for (const auto& entry : data.texts) {
    check(entry.first, "text");
    if (entry.second.find('\0') != std::string::npos) {
      throw InputError(SourceLocation{path, 0, 0}, "checkpoint text '" + entry.first + "' contains a NUL character");
    }
  }
  for (const auto& entry : data.integers) check(entry.first, "integer");
}

// Reading: every problem becomes an InputError naming the file (Reader::bad).
struct Reader {
  std::string path;
  h5::Handle file;

  [[noreturn]] void bad(const std::string& message, const std::string& hint = {}) const {
    throw InputError(SourceLocation{path, 0, 0}, message, hint);
  }

  h5::Handle dataset(hid_t parent, const std::string& name, const std::string& full, H5T_class_t cls,
                     const std::vector<hsize_t>& shape) const {
    if (!h5::exists(parent, name) || h5::object_type(parent, name) != H5O_TYPE_DATASET) {
      bad("damaged checkpoint: missing dataset " + full);
    }
    h5::Handle d = h5::open_dataset(parent, name);
    if (h5::type_class(d.get()) != cls) bad("damaged checkpoint: " + full + " has the wrong type");
    if (h5::extent(d.get()) != shape) bad("damaged checkpoint: " + full + " has the wrong shape");
    return d;
  }

  template <class T>
  void read(hid_t parent, const std::string& name, const std::string& full, H5T_class_t cls, hid_t mem_type,
            const std::vector<hsize_t>& shape, T* out) const {
    h5::Handle d = dataset(parent, name, full, cls, shape);
    if (std::find(shape.begin(), shape.end(), hsize_t{0}) != shape.end()) return;
    h5::check_status(H5Dread(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out), "cannot read " + full);
  }

  h5::Handle group(const std::string& name) const {
    if (!h5::exists(file.get(), name) || h5::object_type(file.get(), name) != H5O_TYPE_GROUP) {
      bad("damaged checkpoint: missing group /" + name);
    }
    return h5::open_group(file.get(), name);
  }

  // Number of rows of a 1-D or 2-D dataset (its first dimension).
  hsize_t rows(hid_t parent, const std::string& name, const std::string& full) const {
    if (!h5::exists(parent, name)) bad("damaged checkpoint: missing dataset " + full);
    h5::Handle d = h5::open_dataset(parent, name);
    const auto shape = h5::extent(d.get());
    if (shape.empty()) bad("damaged checkpoint: " + full + " is a scalar, not an array");
    return shape[0];
  }

  void open();
  core::System read_system() const;
  CheckpointData read_all() const;
};

void Reader::open() {
  std::error_code ec;
  if (!fs::exists(path, ec)) bad("no such checkpoint file '" + path + "'", "check the run directory");
  if (fs::is_directory(path, ec)) bad("'" + path + "' is a directory, not a checkpoint file");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) bad("cannot read the checkpoint: " + h5::error_stack_message(), "check its permissions");
  if (is_hdf5 == 0) bad("not a checkpoint: the file is not HDF5 (no HDF5 signature)");
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) bad("cannot open the checkpoint (damaged HDF5 file?): " + h5::error_stack_message());
  file = h5::Handle(f, H5Fclose);
  if (!h5::has_attribute(f, kVersionAttribute)) {
    bad("not an ioncycle checkpoint: the HDF5 file has no attribute '" + std::string(kVersionAttribute) + "'",
        "checkpoints are the checkpoint.h5 files ioncycle writes into run directories");
  }
  const auto version = h5::read_int_attribute(f, kVersionAttribute);
  if (version.size() != 1 || version[0] != checkpoint_format_version) {
    bad("unsupported checkpoint format version " + (version.size() == 1 ? std::to_string(version[0]) : "?") +
            " (this ioncycle reads version " + std::to_string(checkpoint_format_version) + ")",
        "resume with the ioncycle version that wrote the checkpoint");
  }
}

core::System Reader::read_system() const {
  h5::Handle g = group("system");
  const hid_t s = g.get();
  std::array<double, 9> h{};
  read(s, "cell", "/system/cell", H5T_FLOAT, H5T_NATIVE_DOUBLE, {3, 3}, h.data());
  std::array<std::int8_t, 3> pbc_flags{};
  read(s, "pbc", "/system/pbc", H5T_INTEGER, H5T_NATIVE_INT8, {3}, pbc_flags.data());
  std::int64_t next_id = 0;
  read(s, "next_id", "/system/next_id", H5T_INTEGER, H5T_NATIVE_INT64, {}, &next_id);
  const hsize_t n = rows(s, "ids", "/system/ids");
  std::vector<core::Vec3> x(n), v(n), f(n);
  std::vector<double> m(n);
  std::vector<std::int32_t> z(n);
  std::vector<std::int64_t> ids(n);
  read(s, "positions", "/system/positions", H5T_FLOAT, H5T_NATIVE_DOUBLE, {n, 3}, x.data());
  read(s, "velocities", "/system/velocities", H5T_FLOAT, H5T_NATIVE_DOUBLE, {n, 3}, v.data());
  read(s, "forces", "/system/forces", H5T_FLOAT, H5T_NATIVE_DOUBLE, {n, 3}, f.data());
  read(s, "masses", "/system/masses", H5T_FLOAT, H5T_NATIVE_DOUBLE, {n}, m.data());
  read(s, "atomic_numbers", "/system/atomic_numbers", H5T_INTEGER, H5T_NATIVE_INT32, {n}, z.data());
  read(s, "ids", "/system/ids", H5T_INTEGER, H5T_NATIVE_INT64, {n}, ids.data());

  core::Mat3 matrix;
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) matrix(r, c) = h[static_cast<std::size_t>(3 * r + c)];
  }
  std::array<bool, 3> pbc{};
  for (std::size_t a = 0; a < 3; ++a) {
    if (pbc_flags[a] != 0 && pbc_flags[a] != 1) bad("damaged checkpoint: /system/pbc holds values other than 0 and 1");
    pbc[a] = pbc_flags[a] == 1;
  }
  core::System system;
  std::vector<core::AtomSpec> atoms(n);
  for (std::size_t i = 0; i < n; ++i) {
    atoms[i].z = z[i];
    atoms[i].position = x[i];
    atoms[i].velocity = v[i];
    atoms[i].mass = m[i];
    atoms[i].id = ids[i];
    if (ids[i] >= next_id) {
      bad("damaged checkpoint: atom id " + std::to_string(ids[i]) + " is not below next_id " +
          std::to_string(next_id));
    }
  }
  try {
    system = core::System(core::Cell(matrix, pbc));
    (void)system.insert_atoms(atoms);
  } catch (const InputError& e) {
    bad("damaged checkpoint: " + e.message(), e.hint());
  }
  auto forces = system.forces();
  std::copy(f.begin(), f.end(), forces.begin());
  system.reserve_ids_below(next_id);
  return system;
}

CheckpointData Reader::read_all() const {
  CheckpointData data;
  data.system = read_system();
  {
    h5::Handle g = group("values");
    for (const auto& name : h5::member_names(g.get())) {
      const std::string full = "/values/" + name;
      std::vector<double> v(rows(g.get(), name, full));
      read(g.get(), name, full, H5T_FLOAT, H5T_NATIVE_DOUBLE, {v.size()}, v.data());
      data.values.emplace(name, std::move(v));
    }
  }
  {
    h5::Handle g = group("rngs");
    for (const auto& name : h5::member_names(g.get())) {
      const std::string full = "/rngs/" + name;
      if (h5::object_type(g.get(), name) != H5O_TYPE_GROUP) bad("damaged checkpoint: " + full + " is not a group");
      h5::Handle r = h5::open_group(g.get(), name);
      core::Rng::State state;
      std::int8_t has_spare = 0;
      read(r.get(), "words", full + "/words", H5T_INTEGER, H5T_NATIVE_UINT64, {4}, state.words.data());
      read(r.get(), "has_spare_normal", full + "/has_spare_normal", H5T_INTEGER, H5T_NATIVE_INT8, {}, &has_spare);
      read(r.get(), "spare_normal", full + "/spare_normal", H5T_FLOAT, H5T_NATIVE_DOUBLE, {}, &state.spare_normal);
      state.has_spare_normal = has_spare != 0;
      data.rngs.emplace(name, state);
    }
  }
  {
    h5::Handle g = group("texts");
    h5::Handle type = utf8_string_type();
    for (const auto& name : h5::member_names(g.get())) {
      const std::string full = "/texts/" + name;
      h5::Handle d = dataset(g.get(), name, full, H5T_STRING, {});
      char* pointer = nullptr;
      h5::check_status(H5Dread(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &pointer), "cannot read " + full);
      data.texts.emplace(name, pointer != nullptr ? std::string(pointer) : std::string());
      // The library allocated the string; hand it back the way it expects.
      h5::Handle space = h5::own_dataspace(H5Screate(H5S_SCALAR), "cannot create a dataspace");
      (void)H5Dvlen_reclaim(type.get(), space.get(), H5P_DEFAULT, &pointer);
    }
  }
  {
    h5::Handle g = group("integers");
    for (const auto& name : h5::member_names(g.get())) {
      std::int64_t value = 0;
      read(g.get(), name, "/integers/" + name, H5T_INTEGER, H5T_NATIVE_INT64, {}, &value);
      data.integers.emplace(name, value);
    }
  }
  return data;
}

}  // namespace

void write_checkpoint(const std::string& path, const CheckpointData& data) {
  check_names(path, data);
  remove_stale_temporaries(path);
  write_path_atomically(path, [&](const std::string& tmp) { write_file(tmp, data); });
}

CheckpointData read_checkpoint(const std::string& path) {
  h5::ErrorSilencer silencer;
  Reader reader{path, {}};
  try {
    reader.open();
    return reader.read_all();
  } catch (const BackendError& e) {
    // A failure inside HDF5 while reading a file that opened is a damaged file, not a bug.
    reader.bad(std::string("damaged checkpoint: ") + e.what(), "resume from an earlier copy of the run directory");
  }
}

}  // namespace ioncycle::io
