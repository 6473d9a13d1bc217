package dev.appliance.inference.admission;

import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * A graceful stop. Counts the HTTP requests in flight (as a filter) and, when the service is told to stop:
 * turns readiness DOWN at once, keeps answering for the drain period so a load balancer's health check
 * notices and sends no more, then waits for the requests still in flight (up to the drain timeout). Only
 * then may the server close its port.
 */
public final class Drain implements Filter {

    private static final Logger LOG = Logger.getLogger(Drain.class.getName());

    private final Duration period;
    private final Duration timeout;
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean draining;

    /** A drain that answers for {@code period}, then waits up to {@code timeout} for requests in flight. */
    public Drain(Duration period, Duration timeout) {
        this.period = period;
        this.timeout = timeout;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest request, RoutingResponse response) {
        inFlight.incrementAndGet();
        try {
            chain.proceed();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    /** Whether a stop has begun: readiness is DOWN. */
    public boolean draining() {
        return draining;
    }

    /** HTTP requests being answered right now. */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * Turns readiness DOWN, keeps answering for the drain period, then waits for the requests in flight. Returns
     * when the server may stop; the caller stops it.
     */
    public void run() {
        draining = true;
        LOG.info(() -> "stopping: readiness is DOWN; answering for " + period.toMillis() + " ms more (requests"
                + ".drain-period), then waiting up to " + timeout.toMillis() + " ms for " + inFlight()
                + " requests in flight");
        try {
            Thread.sleep(period);
            long until = System.nanoTime() + timeout.toNanos();
            // Polled, so that counting a request costs two atomic operations and nothing else.
            while (inFlight.get() > 0 && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            if (inFlight.get() > 0) {
                LOG.warning(inFlight.get() + " requests were still in flight after requests.drain-timeout ("
                        + timeout.toMillis() + " ms); stopping anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warning("drain interrupted; stopping now");
        }
    }

    /** Readiness: DOWN once a stop has begun. */
    public HealthCheck readiness() {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return "drain";
            }

            @Override
            public HealthCheckResponse call() {
                return HealthCheckResponse.builder()
                        .status(!draining)
                        .detail("state", draining ? "stopping: draining requests in flight" : "serving")
                        .build();
            }
        };
    }
}
