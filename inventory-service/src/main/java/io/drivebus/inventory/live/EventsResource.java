package io.drivebus.inventory.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.inventory.api.Problem;
import io.drivebus.inventory.api.ReadAccess;
import io.drivebus.schemas.MessageCodec;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code GET /api/events[?library=L]}: the live stream as server-sent events. First {@code event: hello} (sent once the
 * stream is registered: from then on nothing is missed), then one {@code event: change} per applied record (its id the
 * event's envelope id, its data the {@link Change}), and a comment every 15 s.
 *
 * <p>Why a Vert.x route rather than a JAX-RS SSE resource: at a few thousand changes a second, serialising and flushing
 * every event on its own took a fifth of the service's CPU. Here the changes that arrive together (a batch's commit
 * delivers its notifications in one read from PostgreSQL) go out in one write, as the text the projection sent.
 */
@ApplicationScoped
public class EventsResource {

    /** Keeps proxies and browsers from closing an idle stream. */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);

    @Inject
    ChangeFeed feed;

    @Inject
    ReadAccess reads;

    @Inject
    Vertx vertx;

    private final ObjectMapper json = MessageCodec.newObjectMapper();

    void register(@Observes Router router) {
        router.get("/api/events").handler(this::events);
    }

    void events(RoutingContext rc) {
        if (reads.requireAuth() && anonymous(rc)) {
            // as the JAX-RS reads answer (ReadAccess, ProblemMapper)
            rc.response().setStatusCode(401).putHeader("Content-Type", Problem.MEDIA_TYPE).putHeader("WWW-Authenticate", "Bearer")
                    .end(write(new Problem(Problem.TYPE_BASE + "unauthorized", "Unauthorized", 401,
                            "reads require a bearer token here (drivebus.inventory.reads-require-auth)")));
            return;
        }
        String library = rc.queryParams().get("library");
        String only = library == null || library.isBlank() ? null : library;
        HttpServerResponse response = rc.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
        Stream stream = new Stream(response, Vertx.currentContext());
        AutoCloseable registration = feed.listen(only, stream);
        stream.event("hello", null, ChangeFeed.json(Change.hello(only)));
        long heartbeat = vertx.setPeriodic(HEARTBEAT.toMillis(), t -> stream.comment("heartbeat"));
        response.closeHandler(v -> {
            vertx.cancelTimer(heartbeat);
            try {
                registration.close();
            } catch (Exception e) {
                // nothing held
            }
        });
    }

    private static boolean anonymous(RoutingContext rc) {
        return !(rc.user() instanceof QuarkusHttpUser u) || u.getSecurityIdentity().isAnonymous();
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * One subscriber's stream. Changes are told on the feed's thread; they are queued as SSE text and written on the
     * response's own context, all that is queued in one write. A subscriber more than {@value ChangeFeed#SUBSCRIBER_BUFFER}
     * changes behind is cut off: its EventSource reconnects and reloads.
     */
    static final class Stream implements ChangeFeed.Listener {
        private final HttpServerResponse response;
        private final Context context;
        private final Queue<String> pending = new ConcurrentLinkedQueue<>();
        private final AtomicInteger behind = new AtomicInteger();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private volatile boolean ended;

        Stream(HttpServerResponse response, Context context) {
            this.response = response;
            this.context = context;
        }

        @Override
        public void tell(String eventId, String json) {
            event("change", eventId, json);
        }

        @Override
        public void end() {
            if (!ended) {
                ended = true;
                context.runOnContext(v -> {
                    if (!response.ended() && !response.closed()) {
                        response.end();
                    }
                });
            }
        }

        void event(String name, String id, String data) {
            queue("event: " + name + "\n" + (id == null ? "" : "id: " + id + "\n") + "data: " + data + "\n\n");
        }

        void comment(String text) {
            queue(": " + text + "\n\n");
        }

        private void queue(String text) {
            if (ended) {
                return;
            }
            if (behind.incrementAndGet() > ChangeFeed.SUBSCRIBER_BUFFER) {
                end();
                return;
            }
            pending.add(text);
            if (scheduled.compareAndSet(false, true)) {
                context.runOnContext(v -> flush());
            }
        }

        private void flush() {
            scheduled.set(false);
            if (ended || response.closed()) {
                return;
            }
            if (response.writeQueueFull()) {
                response.drainHandler(v -> flush());
                return;
            }
            StringBuilder text = new StringBuilder();
            int n = 0;
            for (String t; (t = pending.poll()) != null; n++) {
                text.append(t);
            }
            behind.addAndGet(-n);
            if (n > 0) {
                response.write(text.toString());
            }
        }
    }
}
