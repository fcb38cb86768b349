# SPDX-License-Identifier: MIT
"""The structures on which every backend is compared with its Python reference (issue 4).

Writes one extended XYZ file per structure into the directory given as the first argument and
prints their paths, one per line. Built with ASE (independently of ioncycle's own builders),
every atom displaced by a seeded random amount so that forces and stresses are not zero by
symmetry:

  graphite_AB_4x4x2      AB graphite, a = 2.46 A, c = 6.70 A, 4x4x2 cells (128 atoms)
  LiC6                   AA-stacked graphene with Li in the sqrt3 x sqrt3 alpha sites, c = 3.70 A,
                         2x2x2 cells (56 atoms)
  LiCoO2_2x2x1           R-3m, a = 2.816 A, c = 14.05 A, Co 3a, Li 3b, O 6c z = 0.2604 (48 atoms)
  NMC811_5x2x1           LiNi0.8Mn0.1Co0.1O2 on the LiCoO2 lattice (a = 2.87, c = 14.2 A),
                         M sites filled at random (seed 811): 24 Ni, 3 Mn, 3 Co (120 atoms)
  graphite_vacancy       AB graphite 4x4x1 with one carbon removed (63 atoms)
  narrow_cell            AB graphite 1x1x1 (4 atoms; every axis shorter than 2 x 5 A, so atoms
                         see many periodic images of themselves), sheared into a triclinic cell

Usage: python acceptance_structures.py OUTDIR [NAME ...]
"""
import os
import sys

import numpy as np
from ase import Atoms
from ase.io import write


def hexagonal(a, c):
    return np.array([[a, 0.0, 0.0], [-0.5 * a, 0.5 * np.sqrt(3.0) * a, 0.0], [0.0, 0.0, c]])


def from_fractional(cell, symbols, frac):
    return Atoms(symbols=symbols, scaled_positions=np.array(frac) % 1.0, cell=cell, pbc=True)


def graphite():
    return from_fractional(hexagonal(2.46, 6.70), ["C"] * 4,
                           [[0, 0, 0.25], [1 / 3, 2 / 3, 0.25], [0, 0, 0.75], [2 / 3, 1 / 3, 0.75]])


def lic6():
    x = 1.0 / 3.0
    frac = [[0, 0, 0], [x, 0, 0.5], [0, x, 0.5], [-x, -x, 0.5], [-x, 0, 0.5], [0, -x, 0.5], [x, x, 0.5]]
    return from_fractional(hexagonal(2.46 * np.sqrt(3.0), 3.70), ["Li"] + ["C"] * 6, frac)


def layered_oxide(a, c, metal):
    centring = [[0, 0, 0], [2 / 3, 1 / 3, 1 / 3], [1 / 3, 2 / 3, 2 / 3]]
    z = 0.2604  # metal at 3a (0,0,0), Li at 3b: M-O 1.92 A, Li-O 2.09 A in LiCoO2
    symbols, frac = [], []
    for t in centring:
        t = np.array(t)
        for sym, off in ((metal, 0.0), ("Li", 0.5), ("O", z), ("O", -z)):
            symbols.append(sym)
            frac.append(t + [0, 0, off])
    return from_fractional(hexagonal(a, c), symbols, frac)


def rattle(atoms, amplitude, seed):
    rng = np.random.default_rng(seed)
    atoms.positions += rng.uniform(-amplitude, amplitude, size=atoms.positions.shape)
    return atoms


def build():
    out = {}
    out["graphite_AB_4x4x2"] = rattle(graphite().repeat((4, 4, 2)), 0.05, 1)
    out["LiC6"] = rattle(lic6().repeat((2, 2, 2)), 0.05, 2)
    out["LiCoO2_2x2x1"] = rattle(layered_oxide(2.816, 14.05, "Co").repeat((2, 2, 1)), 0.04, 3)
    nmc = layered_oxide(2.87, 14.2, "Ni").repeat((5, 2, 1))
    metal_sites = [i for i, s in enumerate(nmc.get_chemical_symbols()) if s == "Ni"]
    assert len(metal_sites) == 30
    rng = np.random.default_rng(811)
    chosen = rng.permutation(metal_sites)
    symbols = nmc.get_chemical_symbols()
    for k, i in enumerate(chosen[:6]):
        symbols[i] = "Mn" if k < 3 else "Co"
    nmc.set_chemical_symbols(symbols)
    out["NMC811_5x2x1"] = rattle(nmc, 0.04, 4)
    vac = graphite().repeat((4, 4, 1))
    del vac[21]
    out["graphite_vacancy"] = rattle(vac, 0.05, 5)
    narrow = graphite()
    cell = narrow.get_cell().array.copy()
    cell[2] += [0.4, -0.3, 0.0]  # tilt c: triclinic
    narrow.set_cell(cell, scale_atoms=True)
    out["narrow_cell"] = rattle(narrow, 0.05, 6)
    return out


def main():
    outdir = sys.argv[1]
    names = sys.argv[2:]
    os.makedirs(outdir, exist_ok=True)
    structures = build()
    for name in names or structures:
        path = os.path.join(outdir, name + ".xyz")
        write(path, structures[name], format="extxyz")
        print(path)


if __name__ == "__main__":
    main()
