package dev.nibble.app.generate;

import dev.nibble.app.BadInputException;
import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;
import dev.nibble.engine.io.ModelIndex;
import dev.nibble.engine.io.SafetensorsStore;
import dev.nibble.models.flux.FluxRequest;
import dev.nibble.models.sdxl.SdxlRequest;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model folder as {@code generate} sees it before loading any weights: which pipeline it is, whether its
 * denoiser is SVDQ int4, and the defaults taken from the model itself.
 *
 * @param name              what the user called it ({@value BuiltInModel#NAME} or the folder as given)
 * @param folder            the absolute pipeline folder (holding model_index.json)
 * @param builtIn           the shipped nibble-shapes model
 * @param pipelineClass     model_index.json's {@code _class_name}
 * @param family            which pipeline runs it
 * @param sizeMultiple      width and height must be multiples of this
 * @param defaultWidth      default image width
 * @param defaultHeight     default image height
 * @param defaultSteps      default denoising steps
 * @param guidanceUsed      whether a guidance scale changes anything (FLUX-dev guidance embedding, SDXL CFG)
 * @param defaultGuidance   the default guidance scale (ignored where {@code guidanceUsed} is false)
 * @param maxSequenceLength FLUX: T5 sequence length min(512, tokenizer_2 model_max_length); SDXL: 77
 * @param quantized         the transformer / U-Net holds SVDQ int4 layers ({@code *.qweight})
 */
public record ModelInfo(String name, Path folder, boolean builtIn, String pipelineClass, Family family,
                        int sizeMultiple, int defaultWidth, int defaultHeight, int defaultSteps,
                        boolean guidanceUsed, float defaultGuidance, int maxSequenceLength, boolean quantized) {

    /** The pipelines generate can run. */
    public enum Family {
        FLUX, SDXL;

        /** The denoiser's component folder. */
        public String denoiser() {
            return this == FLUX ? "transformer" : "unet";
        }
    }

    /** The default strength for --image (the pipelines' own defaults: FLUX img2img 0.6, SDXL img2img 0.3). */
    public double defaultImageStrength() {
        return family == Family.FLUX ? FluxRequest.DEFAULT_STRENGTH : SdxlRequest.DEFAULT_STRENGTH;
    }

    /**
     * Resolves {@code --model}: null, blank or {@value BuiltInModel#NAME} is the built-in model; anything else a
     * folder holding model_index.json. Unknown folders and pipelines are {@link BadInputException}s.
     */
    public static ModelInfo resolve(String model) {
        return resolve(model, false);
    }

    /**
     * As {@link #resolve(String)}, for a precision: {@code svdq-int4} with the built-in model resolves its shipped
     * 4-bit version ({@link BuiltInModel#quantizedFolder()}); it keeps the built-in name and defaults.
     */
    public static ModelInfo resolve(String model, String precision) {
        boolean int4 = precision != null && precision.trim().equalsIgnoreCase("svdq-int4");
        return resolve(model, int4);
    }

    /** Whether {@code --model} names the built-in model (null, blank or its name). */
    public static boolean isBuiltIn(String model) {
        return model == null || model.isBlank() || model.equals(BuiltInModel.NAME);
    }

    private static ModelInfo resolve(String model, boolean builtInInt4) {
        boolean builtIn = isBuiltIn(model);
        Path folder;
        if (builtIn && builtInInt4) {
            folder = BuiltInModel.quantizedFolder();
            if (!Files.isRegularFile(folder.resolve(ModelIndex.FILE_NAME))) {
                throw new BadInputException("the built-in model's 4-bit version is missing: no "
                        + folder.resolve(ModelIndex.FILE_NAME) + " (make it with `nibble quantize --model "
                        + BuiltInModel.NAME + " --out " + folder + "`, or set -Dnibble.home to the Nibble folder)");
            }
        } else if (builtIn) {
            folder = BuiltInModel.folder();
            if (!Files.isRegularFile(folder.resolve(ModelIndex.FILE_NAME))) {
                throw new BadInputException("the built-in model " + BuiltInModel.NAME + " is missing: no "
                        + folder.resolve(ModelIndex.FILE_NAME) + " (set -Dnibble.home to the Nibble folder or pass --model DIR)");
            }
        } else {
            folder = Path.of(model).toAbsolutePath().normalize();
            if (!Files.exists(folder)) {
                throw new BadInputException("model folder not found: " + model + " (pass a diffusers pipeline folder with "
                        + "model_index.json, or " + BuiltInModel.NAME + " for the built-in model)");
            }
            if (!Files.isDirectory(folder)) {
                throw new BadInputException("--model " + model + " is not a folder (expected a diffusers pipeline folder "
                        + "with model_index.json)");
            }
            if (!Files.isRegularFile(folder.resolve(ModelIndex.FILE_NAME))) {
                throw new BadInputException("--model " + model + " is not a diffusers pipeline folder: no "
                        + ModelIndex.FILE_NAME + " in " + folder);
            }
        }
        ModelIndex index = ModelIndex.read(folder);
        String cls = index.className();
        Family family;
        if (cls.equals("FluxPipeline") || cls.equals("FluxImg2ImgPipeline")) {
            family = Family.FLUX;
        } else if (cls.startsWith("StableDiffusionXL")) {
            family = Family.SDXL;
        } else {
            throw new BadInputException(index.path() + ": pipeline '" + cls + "' is not supported by generate (supported: "
                    + "FluxPipeline, StableDiffusionXLPipeline)");
        }
        String name = builtIn ? BuiltInModel.NAME : model;
        boolean quantized = hasQweight(index.componentDir(family.denoiser()));
        int[] blocks = DiffusersConfig.read(index.componentDir("vae").resolve("config.json"))
                .getIntArray("block_out_channels");
        if (family == Family.FLUX) {
            // diffusers 0.31 FluxPipeline: vae_scale_factor = 2 ** len(block_out_channels) (the VAE's own
            // downsampling times the 2x2 packing); sizes not divisible by it would be cropped.
            int vsf = 1 << blocks.length;
            boolean guidance = DiffusersConfig.read(index.componentDir("transformer").resolve("config.json"))
                    .getBoolean("guidance_embeds", false);
            int tokenizerMax = DiffusersConfig.read(index.componentDir("tokenizer_2").resolve("tokenizer_config.json"))
                    .getInt("model_max_length", FluxRequest.DEFAULT_MAX_SEQUENCE_LENGTH);
            int maxSeq = Math.max(1, Math.min(FluxRequest.DEFAULT_MAX_SEQUENCE_LENGTH, tokenizerMax));
            int size = builtIn ? BuiltInModel.SIZE : FluxRequest.DEFAULT_SIZE;
            int steps = builtIn ? BuiltInModel.STEPS : FluxRequest.DEFAULT_STEPS;
            if (builtIn && maxSeq != BuiltInModel.MAX_SEQUENCE_LENGTH) {
                throw new ConfigException(folder + ": tokenizer_2 model_max_length gives T5 length " + maxSeq
                        + " but the built-in model was trained with " + BuiltInModel.MAX_SEQUENCE_LENGTH);
            }
            return new ModelInfo(name, folder, builtIn, cls, family, Math.max(8, vsf), size, size, steps, guidance,
                    FluxRequest.DEFAULT_GUIDANCE, maxSeq, quantized);
        }
        // SDXL: vae_scale_factor = 2 ** (len(block_out_channels) - 1); default size unet sample_size · vsf
        int vsf = 1 << (blocks.length - 1);
        int sample = DiffusersConfig.read(index.componentDir("unet").resolve("config.json")).getInt("sample_size", 128);
        int size = sample * vsf;
        return new ModelInfo(name, folder, false, cls, family, Math.max(8, vsf), size, size, SdxlRequest.DEFAULT_STEPS,
                true, SdxlRequest.DEFAULT_GUIDANCE, 77, quantized);
    }

    /** Whether the component folder's safetensors hold any SVDQ layer (a {@code *.qweight} tensor). */
    static boolean hasQweight(Path componentDir) {
        try (SafetensorsStore store = SafetensorsStore.open(componentDir)) {
            return store.names().stream().anyMatch(n -> n.endsWith(".qweight"));
        }
    }
}
