package io.drivebus.inventory.live;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.schemas.MessageCodec;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.time.Duration;
import org.eclipse.microprofile.openapi.annotations.Operation;

@Path("/api/events")
public class EventsResource {

    /** Keeps proxies and browsers from closing an idle stream. */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);

    @Inject
    ChangeFeed feed;

    private final ObjectMapper json = MessageCodec.newObjectMapper();

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Server-sent events: one 'change' per applied record (library, what changed, event type), "
            + "optionally of one library; a comment every 15 s")
    public Multi<OutboundSseEvent> events(@QueryParam("library") String library, @Context Sse sse) {
        // the first event, 'hello', is sent once the stream is registered: from then on nothing is missed
        Multi<OutboundSseEvent> changes = feed.changes(library).map(c -> {
            OutboundSseEvent.Builder b = sse.newEventBuilder().name(c.what().contains("hello") ? "hello" : "change");
            if (c.eventId() != null) {
                b.id(c.eventId());
            }
            return b.mediaType(MediaType.APPLICATION_JSON_TYPE).data(String.class, write(c)).build();
        });
        Multi<OutboundSseEvent> heartbeats = Multi.createFrom().ticks().every(HEARTBEAT)
                .map(t -> sse.newEventBuilder().comment("heartbeat").build());
        return Multi.createBy().merging().streams(changes, heartbeats);
    }

    private String write(Object o) {
        try {
            return json.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
