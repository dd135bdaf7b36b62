"""PyTorch's answers for test/pytorch-agreement.test.ts, in float64.

Reads {"cases": [...]} as JSON on stdin; each case gives the inputs adjoint used (parameters,
buffers, data, seeds R of the linear functional sum(out * R) whose gradient is taken). Prints one
line of JSON, {"results": [...]}, one result per case, or {"missing": "torch"} when PyTorch is not
installed. Nothing here knows adjoint's answers: the test compares them.
"""
import json
import re
import sys

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print(json.dumps({"missing": "torch"}))
    sys.exit(0)

torch.set_default_dtype(torch.float64)


def t(a, grad=False):
    """A float64 tensor from {"shape", "data"}."""
    x = torch.tensor(a["data"], dtype=torch.float64).reshape(a["shape"])
    return x.requires_grad_(grad)


def flat(x):
    return [] if x is None else x.detach().reshape(-1).tolist()


def torch_name(name):
    """adjoint's parameter and buffer names as PyTorch's state_dict keys."""
    m = re.fullmatch(r"(weight|bias)(Ih|Hh)(?:L(\d+))?(Reverse)?", name)
    if m:
        return f"{m[1]}_{m[2].lower()}_l{m[3] or 0}{'_reverse' if m[4] else ''}"
    return {"gamma": "weight", "beta": "bias", "runningMean": "running_mean", "runningVar": "running_var"}.get(name, name)


def pair(v):
    return tuple(v) if isinstance(v, list) else v


def build(kind, args, o):
    """The torch module for one of adjoint's layers, with adjoint's options under PyTorch's names."""
    if kind == "Dense":
        return torch.nn.Linear(args[0], args[1], bias=o.get("bias", True))
    if kind in ("Conv2d", "Conv1d"):
        cls = torch.nn.Conv2d if kind == "Conv2d" else torch.nn.Conv1d
        return cls(args[0], args[1], pair(args[2]), stride=pair(o.get("stride", 1)), padding=pair(o.get("padding", 0)),
                   dilation=pair(o.get("dilation", 1)), groups=o.get("groups", 1), bias=o.get("bias", True))
    if kind == "ConvTranspose2d":
        return torch.nn.ConvTranspose2d(args[0], args[1], pair(args[2]), stride=pair(o.get("stride", 1)), padding=pair(o.get("padding", 0)),
                                        output_padding=pair(o.get("outputPadding", 0)), dilation=pair(o.get("dilation", 1)),
                                        groups=o.get("groups", 1), bias=o.get("bias", True))
    if kind in ("MaxPool2d", "AvgPool2d", "MaxPool1d", "AvgPool1d"):
        cls = getattr(torch.nn, kind)
        stride = o.get("stride")
        return cls(pair(args[0]), stride=pair(stride) if stride is not None else None, padding=pair(o.get("padding", 0)))
    if kind in ("BatchNorm", "BatchNorm2d"):
        cls = torch.nn.BatchNorm1d if kind == "BatchNorm" else torch.nn.BatchNorm2d
        return cls(args[0], momentum=o.get("momentum", 0.1), eps=o.get("eps", 1e-5))
    if kind == "LayerNorm":
        return torch.nn.LayerNorm(args[0], eps=o.get("eps", 1e-5), elementwise_affine=o.get("elementwiseAffine", True))
    if kind == "GroupNorm":
        return torch.nn.GroupNorm(args[0], args[1], eps=o.get("eps", 1e-5), affine=o.get("affine", True))
    if kind == "InstanceNorm2d":
        return torch.nn.InstanceNorm2d(args[0], eps=o.get("eps", 1e-5), momentum=o.get("momentum", 0.1), affine=o.get("affine", False),
                                       track_running_stats=o.get("trackRunningStats", False))
    if kind in ("AdaptiveAvgPool2d", "AdaptiveMaxPool2d"):
        return getattr(torch.nn, kind)(pair(args[0]))
    if kind == "Upsample":
        mode = o.get("mode", "nearest")
        return torch.nn.Upsample(size=pair(o.get("size")), scale_factor=pair(o.get("scaleFactor")), mode=mode,
                                 align_corners=o.get("alignCorners", False) if mode == "bilinear" else None)
    if kind in ("PixelShuffle", "PixelUnshuffle"):
        return getattr(torch.nn, kind)(args[0])
    if kind == "Embedding":
        return torch.nn.Embedding(args[0], args[1], padding_idx=o.get("paddingIdx"))
    if kind in ("RNN", "LSTM", "GRU"):
        extra = {"nonlinearity": o["nonlinearity"]} if "nonlinearity" in o else {}
        return getattr(torch.nn, kind)(args[0], args[1], num_layers=o.get("numLayers", 1), bidirectional=o.get("bidirectional", False),
                                       batch_first=True, **extra)
    raise ValueError(kind)


def layer(case):
    kind = case["layer"]
    m = build(kind, case["args"], case.get("options", {}))
    state = m.state_dict()
    for name, value in {**case["params"], **case["buffers"]}.items():
        key = torch_name(name)
        v = t(value)
        if kind == "Dense" and key == "weight":
            v = v.T  # adjoint's [in, out], PyTorch's [out, in]
        state[key] = v.reshape(state[key].shape)
    m.load_state_dict(state)
    calls = []
    for call in case["calls"]:
        m.train(call["train"])
        m.zero_grad()
        x = torch.tensor(call["x"]["data"], dtype=torch.long).reshape(call["x"]["shape"]) if kind == "Embedding" else t(call["x"], True)
        # adjoint's BatchNorm normalises the last axis; PyTorch's BatchNorm1d axis 1 of [N, C, L].
        channels_last = kind == "BatchNorm" and x.dim() == 3
        if kind in ("RNN", "LSTM", "GRU"):
            h0 = [t(s, True) for s in call["state"]] if call["state"] else None
            cells = m.num_layers * (2 if m.bidirectional else 1)
            shaped = None if h0 is None else [s.reshape(cells, x.shape[0], m.hidden_size) for s in h0]
            out, hn = m(x, None if shaped is None else (tuple(shaped) if kind == "LSTM" else shaped[0]))
            outs = [out, *(hn if kind == "LSTM" else (hn,))]
        else:
            h0 = None
            outs = [m(x.transpose(1, 2)).transpose(1, 2) if channels_last else m(x)]
        loss = sum((o * t(r).reshape(o.shape)).sum() for o, r in zip(outs, call["R"]))
        loss.backward()
        grads = {}
        for name in case["params"]:
            g = dict(m.named_parameters())[torch_name(name)].grad
            grads[name] = flat(g.T if kind == "Dense" and name == "weight" else g)
        calls.append({
            "outs": [flat(o) for o in outs],
            "xGrad": None if kind == "Embedding" else flat(x.grad),
            "stateGrad": None if h0 is None else [flat(s.grad) for s in h0],
            "paramGrads": grads,
            "buffers": {name: flat(m.state_dict()[torch_name(name)]) for name in case["buffers"]},
        })
    return {"calls": calls}


def optimizer(case):
    o = case["options"]
    tensors = [t(p, True) for p in case["params"]]
    ps = tensors
    if "groups" in case:  # param groups: parameter indices, and lr / weightDecay of their own
        ps = [dict({"params": [tensors[i] for i in g["indices"]]},
                   **({"lr": g["lr"]} if "lr" in g else {}),
                   **({"weight_decay": g["weightDecay"]} if "weightDecay" in g else {})) for g in case["groups"]]
    name = case["optimizer"]
    if name == "SGD":
        opt = torch.optim.SGD(ps, lr=o["lr"], momentum=o.get("momentum", 0), nesterov=o.get("nesterov", False), weight_decay=o.get("weightDecay", 0))
    elif name in ("Adam", "AdamW"):
        cls = torch.optim.AdamW if name == "AdamW" else torch.optim.Adam
        opt = cls(ps, lr=o["lr"], betas=(o.get("beta1", 0.9), o.get("beta2", 0.999)), eps=o.get("eps", 1e-8), weight_decay=o.get("weightDecay", 0))
    elif name == "RMSprop":
        opt = torch.optim.RMSprop(ps, lr=o["lr"], alpha=o.get("rho", 0.9), eps=o.get("eps", 1e-8), weight_decay=o.get("weightDecay", 0))
    elif name == "Adagrad":
        opt = torch.optim.Adagrad(ps, lr=o["lr"], eps=o.get("eps", 1e-10), weight_decay=o.get("weightDecay", 0))
    else:
        raise ValueError(name)
    after = []
    for k, step in enumerate(case["grads"]):
        change = case.get("lrChange")
        if change is not None and change["beforeStep"] == k:
            opt.param_groups[change["group"]]["lr"] = change["lr"]
        for p, g in zip(tensors, step):
            p.grad = t(g)
        opt.step()
        after.append([flat(p) for p in tensors])
    return {"after": after}


def expression(case):
    """An expression of tensors x, y, … (case["inputs"]) and its gradient for sum(out * R)."""
    env = {"torch": torch, "F": F}
    inputs = {name: t(value, value.get("grad", True)) for name, value in case["inputs"].items()}
    env.update(inputs)
    out = eval(case["torch"], env)  # the test's own expressions, nothing from outside
    (out * t(case["R"]).reshape(out.shape)).sum().backward()
    return {"out": flat(out), "shape": list(out.shape), "grads": {n: flat(x.grad) for n, x in inputs.items() if x.requires_grad}}


def clip(case):
    ps = [t(p, True) for p in case["params"]]
    for p, g in zip(ps, case["grads"]):
        p.grad = t(g)
    norm = torch.nn.utils.clip_grad_norm_(ps, case["maxNorm"])
    return {"norm": float(norm), "grads": [flat(p.grad) for p in ps]}


def hessian(case):
    env = {"torch": torch, "F": F}
    f = eval(case["torch"], env)  # a lambda of the test's own
    h = torch.autograd.functional.hessian(f, t(case["x"]))
    return {"hessian": flat(h)}


def safetensors(case):
    """Reads adjoint's file with a reader of the format's own (8-byte length, JSON header, raw
    little-endian data), loads it into the PyTorch model as docs/nn.md says, and runs it on x."""
    import base64
    import struct
    raw = base64.b64decode(case["bytes"])
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    dtypes = {"F64": torch.float64, "F32": torch.float32}
    state = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        data = bytearray(raw[8 + n + begin:8 + n + end])
        state[name] = torch.frombuffer(data, dtype=dtypes[info["dtype"]]).reshape(info["shape"]).to(torch.float64)
    model = eval(case["model"], {"torch": torch})  # the test's own PyTorch equivalent
    model.load_state_dict(eval(case["rename"], {"state": state}))
    model.eval()
    with torch.no_grad():
        out = model(t(case["x"]))
    return {"names": sorted(header), "out": flat(out)}


def plateau(case):
    """ReduceLROnPlateau over SGD param groups with rates case["lrs"]: each group's lr after each step(metric)."""
    o = case["options"]
    opt = torch.optim.SGD([{"params": [torch.zeros(1, dtype=torch.float64, requires_grad=True)], "lr": lr} for lr in case["lrs"]], lr=case["lrs"][0])
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode=o.get("mode", "min"), factor=o.get("factor", 0.1), patience=o.get("patience", 10), threshold=o.get("threshold", 1e-4),
        threshold_mode=o.get("thresholdMode", "rel"), cooldown=o.get("cooldown", 0), min_lr=o.get("minLr", 0), eps=o.get("eps", 1e-8))
    lrs = []
    for metric in case["metrics"]:
        scheduler.step(metric)
        lrs.append([g["lr"] for g in opt.param_groups])
    return {"lrs": lrs}


def snake(name):
    """adjoint's camelCase names, part by part, as PyTorch's (selfAttn.inProjWeight → self_attn.in_proj_weight)."""
    return ".".join(re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", part).lower() for part in name.split("."))


def attention(case):
    """MultiheadAttention, TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder or
    Transformer (batch_first) with adjoint's weights, on self-attention (inputs x), query, key and value, tgt and memory,
    or src and tgt; adjoint's isCausal flags as the causal attn_masks (1.13 has no is_causal)."""
    o, a = case["options"], case["args"]
    layer_options = dict(dim_feedforward=o.get("dimFeedforward", 2048), dropout=o.get("dropout", 0.1), activation=o.get("activation", "relu"),
                         layer_norm_eps=o.get("layerNormEps", 1e-5), batch_first=True, norm_first=o.get("normFirst", False))
    def encoder_layer():
        return torch.nn.TransformerEncoderLayer(a[0], a[1], **layer_options)
    if case["layer"] == "TransformerDecoderLayer":
        m = torch.nn.TransformerDecoderLayer(a[0], a[1], **layer_options)
    elif case["layer"] == "TransformerDecoder":
        m = torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(a[0], a[1], **layer_options), a[2], norm=torch.nn.LayerNorm(a[0]) if case["norm"] else None)
    elif case["layer"] == "Transformer":
        m = torch.nn.Transformer(d_model=a[0], nhead=a[1], num_encoder_layers=a[2], num_decoder_layers=a[3], **layer_options)
    elif case["layer"] == "MultiheadAttention":
        m = torch.nn.MultiheadAttention(a[0], a[1], dropout=o.get("dropout", 0.0), bias=o.get("bias", True), kdim=o.get("kdim"), vdim=o.get("vdim"),
                                        batch_first=True)
    elif case["layer"] == "TransformerEncoderLayer":
        m = encoder_layer()
    else:
        m = torch.nn.TransformerEncoder(encoder_layer(), a[2], norm=torch.nn.LayerNorm(a[0]) if case["norm"] else None)
    state = m.state_dict()
    assert sorted(state) == sorted(snake(n) for n in case["params"]), (sorted(state), sorted(case["params"]))
    for name, value in case["params"].items():
        v = t(value)
        state[snake(name)] = v.T if name in case["transposed"] else v  # Dense [in, out], Linear [out, in]
    m.load_state_dict(state)
    m.train(case["train"])
    inputs = {n: t(v, True) for n, v in case["inputs"].items()}

    def mask(d):
        if d is None:
            return None
        x = torch.tensor([float(v) for v in d["data"]], dtype=torch.float64).reshape(d["shape"])
        return x.bool() if d.get("boolean") else x
    if case["layer"] in ("TransformerDecoderLayer", "TransformerDecoder", "Transformer"):
        masks = {snake(name): mask(d) for name, d in case["masks"].items()}
        first, second = (inputs["src"], inputs["tgt"]) if case["layer"] == "Transformer" else (inputs["tgt"], inputs["memory"])
        src_len, tgt_len = (first.shape[1], second.shape[1]) if case["layer"] == "Transformer" else (second.shape[1], first.shape[1])
        sizes = {"src": (src_len, src_len), "tgt": (tgt_len, tgt_len), "memory": (tgt_len, src_len)}
        for which in case["causal"]:
            assert f"{which}_mask" not in masks
            masks[f"{which}_mask"] = torch.triu(torch.full(sizes[which], float("-inf")), 1)
        outs = [m(first, second, **masks)]
    else:
        attn_mask, key_padding_mask = mask(case["attnMask"]), mask(case["keyPaddingMask"])
        x = inputs.get("x")
        q, k, v = (x, x, x) if x is not None else (inputs["query"], inputs["key"], inputs["value"])
        if case["isCausal"] and attn_mask is None:
            attn_mask = torch.triu(torch.full((q.shape[1], k.shape[1]), float("-inf")), 1)
        if case["layer"] == "MultiheadAttention":
            out, w = m(q, k, v, key_padding_mask=key_padding_mask, attn_mask=attn_mask, need_weights=case["needWeights"],
                       average_attn_weights=case["averageAttnWeights"])
            outs = [out] if w is None else [out, w]
        elif case["layer"] == "TransformerEncoderLayer":
            outs = [m(x, src_mask=attn_mask, src_key_padding_mask=key_padding_mask)]
        else:
            outs = [m(x, mask=attn_mask, src_key_padding_mask=key_padding_mask)]
    sum((o * t(r).reshape(o.shape)).sum() for o, r in zip(outs, case["R"])).backward()
    params = dict(m.named_parameters())
    grads = {}
    for name in case["params"]:
        g = params[snake(name)].grad
        grads[name] = flat(g.T if name in case["transposed"] else g)
    return {"outs": [flat(o) for o in outs], "inputGrads": {n: flat(x.grad) for n, x in inputs.items()}, "paramGrads": grads}


def lbfgs(case):
    """L-BFGS on tanh(X w + b) against y (mean squared error), several steps: the loss each step returns and where it ends."""
    X, y = t(case["X"]), t(case["y"])
    w, b = t(case["w"], True), t(case["b"], True)
    o = case["options"]
    opt = torch.optim.LBFGS([w, b], lr=o.get("lr", 1), max_iter=o.get("maxIter", 20), history_size=o.get("historySize", 100),
                            line_search_fn="strong_wolfe" if o.get("lineSearch") == "strongWolfe" else None)

    def closure():
        opt.zero_grad()
        loss = F.mse_loss(torch.tanh(X @ w + b), y)
        loss.backward()
        return loss
    losses = [float(opt.step(closure)) for _ in range(case["steps"])]
    state = opt.state[w]
    return {"losses": losses, "w": flat(w), "b": flat(b), "funcEvals": state["func_evals"], "nIter": state["n_iter"]}


def schedule(case):
    """The rate of a torch.optim.lr_scheduler over `steps` steps (before the first, then after each), on SGD over one weight."""
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=case["lr"])
    scheduler = getattr(torch.optim.lr_scheduler, case["scheduler"])(opt, **case["args"])
    rates = [scheduler.get_last_lr()[0]]
    for _ in range(case["steps"] - 1):
        opt.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr()[0])
    return {"rates": rates}


KINDS = {"layer": layer, "optimizer": optimizer, "expression": expression, "clip": clip, "hessian": hessian, "safetensors": safetensors, "plateau": plateau}
KINDS["attention"] = attention
KINDS["lbfgs"] = lbfgs
KINDS["schedule"] = schedule
cases = json.load(sys.stdin)["cases"]
print(json.dumps({"results": [KINDS[c["kind"]](c) for c in cases]}))
