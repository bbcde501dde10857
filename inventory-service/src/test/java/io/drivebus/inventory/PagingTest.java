package io.drivebus.inventory;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every list pages the same way: {@code ?limit=} and the cursor in {@code Link: <…>; rel="next"}; a page boundary
 * neither repeats nor skips an item, also while new items arrive; bad paging is a 400 problem document.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class PagingTest {

    static final Pattern NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"next\"");
    static Bus bus;

    @BeforeAll
    static void open() {
        bus = new Bus();
    }

    @AfterAll
    static void close() {
        bus.close();
    }

    /** The next page's URL from the Link header, or null on the last page. */
    static String next(Response r) {
        String link = r.getHeader("Link");
        if (link == null) {
            return null;
        }
        Matcher m = NEXT.matcher(link);
        return m.find() ? m.group(1) : null;
    }

    /** Every item's {@code field} over all pages, following the links. */
    static List<String> all(String firstUrl, String field) {
        List<String> items = new ArrayList<>();
        String url = firstUrl;
        for (int pages = 0; url != null; pages++) {
            assertTrue(pages < 1000, "runaway paging at " + url);
            Response page = given().urlEncodingEnabled(false).get(url);
            page.then().statusCode(200);
            items.addAll(page.jsonPath().getList(field, String.class));
            url = next(page);
        }
        return items;
    }

    @Test
    void librariesPageByIdWithoutRepeatsOrGaps() {
        String prefix = "lib-page-" + UUID.randomUUID().toString().substring(0, 6);
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String lib = prefix + "-" + i;
            mine.add(lib);
            bus.publish(Topics.DEVICE_STATUS, InventoryProjectionTest.status(lib, 1, "v", List.of(), InventoryProjectionTest.fullSlots(1)));
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/libraries/{id}/inventory", mine.get(4)).then().statusCode(200));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/api/libraries?limit=1000").then()
                .body("findAll { it.library.startsWith('" + prefix + "') }.size()", is(5)));

        Response first = given().queryParam("limit", 2).get("/api/libraries");
        first.then().statusCode(200).body("size()", is(2)).header("Link", containsString("rel=\"next\""));
        List<String> everything = all("/api/libraries?limit=2", "library");
        assertEquals(everything.stream().distinct().count(), everything.size(), "no library twice: " + everything);
        assertEquals(everything.stream().sorted().toList(), everything, "by id");
        assertEquals(mine, everything.stream().filter(l -> l.startsWith(prefix)).toList());
        // the page's counts are those of the libraries on it
        given().get("/api/libraries?limit=1000").then().body("find { it.library == '" + mine.get(0) + "' }.slots", is(1));
    }

    @Test
    void reservationsPageNewestFirstAndANewOneDoesNotShiftThePages() {
        String lib = InventoryProjectionTest.newLibrary();
        Owner owner = new Owner("pager", "site-p");
        Instant t0 = Instant.parse("2029-06-01T00:00:00Z");
        List<String> ids = new ArrayList<>();
        Envelope<?> last = null;
        for (int i = 0; i < 5; i++) {
            String rid = "rp-" + i + "-" + lib;
            ids.add(0, rid); // newest first
            // two with the same time: the id breaks the tie
            Instant at = t0.plusSeconds(i == 4 ? 3 : i);
            last = bus.publish(Topics.RESERVATION_EVENTS, Envelope.of(UUID.randomUUID().toString(), at, "rs", "req-" + rid,
                    new ReservationGranted(lib, rid, owner, "j", "d" + i, "h", "/dev/nst" + i, i + 1, "V" + i, 1, HistoryTest.LEASE, false)));
        }
        Envelope<?> fifth = last;
        await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(fifth.id()));
        // t0+3 twice: rp-3 and rp-4 sort by id ascending within the same time
        List<String> expected = List.of(ids.get(1), ids.get(0), ids.get(2), ids.get(3), ids.get(4));

        Response first = given().queryParam("library", lib).queryParam("limit", 2).get("/api/reservations");
        first.then().statusCode(200).body("id", is(expected.subList(0, 2)));
        String second = next(first);
        assertNotNull(second);
        assertTrue(second.contains("library=" + lib) && second.contains("limit=2"), "the filters stay in the link: " + second);
        // a newer reservation arrives between pages: the following pages are unchanged
        String newer = "rp-new-" + lib;
        Envelope<?> late = bus.publish(Topics.RESERVATION_EVENTS, Envelope.of(UUID.randomUUID().toString(), t0.plusSeconds(60), "rs",
                "req-" + newer, new ReservationGranted(lib, newer, owner, "j", "d9", "h", "/dev/nst9", 9, "V9", 1, HistoryTest.LEASE, false)));
        await().atMost(Duration.ofSeconds(30)).until(() -> Bus.processed(late.id()));
        Response page2 = given().urlEncodingEnabled(false).get(second);
        page2.then().statusCode(200).body("id", is(expected.subList(2, 4)));
        Response page3 = given().urlEncodingEnabled(false).get(next(page2));
        page3.then().statusCode(200).body("id", is(expected.subList(4, 5))).header("Link", nullValue());
        assertNull(next(page3));
        given().queryParam("library", lib).get("/api/reservations").then().statusCode(200).body("size()", is(6))
                .body("[0].id", is(newer)).header("Link", nullValue());
    }

    @Test
    void badPagingIsABadRequestProblemOnEveryList() {
        for (String path : List.of("/api/libraries", "/api/reservations", "/api/reservations?pending=true", "/api/libraries/l/history")) {
            String sep = path.contains("?") ? "&" : "?";
            for (String bad : List.of("limit=0", "limit=1001", "limit=-5", "limit=ten", "after=%25%25")) {
                given().urlEncodingEnabled(false).get(path + sep + bad).then().statusCode(400)
                        .contentType("application/problem+json").body("status", is(400)).body("title", is("Bad Request"));
            }
            given().urlEncodingEnabled(false).get(path + sep + "limit=1000").then().statusCode(200);
        }
    }
}
