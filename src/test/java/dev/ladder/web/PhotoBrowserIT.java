package dev.ladder.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.photos.SyntheticPhoto;
import dev.ladder.testing.HeadlessChromium;
import dev.ladder.testing.TestApp;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A person on the web page uploads a photo, sees its thumbnail once the worker has made it, and
 * posts it; the timeline shows the thumbnail. Headless Chromium against a real embedded node,
 * the same way as {@link BrowserIT}.
 */
class PhotoBrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PASSWORD = "correct horse battery";

    @TempDir
    Path tempDir;

    private TestApp app;
    private URI base;
    private WebDriver driver;
    private WebDriverWait wait;

    @BeforeEach
    void startServiceAndBrowser() throws Exception {
        app = TestApp.embedded(Files.createDirectory(tempDir.resolve("app")));
        base = app.apiUri();
        driver = HeadlessChromium.start(tempDir);
        wait = new WebDriverWait(driver, WAIT);
    }

    @AfterEach
    void stopBrowserAndService(TestInfo test) throws Exception {
        try {
            if (driver != null) {
                saveScreenshot(test);
                driver.quit();
            }
        } finally {
            if (app != null) {
                app.close();
            }
        }
    }

    @Test
    void aPersonUploadsAPhotoSeesItsThumbnailAndPostsIt() throws Exception {
        String handle = uniqueHandle();
        Path photo = Files.write(tempDir.resolve("holiday.jpg"), SyntheticPhoto.jpeg(1024, 768, 99));

        signUpAndLogIn(handle);
        driver.findElement(By.id("photo-input")).sendKeys(photo.toString());

        WebElement draftThumbnail = wait.until(driver -> loaded(By.cssSelector("#attachments img.thumb")));
        assertThat(naturalWidth(draftThumbnail)).isEqualTo(256);
        assertThat(naturalHeight(draftThumbnail)).isEqualTo(192);
        assertThat(driver.findElement(By.id("error")).isDisplayed()).isFalse();

        driver.findElement(By.id("post-body")).sendKeys("My holiday");
        driver.findElement(By.id("post-submit")).click();

        WebElement posted = wait.until(driver -> loaded(By.cssSelector("#timeline .post .post-photos img.thumb")));
        assertThat(naturalWidth(posted)).isEqualTo(256);
        assertThat(driver.findElement(By.cssSelector("#timeline .post .post-body")).getText()).isEqualTo("My holiday");
        assertThat(driver.findElement(By.id("attachments")).isDisplayed()).isFalse();

        // After a reload the post still shows its thumbnail, fetched from where the store serves it.
        driver.navigate().refresh();
        WebElement reloaded = wait.until(driver -> loaded(By.cssSelector("#timeline .post .post-photos img.thumb")));
        assertThat(reloaded.getDomAttribute("src")).startsWith("/media/thumbs/");
    }

    @Test
    void aFileThatIsNotReallyAnImageShowsTheServersProblem() throws Exception {
        Path fake = Files.writeString(tempDir.resolve("not-really.png"), "just some text pretending to be a PNG");

        signUpAndLogIn(uniqueHandle());
        driver.findElement(By.id("photo-input")).sendKeys(fake.toString());

        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        assertThat(error.getText()).contains("Not a supported image");
        assertThat(driver.findElements(By.cssSelector("#attachments li"))).isEmpty();
    }

    /** The element once its image has loaded (naturalWidth > 0), else null to keep waiting. */
    private WebElement loaded(By selector) {
        return driver.findElements(selector).stream().filter(image -> naturalWidth(image) > 0).findFirst().orElse(null);
    }

    private long naturalWidth(WebElement image) {
        Object width = ((JavascriptExecutor) driver).executeScript("return arguments[0].complete ? arguments[0].naturalWidth : 0;", image);
        return ((Number) width).longValue();
    }

    private long naturalHeight(WebElement image) {
        return ((Number) ((JavascriptExecutor) driver).executeScript("return arguments[0].naturalHeight;", image)).longValue();
    }

    private void signUpAndLogIn(String handle) {
        driver.get(base.resolve("/").toString());
        wait.until(ExpectedConditions.elementToBeClickable(By.id("signup-submit")));
        driver.findElement(By.id("signup-handle")).sendKeys(handle);
        driver.findElement(By.id("signup-email")).sendKeys(handle + "@example.test");
        driver.findElement(By.id("signup-password")).sendKeys(PASSWORD);
        driver.findElement(By.id("signup-submit")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("login-handle"), "value", handle));
        driver.findElement(By.id("login-password")).sendKeys(PASSWORD);
        driver.findElement(By.id("login-submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("whoami"), handle));
        wait.until(ExpectedConditions.elementToBeClickable(By.id("photo-input")));
    }

    private void saveScreenshot(TestInfo test) {
        try {
            Path folder = Files.createDirectories(Path.of("target", "browser-it"));
            byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
            Files.write(folder.resolve("photo-" + test.getTestMethod().orElseThrow().getName() + ".png"), png);
        } catch (Exception e) {
            System.err.println("Could not save a screenshot: " + e);
        }
    }

    private static String uniqueHandle() {
        return "p" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }
}
