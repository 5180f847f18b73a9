package dev.nibble.models.common.clip;

import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.DiffusersConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * transformers' CLIPConfig: the two towers' configs ({@code text_config}, {@code vision_config}) and the
 * shared embedding width {@code projection_dim} that both projections map to (it overrides any
 * projection_dim inside the sub-configs, as in CLIPModel).
 */
public record ClipConfig(ClipTextConfig text, ClipVisionConfig vision, int projectionDim) {

    public static ClipConfig from(DiffusersConfig config) {
        List<String> missing = new ArrayList<>();
        for (String key : List.of("text_config", "vision_config")) {
            if (!config.raw().has(key) || !config.raw().get(key).isObject()) {
                missing.add("'" + key + "'");
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigException(config.path() + ": not a CLIPModel config (no " + String.join(" or ", missing)
                    + " object); a CLIPModel has both towers, as openai/clip-vit-large-patch14's config.json");
        }
        int dim = config.getInt("projection_dim", 512);
        if (dim <= 0) {
            throw new ConfigException(config.path() + ": projection_dim must be positive, got " + dim);
        }
        return new ClipConfig(ClipTextConfig.from(config).withProjectionDim(dim),
                ClipVisionConfig.from(config).withProjectionDim(dim), dim);
    }
}
