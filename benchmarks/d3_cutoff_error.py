# SPDX-License-Identifier: MIT
"""D3(BJ) at short cutoffs, with and without the tail correction, against the reference 95/40 Bohr.

    .venv/bin/python benchmarks/d3_cutoff_error.py [--threads 2] [--repeats 5]

Structures (~1,000 atoms, built with ASE, every atom displaced by up to 0.1 A, seeded): AB graphite
(8x8x4 cells, 1,024 atoms), LiC6 (AA, sqrt3 x sqrt3, 6x6x4, 1,008 atoms), LiCoO2 (R-3m hexagonal
cell, 6x6x2, 864 atoms), and a four-layer AB graphite slab (10x10 cells in-plane, 15 A of vacuum on
each side, periodic in-plane only, 800 atoms; no tail correction applies to it). For each cutoff
pair (dispersion / CN) it prints the error of the energy per atom, the largest force component
error, the pressure error and the largest stress-component error against the reference cutoffs
(those of torch-dftd, VASP and SevenNet) without tail, and the median time of one force call
(build/benchmarks/bench_d3_cutoff, OMP_NUM_THREADS threads). The second row of each structure is
ioncycle's default (9 / 6 A with the tail correction). Pressures of the slab are per cell volume
(vacuum included).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
BENCH = os.path.join(BUILD, "benchmarks", "bench_d3_cutoff")
BOHR = 0.529177210903
GPA = 160.21766208


def hexagonal(a, c):
    return np.array([[a, 0, 0], [-0.5 * a, 0.5 * np.sqrt(3) * a, 0], [0, 0, c]])


def structures():
    from ase import Atoms
    t = 1.0 / 3.0
    graphite = Atoms("C4", scaled_positions=[[0, 0, 0.25], [t, 2 * t, 0.25], [0, 0, 0.75], [2 * t, t, 0.75]],
                     cell=hexagonal(2.46, 6.70), pbc=True).repeat((8, 8, 4))
    carbon = [[t, 0, 0.5], [0, t, 0.5], [-t, -t, 0.5], [-t, 0, 0.5], [0, -t, 0.5], [t, t, 0.5]]
    lic6 = Atoms(["Li"] + ["C"] * 6, scaled_positions=np.array([[0, 0, 0]] + carbon) % 1.0,
                 cell=hexagonal(2.46 * np.sqrt(3), 3.70), pbc=True).repeat((6, 6, 4))
    centring = [[0, 0, 0], [2 * t, t, t], [t, 2 * t, 2 * t]]
    frac, symbols, z = [], [], 0.2604
    for c in centring:
        frac += [c, [c[0], c[1], c[2] + 0.5], [c[0], c[1], c[2] + z], [c[0], c[1], c[2] - z]]
        symbols += ["Co", "Li", "O", "O"]
    licoo2 = Atoms(symbols, scaled_positions=np.array(frac) % 1.0, cell=hexagonal(2.816, 14.05), pbc=True).repeat((6, 6, 2))
    # A four-layer graphene slab, periodic in-plane only (no tail correction applies).
    slab = Atoms("C4", scaled_positions=[[0, 0, 0.25], [t, 2 * t, 0.25], [0, 0, 0.75], [2 * t, t, 0.75]],
                 cell=hexagonal(2.46, 6.70), pbc=True).repeat((10, 10, 2))
    slab.center(vacuum=15.0, axis=2)
    slab.pbc = (True, True, False)
    rng = np.random.default_rng(3)
    out = {}
    for name, atoms in (("AB graphite", graphite), ("LiC6", lic6), ("LiCoO2", licoo2), ("graphite slab", slab)):
        atoms.positions += rng.uniform(-0.1, 0.1, atoms.positions.shape)
        out[name] = atoms
    return out


def d3(path, cutoff, cn_cutoff, tail, repeats, env):
    out = subprocess.run([BENCH, path, repr(cutoff), repr(cn_cutoff), "1" if tail else "0", str(repeats)],
                         env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(out.stderr)
    r = json.loads(out.stdout)
    r["forces"] = np.array(r["forces"])
    r["virial"] = np.array(r["virial"]).reshape(3, 3)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    from ase.io import write
    subprocess.run(["cmake", "--build", BUILD, "--target", "bench_d3_cutoff", "--parallel", "2"], check=True,
                   capture_output=True)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    # The reference first (95 / 40 Bohr, no tail: torch-dftd, VASP, SevenNet), the default (9 / 6 A with
    # the tail) second.
    cases = [(95 * BOHR, 40 * BOHR, False), (9.0, 6.0, True), (10.0, 6.0, True), (12.0, 6.0, True), (12.0, 8.0, True),
             (15.0, 40 * BOHR, False), (15.0, 40 * BOHR, True), (20.0, 12.0, True), (8.0, 6.0, True)]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for name, atoms in structures().items():
            path = os.path.join(work, name.replace(" ", "_") + ".xyz")
            write(path, atoms, format="extxyz")
            ref = None
            for cutoff, cn_cutoff, tail in cases:
                r = d3(path, cutoff, cn_cutoff, tail, args.repeats if ref is not None else 1, env)
                if ref is None:
                    ref = r
                n, v = r["atoms"], r["volume"]
                dw = r["virial"] - ref["virial"]
                row = {"structure": name, "atoms": n, "cutoff": cutoff, "cn_cutoff": cn_cutoff, "tail": tail,
                       "ms": 1e3 * r["seconds"],
                       "dE_meV_per_atom": 1e3 * (r["energy"] - ref["energy"]) / n,
                       "dF_max_eV_per_A": float(np.abs(r["forces"] - ref["forces"]).max()),
                       "dP_GPa": float(-np.trace(dw) / (3 * v) * GPA),
                       "dsigma_max_GPa": float(np.abs(dw).max() / v * GPA)}
                rows.append(row)
                print(json.dumps(row), flush=True)
    print(f"\n| structure | cutoff / CN cutoff (A) | tail | one call (ms, {args.threads} threads) | dE (meV/atom) | "
          "max dF (eV/A) | dP (GPa) | max dsigma (GPa) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['structure']} ({r['atoms']}) | {r['cutoff']:.2f} / {r['cn_cutoff']:.2f} | {'yes' if r['tail'] else 'no'} | "
              f"{r['ms']:.1f} | {r['dE_meV_per_atom']:+.4f} | {r['dF_max_eV_per_A']:.1e} | {r['dP_GPa']:+.4f} | "
              f"{r['dsigma_max_GPa']:.4f} |")


if __name__ == "__main__":
    main()
