"""
PyTorch's float64 training step for the mlp suite (benchmarks/mlp.ts, via benchmarks/torch.ts):
the same MLP (Linear layers with ReLU between them), softmax cross-entropy (mean over the batch),
Adam (lr from Node, betas 0.9/0.999, eps 1e-8), on the same batch and the same initial weights.

stdin: one line of JSON {"sizes": [...], "batch": 64, "lr": 0.001, "labels": [...],
"minTime": s, "batches": n, "warmup": s}, then little-endian float64s: x (batch × sizes[0],
row-major), then W1, b1, W2, b2, … with each W stored [in, out] as adjoint stores it.
stdout: one line of JSON (see emit below), or {"missing": "torch"} when torch cannot be imported.
Besides the step, it times the forward pass alone (with the loss, under no_grad), as the mlp suite
times adjoint's for step / forward.

Run it with Debian's /usr/bin/python3 and OMP_WAIT_POLICY=PASSIVE (benchmarks/torch.ts does both):
Debian's torch does its matrix products in OpenBLAS's threads, and its OpenMP threads would
otherwise spin between parallel regions and starve them.
"""
import json
import sys

from reference_timing import blas, emit, time_it

try:
    import torch
    import torch.nn.functional as F
except ImportError as error:
    emit({'missing': 'torch', 'error': str(error)})
    sys.exit(0)


def main():
    spec = json.loads(sys.stdin.buffer.readline())
    sizes, batch = spec['sizes'], spec['batch']
    data = torch.frombuffer(bytearray(sys.stdin.buffer.read()), dtype=torch.float64)
    offset = 0

    def take(*shape):
        nonlocal offset
        count = 1
        for n in shape:
            count *= n
        part = data[offset:offset + count].reshape(shape).clone()
        offset += count
        return part

    x = take(batch, sizes[0])
    layers = []
    for l in range(len(sizes) - 1):
        linear = torch.nn.Linear(sizes[l], sizes[l + 1], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(take(sizes[l], sizes[l + 1]).t())  # nn.Linear stores [out, in]
            linear.bias.copy_(take(sizes[l + 1]))
        layers.append(linear)
        if l < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    if offset != data.numel():
        raise ValueError(f'torch_reference: read {offset} of {data.numel()} float64s')
    model = torch.nn.Sequential(*layers)
    y = torch.tensor(spec['labels'], dtype=torch.int64)
    optimizer = torch.optim.Adam(model.parameters(), lr=spec['lr'], betas=(0.9, 0.999), eps=1e-8)

    with torch.no_grad():
        initial_loss = F.cross_entropy(model(x), y).item()

    def step():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()

    def forward():
        with torch.no_grad():
            F.cross_entropy(model(x), y)

    timing = time_it(step, spec.get('minTime', 1.5), spec.get('batches', 5), spec.get('warmup', 0.3))
    forward_timing = time_it(forward, spec.get('minTime', 1.5), spec.get('batches', 5), spec.get('warmup', 0.3))
    emit({
        'initialLoss': initial_loss,
        'median': timing['median'],
        'forwardMedian': forward_timing['median'],
        'samples': timing['samples'],
        'calls': timing['calls'],
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'blas': blas(),
    })


main()
