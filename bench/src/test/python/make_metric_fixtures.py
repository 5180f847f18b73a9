#!/usr/bin/env python3
"""Reference outputs for the FID feature network and LPIPS, computed by PyTorch/torchvision.

The networks get deterministic pseudo-random weights that the Java tests regenerate from each tensor's name
(see `values` below and dev.nibble.bench.metrics.TestWeights), so only the names, shapes, inputs and the
reference outputs are stored — a few KiB instead of ~100 MB of weights. What this checks: that Nibble's
Inception-v3 (the FID variant of pytorch-fid, on torchvision's Inception3 classes) and LPIPS (torchvision's
AlexNet + the lpips v0.1 head) compute what PyTorch computes for the same weights, in PyTorch's state-dict names.

Run with Debian's python3-torch / python3-torchvision (torch 1.13, torchvision 0.14):
    /usr/bin/python3 bench/src/test/python/make_metric_fixtures.py bench/src/test/resources/dev/nibble/bench/metrics
"""
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

from name_seeded import values  # noqa: E402  (the draw the Java tests repeat)


def bounds(name, shape):
    """The range each kind of tensor is drawn from: He-uniform convolutions, near-identity batch norms."""
    if name.endswith("running_var") or (name.endswith("bn.weight")):
        return 0.8, 1.2
    if name.endswith("running_mean") or name.endswith("bn.bias") or name.endswith(".bias"):
        return -0.1, 0.1
    if name.startswith("lin"):
        return 0.0, 0.2  # LPIPS heads are non-negative
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else int(shape[0])
    a = float(np.sqrt(6.0 / fan_in))
    return -a, a


def fill(module, skip=(), prefix=""):
    """Draws every parameter and buffer from its (prefixed) state-dict name; returns the manifest entries."""
    manifest = []
    sd = module.state_dict()
    for local, t in sd.items():
        name = prefix + local
        if name.endswith("num_batches_tracked") or any(name.startswith(s) for s in skip):
            continue
        lo, hi = bounds(name, tuple(t.shape))
        t.copy_(torch.from_numpy(values(name, t.numel(), lo, hi)).reshape(t.shape))
        manifest.append({"name": name, "shape": list(t.shape), "lo": lo, "hi": hi})
    return manifest


# ---- FID Inception-v3: torchvision's Inception3 with pytorch-fid's four patched blocks ----
Inc = torchvision.models.inception


class FidA(Inc.InceptionA):
    def forward(self, x):
        pool = self.branch_pool(F.avg_pool2d(x, 3, 1, 1, count_include_pad=False))
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([self.branch1x1(x), b5, b3, pool], 1)


class FidC(Inc.InceptionC):
    def forward(self, x):
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = x
        for m in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3, self.branch7x7dbl_4,
                  self.branch7x7dbl_5):
            d = m(d)
        pool = self.branch_pool(F.avg_pool2d(x, 3, 1, 1, count_include_pad=False))
        return torch.cat([self.branch1x1(x), b7, d, pool], 1)


class FidE(Inc.InceptionE):
    def __init__(self, in_channels, max_pool):
        super().__init__(in_channels)
        self.max_pool = max_pool

    def forward(self, x):
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d = torch.cat([self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d)], 1)
        if self.max_pool:
            p = F.max_pool2d(x, 3, 1, 1)
        else:
            p = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
        return torch.cat([self.branch1x1(x), b3, d, self.branch_pool(p)], 1)


def fid_inception():
    net = torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False, num_classes=1008)
    net.Mixed_5b = FidA(192, pool_features=32)
    net.Mixed_5c = FidA(256, pool_features=64)
    net.Mixed_5d = FidA(288, pool_features=64)
    net.Mixed_6b = FidC(768, channels_7x7=128)
    net.Mixed_6c = FidC(768, channels_7x7=160)
    net.Mixed_6d = FidC(768, channels_7x7=160)
    net.Mixed_6e = FidC(768, channels_7x7=192)
    net.Mixed_7b = FidE(1280, max_pool=False)
    net.Mixed_7c = FidE(2048, max_pool=True)
    return net.eval()


def fid_features(net, x):
    x = F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False)
    x = 2 * x - 1
    for m in (net.Conv2d_1a_3x3, net.Conv2d_2a_3x3, net.Conv2d_2b_3x3):
        x = m(x)
    x = F.max_pool2d(x, 3, 2)
    x = net.Conv2d_4a_3x3(net.Conv2d_3b_1x1(x))
    x = F.max_pool2d(x, 3, 2)
    for m in (net.Mixed_5b, net.Mixed_5c, net.Mixed_5d, net.Mixed_6a, net.Mixed_6b, net.Mixed_6c, net.Mixed_6d,
              net.Mixed_6e, net.Mixed_7a, net.Mixed_7b, net.Mixed_7c):
        x = m(x)
    return F.adaptive_avg_pool2d(x, 1).flatten(1)


# ---- LPIPS v0.1, AlexNet backbone ----
SHIFT = torch.tensor([-.030, -.088, -.188]).view(1, 3, 1, 1)
SCALE = torch.tensor([.458, .448, .450]).view(1, 3, 1, 1)


def lpips(features, heads, a, b):
    """a, b in [-1, 1]; features = torchvision AlexNet .features; heads = five [1, C, 1, 1] weights."""
    taps = {1, 4, 7, 9, 11}  # the ReLU after each convolution
    fa, fb = (a - SHIFT) / SCALE, (b - SHIFT) / SCALE
    total = 0
    k = 0
    for i, layer in enumerate(features):
        fa, fb = layer(fa), layer(fb)
        if i in taps:
            na = fa / (torch.sqrt(torch.sum(fa ** 2, dim=1, keepdim=True)) + 1e-10)
            nb = fb / (torch.sqrt(torch.sum(fb ** 2, dim=1, keepdim=True)) + 1e-10)
            total = total + F.conv2d((na - nb) ** 2, heads[k]).mean(dim=[2, 3], keepdim=True)
            k += 1
        if i == 11:
            break
    return total.flatten()


def main(out_dir):
    torch.set_grad_enabled(False)
    torch.set_num_threads(2)
    from safetensors_writer import save  # local helper: no safetensors wheel in Debian 12
    fixtures = {}

    net = fid_inception()
    fid_manifest = fill(net, skip=("fc.",))
    # Two sizes: one upsampled to 299 (with a non-square input), one downsampled.
    x_small = torch.from_numpy(values("fid.input.small", 2 * 3 * 45 * 61, 0.0, 1.0)).reshape(2, 3, 45, 61)
    x_large = torch.from_numpy(values("fid.input.large", 1 * 3 * 320 * 304, 0.0, 1.0)).reshape(1, 3, 320, 304)
    fixtures["fid.features.small"] = fid_features(net, x_small).numpy()
    fixtures["fid.features.large"] = fid_features(net, x_large).numpy()

    alex = torchvision.models.alexnet(weights=None).features.eval()
    lp_manifest = fill(alex, prefix="features.")
    heads = []
    for k, c in enumerate([64, 192, 384, 256, 256]):
        name = "lin%d.model.1.weight" % k
        heads.append(torch.from_numpy(values(name, c, 0.0, 0.2)).reshape(1, c, 1, 1))
        lp_manifest.append({"name": name, "shape": [1, c, 1, 1], "lo": 0.0, "hi": 0.2})
    a = torch.from_numpy(values("lpips.input.a", 2 * 3 * 64 * 48, -1.0, 1.0)).reshape(2, 3, 64, 48)
    b = torch.from_numpy(values("lpips.input.b", 2 * 3 * 64 * 48, -1.0, 1.0)).reshape(2, 3, 64, 48)
    b[1] = a[1] + 0.05 * b[1]  # a near pair as well as an unrelated one
    fixtures["lpips.distance"] = lpips(alex, heads, a, b).numpy()
    fixtures["lpips.input.b1"] = b[1].numpy()

    save(out_dir + "/metric_fixtures.safetensors", {k: np.ascontiguousarray(v, dtype=np.float32)
                                                   for k, v in fixtures.items()})
    with open(out_dir + "/metric_fixtures.json", "w") as f:
        json.dump({"generator": "bench/src/test/python/make_metric_fixtures.py",
                   "torch": torch.__version__, "torchvision": torchvision.__version__,
                   "fid_inception": fid_manifest, "lpips_alex": lp_manifest}, f, indent=0)
    for k, v in fixtures.items():
        print(k, v.shape, v.ravel()[:4])


if __name__ == "__main__":
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    main(sys.argv[1])
