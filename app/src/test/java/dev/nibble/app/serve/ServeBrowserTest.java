package dev.nibble.app.serve;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.awt.Color;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The demo page in headless Chromium: text-to-image, sketch-to-image (drawn with the mouse on the canvas) and
 * image-to-image (a PNG uploaded through the file input, with a LoRA) with the real engine and the built-in model
 * (64x64, 8 steps), each showing the image with its time and memory; then the 16-bit vs 4-bit comparison layout
 * on a server with a stub generator. Screenshots at desktop and phone widths go to target/screenshots/.
 *
 * <p>Needs the apt packages chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver); without
 * them the test fails and says so.
 */
class ServeBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(90);
    static final Path SCREENSHOTS = Path.of("target", "screenshots").toAbsolutePath();

    @TempDir
    static Path tmp;
    static ChromeDriverService service;
    static ChromeDriver driver;
    static DemoServer real;

    @BeforeAll
    static void startBrowser() throws IOException {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            fail("the browser test needs headless Chromium: " + CHROMIUM + " and " + CHROMEDRIVER + " are missing; "
                    + "install them with `apt-get install -y chromium chromium-driver` (CI: add them to .ci/run)");
        }
        Files.createDirectories(SCREENSHOTS);
        Path models = Files.createDirectories(tmp.resolve("models"));
        ServeTestSupport.writeLora(models.resolve("loras/shapes-style.safetensors"));
        real = DemoServer.create("127.0.0.1", 0, List.of(models), ServeLimits.DEFAULT).start();
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--user-data-dir=" + Files.createDirectories(tmp.resolve("chromium-profile")),
                "--window-size=1280,1000");
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (real != null) {
            real.close();
        }
    }

    @Test
    void textSketchAndImageToImageWithTheRealEngine() throws IOException {
        desktop();
        open(real);
        assertTrue(text("vocab-warning").isEmpty(), "an example prompt has no unknown words");

        // 1. text-to-image
        setPrompt("a large red circle on a blue background");
        setNumber("steps", "8");
        setNumber("seed", "11");
        assertEquals("64", value("width"));
        generateAndWait(1, "text-to-image");
        top();
        screenshot("1-text-desktop");

        // the vocabulary warning for words the built-in model never saw
        setPrompt("a majestic red dragon");
        waitFor(() -> !text("vocab-warning").isEmpty());
        assertTrue(text("vocab-warning").contains("majestic"), text("vocab-warning"));
        setPrompt("a large green square on a white background");

        // 2. sketch-to-image: draw on the canvas with the mouse
        driver.findElement(By.cssSelector("label[for=mode-sketch]")).click();
        WebElement canvas = driver.findElement(By.id("sketch"));
        driver.findElement(By.cssSelector("#palette .swatch[title=white]")).click();
        driver.findElement(By.id("sketch-fill")).click();
        driver.findElement(By.cssSelector("#palette .swatch[title=green]")).click();
        new Actions(driver).moveToElement(canvas, -60, -60).clickAndHold().moveByOffset(120, 0).moveByOffset(0, 120)
                .moveByOffset(-120, 0).moveByOffset(0, -120).release().perform();
        new Actions(driver).moveToElement(canvas, -40, -40).clickAndHold().moveByOffset(80, 80).release().perform();
        assertTrue(nonWhitePixels() > 500, "the strokes are on the canvas");
        driver.findElement(By.id("sketch-undo")).click();
        long afterUndo = nonWhitePixels();
        new Actions(driver).moveToElement(canvas, -40, -40).clickAndHold().moveByOffset(80, 80).release().perform();
        assertTrue(nonWhitePixels() > afterUndo, "undo removed the last stroke, drawing adds it again");
        generateAndWait(2, "sketch-to-image");
        top();
        screenshot("2-sketch-desktop");

        // 3. image-to-image: upload a PNG made here; with a LoRA from the model folder
        Path png = tmp.resolve("input.png");
        Files.write(png, ServeTestSupport.png(128, 128, new Color(30, 60, 220), new Color(230, 40, 40)));
        driver.findElement(By.cssSelector("label[for=mode-image]")).click();
        driver.findElement(By.id("image-file")).sendKeys(png.toString());
        waitFor(() -> driver.findElement(By.id("image-preview")).isDisplayed());
        setPrompt("a large red circle on a blue background");
        assertFalse(driver.findElement(By.id("lora-strength")).isEnabled(), "no LoRA chosen yet");
        new Select(driver.findElement(By.id("lora"))).selectByValue("loras/shapes-style.safetensors");
        assertTrue(driver.findElement(By.id("lora-strength")).isEnabled());
        generateAndWait(3, "image-to-image");
        assertTrue(text("result").contains("LoRA loras/shapes-style.safetensors"), text("result"));
        top();
        screenshot("3-image-desktop");
        // history: a click shows an earlier result again
        driver.findElements(By.cssSelector("#history li button")).getLast().click();
        waitFor(() -> text("result").contains("text-to-image"));

        phone();
        top();
        screenshot("4-phone-top");
        ((JavascriptExecutor) driver).executeScript("document.getElementById('result').scrollIntoView()");
        screenshot("5-phone-result");
    }

    @Test
    void compareSixteenAndFourBitSideBySide() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("compare-models"));
        ServeTestSupport.copyBuiltIn(root.resolve("nibble-shapes-svdq"), false, true);
        try (DemoServer stub = new DemoServer("127.0.0.1", 0, List.of(root), ServeLimits.DEFAULT,
                ServeTestSupport.stub(20)).start()) {
            desktop();
            open(stub);
            WebElement compare = driver.findElement(By.id("compare"));
            assertTrue(compare.isEnabled(), text("compare-note"));
            compare.click();
            assertFalse(driver.findElement(By.id("precision")).isEnabled(), "both precisions run");
            assertEquals("nibble-shapes-svdq", new Select(driver.findElement(By.id("compare-model")))
                    .getFirstSelectedOption().getText());
            setNumber("steps", "4");
            driver.findElement(By.id("generate")).click();
            new WebDriverWait(driver, WAIT).until(d -> d.findElements(By.cssSelector("#history li")).size() == 1);
            List<WebElement> cards = driver.findElements(By.cssSelector("#result .result-card"));
            assertEquals(2, cards.size());
            assertEquals("bf16", cards.get(0).getDomAttribute("data-precision"));
            assertEquals("svdq-int4", cards.get(1).getDomAttribute("data-precision"));
            for (WebElement card : cards) {
                assertImageLoaded(card.findElement(By.tagName("img")));
                assertTrue(card.findElement(By.className("result-time")).getText().contains("ms"));
                assertTrue(card.findElement(By.className("result-memory")).getText().contains("MiB"));
            }
            top();
            screenshot("6-compare-desktop");
            assertEquals(cards.get(0).getLocation().getY(), cards.get(1).getLocation().getY(), "side by side");
            assertTrue(text("compare-summary").contains("4-bit vs 16-bit"), text("compare-summary"));
            phone();
            ((JavascriptExecutor) driver).executeScript("document.getElementById('progress').scrollIntoView()");
            screenshot("7-compare-phone");
        }
    }

    // ------------------------------------------------------------------ helpers

    static void open(DemoServer server) {
        driver.get("http://127.0.0.1:" + server.port() + "/");
        new WebDriverWait(driver, WAIT).until(d -> text("server-status").startsWith("ready"));
        assertTrue(driver.findElements(By.cssSelector("#model option")).size() >= 1);
    }

    static void desktop() {
        driver.manage().window().setSize(new Dimension(1280, 1000));
    }

    static void phone() {
        driver.manage().window().setSize(new Dimension(390, 844));
    }

    static void top() {
        ((JavascriptExecutor) driver).executeScript("window.scrollTo(0, 0)");
    }

    static String text(String id) {
        return driver.findElement(By.id(id)).getText();
    }

    static String value(String id) {
        return driver.findElement(By.id(id)).getDomProperty("value");
    }

    static void setPrompt(String prompt) {
        WebElement p = driver.findElement(By.id("prompt"));
        p.clear();
        p.sendKeys(prompt);
    }

    static void setNumber(String id, String v) {
        WebElement e = driver.findElement(By.id(id));
        e.clear();
        e.sendKeys(v);
    }

    static void waitFor(java.util.function.BooleanSupplier condition) {
        new WebDriverWait(driver, WAIT).until(d -> condition.getAsBoolean());
    }

    /** Clicks Generate and waits for the n-th history entry; checks the image, its time and memory, the mode. */
    static void generateAndWait(int n, String mode) {
        driver.findElement(By.id("generate")).click();
        new WebDriverWait(driver, WAIT).until(d -> d.findElements(By.cssSelector("#history li")).size() == n
                || !text("error").isEmpty());
        assertEquals("", text("error"), "no error shown");
        WebElement card = driver.findElement(By.cssSelector("#result .result-card"));
        assertImageLoaded(card.findElement(By.tagName("img")));
        String time = card.findElement(By.className("result-time")).getText();
        String memory = card.findElement(By.className("result-memory")).getText();
        assertTrue(time.matches("(?s)total [0-9.]+ ms.*denoise.*"), time);
        assertTrue(memory.contains("weights") && memory.contains("MiB") && memory.contains("host peak RSS"), memory);
        assertTrue(card.getText().contains(mode), card.getText());
        assertTrue(text("progress-text").startsWith("done"), text("progress-text"));
    }

    static void assertImageLoaded(WebElement img) {
        Object w = ((JavascriptExecutor) driver).executeScript(
                "return arguments[0].complete ? arguments[0].naturalWidth : 0", img);
        assertEquals(64L, ((Number) w).longValue(), "a 64-pixel-wide image is shown");
    }

    static long nonWhitePixels() {
        Object n = ((JavascriptExecutor) driver).executeScript("""
                const c = document.getElementById('sketch');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0;
                for (let i = 0; i < d.length; i += 4) if (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250) n++;
                return n;""");
        return ((Number) n).longValue();
    }

    static void screenshot(String name) throws IOException {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SCREENSHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
