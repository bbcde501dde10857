package io.drivebus.inventory.live;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import org.eclipse.microprofile.config.inject.ConfigProperty;
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
    public static final int SUBSCRIBER_BUFFER = 1024;

    @Inject
    Vertx vertx;

    @ConfigProperty(name = "quarkus.datasource.reactive.url")
    String url;

    @ConfigProperty(name = "quarkus.datasource.username")
    Optional<String> user;

    @ConfigProperty(name = "quarkus.datasource.password")
    Optional<String> password;

    private static final JsonFactory JSON = new JsonFactory();
    private final Set<Subscription> subscribers = new CopyOnWriteArraySet<>();
    private final List<java.util.function.Consumer<String>> libraryListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private PgSubscriber subscriber;
    private volatile boolean stopped;

    /**
     * Inside the applying transaction, in their order: told to every replica's subscribers once (and only if) it
     * commits. One statement for a batch's changes (PostgreSQL delivers a transaction's notifications in the order they
     * were sent).
     */
    public Uni<Void> notifyChanges(SqlConnection c, List<Change> changes) {
        if (changes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] payloads = new String[changes.size()];
        java.util.TreeSet<String> libraries = new java.util.TreeSet<>();
        for (int i = 0; i < payloads.length; i++) {
            payloads[i] = json(changes.get(i));
            if (changes.get(i).library() != null) {
                libraries.add(changes.get(i).library());
            }
        }
        return c.preparedQuery(NOTIFY).execute(Tuple.of(CHANNEL, payloads, libraries.toArray(String[]::new))).replaceWithVoid();
    }

    /**
     * One statement: gives each changed library a new version ({@code library_version}, a sequence value never used
     * before) and sends the changes. Replicas check that version before serving a cached inventory, so a change is
     * visible on the next request even on a replica the NOTIFY has not reached yet. The libraries come sorted and this
     * is the transaction's last statement: two batches that change the same libraries wait for each other's commit
     * rather than deadlock. (A data-modifying WITH runs to completion whether or not the query reads it.)
     */
    static final String NOTIFY = """
            WITH changed AS (INSERT INTO library_version (library_id, version)
                                 SELECT l, nextval('library_version_seq') FROM unnest($3::text[]) WITH ORDINALITY AS v (l, n) ORDER BY n
                             ON CONFLICT (library_id) DO UPDATE SET version = EXCLUDED.version)
            SELECT count(pg_notify($1, p)) FROM unnest($2::text[]) WITH ORDINALITY AS v (p, n)""";

    /**
     * A change as JSON, the way Jackson writes the record (absent rather than null fields, ISO-8601 time), written
     * field by field: at thousands of changes a second, binding the record both ways was a tenth of the service's CPU.
     */
    static String json(Change c) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            field(g, "library", c.library());
            if (c.what() != null) {
                g.writeArrayFieldStart("what");
                for (String w : c.what()) {
                    g.writeString(w);
                }
                g.writeEndArray();
            }
            field(g, "type", c.type());
            field(g, "eventId", c.eventId());
            field(g, "reservationId", c.reservationId());
            field(g, "drive", c.drive());
            field(g, "occurredAt", c.occurredAt() == null ? null : c.occurredAt().toString());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void field(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    /** A subscriber of the live stream: told each change (its event id, and its JSON) on the feed's thread. */
    public interface Listener {
        void tell(String eventId, String json);

        /** The service stops, or the subscriber is too far behind: its stream ends. */
        void end();
    }

    private record Subscription(String library, Listener listener) {
    }

    /**
     * Changes from now on, of one library or (null) of all; the registration is closed to stop. Registered when this
     * returns: no change after that is missed.
     */
    public AutoCloseable listen(String library, Listener listener) {
        Subscription s = new Subscription(library == null || library.isBlank() ? null : library, listener);
        subscribers.add(s);
        return () -> subscribers.remove(s);
    }

    /**
     * Calls {@code listener} with the library of every change any replica commits, before this replica's live-stream
     * subscribers are told of it; on the event loop, so it must not block. For caches: a change may also arrive late or
     * (while the LISTEN connection is re-established) not at all, so a cache needs its own check as well.
     */
    public void onChange(java.util.function.Consumer<String> listener) {
        libraryListeners.add(listener);
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
        // only what the subscribers are picked by and the event id: the JSON itself is what they are sent
        String library = null;
        String eventId = null;
        try (JsonParser p = JSON.createParser(payload)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "library" -> library = p.getValueAsString();
                    case "eventId" -> eventId = p.getValueAsString();
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            LOG.warnf("unreadable change notification: %s", e.getMessage());
            return;
        }
        if (library != null) {
            for (java.util.function.Consumer<String> l : libraryListeners) {
                try {
                    l.accept(library);
                } catch (RuntimeException e) {
                    LOG.warnf("a change listener failed: %s", e.toString());
                }
            }
        }
        for (Subscription s : subscribers) {
            if (s.library() == null || s.library().equals(library)) {
                s.listener().tell(eventId, payload);
            }
        }
    }

    void stop(@Observes ShutdownEvent ev) {
        stopped = true;
        subscribers.forEach(s -> s.listener().end());
        if (subscriber != null) {
            subscriber.close().subscribe().with(v -> { }, f -> { });
        }
    }
}
