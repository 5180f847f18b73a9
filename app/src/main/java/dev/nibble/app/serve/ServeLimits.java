package dev.nibble.app.serve;

/**
 * What one server accepts.
 *
 * @param queueCapacity  jobs held per device (waiting and running); beyond it requests get 429 "busy"
 * @param maxUploadBytes the largest input image (image-to-image or sketch) in bytes
 * @param maxImageSide   the widest / tallest input image in pixels
 * @param maxOutputSide  the widest / tallest image to generate
 * @param maxSteps       the most denoising steps a request may ask for
 * @param jobsKept       finished jobs (and their images) kept for GET; the oldest are forgotten first
 */
record ServeLimits(int queueCapacity, long maxUploadBytes, int maxImageSide, int maxOutputSide, int maxSteps,
                   int jobsKept) {
    static final ServeLimits DEFAULT = new ServeLimits(8, 8L << 20, 4096, 2048, 200, 64);

    ServeLimits {
        if (queueCapacity < 1 || maxUploadBytes < 1 || maxImageSide < 1 || maxOutputSide < 8 || maxSteps < 1
                || jobsKept < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    ServeLimits withQueueCapacity(int n) {
        return new ServeLimits(n, maxUploadBytes, maxImageSide, maxOutputSide, maxSteps, jobsKept);
    }

    ServeLimits withMaxUploadBytes(long n) {
        return new ServeLimits(queueCapacity, n, maxImageSide, maxOutputSide, maxSteps, jobsKept);
    }

    ServeLimits withMaxImageSide(int n) {
        return new ServeLimits(queueCapacity, maxUploadBytes, n, maxOutputSide, maxSteps, jobsKept);
    }

    /** The largest request body: two base64 images and some text. */
    long maxBodyBytes() {
        return 2 * (maxUploadBytes / 3 * 4 + 4) + (256 << 10);
    }
}
