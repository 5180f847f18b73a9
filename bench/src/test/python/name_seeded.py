"""The deterministic weights every metric fixture uses, drawn from each tensor's name, so the Java tests
(TorchFixtures.values) regenerate them instead of storing them. numpy only: every fixture script imports it.
"""
import numpy as np

C0 = np.uint64(0x9E3779B97F4A7C15)
C1 = np.uint64(0xBF58476D1CE4E5B9)
C2 = np.uint64(0x94D049BB133111EB)


def fnv1a64(s):
    h = 0xCBF29CE484222325
    for b in s.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def values(name, n, lo, hi):
    """splitmix64 of (fnv1a64(name) + (i+1)·golden), top 24 bits → uniform [lo, hi), rounded to float32."""
    with np.errstate(over="ignore"):
        i = np.arange(1, n + 1, dtype=np.uint64)
        z = np.uint64(fnv1a64(name)) + i * C0
        z = (z ^ (z >> np.uint64(30))) * C1
        z = (z ^ (z >> np.uint64(27))) * C2
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) / float(1 << 24)
    return (lo + (hi - lo) * u).astype(np.float32)
