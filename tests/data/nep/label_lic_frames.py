# SPDX-License-Identifier: MIT
"""Li-C training frames labelled by SevenNet-0, for the small NEP model of the NVE test.

Run by make_lic_model.sh in ioncycle's .venv (sevenn ships the SevenNet-0 checkpoint; nothing is
downloaded). Writes OUT (extxyz: energy, forces, stress) with FRAMES frames: AB graphite (8
atoms), AA-stacked LiC6 and LiC12-like cells (sqrt3 x sqrt3 x 2, 14 atoms, 1-2 Li per gallery),
each strained by up to +-3 % per axis and rattled by 0.03-0.12 A, seeded.

Usage: python label_lic_frames.py OUT [FRAMES]
"""
import sys

import numpy as np
from ase import Atoms
from ase.io import write
from ase.calculators.singlepoint import SinglePointCalculator


def hexagonal(a, c):
    return np.array([[a, 0.0, 0.0], [-0.5 * a, 0.5 * np.sqrt(3.0) * a, 0.0], [0.0, 0.0, c]])


def graphite():
    frac = [[0, 0, 0.25], [1 / 3, 2 / 3, 0.25], [0, 0, 0.75], [2 / 3, 1 / 3, 0.75]]
    return Atoms("C4", scaled_positions=frac, cell=hexagonal(2.46, 6.70), pbc=True).repeat((1, 1, 2))


def lithiated(li_sites):
    # AA graphene, sqrt3 x sqrt3 in-plane (6 C per layer), two layers; Li above hexagon centres.
    x = 1.0 / 3.0
    layer = [[x, 0], [0, x], [-x, -x], [-x, 0], [0, -x], [x, x]]
    frac = [[a, b, 0.0] for a, b in layer] + [[a, b, 0.5] for a, b in layer]
    symbols = ["C"] * 12
    for z in li_sites:
        frac.append([0.0, 0.0, z])
        symbols.append("Li")
    return Atoms(symbols, scaled_positions=np.array(frac) % 1.0, cell=hexagonal(2.46 * np.sqrt(3.0), 7.40), pbc=True)


def main():
    out = sys.argv[1]
    frames = int(sys.argv[2]) if len(sys.argv) > 2 else 80
    from sevenn.calculator import SevenNetCalculator
    calc = SevenNetCalculator("7net-0", device="cpu")
    rng = np.random.default_rng(13)
    bases = [graphite, lambda: lithiated([0.25, 0.75]), lambda: lithiated([0.25])]
    labelled = []
    for k in range(frames):
        atoms = bases[k % len(bases)]()
        strain = np.eye(3) + np.diag(rng.uniform(-0.03, 0.03, 3))
        atoms.set_cell(atoms.get_cell() @ strain, scale_atoms=True)
        atoms.rattle(stdev=rng.uniform(0.03, 0.12), seed=int(rng.integers(1 << 30)))
        atoms.calc = calc
        e = atoms.get_potential_energy()
        f = atoms.get_forces()
        s = atoms.get_stress(voigt=False)
        atoms.calc = SinglePointCalculator(atoms, energy=e, forces=f, stress=s)
        labelled.append(atoms)
        print(f"frame {k}: {len(atoms)} atoms, {atoms.get_chemical_formula()}, E = {e:.4f} eV", file=sys.stderr)
    write(out, labelled, format="extxyz")


if __name__ == "__main__":
    main()
