package dev.nibble.app.serve;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nibble.app.BadInputException;
import dev.nibble.app.generate.BuiltInModel;
import dev.nibble.app.generate.GenerationResult;
import dev.nibble.app.generate.GenerationService;
import dev.nibble.app.generate.LoraSpec;
import dev.nibble.app.generate.ModelInfo;
import dev.nibble.app.generate.ProgressListener;
import dev.nibble.engine.exec.HostMemory;
import dev.nibble.engine.io.ConfigException;
import dev.nibble.engine.io.SafetensorsException;
import dev.nibble.engine.ops.ShapeException;
import dev.nibble.engine.spi.Availability;
import dev.nibble.engine.spi.Backend;
import dev.nibble.engine.spi.BackendUnavailableException;
import dev.nibble.engine.spi.Backends;
import dev.nibble.engine.spi.Device;
import dev.nibble.models.common.pipeline.PipelineTimings;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.UploadedFile;
import io.javalin.http.sse.SseClient;
import io.javalin.http.sse.SseHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The web demo: one page (static HTML/CSS/JS from the class path) and a JSON API.
 *
 * <pre>
 * GET  /api/models                 the built-in model and the pipeline folders under the roots; LoRA files
 * GET  /api/backends               discovered backends: available or why not, devices, queue occupancy
 * GET  /api/status                 queues, loaded pipelines, heap and RSS
 * POST /api/generate               JSON (images base64) or multipart → 202 {id, ...}; 429 "busy" when the queue is full
 * GET  /api/jobs/{id}              the job: state, request, results (timings, memory), error
 * GET  /api/jobs/{id}/events       server-sent events: start, part-start, progress, warning, part, result | failed
 * GET  /api/jobs/{id}/image.png    the image (?part=1: the 4-bit half of a comparison)
 * </pre>
 *
 * Generation runs on one worker per backend, behind a bounded queue ({@link DeviceQueue}); the pipelines are
 * loaded once and shared ({@link GenerationService#shared()}). A failed generation fails its job only.
 */
public final class DemoServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DemoServer.class);
    private static final String RESOURCES = "/dev/nibble/app/serve/";
    private static final Map<String, String> STATIC = Map.of(
            "/", "index.html", "/index.html", "index.html", "/app.js", "app.js", "/app.css", "app.css");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String host;
    private final int requestedPort;
    private final ModelCatalog catalog;
    private final ServeLimits limits;
    private final Generator generator;
    private final Backends backends;
    private final Map<String, DeviceQueue> queues = new ConcurrentHashMap<>();
    private final JobStore jobs;
    private final Path tempDir;
    /** Open event streams; a comment every {@value #KEEP_ALIVE_SECONDS} s keeps idle ones from timing out. */
    private final Set<SseClient> streams = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService keepAlive = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nibble-serve-keepalive");
        t.setDaemon(true);
        return t;
    });
    static final int KEEP_ALIVE_SECONDS = 15;
    private Javalin app;

    /**
     * @param host      the address to bind (127.0.0.1 unless told otherwise)
     * @param port      the port (0: any free one; see {@link #port()})
     * @param roots     folders holding model folders and LoRA files (may be empty: the built-in model only)
     * @param limits    queue capacity and upload limits
     * @param generator what runs a request (the shared {@link GenerationService} outside tests)
     */
    DemoServer(String host, int port, List<Path> roots, ServeLimits limits, Generator generator) {
        this.host = host;
        this.requestedPort = port;
        this.catalog = new ModelCatalog(roots);
        this.limits = limits;
        this.generator = generator;
        this.backends = Backends.discover();
        this.jobs = new JobStore(limits.jobsKept());
        try {
            this.tempDir = Files.createTempDirectory("nibble-serve-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder for uploads", e);
        }
    }

    /** A server on the shared generation service. */
    public static DemoServer create(String host, int port, List<Path> roots, ServeLimits limits) {
        return new DemoServer(host, port, roots, limits, Generator.shared());
    }

    /** Starts listening; returns this. */
    public synchronized DemoServer start() {
        Path multipartCache = tempDir.resolve("multipart");
        try {
            Files.createDirectories(multipartCache);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.startupWatcherEnabled = false;
            config.http.maxRequestSize = limits.maxBodyBytes();
            config.jetty.multipartConfig.cacheDirectory(multipartCache.toString());
            config.jetty.multipartConfig.maxFileSize(limits.maxUploadBytes(), SizeUnit.BYTES);
            config.jetty.multipartConfig.maxTotalRequestSize(limits.maxBodyBytes(), SizeUnit.BYTES);
            config.jetty.multipartConfig.maxInMemoryFileSize(1 << 20, SizeUnit.BYTES);
        });
        app.before(ctx -> {
            ctx.header("X-Content-Type-Options", "nosniff");
            ctx.header("Referrer-Policy", "no-referrer");
            ctx.header("Cache-Control", "no-store");
        });
        STATIC.forEach((path, file) -> app.get(path, ctx -> serveStatic(ctx, file)));
        app.get("/api/models", ctx -> json(ctx, 200, modelsJson()));
        app.get("/api/backends", ctx -> json(ctx, 200, backendsJson()));
        app.get("/api/status", ctx -> json(ctx, 200, statusJson()));
        app.post("/api/generate", this::generate);
        app.get("/api/jobs/{id}", ctx -> json(ctx, 200, job(ctx).toJson()));
        app.get("/api/jobs/{id}/events", this::events);
        app.get("/api/jobs/{id}/image.png", this::image);
        app.exception(ApiException.class, (e, ctx) -> json(ctx, e.status(), Json.error(e.status(), e.code(), e.getMessage())));
        app.exception(HttpResponseException.class, (e, ctx) -> json(ctx, e.getStatus(),
                Json.error(e.getStatus(), e.getStatus() == 413 ? "too_large" : "http_" + e.getStatus(), e.getMessage())));
        app.exception(Exception.class, (e, ctx) -> {
            LOG.warn("{} {} failed", ctx.method(), ctx.path(), e);
            json(ctx, 500, Json.error(500, "internal", ModelCatalog.message(e)));
        });
        keepAlive.scheduleWithFixedDelay(this::pingStreams, KEEP_ALIVE_SECONDS, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS);
        app.start(host, requestedPort);
        LOG.info("nibble serve: listening on http://{}:{}/", host, app.port());
        return this;
    }

    /** The port listened on. */
    public synchronized int port() {
        return app.port();
    }

    public String host() {
        return host;
    }

    List<Path> roots() {
        return catalog.roots();
    }

    @Override
    public synchronized void close() {
        if (app != null) {
            app.stop();
            app = null;
        }
        keepAlive.shutdownNow();
        queues.values().forEach(q -> q.shutdown(5_000));
        try (Stream<Path> s = Files.walk(tempDir)) {
            s.sorted(Comparator.reverseOrder()).forEach(GenerateForm::deleteQuietly);
        } catch (IOException e) {
            LOG.debug("cannot clear {}: {}", tempDir, e.toString());
        }
    }

    // ---------------------------------------------------------------- static files

    private static final Map<String, byte[]> STATIC_CACHE = new ConcurrentHashMap<>();

    private static void serveStatic(Context ctx, String file) {
        byte[] body = STATIC_CACHE.computeIfAbsent(file, f -> {
            try (InputStream in = DemoServer.class.getResourceAsStream(RESOURCES + f)) {
                if (in == null) {
                    throw new IllegalStateException("resource " + RESOURCES + f + " is missing from the build");
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        String type = file.endsWith(".html") ? "text/html; charset=utf-8"
                : file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        if (file.endsWith(".html")) {
            ctx.header("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; "
                    + "style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                    + "frame-ancestors 'none'");
        }
        ctx.contentType(type).result(body);
    }

    private static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType("application/json").result(Json.write(body));
    }

    // ---------------------------------------------------------------- catalogue and status

    ObjectNode modelsJson() {
        ObjectNode root = Json.object();
        ArrayNode arr = root.putArray("models");
        List<ModelCatalog.Entry> all = catalog.models();
        for (ModelCatalog.Entry e : all) {
            ObjectNode o = arr.addObject();
            o.put("id", e.id());
            o.put("label", e.label());
            o.put("builtin", e.id().equals(BuiltInModel.NAME));
            o.put("usable", e.usable());
            if (!e.usable()) {
                o.put("reason", e.problem());
                continue;
            }
            ModelInfo m = e.info();
            o.put("family", m.family().name().toLowerCase(Locale.ROOT));
            o.put("pipeline", m.pipelineClass());
            o.put("quantized", m.quantized());
            ArrayNode precisions = o.putArray("precisions");
            if (m.quantized()) {
                precisions.add("svdq-int4");
            } else {
                precisions.add("fp32").add("bf16");
            }
            o.put("default_precision", m.quantized() ? "svdq-int4" : "fp32");
            ObjectNode d = o.putObject("defaults");
            d.put("width", m.defaultWidth());
            d.put("height", m.defaultHeight());
            d.put("steps", m.defaultSteps());
            d.put("size_multiple", m.sizeMultiple());
            d.put("guidance_used", m.guidanceUsed());
            if (m.guidanceUsed()) {
                d.put("guidance", m.defaultGuidance());
            } else {
                d.putNull("guidance");
            }
            d.put("image_strength", m.defaultImageStrength());
            d.put("sketch_strength", GenerationService.DEFAULT_SKETCH_STRENGTH);
            d.put("negative_prompt", m.family() == ModelInfo.Family.SDXL);
            ArrayNode cmp = o.putArray("compare_with");
            GenerateForm.compareCandidates(catalog, e).forEach(c -> cmp.add(c.id()));
            if (m.builtIn()) {
                o.set("vocabulary", vocabularyJson());
            }
        }
        ObjectNode lora = root.putObject("lora");
        ArrayNode files = lora.putArray("files");
        for (ModelCatalog.Lora l : catalog.loras()) {
            ObjectNode o = files.addObject();
            o.put("id", l.id());
            o.put("size_bytes", l.sizeBytes());
        }
        lora.put("enabled", true);
        lora.put("max_strength", GenerateForm.MAX_LORA_STRENGTH);
        ArrayNode roots = root.putArray("roots");
        catalog.roots().forEach(r -> roots.add(r.toString()));
        root.set("limits", limitsJson());
        return root;
    }

    private static ObjectNode vocabularyJson() {
        ObjectNode v = Json.object();
        ArrayNode words = v.putArray("words");
        BuiltInModel.VOCABULARY.stream().sorted().forEach(words::add);
        BuiltInModel.SHAPES.forEach(v.putArray("shapes")::add);
        BuiltInModel.COLOURS.forEach(v.putArray("colours")::add);
        BuiltInModel.BACKGROUND_COLOURS.forEach(v.putArray("background_colours")::add);
        BuiltInModel.SIZES.forEach(v.putArray("sizes")::add);
        BuiltInModel.POSITIONS.forEach(v.putArray("positions")::add);
        BuiltInModel.RELATIONS.forEach(v.putArray("relations")::add);
        BuiltInModel.EXAMPLE_PROMPTS.forEach(v.putArray("examples")::add);
        return v;
    }

    private ObjectNode limitsJson() {
        ObjectNode l = Json.object();
        l.put("queue_capacity", limits.queueCapacity());
        l.put("max_upload_bytes", limits.maxUploadBytes());
        l.put("max_image_side", limits.maxImageSide());
        l.put("max_output_side", limits.maxOutputSide());
        l.put("max_steps", limits.maxSteps());
        return l;
    }

    ObjectNode backendsJson() {
        ObjectNode root = Json.object();
        ArrayNode arr = root.putArray("backends");
        for (Backend b : backends.all()) {
            Availability a = b.probe();
            ObjectNode o = arr.addObject();
            o.put("name", b.name());
            o.put("available", a.available());
            o.put("reason", a.reason());
            o.put("score", b.score());
            ArrayNode devs = o.putArray("devices");
            if (a.available()) {
                try {
                    for (Device d : b.devices()) {
                        ObjectNode dn = devs.addObject();
                        dn.put("name", d.name());
                        dn.put("kind", d.kind().name().toLowerCase(Locale.ROOT));
                        dn.put("memory_total_bytes", d.memoryTotal());
                        dn.put("memory_free_bytes", d.memoryFree());
                    }
                } catch (RuntimeException e) {
                    o.put("devices_error", ModelCatalog.message(e));
                }
            }
            DeviceQueue q = queues.get(b.name());
            ObjectNode qn = o.putObject("queue");
            qn.put("held", q == null ? 0 : q.held());
            qn.put("capacity", limits.queueCapacity());
        }
        root.put("auto", autoBackend());
        return root;
    }

    ObjectNode statusJson() {
        ObjectNode root = Json.object();
        ObjectNode qs = root.putObject("queues");
        queues.forEach((name, q) -> {
            ObjectNode o = qs.putObject(name);
            o.put("held", q.held());
            o.put("capacity", q.capacity());
        });
        root.put("jobs", jobs.size());
        Runtime rt = Runtime.getRuntime();
        root.put("heap_used_bytes", rt.totalMemory() - rt.freeMemory());
        root.put("host_rss_bytes", HostMemory.rssBytes());
        root.put("loaded_pipelines", GenerationService.shared().loadedPipelines());
        return root;
    }

    private String autoBackend() {
        return backends.available().stream().findFirst().map(Backend::name).orElse(null);
    }

    /** "auto" or a backend name → the available backend's name (the queue); else 400 with the reason. */
    String resolveBackend(String name) {
        String wanted = name == null || name.isBlank() ? Backends.AUTO : name.trim().toLowerCase(Locale.ROOT);
        try {
            return backends.select(wanted).name();
        } catch (BackendUnavailableException e) {
            throw new ApiException(400, "backend_unavailable", e.getMessage());
        }
    }

    // ---------------------------------------------------------------- generation

    private void generate(Context ctx) {
        long length = ctx.req().getContentLengthLong();
        if (length > limits.maxBodyBytes()) {
            throw ApiException.tooLarge("the request is " + GenerateForm.mib(length) + "; at most "
                    + GenerateForm.mib(limits.maxBodyBytes()) + " are accepted (images up to "
                    + GenerateForm.mib(limits.maxUploadBytes()) + ")");
        }
        GenerateForm form = ctx.isMultipartFormData() ? multipart(ctx) : GenerateForm.fromJson(readBody(ctx), limits);
        JobSpec spec = form.check(catalog, limits, this::resolveBackend, tempDir);
        Job job = new Job(newId(), spec.queue(), spec.parts(), spec.echo());
        DeviceQueue q = queues.computeIfAbsent(spec.queue(), n -> new DeviceQueue(n, limits.queueCapacity()));
        jobs.add(job);
        int position = q.offer(() -> run(job, spec));
        if (position < 0) {
            jobs.remove(job);
            spec.tempFiles().forEach(GenerateForm::deleteQuietly);
            ObjectNode busy = Json.error(429, "busy", "the " + q.name() + " device is busy: " + q.capacity()
                    + " requests are already waiting or running; try again in a moment");
            busy.put("queue", q.name());
            busy.put("capacity", q.capacity());
            busy.put("retry_after_s", 2);
            ctx.header("Retry-After", "2");
            json(ctx, 429, busy);
            return;
        }
        ObjectNode o = Json.object();
        o.put("id", job.id());
        o.put("queue", q.name());
        o.put("position", position);
        o.put("status_url", "/api/jobs/" + job.id());
        o.put("events_url", "/api/jobs/" + job.id() + "/events");
        o.put("image_url", job.imageUrl(0));
        o.set("request", spec.echo());
        json(ctx, 202, o);
    }

    private byte[] readBody(Context ctx) {
        long max = limits.maxBodyBytes();
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
            if (b.length > max) {
                throw ApiException.tooLarge("the request body is larger than " + GenerateForm.mib(max));
            }
            if (b.length == 0) {
                throw ApiException.badRequest("empty body: send JSON like {\"prompt\": \"a large red circle\"} "
                        + "or multipart/form-data");
            }
            return b;
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read the request body: " + e.getMessage());
        }
    }

    private GenerateForm multipart(Context ctx) {
        Map<String, String> text = new LinkedHashMap<>();
        Map<String, byte[]> files = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, List<String>> f : ctx.formParamMap().entrySet()) {
                GenerateForm.checkKnown(f.getKey());
                if (GenerateForm.FILE_FIELDS.contains(f.getKey())) {
                    continue; // a file part without a file name; read below
                }
                if (!f.getValue().isEmpty()) {
                    text.put(f.getKey(), f.getValue().getLast());
                }
            }
            for (Map.Entry<String, List<UploadedFile>> f : ctx.uploadedFileMap().entrySet()) {
                GenerateForm.checkKnown(f.getKey());
                if (!GenerateForm.FILE_FIELDS.contains(f.getKey())) {
                    throw ApiException.badRequest("field '" + f.getKey() + "' must be text, not a file");
                }
                UploadedFile u = f.getValue().getLast();
                if (u.size() > limits.maxUploadBytes()) {
                    throw ApiException.tooLarge("'" + f.getKey() + "' is " + GenerateForm.mib(u.size())
                            + "; the upload limit is " + GenerateForm.mib(limits.maxUploadBytes()));
                }
                try (InputStream in = u.content()) {
                    byte[] b = in.readNBytes((int) limits.maxUploadBytes() + 1);
                    if (b.length > 0) {
                        files.put(f.getKey(), b);
                    }
                }
            }
        } catch (IllegalStateException e) {
            // Jetty's multipart parser: "... exceeds max filesize" / "Request exceeds maxRequestSize"
            String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("exceeds")) {
                throw ApiException.tooLarge("an uploaded image is larger than the upload limit of "
                        + GenerateForm.mib(limits.maxUploadBytes()));
            }
            throw ApiException.badRequest("malformed multipart body: " + e.getMessage());
        } catch (IOException e) {
            throw ApiException.badRequest("cannot read the multipart body: " + e.getMessage());
        }
        return new GenerateForm(text, files);
    }

    private static String newId() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Runs a job on its device's worker; any failure fails the job only. */
    private void run(Job job, JobSpec spec) {
        try {
            job.started();
            for (int i = 0; i < spec.parts().size(); i++) {
                JobSpec.Part part = spec.parts().get(i);
                int index = i;
                job.partStarted(i);
                GenerationResult r = generator.generate(part.request(), new ProgressListener() {
                    @Override
                    public void onStep(int step, int total, long nanos) {
                        job.progress(index, step, total, nanos);
                    }

                    @Override
                    public void onWarning(String message) {
                        job.warning(index, message);
                    }
                });
                long s = System.nanoTime();
                byte[] png = r.pngBytes();
                long encode = System.nanoTime() - s;
                job.partDone(resultJson(part, r, encode), png);
            }
            job.done();
        } catch (Throwable t) {
            boolean input = isBadInput(t);
            if (input) {
                LOG.info("job {} failed: {}", job.id(), ModelCatalog.message(t));
            } else {
                LOG.warn("job {} failed", job.id(), t);
            }
            job.failed(input ? 400 : 500, input ? "bad_input" : "generation_failed",
                    "generation failed: " + ModelCatalog.message(t));
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            spec.tempFiles().forEach(GenerateForm::deleteQuietly);
            jobs.trim();
        }
    }

    /** The problems `nibble generate` reports as bad input (exit code 2). */
    static boolean isBadInput(Throwable t) {
        return t instanceof BadInputException || t instanceof SafetensorsException || t instanceof ConfigException
                || t instanceof ShapeException || t instanceof BackendUnavailableException
                || t instanceof NoSuchFileException;
    }

    static ObjectNode resultJson(JobSpec.Part part, GenerationResult r, long encodeNanos) {
        ObjectNode o = Json.object();
        o.put("label", part.label());
        o.put("model", part.modelId());
        o.put("pipeline", r.model().pipelineClass());
        o.put("mode", r.mode());
        o.put("backend", r.backend());
        o.put("device", r.device());
        o.put("precision", r.precision());
        o.put("width", r.width());
        o.put("height", r.height());
        o.put("steps", r.steps());
        o.put("steps_run", r.stepsRun());
        o.put("seed", r.seed());
        if (r.guidance() != null) {
            o.put("guidance", r.guidance());
        } else {
            o.putNull("guidance");
        }
        if (r.strength() != null) {
            o.put("strength", r.strength());
        } else {
            o.putNull("strength");
        }
        GenerationResult.Timings t = r.timings();
        PipelineTimings stages = t.pipeline();
        ObjectNode tm = o.putObject("timings_ms");
        tm.put("load", Json.ms(t.load()));
        tm.put("prepare_image", Json.ms(t.prepareImage()));
        tm.put("text_encode", Json.ms(stages.textEncode()));
        tm.put("vae_encode", Json.ms(stages.vaeEncode()));
        ArrayNode steps = tm.putArray("steps");
        for (long n : stages.steps()) {
            steps.add(Json.ms(n));
        }
        tm.put("denoise", Json.ms(stages.denoise()));
        tm.put("mean_step", Json.ms(stages.meanStep()));
        tm.put("vae_decode", Json.ms(stages.vaeDecode()));
        tm.put("encode_png", Json.ms(encodeNanos));
        tm.put("total", Json.ms(t.total() + encodeNanos));
        GenerationResult.Memory m = r.memory();
        ObjectNode mem = o.putObject("memory_bytes");
        mem.put("device_high_water", m.deviceHighWaterBytes());
        mem.put("activation_arena", m.activationArenaBytes());
        mem.put("activation_peak_live", m.activationPeakLiveBytes());
        mem.put("host_peak_rss", m.hostPeakRssBytes());
        mem.put("host_rss", HostMemory.rssBytes());
        ObjectNode wb = o.putObject("weight_bytes");
        wb.put("denoiser", m.denoiserWeightBytes());
        wb.put("total", m.totalWeightBytes());
        if (!part.request().loras().isEmpty()) {
            LoraSpec l = part.request().loras().getFirst();
            o.put("lora", part.loraId() != null ? part.loraId() : l.file().getFileName().toString());
            o.put("lora_strength", l.scale());
        }
        ArrayNode w = o.putArray("warnings");
        r.warnings().forEach(w::add);
        return o;
    }

    // ---------------------------------------------------------------- jobs

    private Job job(Context ctx) {
        String id = ctx.pathParam("id");
        Job j = jobs.get(id);
        if (j == null) {
            throw ApiException.notFound("no job '" + id + "' (unknown, or forgotten: the server keeps the last "
                    + limits.jobsKept() + " finished jobs)");
        }
        return j;
    }

    private void image(Context ctx) {
        Job j = job(ctx);
        String p = ctx.queryParam("part");
        int part;
        try {
            part = p == null ? 0 : Integer.parseInt(p);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("part must be 0 or 1, got '" + p + "'");
        }
        if (part < 0 || part >= j.parts().size()) {
            throw ApiException.notFound("job " + j.id() + " has " + j.parts().size() + " image(s); no part " + part);
        }
        byte[] png = j.png(part);
        if (png == null) {
            if (j.state() == Job.State.FAILED) {
                throw new ApiException(409, "failed", "job " + j.id() + " failed; GET /api/jobs/" + j.id() + " says why");
            }
            throw new ApiException(409, "not_ready", "job " + j.id() + " is " + j.state().name().toLowerCase(Locale.ROOT)
                    + "; follow /api/jobs/" + j.id() + "/events for progress");
        }
        ctx.contentType("image/png").result(png);
    }

    private void events(Context ctx) throws Exception {
        Job j = job(ctx);
        if (!"text/event-stream".equals(ctx.header("Accept"))) {
            json(ctx, 200, j.toJson()); // not an EventSource: the job as it stands
            return;
        }
        long last = 0;
        String lastId = ctx.header("Last-Event-ID");
        if (lastId != null) {
            try {
                last = Long.parseLong(lastId.trim());
            } catch (NumberFormatException ignored) {
                last = 0;
            }
        }
        long since = last;
        new SseHandler(client -> {
            client.keepAlive();
            Job.Subscriber s = subscriber(client);
            streams.add(client);
            client.onClose(() -> {
                streams.remove(client);
                j.unsubscribe(s);
            });
            j.subscribe(s, since);
        }).handle(ctx);
    }

    /** Writes to a stream are serialised on its client: job events and keep-alive comments come from different threads. */
    private static Job.Subscriber subscriber(SseClient client) {
        return new Job.Subscriber() {
            @Override
            public boolean send(Job.Event e) {
                synchronized (client) {
                    if (client.terminated()) {
                        return false;
                    }
                    client.sendEvent(e.name(), e.data(), String.valueOf(e.seq()));
                    return !client.terminated();
                }
            }

            @Override
            public void finished() {
                synchronized (client) {
                    client.close();
                }
            }
        };
    }

    private void pingStreams() {
        for (SseClient c : streams) {
            try {
                synchronized (c) {
                    if (c.terminated()) {
                        streams.remove(c);
                    } else {
                        c.sendComment("keep-alive");
                    }
                }
            } catch (RuntimeException e) {
                streams.remove(c);
            }
        }
    }

    /** A one-line description of what the server offers, for the console. */
    String describe() {
        StringBuilder sb = new StringBuilder();
        for (ModelCatalog.Entry e : catalog.models()) {
            if (!sb.isEmpty()) {
                sb.append(", ");
            }
            sb.append(e.id()).append(e.usable() ? (e.info().quantized() ? " (svdq-int4)" : "") : " (unusable)");
        }
        return "models: " + sb + "; backends: " + backends.available().stream().map(Backend::name).toList()
                + "; queue " + limits.queueCapacity() + " per device";
    }
}
