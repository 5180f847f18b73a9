#!/usr/bin/env python3
"""PyTorch baselines for the Nibble CUDA GEMM benchmark, at the FLUX.1 linear-layer shapes.

y = x @ w.T with x [M, K], w [N, K]: bf16 (cuBLAS tensor cores), fp32 without TF32 (what the
backend's FP32 SGEMM competes with), and int8 via torch._int_mm (the closest stock W8A8 path).
Median of CUDA-event-timed runs after warm-up; TOPS = 2·M·N·K / time.

usage: python3 torch_baseline.py [--json FILE] [--quick]
"""
import json
import sys

SHAPES = [
    ("attn to_q/k/v/out 3072->3072", 4096, 3072, 3072),
    ("ff up 3072->12288", 4096, 3072, 12288),
    ("ff down 12288->3072", 4096, 12288, 3072),
    ("single proj_out 15360->3072", 4608, 15360, 3072),
]


def main():
    args = sys.argv[1:]
    out = args[args.index("--json") + 1] if "--json" in args else None
    quick = "--quick" in args
    try:
        import torch
    except Exception as e:  # no torch on this machine: say so, exit 0
        print("torch baseline: PyTorch not available (%s)" % e)
        if out:
            json.dump({"available": False, "reason": str(e)}, open(out, "w"))
        return
    if not torch.cuda.is_available():
        print("torch baseline: torch.cuda is not available")
        if out:
            json.dump({"available": False, "reason": "torch.cuda unavailable"}, open(out, "w"))
        return
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    res = {"available": True, "torch": torch.__version__, "device": torch.cuda.get_device_name(0), "timings": []}

    def bench(fn, warm=3, reps=20):
        for _ in range(warm):
            fn()
        torch.cuda.synchronize()
        times = []
        for _ in range(reps):
            s = torch.cuda.Event(enable_timing=True)
            e = torch.cuda.Event(enable_timing=True)
            s.record()
            fn()
            e.record()
            e.synchronize()
            times.append(s.elapsed_time(e))
        times.sort()
        return times[len(times) // 2]

    for name, m, k, n in (SHAPES[:1] if quick else SHAPES):
        ops = 2.0 * m * n * k
        x = torch.randn(m, k, device=dev, dtype=torch.bfloat16)
        w = torch.randn(n, k, device=dev, dtype=torch.bfloat16)
        rows = [("bf16 matmul", bench(lambda: x @ w.t()))]
        x32, w32 = x.float(), w.float()
        rows.append(("fp32 matmul (no tf32)", bench(lambda: x32 @ w32.t(), 2, 5)))
        try:
            x8 = torch.randint(-8, 8, (m, k), device=dev, dtype=torch.int8)
            w8t = torch.randint(-8, 8, (n, k), device=dev, dtype=torch.int8).t()
            rows.append(("int8 _int_mm", bench(lambda: torch._int_mm(x8, w8t))))
        except Exception as e:
            print("int8 _int_mm unavailable: %s" % e)
        for what, ms in rows:
            tops = ops / (ms * 1e-3) / 1e12
            res["timings"].append({"bench": name, "kernel": what, "m": m, "k": k, "n": n, "ms": ms, "tops": tops})
            print("%-32s %-24s M=%-5d K=%-5d N=%-5d %9.3f ms %7.1f TOPS" % (name, what, m, k, n, ms, tops))
        del x, w, x32, w32
        torch.cuda.empty_cache()
    if out:
        json.dump(res, open(out, "w"), indent=1)


if __name__ == "__main__":
    main()
