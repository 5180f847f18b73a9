#!/usr/bin/env python3
"""Reference rewards for Nibble's ImageReward (dev.nibble.bench.metrics.imagereward), on a tiny config.

WHAT THIS IS: the packages ImageReward runs on (`image-reward`, BLIP's models/vit.py and models/med.py,
timm, fairscale) cannot be installed here, so the forward pass below is a re-implementation in plain
PyTorch (torch.nn.functional), written from a reading of THUDM/ImageReward (ImageReward/ImageReward.py,
models/BLIP/*) and salesforce/BLIP (models/vit.py, models/med.py, models/blip.py): BLIP's ViT image
encoder, BLIP's BERT with a cross-attention to the image in every layer ("multimodal" mode), the first
token of the text encoder's last hidden state, the five-layer reward MLP (no activations; dropouts are
identity in eval mode) and (reward - mean) / std. It is NOT the real package: what it checks is that the
Java engine graph computes what this PyTorch code computes for the same weights and state-dict names.

Two parts ARE the real code: the image preprocessing is torchvision's own Compose(Resize(n, BICUBIC),
CenterCrop(n), ToTensor(), Normalize(CLIP mean/std)) on a PIL image (Pillow's 8-bit bicubic), exactly as
ImageReward builds it; and the token ids come from transformers' BertTokenizer over the tiny vocab.txt
written next to the fixtures, with BLIP's added [DEC] / [ENC] tokens, called as ImageReward calls it
(padding="max_length", truncation=True, max_length=...).

Weights are drawn from each tensor's name by `values` of name_seeded.py (the Java tests
regenerate them with TorchFixtures.values), so only names, shapes and ranges are stored.

Run with Debian's torch 1.13 / torchvision 0.14 / Pillow plus transformers (tokenizer only):
    /usr/bin/python3 -m venv --system-site-packages /tmp/irvenv && /tmp/irvenv/bin/pip install transformers
    /tmp/irvenv/bin/python bench/src/test/python/make_imagereward_fixtures.py \
        bench/src/test/resources/dev/nibble/bench/metrics/imagereward
"""
import json
import math
import sys

import numpy as np
import PIL
import torch
import torch.nn.functional as F
import torchvision
from PIL import Image
from torchvision.transforms import CenterCrop, Compose, InterpolationMode, Normalize, Resize, ToTensor

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from name_seeded import values  # noqa: E402  (the shared name -> weights generator)
from safetensors_writer import save  # noqa: E402

# A deliberately irregular miniature of ImageReward-v1.0 (ViT-L/16 at 224, BERT-base, MLP 768-1024-128-64-16-1).
CONFIG = {
    "image_size": 32, "patch_size": 8, "vision_width": 48, "vision_depth": 2, "vision_heads": 4,
    "vision_mlp_dim": 192,
    "text_hidden": 40, "text_layers": 2, "text_heads": 4, "text_intermediate": 88, "max_positions": 40,
    "max_length": 12,
    "head_sizes": [24, 12, 8, 4, 1],
    "reward_mean": 0.16717362830052426, "reward_std": 1.0333394966054072,
}
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
VIT_EPS = 1e-6
BERT_EPS = 1e-12

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "red", "cat", "##s", "on", "the", "left", "blue",
         "dog", ",", ".", "sit", "##ting", "in", "green", "field", "painting", "of", "small", "house", "under",
         "sky", "large", "##er"]

# (image name, height, width, pixel range, prompt): a non-square image shrunk to 32x37 whose centre crop
# starts at round(2.5) = 2, one shrunk to 49x32 (round(8.5) = 8), one already at the model's size, and one
# enlarged to 32x43 (round(5.5) = 6). The second prompt is truncated; "larger" is one [UNK] (greedy WordPiece
# takes "large" and then finds no "##r").
PAIRS = [
    ("ir.image.0", 45, 53, "UNIT", "A red cat sitting on the left."),
    ("ir.image.1", 77, 50, "UNIT", "a painting of a small blue house under the sky, in a green field"),
    ("ir.image.2", 32, 32, "SIGNED", "Dogs! LARGER dogs"),
    ("ir.image.3", 20, 27, "UNIT", "the blue sky"),
]


def vision_names(c):
    w, m, p = c["vision_width"], c["vision_mlp_dim"], c["patch_size"]
    n = (c["image_size"] // p) ** 2 + 1
    pre = "blip.visual_encoder."
    out = [(pre + "cls_token", [1, 1, w]), (pre + "pos_embed", [1, n, w]),
           (pre + "patch_embed.proj.weight", [w, 3, p, p]), (pre + "patch_embed.proj.bias", [w])]
    for i in range(c["vision_depth"]):
        b = pre + "blocks.%d." % i
        out += [(b + "norm1.weight", [w]), (b + "norm1.bias", [w]),
                (b + "attn.qkv.weight", [3 * w, w]), (b + "attn.qkv.bias", [3 * w]),
                (b + "attn.proj.weight", [w, w]), (b + "attn.proj.bias", [w]),
                (b + "norm2.weight", [w]), (b + "norm2.bias", [w]),
                (b + "mlp.fc1.weight", [m, w]), (b + "mlp.fc1.bias", [m]),
                (b + "mlp.fc2.weight", [w, m]), (b + "mlp.fc2.bias", [w])]
    out += [(pre + "norm.weight", [w]), (pre + "norm.bias", [w])]
    return out


def text_names(c, vocab_rows):
    h, f, w = c["text_hidden"], c["text_intermediate"], c["vision_width"]
    pre = "blip.text_encoder."
    out = [(pre + "embeddings.word_embeddings.weight", [vocab_rows, h]),
           (pre + "embeddings.position_embeddings.weight", [c["max_positions"], h]),
           (pre + "embeddings.LayerNorm.weight", [h]), (pre + "embeddings.LayerNorm.bias", [h])]
    for i in range(c["text_layers"]):
        b = pre + "encoder.layer.%d." % i
        for att, kv in (("attention", h), ("crossattention", w)):
            out += [(b + att + ".self.query.weight", [h, h]), (b + att + ".self.query.bias", [h]),
                    (b + att + ".self.key.weight", [h, kv]), (b + att + ".self.key.bias", [h]),
                    (b + att + ".self.value.weight", [h, kv]), (b + att + ".self.value.bias", [h]),
                    (b + att + ".output.dense.weight", [h, h]), (b + att + ".output.dense.bias", [h]),
                    (b + att + ".output.LayerNorm.weight", [h]), (b + att + ".output.LayerNorm.bias", [h])]
        out += [(b + "intermediate.dense.weight", [f, h]), (b + "intermediate.dense.bias", [f]),
                (b + "output.dense.weight", [h, f]), (b + "output.dense.bias", [h]),
                (b + "output.LayerNorm.weight", [h]), (b + "output.LayerNorm.bias", [h])]
    return out


def head_names(c):
    # nn.Sequential(Linear, Dropout, Linear, Dropout, Linear, Dropout, Linear, Linear): Linears at 0, 2, 4, 6, 7
    out, k = [], c["text_hidden"]
    for idx, n in zip((0, 2, 4, 6, 7), c["head_sizes"]):
        out += [("mlp.layers.%d.weight" % idx, [n, k]), ("mlp.layers.%d.bias" % idx, [n])]
        k = n
    return out


def bounds(name, shape):
    """Ranges that keep activations O(1): LayerNorm gains near 1, small biases, variance-1/fan_in matrices."""
    if "norm" in name.lower() and name.endswith(".weight"):
        return 0.8, 1.2
    if name.endswith(".bias"):
        return -0.1, 0.1
    if name.endswith("cls_token") or name.endswith("pos_embed") or "embeddings" in name:
        return -1.0, 1.0
    fan_in = int(np.prod(shape[1:]))
    a = float(np.sqrt(3.0 / fan_in))
    return -a, a


def draw(names):
    params, manifest = {}, []
    for name, shape in names:
        lo, hi = bounds(name, shape)
        params[name] = torch.from_numpy(values(name, int(np.prod(shape)), lo, hi)).reshape(shape)
        manifest.append({"name": name, "shape": shape, "lo": lo, "hi": hi})
    return params, manifest


# ---- the forward pass (mirrors BLIP's VisionTransformer, med.BertModel and ImageReward.score) ----

def vision_encoder(p, x, c):
    pre = "blip.visual_encoder."
    w, heads = c["vision_width"], c["vision_heads"]
    b = x.shape[0]
    x = F.conv2d(x, p[pre + "patch_embed.proj.weight"], p[pre + "patch_embed.proj.bias"], stride=c["patch_size"])
    x = x.flatten(2).transpose(1, 2)
    x = torch.cat((p[pre + "cls_token"].expand(b, -1, -1), x), dim=1)
    x = x + p[pre + "pos_embed"][:, :x.size(1), :]
    n = x.shape[1]
    for i in range(c["vision_depth"]):
        blk = pre + "blocks.%d." % i
        h = F.layer_norm(x, (w,), p[blk + "norm1.weight"], p[blk + "norm1.bias"], VIT_EPS)
        qkv = F.linear(h, p[blk + "attn.qkv.weight"], p[blk + "attn.qkv.bias"])
        qkv = qkv.reshape(b, n, 3, heads, w // heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * (w // heads) ** -0.5).softmax(dim=-1)
        o = (attn @ v).transpose(1, 2).reshape(b, n, w)
        x = x + F.linear(o, p[blk + "attn.proj.weight"], p[blk + "attn.proj.bias"])
        h = F.layer_norm(x, (w,), p[blk + "norm2.weight"], p[blk + "norm2.bias"], VIT_EPS)
        h = F.linear(F.gelu(F.linear(h, p[blk + "mlp.fc1.weight"], p[blk + "mlp.fc1.bias"])),
                     p[blk + "mlp.fc2.weight"], p[blk + "mlp.fc2.bias"])
        x = x + h
    return F.layer_norm(x, (w,), p[pre + "norm.weight"], p[pre + "norm.bias"], VIT_EPS)


def bert_attention(p, pre, hidden, context, mask, c):
    """BertAttention: BertSelfAttention (keys/values from `context`) then BertSelfOutput."""
    hsz, heads = c["text_hidden"], c["text_heads"]
    d = hsz // heads

    def heads_of(t):
        return t.view(t.shape[0], t.shape[1], heads, d).permute(0, 2, 1, 3)

    q = heads_of(F.linear(hidden, p[pre + ".self.query.weight"], p[pre + ".self.query.bias"]))
    k = heads_of(F.linear(context, p[pre + ".self.key.weight"], p[pre + ".self.key.bias"]))
    v = heads_of(F.linear(context, p[pre + ".self.value.weight"], p[pre + ".self.value.bias"]))
    scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(d) + mask
    ctx = torch.matmul(torch.softmax(scores, dim=-1), v).permute(0, 2, 1, 3).contiguous()
    ctx = ctx.view(ctx.shape[0], ctx.shape[1], hsz)
    out = F.linear(ctx, p[pre + ".output.dense.weight"], p[pre + ".output.dense.bias"])
    return F.layer_norm(out + hidden, (hsz,), p[pre + ".output.LayerNorm.weight"], p[pre + ".output.LayerNorm.bias"],
                        BERT_EPS)


def text_encoder(p, ids, mask, image_embeds, c):
    pre = "blip.text_encoder."
    hsz = c["text_hidden"]
    length = ids.shape[1]
    e = F.embedding(ids, p[pre + "embeddings.word_embeddings.weight"])
    e = e + F.embedding(torch.arange(length).unsqueeze(0), p[pre + "embeddings.position_embeddings.weight"])
    h = F.layer_norm(e, (hsz,), p[pre + "embeddings.LayerNorm.weight"], p[pre + "embeddings.LayerNorm.bias"], BERT_EPS)
    ext = (1.0 - mask[:, None, None, :].to(torch.float32)) * -10000.0  # get_extended_attention_mask
    image_atts = torch.ones(image_embeds.shape[:-1], dtype=torch.long)
    enc_ext = (1.0 - image_atts[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min
    for i in range(c["text_layers"]):
        lyr = pre + "encoder.layer.%d." % i
        a = bert_attention(p, lyr + "attention", h, h, ext, c)
        a = bert_attention(p, lyr + "crossattention", a, image_embeds, enc_ext, c)
        f = F.gelu(F.linear(a, p[lyr + "intermediate.dense.weight"], p[lyr + "intermediate.dense.bias"]))
        f = F.linear(f, p[lyr + "output.dense.weight"], p[lyr + "output.dense.bias"])
        h = F.layer_norm(f + a, (hsz,), p[lyr + "output.LayerNorm.weight"], p[lyr + "output.LayerNorm.bias"],
                         BERT_EPS)
    return h


def reward_head(p, features):
    x = features
    for idx in (0, 2, 4, 6, 7):
        x = F.linear(x, p["mlp.layers.%d.weight" % idx], p["mlp.layers.%d.bias" % idx])
    return x


def main(out_dir):
    torch.set_grad_enabled(False)
    torch.set_num_threads(2)
    try:
        import transformers
    except ImportError:
        sys.exit("transformers is needed for the reference token ids: see this script's docstring")
    c = CONFIG
    vocab_path = out_dir + "/vocab.txt"
    with open(vocab_path, "w", encoding="utf-8") as f:
        f.write("\n".join(VOCAB) + "\n")
    tok = transformers.BertTokenizer(vocab_path)  # do_lower_case=True, like bert-base-uncased
    tok.add_special_tokens({"bos_token": "[DEC]"})
    tok.add_special_tokens({"additional_special_tokens": ["[ENC]"]})
    vocab_rows = len(tok)  # 30524 for bert-base-uncased + [DEC] + [ENC]
    c = dict(c, vocab_size=vocab_rows)

    params, manifest = draw(vision_names(c) + text_names(c, vocab_rows) + head_names(c))
    preprocess = Compose([Resize(c["image_size"], interpolation=InterpolationMode.BICUBIC), CenterCrop(c["image_size"]),
                          lambda im: im.convert("RGB"), ToTensor(), Normalize(CLIP_MEAN, CLIP_STD)])

    pixels, ids, masks, pairs = [], [], [], []
    for name, h, w, rng, prompt in PAIRS:
        # 8-bit pixels floor(v * 256) of the name's values: the Java test rebuilds the same bytes
        u8 = np.floor(values(name, 3 * h * w, 0.0, 1.0).astype(np.float64) * 256).astype(np.uint8).reshape(3, h, w)
        pixels.append(preprocess(Image.fromarray(np.ascontiguousarray(u8.transpose(1, 2, 0)), "RGB")))
        t = tok(prompt, padding="max_length", truncation=True, max_length=c["max_length"])
        ids.append(t["input_ids"])
        masks.append(t["attention_mask"])
        pairs.append({"image": name, "height": h, "width": w, "range": rng, "prompt": prompt,
                      "input_ids": t["input_ids"], "attention_mask": t["attention_mask"]})

    x = torch.stack(pixels)
    image_embeds = vision_encoder(params, x, c)
    hidden = text_encoder(params, torch.tensor(ids), torch.tensor(masks), image_embeds, c)
    features = hidden[:, 0, :].float()
    raw = reward_head(params, features)
    rewards = ((raw - c["reward_mean"]) / c["reward_std"]).flatten()

    outputs = {"pixels": x.numpy(), "image_embeds": image_embeds.numpy(), "text_features": features.numpy(),
               "rewards": rewards.numpy()}
    save(out_dir + "/imagereward_fixtures.safetensors",
         {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in outputs.items()})
    with open(out_dir + "/imagereward_fixtures.json", "w") as f:
        json.dump({"generator": "bench/src/test/python/make_imagereward_fixtures.py",
                   "reference": "plain-PyTorch re-implementation of ImageReward/BLIP (the real packages are not "
                                "installable here); preprocessing by torchvision, token ids by transformers",
                   "torch": torch.__version__, "torchvision": torchvision.__version__, "pillow": PIL.__version__,
                   "transformers": transformers.__version__,
                   "config": c, "pairs": pairs, "weights": manifest}, f, indent=0)
    for k, v in outputs.items():
        print(k, tuple(v.shape), v.ravel()[:4])


if __name__ == "__main__":
    main(sys.argv[1])
