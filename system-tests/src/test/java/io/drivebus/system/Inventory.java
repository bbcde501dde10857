package io.drivebus.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.schemas.device.DriveStatus;
import io.drivebus.schemas.device.LibraryStatus;
import io.drivebus.schemas.device.SlotStatus;
import io.drivebus.stack.LocalStack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/** The inventory-service's REST API as the system tests read it: poll until a condition holds. */
final class Inventory {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final String baseUrl;
    private final Duration wait;

    Inventory(LocalStack stack, Duration wait) {
        this.baseUrl = stack.inventoryUrl();
        this.wait = wait;
    }

    /** A library's inventory once {@code condition} holds; an AssertionError with the last answer otherwise. */
    JsonNode awaitLibrary(String library, Predicate<JsonNode> condition) {
        return await("/api/libraries/" + library + "/inventory", condition);
    }

    JsonNode await(String path, Predicate<JsonNode> condition) {
        long deadline = System.nanoTime() + wait.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(baseUrl + path)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    last = JSON.readTree(r.body());
                    if (condition.test(last)) {
                        return last;
                    }
                }
                Thread.sleep(100);
            } catch (IOException e) {
                // not up yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("condition not met on " + path + " within " + wait + "; last: " + last);
    }

    /** Slot {@code n} of an inventory, or a missing node. */
    static JsonNode slot(JsonNode inv, int n) {
        for (JsonNode s : inv.path("slots")) {
            if (s.path("slot").asInt() == n) {
                return s;
            }
        }
        return JSON.missingNode();
    }

    /** Drive {@code id} of an inventory, or a missing node. */
    static JsonNode drive(JsonNode inv, String id) {
        for (JsonNode d : inv.path("drives")) {
            if (id.equals(d.path("id").asText())) {
                return d;
            }
        }
        return JSON.missingNode();
    }

    /**
     * Invariant 4: the inventory converges to the device status and the reservation events. Once the load has stopped,
     * its view of the library is the agent's latest status, slot by slot and drive by drive (state, volume, where a
     * drive's volume came from), at that status' sequence or later, and nothing in it is reserved, as the service's
     * answers say. Later statuses repeat the same library while nothing moves; one that moved it is waited out.
     */
    static void assertConverges(LocalStack stack, String library, Duration within) throws InterruptedException {
        Inventory inventory = new Inventory(stack, Duration.ofSeconds(10));
        long deadline = System.nanoTime() + within.toNanos();
        String differs = "";
        while (System.nanoTime() < deadline) {
            LibraryStatus status = EventHistory.read(stack.bootstrap(), io.drivebus.schemas.Topics.DEVICE_STATUS).messages.stream()
                    .map(m -> m.payload()).filter(p -> p instanceof LibraryStatus st && st.library().equals(library))
                    .map(LibraryStatus.class::cast).max(java.util.Comparator.comparingLong(LibraryStatus::sequence)).orElseThrow();
            var inv = inventory.awaitLibrary(library, i -> i.path("statusSequence").asLong() >= status.sequence());
            differs = differences(status, inv);
            if (differs.isEmpty()) {
                System.out.println("the inventory of " + library + " is the agent's status " + status.sequence() + " (" + status.slots().size()
                        + " slots, " + status.drives().size() + " drives), nothing reserved");
                return;
            }
            Thread.sleep(1_000);
        }
        throw new AssertionError("the inventory of " + library + " did not converge within " + within + ": " + differs);
    }

    /**
     * Where an inventory differs from an agent's status of the library (each slot's state and volume; each drive's state,
     * volume and source slot) or from a library nothing holds: empty when it is that status, with nothing reserved.
     */
    static String differences(LibraryStatus status, JsonNode inv) {
        List<String> d = new ArrayList<>();
        for (SlotStatus s : status.slots()) {
            var view = slot(inv, s.slot());
            if (!s.state().name().equals(view.path("state").asText()) || !Objects.equals(s.label(), text(view, "label"))) {
                d.add("slot " + s.slot() + ": agent " + s.state() + " " + s.label() + ", inventory " + view);
            }
            if (view.path("reserved").asBoolean()) {
                d.add("slot " + s.slot() + " still reserved: " + view);
            }
        }
        for (DriveStatus ds : status.drives()) {
            var view = drive(inv, ds.id());
            if (!ds.state().name().equals(view.path("state").asText()) || !Objects.equals(ds.label(), text(view, "label"))
                    || !Objects.equals(ds.sourceSlot(), view.path("sourceSlot").isNumber() ? view.path("sourceSlot").asInt() : null)) {
                d.add("drive " + ds.id() + ": agent " + ds.state() + " " + ds.label() + " from " + ds.sourceSlot() + ", inventory " + view);
            }
            if (!view.path("reservation").isMissingNode() && !view.path("reservation").isNull()) {
                d.add("drive " + ds.id() + " still reserved: " + view);
            }
        }
        if (inv.path("slots").size() != status.slots().size() || inv.path("drives").size() != status.drives().size()) {
            d.add("the agent has " + status.slots().size() + " slots and " + status.drives().size() + " drives, the inventory "
                    + inv.path("slots").size() + " and " + inv.path("drives").size());
        }
        return String.join("; ", d);
    }

    private static String text(JsonNode node, String field) {
        var v = node.path(field);
        return v.isMissingNode() || v.isNull() ? null : v.asText();
    }
}
