# SPDX-License-Identifier: MIT
"""ASE's side of the POSCAR and LAMMPS-data cross-checks in tests/unit/io/test_poscar.cpp and
test_lammps_data.cpp (not a test itself, hence not named test_*.py).

  read FORMAT IN DUMP
      ase.io.read(IN, format=FORMAT) and write what ASE sees to DUMP (format below).
  write-poscar POSCAR DUMP [--direct] [--sort]
      build a fixed triclinic structure with interleaved species in ASE, write it with
      ase.io.write(format="vasp"), and dump the structure the file is meant to hold.

DUMP is plain text, floats as repr (round-trip exact):
  cell ax ay az bx by bz cx cy cz
  natoms N
  atom SYMBOL x y z vx vy vz ID      (N lines; velocities in Å/fs, zero when absent)
"""

import argparse
import sys

import numpy as np

import ase
import ase.io
import ase.units
from ase.geometry import cellpar_to_cell


def dump(atoms, path):
    if atoms.has("momenta"):
        velocities = atoms.get_velocities() / (ase.units.Ang / ase.units.fs)
    else:
        velocities = np.zeros((len(atoms), 3))
    ids = atoms.arrays["id"] if "id" in atoms.arrays else np.arange(len(atoms))
    with open(path, "w") as f:
        f.write("cell " + " ".join(repr(float(x)) for x in np.asarray(atoms.cell).ravel()) + "\n")
        f.write(f"natoms {len(atoms)}\n")
        for symbol, r, v, i in zip(atoms.get_chemical_symbols(), atoms.positions, velocities, ids):
            values = " ".join(repr(float(x)) for x in (*r, *v))
            f.write(f"atom {symbol} {values} {int(i)}\n")


def read(args):
    kwargs = {}
    if args.format == "lammps-data":
        # Our files name the style after "Atoms"; say it anyway so a missing comment cannot
        # make ASE guess wrongly.
        kwargs["atom_style"] = "atomic"
    atoms = ase.io.read(args.input, format=args.format, **kwargs)
    dump(atoms, args.dump)


def test_structure():
    # Triclinic (no right angles, strong tilt) with species that interleave, positions partly
    # outside the cell: everything a POSCAR reader can get wrong.
    cell = cellpar_to_cell([4.91, 5.37, 7.03, 78.0, 101.5, 116.0])
    symbols = ["Li", "C", "C", "O", "Li", "C", "Co", "O"]
    scaled = np.array([
        [0.0, 0.0, 0.0],
        [0.5, 0.25, 0.125],
        [0.3333333333333333, 0.6666666666666666, 0.1],
        [0.9, 0.05, 0.95],
        [1.2, -0.3, 0.4],
        [0.71, 0.43, 0.57],
        [0.123456789012, 0.987654321098, 0.5],
        [-0.01, 0.5, 1.01],
    ])
    return ase.Atoms(symbols=symbols, scaled_positions=scaled, cell=cell, pbc=True)


def write_poscar(args):
    atoms = test_structure()
    ase.io.write(args.poscar, atoms, format="vasp", direct=args.direct, sort=args.sort)
    # Unsorted, the file holds exactly this structure in this order. Sorted, ASE reorders the
    # atoms, and the order it chose is only known from the file: take ASE's reading of it.
    dump(ase.io.read(args.poscar, format="vasp") if args.sort else atoms, args.dump)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("read")
    p.add_argument("format")
    p.add_argument("input")
    p.add_argument("dump")
    p.set_defaults(func=read)
    p = sub.add_parser("write-poscar")
    p.add_argument("poscar")
    p.add_argument("dump")
    p.add_argument("--direct", action="store_true")
    p.add_argument("--sort", action="store_true")
    p.set_defaults(func=write_poscar)
    args = parser.parse_args()
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
