package dev.nibble.models.common.clip;

import dev.nibble.engine.tensor.Shape;
import dev.nibble.engine.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** The pooled-token rule of transformers 4.45 CLIPTextTransformer. */
class ClipPoolingTest {
    private static final Tensor IDS = Tensor.ofLongs(Shape.of(2, 5),
            49406, 320, 49407, 49407, 49407,
            49406, 49407, 5, 7, 0);

    @Test
    void legacyEosTwoTakesFirstArgmax() {
        // eos_token_id == 2: argmax of the ids, first maximal position on ties.
        assertArrayEquals(new int[] {2, 1}, ClipTextModel.poolPositions(IDS, 2));
        Tensor ids = Tensor.ofLongs(Shape.of(1, 4), 5, 913, 913, 1);
        assertArrayEquals(new int[] {1}, ClipTextModel.poolPositions(ids, 2));
        // Where the eos is not the largest id the legacy rule does not find it (as in transformers).
        Tensor big = Tensor.ofLongs(Shape.of(1, 4), 1, 5, 3, 9);
        assertArrayEquals(new int[] {3}, ClipTextModel.poolPositions(big, 2));
        assertArrayEquals(new int[] {2}, ClipTextModel.poolPositions(big, 3));
    }

    @Test
    void otherwiseFirstEosPosition() {
        assertArrayEquals(new int[] {2, 1}, ClipTextModel.poolPositions(IDS, 49407));
        // No eos at all: argmax over all-false picks position 0.
        assertArrayEquals(new int[] {0, 0}, ClipTextModel.poolPositions(IDS, 12345));
    }
}
