# SPDX-License-Identifier: MIT
"""ASE side of the extxyz cross-check in tests/unit/io/test_extxyz.cpp (not a test by itself).

    ase_extxyz_helper.py read FILE   read FILE with ase.io.read(FILE, index=":") and print
                                     what ASE sees
    ase_extxyz_helper.py write DIR   write DIR/triclinic.extxyz and DIR/multi.extxyz with
                                     ase.io.write, then print what ASE reads back from them

Output: one record per line, "key value value ...", floats with repr() (shortest round trip).
Each frame starts with "frame INDEX FILE" and ends with "end". Per-atom vectors are flattened
atom by atom. Velocities are printed in Å/fs (ASE's get_velocities() times ase.units.fs).
The values printed for "write" come from reading the files back with ASE, so the C++ side
compares with what the file holds (ASE writes 8 decimals), not with the unrounded inputs.
"""
import sys

import numpy as np
from ase import Atoms, units
import ase.io
from ase.calculators.singlepoint import SinglePointCalculator


def floats(values):
    return " ".join(repr(float(x)) for x in np.ravel(values))


def dump(path, tag):
    for index, atoms in enumerate(ase.io.read(path, index=":")):
        print(f"frame {index} {tag}")
        print(f"natoms {len(atoms)}")
        print("symbols " + " ".join(atoms.get_chemical_symbols()))
        print("cell " + floats(np.asarray(atoms.cell)))
        print("pbc " + " ".join("1" if p else "0" for p in atoms.pbc))
        print("positions " + floats(atoms.get_positions()))
        print("masses " + floats(atoms.get_masses()))
        if "momenta" in atoms.arrays:
            print("velocities " + floats(atoms.get_velocities() * units.fs))
        if "id" in atoms.arrays:
            print("ids " + " ".join(str(int(i)) for i in atoms.arrays["id"]))
        results = atoms.calc.results if atoms.calc is not None else {}
        if "energy" in results:
            print("energy " + repr(float(results["energy"])))
        if "forces" in results:
            print("forces " + floats(results["forces"]))
        if "stress" in results:
            print("stress " + floats(results["stress"]))  # Voigt: xx yy zz yz xz xy
        for key, value in sorted(atoms.info.items()):
            if isinstance(value, (bool, np.bool_)):
                print(f"info_bool {key} {int(value)}")
            elif isinstance(value, (int, np.integer)):
                print(f"info_int {key} {int(value)}")
            elif isinstance(value, (float, np.floating)):
                print(f"info_real {key} {float(value)!r}")
            elif isinstance(value, str):
                print(f"info_string {key} {value}")
            elif isinstance(value, np.ndarray) and value.dtype.kind == "f":
                print(f"info_reals {key} " + floats(value))
            elif isinstance(value, np.ndarray) and value.dtype.kind == "i":
                print(f"info_ints {key} " + " ".join(str(int(v)) for v in value))
            elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                print(f"info_strings {key} " + " ".join(value))
        print("end")


def write(directory):
    rng = np.random.default_rng(42)

    # One triclinic frame with mixed periodicity, velocities (stored as momenta), a custom mass
    # (so ASE writes a masses column) and info of several types.
    cell = np.array([[5.1, 0.0, 0.0], [1.7, 4.6, 0.0], [0.9, -1.3, 11.2]])
    tri = Atoms("LiC6O", cell=cell, pbc=[True, True, False],
                scaled_positions=rng.random((8, 3)))
    tri.set_velocities(rng.normal(scale=0.02, size=(8, 3)))
    masses = tri.get_masses()
    masses[0] = 7.016
    tri.set_masses(masses)
    tri.set_velocities(rng.normal(scale=0.02, size=(8, 3)))
    tri.info["step"] = 120
    tri.info["temperature"] = 300.5
    tri.info["converged"] = True
    tri.info["label"] = "lithiated graphite"
    tri.info["weights"] = np.array([0.25, 0.5, 1.5])
    tri.info["layers"] = np.array([1, 2, 3])
    tri.info["tags_list"] = ["host", "ion"]
    ase.io.write(f"{directory}/triclinic.extxyz", tri)

    # Frames whose atom count changes (an ion inserted, then two atoms removed), each with a
    # single-point calculator (energy, forces, stress) and momenta, masses from ASE's table.
    frames = []
    for natoms, symbols in [(3, "CoO2"), (4, "LiCoO2"), (2, "NiH")]:
        c = np.diag([2.8, 2.8, 14.1]) + rng.normal(scale=0.1, size=(3, 3))
        atoms = Atoms(symbols, cell=c, pbc=True, scaled_positions=rng.random((natoms, 3)))
        atoms.set_velocities(rng.normal(scale=0.03, size=(natoms, 3)))
        atoms.calc = SinglePointCalculator(
            atoms,
            energy=float(rng.normal(-10.0, 1.0)),
            forces=rng.normal(size=(natoms, 3)),
            stress=rng.normal(scale=0.01, size=6))
        frames.append(atoms)
    ase.io.write(f"{directory}/multi.extxyz", frames)

    dump(f"{directory}/triclinic.extxyz", "triclinic.extxyz")
    dump(f"{directory}/multi.extxyz", "multi.extxyz")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("read", "write"):
        sys.exit(__doc__)
    if sys.argv[1] == "read":
        dump(sys.argv[2], sys.argv[2])
    else:
        write(sys.argv[2])


if __name__ == "__main__":
    main()
