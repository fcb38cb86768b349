# SPDX-License-Identifier: MIT
"""TorchNEP as the reference for ioncycle's native NEP kernel (tests/unit/potentials/test_nep.cpp).

Runs in the NEP trainer environment (.venv-nep, scripts/setup stage 2c); TorchNEP is GPL and is
only ever run as this separate program.

  nep_reference.py models OUTDIR STRUCTURE...
      Writes small NEP models with seeded random weights into OUTDIR, in GPUMD's nep.txt layout
      (written here, independently of TorchNEP's writer), one per feature the kernel must get
      right:
        nep4_6el        nep4, Li C O Mn Co Ni, cutoff 5/4 A, n_max 4/4, basis 8/8, l_max 4 2 1
        nep4_zbl_pairs  nep4_zbl, per-element cutoffs, universal ZBL 0.8-1.6 A, l_max 6 0 0 1 (q_112)
        nep4_zbl_flex   nep4_zbl, flexible ZBL ("zbl 0 0" + per-pair table), l_max 8 2 0
        nep3            nep3 (one network for every element), l_max 4 2 0
        nep3_as_nep4    the same model written as nep4 with the network repeated per element:
                        TorchNEP reads only nep4, and a nep3 model is exactly this nep4 model
      The q_scaler of each is GPUMD's: 1 / (max - min) of every descriptor component over the
      atoms of the given structures (descriptors from TorchNEP with q_scaler = 1), so that the
      network works in its trained range instead of saturating.
      Prints "MODEL name path" per model.

  nep_reference.py evaluate MODEL STRUCTURE...
      TorchNEP's ASE calculator (float64) on each structure. Prints
        RESULT path energy sxx syy szz syz sxz sxy        (eV; ASE stress, eV/A^3)
        ATOM path i energy_i fx fy fz                     (eV, eV/A)
"""
import os
import sys

import numpy as np


ELEMENTS = ["Li", "C", "O", "Mn", "Co", "Ni"]
ZBL_UNIVERSAL = [0.18175, 3.1998, 0.50986, 0.94229, 0.28022, 0.4029, 0.02817, 0.20162]


def dim_of(spec):
    blocks = spec["l_max"][0] + sum(1 for f in spec["l_max"][1:] if f)
    return spec["n_max"][0] + 1 + (spec["n_max"][1] + 1) * blocks


def random_parameters(spec, rng):
    T = len(spec["elements"])
    dim = dim_of(spec)
    neurons = spec["neurons"]
    nets = 1 if spec["version"] == "nep3" else T
    p = {"networks": []}
    for _ in range(nets):
        p["networks"].append({
            "w0": rng.uniform(-1.0, 1.0, (neurons, dim)) * 2.0 / np.sqrt(dim),
            "b0": rng.uniform(-0.5, 0.5, neurons),
            "w1": rng.uniform(-1.0, 1.0, neurons),
        })
    p["b1"] = rng.uniform(-0.5, 0.5)
    nr, na = spec["n_max"]
    kr, ka = spec["basis"]
    p["c_radial"] = rng.uniform(-1.0, 1.0, (nr + 1, kr + 1, T, T))
    p["c_angular"] = rng.uniform(-1.0, 1.0, (na + 1, ka + 1, T, T)) if spec["l_max"][0] > 0 else None
    p["q_scaler"] = np.ones(dim)
    if spec.get("zbl") == "flexible":
        rows = []
        for t1 in range(T):
            for t2 in range(t1, T):
                a = np.array(ZBL_UNIVERSAL) * rng.uniform(0.8, 1.2, 8)
                rows.append([0.6 + 0.1 * rng.random(), 1.5 + 0.1 * rng.random()] + list(a))
        p["zbl_table"] = np.array(rows)
    return p


def write_nep(path, spec, p, networks_as_nep4=False):
    T = len(spec["elements"])
    version = spec["version"]
    nets = p["networks"]
    if networks_as_nep4:
        version = "nep4"
        nets = [nets[0]] * T
    lines = [f"{version}{'_zbl' if spec.get('zbl') else ''} {T} {' '.join(spec['elements'])}"]
    if spec.get("zbl") == "flexible":
        lines.append("zbl 0 0")
    elif spec.get("zbl"):
        lines.append(f"zbl {spec['zbl'][0]} {spec['zbl'][1]}")
    cut = spec["cutoff"]
    if isinstance(cut[0], (list, tuple)):
        lines.append("cutoff " + " ".join(f"{r} {a}" for r, a in cut) + " 100 50")
    else:
        lines.append(f"cutoff {cut[0]} {cut[1]} 100 50")
    lines.append(f"n_max {spec['n_max'][0]} {spec['n_max'][1]}")
    lines.append(f"basis_size {spec['basis'][0]} {spec['basis'][1]}")
    lines.append("l_max " + " ".join(str(x) for x in spec["l_max"]))
    lines.append(f"ANN {spec['neurons']} 0")
    values = []
    for net in nets:
        values += list(net["w0"].ravel()) + list(net["b0"]) + list(net["w1"])
    values.append(p["b1"])
    values += list(p["c_radial"].ravel())
    if p["c_angular"] is not None:
        values += list(p["c_angular"].ravel())
    values += list(p["q_scaler"])
    if "zbl_table" in p:
        values += list(p["zbl_table"].ravel())
    lines += [f"{v:.17e}" for v in values]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


MODELS = {
    "nep4_6el": dict(version="nep4", elements=ELEMENTS, cutoff=(5.0, 4.0), n_max=(4, 4), basis=(8, 8),
                     l_max=(4, 2, 1), neurons=12),
    "nep4_zbl_pairs": dict(version="nep4", elements=ELEMENTS, zbl=(0.8, 1.6),
                           cutoff=[(5.5, 4.0), (5.0, 3.5), (4.5, 3.5), (5.0, 4.0), (5.0, 4.0), (5.0, 4.5)],
                           n_max=(5, 3), basis=(7, 5), l_max=(6, 0, 0, 1), neurons=8),
    "nep4_zbl_flex": dict(version="nep4", elements=ELEMENTS, zbl="flexible", cutoff=(4.5, 3.8), n_max=(3, 3),
                          basis=(4, 4), l_max=(8, 2, 0), neurons=6),
    "nep3": dict(version="nep3", elements=ELEMENTS, cutoff=(5.0, 4.0), n_max=(4, 4), basis=(6, 6),
                 l_max=(4, 2, 0), neurons=10),
}


def read_structures(paths):
    from ase.io import read
    return [read(p) for p in paths]


def descriptors(model_path, atoms_list):
    from torchnep.nep import NEPCalculator
    calc = NEPCalculator(model_path)
    rows = []
    for atoms in atoms_list:
        res = calc.compute(atoms.get_chemical_symbols(), atoms.get_positions(), np.asarray(atoms.get_cell()),
                           compute_descriptor=True)
        rows.append(res["descriptor"].cpu().numpy())
    return np.concatenate(rows)


def write_scaled(path, spec, p, atoms_list):
    """Write the model with GPUMD's q_scaler over `atoms_list`: 1 / (max - min) of each descriptor
    component, from the descriptors with q_scaler = 1 (TorchNEP reads nep4 only, hence the probe
    file written as nep4)."""
    probe = path + ".probe"
    write_nep(probe, spec, p, networks_as_nep4=True)
    q = descriptors(probe, atoms_list)
    os.remove(probe)
    spread = q.max(axis=0) - q.min(axis=0)
    p["q_scaler"] = np.where(spread > 1e-12, 1.0 / np.where(spread > 1e-12, spread, 1.0), 1.0)
    write_nep(path, spec, p)


def make_models(outdir, structure_paths):
    atoms_list = read_structures(structure_paths)
    rng = np.random.default_rng(20261207)
    os.makedirs(outdir, exist_ok=True)
    for name, spec in MODELS.items():
        p = random_parameters(spec, rng)
        path = os.path.join(outdir, name + ".txt")
        write_scaled(path, spec, p, atoms_list)
        print("MODEL", name, path)
        if spec["version"] == "nep3":
            twin = os.path.join(outdir, name + "_as_nep4.txt")
            write_nep(twin, spec, p, networks_as_nep4=True)
            print("MODEL", name + "_as_nep4", twin)


def evaluate(model_path, structure_paths):
    from torchnep.ase_calculator import NEP
    calc = NEP(model_path, dtype="float64")
    for path, atoms in zip(structure_paths, read_structures(structure_paths)):
        atoms.calc = calc
        e = atoms.get_potential_energy()
        s = atoms.get_stress(voigt=True)
        f = atoms.get_forces()
        ei = atoms.get_potential_energies()
        print("RESULT", path, repr(float(e)), " ".join(repr(float(x)) for x in s))
        for i in range(len(atoms)):
            print("ATOM", path, i, repr(float(ei[i])), " ".join(repr(float(x)) for x in f[i]))


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == "models":
        make_models(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "evaluate":
        evaluate(sys.argv[2], sys.argv[3:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
