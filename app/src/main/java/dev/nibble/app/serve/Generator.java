package dev.nibble.app.serve;

import dev.nibble.app.generate.GenerationRequest;
import dev.nibble.app.generate.GenerationResult;
import dev.nibble.app.generate.GenerationService;
import dev.nibble.app.generate.ProgressListener;

/** What the server runs a request with: normally the process-wide {@link GenerationService}. */
@FunctionalInterface
interface Generator {
    GenerationResult generate(GenerationRequest request, ProgressListener progress);

    /** The shared service: one pipeline load per (model, device, precision) for every request. */
    static Generator shared() {
        return (r, p) -> GenerationService.shared().generate(r, p);
    }
}
