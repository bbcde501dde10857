package io.drivebus.inventory;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.drivebus.inventory.api.ReadAccess;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Payload;
import io.drivebus.schemas.reservation.BreakRequest;
import io.drivebus.schemas.reservation.BreakScope;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Operator actions over REST with real signed tokens: each is published as a request on the real broker (checked
 * by what the responder reads) and answered with the event correlated to it.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = Tokens.class, restrictToAnnotatedClass = false)
class OperatorActionsTest {

    static final String PREFIX = "ops-";
    static Bus bus;
    static Responder responder;

    @Inject
    ReadAccess readAccess;

    @BeforeAll
    static void open() {
        bus = new Bus();
        responder = new Responder(PREFIX, bus);
    }

    @AfterAll
    static void close() throws InterruptedException {
        responder.close();
        bus.close();
    }

    static String library() {
        return PREFIX + UUID.randomUUID().toString().substring(0, 8);
    }

    static String bearer(String token) {
        return "Bearer " + token;
    }

    /** The request the service published under {@code requestId}, as the responder read it off the bus. */
    static Envelope<? extends Payload> sent(String requestId) {
        await().atMost(Duration.ofSeconds(10)).until(() -> responder.requests.containsKey(requestId));
        return responder.requests.get(requestId);
    }

    @Test
    void actionsNeedAValidTokenWithTheirRole() {
        String lib = library();
        given().post("/api/libraries/{id}/reset", lib).then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer")).contentType("application/problem+json");
        // signed by someone else's key
        given().header("Authorization", bearer(Tokens.sign(Tokens.FOREIGN.getPrivate(), "mallory", null, "operator")))
                .post("/api/libraries/{id}/reset", lib).then().statusCode(401);
        given().header("Authorization", "Bearer not-a-jwt").post("/api/libraries/{id}/reset", lib).then().statusCode(401);
        // valid, but not an operator
        given().header("Authorization", bearer(Tokens.token("viewer", null, "viewer")))
                .post("/api/libraries/{id}/reset", lib).then().statusCode(403).contentType("application/problem+json");
        // an operator without break rights cannot break; site rights do not reach other sites
        given().header("Authorization", bearer(Tokens.token("alice", null, "operator"))).contentType(ContentType.JSON)
                .body("{\"scope\":\"site\",\"reason\":\"r\"}").post("/api/libraries/{id}/reservations/{rid}/break", lib, "r-1").then().statusCode(403);
        given().header("Authorization", bearer(Tokens.token("alice", null, "break-site"))).contentType(ContentType.JSON)
                .body("{\"scope\":\"any\",\"reason\":\"r\"}").post("/api/libraries/{id}/reservations/{rid}/break", lib, "r-1").then().statusCode(403)
                .body("detail", containsString("break-any"));
        // nothing that was refused reached the bus
        assertEquals(0, responder.requests.values().stream().filter(e -> e.payload().library().equals(lib)).count());
    }

    @Test
    void resetIsPublishedAsTheOperatorAndAnsweredWithTheCorrelatedResult() {
        String lib = library();
        ExtractableResponse<Response> r = given().header("Authorization", bearer(Tokens.token("alice", null, "operator")))
                .post("/api/libraries/{id}/reset", lib).then().statusCode(200)
                .body("outcome", is("changer-result")).body("event.op", is("reset")).body("event.currentSlot", is(1))
                .body("requestId", notNullValue()).extract();
        Envelope<? extends Payload> sent = sent(r.path("requestId"));
        ChangerRequest c = (ChangerRequest) sent.payload();
        assertEquals(ChangerOp.reset, c.op());
        assertEquals(lib, c.library());
        assertEquals(new Owner("alice", "ops"), c.owner(), "no site claim: the operator is at site ops");
    }

    @Test
    void labelsAreRecordedAndForgottenAndSlotsRescannedThroughUpdateSpecs() {
        String lib = library();
        String op = bearer(Tokens.token("bob", "dc1", "operator"));
        String id = given().header("Authorization", op).contentType(ContentType.JSON).body("{\"label\":\"VOL042\"}")
                .post("/api/libraries/{id}/slots/{n}/label", lib, 3).then().statusCode(200).body("event.op", is("update"))
                .extract().path("requestId");
        ChangerRequest c = (ChangerRequest) sent(id).payload();
        assertEquals("3=VOL042", c.spec());
        assertEquals(new Owner("bob", "dc1"), c.owner());

        id = given().header("Authorization", op).delete("/api/libraries/{id}/slots/{n}/label", lib, 3).then().statusCode(200)
                .extract().path("requestId");
        assertEquals("3=", ((ChangerRequest) sent(id).payload()).spec());

        id = given().header("Authorization", op).contentType(ContentType.JSON).body("{\"slots\":\"1-3,9\"}")
                .post("/api/libraries/{id}/rescan", lib).then().statusCode(200).extract().path("requestId");
        assertEquals("1-3,9", ((ChangerRequest) sent(id).payload()).spec());
        id = given().header("Authorization", op).contentType(ContentType.JSON).body("{}")
                .post("/api/libraries/{id}/rescan", lib).then().statusCode(200).extract().path("requestId");
        assertNull(((ChangerRequest) sent(id).payload()).spec(), "no slots: rescan all");

        given().header("Authorization", op).contentType(ContentType.JSON).body("{\"label\":\"two words\"}")
                .post("/api/libraries/{id}/slots/{n}/label", lib, 3).then().statusCode(400).contentType("application/problem+json");
        given().header("Authorization", op).contentType(ContentType.JSON).body("{\"slots\":\"1-;\"}")
                .post("/api/libraries/{id}/rescan", lib).then().statusCode(400);
    }

    @Test
    void breakIsAnsweredBrokenOrDeniedWithTheTypedError() {
        String lib = library();
        String id = given().header("Authorization", bearer(Tokens.token("carol", "dc2", "break-any"))).contentType(ContentType.JSON)
                .body("{\"scope\":\"any\",\"reason\":\"job hung\"}")
                .post("/api/libraries/{id}/reservations/{rid}/break", lib, "r-7").then().statusCode(200)
                .body("outcome", is("broken")).body("event.reservationId", is("r-7")).body("event.operator.key", is("carol"))
                .extract().path("requestId");
        BreakRequest b = (BreakRequest) sent(id).payload();
        assertEquals(BreakScope.any, b.scope());
        assertEquals("job hung", b.reason());
        assertEquals(new Owner("carol", "dc2"), b.operator());

        given().header("Authorization", bearer(Tokens.token("carol", "dc2", "break-site"))).contentType(ContentType.JSON)
                .body("{\"reason\":\"stale\"}").post("/api/libraries/{id}/reservations/{rid}/break", lib, "missing").then().statusCode(404)
                .contentType("application/problem+json").body("error.reason", is("notfound"))
                .body("requestId", notNullValue()).body("detail", containsString("no reservation missing"));
        given().header("Authorization", bearer(Tokens.token("carol", "dc2", "break-site"))).contentType(ContentType.JSON)
                .body("{}").post("/api/libraries/{id}/reservations/{rid}/break", lib, "r-8").then().statusCode(400)
                .body("detail", containsString("reason"));
    }

    @Test
    void withoutWaitingTheActionIsAcceptedAndWithoutAnAnswerItTimesOut() {
        String op = bearer(Tokens.token("dave", null, "operator"));
        String id = given().header("Authorization", op).queryParam("wait", false).post("/api/libraries/{id}/reset", library())
                .then().statusCode(202).body("requestId", notNullValue()).extract().path("requestId");
        sent(id);
        given().header("Authorization", op).post("/api/libraries/{id}/reset", PREFIX + "silent-" + UUID.randomUUID())
                .then().statusCode(504).contentType("application/problem+json").body("requestId", notNullValue())
                .body("detail", containsString("no answer"));
    }

    @Test
    void readsAreOpenUnlessConfiguredToRequireAToken() {
        given().get("/api/libraries").then().statusCode(200);
        readAccess.requireAuth(true);
        try {
            given().get("/api/libraries").then().statusCode(401).contentType("application/problem+json");
            given().header("Authorization", bearer(Tokens.token("viewer", null, "viewer"))).get("/api/libraries").then().statusCode(200);
            given().header("Authorization", bearer(Tokens.sign(Tokens.FOREIGN.getPrivate(), "x", null))).get("/api/libraries")
                    .then().statusCode(401);
        } finally {
            readAccess.requireAuth(false);
        }
    }
}
