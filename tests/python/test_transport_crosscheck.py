# SPDX-License-Identifier: MIT
"""Cross-check of ioncycle's transport analysis against tools users trust (issue 7).

    test_transport_crosscheck.py --ioncycle PATH/TO/ioncycle [--keep DIR] [--seed N]

Writes a run directory holding only trajectory.h5 (H5MD in ioncycle's layout, see
src/io/h5md_writer.cpp): a Gaussian random walk of 8 Li (D = 0.002 A^2/fs = 2e-4 cm^2/s) in a
fixed 15 A orthorhombic box, wrapped into the box, plus 4 fixed C atoms, 20000 equally spaced
frames (every 10 steps of 1 fs, 200 ps), and a "temperature" observable of 300 K. Every
coordinate, wrapped or unwrapped, lies on a 2^-15 A grid below 512 A, so it is exact in float32:
MDAnalysis keeps positions in float32, and this way both programs see the same numbers. Runs
`ioncycle analyze DIR --no-plots` and compares, for segment "all" and species "Li":

  - analysis/msd.csv msd_A2 against MDAnalysis's EinsteinMSD(select="name Li", msd_type="xyz",
    fft=True) on the unwrapped trajectory (a second H5MD file, unwrapped here by exact
    arithmetic, so ioncycle's own unwrapping of the wrapped file is checked too): 1e-8 relative
    at every lag >= 1, and lag 0 is 0;
  - analysis/diffusion.csv D_cm2_s against pymatgen-analysis-diffusion's DiffusionAnalyzer
    (smoothed="max", its default) within the combined uncertainty 2*sqrt(sigma_ioncycle^2 +
    sigma_pymatgen^2). pymatgen fits lags from 1 ps to n_ions*n_frames/min_obs; min_obs is set so
    that this is 5 ps, the lag range ioncycle's blocks fit (10 %..50 % of a 10 ps block), so the
    two estimators use the same information (pymatgen's sigma is a fit residual and far smaller
    than its true scatter; with different lag ranges their difference would not be covered).
    ioncycle's D must also lie within 3 sigma of the true D;
  - the Nernst-Einstein conductivity against pymatgen's at the same D (same formula
    n q^2 D / kT, so they must agree to 1e-6 relative once D is divided out).

Exits 0 printing "ok", or 1 printing one FAIL line per problem.
"""
import argparse
import csv
import math
import os
import subprocess
import sys
import tempfile
import warnings

import h5py
import numpy as np

BOX = 15.0
NUM_LI = 8
NUM_C = 4
NUM_FRAMES = 20000
STEPS_PER_FRAME = 10
TIMESTEP_FS = 1.0
D_TRUE = 0.002  # A^2/fs
GRID = 2.0 ** -15  # A: coordinates on this grid below 512 A are exact in float32
FIT_END_FRAMES = 500  # 5 ps: the end of ioncycle's fit range (0.5 x a block of 1000 frames)
TEMPERATURE = 300.0

problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)


def make_walk(seed=20260):
    """Wrapped positions (frames, atoms, 3), unwrapped Li positions (frames, Li, 3), species."""
    rng = np.random.default_rng(seed)
    dt = STEPS_PER_FRAME * TIMESTEP_FS
    steps = np.round(rng.normal(0.0, math.sqrt(2.0 * D_TRUE * dt), size=(NUM_FRAMES, NUM_LI, 3)) / GRID) * GRID
    steps[0] = 0.0
    start = np.round(rng.uniform(0.0, BOX, size=(NUM_LI, 3)) / GRID) * GRID
    li = start[None, :, :] + np.cumsum(steps, axis=0)
    if np.abs(li).max() >= 512.0:
        sys.exit("FAIL: the walk left the float32-exact range; pick another seed")
    carbon = np.array([[1.0, 1.0, 1.0], [8.5, 1.0, 1.0], [1.0, 8.5, 8.5], [8.5, 8.5, 8.5]])
    wrapped = np.concatenate([np.broadcast_to(carbon, (NUM_FRAMES, NUM_C, 3)), np.mod(li, BOX)], axis=1)
    species = np.array([6] * NUM_C + [3] * NUM_LI, dtype=np.int32)
    return wrapped, li, species


def write_h5md(path, positions, species):
    """ioncycle's layout (h5md_writer.cpp): particles/all with box, position, species, id sharing
    position's step and time by hard links; observables/all/particle_number; observables/temperature."""
    n_frames, n_atoms, _ = positions.shape
    step = np.arange(n_frames, dtype=np.int64) * STEPS_PER_FRAME
    time = step.astype(np.float64) * TIMESTEP_FS
    with h5py.File(path, "w") as f:
        h5md = f.create_group("h5md")
        h5md.attrs["version"] = np.array([1, 1], dtype=np.int32)
        h5md.create_group("author").attrs["name"] = np.bytes_("test_transport_crosscheck")
        creator = h5md.create_group("creator")
        creator.attrs["name"] = np.bytes_("ioncycle")
        creator.attrs["version"] = np.bytes_("test")
        g = f.create_group("particles/all")
        pos = g.create_group("position")
        pos["step"] = step
        pos["time"] = time
        pos["time"].attrs["unit"] = "fs"
        pos["value"] = positions.astype(np.float64)
        pos["value"].attrs["unit"] = "Angstrom"
        box = g.create_group("box")
        box.attrs["dimension"] = np.int32(3)
        box.attrs["boundary"] = np.array([b"periodic"] * 3)
        edges = box.create_group("edges")
        edges["step"] = pos["step"]
        edges["time"] = pos["time"]
        edges["value"] = np.tile(np.eye(3) * BOX, (n_frames, 1, 1))
        edges["value"].attrs["unit"] = "Angstrom"
        for name, values in (("species", np.tile(species, (n_frames, 1)).astype(np.int32)),
                             ("id", np.tile(np.arange(n_atoms, dtype=np.int64), (n_frames, 1)))):
            e = g.create_group(name)
            e["step"] = pos["step"]
            e["time"] = pos["time"]
            e["value"] = values
        count = f.create_group("observables/all")
        count.attrs["dimension"] = np.int32(3)
        pn = count.create_group("particle_number")
        pn["step"] = pos["step"]
        pn["time"] = pos["time"]
        pn["value"] = np.full(n_frames, n_atoms, dtype=np.int64)
        t = f.create_group("observables/temperature")
        t["step"] = pos["step"]
        t["time"] = pos["time"]
        t["value"] = np.full(n_frames, TEMPERATURE)
        t["value"].attrs["unit"] = "K"


def read_rows(path, segment, species):
    with open(path) as f:
        return [r for r in csv.DictReader(f) if r["segment"] == segment and r["species"] == species]


def mdanalysis_msd(path):
    import MDAnalysis as mda
    from MDAnalysis.analysis.msd import EinsteinMSD

    u = mda.Universe.empty(NUM_LI, trajectory=False)
    u.add_TopologyAttr("name", ["Li"] * NUM_LI)
    u.load_new(path, format="H5MD")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        msd = EinsteinMSD(u, select="name Li", msd_type="xyz", fft=True)
        msd.run()
    return np.asarray(msd.results.timeseries)


def pymatgen_diffusion(wrapped, species):
    from pymatgen.analysis.diffusion.analyzer import DiffusionAnalyzer
    from pymatgen.core import Lattice, Structure

    # Displacements from the first frame by the minimum image of each frame-to-frame step
    # (what DiffusionAnalyzer.from_structures does, without building 20000 Structures).
    frac = wrapped / BOX
    dfrac = np.diff(frac, axis=0)
    dfrac -= np.round(dfrac)
    disp = np.concatenate([np.zeros((1,) + frac.shape[1:]), np.cumsum(dfrac, axis=0)], axis=0) * BOX
    names = ["C" if z == 6 else "Li" for z in species]
    structure = Structure(Lattice.cubic(BOX), names, wrapped[0], coords_are_cartesian=True)
    min_obs = NUM_LI * NUM_FRAMES // FIT_END_FRAMES
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analyzer = DiffusionAnalyzer(structure, np.transpose(disp, (1, 0, 2)), "Li", TEMPERATURE, TIMESTEP_FS,
                                     STEPS_PER_FRAME, smoothed="max", min_obs=min_obs)
    # cm^2/s; conductivity in mS/cm
    return analyzer.diffusivity, analyzer.diffusivity_std_dev, analyzer.conductivity * 1e-3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ioncycle", required=True)
    parser.add_argument("--keep", help="write the run directory here and keep it")
    parser.add_argument("--seed", type=int, default=20260, help="seed of the random walk")
    args = parser.parse_args()

    wrapped, unwrapped, species = make_walk(args.seed)
    with tempfile.TemporaryDirectory(prefix="transport_crosscheck_") as tmp:
        run_dir = args.keep or os.path.join(tmp, "run")
        os.makedirs(run_dir, exist_ok=True)
        traj = os.path.join(run_dir, "trajectory.h5")
        write_h5md(traj, wrapped, species)
        unwrapped_path = os.path.join(tmp, "unwrapped_li.h5")
        write_h5md(unwrapped_path, unwrapped, species[species == 3])
        done = subprocess.run([args.ioncycle, "analyze", run_dir, "--no-plots"], capture_output=True, text=True)
        if done.returncode != 0:
            print(f"FAIL: `ioncycle analyze` exited with {done.returncode}:\n{done.stdout}{done.stderr}")
            sys.exit(1)
        msd_path = os.path.join(run_dir, "analysis", "msd.csv")
        diffusion_path = os.path.join(run_dir, "analysis", "diffusion.csv")
        for p in (msd_path, diffusion_path):
            if not os.path.exists(p):
                print(f"FAIL: `ioncycle analyze` wrote no {p}")
                sys.exit(1)
        msd_rows = read_rows(msd_path, "all", "Li")
        d_rows = read_rows(diffusion_path, "all", "Li")

        # MSD against MDAnalysis, every lag.
        reference = mdanalysis_msd(unwrapped_path)
        ours = np.array([float(r["msd_A2"]) for r in msd_rows])
        lags_ps = np.array([float(r["lag_ps"]) for r in msd_rows])
        expect(len(ours) == len(reference), f"msd.csv has {len(ours)} lags for Li, MDAnalysis {len(reference)}")
        if len(ours) == len(reference):
            expect(ours[0] == 0.0, f"ioncycle's MSD at lag 0 is {ours[0]}, not 0")
            expect(np.allclose(lags_ps, np.arange(len(ours)) * STEPS_PER_FRAME * TIMESTEP_FS * 1e-3, rtol=1e-9),
                   "lag_ps is not k * 0.01 ps")
            rel = np.abs(ours[1:] - reference[1:]) / np.abs(reference[1:])
            worst = int(np.argmax(rel)) + 1
            expect(rel.max() <= 1e-8,
                   f"MSD differs from MDAnalysis EinsteinMSD by {rel.max():.3e} relative at lag {worst} "
                   f"({ours[worst]!r} vs {reference[worst]!r})")
            print(f"MSD vs MDAnalysis EinsteinMSD(fft): max relative difference {rel.max():.2e} over {len(rel)} lags")

        # D against pymatgen's DiffusionAnalyzer.
        expect(len(d_rows) == 1, f"diffusion.csv has {len(d_rows)} rows for segment all, Li")
        if d_rows:
            r = d_rows[0]
            D = float(r["D_cm2_s"])
            D_err = float(r["D_err_cm2_s"])
            expect(int(r["num_ions"]) == NUM_LI, f"num_ions {r['num_ions']} != {NUM_LI}")
            pm_D, pm_err, pm_sigma = pymatgen_diffusion(wrapped, species)
            combined = 2.0 * math.hypot(D_err, pm_err)
            print(f"D ioncycle {D:.5e} +- {D_err:.2e}, pymatgen {pm_D:.5e} +- {pm_err:.2e}, "
                  f"true {D_TRUE * 0.1:.5e} cm2/s")
            expect(math.isfinite(D) and math.isfinite(D_err) and D_err > 0, f"D {D} +- {D_err} is not a value with an error")
            expect(abs(D - pm_D) <= combined,
                   f"D {D:.5e} and pymatgen's {pm_D:.5e} differ by more than 2 sigma combined ({combined:.2e})")
            expect(abs(D - D_TRUE * 0.1) <= 3 * D_err, f"D {D:.5e} +- {D_err:.2e} is not within 3 sigma of the true {D_TRUE * 0.1:.5e}")
            sigma = float(r["conductivity_S_cm"])
            expect(math.isfinite(sigma), "conductivity_S_cm is nan although the trajectory has a temperature")
            if math.isfinite(sigma):
                scaled = pm_sigma * D / pm_D
                expect(abs(sigma - scaled) <= 1e-6 * abs(scaled),
                       f"Nernst-Einstein conductivity {sigma:.6e} S/cm != pymatgen's {scaled:.6e} at the same D")

    if problems:
        for p in problems:
            print("FAIL:", p)
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
