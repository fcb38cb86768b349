// SPDX-License-Identifier: MIT
#include "lammps_runner.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/elements.hpp"
#include "core/strings.hpp"
#include "io/frame.hpp"
#include "io/lammps_data.hpp"
#include "testing.hpp"

namespace ioncycle::testing {

namespace {

// LAMMPS' own metal-units conversion (src/update.cpp, force->nktv2p): pressure in bar =
// nktv2p * (eV/Å³). Using the same constant makes the conversion back to eV exact; CODATA 2018
// gives 1.602176634e6, 8e-8 relative away.
constexpr double kLammpsMetalNktv2p = 1.6021765e6;

[[noreturn]] void fail(const std::string& what, const std::string& log) {
  throw std::runtime_error("run_lammps: " + what + "\n--- LAMMPS output ---\n" + log);
}

std::vector<std::string> tokens_of(const std::string& line) {
  std::vector<std::string> out;
  for (const auto token : core::split_whitespace(line)) out.emplace_back(token);
  return out;
}

double number(const std::string& token, const std::string& log) {
  const auto value = core::parse_double(token);
  if (!value) fail("cannot parse number '" + token + "'", log);
  return *value;
}

}  // namespace

std::string lammps_binary() {
  for (const char* candidate : {"/usr/bin/lmp", "/usr/local/bin/lmp", "/usr/bin/lmp_serial"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return {};
}

LammpsResult run_lammps(const core::System& system, const std::vector<int>& type_order,
                        const std::vector<std::string>& pair_commands) {
  const std::string lmp = lammps_binary();
  if (lmp.empty()) throw std::runtime_error("run_lammps: no LAMMPS executable (apt-get install lammps)");
  const core::Cell& cell = system.cell();
  const core::Mat3& h = cell.matrix();
  const double scale = h.cwiseAbs().maxCoeff();
  if (!cell.has_lattice() || std::abs(h(0, 1)) > 1e-14 * scale || std::abs(h(0, 2)) > 1e-14 * scale ||
      std::abs(h(1, 2)) > 1e-14 * scale || h(0, 0) <= 0.0 || h(1, 1) <= 0.0 || h(2, 2) <= 0.0) {
    throw std::invalid_argument("run_lammps: the cell must be in LAMMPS orientation (lower-triangular, positive diagonal)");
  }

  // Atoms grouped by type in type_order, ids kept, so the writer's first-appearance numbering
  // is type_order.
  core::System ordered(cell);
  for (const int z : type_order) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < system.num_atoms(); ++i) {
      if (system.atomic_numbers()[i] != z) continue;
      if (system.masses()[i] != core::standard_mass(z)) {
        throw std::invalid_argument("run_lammps: atom " + std::to_string(i) + " has a non-standard mass");
      }
      core::AtomSpec atom;
      atom.z = z;
      atom.position = system.positions()[i];
      atom.id = system.ids()[i];
      ordered.add_atom(atom);
      ++count;
    }
    if (count == 0) {
      throw std::invalid_argument("run_lammps: element " + std::string(core::symbol(z)) + " of type_order is absent");
    }
  }
  if (ordered.num_atoms() != system.num_atoms()) {
    throw std::invalid_argument("run_lammps: the system has elements missing from type_order");
  }

  const std::string dir = temp_dir("lammps");
  {
    io::Frame frame;
    frame.system = ordered;
    std::ofstream data(dir + "/structure.data");
    io::write_lammps_data(data, frame);
  }
  {
    std::ofstream in(dir + "/in.lmp");
    in << "units metal\n"
       << "atom_style atomic\n"
       << "boundary " << (cell.periodic(0) ? "p" : "f") << " " << (cell.periodic(1) ? "p" : "f") << " "
       << (cell.periodic(2) ? "p" : "f") << "\n"
       << "atom_modify map array\n"
       << "read_data structure.data\n";
    for (const std::string& line : pair_commands) in << line << "\n";
    in << "neighbor 1.0 bin\n"
       << "compute vir all pressure NULL virial\n"
       << "thermo_style custom step pe c_vir[1] c_vir[2] c_vir[3] c_vir[4] c_vir[5] c_vir[6] vol\n"
       << "thermo_modify format float %.17g norm no\n"
       << "dump forces all custom 1 forces.dump id fx fy fz\n"
       << "dump_modify forces format float %.17g sort id\n"
       << "run 0\n";
  }
  const CommandResult run =
      run_command("cd " + shell_quote(dir) + " && OMP_NUM_THREADS=1 " + shell_quote(lmp) + " -in in.lmp -log log.lammps");
  LammpsResult result;
  result.log = run.output;
  if (run.exit_code != 0 || run.output.find("ERROR") != std::string::npos) {
    fail("LAMMPS failed (exit code " + std::to_string(run.exit_code) + ")", run.output);
  }

  // Thermo: the line after the header that starts with "Step".
  {
    std::istringstream lines(run.output);
    std::string line;
    bool found = false;
    while (std::getline(lines, line)) {
      const auto header = tokens_of(line);
      if (header.size() != 9 || header[0] != "Step") continue;
      std::string values_line;
      if (!std::getline(lines, values_line)) break;
      const auto values = tokens_of(values_line);
      if (values.size() != 9) fail("unexpected thermo line: " + values_line, run.output);
      result.energy = number(values[1], run.output);
      double p[6];
      for (int k = 0; k < 6; ++k) p[k] = number(values[2 + static_cast<std::size_t>(k)], run.output);
      result.volume = number(values[8], run.output);
      // Pressure tensor from the virial alone, P = W / V (in bar), components xx yy zz xy xz yz.
      const double to_ev = result.volume / kLammpsMetalNktv2p;
      result.virial << p[0], p[3], p[4],  //
          p[3], p[1], p[5],               //
          p[4], p[5], p[2];
      result.virial *= to_ev;
      found = true;
      break;
    }
    if (!found) fail("no thermo output found", run.output);
  }

  // Forces: the dump, sorted by LAMMPS id = System id + 1.
  {
    std::ifstream dump(dir + "/forces.dump");
    std::string line;
    while (std::getline(dump, line) && line.rfind("ITEM: ATOMS", 0) != 0) {
    }
    if (!dump) fail("forces.dump has no ATOMS section", run.output);
    result.forces.assign(system.num_atoms(), core::Vec3::Constant(std::nan("")));
    std::size_t seen = 0;
    while (std::getline(dump, line)) {
      const auto t = tokens_of(line);
      if (t.empty()) continue;
      if (t.size() != 4) fail("unexpected dump line: " + line, run.output);
      const auto id = core::parse_integer(t[0]);
      if (!id) fail("bad id in dump: " + line, run.output);
      const auto index = system.index_of(static_cast<core::AtomId>(*id - 1));
      if (!index) fail("unknown id in dump: " + line, run.output);
      result.forces[*index] = core::Vec3(number(t[1], run.output), number(t[2], run.output), number(t[3], run.output));
      ++seen;
    }
    if (seen != system.num_atoms()) fail("dump has " + std::to_string(seen) + " atoms", run.output);
  }
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace ioncycle::testing
