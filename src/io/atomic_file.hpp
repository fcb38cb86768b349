// SPDX-License-Identifier: MIT
//
// Writing a file so that it is either complete or absent: the content goes to a temporary file
// in the same directory, is flushed and fsync'ed, and is renamed over the target (rename(2) is
// atomic within one file system). If the writer throws, the temporary file is removed and the
// previous content of the target, if any, is untouched.
#pragma once

#include <functional>
#include <ostream>
#include <string>

namespace ioncycle::io {

/// Write `path` atomically with `write`, which fills the stream. Errors opening, writing or
/// renaming are InputErrors naming the path; exceptions from `write` propagate after cleanup.
void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write);

/// The same for writers that need a file name rather than a stream (HDF5): `write` creates and
/// closes the file at the temporary path it is given. InputErrors thrown by `write` are re-thrown
/// naming `path` (the file the user asked for), not the temporary name.
void write_path_atomically(const std::string& path, const std::function<void(const std::string& tmp_path)>& write);

}  // namespace ioncycle::io
