package dev.nibble.bench.compare;

import dev.nibble.bench.metrics.ClipScore;
import dev.nibble.bench.metrics.FidInception;
import dev.nibble.bench.metrics.FidReferenceSet;
import dev.nibble.bench.metrics.TorchFixtures;
import dev.nibble.bench.metrics.imagereward.ImageReward;
import dev.nibble.bench.metrics.imagereward.ImageRewardFixtures;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.spi.Device;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model-level workloads and the eval flow on the built-in model (a few seconds on the CPU). */
class ModelAndEvalTest {
    static final Path BUILT_IN = Path.of("..", "models", "nibble-shapes");
    static Device cpu;

    @BeforeAll
    static void setUp() {
        assertTrue(Files.isRegularFile(BUILT_IN.resolve("model_index.json")), "built-in model not found at " + BUILT_IN);
        cpu = Backends.discover().cpu();
    }

    @Test
    void stepAndGenerationOfTheBuiltInModelAreMeasured() {
        WorkloadGroup g = ModelWorkloads.forModel(BUILT_IN, new ModelWorkloads.Settings(32, 1, 8),
                List.of(WorkloadKind.STEP, WorkloadKind.GENERATION));
        assertEquals(2, g.workloads().size());
        assertEquals(Precision.FP32, g.workloads().get(0).precision());
        List<BenchRow> rows = new BenchRunner(new BenchConfig(1, 0, 2, 0, 1, false),
                List.of(new BenchRunner.Target("cpu", cpu)), cpu, Progress.NONE).run(List.of(g));
        for (BenchRow r : rows) {
            assertEquals(BenchRow.Status.OK, r.status(), r.reason());
            assertEquals(2, r.time().count());
            assertTrue(r.weightBytes() > 13_000_000, "transformer weights: " + r.weightBytes());
            assertTrue(r.activationBytes() > 0);
        }
        assertEquals(WorkloadKind.STEP, rows.get(0).kind());
        assertEquals(WorkloadKind.GENERATION, rows.get(1).kind());
        assertTrue(rows.get(1).weightBytes() > rows.get(0).weightBytes(), "generation counts encoders and VAE too");
    }

    @Test
    void quickOptionsCoverFp32AndInt4OpsAndTheBuiltInModel() {
        BenchSession.Options o = BenchSession.Options.defaults(true, BUILT_IN);
        List<WorkloadGroup> groups = BenchSession.groups(o);
        assertTrue(groups.stream().flatMap(g -> g.workloads().stream()).anyMatch(w -> w.precision() == Precision.SVDQ_INT4));
        assertTrue(groups.stream().flatMap(g -> g.workloads().stream()).anyMatch(w -> w.kind() == WorkloadKind.STEP));
        assertTrue(groups.stream().flatMap(g -> g.workloads().stream()).anyMatch(w -> w.kind() == WorkloadKind.GENERATION));
        ModelWorkloads.Settings s = BenchSession.modelSettings(o, true);
        assertEquals(64, s.size());
        assertEquals(32, s.maxSequenceLength());
        groups.forEach(WorkloadGroup::release);
    }

    @Test
    void otherPipelinesAreRefusedWithAMessage(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("model_index.json"),
                "{\"_class_name\": \"StableDiffusion3Pipeline\", \"_diffusers_version\": \"0.31.0\"}");
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> ModelWorkloads.forModel(dir, new ModelWorkloads.Settings(64, 1, 8), List.of(WorkloadKind.STEP)));
        assertTrue(e.getMessage().contains("StableDiffusion3Pipeline"), e.getMessage());
        assertTrue(e.getMessage().contains("FLUX and SDXL"), e.getMessage());
    }

    @Test
    void evalOfAModelAgainstItselfIsIdenticalAndResumes(@TempDir Path out) throws Exception {
        Path prompts = out.resolve("prompts.txt");
        Files.writeString(prompts, "# test prompts\n0\tseed 1000\ta large red circle on a blue background\n\n"
                + "a small green square\nunused third prompt\n");
        List<String> ps = EvalSession.readPrompts(prompts, 2);
        assertEquals(List.of("a large red circle on a blue background", "a small green square"), ps);
        EvalSession.Settings s = new EvalSession.Settings(32, 2, 8, 3.5f, 1000);
        Executor ex = new Executor(cpu, null, ExecutionOptions.DEFAULT);
        EvalSession.ModelRun ref = EvalSession.generate(EvalSession.REFERENCE, BUILT_IN, out, ps, s, ex, Progress.NONE);
        EvalSession.ModelRun q = EvalSession.generate(EvalSession.QUANTIZED, BUILT_IN, out, ps, s, ex, Progress.NONE);
        assertEquals(2, ref.generated());
        assertTrue(Files.isRegularFile(out.resolve("reference").resolve("0001.png")));
        EvalReport report;
        // FID through the real feature network and the CLIP score through a CLIPModel folder (deterministic test
        // weights, see TorchFixtures): identical sets → FID 0 and the same CLIP scores in both rows
        double direct;
        double reward;
        try (FidInception fid = new FidInception(TorchFixtures.weights("fid_inception")::get, ex, null);
             ClipScore clip = ClipScore.load(TorchFixtures.writeClipModel(out.resolve("clip-model")), ex);
             ImageReward ir = ImageRewardFixtures.model(ex)) {
            // the reference images' own folder as the FID reference set: both sets are those images → FID 0
            FidReferenceSet set = FidReferenceSet.of(out.resolve("reference"), fid);
            assertEquals(2, set.images());
            report = EvalReport.compute(ref, q, s, new EvalReport.Networks(null, "no weights", fid, null,
                    Map.of("CLIP score", new EvalReport.PromptMetric(clip, null),
                            "ImageReward", new EvalReport.PromptMetric(ir, null)), set), Progress.NONE);
            var png = dev.nibble.models.common.image.ImageIo.readRgb(ref.images().get(1).png());
            direct = clip.score(png, ps.get(1), dev.nibble.models.common.image.PixelRange.SIGNED);
            reward = ir.score(png, dev.nibble.models.common.image.PixelRange.SIGNED, ps.get(1));
        }
        assertEquals(Double.POSITIVE_INFINITY, report.summary("PSNR").mean());
        assertEquals(1.0, report.summary("SSIM").mean(), 1e-12);
        assertTrue(!report.summary("LPIPS").computed());
        assertTrue(report.summary("FID").computed());
        assertEquals(2, report.summary("FID").count());
        assertEquals(0, report.summary("FID").mean(), 1e-3);
        assertEquals(0, report.fidVsReferenceSet(EvalSession.REFERENCE).mean(), 1e-3);
        assertEquals(0, report.fidVsReferenceSet(EvalSession.QUANTIZED).mean(), 1e-3);
        assertTrue(report.promptScore("CLIP score", EvalSession.REFERENCE).computed());
        assertEquals(2, report.promptScore("CLIP score", EvalSession.QUANTIZED).count());
        assertEquals(report.promptScore("CLIP score", EvalSession.REFERENCE).mean(),
                report.promptScore("CLIP score", EvalSession.QUANTIZED).mean(), 1e-12);
        assertEquals(direct, report.scores().get(1).promptScores().get("CLIP score")[0], 1e-9);
        assertEquals(direct, report.scores().get(1).promptScores().get("CLIP score")[1], 1e-9);
        assertEquals(reward, report.scores().get(1).promptScores().get("ImageReward")[1], 1e-9);
        assertEquals(2, report.promptScore("ImageReward", EvalSession.REFERENCE).count());
        String md = report.markdown();
        assertTrue(md.contains("| ∞ |"), md);
        assertTrue(md.contains("| ImageReward ↑ | CLIP score ↑ |"), md);
        assertTrue(md.contains("CLIP score: 100·max(cos, 0) of the CLIP image and prompt embeddings"), md);
        assertTrue(md.contains("Model: clip-model: ViT 2 layers"), md);
        assertTrue(!md.contains("CLIP score n/c") && !md.contains("ImageReward n/c") && !md.contains("n/s"), md);
        assertTrue(md.contains("ImageReward: ImageReward-v1.0's human-preference reward"), md);
        assertTrue(md.contains("Fréchet distance between the Inception-v3 pool3 features"), md);
        assertTrue(md.contains("| FID vs reference ↓ |") && md.contains("FID vs reference: each set's images against the 2"), md);
        assertTrue(md.contains("ImageReward"), md);

        // a second run reuses both images; a changed setting regenerates
        EvalSession.ModelRun again = EvalSession.generate(EvalSession.REFERENCE, BUILT_IN, out, ps, s, ex, Progress.NONE);
        assertEquals(0, again.generated());
        assertEquals(ref.images().get(1).latencyMs(), again.images().get(1).latencyMs(), 1e-9);
        EvalSession.Settings other = new EvalSession.Settings(32, 1, 8, 3.5f, 1000);
        assertEquals(2, EvalSession.generate(EvalSession.REFERENCE, BUILT_IN, out, ps, other, ex, Progress.NONE).generated());
        report.write(out);
        assertTrue(Files.readString(out.resolve("eval.json")).contains("\"Infinity\""));
        var json = BenchReport.MAPPER.readTree(out.resolve("eval.json").toFile());
        assertTrue(json.path("metrics").path("CLIP score").path("computed").asBoolean());
        assertEquals(report.promptScore("CLIP score", EvalSession.QUANTIZED).mean(),
                json.path("metrics").path("CLIP score").path("quantized").path("mean").asDouble(), 1e-12);
        assertEquals(direct, json.path("per_image").get(1).path("clip_score_reference").asDouble(), 1e-12);
        assertTrue(Files.readString(out.resolve("per-image.csv")).startsWith(
                "index,seed,prompt,psnr_db,ssim,lpips,image_reward_reference,image_reward_quantized,"
                        + "clip_score_reference,clip_score_quantized\n"));
        assertEquals(reward, json.path("per_image").get(1).path("image_reward_quantized").asDouble(), 1e-12);
    }

    /** The golden SDXL test pipeline (random weights, 32-px sample size); surefire passes -Dnibble.shared. */
    static final Path GOLDEN_SDXL = Path.of(System.getProperty("nibble.shared", "../../shared"), "golden/models/sdxl");

    @Test
    void stepAndGenerationOfTheGoldenSdxlFolderAreMeasured() {
        assertTrue(Files.isRegularFile(GOLDEN_SDXL.resolve("model_index.json")), "golden SDXL model not found at " + GOLDEN_SDXL);
        WorkloadGroup g = ModelWorkloads.forModel(GOLDEN_SDXL, new ModelWorkloads.Settings(32, 2, 8),
                List.of(WorkloadKind.STEP, WorkloadKind.GENERATION));
        assertEquals(List.of("sdxl step 32x32", "sdxl generation 32x32 2 steps"),
                g.workloads().stream().map(Workload::name).toList());
        assertTrue(g.workloads().stream().allMatch(w -> w.precision() == Precision.FP32));
        List<BenchRow> rows = new BenchRunner(new BenchConfig(1, 0, 2, 0, 1, false),
                List.of(new BenchRunner.Target("cpu", cpu)), cpu, Progress.NONE).run(List.of(g));
        assertEquals(2, rows.size());
        for (BenchRow r : rows) {
            assertEquals(BenchRow.Status.OK, r.status(), r.reason());
            assertEquals(Precision.FP32, r.precision());
            assertEquals(2, r.time().count());
            assertTrue(r.time().min() >= 0 && r.wall().min() >= 0, "latencies are non-negative");
            assertTrue(r.weightBytes() > 0, "U-Net weights: " + r.weightBytes());
            assertTrue(r.activationBytes() > 0, "U-Net arena: " + r.activationBytes());
            assertTrue(r.deviceBytes() >= 0 && r.deviceHighWaterBytes() >= 0);
            assertTrue(r.hostRssBytes() >= 0 && r.hostPeakRssBytes() >= 0);
            assertEquals(0, r.fallbackNodes());
            assertTrue(r.detail().contains("32x32"), r.detail());
        }
        BenchRow step = rows.get(0);
        BenchRow generation = rows.get(1);
        assertEquals(WorkloadKind.STEP, step.kind());
        assertEquals(WorkloadKind.GENERATION, generation.kind());
        assertTrue(step.detail().contains("U-Net"), step.detail());
        assertTrue(generation.weightBytes() > step.weightBytes(), "generation counts the text encoders and VAE too");
        assertTrue(step.stages().isEmpty(), "a step has no stages");
        assertEquals(List.of("text_encode", "denoise", "step", "vae_decode"), List.copyOf(generation.stages().keySet()));
        double parts = generation.stages().get("text_encode").median() + generation.stages().get("denoise").median()
                + generation.stages().get("vae_decode").median();
        assertTrue(parts > 0 && parts <= 1.05 * generation.time().max(), "stages within the total: " + parts);
        assertEquals(generation.stages().get("denoise").samples()[0] / 2, generation.stages().get("step").samples()[0], 1);
        String md = new BenchReport(rows, null, java.util.Map.of(), java.util.Map.of(), java.time.Instant.now(), 0)
                .markdown();
        assertTrue(md.contains("sdxl step 32x32") && md.contains("sdxl generation 32x32 2 steps"), md);
        assertTrue(md.contains("Generation stages, median ms:") && md.contains("| text encode | denoise | per step | VAE decode | total |"), md);
    }

    @Test
    void sdxlFoldersGetSdxlDefaultsUnlessTiny() {
        BenchSession.Options o = new BenchSession.Options(false, EnumSet.allOf(Precision.class),
                EnumSet.noneOf(OpWorkloads.Family.class), EnumSet.of(WorkloadKind.STEP, WorkloadKind.GENERATION),
                List.of(GOLDEN_SDXL), null, null, null, null, BenchConfig.quick(), List.of(), null);
        assertEquals(50, BenchSession.modelSettings(o, false, true).steps());
        assertEquals(28, BenchSession.modelSettings(o, false, false).steps());
        assertEquals(1024, BenchSession.modelSettings(o, false, true).size());
        List<WorkloadGroup> groups = BenchSession.groups(o);
        assertEquals(1, groups.size(), "the golden SDXL folder is tiny: the built-in model's settings");
        assertEquals(List.of("sdxl step 64x64", "sdxl generation 64x64 20 steps"),
                groups.get(0).workloads().stream().map(Workload::name).toList());
        groups.forEach(WorkloadGroup::release);
    }

    @Test
    void evalRunsSdxlFoldersThroughTheSdxlPipeline(@TempDir Path out) throws Exception {
        assertTrue(Files.isRegularFile(GOLDEN_SDXL.resolve("model_index.json")), "golden SDXL model not found at " + GOLDEN_SDXL);
        assertTrue(ModelWorkloads.isSdxl(GOLDEN_SDXL));
        assertEquals("unet", ModelWorkloads.denoiserComponent(GOLDEN_SDXL));
        assertTrue(ModelWorkloads.isTiny(GOLDEN_SDXL));
        EvalSession.Settings d = EvalSession.defaults(GOLDEN_SDXL, null, null, null, null, null);
        assertEquals(64, d.size());
        assertEquals(5.0f, d.guidance());
        EvalSession.Settings s = new EvalSession.Settings(32, 1, 8, 5.0f, 1000);
        Executor ex = new Executor(cpu, null, ExecutionOptions.DEFAULT);
        List<String> ps = List.of("a red circle");
        EvalSession.ModelRun ref = EvalSession.generate(EvalSession.REFERENCE, GOLDEN_SDXL, out, ps, s, ex, Progress.NONE);
        EvalSession.ModelRun q = EvalSession.generate(EvalSession.QUANTIZED, GOLDEN_SDXL, out, ps, s, ex, Progress.NONE);
        assertEquals(1, ref.generated());
        assertEquals(Precision.FP32, ref.precision());
        assertTrue(ref.weightBytes() > 0);
        EvalReport report = EvalReport.compute(ref, q, s, EvalReport.Networks.none("no weights"), Progress.NONE);
        assertEquals(Double.POSITIVE_INFINITY, report.summary("PSNR").mean());
        assertTrue(!report.promptScore("CLIP score", EvalSession.REFERENCE).computed());
        assertTrue(report.markdown().contains("CLIP score n/c: no weights."), report.markdown());
        assertTrue(report.markdown().contains("ImageReward n/c: no weights."), report.markdown());
    }

    @Test
    void precisionsParse() {
        assertEquals(Precision.SVDQ_INT4, Precision.parse("svdq-int4"));
        assertEquals(Precision.SVDQ_INT4, Precision.parse("INT4"));
        assertEquals(EnumSet.of(Precision.FP32), EnumSet.of(Precision.parse("fp32")));
        assertThrows(IllegalArgumentException.class, () -> Precision.parse("fp8"));
    }
}
