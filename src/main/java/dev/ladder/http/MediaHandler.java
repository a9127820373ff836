package dev.ladder.http;

import dev.ladder.storage.ObjectStore;
import java.nio.file.Path;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.resource.ResourceFactory;

/**
 * Serves a local object folder at /media/ (embedded and single-box): Jetty's ResourceHandler,
 * which refuses paths that leave the folder, with immutable caching (objects never change), no
 * directory listings, no content sniffing, and nothing whose name starts with a dot (writes in
 * progress).
 */
public final class MediaHandler extends Handler.Wrapper {
    public MediaHandler(Path root) {
        ResourceHandler files = new ResourceHandler();
        files.setBaseResource(ResourceFactory.of(files).newResource(root));
        files.setDirAllowed(false);
        files.setCacheControl(ObjectStore.IMMUTABLE);
        files.setEtags(true);
        ContextHandler context = new ContextHandler(files, "/media");
        setHandler(context);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (path.contains("/.")) {
            return false;
        }
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        return super.handle(request, response, callback);
    }
}
