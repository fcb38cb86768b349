// SPDX-License-Identifier: MIT
#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.hpp"

namespace ioncycle::io {

namespace fs = std::filesystem;

void write_file_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) {
    throw InputError(SourceLocation{path, 0, 0}, "cannot write: directory '" + dir.string() + "' does not exist");
  }
  // Unique temporary name next to the target: pid plus a counter avoids collisions between
  // processes and between calls of one process.
  static thread_local unsigned counter = 0;
  const fs::path tmp = dir / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()) +
                              "." + std::to_string(counter++));
  try {
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) throw InputError(SourceLocation{path, 0, 0}, "cannot open a temporary file for writing in '" + dir.string() + "'");
      write(out);
      out.flush();
      if (!out) throw InputError(SourceLocation{path, 0, 0}, "write failed (disk full?)");
    }
    // fsync so that after a crash the renamed file has its data, not zero length.
    const int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    std::error_code ec;
    fs::rename(tmp, target, ec);
    if (ec) throw InputError(SourceLocation{path, 0, 0}, "cannot rename temporary file into place: " + ec.message());
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

}  // namespace ioncycle::io
