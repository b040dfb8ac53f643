#!/usr/bin/env python3
"""Writes independent expectations for src/nn and src/optim (test/fixtures/nn/*.json). CI only reads the JSON.

Two interpreters, because the two reference libraries live in different environments here:

  /usr/bin/python3 scripts/gen-nn-fixtures.py   # PyTorch 1.13 (Debian's python3-torch): writes torch.json
  python3 scripts/gen-nn-fixtures.py            # jax 0.10.2 (pip install --no-index --find-links /opt/pypi/files jax jaxlib): writes jax.json

Each run writes the file(s) whose library it can import (/usr/bin/python3 also has Debian's python3-sklearn and writes
sklearn.json). torch.json holds optimizer trajectories (torch.optim on fixed
gradient sequences), learning-rate schedules (torch.optim.lr_scheduler), activations, layers (torch.nn.functional,
nn.LSTM/GRU/MultiheadAttention with copied weights), losses, and metrics computed by plain numpy loops. jax.json holds
jax.nn.initializers samples for fixed keys (tensorlaw's random is bit-compatible with jax.random). torch-extra.json holds
the second slice: transformer encoder/decoder layers and stacks (torch.nn.Transformer*Layer with random weights, post-norm
and norm_first), torchvision-style BasicBlock/Bottleneck residual blocks (written out here, torchvision is not installed),
stacked and bidirectional nn.LSTM/GRU/RNN, and losses (torch's TripletMarginLoss, CosineEmbeddingLoss, distributions;
torchvision's sigmoid_focal_loss formula, the multi-class focal loss and the contrastive loss in numpy). sklearn.json
holds metrics from scikit-learn (roc_auc_score, top_k_accuracy_score, mean_squared_error, mean_absolute_percentage_error,
r2_score, jaccard_score, f1_score). Each file draws from its own seeded generator, so adding cases to one leaves the
others unchanged. Everything is float64 unless noted; arrays are {shape, data} with data flattened row-major.
"""
import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "nn")
rng = np.random.default_rng(20240611)


def arr(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}


def iarr(a):
    a = np.asarray(a)
    return {"shape": list(a.shape), "data": [int(v) for v in a.reshape(-1)]}


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", os.path.relpath(path), os.path.getsize(path), "bytes")


# ------------------------------------------------------------------------------------------------
# PyTorch


def torch_fixtures():
    import torch
    import torch.nn.functional as F

    torch.set_default_dtype(torch.float64)
    T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
    N = lambda t: t.detach().numpy()
    out = {"torch": torch.__version__}

    # --- optimizers: 5 steps on fixed gradient sequences -------------------------------------------
    p0 = {"a": rng.normal(size=(2, 3)), "b": rng.normal(size=(3,))}
    steps = 5
    grads = [{"a": rng.normal(size=(2, 3)) * 2, "b": rng.normal(size=(3,)) * 2} for _ in range(steps)]

    def run(make, clip=None):
        ps = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in p0.items()}
        opt = make([ps["a"], ps["b"]])
        traj = []
        for g in grads:
            opt.zero_grad()
            for k in ps:
                ps[k].grad = T(g[k])
            if clip == "norm":
                torch.nn.utils.clip_grad_norm_([ps["a"], ps["b"]], max_norm=1.0)
            elif clip == "value":
                torch.nn.utils.clip_grad_value_([ps["a"], ps["b"]], clip_value=0.5)
            opt.step()
            traj.append({k: arr(N(v)) for k, v in ps.items()})
        return traj

    O = torch.optim
    cases = [
        ("sgd", {"lr": 0.1}, lambda p: O.SGD(p, lr=0.1), None),
        ("sgdMomentum", {"lr": 0.1, "momentum": 0.9}, lambda p: O.SGD(p, lr=0.1, momentum=0.9), None),
        ("sgdNesterovWd", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weightDecay": 0.01},
         lambda p: O.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01), None),
        ("adagrad", {"lr": 0.1, "initialAccumulatorValue": 0.1, "eps": 1e-10},
         lambda p: O.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=1e-10), None),
        ("rmsprop", {"lr": 0.01, "decay": 0.9, "eps": 1e-8}, lambda p: O.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8), None),
        ("rmspropCenteredMomentum", {"lr": 0.01, "decay": 0.95, "eps": 1e-6, "centered": True, "momentum": 0.5},
         lambda p: O.RMSprop(p, lr=0.01, alpha=0.95, eps=1e-6, centered=True, momentum=0.5), None),
        ("adam", {"lr": 0.01, "b1": 0.9, "b2": 0.99, "eps": 1e-8}, lambda p: O.Adam(p, lr=0.01, betas=(0.9, 0.99), eps=1e-8), None),
        ("adamAmsgrad", {"lr": 0.01, "b1": 0.8, "b2": 0.9, "eps": 1e-8, "amsgrad": True},
         lambda p: O.Adam(p, lr=0.01, betas=(0.8, 0.9), eps=1e-8, amsgrad=True), None),
        ("adamw", {"lr": 0.01, "b1": 0.9, "b2": 0.999, "eps": 1e-8, "weightDecay": 0.1},
         lambda p: O.AdamW(p, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1), None),
        ("clipNormSgd", {"lr": 0.1, "maxNorm": 1.0}, lambda p: O.SGD(p, lr=0.1), "norm"),
        ("clipValueSgd", {"lr": 0.1, "maxDelta": 0.5}, lambda p: O.SGD(p, lr=0.1), "value"),
    ]
    out["optim"] = {
        "params": {k: arr(v) for k, v in p0.items()},
        "grads": [{k: arr(v) for k, v in g.items()} for g in grads],
        "cases": [{"name": n, "hp": hp, "trajectory": run(mk, clip)} for n, hp, mk, clip in cases],
    }

    # --- schedules: the lr torch uses at steps 0..n-1 (base lr 1) -----------------------------------
    S = O.lr_scheduler

    def lrs(make_sched, n, make_opt=lambda p: O.SGD(p, lr=1.0)):
        p = torch.zeros(1, requires_grad=True)
        opt = make_opt([p])
        sch = make_sched(opt)
        vals = []
        for _ in range(n):
            vals.append(opt.param_groups[0]["lr"])
            opt.step()
            sch.step()
        return vals

    out["schedules"] = [
        {"name": "stepDecay", "args": [1.0, 3, 0.5], "values": lrs(lambda o: S.StepLR(o, step_size=3, gamma=0.5), 10)},
        {"name": "exponentialDecay", "args": [1.0, 1, 0.9], "values": lrs(lambda o: S.ExponentialLR(o, gamma=0.9), 10)},
        {"name": "cosineDecay", "args": [1.0, 10, 0.1], "values": lrs(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.1), 11)},
        {"name": "sgdrSchedule", "args": [1.0, 3, 2, 0.05],
         "values": lrs(lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.05), 25)},
        {"name": "sgdrSchedule", "args": [1.0, 4, 1, 0.0],
         "values": lrs(lambda o: S.CosineAnnealingWarmRestarts(o, T_0=4, T_mult=1, eta_min=0.0), 12)},
        {"name": "cyclicSchedule", "args": [0.1, 1.0, 3, {"stepSizeDown": 2, "mode": "triangular2"}],
         "values": lrs(lambda o: S.CyclicLR(o, base_lr=0.1, max_lr=1.0, step_size_up=3, step_size_down=2, mode="triangular2",
                                             cycle_momentum=False), 16)},
        {"name": "cyclicSchedule", "args": [0.1, 1.0, 2, {"mode": "expRange", "gamma": 0.9}],
         "values": lrs(lambda o: S.CyclicLR(o, base_lr=0.1, max_lr=1.0, step_size_up=2, mode="exp_range", gamma=0.9,
                                             cycle_momentum=False), 10)},
        {"name": "linearSchedule", "args": [0.1, 1.0, 4],
         "values": lrs(lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=4), 7)},
    ]

    # --- activations ------------------------------------------------------------------------------
    x = np.concatenate([np.linspace(-5, 5, 11), [-0.3, 0.7, 2.5, -30.0, 30.0]])
    xt = T(x)
    acts = {
        "sigmoid": torch.sigmoid(xt), "tanh": torch.tanh(xt), "relu": F.relu(xt), "relu6": F.relu6(xt),
        "leakyRelu": F.leaky_relu(xt, 0.1), "elu": F.elu(xt, 1.0), "selu": F.selu(xt), "celu": F.celu(xt, 0.5),
        "geluExact": F.gelu(xt), "geluTanh": F.gelu(xt, approximate="tanh"), "silu": F.silu(xt),
        "softplus": F.softplus(xt, threshold=1000), "logSigmoid": F.logsigmoid(xt), "mish": F.mish(xt),
        "hardTanh": F.hardtanh(xt),
    }
    m = rng.normal(size=(3, 4)) * 3
    big = np.array([[1000.0, 0.0, -1000.0], [-50.0, 50.0, 49.0]])
    prelu_x = rng.normal(size=(2, 3))
    prelu_a = np.array([0.1, 0.2, 0.3])
    out["activations"] = {
        "x": arr(x), "values": {k: arr(N(v)) for k, v in acts.items()},
        "matrix": arr(m),
        "softmaxLast": arr(N(F.softmax(T(m), -1))), "softmaxFirst": arr(N(F.softmax(T(m), 0))),
        "logSoftmaxLast": arr(N(F.log_softmax(T(m), -1))), "logSoftmaxFirst": arr(N(F.log_softmax(T(m), 0))),
        "big": arr(big), "softmaxBig": arr(N(F.softmax(T(big), -1))), "logSoftmaxBig": arr(N(F.log_softmax(T(big), -1))),
        "preluX": arr(prelu_x), "preluA": arr(prelu_a),
        # torch's PReLU weight is per channel on axis 1 of (N, C): the same broadcast as ours on the last axis here
        "prelu": arr(N(F.prelu(T(prelu_x), T(prelu_a)))),
    }

    # --- layers -----------------------------------------------------------------------------------
    L = {}
    dx, dw, db = rng.normal(size=(3, 4)), rng.normal(size=(4, 5)), rng.normal(size=(5,))
    L["dense"] = {"x": arr(dx), "w": arr(dw), "b": arr(db), "y": arr(N(F.linear(T(dx), T(dw.T), T(db))))}

    def same_pads(size, k, s, d):
        eff = (k - 1) * d + 1
        outsz = -(-size // s)
        total = max((outsz - 1) * s + eff - size, 0)
        return total // 2, total - total // 2

    def conv_case(n, h, w, cin, cout, kh, kw, strides, padding, dilation, groups):
        x = rng.normal(size=(n, h, w, cin))
        k = rng.normal(size=(kh, kw, cin // groups, cout))
        b = rng.normal(size=(cout,))
        if padding == "SAME":
            pads = [same_pads(h, kh, strides[0], dilation[0]), same_pads(w, kw, strides[1], dilation[1])]
        elif padding == "VALID":
            pads = [(0, 0), (0, 0)]
        else:
            pads = padding
        xt = T(x).permute(0, 3, 1, 2)  # NCHW
        xt = F.pad(xt, (pads[1][0], pads[1][1], pads[0][0], pads[0][1]))
        kt = T(k).permute(3, 2, 0, 1)  # OIHW
        y = F.conv2d(xt, kt, T(b), stride=strides, dilation=dilation, groups=groups).permute(0, 2, 3, 1)
        return {"x": arr(x), "w": arr(k), "b": arr(b), "strides": strides, "padding": padding, "dilation": dilation,
                "groups": groups, "y": arr(N(y))}

    L["conv2d"] = [
        conv_case(2, 5, 6, 3, 4, 3, 2, [1, 1], "VALID", [1, 1], 1),
        conv_case(1, 7, 6, 2, 3, 3, 3, [2, 2], "SAME", [1, 1], 1),
        conv_case(2, 6, 6, 4, 4, 2, 2, [1, 2], [[1, 0], [2, 1]], [2, 1], 2),
    ]
    # the same convolution in PyTorch's own layout (NCHW input, OIHW kernel)
    cx, ck, cb = rng.normal(size=(2, 3, 5, 5)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=(4,))
    L["conv2dNCHW"] = {"x": arr(cx), "w": arr(ck), "b": arr(cb), "y": arr(N(F.conv2d(T(cx), T(ck), T(cb), stride=1, padding=1)))}
    c1x, c1k = rng.normal(size=(2, 7, 3)), rng.normal(size=(3, 3, 2))  # NWC, WIO
    c1 = F.conv1d(T(c1x).permute(0, 2, 1), T(c1k).permute(2, 1, 0), stride=2).permute(0, 2, 1)
    L["conv1d"] = {"x": arr(c1x), "w": arr(c1k), "y": arr(N(c1))}

    px = rng.normal(size=(2, 6, 5, 3))
    pt = T(px).permute(0, 3, 1, 2)
    back = lambda t: N(t.permute(0, 2, 3, 1))
    L["pool"] = {
        "x": arr(px),
        "max2": arr(back(F.max_pool2d(pt, 2))),
        "max3s2p1": arr(back(F.max_pool2d(pt, 3, stride=2, padding=1))),
        "avg2": arr(back(F.avg_pool2d(pt, 2))),
        "avg3s1p1": arr(back(F.avg_pool2d(pt, 3, stride=1, padding=1, count_include_pad=True))),
        "avg3s1p1NoPad": arr(back(F.avg_pool2d(pt, 3, stride=1, padding=1, count_include_pad=False))),
        "global": arr(N(pt.mean(dim=(2, 3)))),
    }

    bx = rng.normal(size=(4, 3, 2, 3)) * 2 + 1  # NHWC, 3 channels
    gamma, beta = rng.normal(size=(3,)), rng.normal(size=(3,))
    bn = torch.nn.BatchNorm2d(3, eps=1e-5, momentum=0.1)
    with torch.no_grad():
        bn.weight.copy_(T(gamma))
        bn.bias.copy_(T(beta))
    bn.train()
    ytrain = bn(T(bx).permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
    # torch keeps the unbiased batch variance in running_var; tensorlaw (like Flax) keeps the biased one
    flat = bx.reshape(-1, 3)
    run_var_biased = 0.9 * 1.0 + 0.1 * flat.var(axis=0)
    rm, rv = rng.normal(size=(3,)), rng.uniform(0.5, 2, size=(3,))
    bn_eval = torch.nn.BatchNorm2d(3, eps=1e-5)
    with torch.no_grad():
        bn_eval.weight.copy_(T(gamma))
        bn_eval.bias.copy_(T(beta))
        bn_eval.running_mean.copy_(T(rm))
        bn_eval.running_var.copy_(T(rv))
    bn_eval.eval()
    yeval = bn_eval(T(bx).permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
    L["batchNorm"] = {"x": arr(bx), "scale": arr(gamma), "bias": arr(beta), "yTrain": arr(N(ytrain)),
                      "runningMean": arr(N(bn.running_mean)), "runningVarBiased": arr(run_var_biased),
                      "evalMean": arr(rm), "evalVar": arr(rv), "yEval": arr(N(yeval))}

    lx = rng.normal(size=(2, 3, 4)) * 3
    lg, lb = rng.normal(size=(4,)), rng.normal(size=(4,))
    lg2, lb2 = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    L["layerNorm"] = {"x": arr(lx), "scale": arr(lg), "bias": arr(lb), "y": arr(N(F.layer_norm(T(lx), (4,), T(lg), T(lb), 1e-5))),
                      "scale2": arr(lg2), "bias2": arr(lb2), "y2": arr(N(F.layer_norm(T(lx), (3, 4), T(lg2), T(lb2), 1e-5)))}
    gx = rng.normal(size=(2, 3, 3, 4))  # NHWC, 4 channels
    gg, gb = rng.normal(size=(4,)), rng.normal(size=(4,))
    gy = F.group_norm(T(gx).permute(0, 3, 1, 2), 2, T(gg), T(gb), 1e-5).permute(0, 2, 3, 1)
    iy = F.instance_norm(T(gx).permute(0, 3, 1, 2), weight=T(gg), bias=T(gb), eps=1e-5).permute(0, 2, 3, 1)
    L["groupNorm"] = {"x": arr(gx), "scale": arr(gg), "bias": arr(gb), "y": arr(N(gy)), "yInstance": arr(N(iy))}

    # recurrent layers: nn.LSTM / nn.GRU / nn.RNN with random weights, batch_first
    sx = rng.normal(size=(2, 5, 3))
    rec = {}
    for kind, mod in (("lstm", torch.nn.LSTM), ("gru", torch.nn.GRU), ("rnn", torch.nn.RNN)):
        net = mod(3, 4, batch_first=True)
        with torch.no_grad():
            for prm in net.parameters():
                prm.copy_(T(rng.normal(size=tuple(prm.shape)) * 0.5))
        y, hN = net(T(sx))
        h = hN[0] if kind == "lstm" else hN
        rec[kind] = {"weightIh": arr(N(net.weight_ih_l0)), "weightHh": arr(N(net.weight_hh_l0)),
                     "biasIh": arr(N(net.bias_ih_l0)), "biasHh": arr(N(net.bias_hh_l0)), "y": arr(N(y)), "hN": arr(N(h[0]))}
    L["recurrent"] = {"x": arr(sx), **rec}

    # multi-head attention: torch's in_proj packs (q, k, v) rows; attn_mask True = NOT allowed (inverse of ours)
    E, H = 6, 2
    mha = torch.nn.MultiheadAttention(E, H, batch_first=True)
    with torch.no_grad():
        for prm in mha.parameters():
            prm.copy_(T(rng.normal(size=tuple(prm.shape)) * 0.5))
    ax = rng.normal(size=(2, 4, E))
    causal = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
    yc, _ = mha(T(ax), T(ax), T(ax), attn_mask=causal, need_weights=False)
    ctx = rng.normal(size=(2, 3, E))
    kpm = torch.tensor([[False, False, True], [False, False, False]])  # True = padding (ignored)
    yx, _ = mha(T(ax), T(ctx), T(ctx), key_padding_mask=kpm, need_weights=False)
    L["mha"] = {"inProjWeight": arr(N(mha.in_proj_weight)), "inProjBias": arr(N(mha.in_proj_bias)),
                "outWeight": arr(N(mha.out_proj.weight)), "outBias": arr(N(mha.out_proj.bias)),
                "x": arr(ax), "yCausal": arr(N(yc)), "context": arr(ctx), "keepKeys": iarr((~kpm).numpy().astype(int)),
                "yCross": arr(N(yx))}
    q, k, v = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 5, 4)), rng.normal(size=(2, 5, 2))
    am = rng.uniform(size=(3, 5)) > 0.3
    am[:, 0] = True
    L["sdpa"] = {"q": arr(q), "k": arr(k), "v": arr(v), "mask": iarr(am.astype(int)),
                 "y": arr(N(F.scaled_dot_product_attention(T(q), T(k), T(v)) if hasattr(F, "scaled_dot_product_attention")
                            else torch.softmax(T(q) @ T(k).transpose(-1, -2) / 2.0, -1) @ T(v))),
                 "yMasked": arr(N(torch.softmax((T(q) @ T(k).transpose(-1, -2) / 2.0).masked_fill(~torch.tensor(am), float("-inf")), -1) @ T(v)))}
    out["layers"] = L

    # --- losses -------------------------------------------------------------------------------------
    pr, tg = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)) * 2
    logits = rng.normal(size=(5, 4)) * 2
    labels = rng.integers(0, 4, size=(5,))
    probs = rng.dirichlet(np.ones(4), size=5)
    blog = np.array([[-3.0, 0.5, 2.0], [100.0, -100.0, 0.0]])
    blab = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]])
    posw = np.array([2.0, 0.5, 1.0])
    l3, lab3 = rng.normal(size=(2, 3, 4)), rng.integers(0, 3, size=(2, 4))
    biglog, biglab = np.array([[1000.0, -1000.0, 0.0]]), np.array([1])
    klp = F.log_softmax(T(rng.normal(size=(3, 4))), -1)
    klt = rng.dirichlet(np.ones(4), size=3)
    klt[0, 1] = 0.0
    klt[0] /= klt[0].sum()
    sc, hy = rng.normal(size=(6,)) * 2, np.array([1, -1, 1, 1, -1, -1])
    out["losses"] = {
        "pred": arr(pr), "target": arr(tg),
        "mse": F.mse_loss(T(pr), T(tg)).item(), "mseSum": F.mse_loss(T(pr), T(tg), reduction="sum").item(),
        "mae": F.l1_loss(T(pr), T(tg)).item(), "huber15": F.huber_loss(T(pr), T(tg), delta=1.5).item(),
        "huberNone": arr(N(F.huber_loss(T(pr), T(tg), reduction="none"))),
        "bceLogits": arr(blog), "bceLabels": arr(blab), "posWeight": arr(posw),
        "bce": F.binary_cross_entropy_with_logits(T(blog), T(blab)).item(),
        "bcePosWeight": F.binary_cross_entropy_with_logits(T(blog), T(blab), pos_weight=T(posw)).item(),
        "bceSmooth": F.binary_cross_entropy_with_logits(T(blog), T(blab * 0.8 + 0.1)).item(),
        "logits": arr(logits), "labels": iarr(labels), "probs": arr(probs),
        "ce": F.cross_entropy(T(logits), torch.tensor(labels)).item(),
        "ceNone": arr(N(F.cross_entropy(T(logits), torch.tensor(labels), reduction="none"))),
        "ceProbs": F.cross_entropy(T(logits), T(probs)).item(),
        "ceSmooth": F.cross_entropy(T(logits), torch.tensor(labels), label_smoothing=0.1).item(),
        "logits3": arr(l3), "labels3": iarr(lab3), "ceAxis1": F.cross_entropy(T(l3), torch.tensor(lab3)).item(),
        "bigLogits": arr(biglog), "bigLabels": iarr(biglab), "ceBig": F.cross_entropy(T(biglog), torch.tensor(biglab)).item(),
        "klLogP": arr(N(klp)), "klTarget": arr(klt),
        "kl": F.kl_div(klp, T(klt), reduction="batchmean").item(),
        "klLogTarget": F.kl_div(klp, T(np.log(np.maximum(klt, 1e-300))), reduction="batchmean", log_target=True).item(),
        "hingeScores": arr(sc), "hingeLabels": arr(hy),
        "hinge": float(np.mean(np.maximum(0, 1 - hy * sc))),
    }

    # --- metrics (numpy loops) -----------------------------------------------------------------------
    K = 3
    yt = rng.integers(0, K, size=(20,))
    yp = np.where(rng.uniform(size=20) < 0.6, yt, rng.integers(0, K, size=20))
    cm = np.zeros((K, K), dtype=int)
    for a, b in zip(yt, yp):
        cm[a, b] += 1
    tp = np.diag(cm).astype(float)
    predc, actc = cm.sum(0).astype(float), cm.sum(1).astype(float)
    div = lambda a, b: np.where(b > 0, a / np.where(b > 0, b, 1), 0.0)
    P, R = div(tp, predc), div(tp, actc)
    F1 = div(2 * tp, predc + actc)
    bt, bp = (yt == 1).astype(int), (yp == 1).astype(int)
    btp = float(((bt == 1) & (bp == 1)).sum())
    out["metrics"] = {
        "labels": iarr(yt), "preds": iarr(yp), "confusion": iarr(cm), "accuracy": float((yt == yp).mean()),
        "precisionMacro": float(P.mean()), "recallMacro": float(R.mean()), "f1Macro": float(F1.mean()),
        "precisionMicro": float(tp.sum() / predc.sum()), "f1Weighted": float((F1 * actc).sum() / actc.sum()),
        "recallWeighted": float((R * actc).sum() / actc.sum()),
        "binaryLabels": iarr(bt), "binaryPreds": iarr(bp),
        "precisionBinary": btp / bp.sum(), "recallBinary": btp / bt.sum(), "f1Binary": 2 * btp / (bp.sum() + bt.sum()),
    }

    # --- transposed convolution (drawn last so the cases above keep their values) -------------------
    tx = rng.normal(size=(2, 3, 4, 3))  # NHWC
    k_valid = rng.normal(size=(3, 3, 3, 2))  # HWIO, applied unflipped (transposeKernel false)
    w_valid = torch.flip(T(k_valid), dims=(0, 1)).permute(2, 3, 0, 1)  # torch: (in, out, kh, kw), flipped
    y_valid = F.conv_transpose2d(T(tx).permute(0, 3, 1, 2), w_valid, stride=2).permute(0, 2, 3, 1)
    w_same = rng.normal(size=(3, 2, 4, 4))  # torch (in, out, kh, kw)
    b_same = rng.normal(size=(2,))
    y_same = F.conv_transpose2d(T(tx).permute(0, 3, 1, 2), T(w_same), T(b_same), stride=2, padding=1).permute(0, 2, 3, 1)
    out["layers"]["convTranspose"] = {
        "x": arr(tx), "wValid": arr(k_valid), "yValid": arr(N(y_valid)),
        # transposeKernel: the forward conv's HWIO kernel, (kh, kw, out, in) of the transpose
        "wSame": arr(np.transpose(w_same, (2, 3, 1, 0))), "bSame": arr(b_same), "ySame": arr(N(y_same)),
    }
    write("torch.json", out)


# ------------------------------------------------------------------------------------------------
# PyTorch, second slice: transformers, residual blocks, stacked RNNs, metric-learning / focal / VAE losses


def torch_extra_fixtures():
    import torch
    import torch.nn.functional as F

    torch.set_default_dtype(torch.float64)
    r = np.random.default_rng(20240917)
    T = lambda a: torch.tensor(np.asarray(a, dtype=np.float64))
    N = lambda t: t.detach().numpy()
    out = {"torch": torch.__version__}

    def randomize(module, scale=0.3):
        with torch.no_grad():
            for prm in module.parameters():
                prm.copy_(T(r.normal(size=tuple(prm.shape)) * scale))
            for name, buf in module.named_buffers():
                if name.endswith("running_mean"):
                    buf.copy_(T(r.normal(size=tuple(buf.shape)) * 0.5))
                elif name.endswith("running_var"):
                    buf.copy_(T(r.uniform(0.5, 2.0, size=tuple(buf.shape))))

    def state(module):
        return {k: arr(N(v)) for k, v in module.state_dict().items() if not k.endswith("num_batches_tracked")}

    # --- transformer layers: d_model 8, 2 heads, feed-forward 16; attn masks True = NOT allowed in torch -----
    E, H, FF, B, Tt, S = 8, 2, 16, 2, 5, 4
    x = r.normal(size=(B, Tt, E))
    mem = r.normal(size=(B, S, E))
    causal = torch.triu(torch.ones(Tt, Tt, dtype=torch.bool), diagonal=1)
    tgt_pad = torch.tensor([[False] * Tt, [False, False, False, True, True]])  # True = padding
    mem_pad = torch.tensor([[False, False, False, True], [False] * S])
    keep = lambda m: iarr((~m).numpy().astype(int))  # ours: True = keep
    TR = {"x": arr(x), "memory": arr(mem), "paddingMask": keep(tgt_pad), "memoryPaddingMask": keep(mem_pad)}

    def enc_case(norm_first, act, use_causal, use_pad):
        layer = torch.nn.TransformerEncoderLayer(E, H, FF, dropout=0.1, activation=act, batch_first=True, norm_first=norm_first)
        randomize(layer)
        layer.eval()  # grad stays enabled, so torch 1.13 takes the ordinary (not the fused fast) path
        y = layer(T(x), src_mask=causal if use_causal else None, src_key_padding_mask=tgt_pad if use_pad else None)
        return {"preNorm": norm_first, "activation": act, "causal": use_causal, "padding": use_pad, "state": state(layer), "y": arr(N(y))}

    def dec_case(norm_first, act, use_tgt_pad, use_mem_pad):
        layer = torch.nn.TransformerDecoderLayer(E, H, FF, dropout=0.1, activation=act, batch_first=True, norm_first=norm_first)
        randomize(layer)
        layer.eval()
        y = layer(T(x), T(mem), tgt_mask=causal, tgt_key_padding_mask=tgt_pad if use_tgt_pad else None,
                  memory_key_padding_mask=mem_pad if use_mem_pad else None)
        return {"preNorm": norm_first, "activation": act, "padding": use_tgt_pad, "memoryPadding": use_mem_pad, "state": state(layer), "y": arr(N(y))}

    TR["encoder"] = [enc_case(False, "relu", False, False), enc_case(True, "gelu", True, True), enc_case(False, "relu", False, True)]
    TR["decoder"] = [dec_case(False, "relu", False, True), dec_case(True, "gelu", True, False)]
    # stacks: a pre-norm encoder with a final LayerNorm, a post-norm decoder without one
    enc_layer = torch.nn.TransformerEncoderLayer(E, H, FF, batch_first=True, norm_first=True)
    enc = torch.nn.TransformerEncoder(enc_layer, 2, norm=torch.nn.LayerNorm(E), enable_nested_tensor=False)
    randomize(enc)
    enc.eval()
    ye = enc(T(x), src_key_padding_mask=tgt_pad)
    dec_layer = torch.nn.TransformerDecoderLayer(E, H, FF, batch_first=True)
    dec = torch.nn.TransformerDecoder(dec_layer, 2)
    randomize(dec)
    dec.eval()
    yd = dec(T(x), T(mem), tgt_mask=causal, memory_key_padding_mask=mem_pad)
    TR["encoderStack"] = {"state": state(enc), "y": arr(N(ye))}
    TR["decoderStack"] = {"state": state(dec), "y": arr(N(yd))}
    out["transformer"] = TR

    # --- torchvision-style residual blocks (NCHW modules; inputs/outputs given NHWC unless noted) ---------
    class BasicBlock(torch.nn.Module):
        def __init__(self, cin, planes, stride):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
            self.bn1 = torch.nn.BatchNorm2d(planes)
            self.conv2 = torch.nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = torch.nn.BatchNorm2d(planes)
            self.downsample = None
            if stride != 1 or cin != planes:
                self.downsample = torch.nn.Sequential(torch.nn.Conv2d(cin, planes, 1, stride, bias=False), torch.nn.BatchNorm2d(planes))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            identity = x if self.downsample is None else self.downsample(x)
            return F.relu(out + identity)

    class Bottleneck(torch.nn.Module):
        def __init__(self, cin, planes, stride, expansion=4):
            super().__init__()
            self.conv1 = torch.nn.Conv2d(cin, planes, 1, bias=False)
            self.bn1 = torch.nn.BatchNorm2d(planes)
            self.conv2 = torch.nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
            self.bn2 = torch.nn.BatchNorm2d(planes)
            self.conv3 = torch.nn.Conv2d(planes, planes * expansion, 1, bias=False)
            self.bn3 = torch.nn.BatchNorm2d(planes * expansion)
            self.downsample = None
            if stride != 1 or cin != planes * expansion:
                self.downsample = torch.nn.Sequential(torch.nn.Conv2d(cin, planes * expansion, 1, stride, bias=False),
                                                      torch.nn.BatchNorm2d(planes * expansion))

        def forward(self, x):
            out = F.relu(self.bn1(self.conv1(x)))
            out = F.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
            identity = x if self.downsample is None else self.downsample(x)
            return F.relu(out + identity)

    def block_case(make, xshape_nchw):
        xb = r.normal(size=xshape_nchw)
        net = make()
        randomize(net)
        net.eval()
        y_eval = net(T(xb))
        eval_state = state(net)
        # training mode (momentum 0.1 = ours 0.9): batch statistics, and the updated running statistics. torch keeps
        # the unbiased batch variance, tensorlaw the biased one: var_ours = 0.9·v0 + 0.1·biased, from torch's
        # running_var = 0.9·v0 + 0.1·unbiased and biased = unbiased·(n - 1)/n, n = N·H·W of the batchNorm's input
        counts, v0 = {}, {}
        hooks = []
        for name, m in net.named_modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                v0[name] = m.running_var.clone()
                hooks.append(m.register_forward_hook(lambda mod, inp, o, name=name: counts.__setitem__(name, inp[0].numel() // inp[0].shape[1])))
        net.train()
        y_train = net(T(xb))
        for h in hooks:
            h.remove()
        running = {}
        for name, m in net.named_modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                n = counts[name]
                unbiased = (m.running_var - 0.9 * v0[name]) / 0.1
                running[name] = {"mean": arr(N(m.running_mean)), "varBiased": arr(N(0.9 * v0[name] + 0.1 * unbiased * (n - 1) / n))}
        return {"x": arr(xb), "state": eval_state, "yEval": arr(N(y_eval)), "yTrain": arr(N(y_train)), "running": running}

    out["resnet"] = {
        "basicIdentity": block_case(lambda: BasicBlock(4, 4, 1), (2, 4, 5, 5)),
        "basicProjection": block_case(lambda: BasicBlock(3, 4, 2), (2, 3, 6, 5)),
        "bottleneck": block_case(lambda: Bottleneck(4, 2, 2), (2, 4, 5, 6)),
    }

    # --- stacked / bidirectional recurrent layers --------------------------------------------------------
    sx = r.normal(size=(2, 5, 3))
    rec = {"x": arr(sx)}
    for name, mod, layers, bi in (("lstm2bi", torch.nn.LSTM, 2, True), ("gru3", torch.nn.GRU, 3, False), ("rnn2bi", torch.nn.RNN, 2, True)):
        net = mod(3, 4, num_layers=layers, batch_first=True, bidirectional=bi)
        randomize(net, 0.5)
        y, hn = net(T(sx))
        h = hn[0] if name.startswith("lstm") else hn
        case = {"numLayers": layers, "bidirectional": bi, "state": state(net), "y": arr(N(y)), "hN": arr(N(h))}
        if name.startswith("lstm"):
            case["cN"] = arr(N(hn[1]))
        rec[name] = case
    out["stackedRnn"] = rec

    # --- losses --------------------------------------------------------------------------------------------
    Lo = {}
    fl_x = r.normal(size=(4, 3)) * 3
    fl_y = (r.uniform(size=(4, 3)) > 0.5).astype(float)
    fl_y[0, 0] = 0.3  # a soft label

    def sigmoid_focal(x, y, alpha, gamma):  # torchvision.ops.sigmoid_focal_loss, reduction 'none'
        xt, yt = T(x), T(y)
        p = torch.sigmoid(xt)
        ce = F.binary_cross_entropy_with_logits(xt, yt, reduction="none")
        p_t = p * yt + (1 - p) * (1 - yt)
        loss = ce * ((1 - p_t) ** gamma)
        if alpha >= 0:
            loss = (alpha * yt + (1 - alpha) * (1 - yt)) * loss
        return N(loss)

    Lo["focal"] = {"x": arr(fl_x), "y": arr(fl_y),
                   "sigmoidDefault": float(sigmoid_focal(fl_x, fl_y, 0.25, 2).mean()),
                   "sigmoidNoAlphaGamma15None": arr(sigmoid_focal(fl_x, fl_y, -1, 1.5)),
                   "sigmoidAlpha06Gamma0Sum": float(sigmoid_focal(fl_x, fl_y, 0.6, 0).sum())}
    sm_x = r.normal(size=(5, 4)) * 2
    sm_y = r.integers(0, 4, size=(5,))
    sm_alpha = np.array([0.1, 0.4, 0.3, 0.2])
    logp = sm_x - sm_x.max(-1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(-1, keepdims=True))
    onehot = np.eye(4)[sm_y]

    def softmax_focal(gamma, alpha):
        return -(alpha * onehot * (1 - np.exp(logp)) ** gamma * logp).sum(-1)

    Lo["focal"].update({"smX": arr(sm_x), "smY": iarr(sm_y), "smAlpha": arr(sm_alpha),
                        "softmaxGamma2": float(softmax_focal(2, 1.0).mean()),
                        "softmaxGamma15AlphaNone": arr(softmax_focal(1.5, sm_alpha)),
                        "softmaxGamma0": float(softmax_focal(0, 1.0).mean()),
                        "ce": F.cross_entropy(T(sm_x), torch.tensor(sm_y)).item()})

    a, pz, ng = r.normal(size=(6, 5)), r.normal(size=(6, 5)), r.normal(size=(6, 5))
    Lo["triplet"] = {"a": arr(a), "p": arr(pz), "n": arr(ng),
                     "m05": torch.nn.TripletMarginLoss(margin=0.5)(T(a), T(pz), T(ng)).item(),
                     "p1SwapNone": arr(N(torch.nn.TripletMarginLoss(margin=1.0, p=1, swap=True, reduction="none")(T(a), T(pz), T(ng)))),
                     "pairwise": arr(N(F.pairwise_distance(T(a), T(pz)))),
                     "pairwiseP3": arr(N(F.pairwise_distance(T(a), T(pz), p=3)))}
    ce_y = np.array([1, -1, 1, -1, -1, 1])
    Lo["cosine"] = {"x1": arr(a), "x2": arr(pz), "y": iarr(ce_y),
                    "m01": torch.nn.CosineEmbeddingLoss(margin=0.1)(T(a), T(pz), torch.tensor(ce_y)).item(),
                    "none": arr(N(torch.nn.CosineEmbeddingLoss(reduction="none")(T(a), T(pz), torch.tensor(ce_y))))}
    # contrastive (Hadsell et al. 2006), labels 1 = similar: ½·y·d² + ½·(1 - y)·max(0, m - d)²
    cy = np.array([1, 0, 1, 0, 0, 1])
    d = np.sqrt(((a - pz) ** 2).sum(-1))
    cl = 0.5 * cy * d ** 2 + 0.5 * (1 - cy) * np.maximum(0, 3.0 - d) ** 2
    Lo["contrastive"] = {"y": iarr(cy), "m3": float(cl.mean()), "m3None": arr(cl)}

    mu, lv = r.normal(size=(3, 4)), r.normal(size=(3, 4)) * 0.5
    D = torch.distributions
    kl = D.kl_divergence(D.Normal(T(mu), torch.exp(0.5 * T(lv))), D.Normal(torch.zeros(3, 4), torch.ones(3, 4))).sum(-1)
    img_logits, img = r.normal(size=(3, 2, 3)) * 2, r.uniform(size=(3, 2, 3))
    img[0, 0, 0], img[1, 1, 2] = 0.0, 1.0
    bll = -F.binary_cross_entropy_with_logits(T(img_logits), T(img), reduction="none").sum((1, 2))
    gm, glv, gx = r.normal(size=(3, 2, 3)), r.normal(size=(3, 2, 3)) * 0.3, r.normal(size=(3, 2, 3))
    gll = D.Normal(T(gm), torch.exp(0.5 * T(glv))).log_prob(T(gx)).sum((1, 2))
    gll1 = D.Normal(T(gm), torch.ones(3, 2, 3)).log_prob(T(gx)).sum((1, 2))
    Lo["vae"] = {"mu": arr(mu), "logVar": arr(lv), "klNone": arr(N(kl)), "kl": float(N(kl).mean()),
                 "imgLogits": arr(img_logits), "img": arr(img), "bernoulliNone": arr(N(bll)),
                 "gMean": arr(gm), "gLogVar": arr(glv), "gX": arr(gx), "gaussianNone": arr(N(gll)), "gaussianUnit": float(N(gll1).mean())}
    # token cross-entropy with padding (ignore_index) and its perplexity
    lm_logits = r.normal(size=(2, 5, 6)) * 2
    lm_y = r.integers(0, 6, size=(2, 5))
    lm_mask = np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    ign = torch.tensor(np.where(lm_mask == 1, lm_y, -100))
    lm_ce = F.cross_entropy(T(lm_logits).permute(0, 2, 1), ign, ignore_index=-100).item()
    Lo["lm"] = {"logits": arr(lm_logits), "labels": iarr(lm_y), "mask": iarr(lm_mask), "ce": lm_ce, "perplexity": math.exp(lm_ce)}
    out["losses"] = Lo
    write("torch-extra.json", out)


# ------------------------------------------------------------------------------------------------
# scikit-learn metrics


def sklearn_fixtures():
    import sklearn
    from sklearn import metrics as M

    r = np.random.default_rng(20240918)
    out = {"sklearn": sklearn.__version__}
    # ROC AUC: scores rounded to one decimal so that many are tied, and continuous scores
    y = r.integers(0, 2, size=30)
    s_tied = np.round(r.uniform(size=30) * 0.6 + y * 0.3, 1)
    s_cont = r.normal(size=30) + y
    out["rocAuc"] = {"labels": iarr(y), "tied": arr(s_tied), "aucTied": M.roc_auc_score(y, s_tied),
                     "cont": arr(s_cont), "aucCont": M.roc_auc_score(y, s_cont)}
    # top-k accuracy, with ties
    K = 5
    sc = np.round(r.uniform(size=(12, K)), 1)
    yk = r.integers(0, K, size=12)
    out["topK"] = {"scores": arr(sc), "labels": iarr(yk),
                   "k1": M.top_k_accuracy_score(yk, sc, k=1, labels=range(K)),
                   "k2": M.top_k_accuracy_score(yk, sc, k=2, labels=range(K)),
                   "k3": M.top_k_accuracy_score(yk, sc, k=3, labels=range(K))}
    # regression
    yt, yp = r.normal(size=(8, 3)) * 2, r.normal(size=(8, 3)) * 2
    yt[2, 1] = 0.0  # mape: a zero target is divided by eps
    yt1, yp1 = yt[:, 0], yp[:, 0]
    const_t = np.column_stack([np.full(8, 2.0), np.full(8, 3.0), yt[:, 2]])
    const_p = np.column_stack([np.full(8, 2.0), yp[:, 1], yp[:, 2]])
    out["regression"] = {
        "t": arr(yt), "p": arr(yp),
        "rmse1": M.mean_squared_error(yt1, yp1, squared=False),
        "rmseRaw": arr(M.mean_squared_error(yt, yp, squared=False, multioutput="raw_values")),
        "rmseAvg": M.mean_squared_error(yt, yp, squared=False),
        "mape1": M.mean_absolute_percentage_error(yt[:, 1], yp[:, 1]),
        "mapeAvg": M.mean_absolute_percentage_error(yt, yp),
        "r21": M.r2_score(yt1, yp1), "r2Raw": arr(M.r2_score(yt, yp, multioutput="raw_values")), "r2Avg": M.r2_score(yt, yp),
        "constT": arr(const_t), "constP": arr(const_p), "r2ConstRaw": arr(M.r2_score(const_t, const_p, multioutput="raw_values")),
    }
    # segmentation maps: per-pixel classes of 2 images 4x5, every class present
    KS = 4
    lab = r.integers(0, KS, size=(2, 4, 5))
    pred = np.where(r.uniform(size=lab.shape) < 0.6, lab, r.integers(0, KS, size=lab.shape))
    lt, pt = lab.ravel(), pred.ravel()
    L = list(range(KS))
    blab, bpred = (lab == 1).astype(int), (pred == 1).astype(int)
    out["segmentation"] = {
        "labels": iarr(lab), "preds": iarr(pred),
        "iouNone": arr(M.jaccard_score(lt, pt, labels=L, average=None)),
        "iouMacro": M.jaccard_score(lt, pt, labels=L, average="macro"),
        "iouMicro": M.jaccard_score(lt, pt, labels=L, average="micro"),
        "iouWeighted": M.jaccard_score(lt, pt, labels=L, average="weighted"),
        "diceNone": arr(M.f1_score(lt, pt, labels=L, average=None)),
        "diceMacro": M.f1_score(lt, pt, labels=L, average="macro"),
        "binaryLabels": iarr(blab), "binaryPreds": iarr(bpred),
        "iouBinary": M.jaccard_score(blab.ravel(), bpred.ravel()), "diceBinary": M.f1_score(blab.ravel(), bpred.ravel()),
    }
    write("sklearn.json", out)


# ------------------------------------------------------------------------------------------------
# JAX initializers


def jax_fixtures():
    import jax
    import jax.numpy as jnp

    I = jax.nn.initializers
    K = jax.random.PRNGKey
    cases = []

    def add(name, init, seed, shape, dtype="float32", args=None):
        v = np.asarray(init(K(seed), shape, jnp.float32), dtype=np.float64)
        cases.append({"name": name, "args": args or [], "seed": seed, "shape": list(shape), "dtype": dtype, "data": arr(v)["data"]})

    add("glorotUniform", I.glorot_uniform(), 42, (2, 3))
    add("glorotNormal", I.glorot_normal(), 1, (4, 3))
    add("heUniform", I.he_uniform(), 2, (3, 3, 2, 4))
    add("heNormal", I.he_normal(), 3, (5, 2))
    add("lecunUniform", I.lecun_uniform(), 4, (3, 2))
    add("lecunNormal", I.lecun_normal(), 5, (2, 2, 3))
    add("normal", I.normal(0.5), 6, (4,), args=[0.5])
    add("truncatedNormal", I.truncated_normal(0.1), 7, (3, 2), args=[0.1])
    add("uniform", I.uniform(0.3), 8, (5,), args=[0.3])
    add("orthogonal", I.orthogonal(), 42, (2, 3))
    add("orthogonal", I.orthogonal(), 9, (4, 4))
    add("orthogonal", I.orthogonal(2.0), 10, (5, 3), args=[2.0])
    add("orthogonal", I.orthogonal(), 11, (2, 3, 4))
    add("orthogonal", I.orthogonal(1.0, column_axis=0), 12, (3, 4), args=[1.0, 0])
    write("jax.json", {"jax": jax.__version__, "initializers": cases})


if __name__ == "__main__":
    done = False
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch not importable here: skipping torch.json (use /usr/bin/python3 with python3-torch)")
    else:
        torch_fixtures()
        torch_extra_fixtures()
        done = True
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print("scikit-learn not importable here: skipping sklearn.json (apt-get install python3-sklearn; use /usr/bin/python3)")
    else:
        sklearn_fixtures()
        done = True
    try:
        import jax  # noqa: F401
    except ImportError:
        print("jax not importable here: skipping jax.json")
    else:
        jax_fixtures()
        done = True
    if not done:
        raise SystemExit("neither torch nor jax is importable")
