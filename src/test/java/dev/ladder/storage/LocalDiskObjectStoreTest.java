package dev.ladder.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.http.MediaHandler;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The ObjectStore contract on local disk, read back through the node's /media handler. */
class LocalDiskObjectStoreTest extends ObjectStoreContract {
    private Path root;
    private Server server;
    private int port;

    @Override
    protected ObjectStore open() throws Exception {
        root = Files.createTempDirectory("ladder-objects");
        LocalDiskObjectStore local = new LocalDiskObjectStore(root, "");
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new MediaHandler(local.root()));
        server.start();
        port = connector.getLocalPort();
        return local;
    }

    @Override
    protected URI absolute(URI readUrl) {
        assertThat(readUrl.toString()).startsWith("/media/");
        return URI.create("http://127.0.0.1:" + port).resolve(readUrl);
    }

    @AfterAll
    void stopServer() throws Exception {
        server.stop();
    }

    @Test
    void objectsAreFilesUnderTheRootAndNoTemporaryFilesStayBehind() throws Exception {
        ObjectKey key = ObjectKey.of("photos", unique() + ".jpg");
        store.put(key, bytes(100));

        assertThat(root.resolve(key.value())).isRegularFile().hasSize(100);
        try (var files = Files.list(root.resolve("photos"))) {
            assertThat(files.map(path -> path.getFileName().toString())).noneMatch(name -> name.startsWith("."));
        }
    }

    @Test
    void aCdnBaseUrlReplacesTheMediaPath() {
        LocalDiskObjectStore behindCdn = new LocalDiskObjectStore(root, "https://cdn.example.com/media");

        assertThat(behindCdn.readUrl(new ObjectKey("thumbs/1.jpg"))).hasToString("https://cdn.example.com/media/thumbs/1.jpg");
        assertThat(behindCdn.directUpload(new ObjectKey("photos/1.jpg"), "image/jpeg", 10)).isEmpty();
    }

    @Test
    void theMediaPathServesNoListingsNoDotFilesAndNothingOutsideTheRoot() throws Exception {
        Files.createDirectories(root.resolve("static"));
        Files.writeString(root.resolve("static/.put-1.tmp"), "HALF WRITTEN");
        Path outside = Files.createTempFile(root.getParent(), "outside", ".txt");
        Files.writeString(outside, "TOP SECRET");

        for (String path : new String[] {"/media/static/", "/media/static/.put-1.tmp", "/media/../" + outside.getFileName(),
                "/media/%2e%2e/" + outside.getFileName(), "/media/static/%2e%2e/%2e%2e/" + outside.getFileName()}) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(path).isIn(400, 403, 404);
            assertThat(response.body()).as(path).doesNotContain("HALF WRITTEN").doesNotContain("TOP SECRET");
        }
        Files.delete(outside);
    }
}
