// SPDX-License-Identifier: MIT
#include <iomanip>

#include "cli/commands.hpp"
#include "cli/describe.hpp"
#include "cli/frame_select.hpp"
#include "io/structure_io.hpp"

namespace ioncycle::cli {

CommandSpec info_spec() {
  return {"info", "STRUCTURE",
          "describe a structure: composition, cell, density, closest pair, layers, stacking, defects",
          "STRUCTURE is an extended XYZ, POSCAR or H5MD file. For a multi-frame file the last frame is\n"
          "described unless --frame says otherwise (0 = first, -1 = last).",
          {{"format", "FMT", "input format (extxyz, poscar, h5md); default: from the file name"},
           {"frame", "N", "frame to describe (default -1, the last)"},
           {"json", "", "print a JSON object instead of text"}},
          1, 1};
}

int run_info(const ParsedArgs& args, const Context& ctx) {
  const std::string& path = args.positional[0];
  std::optional<io::Format> fmt;
  if (auto f = args.value("format")) fmt = io::parse_format_name(*f);
  const auto frames = io::read_frames(path, fmt);
  const std::size_t k = select_frame(frames, args.value("frame").value_or("-1"), path);
  const auto& frame = frames[k];
  if (args.flag("json")) {
    auto j = structure_json(frame);
    j["defects"] = defects_json(frame);
    j["path"] = path;
    j["format"] = std::string(io::format_name(fmt.value_or(io::guess_format(path))));
    j["frame"] = k;
    j["num_frames"] = frames.size();
    ctx.out << std::setw(2) << j << "\n";
    return 0;
  }
  std::string label = path + " (" + std::string(io::format_name(fmt.value_or(io::guess_format(path))));
  if (frames.size() > 1) {
    label += ", frame " + std::to_string(k) + " of frames 0.." + std::to_string(frames.size() - 1);
  }
  label += ")";
  describe_structure(ctx.out, frame, label);
  describe_defects(ctx.out, frame);
  return 0;
}

}  // namespace ioncycle::cli
