package dev.ladder.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.Main;
import dev.ladder.storage.ObjectStore;
import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Download;
import dev.ladder.testing.S3Server;
import dev.ladder.testing.TestApp;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;

/**
 * `ladder publish-static` puts the page's assets in the object store under content-hashed names
 * with immutable caching, and a node with web.assets: published links them from there.
 */
class PublishStaticTest {
    private static final Pattern ASSET_LINK = Pattern.compile("(?:src|href)=\"([^\"]*/static/[^\"]+)\"");

    @TempDir
    Path temp;

    private int publish(Path profile, StringWriter out) {
        CommandLine command = Main.commandLine();
        command.setOut(new PrintWriter(out));
        return command.execute("--config", profile.toString(), "publish-static");
    }

    @Test
    void publishesToLocalDiskAndThePageLoadsTheAssetsFromMedia() throws Exception {
        Path data = temp.resolve("data");
        Path profile = Files.writeString(temp.resolve("local.yml"), """
                extends: embedded
                data:
                  dir: "%s"
                """.formatted(data));

        assertThat(publish(profile, new StringWriter())).isZero();
        List<WebAssets.Asset> assets = WebAssets.bundled();
        for (WebAssets.Asset asset : assets) {
            assertThat(asset.key().value()).matches("static/[a-z]+\\.[0-9a-f]{16}\\.(js|css|svg)");
            assertThat(data.resolve("objects").resolve(asset.key().value())).hasBinaryContent(asset.bytes());
        }

        try (TestApp app = TestApp.start("embedded", Map.of("LADDER_DATA_DIR", data.toString(), "LADDER_WEB_ASSETS", "published"))) {
            Api api = new Api(app.apiUri());
            Api.Reply page = api.get("/");
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.header("Cache-Control")).isEqualTo("no-cache");
            List<String> links = links(page.body());
            assertThat(links).hasSize(assets.size()).allMatch(link -> link.startsWith("/media/static/"));
            for (String link : links) {
                Download asset = api.download(link);
                assertThat(asset.status()).isEqualTo(200);
                assertThat(asset.header("Cache-Control")).isEqualTo(ObjectStore.IMMUTABLE);
                assertThat(assets).anySatisfy(bundled -> assertThat(asset.body()).isEqualTo(bundled.bytes()));
            }
        }
    }

    @Test
    void publishesToS3AndThePageLoadsTheAssetsFromThePublicBaseUrl() throws Exception {
        try (S3Server s3 = S3Server.start()) {
            String bucket = s3.createBucket();
            // The bucket's own URL, readable without credentials, stands in for a CDN in front of it.
            String publicBase = s3.endpoint() + "/" + bucket;
            Path profile = Files.writeString(temp.resolve("s3.yml"), """
                    extends: embedded
                    data:
                      dir: "%s"
                    storage:
                      kind: s3
                      publicBaseUrl: "%s"
                      s3:
                        bucket: %s
                        endpoint: "%s"
                        pathStyle: true
                        accessKeyId: %s
                        secretAccessKey: %s
                    """.formatted(temp.resolve("data"), publicBase, bucket, s3.endpoint(), S3Server.ACCESS_KEY, S3Server.SECRET_KEY));
            StringWriter out = new StringWriter();

            assertThat(publish(profile, out)).isZero();
            for (WebAssets.Asset asset : WebAssets.bundled()) {
                HeadObjectResponse head = s3.client().headObject(request -> request.bucket(bucket).key(asset.key().value()));
                assertThat(head.cacheControl()).isEqualTo("public, max-age=31536000, immutable");
                assertThat(head.contentType()).isEqualTo(asset.key().contentType());
                assertThat(head.contentLength()).isEqualTo(asset.bytes().length);
                // In production a bucket policy lets the CDN read static/; s3proxy knows per-object ACLs only.
                s3.client().putObjectAcl(request -> request.bucket(bucket).key(asset.key().value()).acl(ObjectCannedACL.PUBLIC_READ));
            }

            Map<String, String> env = new java.util.HashMap<>(s3.storageOverrides(bucket));
            env.put("LADDER_DATA_DIR", temp.resolve("node").toString());
            env.put("LADDER_STORAGE_PUBLIC_BASE_URL", publicBase);
            env.put("LADDER_WEB_ASSETS", "published");
            try (TestApp app = TestApp.start("embedded", env)) {
                Api api = new Api(app.apiUri());
                List<String> links = links(api.get("/").body());
                assertThat(links).hasSize(3).allMatch(link -> link.startsWith(publicBase + "/static/"));
                for (String link : links) {
                    Download asset = api.download(link); // anonymous, like a browser
                    assertThat(asset.status()).as(link).isEqualTo(200);
                    assertThat(asset.header("Cache-Control")).isEqualTo(ObjectStore.IMMUTABLE);
                }
            }
        }
    }

    @Test
    void aNodeWithBundledAssetsServesThemItself() throws Exception {
        try (TestApp app = TestApp.embedded(temp.resolve("bundled"))) {
            Api api = new Api(app.apiUri());
            String page = api.get("/").body();
            assertThat(links(page)).isEmpty();
            assertThat(page).contains("src=\"app.js\"");
            assertThat(api.get("/app.js").status()).isEqualTo(200);
        }
    }

    private static List<String> links(String html) {
        Matcher matcher = ASSET_LINK.matcher(html);
        List<String> links = new java.util.ArrayList<>();
        while (matcher.find()) {
            links.add(matcher.group(1));
        }
        return links;
    }
}
