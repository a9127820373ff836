package dev.ladder.http;

import jakarta.annotation.Priority;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Bounds every request body before anything parses it: a declared Content-Length over the
 * limit is refused at once, and a chunked body is cut off with 413 the moment it passes it.
 * The limit is the route's own where {@link BodyLimits} gives one (photo uploads), else the default.
 */
@PreMatching
@Priority(100)
public final class BodyLimitFilter implements ContainerRequestFilter {
    private final BodyLimits limits;

    public BodyLimitFilter(BodyLimits limits) {
        this.limits = limits;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        long limit = limits.limitFor(request.getUriInfo().getRequestUri().getRawPath());
        String declared = request.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > limit) {
                    throw ApiException.tooLarge(limit);
                }
            } catch (NumberFormatException e) {
                throw ApiException.invalid("Content-Length is not a number");
            }
        }
        request.setEntityStream(new Bounded(request.getEntityStream(), limit));
    }

    private static final class Bounded extends FilterInputStream {
        private final long limit;
        private long read;

        Bounded(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int value = super.read();
            if (value >= 0) {
                count(1);
            }
            return value;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int count = super.read(buffer, offset, length);
            if (count > 0) {
                count(count);
            }
            return count;
        }

        private void count(int bytes) {
            read += bytes;
            if (read > limit) {
                throw ApiException.tooLarge(limit);
            }
        }
    }
}
