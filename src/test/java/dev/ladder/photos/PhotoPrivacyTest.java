package dev.ladder.photos;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;
import static dev.ladder.testing.ApiAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.TestApp;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a photo gives away: the served original carries no metadata but its orientation; only
 * photos the owner published (shown in a post) are visible to others; the owner can delete one.
 */
class PhotoPrivacyTest {
    private static final String SECRET = "SECRET-LOCATION";

    @TempDir
    static Path data;
    static TestApp app;
    static Api api;

    @BeforeAll
    static void start() {
        Map<String, String> env = new HashMap<>(PhotoApiContract.quickQueue());
        env.put("LADDER_DATA_DIR", data.toString());
        app = TestApp.start("embedded", env);
        api = new Api(app.apiUri());
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void aServedJpegHasNoExifButItsOrientation() throws Exception {
        String token = api.signUpAndLogIn("exif_jpeg");
        byte[] jpeg = withExif(SyntheticPhoto.jpeg(120, 80, 1));
        assertThat(new String(jpeg, StandardCharsets.ISO_8859_1)).contains(SECRET).contains("Exif");

        Reply uploaded = api.sendBytes("POST", "/api/photos", jpeg, "image/jpeg", bearer(token));
        assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(202);
        byte[] served = api.download(uploaded.text("url")).body();

        assertThat(new String(served, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET).doesNotContain("GPS");
        // The orientation survives: an Exif segment whose only entry is Orientation (0x0112) = 6.
        assertThat(HexFormat.of().formatHex(served)).contains("01120003000000010006");
        assertThat(PhotoApiContract.decode(served).getWidth()).isEqualTo(120);
    }

    @Test
    void aServedPngHasNoTextChunks() throws Exception {
        String token = api.signUpAndLogIn("exif_png");
        byte[] png = withTextChunk(SyntheticPhoto.png(40, 30, 2));
        assertThat(new String(png, StandardCharsets.ISO_8859_1)).contains(SECRET);

        Reply uploaded = api.sendBytes("POST", "/api/photos", png, "image/png", bearer(token));
        assertThat(uploaded.status()).as(uploaded.body()).isEqualTo(202);
        byte[] served = api.download(uploaded.text("url")).body();

        assertThat(new String(served, StandardCharsets.ISO_8859_1)).doesNotContain(SECRET);
        assertThat(PhotoApiContract.decode(served).getWidth()).isEqualTo(40);
    }

    @Test
    void othersSeeOnlyPhotosTheOwnerPublished() {
        String owner = api.signUpAndLogIn("publisher");
        String stranger = api.signUpAndLogIn("onlooker");
        String shown = upload(owner);
        String draft = upload(owner);
        assertThat(api.post("/api/posts", json(Map.of("body", "look", "photoIds", List.of(shown))), bearer(owner)).status()).isEqualTo(201);

        assertThat(ids(api.get("/api/users/publisher/photos"))).containsExactly(shown);
        assertThat(ids(api.get("/api/users/publisher/photos", "Authorization", "Bearer " + stranger))).containsExactly(shown);
        assertThat(ids(api.get("/api/users/publisher/photos", "Authorization", "Bearer " + owner))).containsExactly(draft, shown);

        assertProblem(api.get("/api/photos/" + draft), 404, "not-found");
        assertProblem(api.get("/api/photos/" + draft, "Authorization", "Bearer " + stranger), 404, "not-found");
        assertThat(api.get("/api/photos/" + draft, "Authorization", "Bearer " + owner).status()).isEqualTo(200);
        assertThat(api.get("/api/photos/" + shown).status()).isEqualTo(200);
    }

    @Test
    void theOwnerDeletesAPhotoWhichLeavesItsPostAndTheStore() throws Exception {
        String owner = api.signUpAndLogIn("deleter");
        String stranger = api.signUpAndLogIn("meddler");
        String shown = upload(owner);
        String draft = upload(owner);
        Reply post = api.post("/api/posts", json(Map.of("body", "with a photo", "photoIds", List.of(shown))), bearer(owner));
        String postId = post.text("id");
        await().atMost(Duration.ofSeconds(30)).until(() ->
                "ready".equals(api.get("/api/photos/" + shown).text("status")));
        assertThat(api.get("/api/posts/" + postId).json().get("photos")).hasSize(1);
        assertThat(storedFiles(shown)).hasSize(2); // the original and its thumbnail

        assertProblem(api.delete("/api/photos/" + shown, bearer(stranger)), 403, "forbidden");
        assertProblem(api.delete("/api/photos/" + draft, bearer(stranger)), 404, "not-found");
        assertProblem(api.delete("/api/photos/" + shown), 401, "unauthorized");
        assertThat(api.get("/api/photos/" + shown).status()).isEqualTo(200);

        assertThat(api.delete("/api/photos/" + shown, bearer(owner)).status()).isEqualTo(204);

        assertProblem(api.get("/api/photos/" + shown), 404, "not-found");
        assertThat(api.get("/api/posts/" + postId).json().get("photos")).isEmpty();
        assertThat(storedFiles(shown)).isEmpty();
        assertProblem(api.delete("/api/photos/" + shown, bearer(owner)), 404, "not-found");
        assertThat(ids(api.get("/api/users/deleter/photos", "Authorization", "Bearer " + owner))).containsExactly(draft);
    }

    private static String upload(String token) {
        Reply reply = api.sendBytes("POST", "/api/photos", SyntheticPhoto.png(32, 32, 7), "image/png", bearer(token));
        assertThat(reply.status()).as(reply.body()).isEqualTo(202);
        return reply.text("id");
    }

    private static List<String> ids(Reply page) {
        assertThat(page.status()).as(page.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        for (JsonNode item : page.json().get("items")) {
            ids.add(item.get("id").asText());
        }
        return ids;
    }

    private static List<Path> storedFiles(String photoId) throws Exception {
        try (Stream<Path> files = Files.walk(data.resolve("objects"))) {
            return files.filter(Files::isRegularFile).filter(file -> file.getFileName().toString().startsWith(photoId + ".")).toList();
        }
    }

    /** The JPEG with an Exif segment after SOI: a description, orientation 6 and a GPS directory. */
    static byte[] withExif(byte[] jpeg) {
        ByteBuffer tiff = ByteBuffer.allocate(84);
        tiff.put("MM".getBytes(StandardCharsets.US_ASCII)).putShort((short) 42).putInt(8);
        tiff.putShort((short) 3); // IFD0 at 8: three entries, sorted by tag
        tiff.putShort((short) 0x010E).putShort((short) 2).putInt(SECRET.length() + 1).putInt(68); // ImageDescription
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) 6).putShort((short) 0); // Orientation
        tiff.putShort((short) 0x8825).putShort((short) 4).putInt(1).putInt(50); // GPSInfo IFD
        tiff.putInt(0);
        tiff.putShort((short) 1); // GPS IFD at 50
        tiff.putShort((short) 0x0001).putShort((short) 2).putInt(2).put((byte) 'N').put((byte) 0).putShort((short) 0); // GPSLatitudeRef
        tiff.putInt(0);
        tiff.put((SECRET + "\0").getBytes(StandardCharsets.US_ASCII)); // at 68
        byte[] exif = new byte[6 + tiff.position()];
        System.arraycopy("Exif\0\0".getBytes(StandardCharsets.US_ASCII), 0, exif, 0, 6);
        System.arraycopy(tiff.array(), 0, exif, 6, tiff.position());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2); // SOI
        out.write(0xFF);
        out.write(0xE1);
        int length = exif.length + 2;
        out.write(length >> 8);
        out.write(length & 0xFF);
        out.writeBytes(exif);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /** The PNG with a tEXt chunk after IHDR. */
    static byte[] withTextChunk(byte[] png) {
        byte[] text = ("Comment\0" + SECRET).getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer chunk = ByteBuffer.allocate(12 + text.length);
        chunk.putInt(text.length).put("tEXt".getBytes(StandardCharsets.US_ASCII)).put(text);
        CRC32 crc = new CRC32();
        crc.update(chunk.array(), 4, 4 + text.length);
        chunk.putInt((int) crc.getValue());
        int afterHeader = 8 + 25; // signature, then IHDR (13 bytes of data + 12)
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, afterHeader);
        out.writeBytes(chunk.array());
        out.write(png, afterHeader, png.length - afterHeader);
        return out.toByteArray();
    }
}
