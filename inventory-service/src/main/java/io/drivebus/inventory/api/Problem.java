package io.drivebus.inventory.api;

/** RFC 9457 problem details: every error this API returns. */
public record Problem(String type, String title, int status, String detail) {
    public static final String MEDIA_TYPE = "application/problem+json";
    public static final String TYPE_BASE = "https://drivebus.io/problems/";

    static Problem notFound(String detail) {
        return new Problem(TYPE_BASE + "not-found", "Not Found", 404, detail);
    }
}
