package dev.ladder.cluster;

import static dev.ladder.testing.Api.bearer;
import static dev.ladder.testing.Api.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ladder.testing.Api;
import dev.ladder.testing.ApiAssertions;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * The engine of {@code scripts/drill}: one fault drill against the local cluster that is up, under
 * a steady read/write mix through the load balancer, with the outcome counted.
 *
 * <p>Every drill: signs a user up, seeds posts to read, starts readers (GETs of posts and the
 * timeline) and writers (posts with an Idempotency-Key, retried with the same key until
 * acknowledged, as {@link KeyedWrites} does), breaks something, restores the cluster, waits until it
 * is whole again, then reads back every acknowledged write. It prints progress every two seconds,
 * then a result: requests, failures by status, writes acknowledged / found / lost, the window in
 * which requests failed and the time until the cluster was whole again; and one
 * {@code [drill-result] {json}} line for tools and tests. Exit code 0 when the drill's targets are
 * met, 1 when not, 2 for a usage error or a cluster that is not up and whole, 0 with
 * "skipped" for a drill whose hosts the stage does not have.
 */
public final class Drill {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    private static final Set<String> APP_GROUPS = Set.of("read_api", "write_api", "worker");
    private static final Pattern SS_LINE = Pattern.compile("^ESTAB\\s+\\d+\\s+\\d+\\s+(\\S+):(\\d+)\\s+(\\S+):(\\d+)\\s+(.*)$");
    private static final Pattern SS_PID = Pattern.compile("pid=(\\d+),");

    static final String USAGE = """
            usage: scripts/drill DRILL [options]      (against the cluster `scripts/cluster up` brought up)
              node-kill     kill -9 an API node (--target, default the first read-api node); `up` restarts it
              primary-kill  kill -9 the database primary, `scripts/cluster failover`, `up` rejoins it as standby
              worker-kill   kill -9 the worker while photos are uploaded; `up` restarts it; every photo gets its thumbnail
              partition     cut a host off the network for --for seconds (nftables drops its packets; default the
                            database standby; or an API node or the worker), then heal
              replica-kill  kill -9 a database read replica (needs users-plus-3: hosts of group db_replica)
              redis-kill    kill -9 the Redis primary, Sentinel promotes its replica (needs users-plus-3: redis_primary)
              heal          remove a partition a drill left behind (the drill removes its own when it ends)
            options:
              --target HOST     the host to break (node-kill, partition)
              --for SECONDS     how long the fault lasts before the restore starts (default 10; partition 15)
              --readers N       reading clients (default 3)      --writers N   writing clients (default 2)
              --settle SECONDS  load kept on after the cluster is whole again (default 5)
            prints progress every 2 s, then: requests, failed by status, writes acknowledged/found/lost,
            the window in which requests failed, the time until the cluster was whole again.
            exit 0: targets met (or drill skipped: the stage lacks its hosts); 1: targets missed or the drill could not finish;
            2: usage, cluster not up""";

    private final String drill;
    private final Map<String, String> options;
    private final long origin = System.nanoTime();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, Object> facts = new LinkedHashMap<>();
    private volatile String phase = "setup";
    private volatile long faultAt;
    private volatile Outcomes writeOutcomes;

    private Drill(String drill, Map<String, String> options) {
        this.drill = drill;
        this.options = options;
    }

    public static void main(String[] args) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            System.out.println(USAGE);
            System.exit(args.length == 0 ? 2 : 0);
        }
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println("unknown or incomplete option: " + args[i] + "\n" + USAGE);
                System.exit(2);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        Set<String> known = Set.of("target", "for", "readers", "writers", "settle");
        if (!known.containsAll(options.keySet())) {
            System.err.println("unknown option in " + options.keySet() + "\n" + USAGE);
            System.exit(2);
        }
        int code;
        try {
            code = new Drill(args[0], options).run();
        } catch (UsageException e) {
            System.err.println("[drill] " + e.getMessage());
            code = 2;
        } catch (IllegalStateException e) {
            // A restore that failed or a wait that gave up: the cluster may not be whole.
            System.err.println("[drill] the drill could not finish: " + e.getMessage()
                    + "\n[drill] check `scripts/cluster status`; `scripts/cluster up` restarts what is down");
            code = 1;
        }
        System.exit(code);
    }

    /** A usage error or a cluster the drill cannot run against: exit 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    private int run() {
        if (drill.equals("heal")) {
            Partition.heal(Cluster.status());
            System.out.println("[drill] no partition left: nftables table " + Partition.table(Cluster.status()) + " is gone");
            return 0;
        }
        Cluster.Status status = Cluster.status();
        if (status.hosts().isEmpty()) {
            throw new UsageException("no cluster is up in CLUSTER_DIR (scripts/cluster up first)");
        }
        String needs = switch (drill) {
            case "replica-kill" -> "db_replica";
            case "redis-kill" -> "redis_primary";
            case "node-kill", "primary-kill", "worker-kill", "partition" -> null;
            default -> throw new UsageException("no drill named " + drill + "\n" + USAGE);
        };
        if (needs != null && status.group(needs).isEmpty()) {
            System.out.printf("[drill] %s skipped: stage %s has no host in group %s (it needs users-plus-3: scripts/cluster up users-plus-3)%n",
                    drill, status.stage(), needs);
            System.out.printf("[drill-result] %s%n", toJson(Map.of("drill", drill, "skipped", true, "stage", status.stage())));
            return 0;
        }
        List<String> down = status.hosts().stream().filter(host -> !host.up()).map(Cluster.Host::name).toList();
        if (!down.isEmpty()) {
            throw new UsageException("the cluster is not whole (not up: " + down + "): scripts/cluster up " + status.stage() + " first");
        }
        Partition.heal(status);
        return execute(status);
    }

    private int execute(Cluster.Status status) {
        int readers = intOption("readers", 3);
        int writers = intOption("writers", 2);
        Duration faultFor = Duration.ofSeconds(intOption("for", drill.equals("partition") ? 15 : 10));
        Duration settle = Duration.ofSeconds(intOption("settle", 5));

        HttpClient client = Drills.httpsClient(status);
        Api api = new Api(status.url(), client);
        String handle = ApiAssertions.uniqueHandle("drill");
        String token = api.signUpAndLogIn(handle);
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            paths.add("/api/posts/" + api.post("/api/posts", json(Map.of("body", "drill read " + i)), bearer(token)).text("id"));
        }
        paths.add("/api/posts?limit=20");
        paths.add("/api/users/" + handle + "/posts?limit=20");

        Outcomes reads = new Outcomes("reads", origin);
        Outcomes writeAttempts = new Outcomes("write attempts", origin);
        this.writeOutcomes = writeAttempts;
        Outcomes uploads = new Outcomes("photo uploads", origin);
        KeyedWrites writes = new KeyedWrites(client, status.url(), token, writeAttempts, Duration.ofSeconds(90));
        ConcurrentLinkedQueue<String> photos = new ConcurrentLinkedQueue<>();
        byte[] png = drill.equals("worker-kill") ? png() : null;
        System.out.printf("[drill] %s on %s (CLUSTER_DIR %s): %d readers, %d writers through %s%n", drill, status.stage(), System.getenv("CLUSTER_DIR"), readers, writers,
                status.url());

        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().factory());
        ticker.scheduleAtFixedRate(() -> System.out.printf("[drill] t=%5.1fs %-9s reads %d (failed %d)  writes acknowledged %d (failed attempts %d)%s%n",
                seconds(System.nanoTime()), phase, reads.sent(), reads.failed(), writes.acknowledged().size(), writeAttempts.failed(),
                png == null ? "" : "  photos %d (failed %d)".formatted(photos.size(), uploads.failed())), 2, 2, TimeUnit.SECONDS);

        long restoredAt;
        long wholeAt;
        Duration maxLoad = Duration.ofMinutes(15);
        try (SteadyLoad readLoad = SteadyLoad.start("drill-reads", readers, Integer.MAX_VALUE, maxLoad, n -> {
                 reads.send(client, HttpRequest.newBuilder(status.url().resolve(paths.get(n % paths.size()))).timeout(REQUEST_TIMEOUT).GET().build());
                 pause(Duration.ofMillis(20));
             });
             SteadyLoad writeLoad = SteadyLoad.start("drill-writes", writers, Integer.MAX_VALUE, maxLoad, n -> {
                 writes.write(drill + " drill write " + n);
                 pause(Duration.ofMillis(100));
             });
             SteadyLoad uploadLoad = png == null ? null : SteadyLoad.start("drill-uploads", 1, Integer.MAX_VALUE, maxLoad, n -> {
                 Outcomes.Sent sent = uploads.send(client, HttpRequest.newBuilder(status.url().resolve("/api/photos")).timeout(REQUEST_TIMEOUT)
                         .header("Authorization", "Bearer " + token).header("Content-Type", "image/png")
                         .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build());
                 if (sent.attempt().ok()) {
                     photos.add(idOf(sent.response().body()));
                 }
                 pause(Duration.ofMillis(500));
             })) {
            phase = "warm-up";
            waitUntil("the load running (100 reads, 10 acknowledged writes)", Duration.ofSeconds(90),
                    () -> reads.sent() >= 100 && writes.acknowledged().size() >= 10);
            faultAt = System.nanoTime();
            phase = "fault";
            Restore restore = inject(status, faultFor);
            phase = "restore";
            restoredAt = System.nanoTime();
            restore.restore().run();
            phase = "recover";
            restore.untilWhole().run();
            wholeAt = System.nanoTime();
            phase = "settle";
            pause(settle);
            if (png != null) {
                phase = "thumbs";
                waitUntil("every accepted photo thumbnailed", Duration.ofMinutes(3), () -> photos.stream().allMatch(id -> ready(api, token, id)));
                facts.put("thumbnailBacklogDoneAfterWholeSeconds", round((System.nanoTime() - wholeAt) / 1e9));
            }
            phase = "stopping";
            readLoad.stop(Duration.ofSeconds(60));
            writeLoad.stop(Duration.ofMinutes(2));
            if (uploadLoad != null) {
                uploadLoad.stop(Duration.ofSeconds(60));
            }
        } finally {
            ticker.shutdownNow();
        }

        phase = "check";
        List<KeyedWrites.Write> acknowledged = writes.acknowledged();
        List<String> lost = new ArrayList<>();
        for (KeyedWrites.Write write : acknowledged) {
            Api.Reply stored = api.get("/api/posts/" + write.postId());
            if (stored.status() != 200 || !write.body().equals(stored.text("body"))) {
                lost.add(write.postId() + " (" + stored.status() + ")");
            }
        }
        long photosWithoutThumbnail = photos.stream().filter(id -> !ready(api, token, id)).count();
        return report(reads, writeAttempts, uploads, writes, acknowledged, lost, photos.size(), photosWithoutThumbnail, faultAt, restoredAt, wholeAt);
    }

    /** What a drill does after breaking something: the restore, then a wait until the cluster is whole again. */
    private record Restore(Runnable restore, Runnable untilWhole) {
        static Restore of(Runnable restore, Runnable untilWhole) {
            return new Restore(restore, untilWhole);
        }
    }

    private Restore inject(Cluster.Status status, Duration faultFor) {
        return switch (drill) {
            case "node-kill" -> {
                Cluster.Host victim = target(status, "read_api", Set.of("read_api", "write_api"));
                Drills.kill9(victim);
                holdFault(faultFor);
                yield Restore.of(() -> up(status, victim), () -> waitServing(status, victim));
            }
            case "worker-kill" -> {
                Cluster.Host victim = status.group("worker").getFirst();
                facts.put("target", victim.name());
                Drills.kill9(victim);
                holdFault(faultFor);
                yield Restore.of(() -> up(status, victim), () -> waitUp(victim));
            }
            case "replica-kill" -> {
                Cluster.Host victim = status.group("db_replica").getFirst();
                facts.put("target", victim.name());
                Drills.kill9(victim);
                holdFault(faultFor);
                yield Restore.of(() -> up(status, victim), () -> waitReplicating(victim));
            }
            case "redis-kill" -> {
                Cluster.Host victim = status.group("redis_primary").getFirst();
                facts.put("target", victim.name());
                Drills.kill9(victim);
                waitUntil("Sentinel naming another Redis primary", Duration.ofSeconds(90),
                        () -> Cluster.status().group("redis_primary").stream().anyMatch(host -> !host.name().equals(victim.name()) && host.up()));
                facts.put("redisPrimaryPromotedAfterSeconds", round(seconds(System.nanoTime()) - seconds(faultStart())));
                holdFault(faultFor);
                yield Restore.of(() -> up(status, victim), () -> waitUp(victim));
            }
            case "primary-kill" -> {
                Cluster.Host primary = Drills.one(status, "db_primary");
                facts.put("target", primary.name());
                Drills.kill9(primary);
                waitUntil("a write failing after the kill", Duration.ofSeconds(30), () -> writeOutcomes.failed() > 0);
                long started = System.nanoTime();
                runCluster("failover");
                facts.put("failoverSeconds", round((System.nanoTime() - started) / 1e9));
                facts.put("newPrimary", Cluster.status().dbPrimary());
                yield Restore.of(() -> up(status, primary), () -> waitReplicating(primary));
            }
            case "partition" -> {
                Cluster.Host victim = target(status, "db_standby", Set.of("db_standby", "db_replica", "read_api", "write_api", "worker"));
                Partition partition = Partition.cut(status, victim);
                System.out.printf("[drill] t=%5.1fs partition: %s cut off (nftables table %s drops ports %s and its connections %s)%n", seconds(System.nanoTime()), victim.name(),
                        Partition.table(status), partition.ports(), partition.connections());
                facts.put("cutConnections", partition.connections().size());
                observeDuringPartition(status, victim, faultFor);
                yield Restore.of(() -> {
                    Partition.heal(status);
                    System.out.printf("[drill] t=%5.1fs partition: healed (%s reachable again)%n", seconds(System.nanoTime()), victim.name());
                }, () -> waitAfterPartition(status, victim));
            }
            default -> throw new UsageException("no drill " + drill);
        };
    }

    // The partition's effect, seen from outside, so a cut that cut nothing shows: a standby that
    // stops acknowledging turns the primary's semi-sync OFF; an API node or a read replica leaves
    // the balancer. A worker's cut shows nowhere outside it (its jobs only wait): not checked.
    private void observeDuringPartition(Cluster.Status status, Cluster.Host victim, Duration faultFor) {
        long end = System.nanoTime() + faultFor.toNanos();
        boolean observable = !victim.group().equals("worker");
        boolean seen = false;
        while (System.nanoTime() < end) {
            if (observable && !seen) {
                seen = victim.group().equals("db_standby")
                        ? "OFF".equals(primaryOf(Cluster.status()).db().semiSyncPrimary())
                        : "DOWN".equals(Haproxy.serverStatus(status, victim.name()).orElse("?"));
                if (seen) {
                    System.out.printf("[drill] t=%5.1fs partition: %s%n", seconds(System.nanoTime()), victim.group().equals("db_standby")
                            ? "the primary's semi-sync OFF (commits no longer wait for " + victim.name() + ")"
                            : "HAProxy marked " + victim.name() + " DOWN");
                    facts.put("partitionSeenAfterSeconds", round(seconds(System.nanoTime()) - seconds(faultStart())));
                }
            }
            pause(Duration.ofMillis(500));
        }
        if (observable) {
            facts.put("partitionSeen", seen);
        } else {
            notes.add("a worker's partition is not visible from outside; its jobs wait (see the photos line)");
        }
    }

    private void waitAfterPartition(Cluster.Status status, Cluster.Host victim) {
        switch (victim.group()) {
            case "db_standby" -> waitUntil(victim.name() + " caught up (the primary's semi-sync ON with a standby)", Duration.ofMinutes(3), () -> {
                Cluster.Host primary = primaryOf(Cluster.status());
                return "ON".equals(primary.db().semiSyncPrimary()) && primary.db().semiSyncClients() != null && primary.db().semiSyncClients() >= 1;
            });
            case "db_replica" -> waitReplicating(victim);
            case "worker" -> waitUp(victim);
            default -> waitServing(status, victim);
        }
    }

    private static Cluster.Host primaryOf(Cluster.Status status) {
        return status.host(status.dbPrimary());
    }

    private long faultStart() {
        return faultAt;
    }

    private Cluster.Host target(Cluster.Status status, String defaultGroup, Set<String> allowed) {
        String name = options.get("target");
        Cluster.Host host;
        if (name == null) {
            List<Cluster.Host> candidates = status.group(defaultGroup);
            if (candidates.isEmpty()) {
                throw new UsageException("no host of group " + defaultGroup);
            }
            host = candidates.getFirst();
        } else {
            host = status.hosts().stream().filter(h -> h.name().equals(name)).findFirst()
                    .orElseThrow(() -> new UsageException("no host " + name + " (hosts: " + status.hosts().stream().map(Cluster.Host::name).toList() + ")"));
        }
        if (!allowed.contains(host.group())) {
            throw new UsageException(drill + " takes a host of " + new TreeSet<>(allowed) + ", not " + host.name() + " (" + host.group() + ")"
                    + (host.group().equals("db_primary") ? ": the primary's loss is primary-kill" : ""));
        }
        facts.put("target", host.name());
        return host;
    }

    private void holdFault(Duration faultFor) {
        pause(faultFor);
    }

    /** `scripts/cluster up STAGE --limit HOST,<every host that is not an app node>` (the playbook checks an app node's dependencies). */
    private void up(Cluster.Status status, Cluster.Host victim) {
        List<String> limit = new ArrayList<>(List.of(victim.name()));
        status.hosts().stream().filter(host -> !APP_GROUPS.contains(host.group()) && !host.name().equals(victim.name()))
                .map(Cluster.Host::name).forEach(limit::add);
        long started = System.nanoTime();
        runCluster("up", status.stage(), "--limit", String.join(",", limit));
        facts.put("upSeconds", round((System.nanoTime() - started) / 1e9));
    }

    private void runCluster(String... args) {
        List<String> command = new ArrayList<>();
        command.add(Cluster.repo().resolve("scripts/cluster").toString());
        command.addAll(List.of(args));
        System.out.printf("[drill] t=%5.1fs scripts/cluster %s%n", seconds(System.nanoTime()), String.join(" ", args));
        long started = System.nanoTime();
        Cluster.Result result = Cluster.run(command, Duration.ofMinutes(10));
        System.out.printf("[drill] t=%5.1fs scripts/cluster %s: exit %d after %.1f s%n", seconds(System.nanoTime()), args[0], result.exitCode(),
                (System.nanoTime() - started) / 1e9);
        if (result.exitCode() != 0) {
            System.out.print(result.output());
            throw new IllegalStateException("scripts/cluster " + String.join(" ", args) + " failed (exit " + result.exitCode() + ")");
        }
    }

    private void waitUp(Cluster.Host host) {
        waitUntil(host.name() + " up", Duration.ofMinutes(3), () -> Cluster.status().host(host.name()).up());
    }

    private void waitReplicating(Cluster.Host host) {
        waitUntil(host.name() + " up and replicating", Duration.ofMinutes(3), () -> {
            Cluster.Host now = Cluster.status().host(host.name());
            if (now.db() == null) {
                // A group whose database details status does not report: running is all it can tell.
                return now.up();
            }
            Map<String, Object> replication = now.db().replication();
            return now.up() && replication != null && "Yes".equals(replication.get("io")) && "Yes".equals(replication.get("sql"));
        });
    }

    private void waitServing(Cluster.Status status, Cluster.Host host) {
        waitUntil(host.name() + " up and in the balancer", Duration.ofMinutes(3),
                () -> Cluster.status().host(host.name()).up() && "UP".equals(Haproxy.serverStatus(status, host.name()).orElse("?")));
    }

    private void waitUntil(String what, Duration atMost, BooleanSupplier condition) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("gave up waiting for " + what + " after " + atMost.toSeconds() + " s");
            }
            pause(Duration.ofMillis(500));
        }
        System.out.printf("[drill] t=%5.1fs %s%n", seconds(System.nanoTime()), what);
    }

    private int report(Outcomes reads, Outcomes writeAttempts, Outcomes uploads, KeyedWrites writes, List<KeyedWrites.Write> acknowledged,
                       List<String> lost, int photos, long photosWithoutThumbnail, long faultAt, long restoredAt, long wholeAt) {
        List<Outcomes.Attempt> all = new ArrayList<>(reads.attempts());
        all.addAll(writeAttempts.attempts());
        all.addAll(uploads.attempts());
        long failedReads = reads.failed();
        long fiveXx = all.stream().filter(attempt -> attempt.status() >= 500).count();
        long firstFailure = all.stream().filter(a -> !a.ok()).mapToLong(Outcomes.Attempt::startNanos).min().orElse(0);
        long lastFailure = all.stream().filter(a -> !a.ok()).mapToLong(Outcomes.Attempt::endNanos).max().orElse(0);
        double failureWindow = firstFailure == 0 ? 0 : (lastFailure - firstFailure) / 1e9;
        long writesFailedFrom = writeAttempts.firstFailureStart().orElse(0L);
        double writeWindow = writesFailedFrom == 0 ? -2 : writeAttempts.firstSuccessEndAfter(writesFailedFrom).map(end -> (end - writesFailedFrom) / 1e9).orElse(-1.0);

        Map<String, Boolean> targets = new LinkedHashMap<>();
        targets.put("acknowledged writes lost = 0", lost.isEmpty());
        if (drill.equals("node-kill") || drill.equals("replica-kill")) {
            targets.put("failed GETs = 0", failedReads == 0);
        }
        if (drill.equals("redis-kill")) {
            targets.put("5xx = 0", fiveXx == 0);
        }
        if (drill.equals("worker-kill")) {
            targets.put("accepted photos without a thumbnail = 0", photosWithoutThumbnail == 0);
        }
        if (facts.containsKey("partitionSeen")) {
            targets.put("partition visible (cut took effect)", Boolean.TRUE.equals(facts.get("partitionSeen")));
        }
        boolean met = targets.values().stream().allMatch(Boolean::booleanValue);

        System.out.printf("%n== drill %s: %s ==%n", drill, facts.getOrDefault("target", ""));
        System.out.printf("requests        %d: reads %d, write attempts %d%s%n", all.size(), reads.sent(), writeAttempts.sent(),
                uploads.sent() == 0 ? "" : ", photo uploads " + uploads.sent());
        System.out.printf("failed          reads %d %s, write attempts %d %s%s%n", failedReads, reads.failedByKind(), writeAttempts.failed(),
                writeAttempts.failedByKind(), uploads.sent() == 0 ? "" : ", uploads " + uploads.failed() + " " + uploads.failedByKind());
        System.out.printf("served by       reads %s, writes %s%n", reads.byNode(), writeAttempts.byNode());
        System.out.printf("slowest         read %.1f s, write attempt %.1f s (answered or not)%n", slowest(reads), slowest(writeAttempts));
        System.out.printf("writes          %d logical, %d acknowledged, %d found afterwards, %d LOST, %d never acknowledged (gave up)%n",
                writes.all().size(), acknowledged.size(), acknowledged.size() - lost.size(), lost.size(), writes.all().size() - acknowledged.size());
        if (photos > 0) {
            System.out.printf("photos          %d accepted, %d without a thumbnail at the end%n", photos, photosWithoutThumbnail);
        }
        System.out.printf("failure window  %s%n", firstFailure == 0 ? "none: no request failed"
                : "%.1f s (first failed request sent at %.1f s, last failed one ended %.1f s); %s".formatted(failureWindow,
                        seconds(firstFailure), seconds(lastFailure), writeWindow == -2 ? "no write failed" : writeWindow < 0 ? "writes failing for the rest of the drill"
                                : "writes failing for %.1f s".formatted(writeWindow)));
        System.out.printf("recovery        fault at %.1f s, restore from %.1f s, whole again at %.1f s: %.1f s from fault to whole %s%n",
                seconds(faultAt), seconds(restoredAt), seconds(wholeAt), (wholeAt - faultAt) / 1e9, facts);
        targets.forEach((name, ok) -> System.out.printf("target          %s: %s%n", name, ok ? "met" : "MISSED"));
        notes.forEach(note -> System.out.println("note            " + note));
        if (!lost.isEmpty()) {
            System.out.println("lost            " + lost);
        }
        System.out.println(met ? "RESULT: targets met" : "RESULT: TARGETS MISSED");

        Map<String, Object> result = new LinkedHashMap<>();
        result.put("drill", drill);
        result.put("skipped", false);
        result.put("requests", all.size());
        result.put("reads", reads.sent());
        result.put("failedReads", failedReads);
        result.put("writeAttempts", writeAttempts.sent());
        result.put("failedWriteAttempts", writeAttempts.failed());
        result.put("fiveXx", fiveXx);
        result.put("writesAcknowledged", acknowledged.size());
        result.put("writesFound", acknowledged.size() - lost.size());
        result.put("writesLost", lost.size());
        result.put("photos", photos);
        result.put("photosWithoutThumbnail", photosWithoutThumbnail);
        result.put("failureWindowSeconds", round(failureWindow));
        result.put("writeFailureWindowSeconds", writeWindow == -2 ? 0 : round(writeWindow));
        result.put("slowestReadSeconds", round(slowest(reads)));
        result.put("slowestWriteAttemptSeconds", round(slowest(writeAttempts)));
        result.put("faultToWholeSeconds", round((wholeAt - faultAt) / 1e9));
        result.putAll(facts);
        result.put("targetsMet", met);
        System.out.printf("[drill-result] %s%n", toJson(result));
        return met ? 0 : 1;
    }

    private static double slowest(Outcomes outcomes) {
        return outcomes.attempts().stream().mapToLong(attempt -> attempt.endNanos() - attempt.startNanos()).max().orElse(0) / 1e9;
    }

    private static boolean ready(Api api, String token, String photoId) {
        Api.Reply photo = api.get("/api/photos/" + photoId, bearer(token));
        return photo.status() == 200 && "ready".equals(photo.text("status"));
    }

    private static byte[] png() {
        BufferedImage image = new BufferedImage(320, 200, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < image.getWidth(); x++) {
            image.setRGB(x, x % image.getHeight(), 0x3366cc);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static String idOf(String body) {
        try {
            return JSON.readTree(body).get("id").asText();
        } catch (IOException e) {
            throw new UncheckedIOException("no id in " + body, e);
        }
    }

    private int intOption(String name, int fallback) {
        String value = options.get(name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < 0 || parsed > 3600) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " takes a whole number from 0 to 3600, not " + value);
        }
    }

    private double seconds(long nanos) {
        return (nanos - origin) / 1e9;
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    private static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** HAProxy's view of a server, from the stats page's CSV (status UP, DOWN, MAINT, ...). */
    static final class Haproxy {
        private Haproxy() {
        }

        static java.util.Optional<String> serverStatus(Cluster.Status status, String server) {
            try {
                HttpResponse<String> csv = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create(status.statsUrl() + "/stats;csv")).timeout(Duration.ofSeconds(5)).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                String[] lines = csv.body().split("\n");
                List<String> header = List.of(lines[0].replaceFirst("^# ", "").split(","));
                int name = header.indexOf("svname");
                int state = header.indexOf("status");
                for (String line : lines) {
                    String[] fields = line.split(",", -1);
                    if (fields.length > state && fields[name].equals(server)) {
                        return java.util.Optional.of(fields[state].split(" ")[0]);
                    }
                }
                return java.util.Optional.empty();
            } catch (IOException e) {
                return java.util.Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * A host cut off the network: an nftables table of its own (one per cluster, named after its
     * port base) whose output chain drops every packet to or from the host's listening ports and
     * of the connections it had opened to others (its replication link, its pools). On the
     * loopback every packet passes the output hook once, so this cuts both directions; the host
     * itself keeps running. Connections it opens during the cut are not covered (no per-process
     * match in nftables without cgroup v2 at /sys/fs/cgroup). Only this cluster's ports and these
     * exact connections match, so nothing else on the machine is touched.
     */
    record Partition(Set<Integer> ports, List<String> connections) {
        static String table(Cluster.Status status) {
            int https = status.group("lb").getFirst().port("https");
            return "ladder_drill_" + (https - 443);
        }

        static Partition cut(Cluster.Status status, Cluster.Host host) {
            Set<Integer> ports = new TreeSet<>(host.ports().values());
            List<String> connections = new ArrayList<>();
            StringBuilder rules = new StringBuilder();
            String joined = ports.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElseThrow();
            rules.append("tcp dport { ").append(joined).append(" } drop\n");
            rules.append("tcp sport { ").append(joined).append(" } drop\n");
            Set<Long> pids = processTree(host.pid());
            for (String line : command(List.of("ss", "-tnpH")).split("\n")) {
                Matcher m = SS_LINE.matcher(line.strip());
                if (!m.find() || SS_PID.matcher(m.group(5)).results().noneMatch(pid -> pids.contains(Long.parseLong(pid.group(1))))) {
                    continue;
                }
                int local = Integer.parseInt(m.group(2));
                int peer = Integer.parseInt(m.group(4));
                if (ports.contains(local)) {
                    continue;
                }
                connections.add(local + "->" + peer);
                rules.append("tcp sport ").append(local).append(" tcp dport ").append(peer).append(" drop\n");
                rules.append("tcp sport ").append(peer).append(" tcp dport ").append(local).append(" drop\n");
            }
            String ruleset = "table inet " + table(status) + " {\n chain output {\n  type filter hook output priority 0; policy accept;\n"
                    + rules.toString().indent(2) + " }\n}\n";
            nft(ruleset);
            Thread cleanup = new Thread(() -> heal(status));
            Runtime.getRuntime().addShutdownHook(cleanup);
            return new Partition(ports, connections);
        }

        static void heal(Cluster.Status status) {
            if (status.group("lb").isEmpty()) {
                return;
            }
            String table = table(status);
            if (command(List.of("nft", "list", "tables")).lines().anyMatch(line -> line.strip().equals("table inet " + table))) {
                command(List.of("nft", "delete", "table", "inet", table));
            }
        }

        private static Set<Long> processTree(Long pid) {
            Set<Long> pids = new TreeSet<>();
            if (pid == null) {
                return pids;
            }
            ProcessHandle.of(pid).ifPresent(process -> {
                pids.add(process.pid());
                process.descendants().forEach(child -> pids.add(child.pid()));
            });
            return pids;
        }

        private static void nft(String ruleset) {
            try {
                Process process = new ProcessBuilder("nft", "-f", "-").redirectErrorStream(true).start();
                process.getOutputStream().write(ruleset.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                process.getOutputStream().close();
                String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (process.waitFor() != 0) {
                    throw new IllegalStateException("nft refused the partition's rules: " + output + "\n" + ruleset);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run nft (scripts/drill installs nftables)", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private static String command(List<String> command) {
            Cluster.Result result = Cluster.run(command, Duration.ofSeconds(30));
            if (result.exitCode() != 0) {
                throw new IllegalStateException(command + " failed: " + result.output());
            }
            return result.output();
        }
    }

}
