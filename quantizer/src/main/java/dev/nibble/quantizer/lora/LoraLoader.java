package dev.nibble.quantizer.lora;

import dev.nibble.engine.io.SafetensorsFile;
import dev.nibble.engine.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads LoRA safetensors files into per-layer (A [r', K], B [N, r'], scale), keyed by the diffusers module
 * path of the target model component. Understood key layouts:
 *
 * <ul>
 *   <li>diffusers / PEFT: {@code [component.]P.lora_A.weight}, {@code P.lora_B.weight}
 *       (optional {@code P.alpha});</li>
 *   <li>older diffusers: {@code P.lora.down.weight} / {@code P.lora.up.weight}, and attention processors
 *       {@code X.processor.{to_q,to_k,to_v,to_out}_lora.{down,up}.weight} (to_out means to_out.0);</li>
 *   <li>kohya: {@code lora_unet_<P with '_' for '.'>.lora_down.weight} / {@code .lora_up.weight} /
 *       {@code .alpha} (also {@code lora_transformer_}); module names are resolved against the target
 *       model's module paths, since '_' is ambiguous.</li>
 * </ul>
 *
 * The scale is {@code userScale · alpha / r'} when an alpha is stored, else {@code userScale}. Text-encoder
 * parts (kohya {@code lora_te*}, diffusers {@code text_encoder*.}) are skipped and listed in
 * {@link Loaded#skipped()}. Any other key is an error naming it.
 */
public final class LoraLoader {
    private LoraLoader() {
    }

    /** The layers found (by module path) and the keys deliberately skipped (other components). */
    public record Loaded(Map<String, LoraLayer> layers, List<String> skipped) {
    }

    private static final Pattern PEFT = Pattern.compile("(.+)\\.lora_([AB])\\.weight");
    private static final Pattern OLD = Pattern.compile("(.+)\\.lora\\.(down|up)\\.weight");
    private static final Pattern PROC = Pattern.compile("(.+)\\.processor\\.(to_q|to_k|to_v|to_out)_lora\\.(down|up)\\.weight");
    private static final Pattern KOHYA = Pattern.compile("lora_(unet|transformer)_(.+)\\.(lora_down\\.weight|lora_up\\.weight|alpha)");
    private static final Pattern ALPHA = Pattern.compile("(.+)\\.alpha");
    private static final List<String> COMPONENT_PREFIXES = List.of("transformer.", "unet.", "base_model.model.");

    /**
     * @param modulePaths the target component's linear module paths (needed for kohya names; may be empty
     *                    when the file uses diffusers names)
     */
    public static Loaded load(Path file, Collection<String> modulePaths, float userScale) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            for (String name : f.names()) {
                t.put(name, f.tensor(name));
            }
            return parse(file.toString(), t, modulePaths, userScale);
        }
    }

    /** As {@link #load}, from tensors already in memory (used by tests). */
    public static Loaded parse(String source, Map<String, Tensor> tensors, Collection<String> modulePaths,
                               float userScale) {
        Map<String, String> kohyaToPath = new HashMap<>();
        for (String p : modulePaths) {
            kohyaToPath.put(p.replace('.', '_'), p);
        }
        Map<String, Tensor> down = new TreeMap<>();
        Map<String, Tensor> up = new TreeMap<>();
        Map<String, Tensor> alpha = new TreeMap<>();
        List<String> skipped = new ArrayList<>();
        TreeSet<String> unknown = new TreeSet<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String key = e.getKey();
            Tensor v = e.getValue();
            if (key.startsWith("lora_te") || key.startsWith("text_encoder")) {
                skipped.add(key);
                continue;
            }
            Matcher m;
            if ((m = KOHYA.matcher(key)).matches()) {
                String p = kohyaToPath.get(m.group(2));
                if (p == null) {
                    unknown.add(key + " (kohya name '" + m.group(2) + "' matches no module of the model)");
                    continue;
                }
                switch (m.group(3)) {
                    case "lora_down.weight" -> down.put(p, v);
                    case "lora_up.weight" -> up.put(p, v);
                    default -> alpha.put(p, v);
                }
            } else if ((m = PEFT.matcher(key)).matches()) {
                (m.group(2).equals("A") ? down : up).put(strip(m.group(1)), v);
            } else if ((m = PROC.matcher(key)).matches()) {
                String proj = m.group(2).equals("to_out") ? "to_out.0" : m.group(2);
                (m.group(3).equals("down") ? down : up).put(strip(m.group(1)) + "." + proj, v);
            } else if ((m = OLD.matcher(key)).matches()) {
                (m.group(2).equals("down") ? down : up).put(strip(m.group(1)), v);
            } else if ((m = ALPHA.matcher(key)).matches()) {
                alpha.put(strip(m.group(1)), v);
            } else {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new LoraFormatException(source + ": unknown LoRA key layout for " + unknown.size() + " key(s), e.g. "
                    + unknown.stream().limit(5).toList() + "; understood: diffusers/PEFT '<module>.lora_A.weight'/"
                    + "'lora_B.weight', '<module>.lora.down.weight'/'lora.up.weight', kohya "
                    + "'lora_unet_<module>.lora_down.weight'/'lora_up.weight'/'alpha'");
        }
        Map<String, LoraLayer> layers = new TreeMap<>();
        for (String p : down.keySet()) {
            Tensor a = down.get(p);
            Tensor b = up.get(p);
            if (b == null) {
                throw new LoraFormatException(source + ": layer " + p + " has a down/A matrix but no up/B matrix");
            }
            if (a.shape().rank() != 2 || b.shape().rank() != 2 || a.shape().dim(0) != b.shape().dim(1)) {
                throw new LoraFormatException(source + ": layer " + p + " has A " + a.spec() + " and B " + b.spec()
                        + "; expected A [r, K] and B [N, r]");
            }
            int r = a.shape().dim(0);
            float s = userScale;
            Tensor al = alpha.get(p);
            if (al != null) {
                s = userScale * al.getFloat(0) / r;
            }
            layers.put(p, new LoraLayer(p, r, a.shape().dim(1), b.shape().dim(0), a.toFloatArray(), b.toFloatArray(), s));
        }
        for (String p : up.keySet()) {
            if (!down.containsKey(p)) {
                throw new LoraFormatException(source + ": layer " + p + " has an up/B matrix but no down/A matrix");
            }
        }
        return new Loaded(layers, List.copyOf(skipped));
    }

    private static String strip(String p) {
        for (String prefix : COMPONENT_PREFIXES) {
            if (p.startsWith(prefix)) {
                return p.substring(prefix.length());
            }
        }
        return p;
    }
}
