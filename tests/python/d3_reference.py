# SPDX-License-Identifier: MIT
"""Reference D3(BJ) results from the PyPI `dftd3` package (simple-dftd3) for test_d3.cpp.

    d3_reference.py --bohr B --hartree H --cutoff RC --cn-cutoff RCN FILE[@METHOD] ...
    d3_reference.py --params NAME ...

Each FILE (extended XYZ, read with ASE) is evaluated with
DispersionModel(numbers, positions / B, cell / B, pbc).set_realspace_cutoff(RC, RC, RCN) and
get_dispersion(RationalDampingParam(method=METHOD, atm=False), grad=True): two-body terms only,
hard cutoffs RC and RCN in Bohr, METHOD "pbe" unless given after '@'. B (Å per Bohr) and H (eV
per Hartree) are the constants the C++ side converts with, so both see the same structure in
Bohr. Positions are wrapped into the cell first (simple-dftd3 bounds its lattice sums assuming
atoms near the cell). One line per file:

    RESULT n energy_eV f1x f1y f1z ... virial_xx xy xz yx yy yz zx zy zz

with forces = -gradient (eV/Å) and the virial in ioncycle's (LAMMPS) sign, W = -dE/dstrain (eV).

--params prints "PARAM name s6 a1 s8 a2" for each name from the dftd3 package's own parameter
file (parameters.toml, defaults of [default.parameter] applied), for comparing ioncycle's table.
"""

import argparse
import os
import sys
import tomllib

import numpy as np


def params(names):
    import dftd3

    path = os.path.join(os.path.dirname(dftd3.__file__), "parameters.toml")
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    base = data["default"]["parameter"]["d3"]["bj"]
    for name in names:
        entry = dict(base)
        entry.update(data["parameter"][name]["d3"]["bj"])
        print("PARAM", name, *(repr(float(entry[k])) for k in ("s6", "a1", "s8", "a2")))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bohr", type=float)
    parser.add_argument("--hartree", type=float)
    parser.add_argument("--cutoff", type=float)
    parser.add_argument("--cn-cutoff", type=float)
    parser.add_argument("--params", action="store_true")
    parser.add_argument("items", nargs="*")
    args = parser.parse_args()
    if args.params:
        params(args.items)
        return

    import ase.io
    from dftd3.interface import DispersionModel, RationalDampingParam

    bohr, hartree = args.bohr, args.hartree
    for item in args.items:
        path, _, method = item.partition("@")
        atoms = ase.io.read(path)
        pbc = np.array(atoms.pbc, dtype=bool)
        if pbc.any():
            atoms.wrap()
            lattice = np.array(atoms.cell[:]) / bohr
        else:
            lattice = None
        model = DispersionModel(atoms.numbers, atoms.positions / bohr, lattice, pbc)
        model.set_realspace_cutoff(args.cutoff, args.cutoff, args.cn_cutoff)
        res = model.get_dispersion(RationalDampingParam(method=method or "pbe", atm=False), grad=True)
        energy = float(res["energy"]) * hartree
        forces = -np.asarray(res["gradient"]) * hartree / bohr
        virial = -np.asarray(res["virial"]) * hartree
        print("RESULT", len(atoms), repr(energy), " ".join(repr(float(v)) for v in forces.ravel()),
              " ".join(repr(float(v)) for v in virial.ravel()))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
