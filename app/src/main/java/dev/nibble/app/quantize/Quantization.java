package dev.nibble.app.quantize;

import dev.nibble.app.BadInputException;
import dev.nibble.app.generate.ModelInfo;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.ModelIndex;
import dev.nibble.quantizer.CalibrationSource;
import dev.nibble.quantizer.LayerReport;
import dev.nibble.quantizer.ModelQuantizer;
import dev.nibble.quantizer.QuantizeTarget;
import dev.nibble.quantizer.SvdqOptions;
import dev.nibble.quantizer.calibration.CalibrationSettings;
import dev.nibble.quantizer.calibration.PipelineCalibrator;
import dev.nibble.quantizer.rules.QuantizeRules;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code nibble quantize} without the command line: calibrate (run the 16-bit pipeline on the prompts with an
 * activation recorder) unless weight-only, then {@link ModelQuantizer#quantize} into the output folder, which
 * appears complete or not at all.
 */
public final class Quantization {
    private Quantization() {
    }

    /**
     * @param summary         the quantiser's summary (per-layer reports)
     * @param denoiser        the quantised component ("transformer", "unet")
     * @param calibrationNanos time spent running the pipeline for calibration (0 when weight-only)
     * @param bytesBefore     the denoiser's safetensors bytes in the input folder
     * @param bytesAfter      the same in the output folder
     */
    public record Outcome(ModelQuantizer.Summary summary, String denoiser, long calibrationNanos, long totalNanos,
                          long bytesBefore, long bytesAfter, List<String> unobserved) {
        public List<LayerReport> layers() {
            return summary.layers();
        }

        /** Layers whose SVDQuant error is not above smoothing-only / below naive. */
        public long svdqBeatsSmoothing() {
            return layers().stream().filter(r -> r.errSvdq() <= r.errSmoothOnly()).count();
        }

        public long svdqBeatsNaive() {
            return layers().stream().filter(r -> r.errSvdq() < r.errNaive()).count();
        }

        public String summaryLine() {
            List<LayerReport> l = layers();
            return String.format(Locale.ROOT, "quantize: %d layers W4A4; mean rel. error on held-out rows: naive %.4f, "
                            + "smooth %.4f, low-rank %.4f, svdq %.4f (svdq <= smooth on %d, < naive on %d); %s %s -> %s "
                            + "(%.2fx smaller); %.1f s (calibration %.1f s)",
                    l.size(), mean(l, LayerReport::errNaive), mean(l, LayerReport::errSmoothOnly),
                    mean(l, LayerReport::errLowRankOnly), mean(l, LayerReport::errSvdq), svdqBeatsSmoothing(),
                    svdqBeatsNaive(), denoiser, mib(bytesBefore), mib(bytesAfter), bytesBefore / (double) bytesAfter,
                    totalNanos / 1e9, calibrationNanos / 1e9);
        }
    }

    static double mean(List<LayerReport> l, java.util.function.ToDoubleFunction<LayerReport> f) {
        return l.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    static String mib(long b) {
        return String.format(Locale.ROOT, "%.2f MiB", b / 1048576.0);
    }

    /**
     * @param calibration null: weight-only (unit activation statistics, no pipeline run)
     * @param ex          where the calibration pipeline runs (unused when weight-only)
     */
    public static Outcome run(ModelInfo info, Path out, SvdqOptions options, CalibrationSettings calibration,
                              Executor ex, PrintStream progress) {
        long t0 = System.nanoTime();
        if (info.quantized()) {
            throw new BadInputException(info.name() + " is already an SVDQ int4 folder; quantise its 16/32-bit original");
        }
        Path target = out.toAbsolutePath().normalize();
        if (Files.exists(target) && !isEmptyDir(target)) {
            throw new BadInputException("--out " + out + " already exists; remove it or choose another folder");
        }
        if (target.startsWith(info.folder())) {
            throw new BadInputException("--out " + out + " lies inside the model folder " + info.folder());
        }
        QuantizeTarget rule;
        try {
            rule = QuantizeRules.forModel(ModelIndex.read(info.folder()));
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        String denoiser = info.family().denoiser();
        CalibrationSource source = null;
        long calNanos = 0;
        List<String> unobserved = List.of();
        if (calibration != null) {
            PipelineCalibrator.Result r = PipelineCalibrator.run(info.folder(), rule, ex, calibration, progress);
            source = r.calibration();
            calNanos = r.nanos();
            unobserved = r.unobserved();
        }
        ModelQuantizer.Summary s;
        try {
            s = ModelQuantizer.quantize(info.folder(), target, rule, source, options, progress);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }
        openUp(target);
        return new Outcome(s, denoiser, calNanos, System.nanoTime() - t0,
                safetensorsBytes(info.folder().resolve(denoiser)), safetensorsBytes(target.resolve(denoiser)),
                unobserved);
    }

    /**
     * The quantiser builds the output in a private temporary folder (mode 700 on POSIX) and moves it into place;
     * give the finished folder the usual rwxr-xr-x so that others can read the model.
     */
    private static void openUp(Path dir) {
        try {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // not POSIX, or not ours to change: leave it
        }
    }

    static boolean isEmptyDir(Path p) {
        if (!Files.isDirectory(p)) {
            return false;
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** Bytes of the .safetensors files directly in {@code dir}. */
    public static long safetensorsBytes(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Deletes the quantiser's temporary folders ({@code .<name>.tmp-*} beside {@code out}) that were not there
     * before: what an interrupted run (Ctrl-C, kill) leaves behind, since the JVM's shutdown does not unwind
     * the quantiser's own cleanup.
     */
    public static Runnable cleanupOnExit(Path out) {
        Path target = out.toAbsolutePath().normalize();
        Path parent = target.getParent();
        String prefix = "." + target.getFileName() + ".tmp-";
        List<Path> before = temporaries(parent, prefix);
        return () -> {
            for (int attempt = 0; attempt < 3; attempt++) {
                for (Path p : temporaries(parent, prefix)) {
                    if (!before.contains(p)) {
                        deleteQuietly(p);
                    }
                }
            }
        };
    }

    private static List<Path> temporaries(Path parent, String prefix) {
        if (parent == null || !Files.isDirectory(parent)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(parent)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix)).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void deleteQuietly(Path p) {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException | UncheckedIOException ignored) {
            // best effort while the JVM exits
        }
    }

    static double[] errors(List<LayerReport> l, java.util.function.ToDoubleFunction<LayerReport> f) {
        double[] v = l.stream().mapToDouble(f).toArray();
        Arrays.sort(v);
        return v;
    }
}
