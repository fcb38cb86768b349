// SPDX-License-Identifier: MIT
//
// Thin RAII and error-handling layer over the HDF5 C library, shared by the H5MD writer and
// reader. Internal to src/io: no header outside this folder includes it, so hdf5.h stays here
// (STYLE.md §1).
//
// Every HDF5 call that can fail goes through check()/check_status(), which turn a negative
// return into a BackendError("HDF5", ...) carrying the innermost messages of HDF5's error
// stack. An ErrorSilencer must be alive around such calls so that HDF5 does not print its own
// error stack to stderr (its default); the public entry points of the writer and reader create
// one. Not thread-safe (neither is the serial HDF5 build Debian ships).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ioncycle::io::h5 {

/// An owned HDF5 identifier, closed with the matching H5?close function on destruction.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.id_), closer_(other.closer_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;

  [[nodiscard]] hid_t get() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ >= 0; }
  /// Close now; errors while closing are ignored (this runs in destructors).
  void reset();
  /// Close now and report a failure (used where a failed close means lost data: the file).
  void close_checked(const std::string& what);

 private:
  hid_t id_ = -1;
  Closer closer_ = nullptr;
};

/// Turns off HDF5's automatic printing of its error stack for its lifetime and restores the
/// previous handler afterwards, so that failures are reported once, as exceptions.
class ErrorSilencer {
 public:
  ErrorSilencer();
  ~ErrorSilencer();
  ErrorSilencer(const ErrorSilencer&) = delete;
  ErrorSilencer& operator=(const ErrorSilencer&) = delete;

 private:
  H5E_auto2_t previous_func_ = nullptr;
  void* previous_data_ = nullptr;
};

/// The innermost messages of the current error stack ("unable to open file; file signature not
/// found"), then clears the stack.
[[nodiscard]] std::string error_stack_message();
/// Throws BackendError("HDF5", what + ": " + error_stack_message()).
[[noreturn]] void fail(const std::string& what);
/// `id` if it is valid, else fail(what).
hid_t check(hid_t id, const std::string& what);
/// Fails with `what` if `status` is negative.
void check_status(herr_t status, const std::string& what);

[[nodiscard]] Handle own_file(hid_t id, const std::string& what);
[[nodiscard]] Handle own_group(hid_t id, const std::string& what);
[[nodiscard]] Handle own_dataset(hid_t id, const std::string& what);
[[nodiscard]] Handle own_dataspace(hid_t id, const std::string& what);
[[nodiscard]] Handle own_type(hid_t id, const std::string& what);
[[nodiscard]] Handle own_plist(hid_t id, const std::string& what);
[[nodiscard]] Handle own_attribute(hid_t id, const std::string& what);

/// Whether `path` (relative to `loc`, components separated by '/') names an existing object.
/// Checks each component in turn, as H5Lexists requires.
[[nodiscard]] bool exists(hid_t loc, const std::string& path);
/// Kind of the object at `path` (H5O_TYPE_GROUP, H5O_TYPE_DATASET, ...); it must exist.
[[nodiscard]] H5O_type_t object_type(hid_t loc, const std::string& path);
[[nodiscard]] Handle open_group(hid_t loc, const std::string& path);
[[nodiscard]] Handle create_group(hid_t loc, const std::string& name);
[[nodiscard]] Handle open_dataset(hid_t loc, const std::string& path);
/// Names of the links directly inside a group, in creation or name order.
[[nodiscard]] std::vector<std::string> member_names(hid_t group);
/// A hard link `link_name` in `dest` to the object `src_name` in `src` (H5MD shares step and
/// time datasets between elements sampled together this way).
void hard_link(hid_t src, const std::string& src_name, hid_t dest, const std::string& link_name);

// Attributes. Strings are ASCII. H5MD 1.1 asks for fixed-length strings in the h5md group and
// the box boundary, and its units module for variable-length ones in `unit` attributes.
void write_fixed_string_attribute(hid_t loc, const std::string& name, const std::string& value);
void write_fixed_string_array_attribute(hid_t loc, const std::string& name, const std::vector<std::string>& values);
void write_variable_string_attribute(hid_t loc, const std::string& name, const std::string& value);
void write_int_attribute(hid_t loc, const std::string& name, std::int32_t value);
void write_int_array_attribute(hid_t loc, const std::string& name, const std::vector<std::int32_t>& values);
[[nodiscard]] bool has_attribute(hid_t loc, const std::string& name);
/// A string attribute of either kind, scalar (one element) or one-dimensional; trailing NULs
/// and spaces of fixed-length strings are removed.
[[nodiscard]] std::vector<std::string> read_string_attribute(hid_t loc, const std::string& name);
/// An integer attribute, scalar or one-dimensional, converted to int64.
[[nodiscard]] std::vector<std::int64_t> read_int_attribute(hid_t loc, const std::string& name);

// Datasets.
/// Current extent of a dataset.
[[nodiscard]] std::vector<hsize_t> extent(hid_t dataset);
/// Grow (or set) a chunked dataset's extent.
void set_extent(hid_t dataset, const std::vector<hsize_t>& dims);
/// Write `buffer` (memory type `mem_type`, C order) into the block starting at `start` with
/// shape `count`.
void write_block(hid_t dataset, hid_t mem_type, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                 const void* buffer);
/// Read the block starting at `start` with shape `count` into `buffer`, converting to
/// `mem_type`.
void read_block(hid_t dataset, hid_t mem_type, const std::vector<hsize_t>& start, const std::vector<hsize_t>& count,
                void* buffer);

/// Class of a dataset's element type (H5T_INTEGER, H5T_FLOAT, ...).
[[nodiscard]] H5T_class_t type_class(hid_t dataset);

}  // namespace ioncycle::io::h5
