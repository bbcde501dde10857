package io.drivebus.inventory.api;

import io.drivebus.inventory.api.Views.HistoryEntry;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import org.hibernate.reactive.mutiny.Mutiny;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The history queries: a library's, or what touched one drive, volume or job (event_subject), newest first, paged by
 * the entry's sequence number (an index scan either way).
 */
final class History {

    private static final String COLUMNS = "h.id, h.event_id, h.type, h.occurred_at, h.reservation_id, h.drive_id, h.correlation_id, h.library_id";

    private History() {
    }

    static Uni<RestResponse<List<HistoryEntry>>> ofLibrary(Mutiny.SessionFactory sessions, String library, String limitParam,
            String afterParam, UriInfo uri) {
        int limit = Page.limit(limitParam);
        long after = after(afterParam);
        return sessions.withSession(s -> s.createNativeQuery("SELECT " + COLUMNS + " FROM event_history h WHERE h.library_id = :l "
                        + "AND h.id < :after ORDER BY h.id DESC LIMIT :n", Object[].class)
                .setParameter("l", library).setParameter("after", after).setParameter("n", limit + 1).getResultList())
                .map(rows -> page(rows, limit, uri));
    }

    /** What touched {@code name} (a drive of {@code library}; a volume or a job in any library). */
    static Uni<RestResponse<List<HistoryEntry>>> of(Mutiny.SessionFactory sessions, String library, String kind, String name,
            String limitParam, String afterParam, UriInfo uri) {
        int limit = Page.limit(limitParam);
        long after = after(afterParam);
        String sql = "SELECT " + COLUMNS + " FROM event_subject s JOIN event_history h ON h.id = s.event_seq WHERE s.kind = :k "
                + "AND s.name = :name" + (library == null ? "" : " AND s.library_id = :l")
                + " AND s.event_seq < :after ORDER BY s.event_seq DESC LIMIT :n";
        return sessions.withSession(s -> {
            Mutiny.SelectionQuery<Object[]> q = s.createNativeQuery(sql, Object[].class).setParameter("k", kind).setParameter("name", name)
                    .setParameter("after", after).setParameter("n", limit + 1);
            if (library != null) {
                q.setParameter("l", library);
            }
            return q.getResultList();
        }).map(rows -> page(rows, limit, uri));
    }

    private static long after(String afterParam) {
        List<String> keys = Page.after(afterParam, 1);
        return keys == null ? Long.MAX_VALUE : Page.number(keys.get(0));
    }

    private static RestResponse<List<HistoryEntry>> page(List<Object[]> rows, int limit, UriInfo uri) {
        List<HistoryEntry> entries = rows.stream().map(r -> new HistoryEntry(((Number) r[0]).longValue(), (String) r[7], (String) r[1],
                (String) r[2], LibraryResource.instant(r[3]), (String) r[4], (String) r[5], (String) r[6])).toList();
        return Page.of(entries, limit, uri, e -> Page.cursor(Long.toString(e.seq())));
    }
}
