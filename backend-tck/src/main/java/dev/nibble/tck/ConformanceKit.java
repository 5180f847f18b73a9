package dev.nibble.tck;

import dev.nibble.backend.cpu.CpuBackend;
import dev.nibble.engine.graph.Node;
import dev.nibble.engine.spi.Device;
import dev.nibble.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The conformance kit: runs every case on a device under test and on the CPU reference device,
 * through the SPI only, and compares. Configure fluently, then {@link #run()}:
 * <pre>{@code
 * TckReport r = ConformanceKit.forDevice(device).onlyOps("Linear", "Attention").run();
 * }</pre>
 * A kit object is a mutable builder; use one per thread.
 */
public final class ConformanceKit {
    /** Seed of the default inputs; every case derives its own from this and its id. */
    public static final long DEFAULT_SEED = 0x5EED_0F_C0DEL;

    private final Device device;
    private Device reference = CpuBackend.referenceDevice();
    private Tolerances tolerances = Tolerances.defaults();
    private Predicate<TckCase> filter = c -> true;
    private final List<TckCase> extra = new ArrayList<>();
    private long seed = DEFAULT_SEED;
    private boolean requireAllSupported;

    private ConformanceKit(Device device) {
        this.device = device;
    }

    public static ConformanceKit forDevice(Device device) {
        return new ConformanceKit(device);
    }

    /** Every case, default settings. */
    public static TckReport run(Device device) {
        return forDevice(device).run();
    }

    /** The built-in cases plus those of every {@link TckCaseSource} on the class path. */
    public static List<TckCase> allCases() {
        List<TckCase> all = new ArrayList<>(BuiltinCases.all());
        for (TckCaseSource s : ServiceLoader.load(TckCaseSource.class)) {
            all.addAll(s.cases());
        }
        return all;
    }

    public ConformanceKit reference(Device ref) {
        this.reference = ref;
        return this;
    }

    public ConformanceKit tolerances(Tolerances t) {
        this.tolerances = t;
        return this;
    }

    public ConformanceKit seed(long s) {
        this.seed = s;
        return this;
    }

    /** Adds cases beyond the built-in and discovered ones. */
    public ConformanceKit addCases(Collection<TckCase> cases) {
        extra.addAll(cases);
        return this;
    }

    /** Keeps cases whose op name ("Unary.GELU") or family ("Unary") is one of {@code ops}, ignoring case. */
    public ConformanceKit onlyOps(String... ops) {
        Set<String> wanted = new HashSet<>();
        Arrays.stream(ops).forEach(o -> wanted.add(o.toLowerCase(Locale.ROOT)));
        return filter(c -> wanted.contains(c.opName().toLowerCase(Locale.ROOT))
                || wanted.contains(c.family().toLowerCase(Locale.ROOT)));
    }

    /** Keeps cases whose id ("Linear/x[7,65] ...") contains a match of {@code regex}. */
    public ConformanceKit onlyCases(String regex) {
        Pattern p = Pattern.compile(regex);
        return filter(c -> p.matcher(c.id()).find());
    }

    /** Keeps cases that also pass {@code f} (filters combine with AND). */
    public ConformanceKit filter(Predicate<TckCase> f) {
        this.filter = this.filter.and(f);
        return this;
    }

    /** For backends that claim every op: UNSUPPORTED cases fail the JUnit tests of {@link ConformanceTests}. */
    public ConformanceKit requireAllSupported() {
        this.requireAllSupported = true;
        return this;
    }

    public boolean requiresAllSupported() {
        return requireAllSupported;
    }

    public Device device() {
        return device;
    }

    public Device referenceDevice() {
        return reference;
    }

    /** A report of results gathered case by case (e.g. from {@link ConformanceTests}). */
    public TckReport report(List<TckResult> results) {
        return new TckReport(device.name(), reference.name(), results);
    }

    /** The selected cases, in catalogue order. Duplicate ids are an error. */
    public List<TckCase> cases() {
        List<TckCase> all = new ArrayList<>(allCases());
        all.addAll(extra);
        Set<String> ids = new HashSet<>();
        for (TckCase c : all) {
            if (!ids.add(c.id())) {
                throw new IllegalStateException("two conformance cases share the id " + c.id());
            }
        }
        return all.stream().filter(filter).toList();
    }

    public TckReport run() {
        List<TckResult> rows = new ArrayList<>();
        for (TckCase c : cases()) {
            rows.add(run(c));
        }
        return report(rows);
    }

    /** One case: device under test first (an UNSUPPORTED answer skips the reference), then the reference. */
    public TckResult run(TckCase c) {
        Tolerance tol = tolerances.forCase(c);
        Node node;
        List<Tensor> inputs;
        try {
            node = c.node();
            inputs = c.generateInputs(seed);
        } catch (RuntimeException e) {
            return result(c, TckStatus.FAIL, Double.NaN, Double.NaN, tol, "malformed case: " + e);
        }
        DeviceRun dut = DeviceRun.run(device, node, inputs);
        if (dut.unsupported() != null) {
            return result(c, TckStatus.UNSUPPORTED, Double.NaN, Double.NaN, tol, dut.unsupported());
        }
        if (dut.outputs() == null) {
            return result(c, TckStatus.FAIL, Double.NaN, Double.NaN, tol, String.join("; ", dut.problems()));
        }
        DeviceRun ref = DeviceRun.run(reference, node, inputs);
        if (ref.outputs() == null || !ref.problems().isEmpty()) {
            String why = ref.unsupported() != null ? ref.unsupported() : String.join("; ", ref.problems());
            return result(c, TckStatus.FAIL, Double.NaN, Double.NaN, tol,
                    "the reference device " + reference.name() + " could not run this case: " + why);
        }
        Comparison cmp = Comparison.of(ref.outputs(), dut.outputs(), tol);
        List<String> problems = new ArrayList<>(dut.problems());
        problems.addAll(cmp.problems());
        TckStatus status = problems.isEmpty() ? TckStatus.PASS : TckStatus.FAIL;
        return result(c, status, cmp.maxError(), cmp.relL2(), tol, String.join("; ", problems));
    }

    private static TckResult result(TckCase c, TckStatus s, double max, double l2, Tolerance tol, String msg) {
        return new TckResult(c.opName(), c.name(), s, max, l2, tol, msg);
    }
}
