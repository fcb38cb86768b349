# SPDX-License-Identifier: MIT
"""Relax the graphite electrode's reference cells with one or more potentials and print their facts
(docs/validation.md, "The electrode's facts with a teacher").

    .venv/bin/python benchmarks/electrode_facts.py [--threads N] [--sites] [--out DIR] LABEL=SPEC ...

Each SPEC is an `ioncycle eval --potential` spec string ("default", "sevennet", "sevennet:PATH+d3",
"nep:runs/li-graphite/nep.txt+d3", ...); LABEL names its row. Everything is computed by ioncycle
itself: `ioncycle build` makes the cells, `ioncycle md` with `steps = 0` and a `[minimize]` table
relaxes them (FIRE, force 0.005 eV/A; with the cell, pressure 0 and stress 0.02 GPa, the in-plane
axes coupled), `ioncycle eval --json` gives the energies. The cells:

- AB graphite, 2x2 in-plane, 2 layers (16 C): d002 = c/2 and a;
- the same cell with its layers 15 A apart at the relaxed a (no relaxation: flat sheets): the
  interlayer binding, (E_apart - E_bulk) / N;
- LiC6, the builder's AA sqrt3 x sqrt3 cell (6 C + 1 Li): the gallery spacing c, a, the c
  expansion from graphite, and the formation energy E(LiC6) - 6 E(C in graphite) - E(Li in bcc Li);
- bcc Li (2 atoms, cubic, isotropic): a and the energy per atom, which is mu_ref at 0 K.

With --sites also the Li site energies E(host + Li) - E(host) - mu_ref, positions relaxed at the
fixed cell of the built host: a gallery hollow of AB graphite 3x3x2, the gallery site above a
vacancy in 4x4x2, and a gallery site next to the free zigzag edge of a 2-layer graphite ribbon.
These need the same starting geometry for every potential, so they are built once and shared.

Output: one Markdown table (and DIR/facts.json). A relaxation that does not converge is marked.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from ase.io import read, write

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "build", "ioncycle")


def run(args, cwd=None):
    r = subprocess.run([BINARY] + args, capture_output=True, text=True, cwd=cwd)
    if r.returncode != 0:
        raise RuntimeError(f"ioncycle {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
    return r.stdout


def build(work, name, table):
    spec = os.path.join(work, name + ".build.toml")
    with open(spec, "w") as f:
        f.write("[structure]\n" + table)
    out = os.path.join(work, name + ".extxyz")
    run(["build", "-o", out, spec])
    return out


def relax(work, name, structure, potential, threads, cell=None):
    """Relax `structure` with `potential` (positions; `cell` is the [minimize] cell table or None)
    and return (relaxed frame, energy in eV, converged)."""
    out = os.path.join(work, name)
    if os.path.exists(out):
        shutil.rmtree(out)
    toml = os.path.join(work, name + ".md.toml")
    with open(toml, "w") as f:
        f.write(f'[structure]\nfile = "{structure}"\n[potential]\nspec = "{potential}"\n'
                '[minimize]\nforce_tolerance = "0.005 eV/A"\nmax_steps = 3000\n')
        if cell:
            f.write(f"cell = {cell}\n")
        f.write(f'[md]\ntimestep = "1 fs"\nsteps = 0\n[output]\ndirectory = "{out}"\n')
    log = run(["md", "--threads", str(threads), toml])
    converged = "minimized   converged" in log
    relaxed = os.path.join(out, "initial.extxyz")
    return read(relaxed), energy(relaxed, potential, threads), converged


def energy(structure, potential, threads):
    out = run(["eval", "--json", "--threads", str(threads), "--potential", potential, structure])
    return json.loads(out)["energy_eV"]


def layer_heights(atoms):
    z = np.sort(atoms.positions[atoms.numbers == 6][:, 2])
    groups = [[z[0]]]
    for v in z[1:]:
        (groups[-1].append(v) if v - groups[-1][-1] < 0.5 else groups.append([v]))
    return [float(np.mean(g)) for g in groups]


def facts(label, potential, shared, work, threads, sites):
    cell_inplane = '{ pressure = "0 bar", couple = "xy z", stress_tolerance = "0.02 GPa" }'
    cell_iso = '{ pressure = "0 bar", couple = "xyz", stress_tolerance = "0.02 GPa" }'
    row = {"label": label, "potential": potential, "unconverged": []}

    def note(name, ok):
        if not ok:
            row["unconverged"].append(name)

    g, e_g, ok = relax(work, "graphite", shared["graphite"], potential, threads, cell_inplane)
    note("graphite", ok)
    n_c = len(g)
    a = float(np.linalg.norm(g.cell[0])) / 2.0
    row["d002_A"] = float(g.cell[2][2]) / 2.0
    row["a_A"] = a
    apart = g.copy()
    top = apart.positions[:, 2] > apart.cell[2][2] / 2.0
    apart.positions[top, 2] += 15.0 - row["d002_A"]
    apart.set_cell([apart.cell[0], apart.cell[1], [0.0, 0.0, 30.0]], scale_atoms=False)
    apart_path = os.path.join(work, "graphite-apart.extxyz")
    write(apart_path, apart, format="extxyz")
    row["binding_meV_per_atom"] = (energy(apart_path, potential, threads) - e_g) / n_c * 1000.0

    li, e_li, ok = relax(work, "bcc-li", shared["bcc"], potential, threads, cell_iso)
    note("bcc Li", ok)
    row["bcc_li_a_A"] = float(np.cbrt(li.get_volume() / len(li) * 2.0))
    mu_ref = e_li / len(li)
    row["mu_ref_eV"] = mu_ref

    l6, e_l6, ok = relax(work, "lic6", shared["lic6"], potential, threads, cell_inplane)
    note("LiC6", ok)
    n_li6 = int(np.sum(l6.numbers == 3))
    n_c6 = int(np.sum(l6.numbers == 6))
    row["lic6_spacing_A"] = float(l6.cell[2][2]) / len(layer_heights(l6))
    row["lic6_a_A"] = float(np.linalg.norm(l6.cell[0]))  # the sqrt3 x sqrt3 cell's a (expt 4.305 A)
    row["c_expansion_pct"] = (row["lic6_spacing_A"] / row["d002_A"] - 1.0) * 100.0
    row["lic6_formation_eV_per_li"] = (e_l6 - n_c6 * e_g / n_c - n_li6 * mu_ref) / n_li6

    if sites:
        for name in ("gallery", "vacancy", "edge"):
            host, e_host, ok_h = relax(work, f"site-{name}-host", shared[f"{name}_host"], potential, threads)
            with_li, e_with, ok_l = relax(work, f"site-{name}-li", shared[f"{name}_li"], potential, threads)
            note(f"{name} site", ok_h and ok_l)
            row[f"site_{name}_eV"] = e_with - e_host - mu_ref
    return row


def gallery_point(atoms, xy):
    """A Li position at `xy` (fractional in-plane) in the middle of the lowest gallery."""
    h = layer_heights(atoms)
    p = xy[0] * atoms.cell[0] + xy[1] * atoms.cell[1]
    return [p[0], p[1], 0.5 * (h[0] + h[1])]


def with_li(path, position, out):
    atoms = read(path)
    from ase import Atom
    ids = atoms.arrays.get("id")
    atoms.append(Atom("Li", position))
    if ids is not None:  # ioncycle's persistent ids: the new atom gets a fresh one
        atoms.arrays["id"][-1] = int(ids.max()) + 1
    write(out, atoms, format="extxyz")
    return out


def shared_cells(work, sites):
    cells = {
        "graphite": build(work, "graphite", 'builder = "graphite"\nrepeat = [2, 2]\nlayers = 2\n'),
        "lic6": build(work, "lic6", 'builder = "graphite"\nphase = "LiC6"\n'),
    }
    bcc = os.path.join(work, "bcc.extxyz")
    with open(bcc, "w") as f:
        f.write('2\nLattice="3.44 0 0 0 3.44 0 0 0 3.44" Properties=species:S:1:pos:R:3 pbc="T T T"\n'
                "Li 0 0 0\nLi 1.72 1.72 1.72\n")
    cells["bcc"] = bcc
    if sites:
        # Gallery: above the centre of a hexagon of the lower layer, (1/3, 1/3) of the 3x3 cell's
        # first hexagon of layer A (sites at 0 and 1/3,2/3 of the primitive cell).
        cells["gallery_host"] = build(work, "gallery", 'builder = "graphite"\nrepeat = [3, 3]\nlayers = 2\n')
        g = read(cells["gallery_host"])
        cells["gallery_li"] = with_li(cells["gallery_host"], gallery_point(g, (2 / 9, 2 / 9)),
                                      os.path.join(work, "gallery-li.extxyz"))
        # Vacancy: the built 4x4x2 with one C removed from the bottom layer, Li above that hole.
        cells["vacancy_host"] = build(work, "vacancy", 'builder = "graphite"\nrepeat = [4, 4]\nlayers = 2\n')
        v = read(cells["vacancy_host"])
        h = layer_heights(v)
        lower = [i for i in range(len(v)) if abs(v.positions[i, 2] - h[0]) < 0.5]
        centre = 0.5 * (v.cell[0] + v.cell[1])
        hole = min(lower, key=lambda i: np.linalg.norm(v.positions[i, :2] - centre[:2]))
        site = [v.positions[hole, 0], v.positions[hole, 1], 0.5 * (h[0] + h[1])]
        del v[hole]
        write(cells["vacancy_host"], v, format="extxyz")
        cells["vacancy_li"] = with_li(cells["vacancy_host"], site, os.path.join(work, "vacancy-li.extxyz"))
        # Edge: a zigzag ribbon of 2 layers, Li in the gallery one ring in from the edge at low x.
        cells["edge_host"] = build(work, "edge", 'builder = "graphite"\nrepeat = [4, 2]\nlayers = 2\n'
                                                 'edge = "zigzag"\n')
        e = read(cells["edge_host"])
        he = layer_heights(e)
        lower = e.positions[np.abs(e.positions[:, 2] - he[0]) < 0.5]
        x_edge = lower[:, 0].min()
        near = lower[lower[:, 0] < x_edge + 1.6]
        y = float(np.mean(near[:, 1]))
        cells["edge_li"] = with_li(cells["edge_host"], [x_edge + 1.2, y, 0.5 * (he[0] + he[1])],
                                   os.path.join(work, "edge-li.extxyz"))
    return cells


COLUMNS = [("d002_A", "d002 (Å)", "{:.3f}"), ("a_A", "a (Å)", "{:.3f}"),
           ("binding_meV_per_atom", "binding (meV/atom)", "{:.1f}"), ("lic6_spacing_A", "LiC6 spacing (Å)", "{:.3f}"),
           ("c_expansion_pct", "c expansion (%)", "{:.1f}"), ("lic6_formation_eV_per_li", "LiC6 formation (eV/Li)", "{:.3f}"),
           ("bcc_li_a_A", "bcc Li a (Å)", "{:.3f}"), ("mu_ref_eV", "μ_ref (eV)", "{:.3f}"),
           ("site_gallery_eV", "site: gallery (eV)", "{:.3f}"), ("site_vacancy_eV", "site: vacancy (eV)", "{:.3f}"),
           ("site_edge_eV", "site: edge (eV)", "{:.3f}")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("potentials", nargs="+", help="LABEL=SPEC")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--sites", action="store_true", help="also the Li site energies (slower)")
    ap.add_argument("--out", default=None, help="keep the work files and facts.json here")
    args = ap.parse_args()
    work = args.out or tempfile.mkdtemp(prefix="electrode-facts-")
    os.makedirs(work, exist_ok=True)
    shared = shared_cells(work, args.sites)
    rows = []
    for item in args.potentials:
        label, _, spec = item.partition("=")
        if not spec:
            label, spec = item, item
        sub = os.path.join(work, label.replace("/", "_").replace(" ", "_"))
        os.makedirs(sub, exist_ok=True)
        rows.append(facts(label, spec, shared, sub, args.threads, args.sites))
        print(f"done: {label}", file=sys.stderr, flush=True)
    with open(os.path.join(work, "facts.json"), "w") as f:
        json.dump(rows, f, indent=2)
    cols = [c for c in COLUMNS if all(c[0] in r for r in rows)]
    print("| potential | " + " | ".join(c[1] for c in cols) + " |")
    print("|---|" + "---|" * len(cols))
    for r in rows:
        cells = [c[2].format(r[c[0]]) for c in cols]
        mark = f" (not converged: {', '.join(r['unconverged'])})" if r["unconverged"] else ""
        print(f"| {r['label']}{mark} | " + " | ".join(cells) + " |")
    print(f"work files and facts.json in {work}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
