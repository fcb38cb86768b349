// SPDX-License-Identifier: MIT
#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.hpp"

namespace ioncycle::io {

namespace fs = std::filesystem;

void write_path_atomically(const std::string& path, const std::function<void(const std::string& tmp_path)>& write) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) {
    throw InputError(SourceLocation{path, 0, 0}, "cannot write: directory '" + dir.string() + "' does not exist");
  }
  // Unique temporary name next to the target: pid plus a counter avoids collisions between
  // processes and between calls of one process. The target's extension is kept at the end, for
  // libraries that look at it.
  static thread_local unsigned counter = 0;
  const fs::path tmp = dir / ("." + target.stem().string() + ".tmp." + std::to_string(::getpid()) + "." +
                              std::to_string(counter++) + target.extension().string());
  try {
    write(tmp.string());
    // fsync so that after a system crash the renamed file has its data, not zero length.
    const int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) throw InputError(SourceLocation{path, 0, 0}, "cannot rename temporary file into place: " + ec.message());
  } catch (const InputError& e) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    if (e.where().file == tmp.string()) throw InputError(SourceLocation{path, 0, 0}, e.message(), e.hint());
    throw;
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  write_path_atomically(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw InputError(SourceLocation{path, 0, 0}, "cannot open a temporary file for writing next to it");
    }
    write(out);
    out.flush();
    if (!out) throw InputError(SourceLocation{path, 0, 0}, "write failed (disk full?)");
  });
}

}  // namespace ioncycle::io
