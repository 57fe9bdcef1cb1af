"""Speed of the engine's numeric paths, side by side with PyTorch CPU float64 in the same run.

    .venv/bin/python benchmarks/engine.py [--repeat N] [--only conv,pool,lstm,autodiff]

Workloads (forward + backward each, input checks included on our side):

* conv     conv2d 64×64×16 input, 3×3×16×32 filters, stride 1, padding 1 (y, then δx, ΔF, Δb)
* pool     average pooling 128×128×16, window 2, stride 1 (y, then δx)
* lstm     the sheet's peephole LSTM, T = 64, n_in = 32, n_h = 64, forward + BPTT
* autodiff a 300-term expression: parse + forward + reverse sweep (goal, issue 10: under 20 ms
           and under 2× torch; the engine is written to be read, no longer to beat torch)

torch (optional: ``pip install torch==2.13.0``, never a runtime or test dependency) does the same
work on the same numbers: ``conv2d``/``avg_pool2d`` with autograd, in both memory formats (NCHW and
channels-last, ours is channels-last) — the ratio is against the faster; the peephole cell built
by hand from autograd ops (torch has no peephole LSTM); the expression on 0-d tensors, sharing
repeated sub-expressions as our parser does. Ours and torch's runs take turns in short blocks,
after a warm-up; the medians and the fastest calls are printed. For the conv, its GFLOP/s
(3 × 2·o_r·o_c·k_r·k_c·c_in·c_out for y, ΔF and δx) is also shown as a share of the float64
matrix-multiply rate (numpy @ on 1024×1024) measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

try:
    import torch
    import torch.nn.functional as F  # noqa: N812
except ImportError:  # optional
    torch = None
    F = None

RNG_SEED = 0


# ---------------------------------------------------------------------------------------------
# Timing


def _once(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(fns: dict[str, Callable[[], object]], repeat: int, warmup: int = 3, block: int = 5,
            budget: float = 20.0) -> dict[str, tuple[float, float]]:
    """``(median, fastest)`` seconds per call of each function, over ``repeat`` calls each.

    The functions take turns in blocks of ``block`` calls (after a warm-up at the start of each
    block's turn), so that load from elsewhere on the machine hits them alike, while each one runs
    in its own steady state: right after a torch call, torch's worker threads still spin and its
    data fills the cache, which would slow a call of ours taken just then. Stops early (after at
    least two rounds) when a workload has used up ``budget`` seconds."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    start = time.perf_counter()
    rounds = max(1, -(-repeat // block))
    for r in range(rounds):
        for name, fn in fns.items():
            for _ in range(warmup if r == 0 else 1):
                fn()
            for _ in range(block):
                times[name].append(_once(fn))
        if r >= 1 and time.perf_counter() - start > budget:
            break
    return {name: (statistics.median(ts), min(ts)) for name, ts in times.items()}


# ---------------------------------------------------------------------------------------------
# Workloads: each returns {"ours": fn, "torch …": fn, …} and optional facts


def conv_workload():
    from engine import conv2d

    rng = np.random.default_rng(RNG_SEED)
    x = rng.normal(size=(64, 64, 16))
    f = rng.normal(size=(3, 3, 16, 32)) * 0.1
    b = rng.normal(size=32)
    dy = rng.normal(size=(64, 64, 32))

    def ours():  # y, then δx, ΔF, Δb; ΔF reuses the forward's im2col, as torch's autograd does
        conv2d.forward_backward(x, f, b, dy, stride=1, padding=1)

    fns = {"ours": ours}
    if torch is not None:
        def make(memory_format):
            xt = torch.tensor(x.transpose(2, 0, 1)[None].copy()).contiguous(
                memory_format=memory_format).requires_grad_()
            wt = torch.tensor(f.transpose(3, 2, 0, 1).copy()).contiguous(
                memory_format=memory_format).requires_grad_()
            bt = torch.tensor(b, requires_grad=True)
            dyt = torch.tensor(dy.transpose(2, 0, 1)[None].copy()).contiguous(
                memory_format=memory_format)

            def run():
                xt.grad = wt.grad = bt.grad = None
                y = F.conv2d(xt, wt, bt, stride=1, padding=1)
                y.backward(dyt)
            return run, (xt, wt, bt, dyt)

        nchw, tensors = make(torch.contiguous_format)
        fns["torch NCHW"] = nchw
        fns["torch channels-last"] = make(torch.channels_last)[0]
        # Same numbers? (checked once, outside the timing)
        nchw()
        xt, wt, bt, _ = tensors
        dx, df, db = conv2d.backward(x, f, dy, stride=1, padding=1)
        np.testing.assert_allclose(dx, xt.grad[0].numpy().transpose(1, 2, 0), rtol=1e-9,
                                   atol=1e-9)
        np.testing.assert_allclose(df, wt.grad.numpy().transpose(2, 3, 1, 0), rtol=1e-9,
                                   atol=1e-9)
        np.testing.assert_allclose(db, bt.grad.numpy(), rtol=1e-9, atol=1e-9)
    flops = 3 * 2 * 64 * 64 * (3 * 3 * 16) * 32
    return fns, {"flops": flops}


def pool_workload():
    from engine import pooling

    rng = np.random.default_rng(RNG_SEED)
    x = rng.normal(size=(128, 128, 16))
    dy = rng.normal(size=(127, 127, 16))

    def ours():
        pooling.avg_forward(x, 2, 1)
        pooling.avg_backward(x.shape, dy, 2, 1)

    fns = {"ours": ours}
    if torch is not None:
        def make(memory_format):
            xt = torch.tensor(x.transpose(2, 0, 1)[None].copy()).contiguous(
                memory_format=memory_format).requires_grad_()
            dyt = torch.tensor(dy.transpose(2, 0, 1)[None].copy()).contiguous(
                memory_format=memory_format)

            def run():
                xt.grad = None
                F.avg_pool2d(xt, 2, 1).backward(dyt)
            return run, xt

        nchw, xt = make(torch.contiguous_format)
        fns["torch NCHW"] = nchw
        fns["torch channels-last"] = make(torch.channels_last)[0]
        nchw()
        np.testing.assert_allclose(pooling.avg_backward(x.shape, dy, 2, 1),
                                   xt.grad[0].numpy().transpose(1, 2, 0), rtol=1e-12, atol=1e-14)
    return fns, {}


LSTM_KEYS = ("W_f", "W_fc", "b_f", "W_i", "W_ic", "b_i", "W_o", "W_oc", "b_o", "W_c", "b_c")


def lstm_workload():
    from engine import lstm

    T, n_in, n_h = 64, 32, 64
    rng = np.random.default_rng(RNG_SEED)
    shapes = {"W_f": (n_in, n_h), "W_i": (n_in, n_h), "W_o": (n_in, n_h), "W_c": (n_in, n_h),
              "W_fc": (n_h, n_h), "W_ic": (n_h, n_h), "W_oc": (n_h, n_h),
              "b_f": (n_h,), "b_i": (n_h,), "b_o": (n_h,), "b_c": (n_h,)}
    params = {key: rng.normal(size=shapes[key]) * 0.2 for key in LSTM_KEYS}
    xs = rng.normal(size=(T, n_in))
    dh = rng.normal(size=(T, n_h))

    def ours():
        run = lstm.forward(xs, params)
        lstm.backward(run, dh)

    fns = {"ours": ours}
    if torch is not None:
        pt = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        xt = torch.tensor(xs, requires_grad=True)
        c0 = torch.zeros(n_h, dtype=torch.float64, requires_grad=True)
        dht = torch.tensor(dh)

        def run_torch():
            for v in (*pt.values(), xt, c0):
                v.grad = None
            c, hs = c0, []
            for t in range(T):
                x_t = xt[t]
                f = torch.sigmoid(x_t @ pt["W_f"] + c @ pt["W_fc"] + pt["b_f"])
                i = torch.sigmoid(x_t @ pt["W_i"] + c @ pt["W_ic"] + pt["b_i"])
                o = torch.sigmoid(x_t @ pt["W_o"] + c @ pt["W_oc"] + pt["b_o"])
                g = torch.tanh(x_t @ pt["W_c"] + pt["b_c"])
                c = f * c + i * g
                hs.append(torch.tanh(o * c))
            torch.stack(hs).backward(dht)

        fns["torch"] = run_torch
        run_torch()
        grads = lstm.backward(lstm.forward(xs, params), dh)
        np.testing.assert_allclose(grads.dx, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(grads.dc0, c0.grad.numpy(), rtol=1e-9, atol=1e-12)
        for k in LSTM_KEYS:
            np.testing.assert_allclose(grads.params[k], pt[k].grad.numpy(), rtol=1e-9,
                                       atol=1e-12, err_msg=k)
    return fns, {}


# The expression: 300 terms c·fn(a·b + d) over 8 variables, fn cycling through the whitelist.
FUNCS = ("sin", "cos", "tanh", "sigmoid", "exp", "log", "sqrt", "relu", "abs", "square")
N_VARS = 8


def expression_terms(n_terms: int = 300) -> list[tuple]:
    rng = np.random.default_rng(RNG_SEED)
    terms = []
    for k in range(n_terms):
        a, b = (int(v) for v in rng.integers(1, N_VARS + 1, size=2))
        c = round(float(rng.uniform(0.1, 2.0)), 2)
        d = round(float(rng.uniform(-1.0, 1.0)), 2)
        terms.append((FUNCS[k % len(FUNCS)], c, a, b, d))
    return terms


def _inner_text(a, b, d):
    return f"x{a}*x{b} + {d}" if d >= 0 else f"x{a}*x{b} - {-d}"


def term_text(fn, c, a, b, d) -> str:
    inner = _inner_text(a, b, d)
    if fn == "log":
        return f"{c}*log(1 + (x{a}*x{b})**2)"
    if fn == "sqrt":
        return f"{c}*sqrt(1 + (x{a}*x{b})**2)"
    if fn == "exp":
        return f"{c}*exp(0.1*x{a}*x{b})"
    if fn == "square":
        return f"{c}*({inner})**2"
    return f"{c}*{fn}({inner})"


def torch_expression(terms, xs: dict[str, object]):
    """The same expression on 0-d tensors; a sub-expression written twice is computed once, as
    the parser makes it one node."""
    memo: dict[str, object] = {}

    def once(key, make):
        if key not in memo:
            memo[key] = make()
        return memo[key]

    def prod(a, b):
        return once(f"x{a}*x{b}", lambda: xs[a] * xs[b])

    fns = {"sin": torch.sin, "cos": torch.cos, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
           "relu": torch.relu, "abs": torch.abs}
    total = None
    for fn, c, a, b, d in terms:
        p = prod(a, b)
        if fn == "log":
            sq = once(f"({p})**2", lambda p=p: p ** 2)
            v = torch.log(once(f"1+{a},{b}", lambda sq=sq: 1 + sq))
        elif fn == "sqrt":
            sq = once(f"({p})**2", lambda p=p: p ** 2)
            v = torch.sqrt(once(f"1+{a},{b}", lambda sq=sq: 1 + sq))
        elif fn == "exp":
            scaled = once(f"0.1*x{a}", lambda a=a: 0.1 * xs[a])
            v = torch.exp(once(f"0.1*x{a}*x{b}", lambda s=scaled, b=b: s * xs[b]))
        else:
            inner = once(_inner_text(a, b, d), lambda p=p, d=d: p + d)
            v = inner ** 2 if fn == "square" else fns[fn](inner)
        t = c * v
        total = t if total is None else total + t
    return total


def autodiff_workload():
    from engine import autodiff

    terms = expression_terms()
    text = " + ".join(term_text(*t) for t in terms)
    values = {f"x{k}": 0.3 + 0.1 * k for k in range(1, N_VARS + 1)}

    def ours():
        autodiff.evaluate(text, values)

    fns = {"ours": ours}
    if torch is not None:
        xs = {k: torch.tensor(values[f"x{k}"], dtype=torch.float64, requires_grad=True)
              for k in range(1, N_VARS + 1)}

        def run_torch():
            for v in xs.values():
                v.grad = None
            torch_expression(terms, xs).backward()

        fns["torch"] = run_torch
        run_torch()
        ev = autodiff.evaluate(text, values)
        for k in range(1, N_VARS + 1):
            np.testing.assert_allclose(ev.gradient[f"x{k}"], xs[k].grad.item(), rtol=1e-10,
                                       err_msg=f"x{k}")
    return fns, {"goal": (20e-3, 2.0)}


WORKLOADS = {
    "conv": ("conv2d 64×64×16 ⊛ 3×3×16×32, s1 p1, fwd+bwd", conv_workload),
    "pool": ("avg pool 128×128×16, window 2, stride 1, fwd+bwd", pool_workload),
    "lstm": ("LSTM T=64, n_in=32, n_h=64, fwd+BPTT", lstm_workload),
    "autodiff": ("autodiff 300 terms, parse+fwd+bwd", autodiff_workload),
}


# ---------------------------------------------------------------------------------------------
# Machine


def matmul_rate(n: int = 1024, repeat: int = 10) -> float:
    """float64 GFLOP/s of numpy's n×n @ n×n (the BLAS the engine uses), from the fastest call."""
    rng = np.random.default_rng(RNG_SEED)
    a, b = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    t = measure({"mm": lambda: a @ b}, repeat, warmup=2)["mm"][1]
    return 2 * n ** 3 / t / 1e9


def machine_lines() -> list[str]:
    lines = [f"python {platform.python_version()}, numpy {np.__version__}, "
             f"{os.cpu_count()} cores, {_cpu_name()}"]
    blas = "BLAS: unknown (install threadpoolctl to see the kernel)"
    try:
        from threadpoolctl import threadpool_info
        for lib in threadpool_info():
            if lib.get("user_api") == "blas":
                blas = (f"BLAS: {lib.get('internal_api')} {lib.get('version')}, kernel "
                        f"{lib.get('architecture')}, {lib.get('num_threads')} threads")
                break
    except ImportError:
        pass
    lines.append(blas)
    core = os.environ.get("OPENBLAS_CORETYPE")
    l2 = os.environ.get("OPENBLAS_L2_SIZE")
    lines.append("OPENBLAS_CORETYPE " + (f"= {core}" if core else "unset")
                 + ", OPENBLAS_L2_SIZE " + (f"= {l2}" if l2 else "unset"))
    with contextlib.suppress(OSError):
        lines.append("load average (1, 5, 15 min): "
                     + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    if torch is not None:
        lines.append(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    else:
        lines.append("torch not installed: no comparison (pip install torch==2.13.0)")
    return lines


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=30, help="timed rounds per workload (30)")
    ap.add_argument("--only", default="", help="comma-separated subset of: "
                    + ", ".join(WORKLOADS))
    ap.add_argument("--torch-threads", type=int, default=0,
                    help="torch's intra-op threads (default: torch's own choice, one per core)")
    args = ap.parse_args(argv)
    chosen = [w.strip() for w in args.only.split(",") if w.strip()] or list(WORKLOADS)
    unknown = [w for w in chosen if w not in WORKLOADS]
    if unknown:
        ap.error(f"unknown workload(s): {', '.join(unknown)}")
    if torch is not None:
        torch.set_default_dtype(torch.float64)
        if args.torch_threads > 0:
            torch.set_num_threads(args.torch_threads)

    for line in machine_lines():
        print(line)
    peak = matmul_rate()
    print(f"float64 matmul (numpy, 1024×1024): {peak:.1f} GFLOP/s")
    print()
    header = (f"{'workload':<50} {'ours':>9} {'torch':>9} {'ratio':>6}   {'ours':>8} {'torch':>8} "
              f"{'ratio':>6}  notes")
    print(f"{'':<50} {'median (ms)':^26}   {'fastest (ms)':^24}")
    print(header)
    print("-" * len(header))
    for key in chosen:
        title, make = WORKLOADS[key]
        try:
            fns, facts = make()
        except ImportError as exc:
            print(f"{title:<50} not available: {exc}")
            continue
        except (AttributeError, NotImplementedError, AssertionError, ValueError) as exc:
            print(f"{title:<50} failed: {type(exc).__name__}: "
                  f"{str(exc).strip().splitlines()[0][:120]}")
            continue
        t = measure(fns, args.repeat)
        ours, ours_min = t.pop("ours")
        notes = []
        if t:
            med_name = min(t, key=lambda n: t[n][0])
            min_name = min(t, key=lambda n: t[n][1])
            best, best_min = t[med_name][0], t[min_name][1]
            cells = (f"{best * 1e3:>9.3f} {ours / best:>5.2f}×   {ours_min * 1e3:>8.3f} "
                     f"{best_min * 1e3:>8.3f} {ours_min / best_min:>5.2f}×")
            if len(t) > 1:
                notes.append("torch median " + ", ".join(
                    f"{n.removeprefix('torch ')} {v[0] * 1e3:.3f}" for n, v in t.items()))
        else:
            cells = f"{'—':>9} {'—':>6}   {ours_min * 1e3:>8.3f} {'—':>8} {'—':>6}"
        if "goal" in facts:  # (seconds, ratio to torch), judged on the fastest calls
            limit, ratio = facts["goal"]
            met = ours_min < limit and (not t or ours_min / best_min < ratio)
            notes.append(f"goal < {limit * 1e3:g} ms and < {ratio:g}× torch: "
                         + ("met" if met else "MISSED"))
        if "flops" in facts:
            gflops = facts["flops"] / ours_min / 1e9
            notes.append(f"ours {gflops:.1f} GFLOP/s = {gflops / peak:.0%} of matmul")
            if t:
                tg = facts["flops"] / best_min / 1e9
                notes.append(f"torch {tg:.1f} GFLOP/s = {tg / peak:.0%}")
        print(f"{title:<50} {ours * 1e3:>9.3f} {cells}  " + "; ".join(notes))
    print()
    print("ratio = ours / torch, against the faster torch layout; lower is better. GFLOP/s from")
    print("the fastest calls. On a busy machine the medians swing (torch's two threads suffer")
    print("most); the fastest calls are the steadier comparison.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
