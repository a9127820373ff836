package dev.ladder.api;

import static dev.ladder.testing.ApiAssertions.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.testing.Api;
import dev.ladder.testing.Api.Reply;
import dev.ladder.testing.TestApp;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs that once earned a 500, or a password that could sign up but never log in. */
class BadInputTest {
    @TempDir
    static Path data;
    static TestApp app;
    static Api api;

    @BeforeAll
    static void start() {
        app = TestApp.embedded(data);
        api = new Api(app.apiUri());
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void aNullPhotoIdIsA400AndNoPost() {
        String token = api.signUpAndLogIn("nullphoto");
        Reply reply = api.post("/api/posts", "{\"body\":\"x\",\"photoIds\":[null]}", Api.bearer(token));
        assertProblem(reply, 400, "validation");
        assertThat(api.get("/api/users/nullphoto/posts").json().get("items")).isEmpty();
    }

    @Test
    void aPasswordOfAHundredEmojiSignsUpAndLogsIn() {
        String password = "\uD83D\uDE00".repeat(100); // 100 code points, 200 UTF-16 units
        Reply created = api.post("/api/users", Api.json(Map.of("handle", "emoji_pw", "email", "emoji@example.com", "password", password)));
        assertThat(created.status()).isEqualTo(201);
        Reply login = api.post("/api/sessions", Api.json(Map.of("handle", "emoji_pw", "password", password)));
        assertThat(login.status()).as(login.body()).isEqualTo(201);
    }
}
