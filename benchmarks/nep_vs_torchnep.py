# SPDX-License-Identifier: MIT
"""Cost of a NEP MD step in ioncycle, against TorchNEP's own evaluator on the same model.

    .venv/bin/python benchmarks/nep_vs_torchnep.py [--sizes 1000,10000,100000] [--model PATH]

Structures: Li_xC6 (x = 0.75) built with ASE: AA-stacked graphene, sqrt3 x sqrt3 in-plane cells
(c = 3.70 A), Li on 3/4 of the hexagon-centre sites of each gallery (seeded), every atom displaced
by up to 0.05 A. Models: the "student" size a production run would use (cutoff 6/4 A, n_max 4/4,
basis 8/8, l_max 4 2 0, 30 neurons: GPUMD's defaults but a 6 A radial cutoff), with seeded random
weights and GPUMD's q_scaler over the structure (tests/python/nep_reference.py writes it), and the
small trained test model tests/data/nep/LiC_7net0_small.txt (cutoff 5/4, 16 neurons).

ioncycle: `ioncycle md`, NVE from 300 K, dt = 1 fs, skin 1 A (neighbor list rebuilds included),
on 1 and 2 OpenMP threads; time per atom-step = performance.wall_time_s / (steps * atoms).
TorchNEP: its ASE calculator (float64, CPU, torch on the same number of threads), energy + forces
+ stress of the same structure, median of 3 calls after a warm-up, per atom.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build")
NEP_PYTHON = os.path.join(ROOT, ".venv-nep", "bin", "python")
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from mlip_overhead import ioncycle_md, run  # noqa: E402  (the same `ioncycle md` run and its summary)


def lixc6(n_target, x=0.75, seed=1):
    from ase import Atoms
    a, c = 2.46 * np.sqrt(3.0), 3.70
    cell = np.array([[a, 0, 0], [-0.5 * a, 0.5 * np.sqrt(3) * a, 0], [0, 0, c]])
    t = 1.0 / 3.0
    carbon = [[t, 0, 0.5], [0, t, 0.5], [-t, -t, 0.5], [-t, 0, 0.5], [0, -t, 0.5], [t, t, 0.5]]
    unit = Atoms(["Li"] + ["C"] * 6, scaled_positions=np.array([[0, 0, 0]] + carbon) % 1.0, cell=cell, pbc=True)
    k = max(1, int(round((n_target / 7 / 1.0) ** (1 / 3))))
    nz = max(1, int(round(n_target / 7 / (k * k))))
    atoms = unit.repeat((k, k, nz))
    rng = np.random.default_rng(seed)
    li = [i for i, s in enumerate(atoms.get_chemical_symbols()) if s == "Li"]
    drop = rng.choice(li, size=int(round((1 - x) * len(li))), replace=False)
    del atoms[sorted(drop)]
    atoms.positions += rng.uniform(-0.05, 0.05, atoms.positions.shape)
    return atoms


TORCHNEP_TIMER = r"""
import sys, time, statistics, torch
from ase.io import read
from torchnep.ase_calculator import NEP
torch.set_num_threads(int(sys.argv[3]))
atoms = read(sys.argv[2])
atoms.calc = NEP(sys.argv[1], dtype="float64")
def once():
    atoms.calc.results.clear()
    t = time.perf_counter()
    atoms.get_forces(); atoms.get_stress()
    return time.perf_counter() - t
once()
print(statistics.median(once() for _ in range(3)))
"""


def student_model(work, atoms_path):
    """A production-size NEP model with random weights and GPUMD's q_scaler over the structure,
    written by tests/python/nep_reference.py in the TorchNEP environment."""
    spec = dict(version="nep4", elements=["Li", "C"], cutoff=(6.0, 4.0), n_max=(4, 4), basis=(8, 8),
                l_max=(4, 2, 0), neurons=30)
    path = os.path.join(work, "student.txt")
    run([NEP_PYTHON, "-c", (
        "import sys, json, numpy as np\n"
        f"sys.path.insert(0, {os.path.join(ROOT, 'tests', 'python')!r})\n"
        "import nep_reference as r\n"
        "from ase.io import read\n"
        "spec = json.loads(sys.argv[3])\n"
        "r.write_scaled(sys.argv[1], spec, r.random_parameters(spec, np.random.default_rng(5)), [read(sys.argv[2])])\n"),
        path, atoms_path, json.dumps(spec)], None)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--torchnep-max", type=int, default=10000, help="largest size TorchNEP is timed on")
    args = ap.parse_args()
    from ase.io import write
    run(["cmake", "--build", BUILD, "--target", "ioncycle", "--parallel", "2"], None)
    rows = []
    with tempfile.TemporaryDirectory() as work:
        sizes = [int(s) for s in args.sizes.split(",")]
        structures = {}
        for n in sizes:
            atoms = lixc6(n)
            path = os.path.join(work, f"lixc6_{len(atoms)}.xyz")
            write(path, atoms, format="extxyz")
            structures[n] = (path, len(atoms))
        models = {"student 6/4 A, 30 neurons": student_model(work, structures[sizes[0]][0]),
                  "test model 5/4 A, 16 neurons": os.path.join(ROOT, "tests", "data", "nep", "LiC_7net0_small.txt")}
        for label, model in models.items():
            for n in sizes:
                xyz, atoms = structures[n]
                steps = max(3, int(round(50 * 1000 / atoms)))
                row = {"model": label, "atoms": atoms, "steps": steps}
                for threads in (1, 2):
                    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
                    s = ioncycle_md(work, xyz, f"nep:{model}", steps, env, f"n{atoms}_t{threads}_{len(rows)}",
                                    thermo_every=f"{steps} fs")
                    row[f"ioncycle_us_t{threads}"] = 1e6 * s["performance"]["wall_time_s"] / (steps * atoms)
                    if n <= args.torchnep_max:
                        t = float(run([NEP_PYTHON, "-c", TORCHNEP_TIMER, model, xyz, str(threads)], None))
                        row[f"torchnep_us_t{threads}"] = 1e6 * t / atoms
                rows.append(row)
                print(json.dumps(row), flush=True)
    print("\n| model | atoms | ioncycle 1 thread | ioncycle 2 threads | 2 threads / 1 | TorchNEP 1 thread | "
          "TorchNEP 2 threads |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        tn1 = f"{r['torchnep_us_t1']:.0f}" if "torchnep_us_t1" in r else "-"
        tn2 = f"{r['torchnep_us_t2']:.0f}" if "torchnep_us_t2" in r else "-"
        print(f"| {r['model']} | {r['atoms']} | {r['ioncycle_us_t1']:.1f} | {r['ioncycle_us_t2']:.1f} | "
              f"{r['ioncycle_us_t1'] / r['ioncycle_us_t2']:.2f} | {tn1} | {tn2} |")
    print("(µs per atom-step)")


if __name__ == "__main__":
    main()
