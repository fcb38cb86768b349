# SPDX-License-Identifier: MIT
"""Time a whole `ioncycle distill` and report its student's errors (docs/benchmarks.md,
"Distilling a student").

    .venv/bin/python benchmarks/distill_student.py SPEC.toml [--output DIR] [--threads N]

Runs `ioncycle distill SPEC --output DIR --no-plots` (a fresh DIR: a resumed distill would time
only what was left), then prints from DIR/summary.json and DIR/log.txt: the wall time of the call
and per stage (sample = teacher MD and configuration building, label = teacher evaluations,
train = TorchNEP, student md, evaluate), the frame counts, the stop reason, and the student's
errors on the held-out test frames and on frames of its own MD that it never trained on, against
the issue's targets (E <= 3 meV/atom, F <= 80 meV/A, stress <= 0.2 GPa). The electrode's facts
(d002, LiC6 spacing, site energies, mu_ref against the teacher) are not measured here yet.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("spec")
    ap.add_argument("--output", default=None, help="output directory (default: a fresh one under /tmp)")
    ap.add_argument("--threads", default="2")
    args = ap.parse_args()
    out = args.output or os.path.join("/tmp", "distill-benchmark-" + str(os.getpid()))
    if os.path.exists(out):
        shutil.rmtree(out)
    binary = os.path.join(ROOT, "build", "ioncycle")
    start = time.monotonic()
    result = subprocess.run([binary, "distill", "--no-plots", "--threads", args.threads, "--output", out, args.spec],
                            capture_output=True, text=True)
    wall = time.monotonic() - start
    if result.returncode != 0:
        print(result.stdout + result.stderr, file=sys.stderr)
        return result.returncode
    d = json.load(open(os.path.join(out, "summary.json")))["distill"]
    print(f"wall time: {wall:.0f} s ({wall / 3600:.2f} h) with {args.threads} threads")
    print("stages (s): " + ", ".join(f"{k} {v:.0f}" for k, v in d["stage_seconds_this_call"].items()))
    f = d["frames"]
    print(f"frames: round 0 {f['round0']}, training {f['training']}, test {f['test']}, "
          f"selected per round {f['selected_per_round']}, dropped {f['dropped_large_force']}")
    print(f"stop: round {d['final_round']}, {d['stop_reason']}")
    print("| set | frames | E (meV/atom) | F (meV/A) | stress (GPa) |")
    print("|---|---|---|---|---|")
    for name, e in d["final_errors"].items():
        stress = e["stress_rmse_GPa"]
        print(f"| {name} | {e['frames']} | {e['energy_rmse_meV_per_atom']:.2f} | {e['force_rmse_meV_per_A']:.1f} | "
              f"{'' if stress is None else f'{stress:.3f}'} |")
    print(f"outputs in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
