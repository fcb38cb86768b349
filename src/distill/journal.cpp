// SPDX-License-Identifier: MIT
#include "distill/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace ioncycle::distill {

std::string read_journal(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open the " + what + " '" + path + "'", "check the path and its permissions");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<std::size_t> complete_frame_ends(const std::string& text) {
  std::vector<std::size_t> ends;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) break;
    const std::string count_line = text.substr(pos, eol - pos);
    char* end = nullptr;
    const long long n = std::strtoll(count_line.c_str(), &end, 10);
    if (end == count_line.c_str() || n < 0) break;  // not a count line: left to the reader's error
    std::size_t at = eol + 1;
    bool whole = true;
    for (long long line = 0; line < n + 1; ++line) {
      const std::size_t next = text.find('\n', at);
      if (next == std::string::npos) {
        whole = false;
        break;
      }
      at = next + 1;
    }
    if (!whole) break;
    pos = at;
    ends.push_back(at);
  }
  return ends;
}

void append_durably(const std::string& path, const std::string& text, const std::string& what) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw InputError("cannot open the " + what + " '" + path + "' for writing: " + std::strerror(errno),
                     "check that its directory exists and is writable");
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t wrote = ::write(fd, text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      throw InputError("writing the " + what + " '" + path + "' failed: " + why,
                       "free disk space and run again: what was written before is kept");
    }
    done += static_cast<std::size_t>(wrote);
  }
  const bool synced = ::fsync(fd) == 0;
  const bool closed = ::close(fd) == 0;
  if (!synced || !closed) {
    throw InputError("writing the " + what + " '" + path + "' failed: " + std::strerror(errno),
                     "free disk space and run again: what was written before is kept");
  }
}

}  // namespace ioncycle::distill
