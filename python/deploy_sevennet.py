# SPDX-License-Identifier: MIT
"""Deploy a SevenNet model bundled in the pinned sevenn wheel as a serial TorchScript file that
ioncycle loads (`sevennet:PATH`), choosing the fidelity head of a multi-fidelity model.

    .venv/bin/python python/deploy_sevennet.py NAME [--modal HEAD] --output models/FILE.pt

NAME is one of the checkpoints inside the wheel (7net-0, 7net-0_22may2024, 7net-l3i5, 7net-mf-0):
nothing is downloaded. A multi-fidelity model (7net-mf-0: heads R2SCAN and PBE) needs --modal;
sevenn fixes the head when it deploys (`sevenn_get_model -m`), and this script records it in the
file's metadata (`modal`, and `pretrained` = NAME) so that `ioncycle model info` shows which
head a file holds. The output is written atomically.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

# The keys sevenn 0.13's deploy writes (src/potentials/model_file.cpp reads the same list).
SEVENNET_KEYS = ["chemical_symbols_to_index", "cutoff", "num_species", "model_type", "version", "dtype", "time",
                 "flashTP", "oeq", "comm_size"]


def fail(message):
    print(f"deploy_sevennet: error: {message}", file=sys.stderr)
    sys.exit(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("name")
    ap.add_argument("--modal", default=None, help="fidelity head of a multi-fidelity model (e.g. R2SCAN, PBE)")
    ap.add_argument("--output", required=True)
    args = ap.parse_args()

    import torch
    import sevenn.util as util

    try:
        checkpoint_path = util.pretrained_name_to_path(args.name)
    except Exception as e:  # an unknown name
        fail(f"'{args.name}' is not a SevenNet pretrained model name ({e})")
    if not os.path.exists(checkpoint_path):
        fail(f"'{args.name}' is not bundled in the sevenn wheel (it would be downloaded); bundled: 7net-0, "
             "7net-0_22may2024, 7net-l3i5, 7net-mf-0")
    config = util.load_checkpoint(checkpoint_path).config
    heads = list(config.get("_modal_map", {}) or {})
    if heads and args.modal is None:
        fail(f"'{args.name}' is a multi-fidelity model: choose a head with --modal ({', '.join(heads)})")
    if args.modal is not None and args.modal not in heads:
        fail(f"'{args.name}' has no head '{args.modal}'" + (f" (its heads: {', '.join(heads)})" if heads else
                                                           " (it has a single fidelity: leave out --modal)"))

    out = os.path.abspath(args.output)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with tempfile.TemporaryDirectory(dir=os.path.dirname(out)) as tmp:
        command = [os.path.join(os.path.dirname(sys.executable), "sevenn_get_model"), args.name, "-o", "deployed"]
        if args.modal is not None:
            command += ["-m", args.modal]
        result = subprocess.run(command, cwd=tmp, capture_output=True, text=True)
        deployed = glob.glob(os.path.join(tmp, "*.pt"))
        if result.returncode != 0 or not deployed:
            fail("sevenn_get_model failed:\n" + result.stdout + result.stderr)
        extra = {k: "" for k in SEVENNET_KEYS}
        module = torch.jit.load(deployed[0], _extra_files=extra, map_location="cpu")
        extra = {k: v for k, v in extra.items() if v != ""}
        extra["pretrained"] = args.name
        if args.modal is not None:
            extra["modal"] = args.modal
        staged = os.path.join(tmp, "staged.pt")
        torch.jit.save(module, staged, _extra_files=extra)
        os.replace(staged, out)
    print(f"deployed {args.name}" + (f" (head {args.modal})" if args.modal else "") + f" -> {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
