#!/usr/bin/env python3
"""Reference outputs for the CLIP score, computed by the real libraries: transformers' CLIPModel,
CLIPImageProcessor and CLIPTokenizer, and torchmetrics' clip_score / CLIPScore.

The model is a transformers.CLIPModel built from CONFIG below (an irregular tiny config: image 30, patch 7 so the
patch grid drops a remainder, vision width 40 with 4 heads and quick_gelu, text width 32 with 4 heads and exact
gelu, projection 24, the legacy eos_token_id == 2 that pools at argmax(input_ids)). Its weights are deterministic:
every tensor is drawn from its name with `values` (the splitmix/fnv draw of name_seeded.py, which the
Java tests mirror), loaded with load_state_dict, and the model is written with save_pretrained to a temporary
folder, together with the CLIPProcessor (the fixture's tokenizer files and a CLIPImageProcessor with
shortest_edge = crop = 30), and loaded back with from_pretrained, offline. Only the weight manifest, the config,
the inputs and the reference outputs are stored; the Java tests regenerate the weights.

  * pixel_values: CLIPImageProcessor (the PIL backend, CLIPImageProcessorPil: Pillow BICUBIC resize of the 8-bit
    image, centre crop, rescale, normalise) on PIL images drawn from their names (image_u8). transformers >= 5
    picks the torchvision backend for CLIPImageProcessor when torchvision is installed (it resizes with
    torch's antialiased bicubic, not Pillow's); the PIL backend is asked for explicitly so that the reference
    does not change with the environment. It is what transformers 4.x's (slow) CLIPImageProcessor did.
  * input_ids: CLIPTokenizer of golden/models/flux_dev/tokenizer (the shared dir), processor(text, padding=True,
    truncation=True) — padded to the longest row, cut to 77 keeping the end token; checked against the golden
    tokenizer case (transformers 4.45's slow tokenizer).
  * towers: vision_model / text_model outputs, get_image_features / get_text_features (.pooler_output: the
    projected embeddings in transformers 5), in float32 with the default (sdpa) attention.
  * scores: torchmetrics.functional.multimodal.clip_score, one call per image/prompt pair, i.e.
    100 * max(cos, 0) per pair, which is what Nibble reports per image. torchmetrics clamps the *mean* of a batch
    instead: clip.score_mean is torchmetrics.multimodal.CLIPScore over all pairs, max(mean(100 * cos), 0).
    Two adapters, both through torchmetrics' documented "callable returning (model, processor)" hook:
      - torchmetrics 1.9.0 expects get_image_features / get_text_features to return tensors, transformers 5
        returns BaseModelOutputWithPooling ('... has no attribute norm', torchmetrics issue #3407, fixed upstream by
        PR #3408, not in 1.9.0): _Features hands torchmetrics .pooler_output, as that fix does.
      - torchmetrics calls processor(text, padding=True) without truncation and then cuts the ids to
        max_position_embeddings, which drops the end token of an over-long prompt (and with eos_token_id == 2
        pools at another token). The processor is loaded with truncation=True, as Nibble tokenizes; what the stock
        call gives for the long prompt is recorded under "torchmetrics_without_truncation" in the json.

Regenerate (no network: local package indexes only), then run it twice to see identical files:
    python3 -m venv /tmp/tvenv
    /tmp/tvenv/bin/pip install --index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple \\
        --find-links /opt/wheels torch==2.13.0+cpu transformers==5.18.0 torchmetrics==1.9.0 pillow==12.3.0
    /tmp/tvenv/bin/python bench/src/test/python/make_clip_fixtures.py bench/src/test/resources/dev/nibble/bench/metrics [shared dir]
(the shared dir, with golden/models/flux_dev/tokenizer and golden/cases/tokenizer_clip, defaults to ../shared
next to the repository).
"""
import json
import logging
import math
import os
import sys
import tempfile
import warnings

import numpy as np
import PIL
import tokenizers
import torch
import torchmetrics
import transformers
from PIL import Image
from torchmetrics.functional.multimodal import clip_score
from torchmetrics.multimodal import CLIPScore
from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel, CLIPProcessor, CLIPTokenizer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
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
# (name, C, H, W, lo, hi): downsampled landscape, upsampled landscape, downsampled portrait. The third is dark
# (values below 128): with these random weights it is the pair whose cosine is positive, the other two are clamped.
IMAGES = [("clip.image.0", 3, 45, 61, 0, 256), ("clip.image.1", 3, 20, 27, 0, 256), ("clip.image.2", 3, 64, 50, 0, 128)]
PROMPTS = ["a photo of a cat", "The quick brown fox jumps over the lazy dog.", "a very long prompt"]
TOKENIZER = "golden/models/flux_dev/tokenizer"

from name_seeded import values  # noqa: E402  (the draw the Java tests repeat)


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
    """CLIPModel's parameters (names and shapes as transformers names them), logit_scale left out; the manifest order."""
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
    """The 8-bit test image drawn from its name: floor of values(name, n, lo, hi), clamped to 255 (C, H, W)."""
    v = np.minimum(np.floor(values(name, c * h * w, float(lo), float(hi))), 255.0)
    return v.astype(np.uint8).reshape(c, h, w)


def golden_rows(shared):
    """The golden tokenizer case's rows for PROMPTS (the long prompt is named by its start)."""
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


class _Features(torch.nn.Module):
    """The CLIPModel as torchmetrics 1.9.0 calls it: get_*_features returning the projected embeddings as tensors
    (transformers 5 returns BaseModelOutputWithPooling; torchmetrics issue #3407, fixed upstream by PR #3408, not in
    1.9.0, by taking .pooler_output, as here). Remembers the inputs torchmetrics passed, to check them against the fixture's."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.config = model.config
        self.seen = []

    def get_image_features(self, pixel_values):
        self.seen.append(("pixel_values", pixel_values))
        return self.model.get_image_features(pixel_values=pixel_values).pooler_output

    def get_text_features(self, input_ids, attention_mask=None):
        self.seen.append(("input_ids", input_ids))
        return self.model.get_text_features(input_ids=input_ids, attention_mask=attention_mask).pooler_output


def main(out_dir, shared):
    torch.set_grad_enabled(False)
    torch.set_num_threads(2)
    torch.manual_seed(0)  # CLIPModel's initialisation; every weight it draws is then replaced (logit_scale is a constant)
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    logging.getLogger("transformers").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message=".*longer than.*")
    cfg = CONFIG
    sd, manifest = make_weights(cfg)
    size = cfg["vision_config"]["image_size"]
    tokenizer_dir = os.path.join(shared, TOKENIZER)

    with tempfile.TemporaryDirectory() as tmp:
        model = CLIPModel(CLIPConfig(text_config=cfg["text_config"], vision_config=cfg["vision_config"],
                                     projection_dim=cfg["projection_dim"],
                                     logit_scale_init_value=cfg["logit_scale_init_value"]))
        want = {k: list(v.shape) for k, v in model.state_dict().items() if k != "logit_scale"}
        assert want == {m["name"]: m["shape"] for m in manifest}, "the manifest is not CLIPModel's state dict"
        model.load_state_dict({**sd, "logit_scale": model.logit_scale.detach()}, strict=True)
        model.save_pretrained(tmp)
        CLIPProcessor(image_processor=CLIPImageProcessorPil(size={"shortest_edge": size},
                                                            crop_size={"height": size, "width": size}),
                      tokenizer=CLIPTokenizer.from_pretrained(tokenizer_dir)).save_pretrained(tmp)

        model = CLIPModel.from_pretrained(tmp, local_files_only=True).eval()
        processor = CLIPProcessor.from_pretrained(tmp, local_files_only=True, backend="pil", truncation=True)
        stock = CLIPProcessor.from_pretrained(tmp, local_files_only=True, backend="pil")  # torchmetrics' own call
        assert type(processor.image_processor) is CLIPImageProcessorPil, type(processor.image_processor)
        assert all(torch.equal(model.state_dict()[k], v) for k, v in sd.items())

        # inputs: PIL images and the prompts, as processor(images=..., text=..., padding=True, truncation=True)
        images_u8 = [image_u8(*spec) for spec in IMAGES]
        pil = [Image.fromarray(np.ascontiguousarray(im.transpose(1, 2, 0)), mode="RGB") for im in images_u8]
        rows = golden_rows(shared)
        prompts = [r["prompt"] for r in rows]
        inputs = processor(text=prompts, images=pil, padding=True, return_tensors="pt")
        pixel_values, ids, mask = inputs["pixel_values"], inputs["input_ids"], inputs["attention_mask"]
        width = ids.shape[1]
        for r, row, m in zip(rows, ids.tolist(), mask.tolist()):  # transformers 4.45's slow tokenizer agrees
            assert row == r["input_ids_max_length_77"][:width], r["prompt"]
            assert m == r["attention_mask_max_length_77"][:width], r["prompt"]

        vision = model.vision_model(pixel_values=pixel_values)
        image_embeds = model.get_image_features(pixel_values=pixel_values).pooler_output
        text = model.text_model(input_ids=ids, attention_mask=mask)
        text_embeds = model.get_text_features(input_ids=ids, attention_mask=mask).pooler_output
        # torchmetrics' cosine: each embedding over its L2 norm, then the dot product
        cosine = ((image_embeds / image_embeds.norm(p=2, dim=-1, keepdim=True))
                  * (text_embeds / text_embeds.norm(p=2, dim=-1, keepdim=True))).sum(dim=-1)

        # torchmetrics on the 8-bit (C, H, W) tensors and the prompts, one pair per call: the per-image score
        adapter = _Features(model)
        scores = torch.stack([clip_score(torch.from_numpy(im), p, lambda: (adapter, processor))
                              for im, p in zip(images_u8, prompts)])
        for kind, x in adapter.seen:  # torchmetrics fed the model exactly the fixture's inputs
            if kind == "pixel_values":
                assert any(torch.equal(x[0], pv) for pv in pixel_values), "torchmetrics' pixel_values differ"
            else:
                assert any(torch.equal(x[0], r[:x.shape[1]]) and int(m.sum()) == x.shape[1]
                           for r, m in zip(ids, mask)), "torchmetrics' input_ids differ"
        assert torch.equal(scores, torch.clamp(100 * cosine, min=0)), (scores, cosine)
        metric = CLIPScore(model_name_or_path=lambda: (adapter, processor))
        metric.update([torch.from_numpy(im) for im in images_u8], prompts)
        score_mean = metric.compute().reshape(1)
        untruncated = clip_score(torch.from_numpy(images_u8[2]), prompts[2], lambda: (_Features(model), stock))

    fixtures = {
        "clip.pixel_values": pixel_values.numpy(),
        "clip.vision.last_hidden_state": vision.last_hidden_state.numpy(),
        "clip.vision.pooler_output": vision.pooler_output.numpy(),
        "clip.image_embeds": image_embeds.numpy(),
        "clip.text.pooler_output": text.pooler_output.numpy(),
        "clip.text_embeds": text_embeds.numpy(),
        "clip.cosine": cosine.numpy(),
        "clip.scores": scores.numpy(),
        "clip.score_mean": score_mean.numpy(),
    }
    save(os.path.join(out_dir, "clip_fixtures.safetensors"),
         {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in fixtures.items()})
    with open(os.path.join(out_dir, "clip_fixtures.json"), "w") as f:
        json.dump({"generator": "bench/src/test/python/make_clip_fixtures.py",
                   "reference": "transformers %s CLIPModel (%s attention) / CLIPImageProcessor (PIL backend) / "
                                "CLIPTokenizer, torchmetrics %s clip_score per pair and CLIPScore (clip.score_mean)"
                                % (transformers.__version__, model.config._attn_implementation,
                                   torchmetrics.__version__),
                   "torch": torch.__version__, "transformers": transformers.__version__,
                   "torchmetrics": torchmetrics.__version__, "tokenizers": tokenizers.__version__,
                   "pillow": PIL.__version__, "numpy": np.__version__,
                   "tokenizer": TOKENIZER,
                   "config": cfg,
                   "images": [{"name": n, "shape": [c, h, w], "lo": lo, "hi": hi} for n, c, h, w, lo, hi in IMAGES],
                   "prompts": prompts,
                   "input_ids": ids.tolist(), "attention_mask": mask.tolist(),
                   "torchmetrics_without_truncation": {
                       "note": "clip_score(image 2, prompt 2) with torchmetrics' own processor call (padding=True, "
                               "no truncation, ids cut to 77 afterwards: the end token is lost and the legacy "
                               "argmax pooling picks another token); not what Nibble computes",
                       "score": round(float(untruncated), 4)},
                   "clip_model": manifest}, f, indent=0)
    for k, v in fixtures.items():
        print(k, v.shape, v.ravel()[:4])
    print("torchmetrics without truncation, pair 2:", float(untruncated), "vs", float(scores[2]))


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    default_shared = os.path.normpath(os.path.join(here, "..", "..", "..", "..", "..", "shared"))
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else default_shared)
