package dev.ladder.ops;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The one policy of the circuit breakers in front of what a node can do without (the Redis cache,
 * Redis rate limits, the read replicas): open when half of the last 20 calls failed (at least 5
 * made), stay open openFor, then let trialCalls through to decide. Every exception counts.
 */
public final class Breakers {
    private Breakers() {
    }

    public static CircuitBreaker of(String name, Duration openFor, int trialCalls) {
        return CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(20)
                .minimumNumberOfCalls(5)
                .failureRateThreshold(50)
                .waitDurationInOpenState(openFor)
                .permittedNumberOfCallsInHalfOpenState(trialCalls)
                .build());
    }

    /** metric{state=closed|open|half_open}: 1 for the state breaker is in, 0 for the others. */
    public static void stateGauge(CircuitBreaker breaker, String metric, String description, MeterRegistry metrics) {
        for (CircuitBreaker.State state : List.of(CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN, CircuitBreaker.State.HALF_OPEN)) {
            Gauge.builder(metric, breaker, current -> current.getState() == state ? 1 : 0)
                    .description(description)
                    .tag("state", state.name().toLowerCase(Locale.ROOT)).register(metrics);
        }
    }
}
