package dev.nibble.app;

import dev.nibble.bench.compare.EvalReport;
import dev.nibble.bench.compare.EvalSession;
import dev.nibble.bench.compare.Progress;
import dev.nibble.bench.compare.ProgressBar;
import dev.nibble.bench.metrics.ClipScore;
import dev.nibble.bench.metrics.imagereward.ImageReward;
import dev.nibble.bench.metrics.FidInception;
import dev.nibble.bench.metrics.FidReferenceSet;
import dev.nibble.bench.metrics.Lpips;
import dev.nibble.bench.metrics.PerceptualDistance;
import dev.nibble.engine.exec.ExecutionOptions;
import dev.nibble.engine.exec.Executor;
import dev.nibble.engine.io.ModelIndex;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.spi.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code nibble eval}: the SVDQuant paper's quality table for one model pair. Generates the same prompts
 * with the same seeds with the 16/32-bit model and the 4-bit model (FLUX or SDXL pipeline), stores the images
 * under --out (reused by a later run with the same settings, so an interrupted evaluation resumes),
 * then prints PSNR/SSIM (LPIPS with --lpips-weights, FID with --inception-weights) of the 4-bit images
 * against the reference ones, ImageReward and the CLIP score of each set against its prompts (with --image-reward, --clip-model), with
 * latency and memory of both and the number of images.
 */
@Command(name = "eval", sortOptions = false,
        description = {"Quality of a quantised model against its 16/32-bit original: same prompts and seeds, "
                + "PSNR/SSIM (LPIPS, FID, ImageReward and CLIP score with their weights), latency and memory, the paper's table.",
                "Resumable: images already in --out with the same settings are reused."})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The reference (16/32-bit) model folder.")
    Path model;

    @Option(names = "--quantized", required = true, paramLabel = "DIR", description = "The svdq-int4 model folder (from `nibble quantize`).")
    Path quantized;

    @Option(names = "--prompts", required = true, paramLabel = "FILE", description = "Prompts, one per line (blank lines and # comments skipped).")
    Path prompts;

    @Option(names = "--n", paramLabel = "N", description = "Use the first N prompts (default: all).")
    Integer n;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "nibble-eval",
            description = "Where images, eval.md, eval.json and per-image.csv go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--backend", defaultValue = "auto", description = "Backend to generate on (default: ${DEFAULT-VALUE}).")
    String backend;

    @Option(names = "--strict", description = "Fail instead of running unsupported nodes on the CPU.")
    boolean strict;

    @Option(names = "--size", paramLabel = "PX", description = "Image size (default: 64 for tiny models such as the built-in one and test models, else 1024).")
    Integer size;

    @Option(names = "--steps", description = "Denoising steps (default: 20 for tiny models, else 28 for FLUX, 50 for SDXL).")
    Integer steps;

    @Option(names = "--max-sequence-length", paramLabel = "N", description = "FLUX T5 padding length (default: 32 for tiny models, else 512; not used by SDXL).")
    Integer maxSequenceLength;

    @Option(names = "--guidance", description = "FLUX guidance-embedding scale (default: 3.5) or SDXL CFG scale (default: 5.0).")
    Float guidance;

    @Option(names = "--seed", description = "Seed of the first prompt; prompt i uses seed + i (default: 1000).")
    Long seed;

    @Option(names = "--lpips-weights", paramLabel = "FILE",
            description = "LPIPS (AlexNet) weights as safetensors; see Lpips for how to convert the public PyTorch ones.")
    Path lpipsWeights;

    @Option(names = "--inception-weights", paramLabel = "FILE",
            description = "FID Inception-v3 weights (pytorch-fid's pt_inception-2015-12-05, as safetensors); see FidInception for how to convert them.")
    Path inceptionWeights;

    @Option(names = "--fid-reference", paramLabel = "DIR",
            description = "A folder of images (PNG/JPEG, e.g. MJHQ-30K) each set's FID is also measured against, as "
                    + "the paper's quality FID; needs --inception-weights.")
    Path fidReference;

    @Option(names = "--clip-model", paramLabel = "DIR",
            description = "CLIP model folder for the CLIP score: config.json, model.safetensors, vocab.json, merges.txt "
                    + "(e.g. openai/clip-vit-large-patch14 from the Hugging Face hub; nothing is downloaded).")
    Path clipModel;

    @Option(names = "--image-reward", paramLabel = "FILE",
            description = "ImageReward-v1.0 checkpoint (THUDM/ImageReward's ImageReward.pt converted to safetensors; see "
                    + "the ImageReward class); needs --image-reward-vocab.")
    Path imageReward;

    @Option(names = "--image-reward-vocab", paramLabel = "FILE",
            description = "bert-base-uncased's vocab.txt, the tokenizer ImageReward uses.")
    Path imageRewardVocab;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of the table.")
    boolean json;

    @Option(names = "--no-progress", description = "No progress bar on stderr.")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        for (Path dir : List.of(model, quantized)) {
            if (!Files.isRegularFile(dir.resolve(ModelIndex.FILE_NAME))) {
                throw new BadInputException("not a diffusers pipeline folder (no model_index.json): " + dir);
            }
            String cls = ModelIndex.read(dir).className();
            if (!cls.startsWith("Flux") && !cls.startsWith("StableDiffusionXL")) {
                throw new BadInputException("eval supports FLUX and SDXL pipeline folders; " + dir + " is a " + cls);
            }
        }
        if (!ModelIndex.read(model).className().equals(ModelIndex.read(quantized).className())) {
            throw new BadInputException("--model is a " + ModelIndex.read(model).className() + " but --quantized is a "
                    + ModelIndex.read(quantized).className());
        }
        if (!Files.isRegularFile(prompts)) {
            throw new BadInputException("--prompts: no such file: " + prompts);
        }
        if (n != null && n < 1) {
            throw new BadInputException("--n must be >= 1, got " + n);
        }
        if (lpipsWeights != null && !Files.isRegularFile(lpipsWeights)) {
            throw new BadInputException("--lpips-weights: no such file: " + lpipsWeights);
        }
        if (inceptionWeights != null && !Files.isRegularFile(inceptionWeights)) {
            throw new BadInputException("--inception-weights: no such file: " + inceptionWeights);
        }
        if (fidReference != null && inceptionWeights == null) {
            throw new BadInputException("--fid-reference needs --inception-weights");
        }
        if (fidReference != null && !Files.isDirectory(fidReference)) {
            throw new BadInputException("--fid-reference: no such folder: " + fidReference);
        }
        if (clipModel != null && !Files.isDirectory(clipModel)) {
            throw new BadInputException("--clip-model: no such folder: " + clipModel);
        }
        if ((imageReward == null) != (imageRewardVocab == null)) {
            throw new BadInputException("--image-reward and --image-reward-vocab go together");
        }
        for (Path f : new Path[] {imageReward, imageRewardVocab}) {
            if (f != null && !Files.isRegularFile(f)) {
                throw new BadInputException((f == imageReward ? "--image-reward" : "--image-reward-vocab")
                        + ": no such file: " + f);
            }
        }
        List<String> ps;
        EvalSession.Settings settings;
        try {
            ps = EvalSession.readPrompts(prompts, n);
            settings = EvalSession.defaults(model, size, steps, maxSequenceLength, guidance, seed);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage(), e);
        }

        Backends backends = Backends.discover();
        Device d = backends.selectDevice(backend);
        Device cpu = backends.cpu();
        Executor ex = new Executor(d, strict || d == cpu ? null : cpu, ExecutionOptions.DEFAULT.withStrict(strict));

        Progress progress = noProgress ? Progress.NONE : ProgressBar.stderr("eval");
        progress.total(3L * ps.size());
        EvalReport report;
        PerceptualDistance lpips = null;
        FidInception fid = null;
        ClipScore clip = null;
        ImageReward reward = null;
        try {
            // the metric networks first: a wrong weights file fails before any image is generated
            if (lpipsWeights != null) {
                lpips = metricNetwork("--lpips-weights", lpipsWeights, () -> Lpips.load(lpipsWeights, ex));
            }
            if (inceptionWeights != null) {
                fid = metricNetwork("--inception-weights", inceptionWeights, () -> FidInception.load(inceptionWeights, ex));
            }
            FidReferenceSet fidSet = null;
            if (fidReference != null) {
                FidInception net = fid;
                fidSet = metricNetwork("--fid-reference", fidReference, () -> FidReferenceSet.of(fidReference, net));
            }
            if (clipModel != null) {
                clip = metricNetwork("--clip-model", clipModel, () -> ClipScore.load(clipModel, ex));
            }
            if (imageReward != null) {
                reward = metricNetwork("--image-reward", imageReward,
                        () -> ImageReward.load(imageReward, imageRewardVocab, ex));
            }
            EvalSession.ModelRun ref = EvalSession.generate(EvalSession.REFERENCE, model, out, ps, settings, ex, progress);
            EvalSession.ModelRun q = EvalSession.generate(EvalSession.QUANTIZED, quantized, out, ps, settings, ex, progress);
            report = EvalReport.compute(ref, q, settings, new EvalReport.Networks(lpips, "no --lpips-weights given", fid,
                    "no --inception-weights given", Map.of(
                            "CLIP score", new EvalReport.PromptMetric(clip, "no --clip-model given"),
                            "ImageReward", new EvalReport.PromptMetric(reward, "no --image-reward given")), fidSet),
                    progress);
        } finally {
            if (lpips != null) {
                lpips.close();
            }
            if (fid != null) {
                fid.close();
            }
            if (clip != null) {
                clip.close();
            }
            if (reward != null) {
                reward.close();
            }
            progress.done();
        }
        report.write(out);
        if (json) {
            JsonOutput.print(report.json());
        } else {
            System.out.print(report.markdown());
            System.out.flush();
        }
        return NibbleCli.EXIT_OK;
    }

    /** Loads a metric network, turning a malformed or mismatched weights file into bad input naming it. */
    private static <T> T metricNetwork(String option, Path file, java.util.function.Supplier<T> load) {
        try {
            return load.get();
        } catch (IllegalArgumentException | dev.nibble.engine.io.SafetensorsException | dev.nibble.engine.io.ConfigException
                 | dev.nibble.models.common.tokenizer.TokenizerException e) {
            String m = String.valueOf(e.getMessage());
            throw new BadInputException(option + " " + file + ": " + (m.contains(file.toString()) ? m.replace(file + ": ", "") : m), e);
        }
    }
}
