// SPDX-License-Identifier: MIT
#include "cli/commands.hpp"
#include "cli/frame_select.hpp"
#include "core/error.hpp"
#include "io/structure_io.hpp"

namespace ioncycle::cli {

CommandSpec convert_spec() {
  return {"convert", "IN OUT",
          "convert between structure and trajectory formats (extxyz, POSCAR, LAMMPS data, H5MD)",
          "Formats are taken from the file names (*.xyz/*.extxyz, POSCAR*/CONTCAR*/*.vasp,\n"
          "*.data/*.lmp, *.h5/*.h5md) unless given. Every frame is converted when OUT holds several\n"
          "frames (extxyz, H5MD), each with its own atom count; otherwise the last frame, or the one\n"
          "--frame names. The output is written to a temporary file and renamed, so OUT is never\n"
          "left half-written. LAMMPS data files are written only.",
          {{"from", "FMT", "input format (extxyz, poscar, h5md)"},
           {"format", "FMT", "output format (extxyz, poscar, lammps-data, h5md)"},
           {"frame", "N", "convert only this frame (0 = first, -1 = last)"}},
          2, 2};
}

int run_convert(const ParsedArgs& args, const Context& ctx) {
  const std::string& in = args.positional[0];
  const std::string& out = args.positional[1];
  std::optional<io::Format> from, to;
  if (auto f = args.value("from")) from = io::parse_format_name(*f);
  // Decide the output format before reading, so a bad OUT name fails fast.
  to = args.value("format") ? io::parse_format_name(*args.value("format")) : io::guess_format(out);
  auto frames = io::read_frames(in, from);
  std::vector<io::Frame> selected;
  if (auto f = args.value("frame")) {
    selected.push_back(std::move(frames[select_frame(frames, *f, in)]));
  } else if (io::supports_multiple_frames(*to)) {
    selected = std::move(frames);
  } else {
    selected.push_back(std::move(frames.back()));
  }
  io::write_frames(out, selected, to);
  ctx.out << "wrote " << out << " (" << io::format_name(*to) << ", " << selected.size() << " frame"
          << (selected.size() == 1 ? "" : "s") << ", " << selected.back().system.num_atoms()
          << " atoms in the last)\n";
  return 0;
}

}  // namespace ioncycle::cli
