# SPDX-License-Identifier: MIT
"""ioncycle against ASE + SevenNet's calculator: 100 steps of Langevin MD (issue 4 benchmark).

The same structure (AB graphite, 200 atoms, rattled), the same model (SevenNet-0: ASE runs the
checkpoint through sevenn's SevenNetCalculator, ioncycle the deployed TorchScript file made from
that checkpoint), the same thread count (OMP_NUM_THREADS and torch.set_num_threads), Langevin at
300 K with a 1 fs step and 100 fs damping, in one invocation. D3 is left out because SevenNet's
D3 calculator has no CPU implementation. Times cover the MD loop only (ASE: dyn.run after the
first force call; ioncycle: summary.json performance.wall_time_s). Prints the throughput ratio.

Run from the repository root after set-up (the machine should be otherwise idle):
    .venv/bin/python benchmarks/ase_vs_ioncycle.py [--threads 2] [--steps 100]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from ase import Atoms, units
from ase.io import write

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IONCYCLE = os.path.join(os.environ.get("IONCYCLE_BUILD", os.path.join(ROOT, "build")), "ioncycle")


def ab_graphite(nx, ny, nz):
    a, c = 2.46, 6.70
    cell = np.array([[a, 0, 0], [-0.5 * a, 0.5 * np.sqrt(3) * a, 0], [0, 0, c]])
    frac = [[0, 0, 0.25], [1 / 3, 2 / 3, 0.25], [0, 0, 0.75], [2 / 3, 1 / 3, 0.75]]
    return Atoms("C4", scaled_positions=frac, cell=cell, pbc=True).repeat((nx, ny, nz))


def run_ase(atoms, steps, threads):
    import torch
    torch.set_num_threads(threads)
    from ase.md.langevin import Langevin
    from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
    from sevenn.calculator import SevenNetCalculator
    atoms = atoms.copy()
    atoms.calc = SevenNetCalculator("7net-0", device="cpu")
    MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(1))
    dyn = Langevin(atoms, 1.0 * units.fs, temperature_K=300, friction=0.01 / units.fs, rng=np.random.default_rng(2))
    atoms.get_forces()  # model load and first call outside the timed loop, as for ioncycle
    t0 = time.perf_counter()
    dyn.run(steps)
    return time.perf_counter() - t0


def run_ioncycle(work, xyz, steps, threads):
    cfg = os.path.join(work, "langevin.toml")
    with open(cfg, "w") as f:
        f.write(f"""[run]
name = "ase-comparison"
seed = 1
[structure]
file = "{xyz}"
[potential]
spec = "sevennet"
device = "cpu"
[md]
timestep = "1 fs"
steps = {steps}
initial_temperature = "300 K"
temperature = "300 K"
[md.thermostat]
type = "langevin"
damping = "100 fs"
[output]
directory = "{work}/ioncycle"
thermo_every = "10 fs"
""")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    out = subprocess.run([IONCYCLE, "md", cfg], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"ioncycle md failed:\n{out.stdout}\n{out.stderr}")
    return json.load(open(os.path.join(work, "ioncycle", "summary.json")))["performance"]["wall_time_s"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--cells", default="5,5,2", help="repeats of the 4-atom AB cell (default 200 atoms)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    atoms = ab_graphite(*[int(c) for c in args.cells.split(",")])
    atoms.rattle(0.02, seed=1)
    with tempfile.TemporaryDirectory() as work:
        xyz = os.path.join(work, "graphite.xyz")
        write(xyz, atoms, format="extxyz")
        t_ion = run_ioncycle(work, xyz, args.steps, args.threads)
        t_ase = run_ase(atoms, args.steps, args.threads)
    print(json.dumps({"atoms": len(atoms), "steps": args.steps, "threads": args.threads,
                      "ioncycle_s": t_ion, "ase_s": t_ase,
                      "ioncycle_steps_per_s": args.steps / t_ion, "ase_steps_per_s": args.steps / t_ase,
                      "ratio_ioncycle_over_ase": t_ase / t_ion}, indent=1))


if __name__ == "__main__":
    main()
