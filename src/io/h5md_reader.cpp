// SPDX-License-Identifier: MIT
//
// Reading follows H5MD 1.1: an element is either a time-dependent group (step, optional time,
// value) or a plain dataset (time-independent); step and time are arrays, or scalars giving a
// fixed increment from an `offset` attribute. Per-atom values are matched to position's frames
// by row, so elements sampled at steps other than position's are refused rather than guessed.
#include "io/h5md_reader.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/elements.hpp"
#include "core/error.hpp"
#include "io/hdf5_support.hpp"

namespace ioncycle::io {

namespace {

namespace fs = std::filesystem;

constexpr double kKjPerMolPerEv = 1.602176634e-19 * 6.02214076e23 / 1000.0;
constexpr double kKcalPerKj = 1.0 / 4.184;

struct UnitFactor {
  const char* unit;
  double factor;  // multiply a stored value by this to get ioncycle's unit
};

// Unit strings ioncycle writes, H5MD's own symbols ("Ang"), and those MDAnalysis writes.
constexpr std::array<UnitFactor, 6> kLengthUnits{
    {{"Angstrom", 1.0}, {"angstrom", 1.0}, {"Ang", 1.0}, {"A", 1.0}, {"nm", 10.0}, {"pm", 0.01}}};
constexpr std::array<UnitFactor, 4> kTimeUnits{{{"fs", 1.0}, {"ps", 1e3}, {"ns", 1e6}, {"as", 1e-3}}};
constexpr std::array<UnitFactor, 8> kVelocityUnits{{{"Angstrom fs-1", 1.0},
                                                    {"Ang fs-1", 1.0},
                                                    {"A fs-1", 1.0},
                                                    {"Angstrom ps-1", 1e-3},
                                                    {"Ang ps-1", 1e-3},
                                                    {"A ps-1", 1e-3},
                                                    {"nm ps-1", 1e-2},
                                                    {"nm fs-1", 10.0}}};
constexpr std::array<UnitFactor, 8> kForceUnits{{{"eV Angstrom-1", 1.0},
                                                 {"eV Ang-1", 1.0},
                                                 {"eV A-1", 1.0},
                                                 {"kJ mol-1 Angstrom-1", 1.0 / kKjPerMolPerEv},
                                                 {"kJ mol-1 A-1", 1.0 / kKjPerMolPerEv},
                                                 {"kJ mol-1 nm-1", 0.1 / kKjPerMolPerEv},
                                                 {"kcal mol-1 Angstrom-1", 1.0 / (kKjPerMolPerEv * kKcalPerKj)},
                                                 {"kcal mol-1 A-1", 1.0 / (kKjPerMolPerEv * kKcalPerKj)}}};

// A per-atom or per-frame element: a time-dependent group's value dataset, or a time-independent
// dataset.
struct Element {
  h5::Handle value;
  bool time_dependent = false;
  std::vector<hsize_t> shape;
  double factor = 1.0;
  [[nodiscard]] bool present() const { return value.valid(); }
  [[nodiscard]] hsize_t rows() const { return time_dependent ? shape.at(0) : 1; }
};

struct Observable {
  std::string name;
  h5::Handle value;
  std::vector<hsize_t> item_shape;
  std::map<std::int64_t, hsize_t> row_of_step;
};

}  // namespace

struct H5mdReader::Impl {
  std::string path;
  std::string group_name;
  h5::Handle file;
  h5::Handle group;
  Element position, velocity, force, species, id, edges, particle_number;
  std::array<bool, 3> pbc{};
  std::vector<std::int64_t> steps;
  std::vector<double> times;  // fs; empty without a time dataset
  hsize_t slots = 0;
  std::size_t frames = 0;
  bool dropped = false;
  std::optional<std::int64_t> id_fill;
  bool edges_are_matrix = false;  // triclinic [3][3] rather than a cuboid's diagonal [3]
  std::vector<Observable> observables;

  [[nodiscard]] SourceLocation where() const { return SourceLocation{path, 0, 0}; }
  [[noreturn]] void bad(const std::string& message, const std::string& hint = {}) const {
    throw InputError(where(), message, hint);
  }
  [[nodiscard]] std::string in_group(const std::string& name) const { return "/particles/" + group_name + "/" + name; }

  void open_file();
  void choose_group(const std::string& requested);
  Element open_element(hid_t parent, const std::string& name, const std::string& full_name, bool required);
  double unit_factor(hid_t dataset, const std::string& full_name, std::span<const UnitFactor> table,
                     const std::string& kind) const;
  void read_time_axis(hid_t position_group);
  void check_shapes();
  void read_observables();
  [[nodiscard]] Frame read(std::size_t k) const;
  /// Row k of a time-dependent element (the whole dataset of a time-independent one); for a
  /// per-atom element only the first `slots` atoms.
  void read_row(const Element& e, std::size_t k, hid_t mem_type, void* buffer, bool per_atom) const;
};

namespace {

std::string join_units(std::span<const UnitFactor> table) {
  std::string s;
  for (const auto& u : table) s += (s.empty() ? "\"" : ", \"") + std::string(u.unit) + "\"";
  return s;
}

std::vector<std::int64_t> read_int_dataset(hid_t dataset, hsize_t n) {
  std::vector<std::int64_t> v(n);
  if (n > 0) h5::read_block(dataset, H5T_NATIVE_INT64, {0}, {n}, v.data());
  return v;
}

std::vector<double> read_double_dataset(hid_t dataset, hsize_t n) {
  std::vector<double> v(n);
  if (n > 0) h5::read_block(dataset, H5T_NATIVE_DOUBLE, {0}, {n}, v.data());
  return v;
}

std::string shape_text(const std::vector<hsize_t>& shape) {
  std::string s;
  for (const auto d : shape) s += "[" + std::to_string(d) + "]";
  return s.empty() ? "[] (a scalar)" : s;
}

// A scalar dataset's value (fixed-increment step/time).
template <class T>
T read_scalar(hid_t dataset, hid_t mem_type) {
  T value{};
  h5::read_block(dataset, mem_type, {}, {}, &value);
  return value;
}

}  // namespace

void H5mdReader::Impl::open_file() {
  std::error_code ec;
  if (!fs::exists(path, ec)) bad("no such file '" + path + "'", "check the path");
  if (fs::is_directory(path, ec)) bad("'" + path + "' is a directory, not an H5MD file");
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
  if (is_hdf5 < 0) bad("cannot read the file: " + h5::error_stack_message(), "check its permissions");
  if (is_hdf5 == 0) {
    bad("not an HDF5 file (no HDF5 signature)",
        "H5MD trajectories are HDF5 files, e.g. trajectory.h5 written by ioncycle");
  }
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    bad("cannot open the HDF5 file: " + h5::error_stack_message(),
        "a file that another program is still writing is locked until it is closed");
  }
  file = h5::Handle(f, H5Fclose);
  if (!h5::exists(f, "h5md"))
    bad("not an H5MD file: there is no /h5md group", "this HDF5 file was not written as H5MD");
  h5::Handle h5md = h5::open_group(f, "h5md");
  if (h5::has_attribute(h5md.get(), "version")) {
    const auto version = h5::read_int_attribute(h5md.get(), "version");
    if (version.empty() || version[0] != 1) {
      bad("unsupported H5MD version " + (version.empty() ? std::string("?") : std::to_string(version[0])),
          "ioncycle reads H5MD 1.x");
    }
  }
  if (!h5::exists(f, "particles")) bad("the H5MD file has no /particles group (no trajectory)");
}

void H5mdReader::Impl::choose_group(const std::string& requested) {
  h5::Handle particles = h5::open_group(file.get(), "particles");
  const auto names = h5::member_names(particles.get());
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  if (!requested.empty()) {
    if (std::find(names.begin(), names.end(), requested) == names.end()) {
      bad("no particle group '" + requested + "' under /particles", names.empty() ? "" : "the file has: " + list);
    }
    group_name = requested;
  } else if (std::find(names.begin(), names.end(), "all") != names.end()) {
    group_name = "all";
  } else if (names.size() == 1) {
    group_name = names.front();
  } else if (names.empty()) {
    bad("/particles holds no particle group");
  } else {
    bad("/particles holds several particle groups (" + list + ") and none is named 'all'", "name the group to read");
  }
  if (h5::object_type(particles.get(), group_name) != H5O_TYPE_GROUP) bad(in_group("") + " is not a group");
  group = h5::open_group(particles.get(), group_name);
}

Element H5mdReader::Impl::open_element(hid_t parent, const std::string& name, const std::string& full_name,
                                       bool required) {
  Element e;
  if (!h5::exists(parent, name)) {
    if (required) bad("missing " + full_name, "an H5MD trajectory needs position and species elements and a box");
    return e;
  }
  const H5O_type_t type = h5::object_type(parent, name);
  if (type == H5O_TYPE_GROUP) {
    if (!h5::exists(parent, name + "/value")) bad("missing " + full_name + "/value");
    if (!h5::exists(parent, name + "/step")) bad("missing " + full_name + "/step");
    e.value = h5::open_dataset(parent, name + "/value");
    e.time_dependent = true;
  } else if (type == H5O_TYPE_DATASET) {
    e.value = h5::open_dataset(parent, name);
  } else {
    bad(full_name + " is neither a group nor a dataset");
  }
  e.shape = h5::extent(e.value.get());
  if (e.time_dependent && e.shape.empty()) bad(full_name + "/value has no frame dimension");
  return e;
}

double H5mdReader::Impl::unit_factor(hid_t dataset, const std::string& full_name, std::span<const UnitFactor> table,
                                     const std::string& kind) const {
  if (!h5::has_attribute(dataset, "unit")) return 1.0;  // no unit: taken as ioncycle's own
  const auto unit = h5::read_string_attribute(dataset, "unit");
  if (unit.size() == 1) {
    for (const auto& u : table) {
      if (unit[0] == u.unit) return u.factor;
    }
  }
  bad("unsupported " + kind + " unit '" + (unit.empty() ? std::string() : unit[0]) + "' in " + full_name,
      "ioncycle reads " + kind + "s in " + join_units(table));
}

void H5mdReader::Impl::read_time_axis(hid_t position_group) {
  h5::Handle step = h5::open_dataset(position_group, "step");
  const auto step_shape = h5::extent(step.get());
  const hsize_t rows = position.rows();
  if (h5::type_class(step.get()) != H5T_INTEGER) bad(in_group("position/step") + " is not of integer type");
  if (step_shape.empty()) {
    // Fixed-interval storage: step(i) = offset + i * increment.
    const auto increment = read_scalar<std::int64_t>(step.get(), H5T_NATIVE_INT64);
    const std::int64_t offset =
        h5::has_attribute(step.get(), "offset") ? h5::read_int_attribute(step.get(), "offset").at(0) : 0;
    steps.resize(rows);
    for (hsize_t i = 0; i < rows; ++i) steps[i] = offset + static_cast<std::int64_t>(i) * increment;
  } else if (step_shape.size() == 1) {
    steps = read_int_dataset(step.get(), step_shape[0]);
  } else {
    bad(in_group("position/step") + " must be one-dimensional");
  }
  if (!h5::exists(position_group, "time")) return;
  h5::Handle time = h5::open_dataset(position_group, "time");
  const double factor = unit_factor(time.get(), in_group("position/time"), kTimeUnits, "time");
  const auto time_shape = h5::extent(time.get());
  if (time_shape.empty()) {
    const auto increment = read_scalar<double>(time.get(), H5T_NATIVE_DOUBLE);
    double offset = 0.0;
    if (h5::has_attribute(time.get(), "offset")) {
      h5::Handle attr = h5::own_attribute(H5Aopen(time.get(), "offset", H5P_DEFAULT), "cannot open attribute 'offset'");
      h5::check_status(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &offset), "cannot read attribute 'offset'");
    }
    times.resize(rows);
    for (hsize_t i = 0; i < rows; ++i) times[i] = (offset + static_cast<double>(i) * increment) * factor;
  } else if (time_shape.size() == 1) {
    times = read_double_dataset(time.get(), time_shape[0]);
    for (double& t : times) t *= factor;
  } else {
    bad(in_group("position/time") + " must be one-dimensional");
  }
}

void H5mdReader::Impl::check_shapes() {
  // Position: [frames][slots][3].
  if (!position.time_dependent) bad(in_group("position") + " is time-independent; ioncycle reads trajectories");
  if (position.shape.size() != 3 || position.shape[2] != 3) {
    bad(in_group("position/value") + " must have shape [frames][atoms][3]");
  }
  slots = position.shape[1];
  std::size_t n = std::min<std::size_t>(position.rows(), steps.size());
  if (!times.empty()) n = std::min<std::size_t>(n, times.size());
  bool slots_differ = false;
  auto check_per_atom = [&](const Element& e, const std::string& name, std::size_t item_rank) {
    if (!e.present()) return;
    const std::size_t rank = (e.time_dependent ? 1 : 0) + 1 + item_rank;
    const std::size_t atom_axis = e.time_dependent ? 1 : 0;
    if (e.shape.size() != rank || (item_rank == 1 && e.shape.back() != 3)) {
      bad(in_group(name) + " has shape " + shape_text(e.shape) + ", which does not fit " +
          (e.time_dependent ? "[frames]" : "") + "[atoms]" + (item_rank == 1 ? "[3]" : ""));
    }
    if (e.shape[atom_axis] != slots) slots_differ = true;
    slots = std::min(slots, e.shape[atom_axis]);
    if (e.time_dependent) n = std::min<std::size_t>(n, e.rows());
  };
  check_per_atom(velocity, "velocity/value", 1);
  check_per_atom(force, "force/value", 1);
  check_per_atom(species, "species", 0);
  check_per_atom(id, "id", 0);
  if (edges.present()) {
    const std::size_t item = edges.shape.size() - (edges.time_dependent ? 1 : 0);
    const bool vector = item == 1 && edges.shape.back() == 3;
    edges_are_matrix = item == 2 && edges.shape.back() == 3 && edges.shape[edges.shape.size() - 2] == 3;
    if (!vector && !edges_are_matrix) bad(in_group("box/edges") + " must hold a 3-vector or a 3x3 matrix per frame");
    if (edges.time_dependent) n = std::min<std::size_t>(n, edges.rows());
  }
  if (particle_number.present()) {
    if (!particle_number.time_dependent || particle_number.shape.size() != 1) {
      bad("/observables/" + group_name + "/particle_number must be a time-dependent scalar");
    }
    n = std::min<std::size_t>(n, particle_number.rows());
  }
  frames = n;
  // The atom dimension only grows together with a new frame, so differing widths can only come
  // from a writer killed while flushing that frame.
  if (slots_differ && frames > 0) {
    --frames;
    dropped = true;
  }
}

void H5mdReader::Impl::read_observables() {
  if (!h5::exists(file.get(), "observables")) return;
  h5::Handle obs = h5::open_group(file.get(), "observables");
  for (const auto& name : h5::member_names(obs.get())) {
    if (name == group_name || h5::object_type(obs.get(), name) != H5O_TYPE_GROUP) continue;
    if (!h5::exists(obs.get(), name + "/value") || !h5::exists(obs.get(), name + "/step")) continue;
    Observable o;
    o.name = name;
    o.value = h5::open_dataset(obs.get(), name + "/value");
    const H5T_class_t cls = h5::type_class(o.value.get());
    if (cls != H5T_FLOAT && cls != H5T_INTEGER) continue;  // strings and compounds are not frame info
    const auto shape = h5::extent(o.value.get());
    if (shape.empty()) continue;
    o.item_shape.assign(shape.begin() + 1, shape.end());
    h5::Handle step = h5::open_dataset(obs.get(), name + "/step");
    const auto step_shape = h5::extent(step.get());
    if (step_shape.size() != 1) continue;  // fixed-interval observables are rare; not read
    const auto obs_steps = read_int_dataset(step.get(), std::min(step_shape[0], shape[0]));
    for (hsize_t r = 0; r < obs_steps.size(); ++r) o.row_of_step.emplace(obs_steps[r], r);
    observables.push_back(std::move(o));
  }
}

void H5mdReader::Impl::read_row(const Element& e, std::size_t k, hid_t mem_type, void* buffer, bool per_atom) const {
  std::vector<hsize_t> start(e.shape.size(), 0);
  std::vector<hsize_t> count = e.shape;
  const std::size_t atom_axis = e.time_dependent ? 1 : 0;
  if (e.time_dependent) {
    start[0] = k;
    count[0] = 1;
  }
  if (per_atom) count[atom_axis] = std::min<hsize_t>(count[atom_axis], slots);
  h5::read_block(e.value.get(), mem_type, start, count, buffer);
}

Frame H5mdReader::Impl::read(std::size_t k) const {
  if (k >= frames) {
    bad("frame " + std::to_string(k) + " does not exist; the trajectory has " + std::to_string(frames) + " frames");
  }
  const std::string at_frame = "frame " + std::to_string(k) + " (step " + std::to_string(steps[k]) + "): ";
  const std::size_t n_slots = slots;

  std::vector<double> pos(3 * n_slots), vel, frc;
  read_row(position, k, H5T_NATIVE_DOUBLE, pos.data(), true);
  if (velocity.present()) {
    vel.resize(3 * n_slots);
    read_row(velocity, k, H5T_NATIVE_DOUBLE, vel.data(), true);
  }
  if (force.present()) {
    frc.resize(3 * n_slots);
    read_row(force, k, H5T_NATIVE_DOUBLE, frc.data(), true);
  }
  std::vector<std::int64_t> z(n_slots), ids(n_slots);
  read_row(species, k, H5T_NATIVE_INT64, z.data(), true);
  if (id.present()) {
    read_row(id, k, H5T_NATIVE_INT64, ids.data(), true);
  } else {
    for (std::size_t s = 0; s < n_slots; ++s) ids[s] = static_cast<std::int64_t>(s);  // identity by index
  }

  core::Mat3 h = core::Mat3::Zero();
  if (edges.present()) {
    std::vector<double> e(edges_are_matrix ? 9 : 3);
    read_row(edges, k, H5T_NATIVE_DOUBLE, e.data(), false);
    if (edges_are_matrix) {
      for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 3; ++c) h(r, c) = e[static_cast<std::size_t>(3 * r + c)] * edges.factor;
      }
    } else {
      for (int r = 0; r < 3; ++r) h(r, r) = e[static_cast<std::size_t>(r)] * edges.factor;
    }
    // Edges along non-periodic axes are placeholders (H5MD); ioncycle writes the real cell
    // there, other programs may write anything, including NaN.
    for (int r = 0; r < 3; ++r) {
      if (!pbc[static_cast<std::size_t>(r)] && !h.row(r).allFinite()) h.row(r).setZero();
    }
  }

  Frame frame;
  try {
    frame.system = core::System(core::Cell(h, pbc));
  } catch (const InputError& e) {
    bad(at_frame + e.message(), e.hint());
  }
  std::vector<core::AtomSpec> atoms;
  std::vector<std::size_t> slot_of_atom;
  for (std::size_t s = 0; s < n_slots; ++s) {
    if (ids[s] < 0 || (id_fill && ids[s] == *id_fill)) continue;  // an empty slot
    if (z[s] < 1 || z[s] > core::max_atomic_number()) {
      bad(at_frame + "atom id " + std::to_string(ids[s]) + " has species " + std::to_string(z[s]) +
          ", which is not an atomic number");
    }
    core::AtomSpec a;
    a.z = static_cast<int>(z[s]);
    a.position = core::Vec3(pos[3 * s], pos[3 * s + 1], pos[3 * s + 2]) * position.factor;
    if (!a.position.allFinite()) bad(at_frame + "atom id " + std::to_string(ids[s]) + " has a non-finite position");
    if (!vel.empty()) a.velocity = core::Vec3(vel[3 * s], vel[3 * s + 1], vel[3 * s + 2]) * velocity.factor;
    a.id = ids[s];
    atoms.push_back(a);
    slot_of_atom.push_back(s);
  }
  if (particle_number.present()) {
    std::int64_t count = -1;
    read_row(particle_number, k, H5T_NATIVE_INT64, &count, false);
    if (count != static_cast<std::int64_t>(atoms.size())) {
      bad(at_frame + "particle_number says " + std::to_string(count) + " atoms but " + std::to_string(atoms.size()) +
          " slots have an id");
    }
  }
  try {
    (void)frame.system.insert_atoms(atoms);
  } catch (const InputError& e) {
    bad(at_frame + e.message(), e.hint());
  }
  if (!frc.empty()) {
    auto forces = frame.system.forces();
    for (std::size_t i = 0; i < slot_of_atom.size(); ++i) {
      const std::size_t s = slot_of_atom[i];
      forces[i] = core::Vec3(frc[3 * s], frc[3 * s + 1], frc[3 * s + 2]) * force.factor;
    }
  }
  frame.has_velocities = velocity.present();
  frame.has_forces = force.present();
  frame.info["step"] = steps[k];
  if (!times.empty() && std::isfinite(times[k])) frame.info["time"] = times[k];
  for (const auto& o : observables) {
    const auto it = o.row_of_step.find(steps[k]);
    if (it == o.row_of_step.end()) continue;
    hsize_t size = 1;
    for (const auto d : o.item_shape) size *= d;
    std::vector<double> value(size);
    std::vector<hsize_t> start(o.item_shape.size() + 1, 0), count{1};
    start[0] = it->second;
    count.insert(count.end(), o.item_shape.begin(), o.item_shape.end());
    h5::read_block(o.value.get(), H5T_NATIVE_DOUBLE, start, count, value.data());
    if (size == 1)
      frame.info[o.name] = value[0];
    else
      frame.info[o.name] = std::move(value);
  }
  return frame;
}

H5mdReader H5mdReader::open(const std::string& path, const std::string& particle_group) {
  h5::ErrorSilencer silencer;
  auto impl = std::make_unique<Impl>();
  Impl& r = *impl;
  r.path = path;
  r.open_file();
  r.choose_group(particle_group);
  const hid_t g = r.group.get();

  if (!h5::exists(g, "position")) {
    r.bad("missing " + r.in_group("position") + " (the file holds no frames)");
  }
  r.position = r.open_element(g, "position", r.in_group("position"), true);
  r.position.factor = r.unit_factor(r.position.value.get(), r.in_group("position/value"), kLengthUnits, "length");
  r.velocity = r.open_element(g, "velocity", r.in_group("velocity"), false);
  if (r.velocity.present())
    r.velocity.factor = r.unit_factor(r.velocity.value.get(), r.in_group("velocity/value"), kVelocityUnits, "velocity");
  r.force = r.open_element(g, "force", r.in_group("force"), false);
  if (r.force.present())
    r.force.factor = r.unit_factor(r.force.value.get(), r.in_group("force/value"), kForceUnits, "force");
  r.species = r.open_element(g, "species", r.in_group("species"), true);
  if (h5::type_class(r.species.value.get()) != H5T_INTEGER) {
    r.bad(r.in_group("species") + " must hold integer atomic numbers", "enumerated species are not supported");
  }
  r.id = r.open_element(g, "id", r.in_group("id"), false);
  if (r.id.present()) {
    if (h5::type_class(r.id.value.get()) != H5T_INTEGER) r.bad(r.in_group("id") + " must hold integers");
    // H5MD marks empty slots with the id dataset's fill value; ioncycle's is -1.
    h5::Handle dcpl = h5::own_plist(H5Dget_create_plist(r.id.value.get()), "cannot read the creation properties of id");
    H5D_fill_value_t status{};
    h5::check_status(H5Pfill_value_defined(dcpl.get(), &status), "cannot read the fill value of id");
    if (status == H5D_FILL_VALUE_USER_DEFINED) {
      std::int64_t fill = -1;
      h5::check_status(H5Pget_fill_value(dcpl.get(), H5T_NATIVE_INT64, &fill), "cannot read the fill value of id");
      r.id_fill = fill;
    }
  }

  if (!h5::exists(g, "box")) r.bad("missing " + r.in_group("box"), "H5MD requires a box in every particle group");
  h5::Handle box = h5::open_group(g, "box");
  if (!h5::has_attribute(box.get(), "dimension") ||
      h5::read_int_attribute(box.get(), "dimension") != std::vector<std::int64_t>{3}) {
    r.bad(r.in_group("box") + " must have the attribute dimension = 3");
  }
  if (!h5::has_attribute(box.get(), "boundary")) r.bad("missing attribute boundary of " + r.in_group("box"));
  const auto boundary = h5::read_string_attribute(box.get(), "boundary");
  if (boundary.size() != 3) r.bad("attribute boundary of " + r.in_group("box") + " must have 3 entries");
  for (std::size_t a = 0; a < 3; ++a) {
    if (boundary[a] == "periodic")
      r.pbc[a] = true;
    else if (boundary[a] == "none")
      r.pbc[a] = false;
    else
      r.bad("box boundary '" + boundary[a] + "' in " + r.in_group("box") + " is neither \"periodic\" nor \"none\"");
  }
  r.edges = r.open_element(box.get(), "edges", r.in_group("box/edges"), false);
  if (r.edges.present())
    r.edges.factor = r.unit_factor(r.edges.value.get(), r.in_group("box/edges"), kLengthUnits, "length");
  else if (r.pbc[0] || r.pbc[1] || r.pbc[2])
    r.bad("missing " + r.in_group("box/edges") + " for a periodic box");

  const std::string count_path = "observables/" + r.group_name + "/particle_number";
  if (h5::exists(r.file.get(), count_path)) {
    r.particle_number = r.open_element(r.file.get(), count_path, "/" + count_path, false);
  }
  {
    h5::Handle position_group = h5::open_group(g, "position");
    r.read_time_axis(position_group.get());
  }
  r.check_shapes();
  // Elements with their own step datasets must be sampled with position, row for row.
  for (const auto& [element, name] : {std::pair{&r.velocity, "velocity"}, std::pair{&r.force, "force"},
                                      std::pair{&r.species, "species"}, std::pair{&r.id, "id"}}) {
    if (!element->present() || !element->time_dependent) continue;
    h5::Handle step = h5::open_dataset(g, std::string(name) + "/step");
    const auto shape = h5::extent(step.get());
    if (shape.size() != 1) continue;  // fixed-interval: trusted to match
    const auto own = read_int_dataset(step.get(), std::min<hsize_t>(shape[0], r.frames));
    if (!std::equal(own.begin(), own.end(), r.steps.begin())) {
      r.bad(r.in_group(name) + " is sampled at other steps than position", "ioncycle reads elements sampled together");
    }
  }
  r.read_observables();

  // A writer killed while flushing can leave the last frame half-written: steps not written
  // (fill value), chunks missing (ids -1, NaN positions), a count that disagrees. Drop it
  // rather than return an empty or broken frame; every earlier frame was flushed whole.
  if (r.frames > 0) {
    const std::size_t last = r.frames - 1;
    // The writer's fill value for step is the smallest int64, so an unwritten step shows.
    bool broken =
        r.steps[last] == std::numeric_limits<std::int64_t>::min() || (last > 0 && r.steps[last] <= r.steps[last - 1]);
    if (!broken) {
      try {
        (void)r.read(last);
      } catch (const InputError&) {
        broken = true;
      } catch (const BackendError&) {
        broken = true;
      }
    }
    if (broken) {
      r.frames = last;
      r.dropped = true;
    }
  }
  return H5mdReader(std::move(impl));
}

H5mdReader::H5mdReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
H5mdReader::H5mdReader(H5mdReader&&) noexcept = default;
H5mdReader& H5mdReader::operator=(H5mdReader&&) noexcept = default;
H5mdReader::~H5mdReader() = default;

std::size_t H5mdReader::num_frames() const { return impl_->frames; }

Frame H5mdReader::read_frame(std::size_t k) const {
  h5::ErrorSilencer silencer;
  return impl_->read(k);
}

std::vector<Frame> H5mdReader::read_all() const {
  h5::ErrorSilencer silencer;
  std::vector<Frame> frames;
  frames.reserve(impl_->frames);
  for (std::size_t k = 0; k < impl_->frames; ++k) frames.push_back(impl_->read(k));
  return frames;
}

const std::string& H5mdReader::path() const { return impl_->path; }
const std::string& H5mdReader::particle_group() const { return impl_->group_name; }
bool H5mdReader::has_velocities() const { return impl_->velocity.present(); }
bool H5mdReader::has_forces() const { return impl_->force.present(); }
bool H5mdReader::dropped_incomplete_frame() const { return impl_->dropped; }

std::vector<std::string> H5mdReader::observable_names() const {
  std::vector<std::string> names;
  for (const auto& o : impl_->observables) names.push_back(o.name);
  return names;
}

}  // namespace ioncycle::io
