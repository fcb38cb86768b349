// SPDX-License-Identifier: MIT
//
// Append-only extended-XYZ journals, the distill's way of never losing finished work: the label
// journals (labels.hpp) and the teacher MD's snapshot journal (md_snapshots.hpp). A record is
// appended with one write() and fsync'ed, so a killed call leaves the journal holding complete
// records followed by at most one cut record; a reader finds where the complete frames end and
// cuts the rest off before appending again.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ioncycle::distill {

/// The whole file as bytes (`what` names it in errors: "label journal"). InputError when it
/// cannot be read.
[[nodiscard]] std::string read_journal(const std::string& path, const std::string& what);

/// The byte offsets at which each complete frame of `text` ends (each frame: a count line N, a
/// comment line and N atom lines, every line ending in '\n'), in order. Whatever follows the last
/// offset is a frame cut by a killed write, or not extended XYZ (left to the reader's errors).
[[nodiscard]] std::vector<std::size_t> complete_frame_ends(const std::string& text);

/// Append `text` to the file (created when absent) with one write and fsync it. InputError naming
/// the journal (`what`) when it fails, with the hint that what was written before is kept.
void append_durably(const std::string& path, const std::string& text, const std::string& what);

}  // namespace ioncycle::distill
