package io.drivebus.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.drivebus.client.DrivebusClient;
import io.drivebus.schemas.Owner;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Read-only verbs served by the inventory-service's REST API: no Kafka client is started. */
final class StatusCommands {

    abstract static class RestVerb extends VerbCommand {
        @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
                description = "How long to wait for the inventory (default: ${DEFAULT-VALUE}).")
        Duration timeout;

        @Override
        Duration timeout() {
            return timeout;
        }

        @Override
        boolean needsBus() {
            return false;
        }

        InventoryApi api() {
            return new InventoryApi(top.inventory, timeout);
        }
    }

    @Command(name = "status", description = {"Show one reservation (--reservation), one library's drives and slots "
            + "(--library), or every library (neither), from the inventory-service.",
            "The inventory's URL: --inventory, else $DRIVEBUS_INVENTORY, else http://127.0.0.1:8080."})
    static final class Status extends RestVerb {
        @ArgGroup(exclusive = true, multiplicity = "0..1")
        Which which;

        static final class Which {
            @Option(names = "--library", required = true, paramLabel = "LIBRARY", description = "A library's state.")
            String library;

            @Option(names = "--reservation", required = true, paramLabel = "ID", description = "A reservation, active or ended.")
            String reservation;
        }

        @Override
        int execute(DrivebusClient client, Owner owner, PrintWriter out, PrintWriter err) {
            if (which != null && which.reservation != null) {
                JsonNode r = api().get("/api/reservations/" + InventoryApi.segment(which.reservation));
                out.println(json ? r.toString() : reservation(r));
            } else if (which != null && which.library != null) {
                JsonNode inv = api().get("/api/libraries/" + InventoryApi.segment(which.library) + "/inventory");
                out.println(json ? inv.toString() : library(inv));
            } else {
                JsonNode all = api().get("/api/libraries");
                if (json) {
                    out.println(all.toString());
                } else if (all.isEmpty()) {
                    out.println("no library has been reported");
                } else {
                    for (JsonNode l : all) {
                        out.println("library " + l.path("library").asText() + " on " + text(l, "host") + ": " + l.path("drives").asLong()
                                + " drives, " + l.path("slots").asLong() + " slots, " + l.path("activeReservations").asLong()
                                + " active reservations");
                    }
                }
            }
            return ExitCodes.OK;
        }

        static String reservation(JsonNode r) {
            StringBuilder b = new StringBuilder("reservation ").append(r.path("id").asText()).append(": ").append(r.path("state").asText())
                    .append(r.path("active").asBoolean() ? " (active)" : "")
                    .append(", library ").append(r.path("library").asText());
            if (r.hasNonNull("drive")) {
                b.append(", drive ").append(r.get("drive").asText());
                if (r.hasNonNull("devicePath")) {
                    b.append(" (").append(r.get("devicePath").asText()).append(')');
                }
            }
            if (r.hasNonNull("label")) {
                b.append(", volume ").append(r.get("label").asText());
            }
            if (r.hasNonNull("slot")) {
                b.append(" from slot ").append(r.get("slot").asInt());
            }
            if (r.hasNonNull("token")) {
                b.append(", token ").append(r.get("token").asLong());
            }
            b.append(", owner ").append(owner(r.path("owner")));
            if (r.hasNonNull("job")) {
                b.append(", job ").append(r.get("job").asText());
            }
            if (r.path("active").asBoolean() && r.hasNonNull("leaseExpiresAt")) {
                b.append(", lease until ").append(r.get("leaseExpiresAt").asText());
            }
            if (r.hasNonNull("endedAt")) {
                b.append(", ended ").append(r.get("endedAt").asText());
                if (r.hasNonNull("endReason")) {
                    b.append(" (").append(r.get("endReason").asText()).append(')');
                }
            }
            return b.toString();
        }

        static String library(JsonNode inv) {
            StringBuilder b = new StringBuilder("library ").append(inv.path("library").asText()).append(" on ").append(text(inv, "host"))
                    .append(" (").append(text(inv, "driver")).append(", vendor ").append(text(inv, "vendor")).append(")");
            if (inv.hasNonNull("lastStatusAt")) {
                b.append(", status ").append(inv.path("statusSequence").asLong()).append(" at ").append(inv.get("lastStatusAt").asText());
            }
            for (JsonNode d : inv.path("drives")) {
                b.append(System.lineSeparator()).append("drive ").append(d.path("id").asText());
                if (d.hasNonNull("devicePath")) {
                    b.append(" (").append(d.get("devicePath").asText()).append(')');
                }
                b.append(": ").append(d.path("state").asText());
                if (d.hasNonNull("label")) {
                    b.append(' ').append(d.get("label").asText());
                }
                if (d.hasNonNull("sourceSlot")) {
                    b.append(" from slot ").append(d.get("sourceSlot").asInt());
                }
                JsonNode r = d.path("reservation");
                if (r.isObject()) {
                    b.append(", reserved by ").append(owner(r.path("owner"))).append(" (reservation ").append(r.path("id").asText())
                            .append(", token ").append(r.path("token").asLong()).append(", ").append(r.path("state").asText());
                    if (r.hasNonNull("leaseExpiresAt")) {
                        b.append(", lease until ").append(r.get("leaseExpiresAt").asText());
                    }
                    b.append(')');
                } else {
                    b.append(", free");
                }
                if (d.hasNonNull("error")) {
                    b.append(", error: ").append(d.get("error").asText());
                }
            }
            int full = 0;
            int empty = 0;
            int reserved = 0;
            for (JsonNode s : inv.path("slots")) {
                if ("FULL".equals(s.path("state").asText())) {
                    full++;
                } else if ("EMPTY".equals(s.path("state").asText())) {
                    empty++;
                }
                if (s.path("reserved").asBoolean()) {
                    reserved++;
                }
            }
            b.append(System.lineSeparator()).append("slots: ").append(inv.path("slots").size()).append(" (").append(full).append(" full, ")
                    .append(empty).append(" empty, ").append(reserved).append(" reserved)");
            return b.toString();
        }
    }

    @Command(name = "inventory", description = {"List the library's slots the way amtape inventory does: label, and whether "
            + "the volume is in a drive, reserved (by whom), empty.", "From the inventory-service (see status)."})
    static final class Inventory extends RestVerb {
        @Option(names = "--library", required = true, paramLabel = "LIBRARY", description = "Library (changer) id.")
        String library;

        @Override
        int execute(DrivebusClient client, Owner owner, PrintWriter out, PrintWriter err) {
            JsonNode inv = api().get("/api/libraries/" + InventoryApi.segment(library) + "/inventory");
            if (json) {
                out.println(inv.toString());
            } else {
                out.print(lines(inv));
            }
            return ExitCodes.OK;
        }

        /** e.g. {@code slot  3: label DEMO003 (in drive d0, reserved by job@host)}. */
        static String lines(JsonNode inv) {
            Map<Integer, JsonNode> inDrive = new HashMap<>();
            for (JsonNode d : inv.path("drives")) {
                if (d.hasNonNull("sourceSlot") && !"empty".equals(d.path("state").asText())) {
                    inDrive.put(d.get("sourceSlot").asInt(), d);
                }
            }
            int width = 1;
            for (JsonNode s : inv.path("slots")) {
                width = Math.max(width, Integer.toString(s.path("slot").asInt()).length());
            }
            StringBuilder b = new StringBuilder();
            for (JsonNode s : inv.path("slots")) {
                int n = s.path("slot").asInt();
                JsonNode drive = inDrive.get(n);
                String label = s.hasNonNull("label") ? s.get("label").asText()
                        : drive != null && drive.hasNonNull("label") ? drive.get("label").asText() : null;
                String state = s.path("state").asText();
                b.append("slot ").append(String.format("%" + width + "d", n)).append(": ");
                if (drive == null && "EMPTY".equals(state)) {
                    b.append("empty");
                } else if (label != null) {
                    b.append("label ").append(label);
                } else if ("UNKNOWN".equals(state)) {
                    b.append("unknown state");
                } else {
                    b.append("unlabeled volume");
                }
                StringBuilder notes = new StringBuilder();
                if (drive != null) {
                    notes.append("in drive ").append(drive.path("id").asText());
                }
                if (s.path("reserved").asBoolean()) {
                    notes.append(notes.length() > 0 ? ", " : "").append("reserved by ").append(owner(s.path("holder")));
                }
                if (s.path("importExport").asBoolean()) {
                    notes.append(notes.length() > 0 ? ", " : "").append("import/export");
                }
                if (notes.length() > 0) {
                    b.append(" (").append(notes).append(')');
                }
                b.append(System.lineSeparator());
            }
            return b.toString();
        }
    }

    static String owner(JsonNode o) {
        if (o == null || !o.isObject()) {
            return "?";
        }
        String key = o.path("key").asText();
        return o.hasNonNull("site") ? key + "@" + o.get("site").asText() : key;
    }

    static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : "?";
    }

    private StatusCommands() {
    }
}
