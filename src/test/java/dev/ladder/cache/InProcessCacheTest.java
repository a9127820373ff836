package dev.ladder.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InProcessCacheTest {
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

    private InProcessCache<String> cache(Duration negativeTtl) {
        return new InProcessCache<>("test", 1 << 20, new CachePolicy(Duration.ofMinutes(1), negativeTtl, 10), String::length, metrics);
    }

    @Test
    void manyConcurrentMissesOfOneKeyLoadItOnce() throws Exception {
        InProcessCache<String> cache = cache(Duration.ofSeconds(5));
        AtomicInteger loads = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        int callers = 32;
        List<Future<Optional<String>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < callers; i++) {
                results.add(pool.submit(() -> cache.get("hot", key -> {
                    loads.incrementAndGet();
                    await().atMost(Duration.ofSeconds(30)).until(() -> release.getCount() == 0);
                    return Optional.of("loaded");
                })));
            }
            // Every caller has missed and is waiting for the one load before it is let go.
            await().atMost(Duration.ofSeconds(30)).until(() -> loads.get() == 1);
            Thread.sleep(200); // give any second (wrong) load the chance to start
            release.countDown();
            for (Future<Optional<String>> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).contains("loaded");
            }
        }
        assertThat(loads).hasValue(1);
        assertThat(metrics.get("cache.loads").tag("cache", "test").tag("result", "found").timer().count()).isEqualTo(1);
    }

    @Test
    void aLoadThatFindsNothingIsRememberedAsAbsent() {
        InProcessCache<String> cache = cache(Duration.ofSeconds(30));
        AtomicInteger loads = new AtomicInteger();

        assertThat(cache.get("missing", key -> { loads.incrementAndGet(); return Optional.empty(); })).isEmpty();
        assertThat(cache.get("missing", key -> { loads.incrementAndGet(); return Optional.of("surprise"); })).isEmpty();

        assertThat(loads).hasValue(1);
        cache.invalidate("missing");
        assertThat(cache.get("missing", key -> Optional.of("there now"))).contains("there now");
    }

    @Test
    void absenceIsForgottenAfterTheNegativeTtl() {
        InProcessCache<String> cache = cache(Duration.ofMillis(200));
        cache.get("soon", key -> Optional.empty());

        await().atMost(Duration.ofSeconds(10)).until(() -> cache.get("soon", key -> Optional.of("created")).isPresent());
    }

    @Test
    void withoutANegativeTtlAbsenceIsNotRemembered() {
        InProcessCache<String> cache = cache(Duration.ZERO);
        cache.get("missing", key -> Optional.empty());

        assertThat(cache.get("missing", key -> Optional.of("found"))).contains("found");
    }

    @Test
    void valuesTheCallerDoesNotWantKeptAreNotKept() {
        InProcessCache<String> cache = cache(Duration.ZERO);
        cache.get("pending", key -> Optional.of("unsettled"), value -> !value.equals("unsettled"));

        assertThat(cache.get("pending")).isEmpty();
    }

    @Test
    void aLoadOverlappingAnInvalidationIsNotStored() throws Exception {
        InProcessCache<String> cache = cache(Duration.ZERO);
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch invalidated = new CountDownLatch(1);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Optional<String>> slow = pool.submit(() -> cache.get("post", key -> {
                loading.countDown();
                try {
                    invalidated.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return Optional.of("old version"); // read before the change committed
            }));
            loading.await();
            cache.invalidate("post"); // the change is acknowledged once this returns
            invalidated.countDown();
            assertThat(slow.get(30, TimeUnit.SECONDS)).as("the caller that asked before the change").contains("old version");
        }
        assertThat(cache.get("post", key -> Optional.of("new version"))).contains("new version");
    }

    @Test
    void aFailingLoadReachesItsCallerAndCachesNothing() {
        InProcessCache<String> cache = cache(Duration.ofSeconds(5));

        assertThatThrownBy(() -> cache.get("broken", key -> { throw new IllegalStateException("database down"); }))
                .isInstanceOf(IllegalStateException.class).hasMessage("database down");
        assertThat(cache.get("broken", key -> Optional.of("back"))).contains("back");
    }

    @Test
    void theOldConstructorKeepsTheOldBehaviour() {
        InProcessCache<String> cache = new InProcessCache<>("old", 1 << 20, Duration.ofMinutes(1), String::length, metrics);
        cache.put("a", "b");

        assertThat(cache.get("a")).contains("b");
        cache.invalidate("a");
        assertThat(cache.get("a")).isEmpty();
    }
}
