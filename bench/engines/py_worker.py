# Benchmark worker for the Python peers (numpy, PyTorch CPU): JSON commands on stdin, replies on fd 3.
# Same protocol, inputs and fingerprints as engines/worker.ts (see bench/lib/common.ts).
import ctypes
import glob
import json
import math
import os
import sys
import time

REPLY = os.fdopen(3, "w", buffering=1)
SAMPLES = 256


class Unsupported(Exception):
    pass


def reply(obj):
    REPLY.write(json.dumps(obj) + "\n")
    REPLY.flush()


# --- the seeded generator of bench/lib/common.ts (lowbias32), vectorized --------------------------------
def hash32(x, np):
    x = np.asarray(x, dtype=np.uint32)
    x = x ^ (x >> np.uint32(16))
    x = x * np.uint32(0x7FEB352D)
    x = x ^ (x >> np.uint32(15))
    x = x * np.uint32(0x846CA68B)
    x = x ^ (x >> np.uint32(16))
    return x


def generate(spec, np):
    n = int(np.prod(spec["shape"])) if spec["shape"] else 1
    s = hash32(np.uint32(spec["seed"]), np)
    if spec["kind"] == "onehot":
        rows, classes = spec["shape"]
        out = np.zeros((rows, classes), dtype=np.float32)
        cls = hash32(np.arange(rows, dtype=np.uint32) ^ s, np) % np.uint32(classes)
        out[np.arange(rows), cls.astype(np.int64)] = 1
        return out
    u = (hash32(np.arange(n, dtype=np.uint32) ^ s, np) >> np.uint32(8)).astype(np.float64) / 16777216.0
    return (spec["lo"] + (spec["hi"] - spec["lo"]) * u).astype(np.float32).reshape(spec["shape"])


def input_checksum(case, np):
    acc = 0
    for k, spec in enumerate(case["inputs"]):
        bits = generate(spec, np).reshape(-1).view(np.uint32).astype(np.uint64)
        mult = np.arange(bits.size, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        h = int(((bits * mult) & np.uint64(0xFFFFFFFF)).sum() & np.uint64(0xFFFFFFFF))
        acc = (acc + h * (2 * k + 1)) & 0xFFFFFFFF
    return acc


def fingerprint(a, np):
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    n = a.size
    S = min(SAMPLES, n)
    idx = [int(math.floor((k + 0.5) * n / S)) for k in range(S)]
    return {"n": n, "sum": float(a.sum()), "sumAbs": float(np.abs(a).sum()), "samples": [float(a[i]) for i in idx]}


# --- engines --------------------------------------------------------------------------------------------
MLP = ["w1", "b1", "w2", "b2", "w3", "b3"]
CNN = ["c1w", "c1b", "c2w", "c2b", "d1w", "d1b", "d2w", "d2b"]


def openblas_core(np_module_dir):
    """The OpenBLAS kernel numpy runs (OPENBLAS_CORETYPE changes it), read through its C API."""
    libs = glob.glob(os.path.join(np_module_dir, "..", "numpy.libs", "*openblas*")) + glob.glob("/usr/lib/x86_64-linux-gnu/openblas*/libopenblas*.so*")
    for lib in libs:
        try:
            l = ctypes.CDLL(lib)
        except OSError:
            continue
        for name in ("scipy_openblas_get_corename64_", "openblas_get_corename64_", "openblas_get_corename"):
            f = getattr(l, name, None)
            if f is not None:
                f.restype = ctypes.c_char_p
                return f().decode()
    return "?"


class NumpyEngine:
    def __init__(self, threads):
        import numpy as np

        self.np = np
        core = openblas_core(os.path.dirname(np.__file__))
        self.info = {
            "label": "numpy",
            "version": np.__version__,
            "threads": os.environ.get("OPENBLAS_NUM_THREADS", "?") + " (OpenBLAS)",
            "notes": ["OpenBLAS kernel " + core, "eager only (no jit, no autodiff)"],
        }

    def setup(self, case, inp):
        np = self.np
        w = case["workload"]
        if w == "W1":
            a, b = inp["a"], inp["b"]
            return Runner(lambda: {"c": a @ b}, lambda: a @ b)
        if w == "W2":
            x = inp["x"]

            def f():
                y = np.tanh(x * np.float32(1.5) + np.float32(0.5))
                return y * (np.float32(1) / (np.float32(1) + np.exp(-x)))

            return Runner(lambda: {"y": f()}, f, note="no jit: eager ops" if case["key"] == "jit" else None)
        if w == "W3":
            x = inp["x"]
            return Runner(lambda: {"s": np.sum(x)}, lambda: np.sum(x))
        if w == "W5":
            n = int(case["params"]["n"])
            one = np.array(1, dtype=np.float32)

            def loop():
                x = np.array(0, dtype=np.float32)
                for _ in range(n):
                    x = x + one
                return x

            return Runner(lambda: {"x": loop()}, loop)
        raise Unsupported("numpy has no autodiff/convolution: not a numpy workload")


class TorchEngine:
    def __init__(self, threads):
        import numpy as np
        import torch

        self.np, self.torch = np, torch
        torch.set_num_threads(threads)
        core = openblas_core(os.path.dirname(np.__file__))
        self.info = {
            "label": "torch",
            "version": torch.__version__,
            "threads": str(torch.get_num_threads()),
            "notes": ["CPU, eager with autograd (no torch.compile in 1.x)", "mkldnn " + ("on" if torch.backends.mkldnn.is_available() else "off"), "numpy's OpenBLAS " + core],
        }

    def t(self, a):
        return self.torch.from_numpy(self.np.ascontiguousarray(a))

    def setup(self, case, inp):
        np, torch = self.np, self.torch
        F = torch.nn.functional
        w = case["workload"]
        if w == "W1":
            a, b = self.t(inp["a"]), self.t(inp["b"])
            return Runner(lambda: {"c": (a @ b).numpy()}, lambda: a @ b)
        if w == "W2":
            x = self.t(inp["x"])
            f = lambda: torch.tanh(x * 1.5 + 0.5) * torch.sigmoid(x)
            return Runner(lambda: {"y": f().numpy()}, f, note="no jit: eager ops" if case["key"] == "jit" else None)
        if w == "W3":
            x = self.t(inp["x"])
            return Runner(lambda: {"s": torch.sum(x).numpy()}, lambda: torch.sum(x).item())
        if w == "W5":
            n = int(case["params"]["n"])
            one = torch.tensor(1.0, dtype=torch.float32)

            def loop():
                x = torch.tensor(0.0, dtype=torch.float32)
                for _ in range(n):
                    x = x + one
                return x

            return Runner(lambda: {"x": loop().numpy()}, lambda: loop().item())
        if w == "W6":
            x = self.t(inp["x"].transpose(0, 3, 1, 2))  # NHWC -> NCHW
            k = self.t(inp["w"].transpose(3, 2, 0, 1))  # HWIO -> OIHW
            f = lambda: F.conv2d(x, k, padding=1)
            return Runner(lambda: {"y": f().permute(0, 2, 3, 1).contiguous().numpy()}, f)
        if w in ("W4", "W7"):
            return self.training(case, inp)
        if w == "W8":
            H = int(case["params"]["hidden"])
            lstm = torch.nn.LSTM(int(case["params"]["input"]), H)
            with torch.no_grad():
                lstm.weight_ih_l0.copy_(self.t(inp["wx"].T))
                lstm.weight_hh_l0.copy_(self.t(inp["wh"].T))
                lstm.bias_ih_l0.copy_(self.t(inp["b"]))
                lstm.bias_hh_l0.zero_()
            xs = self.t(inp["xs"])

            def run():
                lstm.zero_grad(set_to_none=True)
                out, _ = lstm(xs)
                loss = out.sum()
                loss.backward()
                return loss

            def check():
                loss = run()
                return {"loss": loss.detach().numpy(), "gwx": lstm.weight_ih_l0.grad.T.numpy(), "gwh": lstm.weight_hh_l0.grad.T.numpy(), "gb": lstm.bias_ih_l0.grad.numpy()}

            return Runner(check, lambda: run().item(), note="torch.nn.LSTM")
        raise Unsupported("cold start of a compiled step does not apply (no jit)")

    def training(self, case, inp):
        np, torch = self.np, self.torch
        F = torch.nn.functional
        lr = case["params"]["lr"]
        cnn = case["workload"] == "W7"
        names = CNN if cnn else MLP
        # canonical NHWC/HWIO -> NCHW/OIHW; dense rows from (h, w, c) to (c, h, w) order (and back for the check)
        to_torch = {
            "c1w": lambda a: a.transpose(3, 2, 0, 1),
            "c2w": lambda a: a.transpose(3, 2, 0, 1),
            "d1w": lambda a: a.reshape(7, 7, 64, 128).transpose(2, 0, 1, 3).reshape(3136, 128),
        }
        to_canon = {
            "c1w": lambda a: a.transpose(2, 3, 1, 0),
            "c2w": lambda a: a.transpose(2, 3, 1, 0),
            "d1w": lambda a: a.reshape(64, 7, 7, 128).transpose(1, 2, 0, 3).reshape(3136, 128),
        }
        conv = (lambda a: to_torch.get(a[0], lambda v: v)(a[1])) if cnn else (lambda a: a[1])
        p0 = [self.t(conv((n, inp[n]))).requires_grad_(True) for n in names]
        x = self.t(inp["x"].transpose(0, 3, 1, 2)) if cnn else self.t(inp["x"])
        y = self.t(inp["y"])

        def forward(p):
            if cnn:
                c1w, c1b, c2w, c2b, d1w, d1b, d2w, d2b = p
                h = F.max_pool2d(F.relu(F.conv2d(x, c1w, c1b, padding=2)), 2)
                h = F.max_pool2d(F.relu(F.conv2d(h, c2w, c2b, padding=2)), 2)
                h = F.relu(h.reshape(64, 3136) @ d1w + d1b)
                logits = h @ d2w + d2b
            else:
                w1, b1, w2, b2, w3, b3 = p
                h = F.relu(x @ w1 + b1)
                h = F.relu(h @ w2 + b2)
                logits = h @ w3 + b3
            return -(y * F.log_softmax(logits, dim=-1)).sum(-1).mean()

        def step(p):
            loss = forward(p)
            grads = torch.autograd.grad(loss, p)
            with torch.no_grad():
                new = [(pi - lr * gi).requires_grad_(True) for pi, gi in zip(p, grads)]
            return new, loss

        state = {"p": [q.detach().clone().requires_grad_(True) for q in p0]}

        def check():
            p1, loss = step(p0)
            out = {"loss": loss.detach().numpy()}
            for n, a, b in zip(names, p1, p0):
                d = a.detach().numpy().astype(np.float64) - b.detach().numpy().astype(np.float64)
                out["d" + n] = to_canon[n](d) if cnn and n in to_canon else d
            return out

        def run():
            state["p"], loss = step(state["p"])
            return loss.item()

        return Runner(check, run)


class Runner:
    def __init__(self, check, run, note=None):
        self.check, self.run, self.note = check, run, note


# --- the command loop ----------------------------------------------------------------------------------
def main():
    engine = None
    runner = None
    np = None
    for line in sys.stdin:
        if not line.strip():
            continue
        m = json.loads(line)
        try:
            cmd = m["cmd"]
            if cmd == "init":
                cls = {"numpy": NumpyEngine, "torch": TorchEngine}.get(m["engine"])
                if cls is None:
                    raise Unsupported("unknown engine " + m["engine"])
                try:
                    engine = cls(int(m["threads"]))
                except ImportError as e:
                    raise Unsupported(f"{m['engine']} is not installed for {sys.executable} ({e})")
                import numpy as np  # noqa: F811

                reply({"ok": True, "info": engine.info})
            elif cmd == "setup":
                case = m["case"]
                inp = {s["name"]: generate(s, np) for s in case["inputs"]}
                runner = engine.setup(case, inp)
                t0 = time.perf_counter()
                outs = runner.check()
                check_ms = (time.perf_counter() - t0) * 1000
                fps = {name: fingerprint(outs[name], np) for name in case["outputs"]}
                r = {"ok": True, "outputs": fps, "inputSum": input_checksum(case, np), "ms": [check_ms]}
                if runner.note:
                    r["note"] = runner.note
                reply(r)
            elif cmd == "time":
                ms = []
                for _ in range(int(m["reps"])):
                    t0 = time.perf_counter()
                    runner.run()
                    ms.append((time.perf_counter() - t0) * 1000)
                reply({"ok": True, "ms": ms})
            elif cmd == "dispose":
                runner = None
                reply({"ok": True})
            elif cmd == "cold":
                raise Unsupported("cold start of a compiled step does not apply (no jit)")
            elif cmd == "exit":
                return
            else:
                raise ValueError("unknown command " + cmd)
        except Unsupported as e:
            reply({"ok": False, "skip": True, "error": str(e)})
        except Exception as e:  # reported, the run goes on
            import traceback

            traceback.print_exc()
            reply({"ok": False, "error": f"{type(e).__name__}: {e}"[:300]})


if __name__ == "__main__":
    main()
