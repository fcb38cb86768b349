# SPDX-License-Identifier: MIT
"""Convert Grimme's DFT-D3 reference data shipped by torch-dftd into ioncycle's D3 table.

Run by scripts/setup (stage 3b) with the project's venv:

    .venv/bin/python python/d3_tables.py [OUTPUT]      # default: models/d3/dftd3-reference.txt

Source: ``torch_dftd/nn/params/dftd3_params.npz`` of the installed torch-dftd (located through
importlib, never copied into the repository). It holds the tables of Grimme's dftd3 program
(S. Grimme, J. Antony, S. Ehrlich, H. Krieg, J. Chem. Phys. 132, 154104 (2010)) in the
program's own layout, indexed by atomic number (index 0 is unused padding):

  c6ab (95, 95, 5, 5, 3)  c6ab[Zi, Zj, a, b] = (C6, CN_ref of reference a of Zi,
                          CN_ref of reference b of Zj); C6 in Hartree Bohr^6. Unused slots
                          (beyond an element's number of references) hold -1 everywhere.
  r0ab (95, 95)           cut-off radii of the zero-damping variant, in Bohr (not needed for
                          BJ damping, so not exported).
  rcov (95,)              covalent radii in Bohr, already scaled by k2 = 4/3: rcov * 3/4 *
                          0.52917726 gives Pyykkö's radii in Å (C: 0.75, H: 0.32).
  r2r4 (95,)              sqrt(0.5 * <r^4>/<r^2> * sqrt(Z)) in Bohr, so that
                          C8 = 3 C6 r2r4[Zi] r2r4[Zj] (torch_dftd/functions/dftd3.py does this).

These units were checked against torch_dftd/functions/dftd3.py (it converts positions to Bohr
with d3_autoang = 0.52917726 before using the tables, and results to eV with d3_autoev) and
against Grimme's published radii.

The output is a plain text file (format described in its header, read by
src/potentials/d3_parameters.cpp). Numbers are written with Python's repr(), the shortest text
that reads back to the same double, so the C++ side gets exactly the npz values. The data are
checked on the way (number of references contiguous from slot 0, every C6 of a used slot
positive and symmetric, the reference CN of an element the same for every partner element,
-1 sentinels elsewhere); any inconsistency stops with an error instead of a wrong table.
The file is written to a temporary name next to the target and renamed (atomic).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

MAX_Z = 94          # elements 1..94 (H..Pu) have references
MAX_REFS = 5
FORMAT_LINE = "ioncycle-d3-table 1"


def npz_path() -> Path:
    spec = importlib.util.find_spec("torch_dftd")
    if spec is None or spec.origin is None:
        raise SystemExit("d3_tables.py: torch-dftd is not installed in this Python "
                         f"({sys.executable}); run ./scripts/setup")
    path = Path(spec.origin).parent / "nn" / "params" / "dftd3_params.npz"
    if not path.is_file():
        raise SystemExit(f"d3_tables.py: {path} not found (torch-dftd layout changed?)")
    return path


def fail(message: str) -> None:
    raise SystemExit(f"d3_tables.py: inconsistent D3 reference data: {message}")


def fmt(x: float) -> str:
    return repr(float(x))


def check_and_extract(c6ab: np.ndarray, rcov: np.ndarray, r2r4: np.ndarray):
    if c6ab.shape != (95, 95, MAX_REFS, MAX_REFS, 3):
        fail(f"c6ab has shape {c6ab.shape}, expected (95, 95, 5, 5, 3)")
    if rcov.shape != (95,) or r2r4.shape != (95,):
        fail(f"rcov/r2r4 have shapes {rcov.shape}/{r2r4.shape}, expected (95,)")
    if not np.all(np.isfinite(c6ab)):
        fail("c6ab holds non-finite values")

    # Number of references of each element: the slots a with a valid C6 against itself. Missing
    # references are marked by C6 = -1 (the sentinel of Grimme's code); 0 would be one too.
    num_refs = [0] * (MAX_Z + 1)
    cn_ref: list[np.ndarray] = [np.zeros(0)] * (MAX_Z + 1)
    for z in range(1, MAX_Z + 1):
        used = [a for a in range(MAX_REFS) if np.any(c6ab[z, z, a, :, 0] > 0.0)]
        if not used or used != list(range(len(used))):
            fail(f"Z = {z}: reference slots {used} are not contiguous from 0")
        num_refs[z] = len(used)
        cn_ref[z] = c6ab[z, 1, : len(used), 0, 1].copy()
        if not (rcov[z] > 0.0 and r2r4[z] > 0.0 and np.isfinite(rcov[z]) and np.isfinite(r2r4[z])):
            fail(f"Z = {z}: rcov = {rcov[z]}, r2r4 = {r2r4[z]}")
        if np.any(cn_ref[z] < 0.0):
            fail(f"Z = {z}: negative reference CN {cn_ref[z]}")

    for zi in range(1, MAX_Z + 1):
        ni = num_refs[zi]
        for zj in range(1, MAX_Z + 1):
            nj = num_refs[zj]
            block = c6ab[zi, zj, :ni, :nj]
            if not np.all(block[..., 0] > 0.0):
                fail(f"pair {zi}-{zj}: missing C6 among the used reference slots")
            if not np.array_equal(block[..., 1], np.repeat(cn_ref[zi][:, None], nj, axis=1)):
                fail(f"pair {zi}-{zj}: reference CN of {zi} differs from its CN against H")
            if not np.array_equal(block[..., 2], np.repeat(cn_ref[zj][None, :], ni, axis=0)):
                fail(f"pair {zi}-{zj}: reference CN of {zj} differs from its CN against H")
            if not np.array_equal(block[..., 0], c6ab[zj, zi, :nj, :ni, 0].T):
                fail(f"pair {zi}-{zj}: C6 not symmetric")
            rest = c6ab[zi, zj, ..., 0].copy()
            rest[:ni, :nj] = -1.0
            if not np.all((rest == -1.0) | (rest == 0.0)):
                fail(f"pair {zi}-{zj}: values in unused reference slots")
    return num_refs, cn_ref


def write_table(out: Path) -> None:
    src = npz_path()
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    try:
        version = importlib.metadata.version("torch-dftd")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    data = np.load(src)
    c6ab = np.asarray(data["c6ab"], dtype=np.float64)
    rcov = np.asarray(data["rcov"], dtype=np.float64)
    r2r4 = np.asarray(data["r2r4"], dtype=np.float64)
    num_refs, cn_ref = check_and_extract(c6ab, rcov, r2r4)

    lines = [
        "# ioncycle DFT-D3 reference data. Written by python/d3_tables.py (scripts/setup); do not edit.",
        f"# source: torch-dftd {version}, torch_dftd/nn/params/dftd3_params.npz, sha256 {digest}",
        "# Grimme's tables (J. Chem. Phys. 132, 154104 (2010)), atomic units: lengths in Bohr,",
        "# C6 in Hartree Bohr^6. Lines starting with '#' are comments. After the format line:",
        "#   elements N",
        "#   element Z num_refs rcov r2r4 cn_ref[0] .. cn_ref[num_refs-1]    (N lines, Z = 1..N)",
        "#     rcov: covalent radius already scaled by k2 = 4/3; r2r4: C8 = 3 C6 r2r4_i r2r4_j",
        "#   pairs M                                                        (M = N (N+1) / 2)",
        "#   pair Zi Zj C6[0][0] C6[0][1] .. C6[ni-1][nj-1]                 (Zi <= Zj, row-major:",
        "#     first index = reference of Zi, second = reference of Zj; ni, nj = num_refs)",
        "#   end",
        FORMAT_LINE,
        f"elements {MAX_Z}",
    ]
    for z in range(1, MAX_Z + 1):
        refs = " ".join(fmt(c) for c in cn_ref[z])
        lines.append(f"element {z} {num_refs[z]} {fmt(rcov[z])} {fmt(r2r4[z])} {refs}")
    lines.append(f"pairs {MAX_Z * (MAX_Z + 1) // 2}")
    for zi in range(1, MAX_Z + 1):
        for zj in range(zi, MAX_Z + 1):
            block = c6ab[zi, zj, : num_refs[zi], : num_refs[zj], 0]
            lines.append(f"pair {zi} {zj} " + " ".join(fmt(c) for c in block.ravel()))
    lines.append("end")
    text = "\n".join(lines) + "\n"

    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".d3-table.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    print(f"d3_tables.py: wrote {out} ({MAX_Z} elements, {sum(num_refs)} references) "
          f"from torch-dftd {version}", file=sys.stderr)


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "models" / "d3" / "dftd3-reference.txt"
    write_table(out)


if __name__ == "__main__":
    main()
