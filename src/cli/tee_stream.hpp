// SPDX-License-Identifier: MIT
//
// An ostream that writes to two others (the terminal and a run's log.txt), so that a command's
// report and its log file hold the same lines.
#pragma once

#include <ostream>
#include <streambuf>

namespace ioncycle::cli {

class TeeStream : public std::ostream {
 public:
  TeeStream(std::ostream& a, std::ostream& b) : std::ostream(&buffer_), buffer_(a.rdbuf(), b.rdbuf()) {}

 private:
  class Buffer : public std::streambuf {
   public:
    Buffer(std::streambuf* a, std::streambuf* b) : a_(a), b_(b) {}

   protected:
    int overflow(int c) override {
      if (c == traits_type::eof()) return traits_type::not_eof(c);
      a_->sputc(static_cast<char>(c));
      b_->sputc(static_cast<char>(c));
      return c;
    }
    int sync() override { return (a_->pubsync() == 0 && b_->pubsync() == 0) ? 0 : -1; }

   private:
    std::streambuf* a_;
    std::streambuf* b_;
  };
  Buffer buffer_;
};

}  // namespace ioncycle::cli
