# SPDX-License-Identifier: MIT
"""What D3(BJ) adds to a NEP student's MD step, at several cutoffs.

    .venv/bin/python benchmarks/d3_next_to_nep.py [--sizes 1000,10000] [--repeats 2]

The student and the Li_xC6 structures are those of benchmarks/nep_vs_torchnep.py (a production-size
NEP4 model, cutoff 6/4 A, 30 neurons, random weights). Each row runs `ioncycle md` (NVE from 300 K,
dt = 1 fs, 2 OpenMP threads, neighbor-list rebuilds of both terms included) with `nep:STUDENT` and
with `nep:STUDENT+d3` at the given D3 cutoffs; D3's cost is the difference of the two wall times per
step, its share that difference over the NEP-only step. Runs alternate (NEP, NEP+D3, NEP, ...) so
that drifts of the machine hit both alike; the medians of `--repeats` runs are reported.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
from mlip_overhead import ioncycle_md, run  # noqa: E402
from nep_vs_torchnep import lixc6, student_model  # noqa: E402

BOHR = 0.529177210903


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-reference", action="store_true", help="leave out the 95 / 40 bohr rows")
    args = ap.parse_args()
    from ase.io import write
    run(["cmake", "--build", os.path.join(ROOT, "build"), "--target", "ioncycle", "--parallel", "2"], None)
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    def d3(cutoff, cn_cutoff, tail):
        return (f'[potential.d3]\ncutoff = "{cutoff}"\ncn_cutoff = "{cn_cutoff}"\n'
                f'tail_correction = {"true" if tail else "false"}')
    settings = [("default (9 / 6 A, tail)", ""), ("10 / 6 A, tail", d3("10 A", "6 A", True)),
                ("12 / 6 A, tail", d3("12 A", "6 A", True)), ("12 / 8 A, tail", d3("12 A", "8 A", True)),
                ("95 / 40 bohr, no tail", d3("95 bohr", "40 bohr", False))]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        sizes = [int(s) for s in args.sizes.split(",")]
        paths = {}
        for n in sizes:
            atoms = lixc6(n)
            paths[n] = (os.path.join(work, f"lixc6_{len(atoms)}.xyz"), len(atoms))
            write(paths[n][0], atoms, format="extxyz")
        model = student_model(work, paths[sizes[0]][0])
        for n in sizes:
            xyz, atoms = paths[n]
            steps = max(60, int(round(100 * 1000 / atoms)))
            for label, extra in settings:
                if "95" in label and (atoms > 2000 or args.skip_reference):
                    continue  # O(N^2) below three cutoffs per cell edge: minutes per step
                alone, summed = [], []
                for r in range(args.repeats):
                    tag = f"n{atoms}_{len(rows)}_{r}"
                    s = ioncycle_md(work, xyz, f"nep:{model}", steps, env, tag + "_nep", thermo_every=f"{steps} fs")
                    alone.append(s["performance"]["wall_time_s"] / steps)
                    s = ioncycle_md(work, xyz, f"nep:{model}+d3", steps, env, tag + "_d3", thermo_every=f"{steps} fs",
                                    potential_extra=extra)
                    summed.append(s["performance"]["wall_time_s"] / steps)
                t_nep, t_sum = statistics.median(alone), statistics.median(summed)
                row = {"atoms": atoms, "steps": steps, "d3": label, "nep_ms": 1e3 * t_nep, "nep_d3_ms": 1e3 * t_sum,
                       "d3_ms": 1e3 * (t_sum - t_nep), "share": (t_sum - t_nep) / t_nep,
                       "d3_us_per_atom": 1e6 * (t_sum - t_nep) / atoms}
                rows.append(row)
                print(json.dumps(row), flush=True)
    print(f"\n| atoms | D3 cutoffs | NEP step (ms) | NEP + D3 step (ms) | D3 (ms) | D3 per atom (us) | "
          f"D3 / NEP step |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['atoms']} | {r['d3']} | {r['nep_ms']:.2f} | {r['nep_d3_ms']:.2f} | {r['d3_ms']:.2f} | "
              f"{r['d3_us_per_atom']:.2f} | {100 * r['share']:.0f} % |")
    print(f"({args.threads} threads, medians of {args.repeats} runs)")


if __name__ == "__main__":
    main()
