# SPDX-License-Identifier: MIT
"""Test of python/plot_analysis.py (issue 7): plots from the analysis tables of a run.

Builds a synthetic run directory with every table of the analysis contract (docs/formats.md)
filled with plausible rows for two charge/discharge cycles, runs the script, and checks that
every plot is written as a non-blank PNG of sensible size. Then damages tables (an empty file, a
header without rows, a truncated row, a non-number, a missing file) and checks that the other
plots are still written, that each damaged table is named in a warning, and that no traceback
appears; a run without analysis/ must exit 2 with a message. The same for --compare with two runs
and a comparison.csv.

Usage: python test_plot_analysis.py [--ioncycle PATH]   (the ioncycle binary is not needed)
"""
import argparse
import csv
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "..", "..", "python", "plot_analysis.py")

RUN_PLOTS = ["staging_map.png", "stage.png", "spacing_vs_time.png", "spacing_vs_soc.png",
             "stress_vs_time.png", "stress_vs_soc.png", "msd.png", "voltage_vs_soc.png",
             "asymmetry.png", "sliding.png", "hops.png"]
COMPARE_PLOTS = ["comparison.png", "msd_compare.png", "spacing_vs_soc_compare.png",
                 "stress_vs_time_compare.png", "voltage_vs_soc_compare.png"]

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)
    return condition


def fmt(value):
    if isinstance(value, str):
        return value
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return "nan" if not math.isfinite(value) else f"{value:.10g}"


def write_csv(path, header, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([fmt(v) for v in row])


# ----------------------------------------------------------------------------------------------
# A synthetic graphite run: 4 galleries, 5 layers, 24 Li at full charge, two cycles of
# intercalate (10 ps) / rest (2 ps) / deintercalate (10 ps), frames every 0.5 ps.

STEPS = [("intercalate", "charge", 0.0, 10.0), ("rest", "other", 10.0, 12.0),
         ("deintercalate", "discharge", 12.0, 22.0)]
CYCLE_PS = 22.0
NUM_GALLERIES = 4
NUM_LAYERS = NUM_GALLERIES + 1
CAPACITY = 6


def soc_at(t):
    tau = t % CYCLE_PS
    if t >= 2 * CYCLE_PS:
        return 0.0
    if tau <= 10.0:
        return tau / 10.0
    if tau <= 12.0:
        return 1.0
    return 1.0 - (tau - 12.0) / 10.0


def make_run(path, seed, spacing_offset=0.0, stress_scale=1.0):
    rng = np.random.default_rng(seed)
    analysis = os.path.join(path, "analysis")
    os.makedirs(analysis)
    times = np.round(np.arange(0.0, 2 * CYCLE_PS + 1e-9, 0.5), 6)
    steps = np.rint(times * 1000).astype(int)
    socs = np.array([soc_at(t) for t in times])
    # staging: stage 2 at half filling (galleries 1 and 3 fill first), stage 1 at full.
    staging, stage, spacing = [], [], []
    for t, s, x in zip(times, steps, socs):
        ions = int(round(x * CAPACITY * NUM_GALLERIES))
        per = [0] * NUM_GALLERIES
        for k in range(ions):
            g = [1, 3, 0, 2][(k // CAPACITY) % NUM_GALLERIES]
            per[g] += 1
        for g in range(NUM_GALLERIES):
            occ = per[g] / CAPACITY
            staging.append([t, s, x, g, per[g], CAPACITY, occ, (rng.uniform(0.5, 1.0) if per[g] >= 2 else math.nan)])
            spacing.append([t, s, x, g, 3.35 + 0.35 * occ + spacing_offset + rng.normal(0, 0.02), per[g]])
        filled = [p == CAPACITY for p in per]
        if ions == 0:
            label, n = "empty", 0
        elif all(filled):
            label, n = "1", 1
        elif filled == [False, True, False, True]:
            label, n = "2", 2
        else:
            label, n = ("mixed", 0) if rng.uniform() < 0.5 else ("disordered", 0)
        stage.append([t, s, x, n, label])
    write_csv(os.path.join(analysis, "staging.csv"),
              ["time_ps", "step", "soc", "gallery", "num_ions", "capacity", "occupancy", "sqrt3_order"], staging)
    write_csv(os.path.join(analysis, "stage.csv"), ["time_ps", "step", "soc", "stage", "label"], stage)
    write_csv(os.path.join(analysis, "spacing.csv"),
              ["time_ps", "step", "soc", "gallery", "spacing_A", "num_ions"], spacing)
    bins = []
    for lo in np.arange(0.0, 1.0, 0.1):
        values = [row[4] for row in spacing if lo <= row[2] < lo + 0.1 or (lo >= 0.9 and row[2] == 1.0)]
        bins.append([lo, lo + 0.1, float(np.mean(values)), float(np.std(values) / math.sqrt(len(values))), len(values)])
    write_csv(os.path.join(analysis, "spacing_vs_soc.csv"),
              ["soc_lo", "soc_hi", "mean_spacing_A", "stderr_A", "count"], bins)
    # layers: layer 2 slides from B to C during the first discharge.
    layers, stacking = [], []
    for t, s, x in zip(times, steps, socs):
        for layer in range(NUM_LAYERS):
            shift = 0.02 * rng.normal()
            registry = "AB"[layer % 2]
            if layer == 2 and t >= 15.0:
                shift += 1.42
                registry = "C"
            layers.append([t, s, x, layer, 3.5 * layer, registry, shift, 0.0, abs(shift)])
        stacking.append([t, s, x, "AB" if t < 15.0 else "?"])
    write_csv(os.path.join(analysis, "layers.csv"),
              ["time_ps", "step", "soc", "layer", "height_A", "registry", "shift_x_A", "shift_y_A", "shift_A"], layers)
    write_csv(os.path.join(analysis, "stacking.csv"), ["time_ps", "step", "soc", "stacking"], stacking)
    write_csv(os.path.join(analysis, "sliding_events.csv"), ["time_ps", "step", "layer", "from", "to"],
              [[15.0, 15000, 2, "B", "C"]])
    # stress: compressive in-plane and tensile out of plane with lithiation, plus noise.
    stress = []
    for t, s, x in zip(times, steps, socs):
        sxx = stress_scale * (-1.5 * x + rng.normal(0, 0.1))
        syy = stress_scale * (-1.4 * x + rng.normal(0, 0.1))
        szz = stress_scale * (0.8 * x + rng.normal(0, 0.1))
        shear = rng.normal(0, 0.05, 3)
        stress.append([t, s, x, sxx, syy, szz, *shear, -(sxx + syy + szz) / 3])
    write_csv(os.path.join(analysis, "stress.csv"),
              ["time_ps", "step", "soc", "sxx_GPa", "syy_GPa", "szz_GPa", "syz_GPa", "sxz_GPa", "sxy_GPa",
               "pressure_GPa"], stress)
    segments = ["all"] + [f"c{c}.{h}" for c in (1, 2) for h in ("charge", "discharge")] + \
        [f"c{c}.s{j + 1}.{step[0]}" for c in (1, 2) for j, step in enumerate(STEPS)]
    write_csv(os.path.join(analysis, "stress_segments.csv"),
              ["segment", "cycle", "half_cycle", "start_ps", "end_ps", "d_sxx_GPa", "d_syy_GPa", "d_szz_GPa",
               "d_pressure_GPa", "rate_pressure_GPa_per_ps"],
              [[f"c{c}.{h}", c, h, (c - 1) * CYCLE_PS + (0 if h == "charge" else 12), (c - 1) * CYCLE_PS +
                (10 if h == "charge" else 22), -1.5, -1.4, 0.8, 0.7, 0.07] for c in (1, 2) for h in ("charge", "discharge")])
    write_csv(os.path.join(analysis, "residual_stress.csv"),
              ["cycle", "sxx_start_GPa", "sxx_end_GPa", "syy_start_GPa", "syy_end_GPa", "szz_start_GPa",
               "szz_end_GPa", "d_pressure_GPa"], [[c, 0.0, 0.05, 0.0, 0.04, 0.0, -0.02, -0.02] for c in (1, 2)])
    # msd: D = 1e-5 cm2/s (0.1 A2/ps) for the ion, slower on discharge; host nearly still.
    msd, diffusion = [], []
    for segment in segments:
        d = 0.1 * (0.7 if "discharge" in segment else 1.0)
        for species, factor in (("Li", 1.0), ("host", 0.01)):
            for lag in np.arange(0.0, 5.01, 0.5):
                total = 6 * d * factor * lag * (1 + rng.normal(0, 0.02))
                msd.append([segment, species, lag, total, 2 / 3 * total, 1 / 3 * total, max(1, int(40 - 5 * lag))])
            diffusion.append([segment, species, 24, d * factor * 1e-4, 0.1 * d * factor * 1e-4,
                              d * factor * 1e-4, 0.1 * d * factor * 1e-4, d * factor * 1e-4, 0.2 * d * factor * 1e-4,
                              1.0, 4.0, 5, (0.01 if species == "Li" else math.nan), (0.001 if species == "Li" else math.nan)])
    write_csv(os.path.join(analysis, "msd.csv"),
              ["segment", "species", "lag_ps", "msd_A2", "msd_inplane_A2", "msd_normal_A2", "count"], msd)
    write_csv(os.path.join(analysis, "diffusion.csv"),
              ["segment", "species", "num_ions", "D_cm2_s", "D_err_cm2_s", "D_inplane_cm2_s", "D_inplane_err_cm2_s",
               "D_normal_cm2_s", "D_normal_err_cm2_s", "fit_start_ps", "fit_end_ps", "blocks", "conductivity_S_cm",
               "conductivity_err_S_cm"], diffusion)
    # hops: in-plane hops all along, a few interlayer hops near a vacancy.
    hops = []
    for k, t in enumerate(np.sort(rng.uniform(0.0, 2 * CYCLE_PS, 60))):
        interlayer = k % 10 == 0
        g = k % NUM_GALLERIES
        hops.append([t, int(t * 1000), 36 + k % 24, "interlayer" if interlayer else "inplane", g,
                     (g + 1) % NUM_GALLERIES if interlayer else g, 1.0, 2.0, 3.0 + 3.5 * g, 2.4, 2.0,
                     3.0 + 3.5 * (g + interlayer), "vacancy" if interlayer else ""])
    write_csv(os.path.join(analysis, "hops.csv"),
              ["time_ps", "step", "ion_id", "kind", "from_gallery", "to_gallery", "from_x_A", "from_y_A", "from_z_A",
               "to_x_A", "to_y_A", "to_z_A", "near"], hops)
    write_csv(os.path.join(analysis, "hop_rates.csv"),
              ["segment", "inplane_rate_per_ps", "inplane_err_per_ps", "interlayer_rate_per_ps", "interlayer_err_per_ps",
               "ion_time_ps"], [[seg, 0.12, 0.02, 0.013, 0.005, 500.0] for seg in segments])
    # asymmetry per cycle
    quantities = [("D", "cm2/s", 1e-5, 0.7e-5, 1e-6), ("inplane_rate", "1/ps", 0.12, 0.10, 0.02),
                  ("sliding", "A", 0.1, 1.4, 0.05), ("stress_rate", "GPa/ps", -0.07, 0.07, 0.01),
                  ("voltage", "V", 0.12, 0.31, 0.03)]
    asymmetry = [[c, q, u, a, e, b, e, a - b, e * math.sqrt(2)] for c in (1, 2) for q, u, a, b, e in quantities]
    write_csv(os.path.join(analysis, "asymmetry.csv"),
              ["cycle", "quantity", "unit", "charge", "charge_err", "discharge", "discharge_err", "difference",
               "difference_err"], asymmetry)
    cycles = []
    for c in (1, 2):
        for j, (kind, half, start, end) in enumerate(STEPS):
            t0, t1 = (c - 1) * CYCLE_PS + start, (c - 1) * CYCLE_PS + end
            inserted = 24 if kind == "intercalate" else 0
            removed = 24 if kind == "deintercalate" else 0
            cycles.append([c, j + 1, kind, half, t0, t1, t1 - t0, inserted, removed, soc_at(t0), soc_at(t1 - 1e-9), 0])
    write_csv(os.path.join(analysis, "cycles.csv"),
              ["cycle", "step_index", "step_type", "half_cycle", "start_ps", "end_ps", "duration_ps", "inserted",
               "removed", "soc_start", "soc_end", "trapped"], cycles)
    # voltage: insertion around 0.1 V, removal 0.2 V higher (hysteresis).
    voltage, profile_rows = [], {}
    for c in (1, 2):
        for k in range(24):
            for direction, base, t0 in (("insertion", 0.1, 0.0), ("removal", 0.3, 12.0)):
                x = (k + 1) / 24 if direction == "insertion" else 1 - k / 24
                v = base - 0.15 * x + rng.normal(0, 0.03)
                voltage.append([(c - 1) * CYCLE_PS + t0 + 10.0 * k / 24, x, direction, v])
                key = (min(int(x / 0.1), 9), direction)
                profile_rows.setdefault(key, []).append(v)
    write_csv(os.path.join(analysis, "voltage.csv"), ["time_ps", "soc", "direction", "voltage_V"], voltage)
    profile = [[b * 0.1, b * 0.1 + 0.1, d, len(v), float(np.mean(v)),
                (float(np.std(v, ddof=1) / math.sqrt(len(v))) if len(v) > 1 else math.nan)]
               for (b, d), v in sorted(profile_rows.items())]
    write_csv(os.path.join(path, "voltage_profile.csv"),
              ["soc_lo", "soc_hi", "direction", "count", "mean_V", "stderr_V"], profile)
    with open(os.path.join(path, "summary.json"), "w") as handle:
        json.dump({"run": {"name": os.path.basename(path), "seed": seed},
                   "ion": {"species": "Li", "capacity": 24.0},
                   "protocol_steps": [{"cycle": c, "step": j + 1, "type": s[0], "start_ps": (c - 1) * CYCLE_PS + s[2],
                                       "end_ps": (c - 1) * CYCLE_PS + s[3]} for c in (1, 2) for j, s in enumerate(STEPS)],
                   "analysis": {"warnings": []}}, handle, indent=1)


# ----------------------------------------------------------------------------------------------


def run_script(*args):
    result = subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=600)
    return result


def check_png(path, what):
    if not check(os.path.isfile(path), f"{what}: {os.path.basename(path)} was not written"):
        return
    try:
        with Image.open(path) as image:
            image.load()
            check(image.format == "PNG", f"{what}: {path} is {image.format}, not PNG")
            width, height = image.size
            check(300 <= width <= 6000 and 200 <= height <= 8000,
                  f"{what}: {path} has an odd size {width}x{height}")
            pixels = np.asarray(image.convert("RGB"), dtype=float)
            check(pixels.std() > 0, f"{what}: {path} is blank (one colour)")
    except Exception as error:  # noqa: BLE001
        check(False, f"{what}: {path} does not open as an image ({error})")


def check_clean(result, what, status=0):
    check(result.returncode == status, f"{what}: exit status {result.returncode}, expected {status}\n"
          f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    check("Traceback" not in result.stderr + result.stdout, f"{what}: a traceback was printed:\n{result.stderr}")


def written(result):
    return {os.path.basename(line[len("plot: "):].strip()) for line in result.stdout.splitlines()
            if line.startswith("plot: ")}


def test_full_run(root):
    run = os.path.join(root, "pristine")
    make_run(run, seed=1)
    result = run_script(run)
    check_clean(result, "full run")
    check(written(result) == set(RUN_PLOTS), f"full run: printed {sorted(written(result))}, expected all plots")
    for name in RUN_PLOTS:
        check_png(os.path.join(run, "plots", name), "full run")
    leftovers = [f for f in os.listdir(os.path.join(run, "plots")) if not f.endswith(".png")]
    check(not leftovers, f"full run: temporary files left in plots/: {leftovers}")
    result = run_script("--msd-loglog", run)
    check_clean(result, "log-log MSD")
    check_png(os.path.join(run, "plots", "msd.png"), "log-log MSD")
    return run


def test_audit(root, pristine):
    """audit.png appears for a run with an audit.csv (and only then: test_full_run)."""
    run = os.path.join(root, "audited")
    shutil.copytree(pristine, run)
    write_csv(os.path.join(run, "audit.csv"),
              ["step", "time_fs", "atoms", "energy_error_meV_per_atom", "force_rmse_eV_per_A",
               "force_max_eV_per_A", "stress_rmse_GPa", "exceeded"],
              [[k * 100, k * 100.0, 36, 0.5 * k, 0.02 * k, 0.05 * k, "" if k == 2 else 0.01, int(k > 3)]
               for k in range(6)])
    result = run_script(run)
    check_clean(result, "audited run")
    check("audit.png" in written(result), f"audited run: printed {sorted(written(result))}, no audit.png")
    check_png(os.path.join(run, "plots", "audit.png"), "audited run")


def test_damaged_tables(root):
    run = os.path.join(root, "damaged")
    make_run(run, seed=2)
    analysis = os.path.join(run, "analysis")
    open(os.path.join(analysis, "staging.csv"), "w").close()                      # empty file
    with open(os.path.join(analysis, "stress.csv")) as handle:                     # header only
        header = handle.readline()
    with open(os.path.join(analysis, "stress.csv"), "w") as handle:
        handle.write(header)
    with open(os.path.join(analysis, "msd.csv"), "a") as handle:                   # truncated row
        handle.write("all,Li,5.5,3.3")
    lines = open(os.path.join(analysis, "hops.csv")).read().splitlines()          # a non-number
    fields = lines[5].split(",")
    fields[0] = "12.5x"
    lines[5] = ",".join(fields)
    with open(os.path.join(analysis, "hops.csv"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    os.remove(os.path.join(analysis, "layers.csv"))                                # missing
    with open(os.path.join(analysis, "cycles.csv"), "w") as handle:                # bad optional table
        handle.write("cycle,start_ps\n1,2\n")
    # A stale plot of a now-unreadable table must not survive.
    os.makedirs(os.path.join(run, "plots"))
    shutil.copy(os.path.join(root, "pristine", "plots", "hops.png"), os.path.join(run, "plots", "hops.png"))

    result = run_script(run)
    check_clean(result, "damaged tables")
    skipped = {"staging_map.png": "staging.csv", "stress_vs_time.png": "stress.csv",
               "stress_vs_soc.png": "stress.csv", "msd.png": "msd.csv", "hops.png": "hops.csv",
               "sliding.png": "layers.csv"}
    for name in RUN_PLOTS:
        path = os.path.join(run, "plots", name)
        if name in skipped:
            check(not os.path.exists(path), f"damaged tables: {name} written although {skipped[name]} is bad")
        else:
            check_png(path, "damaged tables")
    check(written(result) == set(RUN_PLOTS) - set(skipped),
          f"damaged tables: printed {sorted(written(result))}")
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    for table in ("staging.csv", "stress.csv", "msd.csv", "hops.csv", "layers.csv", "cycles.csv"):
        check(any(table in line for line in warnings), f"damaged tables: no warning names {table}:\n{result.stderr}")
    for name in skipped:
        check(any(name in line for line in warnings), f"damaged tables: no warning names {name}")
    check(any("line" in line and "msd.csv" in line for line in warnings),
          "damaged tables: the truncated msd.csv row's line is not named")
    check(any("12.5x" in line for line in warnings), "damaged tables: the non-number in hops.csv is not quoted")


def test_no_analysis(root):
    run = os.path.join(root, "bare")
    os.makedirs(run)
    result = run_script(run)
    check_clean(result, "no analysis/", status=2)
    check("analysis" in result.stderr and "error" in result.stderr,
          f"no analysis/: no clear message:\n{result.stderr}")
    os.makedirs(os.path.join(run, "analysis"))
    open(os.path.join(run, "analysis", "stress.csv"), "w").close()
    result = run_script(run)
    check_clean(result, "nothing readable", status=2)
    check(not os.listdir(os.path.join(run, "plots")), "nothing readable: plots written")
    result = run_script(os.path.join(root, "does-not-exist"))
    check_clean(result, "missing run directory", status=2)


def test_compare(root, pristine):
    fault = os.path.join(root, "stacking_fault")
    make_run(fault, seed=3, spacing_offset=0.05, stress_scale=1.3)
    out = os.path.join(root, "compare")
    os.makedirs(out)
    names = ["pristine", "stacking_fault"]
    write_csv(os.path.join(out, "comparison.csv"), ["quantity", "unit"] + names,
              [["D", "cm2/s", 1.0e-5, 0.8e-5], ["D_err", "cm2/s", 1e-6, 1.2e-6],
               ["mean_spacing", "A", 3.52, 3.57], ["residual_pressure", "GPa", 0.02, math.nan],
               ["hysteresis", "V", 0.2, 0.26]])
    result = run_script("--compare", out, pristine, fault)
    check_clean(result, "compare")
    check(written(result) == set(COMPARE_PLOTS), f"compare: printed {sorted(written(result))}")
    for name in COMPARE_PLOTS:
        check_png(os.path.join(out, "plots", name), "compare")

    # Uncertainties as columns "<run>_err" instead of rows: still one bar per run.
    write_csv(os.path.join(out, "comparison.csv"),
              ["quantity", "unit", "pristine", "pristine_err", "stacking_fault", "stacking_fault_err"],
              [["D", "cm2/s", 1.0e-5, 1e-6, 0.8e-5, 1.2e-6], ["mean_spacing", "A", 3.52, 0.01, 3.57, 0.02]])
    result = run_script("--compare", out, pristine, fault)
    check_clean(result, "compare, error columns")
    check_png(os.path.join(out, "plots", "comparison.png"), "compare, error columns")

    # One run's stress table broken, comparison.csv missing: the rest still drawn, exit 0.
    with open(os.path.join(fault, "analysis", "stress.csv"), "a") as handle:
        handle.write("1.0,2,nonsense\n")
    os.remove(os.path.join(out, "comparison.csv"))
    shutil.rmtree(os.path.join(out, "plots"))
    result = run_script("--compare", out, pristine, fault)
    check_clean(result, "compare, damaged")
    check(written(result) == set(COMPARE_PLOTS) - {"comparison.png"},
          f"compare, damaged: printed {sorted(written(result))}")
    check(not os.path.exists(os.path.join(out, "plots", "comparison.png")),
          "compare, damaged: comparison.png written without comparison.csv")
    check(any("comparison.csv" in line for line in result.stderr.splitlines()),
          f"compare, damaged: no warning names comparison.csv:\n{result.stderr}")
    check(any("stacking_fault" in line and "stress.csv" in line for line in result.stderr.splitlines()),
          f"compare, damaged: no warning names the run and its stress.csv:\n{result.stderr}")
    for name in COMPARE_PLOTS[1:]:
        check_png(os.path.join(out, "plots", name), "compare, damaged")

    # Malformed comparison.csv (a non-number): warned, skipped.
    with open(os.path.join(out, "comparison.csv"), "w") as handle:
        handle.write("quantity,unit,pristine,stacking_fault\nD,cm2/s,1e-5,abc\n")
    result = run_script("--compare", out, pristine, fault)
    check_clean(result, "compare, bad comparison.csv")
    check(any("comparison.csv" in line and "line 2" in line for line in result.stderr.splitlines()),
          f"compare, bad comparison.csv: no warning naming its line:\n{result.stderr}")

    # Nothing readable at all: exit 2.
    empty = os.path.join(root, "compare-empty")
    os.makedirs(empty)
    result = run_script("--compare", empty, os.path.join(root, "bare-a"), os.path.join(root, "bare-b"))
    check_clean(result, "compare, nothing readable", status=2)
    check("error" in result.stderr, f"compare, nothing readable: no message:\n{result.stderr}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ioncycle", help="ioncycle binary (not needed by this test)")
    parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ioncycle-plots-") as root:
        pristine = test_full_run(root)
        test_audit(root, pristine)
        test_damaged_tables(root)
        test_no_analysis(root)
        test_compare(root, pristine)
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("all plot checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
