// SPDX-License-Identifier: MIT
#include "io/hdf5_support.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"

namespace ioncycle::io::h5 {

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    closer_ = other.closer_;
    other.id_ = -1;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && closer_ != nullptr) {
    // Destructors must not throw and the stack may still hold an earlier failure: close
    // quietly and drop whatever the close itself reports.
    H5E_auto2_t func = nullptr;
    void* data = nullptr;
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    (void)closer_(id_);
    H5Eset_auto2(H5E_DEFAULT, func, data);
  }
  id_ = -1;
}

void Handle::close_checked(const std::string& what) {
  if (id_ < 0 || closer_ == nullptr) return;
  const hid_t id = id_;
  id_ = -1;
  check_status(closer_(id), what);
}

ErrorSilencer::ErrorSilencer() {
  H5Eget_auto2(H5E_DEFAULT, &previous_func_, &previous_data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

ErrorSilencer::~ErrorSilencer() { H5Eset_auto2(H5E_DEFAULT, previous_func_, previous_data_); }

namespace {

herr_t collect_error(unsigned /*n*/, const H5E_error2_t* error, void* client_data) {
  auto* messages = static_cast<std::vector<std::string>*>(client_data);
  if (error != nullptr && error->desc != nullptr && error->desc[0] != '\0') {
    messages->emplace_back(error->desc);
  }
  return 0;
}

}  // namespace

std::string error_stack_message() {
  std::vector<std::string> messages;
  // Upward: innermost first, i.e. the cause ("file signature not found") before the API call
  // that reported it ("unable to open file").
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_error, &messages);
  H5Eclear2(H5E_DEFAULT);
  messages.erase(std::unique(messages.begin(), messages.end()), messages.end());
  if (messages.size() > 3) messages.resize(3);
  std::string s;
  for (const auto& m : messages) {
    if (!s.empty()) s += "; ";
    s += m;
  }
  return s.empty() ? "no details from the HDF5 library" : s;
}

void fail(const std::string& what) { throw BackendError("HDF5", what + ": " + error_stack_message()); }

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) fail(what);
  return id;
}

void check_status(herr_t status, const std::string& what) {
  if (status < 0) fail(what);
}

Handle own_file(hid_t id, const std::string& what) { return {check(id, what), H5Fclose}; }
Handle own_group(hid_t id, const std::string& what) { return {check(id, what), H5Gclose}; }
Handle own_dataset(hid_t id, const std::string& what) { return {check(id, what), H5Dclose}; }
Handle own_dataspace(hid_t id, const std::string& what) { return {check(id, what), H5Sclose}; }
Handle own_type(hid_t id, const std::string& what) { return {check(id, what), H5Tclose}; }
Handle own_plist(hid_t id, const std::string& what) { return {check(id, what), H5Pclose}; }
Handle own_attribute(hid_t id, const std::string& what) { return {check(id, what), H5Aclose}; }

bool exists(hid_t loc, const std::string& path) {
  std::string prefix;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::string part = path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (!part.empty()) {
      prefix += (prefix.empty() ? "" : "/") + part;
      const htri_t link = H5Lexists(loc, prefix.c_str(), H5P_DEFAULT);
      if (link < 0) fail("cannot look up '" + prefix + "'");
      if (link == 0) return false;
      // A dangling soft link exists as a link but not as an object.
      const htri_t object = H5Oexists_by_name(loc, prefix.c_str(), H5P_DEFAULT);
      if (object <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return false;
      }
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

H5O_type_t object_type(hid_t loc, const std::string& path) {
  H5O_info_t info;
  check_status(H5Oget_info_by_name(loc, path.c_str(), &info, H5P_DEFAULT), "cannot inspect '" + path + "'");
  return info.type;
}

Handle open_group(hid_t loc, const std::string& path) {
  return own_group(H5Gopen2(loc, path.c_str(), H5P_DEFAULT), "cannot open group '" + path + "'");
}

Handle create_group(hid_t loc, const std::string& name) {
  return own_group(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                   "cannot create group '" + name + "'");
}

Handle open_dataset(hid_t loc, const std::string& path) {
  return own_dataset(H5Dopen2(loc, path.c_str(), H5P_DEFAULT), "cannot open dataset '" + path + "'");
}

namespace {

herr_t collect_name(hid_t /*group*/, const char* name, const H5L_info_t* /*info*/, void* client_data) {
  static_cast<std::vector<std::string>*>(client_data)->emplace_back(name);
  return 0;
}

}  // namespace

std::vector<std::string> member_names(hid_t group) {
  std::vector<std::string> names;
  hsize_t index = 0;
  check_status(H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, &index, collect_name, &names),
               "cannot list group members");
  return names;
}

void hard_link(hid_t src, const std::string& src_name, hid_t dest, const std::string& link_name) {
  check_status(H5Lcreate_hard(src, src_name.c_str(), dest, link_name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
               "cannot link '" + link_name + "' to '" + src_name + "'");
}

namespace {

Handle fixed_string_type(std::size_t length) {
  Handle type = own_type(H5Tcopy(H5T_C_S1), "cannot create a string type");
  // H5MD 1.1 and h5py both use NUL-padded fixed-length strings without a terminator slot.
  check_status(H5Tset_size(type.get(), std::max<std::size_t>(length, 1)), "cannot size a string type");
  check_status(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), "cannot pad a string type");
  check_status(H5Tset_cset(type.get(), H5T_CSET_ASCII), "cannot set a string character set");
  return type;
}

void write_attribute(hid_t loc, const std::string& name, hid_t type, hid_t space, const void* data) {
  if (H5Aexists(loc, name.c_str()) > 0) {
    check_status(H5Adelete(loc, name.c_str()), "cannot replace attribute '" + name + "'");
  }
  Handle attr = own_attribute(H5Acreate2(loc, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT),
                              "cannot create attribute '" + name + "'");
  check_status(H5Awrite(attr.get(), type, data), "cannot write attribute '" + name + "'");
}

Handle simple_space(std::size_t n) {
  const hsize_t dims[1] = {static_cast<hsize_t>(n)};
  return own_dataspace(H5Screate_simple(1, dims, nullptr), "cannot create a dataspace");
}

Handle scalar_space() { return own_dataspace(H5Screate(H5S_SCALAR), "cannot create a dataspace"); }

std::string trim_fixed(const char* data, std::size_t size) {
  std::size_t n = 0;
  while (n < size && data[n] != '\0') ++n;
  while (n > 0 && data[n - 1] == ' ') --n;
  return std::string(data, n);
}

hsize_t num_points(hid_t space) {
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0) fail("cannot size a dataspace");
  return static_cast<hsize_t>(n);
}

}  // namespace

void write_fixed_string_attribute(hid_t loc, const std::string& name, const std::string& value) {
  Handle type = fixed_string_type(value.size());
  Handle space = scalar_space();
  std::vector<char> buffer(std::max<std::size_t>(value.size(), 1), '\0');
  std::copy(value.begin(), value.end(), buffer.begin());
  write_attribute(loc, name, type.get(), space.get(), buffer.data());
}

void write_fixed_string_array_attribute(hid_t loc, const std::string& name, const std::vector<std::string>& values) {
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  Handle type = fixed_string_type(width);
  Handle space = simple_space(values.size());
  std::vector<char> buffer(width * values.size(), '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    std::copy(values[i].begin(), values[i].end(), buffer.begin() + static_cast<std::ptrdiff_t>(i * width));
  write_attribute(loc, name, type.get(), space.get(), buffer.data());
}

void write_variable_string_attribute(hid_t loc, const std::string& name, const std::string& value) {
  Handle type = own_type(H5Tcopy(H5T_C_S1), "cannot create a string type");
  check_status(H5Tset_size(type.get(), H5T_VARIABLE), "cannot make a variable-length string type");
  check_status(H5Tset_cset(type.get(), H5T_CSET_ASCII), "cannot set a string character set");
  Handle space = scalar_space();
  const char* pointer = value.c_str();
  write_attribute(loc, name, type.get(), space.get(), &pointer);
}

void write_int_attribute(hid_t loc, const std::string& name, std::int32_t value) {
  Handle space = scalar_space();
  write_attribute(loc, name, H5T_NATIVE_INT32, space.get(), &value);
}

void write_int_array_attribute(hid_t loc, const std::string& name, const std::vector<std::int32_t>& values) {
  Handle space = simple_space(values.size());
  write_attribute(loc, name, H5T_NATIVE_INT32, space.get(), values.data());
}

bool has_attribute(hid_t loc, const std::string& name) {
  const htri_t e = H5Aexists(loc, name.c_str());
  if (e < 0) fail("cannot look up attribute '" + name + "'");
  return e > 0;
}

std::vector<std::string> read_string_attribute(hid_t loc, const std::string& name) {
  Handle attr = own_attribute(H5Aopen(loc, name.c_str(), H5P_DEFAULT), "cannot open attribute '" + name + "'");
  Handle file_type = own_type(H5Aget_type(attr.get()), "cannot read the type of attribute '" + name + "'");
  if (H5Tget_class(file_type.get()) != H5T_STRING) {
    throw BackendError("HDF5", "attribute '" + name + "' is not a string");
  }
  Handle space = own_dataspace(H5Aget_space(attr.get()), "cannot read the shape of attribute '" + name + "'");
  const hsize_t n = num_points(space.get());
  std::vector<std::string> values;
  const htri_t is_variable = H5Tis_variable_str(file_type.get());
  if (is_variable < 0) fail("cannot inspect attribute '" + name + "'");
  if (is_variable > 0) {
    Handle mem_type = own_type(H5Tcopy(H5T_C_S1), "cannot create a string type");
    check_status(H5Tset_size(mem_type.get(), H5T_VARIABLE), "cannot make a variable-length string type");
    check_status(H5Tset_cset(mem_type.get(), H5Tget_cset(file_type.get())), "cannot set a string character set");
    std::vector<char*> pointers(n, nullptr);
    check_status(H5Aread(attr.get(), mem_type.get(), pointers.data()), "cannot read attribute '" + name + "'");
    for (char* p : pointers) values.emplace_back(p != nullptr ? p : "");
    // The library allocated the strings; hand them back the way it expects.
    (void)H5Dvlen_reclaim(mem_type.get(), space.get(), H5P_DEFAULT, pointers.data());
  } else {
    const std::size_t width = H5Tget_size(file_type.get());
    Handle mem_type = own_type(H5Tcopy(file_type.get()), "cannot copy a string type");
    std::vector<char> buffer(width * n + 1, '\0');
    check_status(H5Aread(attr.get(), mem_type.get(), buffer.data()), "cannot read attribute '" + name + "'");
    for (hsize_t i = 0; i < n; ++i) values.push_back(trim_fixed(buffer.data() + i * width, width));
  }
  return values;
}

std::vector<std::int64_t> read_int_attribute(hid_t loc, const std::string& name) {
  Handle attr = own_attribute(H5Aopen(loc, name.c_str(), H5P_DEFAULT), "cannot open attribute '" + name + "'");
  Handle file_type = own_type(H5Aget_type(attr.get()), "cannot read the type of attribute '" + name + "'");
  if (H5Tget_class(file_type.get()) != H5T_INTEGER) {
    throw BackendError("HDF5", "attribute '" + name + "' is not an integer");
  }
  Handle space = own_dataspace(H5Aget_space(attr.get()), "cannot read the shape of attribute '" + name + "'");
  std::vector<std::int64_t> values(num_points(space.get()));
  check_status(H5Aread(attr.get(), H5T_NATIVE_INT64, values.data()), "cannot read attribute '" + name + "'");
  return values;
}

std::vector<hsize_t> extent(hid_t dataset) {
  Handle space = own_dataspace(H5Dget_space(dataset), "cannot read a dataset's shape");
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail("cannot read a dataset's rank");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0)
    check_status(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "cannot read a dataset's shape");
  return dims;
}

void set_extent(hid_t dataset, const std::vector<hsize_t>& dims) {
  check_status(H5Dset_extent(dataset, dims.data()), "cannot extend a dataset");
}

namespace {

// The file-space selection of one block and a matching memory space.
std::pair<Handle, Handle> block_spaces(hid_t dataset, const std::vector<hsize_t>& start,
                                       const std::vector<hsize_t>& count) {
  Handle file_space = own_dataspace(H5Dget_space(dataset), "cannot read a dataset's shape");
  if (!start.empty()) {
    check_status(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr, count.data(), nullptr),
                 "cannot select a block of a dataset");
  }
  Handle mem_space = start.empty()
                         ? own_dataspace(H5Screate(H5S_SCALAR), "cannot create a dataspace")
                         : own_dataspace(H5Screate_simple(static_cast<int>(count.size()), count.data(), nullptr),
                                         "cannot create a dataspace");
  return {std::move(file_space), std::move(mem_space)};
}

}  // namespace

void write_block(hid_t dataset, hid_t mem_type, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                 const void* buffer) {
  if (std::find(count.begin(), count.end(), hsize_t{0}) != count.end()) return;  // an empty block
  auto [file_space, mem_space] = block_spaces(dataset, start, count);
  check_status(H5Dwrite(dataset, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, buffer),
               "cannot write to a dataset");
}

void read_block(hid_t dataset, hid_t mem_type, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                void* buffer) {
  if (std::find(count.begin(), count.end(), hsize_t{0}) != count.end()) return;  // an empty block
  auto [file_space, mem_space] = block_spaces(dataset, start, count);
  check_status(H5Dread(dataset, mem_type, mem_space.get(), file_space.get(), H5P_DEFAULT, buffer),
               "cannot read from a dataset");
}

H5T_class_t type_class(hid_t dataset) {
  Handle type = own_type(H5Dget_type(dataset), "cannot read a dataset's type");
  return H5Tget_class(type.get());
}

}  // namespace ioncycle::io::h5
