#!/usr/bin/env python3
"""Reference outputs for the CLIP score (CLIPModel text + vision towers, CLIPImageProcessor), computed by PyTorch.

transformers is not installable here, so this is NOT transformers itself: it is a plain-PyTorch re-implementation
(torch.nn.functional: conv2d, layer_norm, linear, softmax attention, quick_gelu = x * sigmoid(1.702 x)) written to
mirror transformers 4.45's modeling_clip.py line for line (CLIPVisionEmbeddings, CLIPTextEmbeddings, the eager
CLIPAttention with q scaled before QK^T and the causal + padding masks added, CLIPMLP, pre-LN CLIPEncoderLayer,
CLIPVisionTransformer with pre_layrnorm / post_layernorm on the class token, CLIPTextTransformer pooled at
argmax(input_ids) for the legacy eos_token_id == 2, get_text_features / get_image_features), and of
CLIPImageProcessor (shortest edge -> image_size with Pillow's BICUBIC on the 8-bit image, int() of the long side,
centre crop, float64 * 1/255 -> float32, (x - OPENAI_CLIP_MEAN) / OPENAI_CLIP_STD in float32). The score is
torchmetrics' definition, 100 * max(cos(image_embeds, text_embeds), 0), per image/prompt pair.

The token ids are transformers' own: they are read from the golden tokenizer case
(shared/golden/cases/tokenizer_clip, CLIPTokenizer of golden/models/flux_dev/tokenizer with max_length=77,
truncation=True), padded to the longest row as processor(text, padding=True) does, with the attention mask.

Weights are tiny (an irregular config: image 30, patch 7 so the patch grid drops a remainder, vision width 40 with
4 heads, text width 32 with 4 heads and exact gelu, projection 24) and deterministic: every tensor is drawn from
its name with make_metric_fixtures.values, and the Java tests regenerate them the same way, so only the manifest,
the config and the reference outputs are stored.

Run with Debian's python3-torch and python3-pil (torch 1.13, Pillow 9.4):
    /usr/bin/python3 bench/src/test/python/make_clip_fixtures.py bench/src/test/resources/dev/nibble/bench/metrics [shared dir]
"""
import json
import math
import os
import sys

import numpy as np
import PIL
import torch
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_metric_fixtures import values  # noqa: E402  (the splitmix/fnv draw the Java tests mirror)
from safetensors_writer import save  # noqa: E402

CONFIG = {
    "architectures": ["CLIPModel"],
    "model_type": "clip",
    "projection_dim": 24,
    "logit_scale_init_value": 2.6592,
    "text_config": {
        "model_type": "clip_text_model",
        "vocab_size": 914,
        "hidden_size": 32,
        "intermediate_size": 56,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "max_position_embeddings": 77,
        "hidden_act": "gelu",
        "layer_norm_eps": 1e-5,
        "bos_token_id": 0,
        "eos_token_id": 2,
        "pad_token_id": 1,
    },
    "vision_config": {
        "model_type": "clip_vision_model",
        "hidden_size": 40,
        "intermediate_size": 72,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_channels": 3,
        "image_size": 30,
        "patch_size": 7,
        "hidden_act": "quick_gelu",
        "layer_norm_eps": 1e-6,
    },
}
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
# (name, C, H, W, lo, hi): downsampled landscape, upsampled landscape, downsampled portrait. The third is dark
# (values below 128): with these random weights it is the pair whose cosine is positive, the other two are clamped.
IMAGES = [("clip.image.0", 3, 45, 61, 0, 256), ("clip.image.1", 3, 20, 27, 0, 256), ("clip.image.2", 3, 64, 50, 0, 128)]
PROMPTS = ["a photo of a cat", "The quick brown fox jumps over the lazy dog.", "a very long prompt"]


def is_norm(name):
    return any(k in name for k in ("layer_norm", "layrnorm", "layernorm"))


def bounds(name, shape):
    if is_norm(name) and name.endswith(".weight"):
        return 0.8, 1.2
    if name.endswith(".bias"):
        return -0.1, 0.1
    if "embedding" in name:
        return -0.5, 0.5
    fan_in = int(np.prod(shape[1:]))
    a = float(math.sqrt(3.0 / fan_in))
    return -a, a


def state_dict_shapes(cfg):
    """CLIPModel's parameters (names and shapes as transformers names them), logit_scale left out."""
    t, v, p = cfg["text_config"], cfg["vision_config"], cfg["projection_dim"]
    out = []

    def layers(prefix, c):
        d, m = c["hidden_size"], c["intermediate_size"]
        for i in range(c["num_hidden_layers"]):
            lp = "%s.encoder.layers.%d." % (prefix, i)
            for ln in ("layer_norm1", "layer_norm2"):
                out.append((lp + ln + ".weight", [d]))
                out.append((lp + ln + ".bias", [d]))
            for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
                out.append((lp + "self_attn." + proj + ".weight", [d, d]))
                out.append((lp + "self_attn." + proj + ".bias", [d]))
            out.append((lp + "mlp.fc1.weight", [m, d]))
            out.append((lp + "mlp.fc1.bias", [m]))
            out.append((lp + "mlp.fc2.weight", [d, m]))
            out.append((lp + "mlp.fc2.bias", [d]))

    d = t["hidden_size"]
    out.append(("text_model.embeddings.token_embedding.weight", [t["vocab_size"], d]))
    out.append(("text_model.embeddings.position_embedding.weight", [t["max_position_embeddings"], d]))
    layers("text_model", t)
    out.append(("text_model.final_layer_norm.weight", [d]))
    out.append(("text_model.final_layer_norm.bias", [d]))
    out.append(("text_projection.weight", [p, d]))

    d, ps = v["hidden_size"], v["patch_size"]
    n = (v["image_size"] // ps) ** 2 + 1
    out.append(("vision_model.embeddings.class_embedding", [d]))
    out.append(("vision_model.embeddings.patch_embedding.weight", [d, v["num_channels"], ps, ps]))
    out.append(("vision_model.embeddings.position_embedding.weight", [n, d]))
    out.append(("vision_model.pre_layrnorm.weight", [d]))
    out.append(("vision_model.pre_layrnorm.bias", [d]))
    layers("vision_model", v)
    out.append(("vision_model.post_layernorm.weight", [d]))
    out.append(("vision_model.post_layernorm.bias", [d]))
    out.append(("visual_projection.weight", [p, d]))
    return out


def make_weights(cfg):
    sd, manifest = {}, []
    for name, shape in state_dict_shapes(cfg):
        lo, hi = bounds(name, shape)
        sd[name] = torch.from_numpy(values(name, int(np.prod(shape)), lo, hi)).reshape(shape)
        manifest.append({"name": name, "shape": shape, "lo": lo, "hi": hi})
    return sd, manifest


def image_u8(name, c, h, w, lo, hi):
    """The 8-bit test image drawn from its name: floor of values(name, n, lo, hi), clamped to 255."""
    v = np.minimum(np.floor(values(name, c * h * w, float(lo), float(hi))), 255.0)
    return v.astype(np.uint8).reshape(c, h, w)


# ---- CLIPImageProcessor (transformers 4.45, openai/clip-vit-large-patch14's preprocessor_config.json) ----
def clip_preprocess(chw_u8, size):
    hwc = np.ascontiguousarray(chw_u8.transpose(1, 2, 0))
    h, w = hwc.shape[:2]
    # get_resize_output_image_size(default_to_square=False): short side -> size, long side int(size * long / short)
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    img = Image.fromarray(hwc)  # uint8: image_transforms.resize converts without rescaling
    img = img.resize((new_w, new_h), resample=Image.BICUBIC, reducing_gap=None)
    arr = np.array(img)
    top, left = (new_h - size) // 2, (new_w - size) // 2  # center_crop
    arr = arr[top:top + size, left:left + size]
    arr = (arr.astype(np.float64) * (1 / 255)).astype(np.float32)  # rescale
    mean, std = np.array(MEAN, dtype=np.float32), np.array(STD, dtype=np.float32)
    arr = (arr - mean) / std  # normalize
    return arr.transpose(2, 0, 1)


# ---- modeling_clip.py in torch.nn.functional ----
def act(name):
    if name == "quick_gelu":
        return lambda x: x * torch.sigmoid(1.702 * x)
    if name == "gelu":
        return F.gelu
    raise ValueError(name)


def attention(sd, p, x, heads, causal_mask, attention_mask):
    """CLIPAttention (eager): q_proj(x) * scale, bmm, + causal mask, + padding mask, softmax, bmm, out_proj."""
    bsz, tgt, d = x.shape
    hd = d // heads
    scale = hd ** -0.5

    def shape(t):
        return t.view(bsz, tgt, heads, hd).transpose(1, 2).contiguous()

    q = F.linear(x, sd[p + "q_proj.weight"], sd[p + "q_proj.bias"]) * scale
    k = shape(F.linear(x, sd[p + "k_proj.weight"], sd[p + "k_proj.bias"]))
    v = shape(F.linear(x, sd[p + "v_proj.weight"], sd[p + "v_proj.bias"]))
    q = shape(q).view(bsz * heads, -1, hd)
    k = k.view(bsz * heads, -1, hd)
    v = v.view(bsz * heads, -1, hd)
    w = torch.bmm(q, k.transpose(1, 2))
    if causal_mask is not None:
        w = w.view(bsz, heads, tgt, tgt) + causal_mask
        w = w.view(bsz * heads, tgt, tgt)
    if attention_mask is not None:
        w = w.view(bsz, heads, tgt, tgt) + attention_mask
        w = w.view(bsz * heads, tgt, tgt)
    w = F.softmax(w, dim=-1)
    o = torch.bmm(w, v).view(bsz, heads, tgt, hd).transpose(1, 2).reshape(bsz, tgt, d)
    return F.linear(o, sd[p + "out_proj.weight"], sd[p + "out_proj.bias"])


def encoder(sd, prefix, c, h, causal_mask=None, attention_mask=None):
    d, eps, f = c["hidden_size"], c["layer_norm_eps"], act(c["hidden_act"])
    for i in range(c["num_hidden_layers"]):
        p = "%s.encoder.layers.%d." % (prefix, i)
        r = h
        h = F.layer_norm(h, (d,), sd[p + "layer_norm1.weight"], sd[p + "layer_norm1.bias"], eps)
        h = r + attention(sd, p + "self_attn.", h, c["num_attention_heads"], causal_mask, attention_mask)
        r = h
        h = F.layer_norm(h, (d,), sd[p + "layer_norm2.weight"], sd[p + "layer_norm2.bias"], eps)
        h = F.linear(f(F.linear(h, sd[p + "mlp.fc1.weight"], sd[p + "mlp.fc1.bias"])),
                     sd[p + "mlp.fc2.weight"], sd[p + "mlp.fc2.bias"])
        h = r + h
    return h


def vision_tower(sd, c, pixel_values):
    """CLIPVisionTransformer: (last_hidden_state, pooler_output)."""
    d, ps, eps = c["hidden_size"], c["patch_size"], c["layer_norm_eps"]
    e = "vision_model.embeddings."
    patches = F.conv2d(pixel_values, sd[e + "patch_embedding.weight"], stride=ps).flatten(2).transpose(1, 2)
    cls = sd[e + "class_embedding"].expand(pixel_values.shape[0], 1, -1)
    h = torch.cat([cls, patches], dim=1)
    h = h + F.embedding(torch.arange(h.shape[1]).unsqueeze(0), sd[e + "position_embedding.weight"])
    h = F.layer_norm(h, (d,), sd["vision_model.pre_layrnorm.weight"], sd["vision_model.pre_layrnorm.bias"], eps)
    last = encoder(sd, "vision_model", c, h)
    pooled = F.layer_norm(last[:, 0, :], (d,), sd["vision_model.post_layernorm.weight"],
                          sd["vision_model.post_layernorm.bias"], eps)
    return last, pooled


def text_tower(sd, c, input_ids, attention_mask):
    """CLIPTextTransformer: (last_hidden_state, pooler_output) with transformers' masks and legacy pooling."""
    d, eps = c["hidden_size"], c["layer_norm_eps"]
    bsz, n = input_ids.shape
    e = "text_model.embeddings."
    h = F.embedding(input_ids, sd[e + "token_embedding.weight"])
    h = h + F.embedding(torch.arange(n).unsqueeze(0), sd[e + "position_embedding.weight"])
    big = torch.finfo(torch.float32).min
    causal = torch.full((n, n), big).triu(1)[None, None].expand(bsz, 1, n, n)  # _create_4d_causal_attention_mask
    inverted = 1.0 - attention_mask[:, None, None, :].to(torch.float32).expand(bsz, 1, n, n)
    padding = inverted.masked_fill(inverted.to(torch.bool), big)  # _prepare_4d_attention_mask
    last = encoder(sd, "text_model", c, h, causal, padding)
    last = F.layer_norm(last, (d,), sd["text_model.final_layer_norm.weight"], sd["text_model.final_layer_norm.bias"], eps)
    assert c["eos_token_id"] == 2  # the legacy branch: the pooled token is argmax(input_ids)
    pooled = last[torch.arange(bsz), input_ids.to(torch.int).argmax(dim=-1)]
    return last, pooled


def golden_ids(shared):
    with open(os.path.join(shared, "golden", "cases", "tokenizer_clip", "case.json")) as f:
        case = json.load(f)
    assert "models/flux_dev/tokenizer" in case["model_dirs"]
    rows = []
    for want in PROMPTS:
        hit = [p for p in case["cases"] if p["prompt"] == want or (want.endswith("long prompt")
                                                                    and p["prompt"].startswith(want))]
        assert hit, want
        rows.append(hit[0])
    return rows


def main(out_dir, shared):
    torch.set_grad_enabled(False)
    torch.set_num_threads(2)
    cfg = CONFIG
    sd, manifest = make_weights(cfg)

    images = [image_u8(*spec) for spec in IMAGES]
    size = cfg["vision_config"]["image_size"]
    pixel_values = torch.from_numpy(np.stack([clip_preprocess(im, size) for im in images]))
    v_last, v_pooled = vision_tower(sd, cfg["vision_config"], pixel_values)
    image_embeds = F.linear(v_pooled, sd["visual_projection.weight"])

    rows = golden_ids(shared)
    width = max(sum(r["attention_mask_max_length_77"]) for r in rows)  # processor(text, padding=True)
    ids = torch.tensor([r["input_ids_max_length_77"][:width] for r in rows], dtype=torch.long)
    mask = torch.tensor([r["attention_mask_max_length_77"][:width] for r in rows], dtype=torch.long)
    t_last, t_pooled = text_tower(sd, cfg["text_config"], ids, mask)
    text_embeds = F.linear(t_pooled, sd["text_projection.weight"])

    # torchmetrics: features / norm, 100 * <img, txt>; clamped at 0 per pair
    img = image_embeds / image_embeds.norm(p=2, dim=-1, keepdim=True)
    txt = text_embeds / text_embeds.norm(p=2, dim=-1, keepdim=True)
    cosine = (img * txt).sum(dim=-1)
    scores = torch.clamp(100 * cosine, min=0)

    fixtures = {
        "clip.pixel_values": pixel_values.numpy(),
        "clip.vision.last_hidden_state": v_last.numpy(),
        "clip.vision.pooler_output": v_pooled.numpy(),
        "clip.image_embeds": image_embeds.numpy(),
        "clip.text.pooler_output": t_pooled.numpy(),
        "clip.text_embeds": text_embeds.numpy(),
        "clip.cosine": cosine.numpy(),
        "clip.scores": scores.numpy(),
    }
    save(os.path.join(out_dir, "clip_fixtures.safetensors"),
         {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in fixtures.items()})
    with open(os.path.join(out_dir, "clip_fixtures.json"), "w") as f:
        json.dump({"generator": "bench/src/test/python/make_clip_fixtures.py",
                   "reference": "plain-PyTorch re-implementation of transformers 4.45 CLIPModel / CLIPImageProcessor "
                                "(transformers itself not available)",
                   "torch": torch.__version__, "pillow": PIL.__version__,
                   "tokenizer": "golden/models/flux_dev/tokenizer",
                   "config": cfg,
                   "images": [{"name": n, "shape": [c, h, w], "lo": lo, "hi": hi} for n, c, h, w, lo, hi in IMAGES],
                   "prompts": [r["prompt"] for r in rows],
                   "input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                   "clip_model": manifest}, f, indent=0)
    for k, v in fixtures.items():
        print(k, v.shape, v.ravel()[:4])


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    default_shared = os.path.normpath(os.path.join(here, "..", "..", "..", "..", "..", "shared"))
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else default_shared)
