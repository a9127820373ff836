package dev.ladder.plans;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ladder.idempotency.IdempotencyDao;
import dev.ladder.photos.PhotoDao;
import dev.ladder.posts.PostDao;
import dev.ladder.sessions.SessionDao;
import dev.ladder.users.UserDao;
import java.io.IOException;
import java.lang.reflect.Method;
import java.sql.ResultSetMetaData;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

/**
 * The plan of every statement the DAOs issue, on MariaDB, with realistic parameters taken from the
 * data (the hottest author, a cold one, first, middle and last keyset pages, a live session, due
 * jobs, expired keys): {@code EXPLAIN} for each, plus {@code ANALYZE FORMAT=JSON} (which runs the
 * statement) for plain SELECTs, to count the rows really read. The SQL comes from the DAOs' own
 * annotations and constants, so what is explained is what runs.
 *
 * <p>Used by {@link QueryPlansMain} ({@code scripts/explain}, a million posts) and by
 * {@link QueryPlansIT} (a small seeded database, asserting that no key query regresses).
 */
final class QueryPlans {
    /** Page size the cases use: the API's default page (20) plus the one row that says "there is more". */
    static final int PAGE = 21;
    /** The queue the service's database job queue uses (Main.THUMBNAIL_QUEUE). */
    static final String QUEUE = "thumbnails";
    /** Filesorts up to this many estimated rows are a small in-memory sort, not a finding. */
    static final long SMALL_SORT = 1_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private QueryPlans() {
    }

    /**
     * What a statement does, which sets what its plan must show: a LOOKUP or BATCH reads only what it
     * returns through the expected index; a PAGE (keyset) also reads no more than a few pages' worth
     * of rows; an AGGREGATE is about every row of its scope (the queue's depth), so it may read them all.
     */
    enum Kind { LOOKUP, PAGE, BATCH, AGGREGATE }

    /**
     * One statement to explain: where it comes from, the SQL, its parameters and what a good plan
     * uses (by table or alias; "A|B" when either index is as good).
     */
    record Case(String source, String label, String sql, Map<String, Object> params, Map<String, List<?>> lists,
                Map<String, String> expectedKeys, Kind kind) {
        Case {
            params = Map.copyOf(params);
            lists = Map.copyOf(lists);
            expectedKeys = Map.copyOf(expectedKeys);
        }

        /** A SELECT without locks: safe to run with ANALYZE. */
        boolean readOnly() {
            String text = sql.strip().toUpperCase(Locale.ROOT);
            return text.startsWith("SELECT") && !text.contains("FOR UPDATE");
        }
    }

    /** One row of EXPLAIN's table. */
    record PlanRow(String selectType, String table, String type, String key, String keyLength, Long rows, String extra) {
        String describe() {
            return "%s %s/%s%s rows≈%s%s".formatted(table, type == null ? "-" : type, key == null ? "-" : key,
                    keyLength == null ? "" : "(" + keyLength + ")", rows == null ? "-" : rows,
                    extra == null || extra.isEmpty() ? "" : " [" + extra + "]");
        }
    }

    /** What ANALYZE measured of one table access: rows the engine returned (r_rows × r_loops) and the share the WHERE kept. */
    record TableRead(String table, double rows, double keptPercent) {
    }

    /** What ANALYZE measured: the table accesses and the statement's time. */
    record Measured(List<TableRead> tables, double milliseconds) {
        double rowsRead() {
            return tables.stream().mapToDouble(TableRead::rows).sum();
        }
    }

    record Result(Case scenario, List<PlanRow> plan, Optional<Measured> measured, List<String> problems) {
        boolean ok() {
            return problems.isEmpty();
        }

        String verdict() {
            return ok() ? "ok" : String.join("; ", problems);
        }
    }

    // ------------------------------------------------------------------------------------------ the statements

    /** The SQL of a DAO method, from its {@code @SqlQuery}, {@code @SqlUpdate} or {@code @SqlBatch}. */
    static String sql(Class<?> dao, String method) {
        String found = null;
        for (Method candidate : dao.getDeclaredMethods()) {
            String text = statement(candidate);
            if (candidate.getName().equals(method) && text != null) {
                if (found != null) {
                    throw new IllegalStateException(dao.getSimpleName() + "." + method + " is overloaded: name the one to explain");
                }
                found = text;
            }
        }
        if (found == null) {
            throw new IllegalStateException(dao.getSimpleName() + "." + method + " has no SQL annotation (renamed?)");
        }
        return found;
    }

    /** Every annotated statement of a DAO, as "Dao.method". */
    static Set<String> statements(Class<?> dao) {
        Set<String> names = new TreeSet<>();
        for (Method method : dao.getDeclaredMethods()) {
            if (statement(method) != null) {
                names.add(daoName(dao) + "." + method.getName());
            }
        }
        return names;
    }

    private static String statement(Method method) {
        SqlQuery query = method.getAnnotation(SqlQuery.class);
        if (query != null) {
            return query.value();
        }
        SqlUpdate update = method.getAnnotation(SqlUpdate.class);
        if (update != null) {
            return update.value();
        }
        SqlBatch batch = method.getAnnotation(SqlBatch.class);
        return batch == null ? null : batch.value();
    }

    static String daoName(Class<?> dao) {
        return dao.getEnclosingClass() == null ? dao.getSimpleName() : dao.getEnclosingClass().getSimpleName() + "." + dao.getSimpleName();
    }

    /** The DAOs whose statements the service issues (two are package-private, hence by name). */
    static List<Class<?>> daos() {
        try {
            return List.of(PostDao.class, UserDao.class, SessionDao.class, PhotoDao.class,
                    Class.forName("dev.ladder.photos.PendingObjects$Dao"), Class.forName("dev.ladder.queue.JobDao"),
                    IdempotencyDao.class);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("a DAO moved: " + e.getMessage(), e);
        }
    }

    /**
     * Statements with nothing to plan: single-row INSERT ... VALUES (and batches of them) read no
     * index; their cost is the indexes they maintain, which the schema section of docs/db-explain.md
     * lists.
     */
    static final Set<String> INSERTS = Set.of("PostDao.insert", "PostDao.INSERT", "UserDao.insert", "SessionDao.insert",
            "PhotoDao.insert", "PhotoDao.insertUpload", "PhotoDao.attach", "PendingObjects.Dao.insert", "JobDao.insert",
            "IdempotencyDao.claim");

    /** The cases, with parameters found in the data behind handle (bounded look-ups only: no full scans). */
    static List<Case> cases(Handle handle) {
        long now = System.currentTimeMillis();
        Values values = Values.find(handle, now);
        Class<?> pending = daos().get(4);
        Class<?> jobs = daos().get(5);
        List<Case> cases = new ArrayList<>();

        // Posts: the hot read, the timeline and the user page, and the writes by id.
        cases.add(new Case("PostDao.FIND_SHOWING", "newest post (the hottest read)", PostDao.FIND_SHOWING,
                Map.of("id", values.newestPost), Map.of(), Map.of("posts", "PRIMARY", "pp", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("PostDao.FIND_SHOWING", "a post that shows a photo", PostDao.FIND_SHOWING,
                Map.of("id", values.postWithPhoto), Map.of(), Map.of("posts", "PRIMARY", "pp", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("PostDao.find", "newest post", sql(PostDao.class, "find"),
                Map.of("id", values.newestPost), Map.of(), Map.of("posts", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("PostDao.findForUpdate", "newest post", sql(PostDao.class, "findForUpdate"),
                Map.of("id", values.newestPost), Map.of(), Map.of("posts", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("PostDao.update", "newest post", sql(PostDao.class, "update"),
                Map.of("id", values.newestPost, "expectedVersion", 1, "body", "changed", "updatedAt", now), Map.of(),
                Map.of("posts", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("PostDao.delete", "newest post", sql(PostDao.class, "delete"),
                Map.of("id", values.newestPost, "authorId", values.hotAuthor), Map.of(), Map.of("posts", "PRIMARY|posts_author"), Kind.LOOKUP));
        String recent = sql(PostDao.class, "recent");
        cases.add(page("PostDao.recent", "timeline, first page", recent, Map.of("before", Long.MAX_VALUE), "posts", "PRIMARY"));
        cases.add(page("PostDao.recent", "timeline, middle page", recent, Map.of("before", values.middlePost), "posts", "PRIMARY"));
        cases.add(page("PostDao.recent", "timeline, last page", recent, Map.of("before", values.lastPagePost), "posts", "PRIMARY"));
        String byAuthor = sql(PostDao.class, "byAuthor");
        cases.add(page("PostDao.byAuthor", "hot author (%,d posts), first page".formatted(values.hotAuthorPosts), byAuthor,
                Map.of("authorId", values.hotAuthor, "before", Long.MAX_VALUE), "posts", "posts_author"));
        cases.add(page("PostDao.byAuthor", "hot author, a page 10 % deep", byAuthor,
                Map.of("authorId", values.hotAuthor, "before", values.hotAuthorTenth), "posts", "posts_author"));
        cases.add(page("PostDao.byAuthor", "hot author, middle page", byAuthor,
                Map.of("authorId", values.hotAuthor, "before", values.hotAuthorMiddle), "posts", "posts_author"));
        cases.add(page("PostDao.byAuthor", "hot author, last page", byAuthor,
                Map.of("authorId", values.hotAuthor, "before", values.hotAuthorLastPage), "posts", "posts_author"));
        cases.add(page("PostDao.byAuthor", "cold author (%,d posts), first page".formatted(values.coldAuthorPosts), byAuthor,
                Map.of("authorId", values.coldAuthor, "before", Long.MAX_VALUE), "posts", "posts_author"));

        // Users and sessions.
        cases.add(new Case("UserDao.findByHandle", "hot author's handle", sql(UserDao.class, "findByHandle"),
                Map.of("handle", values.hotHandle), Map.of(), Map.of("users", "users_handle_unique"), Kind.LOOKUP));
        cases.add(new Case("UserDao.findById", "hot author", sql(UserDao.class, "findById"),
                Map.of("id", values.hotAuthor), Map.of(), Map.of("users", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("SessionDao.FIND_LIVE", "a live session", SessionDao.FIND_LIVE,
                Map.of("tokenHash", values.liveToken, "now", now), Map.of(), Map.of("s", "PRIMARY", "u", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("SessionDao.extend", "a live session slides", sql(SessionDao.class, "extend"),
                Map.of("tokenHash", values.liveToken, "expiresAt", now + 1_000, "now", now), Map.of(), Map.of("sessions", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("SessionDao.tokenHashesOf", "log out everywhere: the user's sessions", sql(SessionDao.class, "tokenHashesOf"),
                Map.of("userId", values.hotAuthor), Map.of(), Map.of("sessions", "sessions_user"), Kind.LOOKUP));
        cases.add(new Case("SessionDao.deleteAllOf", "log out everywhere", sql(SessionDao.class, "deleteAllOf"),
                Map.of("userId", values.hotAuthor), Map.of(), Map.of("sessions", "sessions_user"), Kind.LOOKUP));
        cases.add(new Case("SessionDao.delete", "log out", sql(SessionDao.class, "delete"),
                Map.of("tokenHash", values.liveToken), Map.of(), Map.of("sessions", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("SessionDao.deleteExpired", "housekeeping, 10,000 a run", sql(SessionDao.class, "deleteExpired"),
                Map.of("now", now, "limit", 10_000), Map.of(), Map.of("sessions", "sessions_expiry"), Kind.BATCH));

        // Photos, uploads, the photos posts show.
        cases.add(new Case("PhotoDao.find", "a photo", sql(PhotoDao.class, "find"),
                Map.of("id", values.photo), Map.of(), Map.of("photos", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("PhotoDao.findAll", "%d photos by id".formatted(values.photoPage.size()), sql(PhotoDao.class, "findAll"),
                Map.of(), Map.of("ids", values.photoPage), Map.of("photos", "PRIMARY"), Kind.LOOKUP));
        String byOwner = sql(PhotoDao.class, "byOwner");
        cases.add(page("PhotoDao.byOwner", "hot owner (%,d photos), first page".formatted(values.hotOwnerPhotos), byOwner,
                Map.of("ownerId", values.hotOwner, "before", Long.MAX_VALUE), "photos", "photos_owner"));
        cases.add(page("PhotoDao.byOwner", "hot owner, a page 10 % deep", byOwner,
                Map.of("ownerId", values.hotOwner, "before", values.hotOwnerTenth), "photos", "photos_owner"));
        cases.add(page("PhotoDao.byOwner", "hot owner, middle page", byOwner,
                Map.of("ownerId", values.hotOwner, "before", values.hotOwnerMiddle), "photos", "photos_owner"));
        cases.add(page("PhotoDao.byOwner", "cold owner, first page", byOwner,
                Map.of("ownerId", values.coldOwner, "before", Long.MAX_VALUE), "photos", "photos_owner"));
        String published = sql(PhotoDao.class, "publishedByOwner");
        cases.add(new Case("PhotoDao.publishedByOwner", "hot owner, first page", published,
                Map.of("ownerId", values.hotOwner, "before", Long.MAX_VALUE, "limit", PAGE), Map.of(),
                Map.of("photos", "photos_owner", "post_photos", "post_photos_photo"), Kind.PAGE));
        cases.add(new Case("PhotoDao.publishedByOwner", "hot owner, a page 10 % deep", published,
                Map.of("ownerId", values.hotOwner, "before", values.hotOwnerTenth, "limit", PAGE), Map.of(),
                Map.of("photos", "photos_owner", "post_photos", "post_photos_photo"), Kind.PAGE));
        cases.add(new Case("PhotoDao.publishedByOwner", "hot owner, middle page", published,
                Map.of("ownerId", values.hotOwner, "before", values.hotOwnerMiddle, "limit", PAGE), Map.of(),
                Map.of("photos", "photos_owner", "post_photos", "post_photos_photo"), Kind.PAGE));
        cases.add(new Case("PhotoDao.postsShowing", "a shown photo", sql(PhotoDao.class, "postsShowing"),
                Map.of("id", values.shownPhoto), Map.of(), Map.of("post_photos", "post_photos_photo"), Kind.LOOKUP));
        cases.add(new Case("PhotoDao.postsOf", "a shown photo", sql(PhotoDao.class, "postsOf"),
                Map.of("id", values.shownPhoto), Map.of(), Map.of("post_photos", "post_photos_photo"), Kind.LOOKUP));
        cases.add(new Case("PhotoDao.detachEverywhere", "a shown photo", sql(PhotoDao.class, "detachEverywhere"),
                Map.of("id", values.shownPhoto), Map.of(), Map.of("post_photos", "post_photos_photo"), Kind.LOOKUP));
        for (String byId : List.of("markQueued", "delete")) {
            cases.add(new Case("PhotoDao." + byId, "a photo", sql(PhotoDao.class, byId),
                    Map.of("id", values.photo), Map.of(), Map.of("photos", "PRIMARY"), Kind.LOOKUP));
        }
        cases.add(new Case("PhotoDao.markReady", "a photo", sql(PhotoDao.class, "markReady"),
                Map.of("id", values.photo, "key", "thumbnails/x", "width", 320, "height", 240, "now", now), Map.of(),
                Map.of("photos", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("PhotoDao.markFailed", "a photo", sql(PhotoDao.class, "markFailed"),
                Map.of("id", values.photo, "failure", "x", "now", now), Map.of(), Map.of("photos", "PRIMARY"), Kind.LOOKUP));
        // before = now, not the sweep's grace period: the seeded photos may be seconds old, and every pending one is wanted here.
        cases.add(new Case("PhotoDao.unqueued", "housekeeping, 1,000 a run", sql(PhotoDao.class, "unqueued"),
                Map.of("before", now, "limit", 1_000), Map.of(), Map.of("photos", "photos_unqueued"), Kind.BATCH));
        cases.add(new Case("PhotoDao.findUpload", "an upload", sql(PhotoDao.class, "findUpload"),
                Map.of("id", values.upload), Map.of(), Map.of("photo_uploads", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("PhotoDao.openUploads", "an uploader", sql(PhotoDao.class, "openUploads"),
                Map.of("ownerId", values.uploader, "now", now), Map.of(), Map.of("photo_uploads", "photo_uploads_owner"), Kind.LOOKUP));
        cases.add(new Case("PhotoDao.deleteUpload", "an upload", sql(PhotoDao.class, "deleteUpload"),
                Map.of("id", values.upload), Map.of(), Map.of("photo_uploads", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("PhotoDao.expiredUploads", "housekeeping, 1,000 a run", sql(PhotoDao.class, "expiredUploads"),
                Map.of("now", now, "limit", 1_000), Map.of(), Map.of("photo_uploads", "photo_uploads_expiry"), Kind.BATCH));
        cases.add(new Case("PhotoDao.photosOfPosts", "a timeline page of %d posts".formatted(values.postPage.size()),
                sql(PhotoDao.class, "photosOfPosts"), Map.of(), Map.of("postIds", values.postPage),
                Map.of("post_photos", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("PhotoDao.detachAll", "a post", sql(PhotoDao.class, "detachAll"),
                Map.of("postId", values.postWithPhoto), Map.of(), Map.of("post_photos", "PRIMARY"), Kind.LOOKUP));

        // The outbox of objects.
        String pendingDao = daoName(pending);
        cases.add(new Case(pendingDao + ".delete", "a record", sql(pending, "delete"),
                Map.of("id", values.pendingObject), Map.of(), Map.of("pending_objects", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case(pendingDao + ".postpone", "a record", sql(pending, "postpone"),
                Map.of("id", values.pendingObject, "dueAt", now), Map.of(), Map.of("pending_objects", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case(pendingDao + ".due", "housekeeping, 1,000 a run", sql(pending, "due"),
                Map.of("now", now, "limit", 1_000), Map.of(), Map.of("pending_objects", "pending_objects_due"), Kind.BATCH));

        // The database job queue.
        cases.add(new Case("JobDao.lockDeliverable", "claim 10 (FOR UPDATE SKIP LOCKED)", sql(jobs, "lockDeliverable"),
                Map.of("queue", QUEUE, "now", now, "limit", 10), Map.of(), Map.of("jobs", "jobs_claim"), Kind.LOOKUP));
        cases.add(new Case("JobDao.candidates", "claim 10 (H2's path)", sql(jobs, "candidates"),
                Map.of("queue", QUEUE, "now", now, "limit", 10), Map.of(), Map.of("jobs", "jobs_claim"), Kind.LOOKUP));
        cases.add(new Case("JobDao.claimLocked", "10 locked jobs", sql(jobs, "claimLocked"),
                Map.of("newLease", 7L, "until", now + 60_000), Map.of("ids", values.jobPage), Map.of("jobs", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("JobDao.claimIfUnchanged", "a job", sql(jobs, "claimIfUnchanged"),
                Map.of("id", values.job, "oldLease", 0L, "newLease", 7L, "now", now, "until", now + 60_000), Map.of(),
                Map.of("jobs", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("JobDao.delete", "complete a job", sql(jobs, "delete"),
                Map.of("id", values.job, "lease", 0L), Map.of(), Map.of("jobs", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("JobDao.release", "retry a job later", sql(jobs, "release"),
                Map.of("id", values.job, "lease", 0L, "newLease", 7L, "visibleAt", now, "error", "x"), Map.of(),
                Map.of("jobs", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("JobDao.kill", "dead-letter a job", sql(jobs, "kill"),
                Map.of("id", values.job, "lease", 0L, "newLease", 7L, "now", now, "error", "x"), Map.of(),
                Map.of("jobs", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("JobDao.depth", "queue depth metric (all of the queue's rows)", sql(jobs, "depth"),
                Map.of("queue", QUEUE, "now", now), Map.of(), Map.of("jobs", "jobs_claim"), Kind.AGGREGATE));
        cases.add(new Case("JobDao.purgeDead", "housekeeping, 10,000 a run", sql(jobs, "purgeDead"),
                Map.of("queue", QUEUE, "before", now - 7L * 24 * 3600 * 1000, "limit", 10_000), Map.of(),
                Map.of("jobs", "jobs_claim"), Kind.BATCH));

        // Idempotency keys.
        Map<String, Object> key = Map.of("endpoint", values.idempotencyEndpoint, "callerId", values.idempotencyCaller,
                "key", values.idempotencyKey);
        cases.add(new Case("IdempotencyDao.find", "a stored key", sql(IdempotencyDao.class, "find"), key, Map.of(),
                Map.of("idempotency_keys", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("IdempotencyDao.complete", "a claim", sql(IdempotencyDao.class, "complete"),
                with(key, Map.of("createdAt", now, "status", 201, "location", "/x", "etag", "\"x\"", "contentType", "application/json",
                        "body", "{}")), Map.of(), Map.of("idempotency_keys", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("IdempotencyDao.release", "a claim", sql(IdempotencyDao.class, "release"),
                with(key, Map.of("createdAt", now)), Map.of(), Map.of("idempotency_keys", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("IdempotencyDao.takeOver", "a claim whose holder died", sql(IdempotencyDao.class, "takeOver"),
                with(key, Map.of("heldSince", now, "createdAt", now)), Map.of(), Map.of("idempotency_keys", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("IdempotencyDao.withdraw", "a claim and its answer", sql(IdempotencyDao.class, "withdraw"),
                with(key, Map.of("createdAt", now)), Map.of(), Map.of("idempotency_keys", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("IdempotencyDao.deleteIfExpired", "a stored key", sql(IdempotencyDao.class, "deleteIfExpired"),
                with(key, Map.of("now", now)), Map.of(), Map.of("idempotency_keys", "PRIMARY"), Kind.LOOKUP));
        cases.add(new Case("IdempotencyDao.deleteExpired", "housekeeping, 10,000 a run", sql(IdempotencyDao.class, "deleteExpired"),
                Map.of("now", now, "limit", 10_000), Map.of(), Map.of("idempotency_keys", "idempotency_keys_expiry"), Kind.BATCH));
        return cases;
    }

    private static Case page(String source, String label, String sql, Map<String, Object> params, String table, String key) {
        return new Case(source, label, sql, with(params, Map.of("limit", PAGE)), Map.of(), Map.of(table, key), Kind.PAGE);
    }

    private static Map<String, Object> with(Map<String, Object> first, Map<String, Object> second) {
        Map<String, Object> all = new LinkedHashMap<>(first);
        all.putAll(second);
        return all;
    }

    // ------------------------------------------------------------------------------------------ explaining

    /** EXPLAIN (and, for a plain SELECT, ANALYZE twice: the second, warm run is the one reported) and the verdict. */
    static Result explain(Handle handle, Case scenario) {
        List<PlanRow> plan = bind(handle.createQuery("EXPLAIN " + scenario.sql()), scenario)
                .map((rows, context) -> {
                    ResultSetMetaData meta = rows.getMetaData();
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int column = 1; column <= meta.getColumnCount(); column++) {
                        row.put(meta.getColumnLabel(column).toLowerCase(Locale.ROOT), rows.getObject(column));
                    }
                    Object estimated = row.get("rows");
                    return new PlanRow(text(row.get("select_type")), text(row.get("table")), text(row.get("type")), text(row.get("key")),
                            text(row.get("key_len")), estimated == null ? null : Long.valueOf(estimated.toString()), text(row.get("extra")));
                })
                .list();
        Optional<Measured> measured = Optional.empty();
        if (scenario.readOnly()) {
            analyze(handle, scenario);
            measured = Optional.of(analyze(handle, scenario));
        }
        return new Result(scenario, plan, measured, problems(scenario, plan, measured));
    }

    private static Measured analyze(Handle handle, Case scenario) {
        String json = bind(handle.createQuery("ANALYZE FORMAT=JSON " + scenario.sql()), scenario).mapTo(String.class).one();
        try {
            JsonNode root = JSON.readTree(json).path("query_block");
            List<TableRead> tables = new ArrayList<>();
            for (JsonNode table : root.findParents("access_type")) {
                // A const table (one row by a unique key) is read while optimising: no r_rows, one row.
                double rows = table.hasNonNull("r_rows") ? table.path("r_rows").asDouble(0) * table.path("r_loops").asDouble(1) : 1;
                tables.add(new TableRead(table.path("table_name").asText("?"), rows, table.path("r_filtered").asDouble(100)));
            }
            return new Measured(tables, root.path("r_total_time_ms").asDouble(Double.NaN));
        } catch (IOException e) {
            throw new IllegalStateException("ANALYZE FORMAT=JSON gave no JSON for " + scenario.source() + ": " + json, e);
        }
    }

    private static Query bind(Query query, Case scenario) {
        scenario.lists().forEach(query::bindList);
        return query.bindMap(scenario.params());
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    /**
     * What is wrong with a plan: a full scan (but of an AGGREGATE, which is about every row), an
     * index other than the expected one, a filesort of more than {@link #SMALL_SORT} rows, a table
     * access that read over {@link #SMALL_SORT} rows and threw most of them away (the index does not
     * hold the filter), or a keyset PAGE that read more than five pages' worth of rows.
     */
    static List<String> problems(Case scenario, List<PlanRow> plan, Optional<Measured> measured) {
        List<String> problems = new ArrayList<>();
        for (PlanRow row : plan) {
            if (row.table() == null || row.table().startsWith("<")) {
                continue;
            }
            if ("ALL".equals(row.type()) && scenario.kind() != Kind.AGGREGATE) {
                problems.add("FULL SCAN of " + row.table() + " (≈" + row.rows() + " rows)");
            }
            String expected = scenario.expectedKeys().get(row.table());
            boolean noRow = row.extra() != null && (row.extra().contains("no matching row") || row.extra().contains("Impossible WHERE"));
            if (expected != null && !Arrays.asList(expected.split("\\|")).contains(row.key()) && !noRow
                    && !("ALL".equals(row.type()) && scenario.kind() == Kind.AGGREGATE)) {
                problems.add(row.table() + " uses " + (row.key() == null ? "no index" : row.key()) + ", expected " + expected);
            }
            if (row.extra() != null && row.extra().contains("Using filesort") && row.rows() != null && row.rows() > SMALL_SORT) {
                problems.add("filesort of ≈" + row.rows() + " rows in " + row.table());
            }
        }
        for (TableRead read : measured.map(Measured::tables).orElse(List.of())) {
            if (read.rows() > SMALL_SORT && read.keptPercent() < 50) {
                problems.add("read %,.0f rows of %s and kept %.1f %% of them".formatted(read.rows(), read.table(), read.keptPercent()));
            }
        }
        if (scenario.kind() == Kind.PAGE && measured.isPresent()) {
            int limit = ((Number) scenario.params().get("limit")).intValue();
            double bound = 5.0 * limit;
            if (measured.get().rowsRead() > bound) {
                problems.add("read %,.0f rows for a page of %d".formatted(measured.get().rowsRead(), limit));
            }
        }
        return problems;
    }

    // ------------------------------------------------------------------------------------------ parameters

    /** Realistic parameter values, found with bounded look-ups (index ranges and small samples, never a full scan). */
    private record Values(long newestPost, long middlePost, long lastPagePost, long hotAuthor, String hotHandle, long hotAuthorPosts,
                          long hotAuthorTenth, long hotAuthorMiddle, long hotAuthorLastPage, long coldAuthor, long coldAuthorPosts, long postWithPhoto,
                          List<Long> postPage, String liveToken, long photo, List<Long> photoPage, long hotOwner, long hotOwnerPhotos,
                          long hotOwnerTenth, long hotOwnerMiddle, long coldOwner, long shownPhoto, long upload, long uploader, long pendingObject,
                          long job, List<Long> jobPage, String idempotencyEndpoint, long idempotencyCaller, String idempotencyKey) {

        static Values find(Handle handle, long now) {
            long newest = longOf(handle, "SELECT MAX(id) FROM posts", 0);
            long oldest = longOf(handle, "SELECT MIN(id) FROM posts", 0);
            long lastPage = longOf(handle, "SELECT id FROM posts ORDER BY id LIMIT 1 OFFSET 20", newest);
            // Hot: the most frequent author of the newest 10,000 posts; cold: one that wrote one of them, with the fewest posts.
            long hot = longOf(handle, """
                    SELECT author_id FROM (SELECT author_id FROM posts ORDER BY id DESC LIMIT 10000) sample
                    GROUP BY author_id ORDER BY COUNT(*) DESC, author_id LIMIT 1""", 0);
            long cold = longOf(handle, """
                    SELECT author_id FROM (SELECT author_id FROM posts ORDER BY id DESC LIMIT 10000) sample
                    GROUP BY author_id ORDER BY COUNT(*), author_id DESC LIMIT 1""", 0);
            String hotHandle = handle.createQuery("SELECT handle FROM users WHERE id = :id").bind("id", hot)
                    .mapTo(String.class).findOne().orElse("nobody");
            long hotPosts = count(handle, "SELECT COUNT(*) FROM posts WHERE author_id = :id", hot);
            long coldPosts = count(handle, "SELECT COUNT(*) FROM posts WHERE author_id = :id", cold);
            // 10 % deep: the id a tenth of the way down the author's posts (a covering walk of posts_author).
            long hotTenth = longOf(handle, "SELECT id FROM posts WHERE author_id = " + hot
                    + " ORDER BY author_id DESC, id DESC LIMIT 1 OFFSET " + hotPosts / 10, newest);
            long hotMiddle = longOf(handle, "SELECT (MIN(id) + MAX(id)) DIV 2 FROM posts WHERE author_id = " + hot, newest);
            long hotLastPage = longOf(handle,
                    "SELECT id FROM posts WHERE author_id = " + hot + " ORDER BY author_id, id LIMIT 1 OFFSET 20", newest);
            List<Long> postPage = handle.createQuery("SELECT id FROM posts ORDER BY id DESC LIMIT " + PAGE).mapTo(Long.class).list();
            long postWithPhoto = longOf(handle, "SELECT post_id FROM post_photos ORDER BY post_id DESC LIMIT 1", newest);
            String token = handle.createQuery("SELECT token_hash FROM sessions WHERE expires_at > :now ORDER BY expires_at LIMIT 1")
                    .bind("now", now).mapTo(String.class).findOne().orElse("0".repeat(64));
            long photo = longOf(handle, "SELECT MAX(id) FROM photos", 0);
            List<Long> photoPage = handle.createQuery("SELECT id FROM photos ORDER BY id DESC LIMIT " + PAGE).mapTo(Long.class).list();
            long hotOwner = longOf(handle, """
                    SELECT owner_id FROM (SELECT owner_id FROM photos ORDER BY id DESC LIMIT 10000) sample
                    GROUP BY owner_id ORDER BY COUNT(*) DESC, owner_id LIMIT 1""", 0);
            long coldOwner = longOf(handle, """
                    SELECT owner_id FROM (SELECT owner_id FROM photos ORDER BY id DESC LIMIT 10000) sample
                    GROUP BY owner_id ORDER BY COUNT(*), owner_id DESC LIMIT 1""", 0);
            long hotOwnerPhotos = count(handle, "SELECT COUNT(*) FROM photos WHERE owner_id = :id", hotOwner);
            long hotOwnerTenth = longOf(handle, "SELECT id FROM photos WHERE owner_id = " + hotOwner
                    + " ORDER BY owner_id DESC, id DESC LIMIT 1 OFFSET " + hotOwnerPhotos / 10, photo);
            long hotOwnerMiddle = longOf(handle, "SELECT (MIN(id) + MAX(id)) DIV 2 FROM photos WHERE owner_id = " + hotOwner, photo);
            long shown = longOf(handle, "SELECT photo_id FROM post_photos ORDER BY post_id DESC LIMIT 1", photo);
            long upload = longOf(handle, "SELECT MAX(id) FROM photo_uploads", 0);
            long uploader = handle.createQuery("SELECT owner_id FROM photo_uploads WHERE expires_at > :now ORDER BY expires_at LIMIT 1")
                    .bind("now", now).mapTo(Long.class).findOne().orElse(0L);
            long pendingObject = longOf(handle, "SELECT MAX(id) FROM pending_objects", 0);
            List<Long> jobPage = handle.createQuery("""
                            SELECT id FROM jobs WHERE queue = :queue AND state = 'waiting' AND visible_at <= :now
                            ORDER BY visible_at, id LIMIT 10""")
                    .bind("queue", QUEUE).bind("now", now).mapTo(Long.class).list();
            long job = jobPage.isEmpty() ? 0 : jobPage.get(0);
            Map<String, Object> key = handle.createQuery("""
                            SELECT endpoint, caller_id, idem_key FROM idempotency_keys
                            WHERE expires_at > :now ORDER BY expires_at LIMIT 1""")
                    .bind("now", now).mapToMap().findOne().orElse(Map.of());
            return new Values(newest, oldest + (newest - oldest) / 2, lastPage, hot, hotHandle, hotPosts, hotTenth, hotMiddle, hotLastPage, cold,
                    coldPosts, postWithPhoto, orOne(postPage), token, photo, orOne(photoPage), hotOwner, hotOwnerPhotos, hotOwnerTenth, hotOwnerMiddle,
                    coldOwner, shown, upload, uploader, pendingObject, job, orOne(jobPage),
                    Objects.toString(key.get("endpoint"), "posts"), ((Number) key.getOrDefault("caller_id", 0L)).longValue(),
                    Objects.toString(key.get("idem_key"), "none"));
        }

        private static long longOf(Handle handle, String sql, long otherwise) {
            return handle.createQuery(sql).mapTo(Long.class).findOne().orElse(otherwise);
        }

        private static long count(Handle handle, String sql, long id) {
            return handle.createQuery(sql).bind("id", id).mapTo(Long.class).one();
        }

        /** IN () is not SQL: an empty list becomes one id that matches nothing. */
        private static List<Long> orOne(List<Long> ids) {
            return ids.isEmpty() ? List.of(0L) : ids;
        }
    }
}
