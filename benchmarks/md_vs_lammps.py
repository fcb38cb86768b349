# SPDX-License-Identifier: MIT
"""ioncycle's MD engine against LAMMPS, side by side on the same machine and structures.

Cases (issue: MD engine benchmark):
  lj       the standard LAMMPS Lennard-Jones melt: fcc at reduced density 0.8442, 32,000 atoms,
           cutoff 2.5 sigma, skin 0.3 sigma, NVE, dt = 0.005 tau; written in metal units with
           argon parameters (sigma = 3.405 A, epsilon = 0.0104 eV, m = 39.948 amu), which is the
           same dynamics in reduced units. Initial velocities at T* = 3.0 as in LAMMPS' bench/in.lj.
  tersoff  AB graphite, 10,000 atoms, BNC.tersoff (carbon), NVE at 300 K, dt = 0.5 fs.
Both programs start from identical positions and velocities (one LAMMPS data file written by
`ioncycle convert`), use one thread (OMP_NUM_THREADS=1; LAMMPS serial, no MPI), and rebuild
neighbor lists by the same half-skin displacement rule ("neigh_modify delay 0 every 1 check yes").
Throughput is atom-steps per second of the MD loop only: LAMMPS' "Loop time", ioncycle's
summary.json performance.wall_time_s. ioncycle is also run on 2 threads, and the LJ case at
N = 1e3, 1e4, 1e5 shows the cost per atom-step.

Run from the repository root after set-up:
    .venv/bin/python benchmarks/md_vs_lammps.py [--steps-lj 200] [--steps-tersoff 200]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from ase import Atoms
from ase.io import write

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IONCYCLE = os.environ.get("IONCYCLE_BINARY", os.path.join(ROOT, "build", "ioncycle"))
KB = 8.617333262e-5  # eV/K
AMU_A2_FS2_EV = 1.66053906660e-27 * 1e10 / 1.602176634e-19  # amu Å²/fs² in eV
ASE_FS = 1e-15 * np.sqrt(1.602176634e-19 / 1.66053906660e-27) * 1e10  # ASE time unit is 1/ASE_FS fs

SIGMA, EPS, M_AR = 3.405, 0.0104, 39.948
TAU_FS = SIGMA * np.sqrt(M_AR / EPS * AMU_A2_FS2_EV)  # sqrt(m sigma^2 / epsilon) in fs (2.15 ps for argon)


def maxwell_boltzmann(masses, temperature, rng):
    sigma = np.sqrt(KB * temperature / (masses * AMU_A2_FS2_EV))
    v = rng.normal(size=(len(masses), 3)) * sigma[:, None]
    v -= (masses[:, None] * v).sum(0) / masses.sum()
    t_now = (masses[:, None] * v**2).sum() * AMU_A2_FS2_EV / (KB * (3 * len(masses) - 3))
    return v * np.sqrt(temperature / t_now)


def lj_fcc(cells):
    a = (4.0 / 0.8442) ** (1.0 / 3.0) * SIGMA
    basis = np.array([[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]])
    grid = np.array([[i, j, k] for i in range(cells) for j in range(cells) for k in range(cells)])
    pos = ((grid[:, None, :] + basis[None, :, :]).reshape(-1, 3)) * a
    atoms = Atoms(f"Ar{len(pos)}", positions=pos, cell=[cells * a] * 3, pbc=True)
    atoms.set_masses([M_AR] * len(atoms))
    return atoms


def ab_graphite(nx, ny, nz):
    a, c = 2.46, 6.70
    cell = np.array([[a, 0, 0], [-a / 2, a * np.sqrt(3) / 2, 0], [0, 0, c]])
    frac = [(0, 0, 0), (1 / 3, 2 / 3, 0), (0, 0, 0.5), (2 / 3, 1 / 3, 0.5)]
    return Atoms("C4", scaled_positions=frac, cell=cell, pbc=True).repeat((nx, ny, nz))


def write_inputs(work, atoms, velocities):
    # ASE stores velocities as momenta in its own time unit; ioncycle reads them back in Å/fs.
    atoms = atoms.copy()
    atoms.set_velocities(velocities / ASE_FS)
    xyz = os.path.join(work, "start.extxyz")
    write(xyz, atoms, format="extxyz")
    data = os.path.join(work, "start.data")
    subprocess.run([IONCYCLE, "convert", xyz, data], check=True, stdout=subprocess.DEVNULL)
    return xyz, data


def run_lammps(work, data, pair_lines, skin, dt_fs, steps, mass_lines=""):
    inp = os.path.join(work, "in.bench")
    with open(inp, "w") as f:
        f.write(f"""units metal
atom_style atomic
boundary p p p
read_data {data}
{mass_lines}
{pair_lines}
neighbor {skin} bin
neigh_modify delay 0 every 1 check yes
timestep {dt_fs / 1000.0}
fix 1 all nve
thermo {steps}
run {steps}
""")
    env = dict(os.environ, OMP_NUM_THREADS="1")
    out = subprocess.run(["lmp", "-in", inp, "-log", os.path.join(work, "log.lammps"), "-screen", "none"],
                         cwd=work, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"lmp failed:\n{out.stdout}\n{out.stderr}")
    log = open(os.path.join(work, "log.lammps")).read()
    loop = float(re.search(r"Loop time of ([0-9.eE+-]+) on", log).group(1))
    return loop


def run_ioncycle(work, xyz, potential_toml, skin, dt_fs, steps, threads):
    cfg = os.path.join(work, f"md-{threads}.toml")
    with open(cfg, "w") as f:
        f.write(f"""[run]
name = "bench"
[structure]
file = "{xyz}"
{potential_toml}
[md]
timestep = "{dt_fs} fs"
steps = {steps}
skin = "{skin} A"
[output]
directory = "{work}/ioncycle-{threads}"
thermo_every = "{dt_fs * steps} fs"
""")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OMP_PROC_BIND="true")
    out = subprocess.run([IONCYCLE, "md", cfg], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"ioncycle md failed:\n{out.stdout}\n{out.stderr}")
    d = re.search(r"outputs in (\S+)", out.stdout).group(1)
    summary = json.load(open(os.path.join(d, "summary.json")))
    return summary["performance"]["wall_time_s"]


def lj_case(work, cells, steps, threads_list, with_lammps=True, seed=1):
    atoms = lj_fcc(cells)
    rng = np.random.default_rng(seed)
    v = maxwell_boltzmann(atoms.get_masses(), 3.0 * EPS / KB, rng)
    xyz, data = write_inputs(work, atoms, v)
    dt = 0.005 * TAU_FS
    cut, skin = 2.5 * SIGMA, 0.3 * SIGMA
    pot = f"""[potential]
type = "lj"
[[potential.pair]]
elements = ["Ar", "Ar"]
epsilon = "{EPS} eV"
sigma = "{SIGMA} A"
cutoff = "{cut} A"
"""
    res = {"atoms": len(atoms), "steps": steps}
    if with_lammps:
        res["lammps_s"] = run_lammps(work, data, f"pair_style lj/cut {cut}\npair_coeff 1 1 {EPS} {SIGMA}", skin, dt, steps)
    for t in threads_list:
        res[f"ioncycle_{t}t_s"] = run_ioncycle(work, xyz, pot, skin, dt, steps, t)
    return res


def tersoff_case(work, steps, threads_list):
    atoms = ab_graphite(25, 25, 4)
    rng = np.random.default_rng(2)
    v = maxwell_boltzmann(atoms.get_masses(), 300.0, rng)
    xyz, data = write_inputs(work, atoms, v)
    pot = """[potential]
type = "tersoff"
file = "BNC.tersoff"
elements = ["C"]
"""
    res = {"atoms": len(atoms), "steps": steps}
    res["lammps_s"] = run_lammps(work, data, "pair_style tersoff\npair_coeff * * BNC.tersoff C", 1.0, 0.5, steps)
    for t in threads_list:
        res[f"ioncycle_{t}t_s"] = run_ioncycle(work, xyz, pot, 1.0, 0.5, steps, t)
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps-lj", type=int, default=200)
    p.add_argument("--steps-tersoff", type=int, default=200)
    p.add_argument("--skip-scaling", action="store_true")
    args = p.parse_args()
    if not shutil.which("lmp"):
        sys.exit("lmp (Debian package lammps) not found; run scripts/setup")
    work = tempfile.mkdtemp(prefix="ioncycle-bench-")
    print(f"# machine: {os.cpu_count()} cores; {open('/proc/cpuinfo').read().split('model name')[1].split(':')[1].splitlines()[0].strip()}")
    print(f"# work dir: {work}")
    rows = []
    os.makedirs(os.path.join(work, "lj"))
    rows.append(("LJ melt (32,000 atoms)", lj_case(os.path.join(work, "lj"), 20, args.steps_lj, [1, 2])))
    os.makedirs(os.path.join(work, "tersoff"))
    rows.append(("Tersoff AB graphite (10,000 atoms)", tersoff_case(os.path.join(work, "tersoff"), args.steps_tersoff, [1, 2])))
    print(f"\n{'case':38s} {'LAMMPS 1t':>14s} {'ioncycle 1t':>14s} {'ratio':>7s} {'ioncycle 2t':>14s} {'2t/1t':>6s}   (atom-steps/s)")
    for name, r in rows:
        work_units = r["atoms"] * r["steps"]
        lmp, one, two = work_units / r["lammps_s"], work_units / r["ioncycle_1t_s"], work_units / r["ioncycle_2t_s"]
        print(f"{name:38s} {lmp:14.4g} {one:14.4g} {one / lmp:7.2f} {two:14.4g} {two / one:6.2f}")
    if not args.skip_scaling:
        print("\nLJ cost per atom-step, ioncycle, 1 thread:")
        base = None
        for cells, steps in ((6, 2000), (14, 200), (29, 20)):  # 864, 10,976, 97,556 atoms
            d = os.path.join(work, f"scale-{cells}")
            os.makedirs(d)
            r = lj_case(d, cells, steps, [1], with_lammps=False)
            cost = r["ioncycle_1t_s"] / (r["atoms"] * r["steps"]) * 1e9
            base = base or cost
            print(f"  N = {r['atoms']:7d}: {cost:8.1f} ns per atom-step  ({cost / base:.2f} x the smallest)")


if __name__ == "__main__":
    main()
