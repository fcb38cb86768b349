// SPDX-License-Identifier: MIT
#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

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
    sync_parent_directory(path);
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

void sync_parent_directory(const std::string& path) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

void remove_stale_temporaries(const std::string& path) {
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string prefix = "." + target.stem().string() + ".tmp.";
  const std::string suffix = target.extension().string();
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
      continue;
    }
    // The pid is the number right after the prefix (see write_path_atomically).
    const char* digits = name.c_str() + prefix.size();
    char* end = nullptr;
    const long pid = std::strtol(digits, &end, 10);
    if (end == digits || *end != '.' || pid <= 0) continue;
    if (pid == static_cast<long>(::getpid())) continue;
    // kill(pid, 0) checks existence without sending anything; ESRCH: no such process. A pid that
    // was reused by an unrelated process keeps its file until that process ends: harmless.
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::error_code ignored;
    fs::remove(entry.path(), ignored);
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
