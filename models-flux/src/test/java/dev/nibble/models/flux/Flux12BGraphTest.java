package dev.nibble.models.flux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nibble.engine.graph.Graph;
import dev.nibble.engine.io.DiffusersConfig;
import dev.nibble.engine.tensor.DType;
import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import dev.nibble.models.common.nn.MapWeights;
import dev.nibble.models.common.nn.Weights;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The published FLUX.1-dev config through the same code: the state dict it implies and the graph for a
 * 1024×1024 image with 512 text tokens. The weights are views of one sparse, never-read file, so the
 * 12B parameters cost no memory.
 */
class Flux12BGraphTest {
    private static final String FLUX1_DEV_CONFIG = """
            {"_class_name": "FluxTransformer2DModel", "_diffusers_version": "0.30.0.dev0",
             "attention_head_dim": 128, "axes_dims_rope": [16, 56, 56], "guidance_embeds": true,
             "in_channels": 64, "joint_attention_dim": 4096, "num_attention_heads": 24, "num_layers": 19,
             "num_single_layers": 38, "patch_size": 1, "pooled_projection_dim": 768}""";

    @Test
    void buildsTheTwelveBillionParameterGraph(@TempDir Path dir) throws IOException {
        Path cfgFile = dir.resolve("config.json");
        Files.writeString(cfgFile, FLUX1_DEV_CONFIG);
        FluxConfig c = FluxConfig.of(DiffusersConfig.read(cfgFile));
        assertEquals(3072, c.innerDim());

        Path blob = dir.resolve("sparse.bin");
        Map<String, Shape> shapes = FluxStateDict.of(c).shapes();
        long largest = shapes.values().stream().mapToLong(s -> DType.BF16.byteSize(s.numel())).max().orElseThrow();
        try (RandomAccessFile f = new RandomAccessFile(blob.toFile(), "rw")) {
            f.setLength(largest);
        }
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(blob)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, largest, arena);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            long params = 0;
            for (Map.Entry<String, Shape> e : shapes.entrySet()) {
                Shape s = e.getValue();
                tensors.put(e.getKey(), new Tensor(DType.BF16, s, seg.asSlice(0, DType.BF16.byteSize(s.numel()))));
                params += s.numel();
            }
            // FLUX.1 [dev] is an 11.9B-parameter transformer
            assertTrue(params > 11_800_000_000L && params < 12_000_000_000L, "parameters: " + params);
            Weights w = new MapWeights(tensors, "sparse FLUX.1-dev stand-in");
            try (FluxTransformer2DModel m = FluxTransformer2DModel.of(c, w)) {
                Graph g = m.graph(1, 4096, 512);
                assertEquals(Shape.of(1, 4096, 64), g.outputs().get(0).spec().shape());
                assertEquals(Shape.of(4608, 128), g.input(FluxTransformer2DModel.ROPE_COS).spec().shape());
                System.out.println("[flux-12b] " + g.nodes().size() + " nodes, " + params + " parameters, "
                        + g.constantBytes() / (1L << 20) + " MiB of BF16 constants");
            }
        }
    }
}
