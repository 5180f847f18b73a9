package dev.nibble.app.generate;

import dev.nibble.app.BadInputException;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.Weights;
import dev.nibble.quantizer.SvdqFormat;
import dev.nibble.quantizer.lora.LoraFormatException;
import dev.nibble.quantizer.lora.LoraLayer;
import dev.nibble.quantizer.lora.LoraLoader;
import dev.nibble.quantizer.lora.LoraMerger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code --lora}: a view of a denoiser's weights with LoRAs applied, built once when the pipeline loads; the
 * files on disk are never changed.
 *
 * <ul>
 *   <li>SVDQ layers ({@code P.qweight}): by concatenation onto the low-rank branch (DESIGN.md §3,
 *       {@link LoraMerger}): {@code proj_down ← [proj_down | Aᵀ]}, {@code proj_up ← [proj_up | s·B]}. qweight,
 *       wscales and smooth_factor are the base tensors themselves, untouched.</li>
 *   <li>16/32-bit linears ({@code P.weight}, also the layers a quantised model keeps in 16 bit): the weight is
 *       replaced by {@code W + s·B·A}, computed in float32.</li>
 * </ul>
 *
 * Layers no LoRA names are handed out as the very same base tensors, so removing every LoRA (loading without
 * --lora) gives the base model bit for bit. A LoRA naming a module that is no linear layer of the component, or
 * with the wrong shape, is a bad-input error naming it; unknown key layouts are bad input naming the key.
 */
final class LoraWeights implements Weights {
    private final Weights base;
    private final Map<String, Tensor> replaced;
    private final String description;

    private LoraWeights(Weights base, Map<String, Tensor> replaced, String description) {
        this.base = base;
        this.replaced = Map.copyOf(replaced);
        this.description = description;
    }

    /**
     * @param component the denoiser component ("transformer", "unet"), for messages
     * @param warnings  receives a line for each LoRA whose text-encoder keys were skipped
     */
    static LoraWeights apply(Weights base, String component, List<LoraSpec> loras, List<String> warnings) {
        Set<String> modules = linearModules(base);
        Map<String, Tensor> branch = new LinkedHashMap<>();
        for (String name : base.names()) {
            if (name.endsWith("." + SvdqFormat.PROJ_DOWN) || name.endsWith("." + SvdqFormat.PROJ_UP)) {
                branch.put(name, base.get(name));
            }
        }
        LoraMerger.Stack stack = new LoraMerger.Stack(branch);
        Map<String, float[]> deltas = new HashMap<>();
        int index = 0;
        for (LoraSpec spec : loras) {
            spec.check();
            LoraLoader.Loaded loaded;
            try {
                loaded = LoraLoader.load(spec.file(), modules, spec.scale());
            } catch (LoraFormatException e) {
                throw new BadInputException("--lora " + spec.file() + ": " + e.getMessage(), e);
            } catch (dev.nibble.engine.io.SafetensorsException e) {
                throw new BadInputException("--lora " + spec.file() + ": not a readable safetensors file: "
                        + e.getMessage(), e);
            }
            if (loaded.layers().isEmpty()) {
                throw new BadInputException("--lora " + spec.file() + " holds no layers for the " + component
                        + (loaded.skipped().isEmpty() ? "" : " (only " + loaded.skipped().size()
                        + " text-encoder keys, which Nibble does not apply)"));
            }
            Map<String, LoraLayer> svdq = new LinkedHashMap<>();
            for (LoraLayer l : loaded.layers().values()) {
                String p = l.modulePath();
                if (base.contains(p + "." + SvdqFormat.PROJ_DOWN)) {
                    svdq.put(p, l);
                } else if (base.contains(p + "." + SvdqFormat.WEIGHT)
                        && base.get(p + "." + SvdqFormat.WEIGHT).shape().rank() == 2) {
                    Tensor w = base.get(p + "." + SvdqFormat.WEIGHT);
                    int n = w.shape().dim(0);
                    int k = w.shape().dim(1);
                    if (l.n() != n || l.k() != k) {
                        throw new BadInputException("--lora " + spec.file() + ": layer " + p + " is " + l.n() + "x"
                                + l.k() + " (B [N, r] · A [r, K]) but the model's " + p + ".weight is " + n + "x" + k);
                    }
                    float[] d = deltas.computeIfAbsent(p, q -> new float[n * k]);
                    addScaledProduct(d, l, n, k);
                } else {
                    throw new BadInputException("--lora " + spec.file() + ": layer '" + p + "' is not a linear layer of "
                            + "the " + component + " (" + base.source() + ")");
                }
            }
            try {
                stack.apply("#" + (index++) + " " + spec.file(), svdq);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--lora " + spec.file() + ": " + e.getMessage(), e);
            }
            if (!loaded.skipped().isEmpty()) {
                warnings.add("--lora " + spec.file().getFileName() + ": " + loaded.skipped().size() + " text-encoder key(s) "
                        + "skipped (Nibble applies LoRAs to the " + component + " only), e.g. "
                        + loaded.skipped().stream().limit(3).toList());
            }
        }
        Map<String, Tensor> replaced = new HashMap<>();
        for (Map.Entry<String, Tensor> e : stack.tensors().entrySet()) {
            if (e.getValue() != branch.get(e.getKey())) {
                replaced.put(e.getKey(), e.getValue());
            }
        }
        for (Map.Entry<String, float[]> e : deltas.entrySet()) {
            String name = e.getKey() + "." + SvdqFormat.WEIGHT;
            Tensor w = base.get(name);
            float[] v = w.toFloatArray();
            float[] d = e.getValue();
            for (int i = 0; i < v.length; i++) {
                v[i] += d[i];
            }
            replaced.put(name, Tensor.ofFloats(w.shape(), v));
        }
        List<String> names = new ArrayList<>();
        loras.forEach(l -> names.add(l.toString()));
        return new LoraWeights(base, replaced, base.source() + " + LoRA " + names);
    }

    /** delta += s · B·A, B [N, r], A [r, K]. */
    private static void addScaledProduct(float[] delta, LoraLayer l, int n, int k) {
        int r = l.rank();
        float[] a = l.a();
        float[] b = l.b();
        float s = l.scale();
        for (int o = 0; o < n; o++) {
            for (int j = 0; j < r; j++) {
                float bj = s * b[o * r + j];
                if (bj == 0f) {
                    continue;
                }
                int ao = j * k;
                int d = o * k;
                for (int c = 0; c < k; c++) {
                    delta[d + c] += bj * a[ao + c];
                }
            }
        }
    }

    /** Module paths of the component's linear layers: rank-2 {@code P.weight} or {@code P.qweight}. */
    static Set<String> linearModules(Weights w) {
        Set<String> out = new TreeSet<>();
        for (String name : w.names()) {
            if (name.endsWith("." + SvdqFormat.QWEIGHT)) {
                out.add(name.substring(0, name.length() - SvdqFormat.QWEIGHT.length() - 1));
            } else if (name.endsWith("." + SvdqFormat.WEIGHT) && w.get(name).shape().rank() == 2) {
                out.add(name.substring(0, name.length() - SvdqFormat.WEIGHT.length() - 1));
            }
        }
        return out;
    }

    /** Tensors this view replaces (the LoRA'd branches and weights), by name. */
    Set<String> replacedNames() {
        return replaced.keySet();
    }

    @Override
    public boolean contains(String name) {
        return base.contains(name);
    }

    @Override
    public Tensor get(String name) {
        Tensor t = replaced.get(name);
        return t != null ? t : base.get(name);
    }

    @Override
    public Set<String> names() {
        return base.names();
    }

    @Override
    public String source() {
        return description;
    }

    @Override
    public Map<String, String> metadata() {
        return base.metadata();
    }

    @Override
    public String fullName(String name) {
        return base.fullName(name);
    }
}
