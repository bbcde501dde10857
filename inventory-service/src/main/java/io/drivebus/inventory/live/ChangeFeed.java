package io.drivebus.inventory.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.schemas.MessageCodec;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.logging.Logger;

/**
 * The live stream of projection changes, for every replica.
 *
 * <p>Why PostgreSQL NOTIFY and not an in-memory bus: replicas share one consumer group, so each projects only its
 * partitions' libraries; a dashboard connected to any replica must still see every library change. The projection
 * sends {@code pg_notify} inside the transaction that applies a record, PostgreSQL delivers it to every listening
 * replica only if (and once) that transaction commits, and each replica fans it out to its own SSE subscribers.
 */
@ApplicationScoped
public class ChangeFeed {

    private static final Logger LOG = Logger.getLogger(ChangeFeed.class);
    static final String CHANNEL = "drivebus_inventory";
    /** Changes a slow SSE subscriber may fall behind by before it is cut off (its EventSource reconnects and reloads). */
    static final int SUBSCRIBER_BUFFER = 1024;

    @Inject
    Vertx vertx;

    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    Optional<String> user;

    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> password;

    private final ObjectMapper json = MessageCodec.newObjectMapper();
    private final Set<MultiEmitter<? super Change>> subscribers = new CopyOnWriteArraySet<>();
    private PgSubscriber subscriber;
    private volatile boolean stopped;

    /** Inside the applying transaction: told to every replica's subscribers once (and only if) it commits. */
    public Uni<Void> notify(Mutiny.Session s, Change change) {
        String payload;
        try {
            payload = json.writeValueAsString(change);
        } catch (JsonProcessingException e) {
            return Uni.createFrom().failure(e);
        }
        return s.createNativeQuery("SELECT count(*) FROM (SELECT pg_notify(:channel, :payload)) n", Long.class)
                .setParameter("channel", CHANNEL).setParameter("payload", payload)
                .getSingleResult().replaceWithVoid();
    }

    /**
     * Changes from now on, of one library or (null) of all. The first item is a {@code hello} (what = [hello]),
     * emitted once the subscriber is registered: after it, no change is missed.
     */
    public Multi<Change> changes(String library) {
        String only = library == null || library.isBlank() ? null : library;
        return Multi.createFrom().<Change>emitter(em -> {
            subscribers.add(em);
            em.onTermination(() -> subscribers.remove(em));
            em.emit(Change.hello(only));
        }, SUBSCRIBER_BUFFER).select().where(c -> only == null || only.equals(c.library()));
    }

    void start(@Observes StartupEvent ev) {
        String uri = url.startsWith("vertx-reactive:") ? url.substring("vertx-reactive:".length()) : url;
        uri = uri.split(",")[0];
        PgConnectOptions options = PgConnectOptions.fromUri(uri);
        user.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        subscriber = PgSubscriber.subscriber(vertx, options);
        // a lost connection is re-established and LISTEN re-issued; missed changes are what a reconnecting
        // dashboard reloads anyway
        subscriber.reconnectPolicy(retries -> stopped ? -1L : Math.min(500L * (retries + 1), 5_000L));
        subscriber.channel(CHANNEL).handler(this::deliver);
        connect();
    }

    private void connect() {
        subscriber.connect().subscribe().with(ok -> LOG.debugf("listening on %s", CHANNEL), failure -> {
            LOG.warnf("cannot LISTEN for inventory changes (retrying): %s", failure.toString());
            if (!stopped) {
                vertx.setTimer(2_000, t -> connect());
            }
        });
    }

    private void deliver(String payload) {
        Change change;
        try {
            change = json.readValue(payload, Change.class);
        } catch (JsonProcessingException e) {
            LOG.warnf("unreadable change notification: %s", e.getMessage());
            return;
        }
        for (MultiEmitter<? super Change> em : subscribers) {
            em.emit(change);
        }
    }

    void stop(@Observes ShutdownEvent ev) {
        stopped = true;
        subscribers.forEach(MultiEmitter::complete);
        if (subscriber != null) {
            subscriber.close().subscribe().with(v -> { }, f -> { });
        }
    }
}
