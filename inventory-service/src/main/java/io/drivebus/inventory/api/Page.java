package io.drivebus.inventory.api;

import jakarta.ws.rs.core.UriInfo;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * One paging scheme for every list: {@code ?limit=} (1–1000, default 100) and {@code ?after=<cursor>}. The body stays
 * a plain JSON array; when there may be more, the response carries {@code Link: <…&after=…>; rel="next"}. The cursor is
 * opaque (the sort key of the page's last item, not an offset), so rows added meanwhile neither repeat nor skip an item.
 */
final class Page {

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;
    static final String LIMIT_DOC = "Items per page, 1–" + MAX_LIMIT + " (default " + DEFAULT_LIMIT + ")";
    static final String AFTER_DOC = "Cursor from the previous page's Link rel=\"next\"; absent: the first page";
    static final String LINK_DOC = "<url of the next page>; rel=\"next\" — present while there may be more";
    private static final char SEP = '\u001f'; // unit separator: a cursor of several keys

    private Page() {
    }

    /** The page size asked for; not a number or out of range is the client's error (400), not a 404. */
    static int limit(String raw) {
        if (raw == null || raw.isBlank()) {
            return DEFAULT_LIMIT;
        }
        int limit;
        try {
            limit = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("limit must be a number between 1 and " + MAX_LIMIT + ", not '" + raw + "'");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ProblemException.badRequest("limit must be between 1 and " + MAX_LIMIT);
        }
        return limit;
    }

    static String cursor(String... keys) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(String.join(String.valueOf(SEP), keys).getBytes(StandardCharsets.UTF_8));
    }

    /** The keys of an {@code after} cursor (null when absent); one this API did not hand out is a 400. */
    static List<String> after(String raw, int keys) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        try {
            String text = new String(Base64.getUrlDecoder().decode(raw), StandardCharsets.UTF_8);
            List<String> parts = Arrays.asList(text.split(String.valueOf(SEP), -1));
            if (parts.size() == keys) {
                return parts;
            }
        } catch (IllegalArgumentException e) {
            // falls through
        }
        throw ProblemException.badRequest("after is not a cursor of this list: use the Link rel=\"next\" of the previous page");
    }

    /** A cursor key that must be a number (a history sequence). */
    static long number(String key) {
        try {
            return Long.parseLong(key);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("after is not a cursor of this list: use the Link rel=\"next\" of the previous page");
        }
    }

    static java.time.Instant instant(String key) {
        try {
            return java.time.Instant.parse(key);
        } catch (java.time.format.DateTimeParseException e) {
            throw ProblemException.badRequest("after is not a cursor of this list: use the Link rel=\"next\" of the previous page");
        }
    }

    /**
     * The page: {@code rows} were fetched with {@code limit + 1}, so one more than the page says there is a next page,
     * whose cursor is the last shown item's key.
     */
    static <T> RestResponse<List<T>> of(List<T> rows, int limit, UriInfo uri, Function<T, String> cursorOf) {
        if (rows.size() <= limit) {
            return RestResponse.ok(rows);
        }
        List<T> page = rows.subList(0, limit);
        String next = uri.getRequestUriBuilder().replaceQueryParam("limit", limit)
                .replaceQueryParam("after", cursorOf.apply(page.get(limit - 1))).build().toString();
        return RestResponse.ResponseBuilder.ok(List.copyOf(page)).header("Link", "<" + next + ">; rel=\"next\"").build();
    }
}
