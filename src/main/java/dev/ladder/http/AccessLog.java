package dev.ladder.http;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.RequestLog;
import org.eclipse.jetty.server.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One structured line per request on the "access" logger (JSON like every other log line). */
public final class AccessLog implements RequestLog {
    private static final Logger log = LoggerFactory.getLogger("access");

    @Override
    public void log(Request request, Response response) {
        if (!log.isInfoEnabled()) {
            return;
        }
        long nanos = System.nanoTime() - request.getBeginNanoTime();
        log.atInfo()
                .addKeyValue("requestId", request.getAttribute(RequestIdHandler.ATTRIBUTE))
                .addKeyValue("method", request.getMethod())
                .addKeyValue("path", request.getHttpURI().getPath())
                .addKeyValue("status", response.getStatus())
                .addKeyValue("bytesIn", Request.getContentBytesRead(request))
                .addKeyValue("bytesOut", Response.getContentBytesWritten(response))
                .addKeyValue("micros", nanos / 1000)
                .addKeyValue("remote", Request.getRemoteAddr(request))
                .log("{} {} {}", request.getMethod(), request.getHttpURI().getPath(), response.getStatus());
    }
}
