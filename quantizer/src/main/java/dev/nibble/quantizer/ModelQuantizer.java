package dev.nibble.quantizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.engine.io.ModelIndex;
import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.engine.io.SafetensorsWriter;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.engine.tensor.TensorSpec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Quantises a diffusers model folder into an SVDQ folder (DESIGN.md §3).
 *
 * <p>For each component the rule names (FLUX: transformer, SDXL: unet), every rank-2 {@code P.weight} the
 * rule selects is replaced by {@code P.qweight}, {@code P.wscales}, {@code P.smooth_factor},
 * {@code P.proj_down}, {@code P.proj_up}; {@code P.bias} and every other tensor are written back byte for
 * byte. The component is written as one {@code diffusion_pytorch_model.safetensors} (its metadata gains
 * nibble.format, nibble.version, group_size, rank, nibble.calibration). Every other file — other
 * components, configs, tokenizers, {@code model_index.json} — is copied unchanged. A per-layer error report
 * goes to {@value #REPORT} at the top of the output and a progress line per layer to {@code progress}.
 *
 * <p>Atomic: everything is written into a temporary folder beside the target, then moved into place; on
 * any failure the temporary folder is deleted and the target is not created.
 */
public final class ModelQuantizer {
    public static final String REPORT = "nibble_quantize_report.json";
    public static final String WEIGHTS_FILE = "diffusion_pytorch_model.safetensors";
    /** Synthetic rows per layer for the weight-only fallback. */
    public static final int WEIGHT_ONLY_ROWS = 64;

    private ModelQuantizer() {
    }

    public record Summary(Path out, String rule, String calibration, List<LayerReport> layers) {
    }

    /**
     * @param calibration null for the weight-only fallback (unit activation statistics)
     * @throws IllegalArgumentException when the output exists (and is not an empty folder) or the input
     *                                  is not a diffusers pipeline folder
     */
    public static Summary quantize(Path modelDir, Path outDir, QuantizeTarget rule, CalibrationSource calibration,
                                   SvdqOptions options, PrintStream progress) {
        ModelIndex index = ModelIndex.read(modelDir);
        Path root = index.root();
        Path out = outDir.toAbsolutePath().normalize();
        if (out.startsWith(root)) {
            throw new IllegalArgumentException("output " + out + " lies inside the model folder " + root);
        }
        if (Files.exists(out) && !isEmptyDir(out)) {
            throw new IllegalArgumentException("output " + out + " already exists");
        }
        CalibrationSource cal = calibration != null ? calibration
                : CalibrationSource.weightOnly(WEIGHT_ONLY_ROWS, options.seed());
        Path parent = out.getParent();
        Path tmp;
        try {
            Files.createDirectories(parent);
            tmp = Files.createTempDirectory(parent, "." + out.getFileName() + ".tmp-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder beside " + out, e);
        }
        try {
            List<String> targets = rule.components().stream().filter(index::hasComponent).sorted().toList();
            if (targets.isEmpty()) {
                throw new IllegalArgumentException(index.path() + " has none of the components " + rule.components()
                        + " that the " + rule.name() + " rule quantises");
            }
            copyTree(root, tmp, targets);
            List<LayerReport> reports = new ArrayList<>();
            for (String component : targets) {
                quantizeComponent(index.componentDir(component), tmp.resolve(component), component, rule, cal,
                        options, progress, reports);
            }
            writeReport(tmp.resolve(REPORT), rule, cal, options, reports);
            if (Files.exists(out)) {
                Files.delete(out); // an empty folder, checked above
            }
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
            progress.println("quantize: wrote " + out + " (" + reports.size() + " W4A4 layers, calibration: "
                    + cal.describe() + ")");
            return new Summary(out, rule.name(), cal.describe(), List.copyOf(reports));
        } catch (IOException | RuntimeException | Error e) {
            try {
                deleteTree(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException("quantize failed: " + io.getMessage(), io);
            }
            if (e instanceof Error err) {
                throw err;
            }
            throw (RuntimeException) e;
        }
    }

    private static void quantizeComponent(Path src, Path dst, String component, QuantizeTarget rule,
                                          CalibrationSource cal, SvdqOptions opt, PrintStream progress,
                                          List<LayerReport> reports) throws IOException {
        Files.createDirectories(dst);
        try (SafetensorsStore store = SafetensorsStore.open(src)) {
            List<String> layers = new ArrayList<>();
            for (String name : store.names()) {
                if (name.endsWith("." + SvdqFormat.WEIGHT) && store.spec(name).shape().rank() == 2) {
                    String p = name.substring(0, name.length() - SvdqFormat.WEIGHT.length() - 1);
                    if (rule.quantize(component, p)) {
                        if (store.contains(p + "." + SvdqFormat.QWEIGHT)) {
                            throw new IllegalArgumentException(src + ": layer " + p + " is already quantised");
                        }
                        layers.add(p);
                    }
                }
            }
            Map<String, Tensor> out = new TreeMap<>();
            for (String name : store.names()) {
                out.put(name, store.tensor(name));
            }
            int i = 0;
            for (String p : layers) {
                i++;
                Tensor w = store.tensor(p + "." + SvdqFormat.WEIGHT);
                TensorSpec spec = w.spec();
                int n = spec.shape().dim(0);
                int k = spec.shape().dim(1);
                float[] bias = store.contains(p + ".bias") ? store.tensor(p + ".bias").toFloatArray() : null;
                Optional<LayerCalibration> lc = cal.forLayer(component, p, k);
                LayerCalibration c = lc.orElseGet(() -> LayerCalibration.weightOnly(k, WEIGHT_ONLY_ROWS,
                        opt.seed() ^ p.hashCode()));
                SvdqLayerQuantizer.Result res = SvdqLayerQuantizer.quantize(p, DTypes.doubles(w), n, k, bias, c, opt);
                out.remove(p + "." + SvdqFormat.WEIGHT);
                res.tensors().forEach((suffix, t) -> out.put(p + "." + suffix, t));
                reports.add(res.report());
                progress.println("quantize [" + i + "/" + layers.size() + "] " + component + ": " + res.report().line());
            }
            Map<String, String> meta = new LinkedHashMap<>(store.metadata());
            meta.putAll(SvdqFormat.metadata(opt.groupSize(), opt.rank()));
            meta.put(SvdqFormat.KEY_CALIBRATION, cal.describe());
            SafetensorsWriter.write(dst.resolve(WEIGHTS_FILE), out, meta);
        }
    }

    /** Copies everything but the weight files of the target components. */
    private static void copyTree(Path root, Path dst, List<String> targets) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(dst.resolve(root.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path rel = root.relativize(file);
                if (rel.getNameCount() == 2 && targets.contains(rel.getName(0).toString()) && isWeightFile(file)) {
                    return FileVisitResult.CONTINUE;
                }
                Files.copy(file, dst.resolve(rel.toString()), StandardCopyOption.COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static boolean isWeightFile(Path f) {
        String n = f.getFileName().toString();
        return n.endsWith(".safetensors") || n.endsWith(".safetensors.index.json") || n.endsWith(".bin")
                || n.endsWith(".bin.index.json");
    }

    private static boolean isEmptyDir(Path p) {
        if (!Files.isDirectory(p)) {
            return false;
        }
        try (var s = Files.list(p)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void writeReport(Path file, QuantizeTarget rule, CalibrationSource cal, SvdqOptions opt,
                                    List<LayerReport> reports) throws IOException {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        root.put("rule", rule.name());
        root.put("calibration", cal.describe());
        root.put("rank", opt.rank());
        root.put("group_size", opt.groupSize());
        root.put("float_type", opt.floatType().safetensorsName());
        ArrayNode layers = root.putArray("layers");
        for (LayerReport r : reports) {
            ObjectNode o = layers.addObject();
            o.put("path", r.path());
            o.put("n", r.n());
            o.put("k", r.k());
            o.put("kp", r.kp());
            o.put("rank", r.rank());
            o.put("alpha", r.alpha());
            o.put("alpha_smooth_only", r.alphaSmoothOnly());
            o.put("err_naive_w4a4", r.errNaive());
            o.put("err_smooth_only", r.errSmoothOnly());
            o.put("err_low_rank_only", r.errLowRankOnly());
            o.put("err_svdq", r.errSvdq());
            o.put("held_out_rows", r.heldOutRows());
            o.put("weight_only", r.weightOnly());
        }
        Files.write(file, m.writeValueAsBytes(root));
    }
}
