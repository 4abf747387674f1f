"""What the reference scripts share: a safetensors reader (standard library and NumPy; Debian
ships no python3-safetensors) and the command line WEIGHTS IO [WEIGHTS IO …] → a JSON report."""
import json
import struct
import sys

import numpy as np
import torch

KINDS = {'F32': '<f4', 'F64': '<f8', 'I64': '<i8', 'I32': '<i4', 'U8': 'u1', 'BOOL': '?'}


def load(path):
    """path → ({name: tensor}, metadata)"""
    buf = open(path, 'rb').read()
    n = struct.unpack('<Q', buf[:8])[0]
    header = json.loads(buf[8:8 + n])
    meta = header.pop('__metadata__', {})
    data = buf[8 + n:]
    tensors = {}
    for name, e in header.items():
        a, b = e['data_offsets']
        arr = np.frombuffer(data[a:b], dtype=KINDS[e['dtype']]).reshape(e['shape'])
        tensors[name] = torch.from_numpy(arr.copy())
    return tensors, meta


def agreement(d, out, params):
    """How the reference's output d agrees with ours (`out`), for a network of `params` numbers."""
    return {'params': params, 'max_abs_diff': (d - out).abs().max().item(), 'out_abs_max': out.abs().max().item()}


def main(check):
    """Prints [check(weights, io) for each pair of arguments] as JSON, on one thread."""
    torch.set_num_threads(1)
    pairs = sys.argv[1:]
    print(json.dumps([check(w, io) for w, io in zip(pairs[::2], pairs[1::2])]))
