package dev.nibble.app.serve;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.app.generate.GenerationRequest;

import java.nio.file.Path;
import java.util.List;

/**
 * A checked POST /api/generate: the generation requests to run in order (one, or two when comparing 16-bit with
 * 4-bit), the queue (backend) they run on, the request as echoed back, and the uploaded files to delete afterwards.
 */
record JobSpec(String queue, List<Part> parts, ObjectNode echo, List<Path> tempFiles) {
    /** One image to make: a label for the page, the model's and the LoRA's ids in the catalogue, the request. */
    record Part(String label, String modelId, String loraId, GenerationRequest request) {}
}
