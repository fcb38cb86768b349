#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Makes tests/data/nep/LiC_7net0_small.txt: a small two-element NEP4 model (Li, C) trained by
# TorchNEP (.venv-nep) on 80 Li-C frames labelled by SevenNet-0 (.venv), for the NVE test in
# tests/unit/potentials/test_nep.cpp. A few minutes on 2 CPU cores. Not a production model: it has
# seen 80 small distorted cells and nothing else.
#
# Usage (from the repository root, after ./scripts/setup): tests/data/nep/make_lic_model.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
HERE="$ROOT/tests/data/nep"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$ROOT/.venv/bin/python" "$HERE/label_lic_frames.py" "$work/train.xyz" 80
cat > "$work/nep.in" <<'NEPIN'
type 2 Li C
version 4
cutoff 5 4
n_max 4 4
basis_size 6 6
l_max 4 2 0
neuron 16
batch 8
epoch 300
NEPIN
(cd "$work" && "$ROOT/.venv-nep/bin/python" -c '
from torchnep import train_nep
train_nep("nep.in", "train.xyz", output_dir="out", device="cpu", precision="float64", run_seed=7,
          prediction_interval=1000, checkpoint_interval=1000)
')
cp "$work/out/nep_best.txt" "$HERE/LiC_7net0_small.txt"
echo "wrote $HERE/LiC_7net0_small.txt" >&2
