# SPDX-License-Identifier: MIT
"""Write the AB (Bernal) graphite cell used by examples/quickstart.toml.

Hexagonal cell a = 2.46 Å (C-C 1.42 Å), c = 6.70 Å (interlayer spacing 3.35 Å), four atoms per
cell: layer A at (0, 0, 0) and (1/3, 2/3, 0), layer B at (0, 0, 1/2) and (2/3, 1/3, 1/2),
repeated 4 x 4 in plane: 64 atoms. Run with the project's venv:
    .venv/bin/python examples/data/make_graphite.py examples/data/graphite-AB-4x4.extxyz
(ioncycle's own graphite builder will replace this script.)
"""
import sys

import numpy as np
from ase import Atoms

a, c = 2.46, 6.70
cell = np.array([[a, 0.0, 0.0], [-a / 2, a * np.sqrt(3) / 2, 0.0], [0.0, 0.0, c]])
frac = [(0, 0, 0), (1 / 3, 2 / 3, 0), (0, 0, 0.5), (2 / 3, 1 / 3, 0.5)]
unit = Atoms("C4", scaled_positions=frac, cell=cell, pbc=True)
atoms = unit.repeat((4, 4, 1))
atoms.write(sys.argv[1], format="extxyz")
