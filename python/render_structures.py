# SPDX-License-Identifier: MIT
"""Render the pictures of docs/structures.md: each builder and stacking fault, built by
`ioncycle build` from the TOML shown next to its picture, drawn with ASE's matplotlib renderer.

    .venv/bin/python python/render_structures.py --ioncycle build/ioncycle

writes docs/images/structure-*.png and docs/structures.md. With --out DIR it writes both into
DIR instead (the test in tests/python/test_structure_pictures.py does that).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import ase.io

# (name, title, explanation, TOML, views). Views: "side" looks along x (the registry of each layer
# shows as the pattern of its atom columns), "top" looks down z, "front" looks along y.
ENTRIES = [
    ("graphite-ab", "Bernal (AB) graphite", "P6₃/mmc; layers 3.35 Å apart, C–C 1.42 Å.",
     """[structure]
builder = "graphite"
stacking = "AB"
repeat = [4, 3]
layers = 4
cell = "orthogonal"
""", ["side", "top"]),
    ("graphite-abc", "Rhombohedral (ABC) graphite", "R-3m; every layer shifted by one C–C bond from the one below.",
     """[structure]
builder = "graphite"
stacking = "ABC"
repeat = [4, 3]
layers = 6
cell = "orthogonal"
""", ["side"]),
    ("graphite-edge", "AB graphite slab with armchair edges", "Vacuum along x (edges) and z (surfaces): the galleries open to a free edge.",
     """[structure]
builder = "graphite"
repeat = [6, 3]
layers = 4
vacuum = "8 A"
edge = "armchair"
edge_vacuum = "8 A"
""", ["front", "top"]),
    ("graphene-zigzag", "Graphene ribbon with zigzag edges", "One sheet, vacuum along x and z.",
     """[structure]
builder = "graphene"
repeat = [3, 6]
edge = "zigzag"
edge_vacuum = "8 A"
""", ["top"]),
    ("lic6", "LiC6 (stage 1)", "AA stacking, Li above the hexagon centres of the √3 × √3 superlattice, 3.70 Å galleries; P6/mmm.",
     """[structure]
builder = "graphite"
phase = "LiC6"
repeat = [3, 3]
layers = 3
""", ["side", "top"]),
    ("lic12", "LiC12 (stage 2)", "Li in every second gallery.",
     """[structure]
builder = "graphite"
phase = "LiC12"
repeat = [2, 2]
layers = 4
cell = "orthogonal"
""", ["side"]),
    ("licoo2", "LiCoO2 (O3)", "R-3m: CoO2 slabs, Li in the octahedral sites of the galleries.",
     """[structure]
builder = "layered_oxide"
composition = "Co"
repeat = [4, 2]
cell = "orthogonal"
""", ["side"]),
    ("nmc811", "NMC811, random metals, half delithiated", "LiNi0.8Mn0.1Co0.1O2 with 60 metal sites; x = 0.5.",
     """[run]
seed = 11

[structure]
builder = "layered_oxide"
composition = "Ni0.8Mn0.1Co0.1"
repeat = [5, 4]
layers = 3
x = 0.5
""", ["side", "top"]),
    ("p2-nanimno", "P2-Na2/3(Ni1/3Mn2/3)O2", "Prismatic Na sites; Ni and Mn on the √3 × √3 superlattice.",
     """[structure]
builder = "layered_oxide"
composition = "Ni1/3Mn2/3"
ion = "Na"
polytype = "P2"
ordering = "sqrt3"
repeat = [6, 3]
x = 0.667
""", ["side", "top"]),
    ("fault-abc", "Stacking fault AB → ABC", "Layers 2–5 shifted by one C–C bond: ABABAB becomes ABCACA; c is tilted by the shift.",
     """[structure]
builder = "graphite"
stacking = "AB"
repeat = [4, 3]
layers = 6
cell = "orthogonal"

[[structure.fault]]
above_layer = 1
to = "AB->ABC"
""", ["side"]),
    ("fault-partial", "Partial fault (domain boundaries)", "Only the middle half of layer 2 along a slips into AA with layer 1.",
     """[structure]
builder = "graphite"
stacking = "AB"
repeat = [8, 2]
layers = 4
cell = "orthogonal"

[[structure.fault]]
layer = 2
to = "AA"
band = { axis = "a", from = 0.25, to = 0.75 }
""", ["front"]),
    ("fault-o1", "O3 → O1 glide in LiCoO2", "Slabs 3–5 glide so that slab 3 sits on slab 2 (O1); Li of that gallery move to its octahedral sites.",
     """[structure]
builder = "layered_oxide"
composition = "Co"
repeat = [4, 2]
layers = 6
cell = "orthogonal"

[[structure.fault]]
above_layer = 2
to = "O3->O1"
""", ["side"]),
]

ROTATIONS = {"side": "-90x,-90y", "front": "-90x", "top": ""}


def build(ioncycle, toml, directory, name):
    spec = os.path.join(directory, name + ".toml")
    with open(spec, "w") as f:
        f.write(toml)
    out = os.path.join(directory, name + ".extxyz")
    r = subprocess.run([ioncycle, "build", spec, "-o", out], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"ioncycle build failed for {name}:\n{r.stdout}{r.stderr}")
    return out, r.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ioncycle", required=True)
    parser.add_argument("--out", help="directory for the markdown and images (default: docs/)")
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    docs = args.out or os.path.join(root, "docs")
    images = os.path.join(docs, "images")
    os.makedirs(images, exist_ok=True)
    md = ["# Structures ioncycle builds", "",
          "Each picture is the structure `ioncycle build` writes for the TOML beside it (rendered with ASE;",
          "regenerate with `.venv/bin/python python/render_structures.py --ioncycle build/ioncycle`).",
          "Colours as in Jmol: grey C, light violet Li, purple Na, red O, pink Co, green Ni, violet Mn. \"side\" looks along x, so",
          "the registry of each layer shows as the pattern of its atom columns; \"front\" looks along y,",
          "\"top\" down z. Every key is explained in [builders.md](builders.md).", ""]
    with tempfile.TemporaryDirectory() as tmp:
        for name, title, text, toml, views in ENTRIES:
            path, log = build(args.ioncycle, toml, tmp, name)
            atoms = ase.io.read(path)
            md += [f"## {title}", "", text, "", "```toml", toml.rstrip("\n"), "```", ""]
            stacking = [line for line in log.splitlines() if line.startswith(("layers", "fault"))]
            if stacking:
                md += ["```", *stacking, "```", ""]
            for view in views:
                png = f"structure-{name}-{view}.png"
                ase.io.write(os.path.join(images, png), atoms, rotation=ROTATIONS[view], radii=0.45, scale=14,
                             show_unit_cell=2)
                md.append(f"![{title}, {view}](images/{png})")
            md.append("")
    with open(os.path.join(docs, "structures.md"), "w") as f:
        f.write("\n".join(md))
    print(f"wrote {os.path.join(docs, 'structures.md')} and {sum(len(e[4]) for e in ENTRIES)} pictures")


if __name__ == "__main__":
    main()
