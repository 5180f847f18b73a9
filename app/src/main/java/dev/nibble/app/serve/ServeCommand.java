package dev.nibble.app.serve;

import dev.nibble.app.BadInputException;
import dev.nibble.app.DeviceOptions;
import dev.nibble.app.NibbleCli;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code nibble serve}: the web demo. Binds to 127.0.0.1 unless {@code --host} says otherwise; runs until
 * interrupted (Ctrl-C).
 */
@Command(name = "serve", sortOptions = false, mixinStandardHelpOptions = true, usageHelpWidth = 100,
        description = {"The web demo: generate from text, an image or a sketch in the browser, and see the time and "
                + "the memory of each stage; compare 16-bit with 4-bit side by side.",
                "Open http://127.0.0.1:7860/ (the default) in a browser. Stop with Ctrl-C."})
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "7860", paramLabel = "PORT",
            description = "Port to listen on (0: any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "Address to bind. Default: ${DEFAULT-VALUE} (this machine only); 0.0.0.0 opens the demo to "
                    + "the network (e.g. to try it on a phone) — anyone who can reach it can run generations.")
    String host;

    @Option(names = "--models", arity = "1..*", paramLabel = "DIR",
            description = "Folders to offer models from: diffusers pipeline folders (fp32/bf16, or written by "
                    + "`nibble quantize`) up to " + ModelCatalog.MAX_DEPTH + " levels below, and LoRA files "
                    + "(*.safetensors outside model folders). Only these folders and the built-in model can be used.")
    List<Path> models = new ArrayList<>();

    @Option(names = "--queue-capacity", defaultValue = "8", paramLabel = "N",
            description = "Requests held per device (waiting and running); beyond it the server answers 429 busy. "
                    + "Default: ${DEFAULT-VALUE}.")
    int queueCapacity;

    @Option(names = "--max-upload", defaultValue = "8M", paramLabel = "SIZE",
            description = "Largest input image (image-to-image, sketch). Default: ${DEFAULT-VALUE}.")
    String maxUpload;

    @Option(names = "--max-image-side", defaultValue = "4096", paramLabel = "PX",
            description = "Widest / tallest input image in pixels. Default: ${DEFAULT-VALUE}.")
    int maxImageSide;

    @Override
    public Integer call() throws InterruptedException {
        for (Path m : models) {
            if (!Files.isDirectory(m)) {
                throw new BadInputException("--models " + m + ": folder not found");
            }
        }
        if (port < 0 || port > 65535) {
            throw new BadInputException("--port must be in [0, 65535], got " + port);
        }
        if (queueCapacity < 1) {
            throw new BadInputException("--queue-capacity must be at least 1, got " + queueCapacity);
        }
        if (maxImageSide < 8) {
            throw new BadInputException("--max-image-side must be at least 8, got " + maxImageSide);
        }
        ServeLimits limits = ServeLimits.DEFAULT.withQueueCapacity(queueCapacity)
                .withMaxUploadBytes(DeviceOptions.parseSize(maxUpload)).withMaxImageSide(maxImageSide);
        DemoServer server = DemoServer.create(host, port, models, limits);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "nibble-serve-shutdown"));
        try {
            server.start();
        } catch (RuntimeException e) {
            server.close();
            throw new BadInputException("cannot listen on " + host + ":" + port + ": " + ModelCatalog.message(e), e);
        }
        String shown = host.contains(":") ? "[" + host + "]" : host;
        System.err.println("nibble serve: http://" + shown + ":" + server.port() + "/  (" + server.describe() + ")");
        System.err.println("nibble serve: press Ctrl-C to stop");
        System.err.flush();
        stopped.await();
        return NibbleCli.EXIT_OK;
    }
}
