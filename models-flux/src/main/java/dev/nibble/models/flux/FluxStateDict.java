package dev.nibble.models.flux;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.models.common.nn.MissingWeightException;
import dev.nibble.models.common.nn.Weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The state dict a {@link FluxConfig} implies: every tensor name of diffusers' FluxTransformer2DModel
 * with its shape. Checked once at load, so a config that does not match its checkpoint fails with the
 * name of the first offending tensor instead of somewhere inside graph construction.
 */
final class FluxStateDict {
    /** A linear layer: {@code path.weight} [out, in] and {@code path.bias} [out], or the SVDQ tensors. */
    record LinearSpec(String path, int out, int in) {}

    private final List<LinearSpec> linears = new ArrayList<>();
    private final Map<String, Shape> others = new LinkedHashMap<>();

    private FluxStateDict() {
    }

    static FluxStateDict of(FluxConfig c) {
        FluxStateDict s = new FluxStateDict();
        int d = c.innerDim();
        int dh = c.attentionHeadDim();
        int mlp = c.mlpHiddenDim();
        s.linear("x_embedder", d, c.inChannels());
        s.linear("context_embedder", d, c.jointAttentionDim());
        s.linear("time_text_embed.timestep_embedder.linear_1", d, CombinedTimestepTextProjEmbeddings.TIME_PROJ_DIM);
        s.linear("time_text_embed.timestep_embedder.linear_2", d, d);
        if (c.guidanceEmbeds()) {
            s.linear("time_text_embed.guidance_embedder.linear_1", d, CombinedTimestepTextProjEmbeddings.TIME_PROJ_DIM);
            s.linear("time_text_embed.guidance_embedder.linear_2", d, d);
        }
        s.linear("time_text_embed.text_embedder.linear_1", d, c.pooledProjectionDim());
        s.linear("time_text_embed.text_embedder.linear_2", d, d);
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "transformer_blocks." + i + ".";
            s.linear(p + "norm1.linear", 6 * d, d);
            s.linear(p + "norm1_context.linear", 6 * d, d);
            for (String n : List.of("to_q", "to_k", "to_v", "add_q_proj", "add_k_proj", "add_v_proj", "to_out.0",
                    "to_add_out")) {
                s.linear(p + "attn." + n, d, d);
            }
            for (String n : List.of("norm_q", "norm_k", "norm_added_q", "norm_added_k")) {
                s.others.put(p + "attn." + n + ".weight", Shape.of(dh));
            }
            for (String ff : List.of("ff", "ff_context")) {
                s.linear(p + ff + ".net.0.proj", mlp, d);
                s.linear(p + ff + ".net.2", d, mlp);
            }
        }
        for (int i = 0; i < c.numSingleLayers(); i++) {
            String p = "single_transformer_blocks." + i + ".";
            s.linear(p + "norm.linear", 3 * d, d);
            s.linear(p + "proj_mlp", mlp, d);
            for (String n : List.of("to_q", "to_k", "to_v")) {
                s.linear(p + "attn." + n, d, d);
            }
            s.others.put(p + "attn.norm_q.weight", Shape.of(dh));
            s.others.put(p + "attn.norm_k.weight", Shape.of(dh));
            s.linear(p + "proj_out", d, d + mlp);
        }
        s.linear("norm_out.linear", 2 * d, d);
        s.linear("proj_out", c.outFeatures(), d);
        return s;
    }

    /** Every tensor name with its shape, for the 16/32-bit (non-SVDQ) form. */
    Map<String, Shape> shapes() {
        Map<String, Shape> out = new LinkedHashMap<>();
        for (LinearSpec l : linears) {
            out.put(l.path() + ".weight", Shape.of(l.out(), l.in()));
            out.put(l.path() + ".bias", Shape.of(l.out()));
        }
        out.putAll(others);
        return out;
    }

    private void linear(String path, int out, int in) {
        linears.add(new LinearSpec(path, out, in));
    }

    /**
     * Fails with a {@link MissingWeightException} naming the first missing or misshapen tensor, or the
     * tensors the config does not account for (a checkpoint with more layers than its config says).
     */
    void verify(Weights w, FluxConfig c) {
        TreeSet<String> unused = new TreeSet<>(w.names());
        for (LinearSpec l : linears) {
            if (w.contains(l.path() + ".qweight")) {
                // SVDQ layer (DESIGN.md §3): qweight rows are the output features, proj_down rows the inputs
                String[] parts = {"qweight", "wscales", "smooth_factor", "proj_down", "proj_up"};
                for (String part : parts) {
                    need(w, l.path() + "." + part);
                    unused.remove(l.path() + "." + part);
                }
                expectDim(w, c, l.path() + ".qweight", 0, l.out());
                expectDim(w, c, l.path() + ".proj_down", 0, l.in());
                expectDim(w, c, l.path() + ".proj_up", 0, l.out());
            } else {
                expect(w, c, l.path() + ".weight", Shape.of(l.out(), l.in()));
                unused.remove(l.path() + ".weight");
            }
            expect(w, c, l.path() + ".bias", Shape.of(l.out()));
            unused.remove(l.path() + ".bias");
        }
        for (Map.Entry<String, Shape> e : others.entrySet()) {
            expect(w, c, e.getKey(), e.getValue());
            unused.remove(e.getKey());
        }
        if (!unused.isEmpty()) {
            List<String> shown = unused.stream().limit(5).toList();
            throw new MissingWeightException(w.source() + " holds " + unused.size() + " tensor(s) that " + c
                    + " does not use, e.g. '" + String.join("', '", shown) + "': config.json does not match these weights");
        }
    }

    private static void need(Weights w, String name) {
        if (!w.contains(name)) {
            throw new MissingWeightException("tensor '" + name + "' is missing from " + w.source());
        }
    }

    private static void expect(Weights w, FluxConfig c, String name, Shape shape) {
        need(w, name);
        Shape actual = w.get(name).shape();
        if (!actual.equals(shape)) {
            throw new MissingWeightException("tensor '" + name + "' in " + w.source() + " has shape " + actual
                    + " but " + c + " implies " + shape + ": config.json does not match these weights");
        }
    }

    private static void expectDim(Weights w, FluxConfig c, String name, int axis, int size) {
        Shape actual = w.get(name).shape();
        if (actual.rank() != 2 || actual.dim(axis) != size) {
            throw new MissingWeightException("tensor '" + name + "' in " + w.source() + " has shape " + actual
                    + " but " + c + " implies dimension " + axis + " = " + size
                    + ": config.json does not match these weights");
        }
    }
}
