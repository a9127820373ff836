package dev.ladder.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ladder.testing.HeadlessChromium;
import dev.ladder.testing.TestApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Drives the web page in headless Chromium against the real service, as a person would:
 * sign up, log in, post, and see the post on the timeline.
 */
class BrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(15);
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
    void aNewUserSignsUpLogsInAndSeesTheirPostOnTheTimeline() {
        String handle = uniqueHandle();
        String body = "Hello from the browser, " + UUID.randomUUID() + " — ünïcødé ✓";

        open("/");
        signUp(handle);
        logIn(handle);

        driver.findElement(By.id("post-body")).sendKeys(body);
        driver.findElement(By.id("post-submit")).click();

        WebElement post = wait.until(driver -> driver.findElements(By.cssSelector("#timeline .post")).stream()
                .filter(candidate -> candidate.findElement(By.className("post-body")).getText().equals(body))
                .findFirst()
                .orElse(null));
        assertThat(post.findElement(By.className("post-author")).getText()).isEqualTo(handle);
        assertThat(driver.findElement(By.id("post-body")).getDomProperty("value")).isEmpty();
        assertThat(driver.findElement(By.id("error")).isDisplayed()).isFalse();

        // The handle is remembered across a reload, and the post is still there.
        driver.navigate().refresh();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#timeline .post .post-body"), body));
        assertThat(driver.findElement(By.id("whoami")).getText()).isEqualTo(handle);
    }

    @Test
    void aPostOverTheByteLimitShowsAnErrorAndIsNotSent() throws Exception {
        String handle = uniqueHandle();
        // 550 characters but 1100 bytes of UTF-8: the limit is counted in bytes, not characters.
        String body = "é".repeat(550);

        open("/");
        signUp(handle);
        logIn(handle);

        driver.findElement(By.id("post-body")).sendKeys(body);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("post-bytes"), "1100"));
        driver.findElement(By.id("post-submit")).click();

        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        assertThat(error.getText()).contains("1100").contains("1024");
        assertThat(driver.findElement(By.id("post-body")).getDomProperty("value")).isEqualTo(body);
        assertThat(driver.findElements(By.cssSelector("#timeline .post"))).isEmpty();
        assertThat(postsOnTheServer()).isEmpty();
    }

    @Test
    void aWrongPasswordShowsTheServersProblemDetail() {
        String handle = uniqueHandle();

        open("/");
        signUp(handle);
        driver.findElement(By.id("login-handle")).clear();
        driver.findElement(By.id("login-handle")).sendKeys(handle);
        driver.findElement(By.id("login-password")).sendKeys("not the password");
        driver.findElement(By.id("login-submit")).click();

        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("error")));
        assertThat(error.getText()).isNotBlank();
        assertThat(driver.findElement(By.id("whoami")).isDisplayed()).isFalse();
        assertThat(driver.findElement(By.id("post-body")).isDisplayed()).isFalse();
    }

    private void open(String path) {
        driver.get(base.resolve(path).toString());
        wait.until(ExpectedConditions.elementToBeClickable(By.id("signup-submit")));
    }

    private void signUp(String handle) {
        driver.findElement(By.id("signup-handle")).sendKeys(handle);
        driver.findElement(By.id("signup-email")).sendKeys(handle + "@example.test");
        driver.findElement(By.id("signup-password")).sendKeys(PASSWORD);
        driver.findElement(By.id("signup-submit")).click();
        // A successful sign-up fills the login handle in and shows no error.
        wait.until(ExpectedConditions.attributeToBe(By.id("login-handle"), "value", handle));
        assertThat(driver.findElement(By.id("error")).isDisplayed()).isFalse();
    }

    private void logIn(String handle) {
        driver.findElement(By.id("login-handle")).clear();
        driver.findElement(By.id("login-handle")).sendKeys(handle);
        driver.findElement(By.id("login-password")).sendKeys(PASSWORD);
        driver.findElement(By.id("login-submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("whoami"), handle));
        wait.until(ExpectedConditions.elementToBeClickable(By.id("post-submit")));
        assertThat(driver.findElement(By.id("logout")).isDisplayed()).isTrue();
    }

    private JsonNode postsOnTheServer() throws Exception {
        try (HttpClient client = HttpClient.newHttpClient()) {
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(base.resolve("/api/posts")).timeout(WAIT).GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode items = new ObjectMapper().readTree(response.body()).get("items");
            assertThat(items.isArray()).as("items in %s", response.body()).isTrue();
            return items;
        }
    }

    // A picture of the page as the test left it, for whoever has to find out why it failed.
    private void saveScreenshot(TestInfo test) {
        try {
            Path folder = Files.createDirectories(Path.of("target", "browser-it"));
            byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
            Files.write(folder.resolve(test.getTestMethod().orElseThrow().getName() + ".png"), png);
        } catch (Exception e) {
            System.err.println("Could not save a screenshot: " + e);
        }
    }

    private static String uniqueHandle() {
        return "u" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }
}
