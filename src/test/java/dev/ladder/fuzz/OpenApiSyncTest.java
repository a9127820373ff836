package dev.ladder.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.ops.AdminHandler;
import dev.ladder.testing.Api;
import dev.ladder.testing.TestApp;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI description and the code say the same: every operation of every JAX-RS resource
 * class (found by reflection over the compiled classes, not a hand-kept list) is described, and
 * every described operation exists, with the same path parameters.
 */
class OpenApiSyncTest {
    private static final Pattern TEMPLATE_PARAM = Pattern.compile("\\{([^}/:]+)(?::[^}]*)?}");

    @Test
    void everyResourceOperationIsDescribedAndEveryDescribedOperationExists() throws Exception {
        Set<String> inCode = new TreeSet<>();
        for (Class<?> resource : resourceClasses()) {
            String base = resource.getAnnotation(Path.class).value();
            for (Method method : resource.getMethods()) {
                String verb = httpMethod(method);
                if (verb == null) {
                    continue;
                }
                Path sub = method.getAnnotation(Path.class);
                String path = normalize(base + (sub == null ? "" : "/" + sub.value()));
                inCode.add(verb + " " + path + " " + params(path));
                // A path parameter the method reads must be in its template.
                for (var parameter : method.getParameters()) {
                    PathParam param = parameter.getAnnotation(PathParam.class);
                    if (param != null) {
                        assertThat(params(path)).as("%s %s reads {%s}", verb, path, param.value()).contains(param.value());
                    }
                }
            }
        }
        Set<String> described = new TreeSet<>();
        for (ApiDescription.Endpoint endpoint : ApiDescription.bundled().endpoints()) {
            assertThat(endpoint.pathParams()).as("%s declares its path parameters", endpoint)
                    .containsExactlyInAnyOrderElementsOf(params(endpoint.path()));
            described.add(endpoint.method() + " " + endpoint.path() + " " + params(endpoint.path()));
        }
        assertThat(inCode).as("resource classes found").hasSizeGreaterThanOrEqualTo(6);
        assertThat(described).as("described but not in the code").isSubsetOf(inCode);
        assertThat(inCode).as("in the code but not described").isSubsetOf(described);
    }

    @Test
    void theFastPathAnswersADescribedRouteWithTheDescribedShape(@TempDir java.nio.file.Path dataDir) {
        // CachedPostHandler answers GET /api/posts/{id} before Jersey once the post is cached: the same route, the same schema.
        ApiDescription description = ApiDescription.bundled();
        assertThat(description.endpoints()).extracting(Object::toString).contains("GET /api/posts/{id}");
        var schema = description.openApi().getComponents().getSchemas().get("PostView");
        try (TestApp app = TestApp.embedded(dataDir)) {
            Api api = new Api(app.apiUri());
            String token = api.signUpAndLogIn("described");
            String id = api.post("/api/posts", Api.json(java.util.Map.of("body", "shape")), Api.bearer(token)).text("id");
            api.get("/api/posts/" + id); // fills the cache
            Api.Reply cached = api.get("/api/posts/" + id);
            assertThat(cached.status()).isEqualTo(200);
            java.util.List<String> fields = new java.util.ArrayList<>();
            cached.json().fieldNames().forEachRemaining(fields::add);
            assertThat(fields).containsAll(schema.getRequired()).isSubsetOf(schema.getProperties().keySet());
        }
    }

    @Test
    void theAdminPortServesTheDescription(@TempDir java.nio.file.Path dataDir) {
        try (TestApp app = TestApp.embedded(dataDir)) {
            Api.Reply reply = new Api(app.adminUri()).get("/openapi.yaml");
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("Content-Type")).startsWith("application/yaml");
            assertThat(reply.body()).isEqualTo(AdminHandler.openApiDescription());
            assertThat(ApiDescription.parse(reply.body()).endpoints()).isNotEmpty();
            // Not on the public port: the description is for operators.
            assertThat(new Api(app.apiUri()).get("/openapi.yaml").status()).isEqualTo(404);
        }
    }

    private static String httpMethod(Method method) {
        return Arrays.stream(method.getAnnotations())
                .map(annotation -> annotation.annotationType().getAnnotation(HttpMethod.class))
                .filter(java.util.Objects::nonNull)
                .map(HttpMethod::value)
                .findFirst().orElse(null);
    }

    private static String normalize(String path) {
        String joined = ("/" + path).replaceAll("/+", "/");
        return joined.length() > 1 && joined.endsWith("/") ? joined.substring(0, joined.length() - 1) : joined;
    }

    private static List<String> params(String path) {
        Matcher matcher = TEMPLATE_PARAM.matcher(path);
        List<String> names = new java.util.ArrayList<>();
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    /** Every class under dev.ladder in the compiled main classes with a JAX-RS @Path. */
    static List<Class<?>> resourceClasses() throws IOException, URISyntaxException {
        java.nio.file.Path root = java.nio.file.Path.of(AdminHandler.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<java.nio.file.Path> files = Files.walk(root.resolve("dev/ladder"))) {
            return files.filter(file -> file.toString().endsWith(".class") && !file.getFileName().toString().contains("$"))
                    .map(file -> root.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", ""))
                    .map(OpenApiSyncTest::load)
                    .filter(type -> type.isAnnotationPresent(Path.class))
                    .toList();
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, OpenApiSyncTest.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
