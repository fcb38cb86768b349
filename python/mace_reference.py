# SPDX-License-Identifier: MIT
"""Reference data for ioncycle's MACE backend (tests/unit/potentials/test_mace.cpp).

Run with the MACE environment (.venv-mace, made by scripts/setup stage 2b), never with .venv:
mace-torch pins e3nn 0.4.4 while sevenn needs e3nn 0.6.0.

    .venv-mace/bin/python python/mace_reference.py OUTDIR STRUCTURE.xyz ... [--seed N]

reads the structures (extended XYZ, e.g. those of tests/python/acceptance_structures.py) and
writes into OUTDIR:
  mace_small.model                 a small MACE model with random weights (torch.save of the
                                   ScaleShiftMACE module, as MACE's own tools save models)
  mace_small.model-lammps.pt       `mace_create_lammps_model mace_small.model` (float64)
  mace_small_f32.model-lammps.pt   `mace_create_lammps_model ... --dtype float32`
  reference_float64.txt            MACE's ASE calculator (MACECalculator) on every structure,
  reference_float32.txt            with default_dtype float64 / float32

Each reference line is
    RESULT <file> <N> <energy> <3N forces> <6 stress> <N per-atom energies>
in eV, eV/Å, eV/Å³ (ASE Voigt order xx yy zz yz xz xy, ASE sign: positive = tensile) and eV,
numbers written with repr() (round-trip exact). Per-atom energies are the calculator's
"energies" result (atomic reference energy E0 included; they sum to the energy).

mace_create_lammps_model is called in-process (its `main()`, the function behind the console
script) so that torch and e3nn are imported once; the files are exactly what the command writes.
"""
import argparse
import contextlib
import io
import os
import shutil
import sys
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("OMP_NUM_THREADS", "2")

import mace  # noqa: E402,F401  (first: it lets e3nn 0.4.4 torch.load its constants under torch >= 2.6)
import numpy as np  # noqa: E402
import torch  # noqa: E402
from ase.io import read  # noqa: E402

# The model: 6 elements of battery electrodes, 2 interactions, r_max 4.5 Å, small channels.
ELEMENTS = [3, 6, 8, 25, 27, 28]  # Li C O Mn Co Ni
R_MAX = 4.5


def make_model(seed):
    from e3nn import o3
    from mace import modules

    torch.manual_seed(seed)
    np.random.seed(seed)
    rng = np.random.default_rng(seed)
    # Isolated-atom energies (eV), as a trained model would carry; random but fixed.
    atomic_energies = -rng.uniform(1.0, 8.0, size=len(ELEMENTS))
    model = modules.ScaleShiftMACE(
        r_max=R_MAX,
        num_bessel=8,
        num_polynomial_cutoff=5,
        max_ell=2,
        interaction_cls=modules.interaction_classes["RealAgnosticResidualInteractionBlock"],
        interaction_cls_first=modules.interaction_classes["RealAgnosticResidualInteractionBlock"],
        num_interactions=2,
        num_elements=len(ELEMENTS),
        hidden_irreps=o3.Irreps("8x0e + 8x1o"),
        MLP_irreps=o3.Irreps("16x0e"),
        atomic_energies=atomic_energies,
        avg_num_neighbors=30.0,
        atomic_numbers=ELEMENTS,
        correlation=3,
        gate=torch.nn.functional.silu,
        radial_MLP=[32, 32],
        atomic_inter_scale=1.0,
        atomic_inter_shift=0.0,
    )
    # Random weights give small interaction energies; scale them up to forces of ~1 eV/Å and
    # stresses of a few GPa, typical of trained models on these structures.
    with torch.no_grad():
        model.scale_shift.scale.fill_(20.0)
    return model


def export(model_path, dtype):
    """Run mace_create_lammps_model on model_path (writes model_path + '-lammps.pt')."""
    from mace.cli import create_lammps_model

    argv = sys.argv
    sys.argv = ["mace_create_lammps_model", model_path, "--dtype", dtype]
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            create_lammps_model.main()
    finally:
        sys.argv = argv
    out = model_path + "-lammps.pt"
    if not os.path.isfile(out):
        raise RuntimeError(f"mace_create_lammps_model wrote no {out}")
    return out


def evaluate(model_path, dtype, files, out_path):
    from mace.calculators import MACECalculator

    calc = MACECalculator(model_paths=model_path, device="cpu", default_dtype=dtype)
    with open(out_path, "w") as f:
        for name in files:
            atoms = read(name, format="extxyz")
            atoms.calc = calc
            e = atoms.get_potential_energy()
            forces = atoms.get_forces()
            stress = atoms.get_stress(voigt=True)
            energies = atoms.get_potential_energies()
            fields = [name, str(len(atoms)), repr(float(e))]
            fields += [repr(float(v)) for v in forces.ravel()]
            fields += [repr(float(v)) for v in stress]
            fields += [repr(float(v)) for v in energies]
            f.write("RESULT " + " ".join(fields) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("structures", nargs="*", help="extended XYZ files to evaluate")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    torch.set_default_dtype(torch.float64)

    model_path = os.path.join(args.outdir, "mace_small.model")
    torch.save(make_model(args.seed), model_path)
    export(model_path, "float64")
    f32_path = os.path.join(args.outdir, "mace_small_f32.model")
    shutil.copyfile(model_path, f32_path)
    export(f32_path, "float32")

    if args.structures:
        # float64 first: MACECalculator sets torch's global default dtype.
        evaluate(model_path, "float64", args.structures, os.path.join(args.outdir, "reference_float64.txt"))
        evaluate(model_path, "float32", args.structures, os.path.join(args.outdir, "reference_float32.txt"))
    print("mace_reference: wrote", args.outdir, "torch", torch.__version__)


if __name__ == "__main__":
    main()
