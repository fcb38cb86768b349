// SPDX-License-Identifier: MIT
//
// Writing a file so that it is either complete or absent: the content goes to a temporary file
// in the same directory, is flushed and fsync'ed, and is renamed over the target (rename(2) is
// atomic within one file system). If the writer throws, the temporary file is removed and the
// previous content of the target, if any, is untouched. After the rename the directory is
// fsync'ed too, so the new name survives a system crash.
//
// A process killed (SIGKILL) while writing leaves its temporary file behind; it is harmless (the
// target is either the old or the new complete file) and remove_stale_temporaries() deletes it.
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

/// Delete the temporary files that writers of `path` killed before renaming left in its
/// directory (".<stem>.tmp.<pid>.<n><extension>" of a process that no longer exists). Those of
/// running processes, this one included, are kept. Errors are ignored: this only tidies up.
void remove_stale_temporaries(const std::string& path);

/// fsync the directory holding `path`, so that a rename into it is durable. Errors are ignored
/// (some file systems cannot sync directories).
void sync_parent_directory(const std::string& path);

}  // namespace ioncycle::io
