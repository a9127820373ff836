package dev.ladder.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a profile ({@code profiles/NAME.yml}, from the working folder first, else from the jar),
 * follows its {@code extends:} chain, lays environment overrides on top and binds the result to
 * {@link Config}. Every key {@code a.bCd} can be overridden by {@code LADDER_A_B_CD}.
 */
public final class ConfigLoader {
    public static final String DEFAULT_PROFILE = "embedded";
    private static final String ENV_PREFIX = "LADDER_";
    /** Chooses the profile (Main reads it); the one LADDER_ variable that is not a key. */
    public static final String PROFILE_VARIABLE = "LADDER_PROFILE";
    private static final Pattern PROFILE_NAME = Pattern.compile("[a-z0-9-]{1,40}");
    private static final int MAX_EXTENDS_DEPTH = 8;

    private final ObjectMapper yaml;
    private final Path profileFolder;

    public ConfigLoader(Path profileFolder) {
        this.profileFolder = profileFolder;
        SimpleModule durations = new SimpleModule("durations");
        durations.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser parser, DeserializationContext context) throws IOException {
                try {
                    return Durations.parse(parser.getValueAsString(""));
                } catch (IllegalArgumentException e) {
                    throw JsonMappingException.from(parser, e.getMessage());
                }
            }
        });
        this.yaml = new ObjectMapper(new YAMLFactory())
                .registerModule(durations)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    public static ConfigLoader standard() {
        return new ConfigLoader(Path.of("profiles"));
    }

    /** Loads a named profile with the given environment's overrides. */
    public Config load(String profile, Map<String, String> env) {
        ObjectNode tree = profileTree(profile, 0);
        tree.put("profile", profile);
        rejectUnknownVariables(tree, env);
        applyOverrides(tree, "", env);
        return bind(tree);
    }

    /** Loads a profile file given by path (its extends: names profiles by name). */
    public Config loadFile(Path file, Map<String, String> env) {
        ObjectNode tree = resolveExtends(read(file.toString(), () -> Files.newInputStream(file)), 0);
        if (!tree.hasNonNull("profile")) {
            tree.put("profile", file.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        }
        rejectUnknownVariables(tree, env);
        applyOverrides(tree, "", env);
        return bind(tree);
    }

    private ObjectNode profileTree(String profile, int depth) {
        if (profile == null || !PROFILE_NAME.matcher(profile).matches()) {
            throw new ConfigException("profile", "\"" + profile + "\" is not a profile name ([a-z0-9-], up to 40)");
        }
        Path file = profileFolder.resolve(profile + ".yml");
        ObjectNode tree;
        if (Files.isRegularFile(file)) {
            tree = read(file.toString(), () -> Files.newInputStream(file));
        } else {
            String resource = "/profiles/" + profile + ".yml";
            if (ConfigLoader.class.getResource(resource) == null) {
                throw new ConfigException("profile", "no profile named \"" + profile + "\" (looked in "
                        + profileFolder.toAbsolutePath() + " and in the jar)");
            }
            tree = read(resource, () -> ConfigLoader.class.getResourceAsStream(resource));
        }
        return resolveExtends(tree, depth);
    }

    private ObjectNode resolveExtends(ObjectNode tree, int depth) {
        JsonNode parent = tree.remove("extends");
        if (parent == null) {
            return tree;
        }
        if (depth >= MAX_EXTENDS_DEPTH) {
            throw new ConfigException("extends", "chain is longer than " + MAX_EXTENDS_DEPTH + " (a loop?)");
        }
        ObjectNode base = profileTree(parent.asText(), depth + 1);
        base.remove("profile");
        merge(base, tree);
        return base;
    }

    private interface Opener {
        InputStream open() throws IOException;
    }

    private ObjectNode read(String name, Opener opener) {
        try (InputStream in = opener.open()) {
            JsonNode node = yaml.readTree(in);
            if (node == null || node.isMissingNode() || node.isNull()) {
                return JsonNodeFactory.instance.objectNode();
            }
            if (!(node instanceof ObjectNode object)) {
                throw new ConfigException("profile", name + " must be a YAML mapping");
            }
            return object;
        } catch (IOException e) {
            throw new ConfigException("profile", "cannot read " + name + ": " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** Deep merge: mappings merge key by key, anything else (lists too) is replaced. */
    private static void merge(ObjectNode base, ObjectNode overlay) {
        overlay.properties().forEach(entry -> {
            JsonNode existing = base.get(entry.getKey());
            if (existing instanceof ObjectNode existingObject && entry.getValue() instanceof ObjectNode overlayObject) {
                merge(existingObject, overlayObject);
            } else {
                base.set(entry.getKey(), entry.getValue());
            }
        });
    }

    /**
     * A LADDER_ variable that names no key is a typo or a leftover, and on a fleet a silently
     * ignored setting is an outage waiting to happen: it stops start-up, named. LADDER_PROFILE
     * chooses the profile; every other LADDER_ name must be a key's.
     */
    private static void rejectUnknownVariables(ObjectNode tree, Map<String, String> env) {
        java.util.Set<String> known = new java.util.HashSet<>();
        known.add(PROFILE_VARIABLE);
        collectVariableNames(tree, "", known);
        List<String> unknown = env.keySet().stream()
                .filter(name -> name.startsWith(ENV_PREFIX) && !known.contains(name))
                .sorted().toList();
        if (!unknown.isEmpty()) {
            throw new ConfigException(unknown.getFirst(), "names no configuration key" + (unknown.size() > 1
                    ? " (nor do " + String.join(", ", unknown.subList(1, unknown.size())) + ")" : "")
                    + "; every key and its variable are listed in profiles/embedded.yml (http.adminPort: LADDER_HTTP_ADMIN_PORT)");
        }
    }

    private static void collectVariableNames(ObjectNode node, String prefix, java.util.Set<String> names) {
        node.properties().forEach(entry -> {
            String path = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
            if (entry.getValue() instanceof ObjectNode object) {
                collectVariableNames(object, path, names);
            } else if (!path.equals("profile")) {
                names.add(envName(path));
            }
        });
    }

    private static void applyOverrides(ObjectNode node, String prefix, Map<String, String> env) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        for (String name : names) {
            String path = prefix.isEmpty() ? name : prefix + "." + name;
            JsonNode child = node.get(name);
            if (child instanceof ObjectNode object) {
                applyOverrides(object, path, env);
                continue;
            }
            String value = env.get(envName(path));
            if (value == null) {
                continue;
            }
            if (child instanceof ArrayNode) {
                ArrayNode list = node.putArray(name);
                for (String item : value.split(",")) {
                    if (!item.isBlank()) {
                        list.add(item.trim());
                    }
                }
            } else {
                node.put(name, value);
            }
        }
    }

    /** {@code http.adminPort} → {@code LADDER_HTTP_ADMIN_PORT}. */
    public static String envName(String key) {
        return ENV_PREFIX + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('.', '_').toUpperCase();
    }

    private Config bind(ObjectNode tree) {
        try {
            return yaml.treeToValue(tree, Config.class);
        } catch (ValueInstantiationException e) {
            if (e.getCause() instanceof ConfigException configException) {
                throw configException;
            }
            throw new ConfigException(keyOf(e), firstLine(e.getOriginalMessage()));
        } catch (JsonMappingException e) {
            throw new ConfigException(keyOf(e), describe(e));
        } catch (IOException e) {
            throw new ConfigException("profile", firstLine(e.getMessage()));
        }
    }

    private static String keyOf(JsonMappingException e) {
        String key = e.getPath().stream()
                .map(reference -> reference.getFieldName() != null ? reference.getFieldName() : "[" + reference.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        return key.isEmpty() ? "profile" : key;
    }

    private static String describe(JsonMappingException e) {
        String message = firstLine(e.getOriginalMessage());
        if (message.startsWith("Missing creator property") || message.startsWith("Missing required creator property")) {
            return "is missing";
        }
        if (message.startsWith("Unrecognized field")) {
            return "is not a known key";
        }
        if (message.contains("from String") || message.contains("not a valid")) {
            Iterator<String> parts = List.of(message.split(":", 2)).iterator();
            parts.next();
            return "has a value of the wrong type" + (parts.hasNext() ? ":" + parts.next() : "");
        }
        return message;
    }

    private static String firstLine(String text) {
        return text == null ? "invalid" : text.lines().findFirst().orElse("invalid");
    }
}
