# SPDX-License-Identifier: MIT
"""Plots of an `ioncycle distill` output directory (docs/distill.md).

    .venv/bin/python python/plot_distill.py OUTDIR

Reads OUTDIR/parity.csv, OUTDIR/parity_forces.csv and OUTDIR/errors.csv as `ioncycle distill`
writes them (docs/formats.md) and writes into OUTDIR/plots/:

  parity_energy.png   student against teacher energy per atom, held-out test and student-MD frames
  parity_forces.png   every force component, the same frames
  errors_by_round.png energy, force and stress RMSE of every round's model per set

A plot whose table is missing or empty is skipped with one warning line on stderr. Every written
file is printed as "plot: PATH". Exit status 0, or 2 when no table could be read.
"""
import csv
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_csv(path):
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except OSError as e:
        print(f"warning: {path}: {e.strerror}", file=sys.stderr)
        return None


def save(fig, path):
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    print(f"plot: {path}")


def parity(rows, label_key, model_key, scale, unit, title, path):
    fig, ax = plt.subplots(figsize=(5, 5))
    lo, hi = math.inf, -math.inf
    for set_name, marker in (("test", "o"), ("student_md", "^")):
        xs = [float(r[label_key]) * scale for r in rows if r["set"] == set_name]
        ys = [float(r[model_key]) * scale for r in rows if r["set"] == set_name]
        if not xs:
            continue
        n = len(xs)
        rmse = math.sqrt(sum((x - y) ** 2 for x, y in zip(xs, ys)) / n)
        ax.scatter(xs, ys, s=8, marker=marker, alpha=0.6, label=f"{set_name} ({n}; RMSE {rmse:.3g} {unit})")
        lo, hi = min(lo, *xs, *ys), max(hi, *xs, *ys)
    if lo < hi:
        ax.plot([lo, hi], [lo, hi], "k-", lw=0.8)
    ax.set_xlabel(f"teacher ({unit})")
    ax.set_ylabel(f"student ({unit})")
    ax.set_title(title)
    ax.legend(fontsize=8)
    save(fig, path)


def errors_by_round(rows, path):
    quantities = (("energy_rmse_meV_per_atom", "energy RMSE (meV/atom)"),
                  ("force_rmse_meV_per_A", "force RMSE (meV/Å)"),
                  ("stress_rmse_GPa", "stress RMSE (GPa)"))
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for ax, (key, label) in zip(axes, quantities):
        for set_name in ("train", "test", "student_md"):
            pts = [(int(r["round"]), float(r[key])) for r in rows
                   if r["set"] == set_name and r["category"] == "all" and r[key] != ""]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=set_name)
        ax.set_xlabel("round")
        ax.set_ylabel(label)
        ax.legend(fontsize=8)
    save(fig, path)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = argv[1]
    plots = os.path.join(out, "plots")
    os.makedirs(plots, exist_ok=True)
    read_any = False
    energies = read_csv(os.path.join(out, "parity.csv"))
    if energies:
        read_any = True
        parity(energies, "energy_label_eV_per_atom", "energy_model_eV_per_atom", 1.0, "eV/atom",
               "energy per atom", os.path.join(plots, "parity_energy.png"))
    forces = read_csv(os.path.join(out, "parity_forces.csv"))
    if forces:
        read_any = True
        parity(forces, "force_label_eV_per_A", "force_model_eV_per_A", 1.0, "eV/Å", "force components",
               os.path.join(plots, "parity_forces.png"))
    errors = read_csv(os.path.join(out, "errors.csv"))
    if errors:
        read_any = True
        errors_by_round(errors, os.path.join(plots, "errors_by_round.png"))
    return 0 if read_any else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
