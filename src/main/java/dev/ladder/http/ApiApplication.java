package dev.ladder.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.ws.rs.ext.ContextResolver;
import org.glassfish.jersey.jackson.JacksonFeature;
import org.glassfish.jersey.micrometer.server.DefaultJerseyTagsProvider;
import org.glassfish.jersey.micrometer.server.MetricsApplicationEventListener;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;

/**
 * The Jersey application: the resources and filters it is given, plus the plumbing every API
 * shares — strict JSON, problem+json errors, bounded bodies and per-route RED metrics tagged by
 * route template (never by raw path).
 */
public final class ApiApplication {
    private ApiApplication() {
    }

    public static ResourceConfig create(BodyLimits bodyLimits, MeterRegistry metrics, Object... components) {
        ObjectMapper mapper = Json.mapper();
        ResourceConfig config = new ResourceConfig();
        config.property(ServerProperties.WADL_FEATURE_DISABLE, true);
        config.property(ServerProperties.RESPONSE_SET_STATUS_OVER_SEND_ERROR, true);
        config.property(ServerProperties.LOCATION_HEADER_RELATIVE_URI_RESOLUTION_DISABLED, true);
        // Our own mappers answer in problem+json; Jackson's would answer in text.
        config.register(JacksonFeature.withoutExceptionMappers());
        config.register(new MapperResolver(mapper));
        config.register(new ProblemMappers.Api());
        config.register(new ProblemMappers.Jaxrs());
        config.register(new ProblemMappers.Json());
        config.register(new ProblemMappers.Unexpected());
        config.register(new ProblemMappers.EmptyErrors());
        config.register(new BodyLimitFilter(bodyLimits));
        config.register(new MetricsApplicationEventListener(metrics, new DefaultJerseyTagsProvider(),
                "http.server.requests", true));
        for (Object component : components) {
            config.register(component);
        }
        return config;
    }

    /** A named class, not a lambda: Jersey finds the resolver's type from its generic interface. */
    private record MapperResolver(ObjectMapper mapper) implements ContextResolver<ObjectMapper> {
        @Override
        public ObjectMapper getContext(Class<?> type) {
            return mapper;
        }
    }
}
