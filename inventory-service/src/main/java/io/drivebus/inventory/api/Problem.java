package io.drivebus.inventory.api;

/** RFC 9457 problem details: every error this API returns. */
public record Problem(String type, String title, int status, String detail) {
    static final String MEDIA_TYPE = "application/problem+json";
    static final String TYPE_BASE = "https://drivebus.io/problems/";

    static Problem notFound(String detail) {
        return new Problem(TYPE_BASE + "not-found", "Not Found", 404, detail);
    }
}
