package io.drivebus.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.drivebus.client.DrivebusException;
import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.ErrorReason;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The inventory-service's REST API (GET only): where status and inventory read from. */
final class InventoryApi {

    static final String ENV = "DRIVEBUS_INVENTORY";
    static final String DEFAULT_URL = "http://127.0.0.1:8080";

    private final String base;
    private final Duration timeout;

    InventoryApi(String base, Duration timeout) {
        String b = base != null ? base : System.getenv(ENV) != null && !System.getenv(ENV).isBlank() ? System.getenv(ENV) : DEFAULT_URL;
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.timeout = timeout;
    }

    static String segment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** @throws DrivebusException notfound on 404, unknown when the inventory cannot be reached or fails */
    JsonNode get(String path) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).header("Accept", "application/json").build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new DrivebusException(DrivebusError.failed(ErrorReason.unknown, "cannot reach the inventory at " + base + ": " + e), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DrivebusException(DrivebusError.failed(ErrorReason.unknown, "interrupted"), null, e);
        }
        JsonNode body;
        try {
            body = r.body() == null || r.body().isBlank() ? null : VerbCommand.mapper().readTree(r.body());
        } catch (IOException e) {
            body = null;
        }
        if (r.statusCode() == 200 && body != null) {
            return body;
        }
        String detail = body != null && body.hasNonNull("detail") ? body.get("detail").asText() : "HTTP " + r.statusCode() + " from " + base + path;
        ErrorReason reason = r.statusCode() == 404 ? ErrorReason.notfound : r.statusCode() == 400 ? ErrorReason.invalid : ErrorReason.unknown;
        throw new DrivebusException(DrivebusError.failed(reason, detail), null);
    }
}
