# SPDX-License-Identifier: MIT
"""Engine overhead of ioncycle around a machine-learned potential (issue 4 benchmark).

For SevenNet-0 (and SevenNet-0 + D3) on AB graphite of 200 and 1,024 atoms:
  - the bare model time: benchmarks/bare_model.cpp calls the TorchScript module directly in a loop
    on fixed inputs (forward + autograd gradient), nothing of ioncycle inside the timed loop;
  - an ioncycle NVE run (velocity Verlet, 1 fs, thermo output every step) and its per-step
    breakdown from summary.json (neighbor list, edge building, model forward, model backward,
    force/virial sum, D3, integration, output, other);
  - the engine overhead = step time - bare model time (- D3 time, which is physics, not overhead),
    in absolute terms and as a fraction of the step.

Run from the repository root after set-up (the machine should be otherwise idle):
    .venv/bin/python benchmarks/mlip_overhead.py [--threads 2] [--steps-small 20] [--steps-large 5]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from ase import Atoms
from ase.io import write

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("IONCYCLE_BUILD", os.path.join(ROOT, "build"))
IONCYCLE = os.path.join(BUILD, "ioncycle")
BARE = os.path.join(BUILD, "benchmarks", "bench_bare_model")
MODEL = os.path.join(ROOT, "models", "sevennet-0.pt")


def ab_graphite(nx, ny, nz):
    a, c = 2.46, 6.70
    cell = np.array([[a, 0, 0], [-0.5 * a, 0.5 * np.sqrt(3) * a, 0], [0, 0, c]])
    frac = [[0, 0, 0.25], [1 / 3, 2 / 3, 0.25], [0, 0, 0.75], [2 / 3, 1 / 3, 0.75]]
    return Atoms("C4", scaled_positions=frac, cell=cell, pbc=True).repeat((nx, ny, nz))


def run(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def ioncycle_md(work, xyz, spec, steps, env, tag, thermo_every="1 fs", potential_extra=""):
    cfg = os.path.join(work, f"{tag}.toml")
    with open(cfg, "w") as f:
        f.write(f"""[run]
name = "{tag}"
seed = 1
[structure]
file = "{xyz}"
[potential]
spec = "{spec}"
device = "cpu"
{potential_extra}
[md]
timestep = "1 fs"
steps = {steps}
initial_temperature = "300 K"
[output]
directory = "{work}/{tag}"
thermo_every = "{thermo_every}"
""")
    run([IONCYCLE, "md", cfg], env)
    return json.load(open(os.path.join(work, tag, "summary.json")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps-small", type=int, default=20)
    ap.add_argument("--steps-large", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    subprocess.run(["cmake", "--build", BUILD, "--target", "bench_bare_model", "ioncycle"], check=True,
                   stdout=subprocess.DEVNULL)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for cells, steps in (((5, 5, 2), args.steps_small), ((8, 8, 4), args.steps_large)):
            atoms = ab_graphite(*cells)
            atoms.rattle(0.02, seed=1)
            xyz = os.path.join(work, f"graphite-{len(atoms)}.xyz")
            write(xyz, atoms, format="extxyz")
            bare = json.loads(run([BARE, MODEL, xyz, str(args.repeats)], env))
            for spec in ("sevennet", "sevennet+d3"):
                tag = f"{spec.replace('+', '-')}-{len(atoms)}"
                summary = ioncycle_md(work, xyz, spec, steps, env, tag)
                perf = summary["performance"]
                n_steps = summary["steps"]
                step = perf["wall_time_s"] / n_steps
                per_step = {k: v / n_steps for k, v in perf["breakdown_s"].items()}
                d3 = per_step.get("d3", 0.0)
                overhead = step - bare["total_s"]["median"] - d3
                rows.append({"atoms": len(atoms), "edges": bare["num_edges"], "potential": spec,
                             "threads": args.threads, "steps": n_steps, "step_s": step,
                             "bare_model_s": bare["total_s"]["median"],
                             "bare_forward_s": bare["forward_s"]["median"],
                             "bare_backward_s": bare["backward_s"]["median"],
                             "d3_s": d3, "overhead_s": overhead, "overhead_fraction": overhead / step,
                             "breakdown_per_step_s": per_step})
                print(json.dumps(rows[-1], indent=1), flush=True)
    print("\n| atoms | potential | step (s) | bare model (s) | D3 (s) | overhead (s) | overhead |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['atoms']} | {r['potential']} | {r['step_s']:.4f} | {r['bare_model_s']:.4f} | {r['d3_s']:.4f} | "
              f"{r['overhead_s']:.4f} | {100 * r['overhead_fraction']:.1f} % |")


if __name__ == "__main__":
    main()
