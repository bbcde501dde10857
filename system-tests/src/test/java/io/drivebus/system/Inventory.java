package io.drivebus.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drivebus.stack.LocalStack;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
}
