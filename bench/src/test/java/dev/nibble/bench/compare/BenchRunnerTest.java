package dev.nibble.bench.compare;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.spi.Device;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke tests of the runner and the report on tiny op workloads; nothing here asserts on time. */
class BenchRunnerTest {
    static Backends backends;
    static Device cpu;

    @BeforeAll
    static void discover() {
        backends = Backends.discover();
        cpu = backends.cpu();
    }

    static final BenchConfig TINY = new BenchConfig(1, 0, 3, 0, 1, false);

    @Test
    void tinyLinearOnTheCpuGivesAMeasuredRowPerPrecision(@TempDir Path out) throws Exception {
        WorkloadGroup g = OpWorkloads.linearGroup(8, 64, 16, EnumSet.of(Precision.FP32, Precision.BF16));
        List<BenchRunner.Target> targets = List.of(new BenchRunner.Target("cpu", cpu));
        BenchReport report = BenchSession.run(List.of(g), targets, cpu, TINY, "cpu", Map.of("test", true), backends,
                Progress.NONE);
        assertEquals(2, report.rows().size());
        for (BenchRow r : report.rows()) {
            assertEquals(BenchRow.Status.OK, r.status(), r.reason());
            assertEquals(3, r.time().count());
            assertTrue(r.time().median() > 0);
            assertEquals(2.0 * 8 * 64 * 16, r.flops());
            assertTrue(r.weightBytes() > 0);
            assertTrue(r.activationBytes() >= (8 * 64 + 8 * 16) * 4L, "arena holds input and output");
            assertEquals(1.0, r.speedup(), 1e-12); // its own baseline
        }
        assertEquals(16 * 64 * 4 + 16 * 4, report.rows().get(0).weightBytes());
        assertEquals(16 * 64 * 2 + 16 * 2, report.rows().get(1).weightBytes());

        String md = report.markdown();
        assertTrue(md.startsWith("| workload | kind | precision | backend | median ms"), md);
        assertTrue(md.contains("| linear 8x64x16 | op | fp32 | cpu |"), md);
        assertTrue(md.contains("speedup vs cpu"), md);

        List<String> csv = report.csv().lines().toList();
        assertEquals(3, csv.size());
        assertEquals(BenchReport.CSV_COLUMNS.size(), csv.get(1).split(",", -1).length);

        JsonNode json = BenchReport.MAPPER.readTree(report.jsonString());
        assertEquals(2, json.get("rows").size());
        assertEquals("ok", json.get("rows").get(0).get("status").asText());
        assertEquals(3, json.get("rows").get(0).get("samples_ms").size());
        assertTrue(json.get("machine").get("cores").asInt() >= 1);

        List<Path> files = report.write(out);
        for (String name : List.of("bench.md", "bench.csv", "bench.json", "throughput.png", "speedup.png",
                "latency-linear-8x64x16.png")) {
            assertTrue(Files.size(out.resolve(name)) > 0, name);
            assertTrue(files.contains(out.resolve(name)), name);
        }
    }

    @Test
    void svdqAttentionAndConvBuildValidGraphs() {
        // every op workload at a tiny size: measured, or "unsupported" with a reason, never a failure
        List<WorkloadGroup> groups = List.of(
                OpWorkloads.linearGroup(4, 72, 8, EnumSet.of(Precision.SVDQ_INT4)),
                OpWorkloads.attentionGroup(1, 2, 16, 8),
                OpWorkloads.convGroup(1, 4, 8, 8, 4, 3, EnumSet.of(Precision.FP32, Precision.BF16)));
        List<BenchRow> rows = new BenchRunner(TINY, List.of(new BenchRunner.Target("cpu", cpu)), cpu, Progress.NONE)
                .run(groups);
        assertEquals(5, rows.size());
        for (BenchRow r : rows) {
            assertTrue(r.status() != BenchRow.Status.FAILED, r.workload() + ": " + r.reason());
            if (r.status() == BenchRow.Status.UNSUPPORTED) {
                assertFalse(r.reason().isBlank());
                assertNull(r.time());
            }
        }
        BenchRow svdq = rows.get(0);
        assertEquals(Precision.SVDQ_INT4, svdq.precision());
        // K = 72 pads to 128: qweight 8 x 64 bytes, wscales 2 x 8, smooth 72, down 72 x 8, up 8 x 8, bias 8 (bf16)
        if (svdq.ok()) {
            assertEquals(8 * 64 + 2L * (2 * 8 + 72 + 72 * 8 + 8 * 8 + 8), svdq.weightBytes());
        }
        // the branch-unfused variant: a rank-0 SvdqLinear plus separate nodes; the CPU runs both
        BenchRow unfused = rows.get(1);
        assertEquals("linear 4x72x8 unfused", unfused.workload());
        assertEquals(Precision.SVDQ_INT4, unfused.precision());
        assertEquals(BenchRow.Status.OK, svdq.status(), svdq.reason());
        assertEquals(BenchRow.Status.OK, unfused.status(), unfused.reason());
        assertEquals(svdq.flops(), unfused.flops());
    }

    @Test
    void unsupportedAndFailingCellsCarryNoNumbers() {
        Workload unsupported = new FakeWorkload("nope", () -> {
            throw new UnsupportedWorkloadException("FakeOp: not on this device");
        }, () -> new Workload.Sample(1, 1));
        int[] calls = {0};
        Workload failing = new FakeWorkload("boom", () -> {
            if (++calls[0] > 2) { // the warm-up and the first measured run pass
                throw new IllegalStateException("kernel exploded");
            }
            return new Workload.Sample(1000, 1000);
        });
        Workload fine = new FakeWorkload("fine", () -> new Workload.Sample(2000, 2500));
        List<BenchRow> rows = new BenchRunner(TINY, List.of(new BenchRunner.Target("cpu", cpu)), cpu, Progress.NONE)
                .run(List.of(new WorkloadGroup("g", List.of(unsupported, failing, fine))));
        assertEquals(BenchRow.Status.UNSUPPORTED, rows.get(0).status());
        assertEquals("FakeOp: not on this device", rows.get(0).reason());
        assertEquals(BenchRow.Status.FAILED, rows.get(1).status());
        assertTrue(rows.get(1).reason().contains("kernel exploded"));
        for (BenchRow r : rows.subList(0, 2)) {
            assertNull(r.time());
            assertTrue(Double.isNaN(r.gflops()));
        }
        assertEquals(BenchRow.Status.OK, rows.get(2).status());
        assertEquals(2000, rows.get(2).time().median());
        assertEquals(2500, rows.get(2).wall().median());
        BenchReport report = new BenchReport(rows, null, Map.of(), Map.of(), java.time.Instant.now(), 0);
        String md = report.markdown();
        assertTrue(md.contains("| unsupported [1] |"), md);
        assertTrue(md.contains("[1] cpu: FakeOp: not on this device"), md);
        assertTrue(md.contains("| failed [2] |"), md);
    }

    @Test
    void roundsInterleaveCellsAndRotateTheirOrder() {
        List<String> order = new ArrayList<>();
        Workload a = new FakeWorkload("a", () -> {
            order.add("a");
            return new Workload.Sample(1, 1);
        });
        Workload b = new FakeWorkload("b", () -> {
            order.add("b");
            return new Workload.Sample(1, 1);
        });
        new BenchRunner(new BenchConfig(0, 0, 4, 0, 1, false), List.of(new BenchRunner.Target("cpu", cpu)), cpu,
                Progress.NONE).run(List.of(new WorkloadGroup("g", List.of(a, b))));
        assertEquals(List.of("a", "b", "b", "a", "a", "b", "b", "a"), order);
    }

    @Test
    void aTimeBudgetCutsRepetitionsButKeepsTheMinimum() {
        Workload slow = new FakeWorkload("slow", () -> new Workload.Sample(1_000_000_000L, 1_000_000_000L));
        BenchConfig cfg = new BenchConfig(0, 0, 10, 1.5, 2, false);
        BenchRow r = new BenchRunner(cfg, List.of(new BenchRunner.Target("cpu", cpu)), cpu, Progress.NONE)
                .run(List.of(new WorkloadGroup("g", List.of(slow)))).get(0);
        assertEquals(2, r.time().count());
        assertTrue(r.reason().contains("2 of 10 reps"), r.reason());
    }

    @Test
    void speedupsCompareTheSameWorkloadOnTheBaseline() {
        Workload w = new FakeWorkload("w", () -> new Workload.Sample(1000, 1000));
        List<BenchRow> rows = new BenchRunner(TINY, List.of(new BenchRunner.Target("cpu", cpu)), cpu, Progress.NONE)
                .run(List.of(new WorkloadGroup("g", List.of(w))));
        BenchRow base = rows.get(0);
        BenchRow other = new BenchRow(base.group(), base.workload(), base.kind(), base.precision(), base.detail(),
                "fast", "fast:0", BenchRow.Status.OK, "", Stats.of(new long[] {250}), Stats.of(new long[] {250}), 0, 0, 0,
                0, 0, 0, 0, 0, null, new java.util.LinkedHashMap<>());
        BenchReport report = new BenchReport(List.of(base, other), "cpu", Map.of(), Map.of(), java.time.Instant.now(), 0);
        assertEquals(1.0, report.rows().get(0).speedup());
        assertEquals(4.0, report.rows().get(1).speedup(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> BenchSession.run(List.of(), List.of(
                new BenchRunner.Target("cpu", cpu)), cpu, TINY, "cuda", Map.of(), backends, Progress.NONE));
    }

    @Test
    void progressCountsEveryRun() {
        long[] advanced = {0};
        long[] total = {0};
        Progress p = new Progress() {
            @Override
            public void total(long steps) {
                total[0] = steps;
            }

            @Override
            public void advance(long steps, String label) {
                advanced[0] += steps;
                assertNotNull(label);
            }

            @Override
            public void note(String message) {
            }

            @Override
            public void done() {
            }
        };
        Workload w = new FakeWorkload("w", () -> new Workload.Sample(1, 1));
        new BenchRunner(TINY, List.of(new BenchRunner.Target("cpu", cpu)), cpu, p)
                .run(List.of(new WorkloadGroup("g", List.of(w, w))));
        assertEquals(2 * (1 + 3), total[0]);
        assertEquals(total[0], advanced[0]);
    }

    /** A workload whose preparation and runs are given by the test. */
    static final class FakeWorkload implements Workload {
        private final String name;
        private final Runnable prepare;
        private final java.util.function.Supplier<Sample> run;

        FakeWorkload(String name, java.util.function.Supplier<Sample> run) {
            this(name, () -> { }, run);
        }

        FakeWorkload(String name, Runnable prepare, java.util.function.Supplier<Sample> run) {
            this.name = name;
            this.prepare = prepare;
            this.run = run;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public WorkloadKind kind() {
            return WorkloadKind.OP;
        }

        @Override
        public Precision precision() {
            return Precision.FP32;
        }

        @Override
        public String detail() {
            return "fake";
        }

        @Override
        public double flops() {
            return 0;
        }

        @Override
        public Prepared prepare(Device device, Device fallback) {
            prepare.run();
            return new Prepared() {
                @Override
                public Sample run() {
                    return run.get();
                }

                @Override
                public long weightBytes() {
                    return 0;
                }

                @Override
                public long activationBytes() {
                    return 0;
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
