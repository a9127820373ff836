package dev.ladder.photos;

import dev.ladder.http.ApiException;
import dev.ladder.idempotency.Answer;
import dev.ladder.idempotency.IdempotencyFilter;
import dev.ladder.ids.IdGenerator;
import dev.ladder.sessions.AuthFilter;
import dev.ladder.sessions.CurrentUser;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Photos: upload through the API (the raw image as the body), or straight to the object store
 * with a presigned PUT and a confirmation; then poll the photo until its thumbnail is ready.
 */
@Path("/api/photos")
@Produces(MediaType.APPLICATION_JSON)
public final class PhotoResource {
    /** The upload route, whose body limit is photos.maxUploadBytes rather than http.maxRequestBytes. */
    public static final String UPLOAD_PATH = "/api/photos";

    private static final CacheControl NO_CACHE = CacheControl.valueOf("no-cache");

    private final PhotoService photos;
    // An upload is held in memory while it is checked: bound how many are, so memory is bounded too.
    // Fair, so waiting uploads take free slots in the order they came.
    private final Semaphore uploadSlots;

    public PhotoResource(PhotoService photos, int maxConcurrentUploads) {
        this.photos = photos;
        this.uploadSlots = new Semaphore(maxConcurrentUploads, true);
    }

    public record DirectUploadRequest(String contentType, Long bytes) {
    }

    public record DirectUploadView(String id, String method, String uploadUrl, Map<String, String> headers, Instant expiresAt,
                                   String confirmUrl) {
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Response upload(InputStream body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType,
                           @Context SecurityContext security, @Context ContainerRequestContext context) {
        CurrentUser owner = AuthFilter.require(security); // before a byte of the body is read
        // A slot is taken only once the body flows: a client that sends headers and then nothing holds none.
        byte[] first = readFirstByte(body);
        if (!acquireUploadSlot()) {
            throw ApiException.busy("Too many uploads in progress", "this server is taking as many uploads as it can; retry shortly");
        }
        try {
            byte[] bytes = readBounded(first, body, photos.maxUploadBytes());
            // Rendered in the photo row's transaction, so an Idempotency-Key's answer commits with the row.
            Answer<Photo> answer = IdempotencyFilter.answer(context, this::accepted);
            return answer.response(photos.upload(owner, contentType, bytes, answer));
        } finally {
            uploadSlots.release();
        }
    }

    @POST
    @Path("/uploads")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response startDirectUpload(DirectUploadRequest request, @Context SecurityContext security) {
        CurrentUser owner = AuthFilter.require(security);
        if (request == null || request.contentType() == null || request.bytes() == null) {
            throw ApiException.invalid("a JSON body {\"contentType\": \"image/jpeg\", \"bytes\": 12345} is required");
        }
        PhotoService.DirectUploadTicket ticket = photos.startDirectUpload(owner, request.contentType(), request.bytes());
        String id = Long.toString(ticket.id());
        String confirm = "/api/photos/uploads/" + id + "/confirm";
        return Response.created(URI.create(confirm))
                .entity(new DirectUploadView(id, ticket.upload().method(), ticket.upload().url().toString(), ticket.upload().headers(),
                        ticket.upload().expiresAt(), confirm))
                .build();
    }

    @POST
    @Path("/uploads/{id}/confirm")
    public Response confirmDirectUpload(@PathParam("id") String id, @Context SecurityContext security) {
        CurrentUser owner = AuthFilter.require(security);
        long uploadId = IdGenerator.parse(id).orElseThrow(() -> ApiException.notFound("that upload"));
        return accepted(photos.confirmDirectUpload(owner, uploadId));
    }

    @GET
    @Path("/{id}")
    public Response get(@PathParam("id") String id, @Context SecurityContext security) {
        long photoId = IdGenerator.parse(id).orElseThrow(() -> ApiException.notFound("that photo"));
        Photo photo = photos.visible(photoId, viewerId(security)).orElseThrow(() -> ApiException.notFound("that photo"));
        return Response.ok(PhotoView.of(photo, photos)).cacheControl(NO_CACHE).build();
    }

    @DELETE
    @Path("/{id}")
    public Response delete(@PathParam("id") String id, @Context SecurityContext security) {
        CurrentUser caller = AuthFilter.require(security);
        long photoId = IdGenerator.parse(id).orElseThrow(() -> ApiException.notFound("that photo"));
        photos.delete(caller, photoId);
        return Response.noContent().build();
    }

    /** Who is looking: their user id, or 0 when nobody is logged in. */
    static long viewerId(SecurityContext security) {
        return security != null && security.getUserPrincipal() instanceof CurrentUser user ? user.id() : 0;
    }

    private boolean acquireUploadSlot() {
        try {
            return uploadSlots.tryAcquire(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Response accepted(Photo photo) {
        return Response.accepted(PhotoView.of(photo, photos))
                .location(URI.create("/api/photos/" + photo.id()))
                .build();
    }

    private static byte[] readFirstByte(InputStream body) {
        try {
            return body.readNBytes(1);
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /** The whole body, at most max bytes (BodyLimitFilter has already cut longer ones off with 413). */
    private static byte[] readBounded(byte[] first, InputStream body, int max) {
        try {
            byte[] bytes = new SequenceInputStream(new ByteArrayInputStream(first), body).readNBytes(max + 1);
            if (bytes.length > max) {
                throw ApiException.tooLarge(max);
            }
            return bytes;
        } catch (IOException e) {
            throw unreadable(e);
        }
    }

    /** The body stopped: too slow (MinimumDataRateHandler) or the client went away. Not our failure. */
    private static ApiException unreadable(IOException e) {
        return new ApiException(408, "request-timeout", "Request body incomplete",
                "the body did not arrive in full, or arrived slower than this server accepts");
    }
}
