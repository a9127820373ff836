package dev.ladder.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's Chromium, headless, driven through Debian's chromedriver: never a downloaded browser
 * or driver (Selenium Manager is bypassed), and no traffic beyond the pages a test opens.
 */
public final class HeadlessChromium {
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

    private HeadlessChromium() {
    }

    /** A fresh browser with its own profile under workDir; the caller quits it. Fails clearly when not installed. */
    public static WebDriver start(Path workDir) throws IOException {
        assertThat(CHROMIUM)
                .as("browser tests need Chromium at %s (scripts/test installs the 'chromium' package)", CHROMIUM)
                .isFile()
                .canRead();
        assertThat(CHROMEDRIVER)
                .as("browser tests need chromedriver at %s (scripts/test installs the 'chromium-driver' package)", CHROMEDRIVER)
                .isFile()
                .canRead();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1024,900",
                "--user-data-dir=" + Files.createDirectory(workDir.resolve("chromium-profile")));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }
}
