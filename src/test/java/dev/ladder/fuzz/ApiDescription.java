package dev.ladder.fuzz;

import dev.ladder.ops.AdminHandler;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checked-in OpenAPI description (src/main/resources/openapi/ladder.yaml), parsed with
 * swagger-parser and flattened into the list of endpoints the sync, fuzz and authorization tests
 * are driven by.
 */
public final class ApiDescription {
    /** Who may call an endpoint: x-ladder-access in the description. */
    public enum Access { PUBLIC, USER, OWNER, SESSION }

    /**
     * One operation. pathParams: names in the template's order; body: the JSON request schema
     * (resolved), or null when the operation takes no JSON body; contentTypes: what it consumes.
     */
    public record Endpoint(String method, String path, String operationId, Access access, List<String> pathParams,
                           List<Parameter> queryParams, List<Parameter> headerParams, List<String> contentTypes,
                           Schema<?> body) {
        public boolean takesBody() {
            return !contentTypes.isEmpty();
        }

        public boolean takesJson() {
            return contentTypes.contains("application/json");
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private final OpenAPI openApi;
    private final List<Endpoint> endpoints;

    private ApiDescription(OpenAPI openApi) {
        this.openApi = openApi;
        this.endpoints = flatten(openApi);
    }

    /** The description bundled with the application, as the admin port serves it. */
    public static ApiDescription bundled() {
        return parse(AdminHandler.openApiDescription());
    }

    public static ApiDescription parse(String yaml) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        options.setResolveFully(true);
        SwaggerParseResult result = new OpenAPIV3Parser().readContents(yaml, null, options);
        if (result.getOpenAPI() == null || (result.getMessages() != null && !result.getMessages().isEmpty())) {
            throw new IllegalStateException("the OpenAPI description does not parse: " + result.getMessages());
        }
        return new ApiDescription(result.getOpenAPI());
    }

    public OpenAPI openApi() {
        return openApi;
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    private static List<Endpoint> flatten(OpenAPI openApi) {
        List<Endpoint> all = new ArrayList<>();
        for (Map.Entry<String, PathItem> path : openApi.getPaths().entrySet()) {
            for (Map.Entry<PathItem.HttpMethod, Operation> operation : path.getValue().readOperationsMap().entrySet()) {
                all.add(endpoint(path.getKey(), path.getValue(), operation.getKey().name(), operation.getValue()));
            }
        }
        all.sort(Comparator.comparing(Endpoint::path).thenComparing(Endpoint::method));
        return List.copyOf(all);
    }

    private static Endpoint endpoint(String path, PathItem item, String method, Operation operation) {
        List<Parameter> parameters = new ArrayList<>();
        if (item.getParameters() != null) {
            parameters.addAll(item.getParameters());
        }
        if (operation.getParameters() != null) {
            parameters.addAll(operation.getParameters());
        }
        List<String> pathParams = new ArrayList<>();
        List<Parameter> query = new ArrayList<>();
        List<Parameter> headers = new ArrayList<>();
        for (Parameter parameter : parameters) {
            switch (parameter.getIn()) {
                case "path" -> pathParams.add(parameter.getName());
                case "query" -> query.add(parameter);
                case "header" -> headers.add(parameter);
                default -> throw new IllegalStateException("unexpected parameter location " + parameter.getIn());
            }
        }
        List<String> contentTypes = new ArrayList<>();
        Schema<?> body = null;
        if (operation.getRequestBody() != null && operation.getRequestBody().getContent() != null) {
            contentTypes.addAll(operation.getRequestBody().getContent().keySet());
            var json = operation.getRequestBody().getContent().get("application/json");
            body = json == null ? null : json.getSchema();
        }
        Object access = operation.getExtensions() == null ? null : operation.getExtensions().get("x-ladder-access");
        if (access == null) {
            throw new IllegalStateException(method + " " + path + " has no x-ladder-access");
        }
        return new Endpoint(method, path, operation.getOperationId(), Access.valueOf(access.toString().toUpperCase()),
                List.copyOf(pathParams), List.copyOf(query), List.copyOf(headers), List.copyOf(contentTypes), body);
    }

    /** The properties of an object schema, in declaration order. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    public static Map<String, Schema<?>> properties(Schema<?> schema) {
        Map<String, Schema> properties = schema == null || schema.getProperties() == null ? Map.of() : schema.getProperties();
        return new LinkedHashMap<>((Map) properties);
    }
}
