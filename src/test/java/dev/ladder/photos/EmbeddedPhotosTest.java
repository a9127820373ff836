package dev.ladder.photos;

import dev.ladder.testing.TestApp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The photo pipeline on the embedded profile: H2, objects on local disk served at /media, the database queue. */
class EmbeddedPhotosTest extends PhotoApiContract {
    private Path objects;

    @Override
    protected TestApp startApp() throws Exception {
        Path data = Files.createTempDirectory("ladder-photos");
        objects = data.resolve("objects");
        Map<String, String> env = new HashMap<>(quickQueue());
        env.put("LADDER_DATA_DIR", data.toString());
        return TestApp.start("embedded", env);
    }

    @Override
    protected List<String> storedKeys(String prefix) {
        Path folder = objects.resolve(prefix);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).map(file -> objects.relativize(file).toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    protected boolean supportsDirectUpload() {
        return false;
    }
}
