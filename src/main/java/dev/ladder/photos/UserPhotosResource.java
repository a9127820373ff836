package dev.ladder.photos;

import dev.ladder.http.ApiException;
import dev.ladder.http.Cursor;
import dev.ladder.http.Page;
import dev.ladder.sessions.CurrentUser;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;

/** A user's photos, newest first, in pages like their posts: all of them for their owner, the published ones for others. */
@Path("/api/users/{handle}/photos")
@Produces(MediaType.APPLICATION_JSON)
public final class UserPhotosResource {
    private final PhotoService photos;

    public UserPhotosResource(PhotoService photos) {
        this.photos = photos;
    }

    @GET
    public Page<PhotoView> list(@PathParam("handle") String handle,
                                @QueryParam("limit") String limit, @QueryParam("before") String before,
                                @Context SecurityContext security) {
        int size = Cursor.limit(limit);
        return photos.byOwner(handle, before, size, PhotoResource.viewerId(security))
                .map(rows -> Page.of(rows, size, Photo::id, photo -> PhotoView.of(photo, photos)))
                .orElseThrow(() -> ApiException.notFound("that user"));
    }
}
