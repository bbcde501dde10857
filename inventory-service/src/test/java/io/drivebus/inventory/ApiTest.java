package io.drivebus.inventory;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;

import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** Errors are problem documents; health says whether the database and the broker are there. */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class ApiTest {

    @Test
    void unknownThingsAreProblemDocuments() {
        given().get("/api/libraries/{id}/inventory", "no-such-library").then().statusCode(404)
                .contentType("application/problem+json")
                .body("status", is(404)).body("title", is("Not Found"))
                .body("type", startsWith("https://drivebus.io/problems/")).body("detail", containsString("no-such-library"));
        given().get("/api/reservations/{id}", "no-such-reservation").then().statusCode(404)
                .contentType("application/problem+json").body("detail", containsString("no-such-reservation"));
        given().get("/api/volumes/{label}", "NOSUCHVOL").then().statusCode(404)
                .contentType("application/problem+json").body("status", is(404));
        given().queryParam("limit", 0).get("/api/reservations").then().statusCode(400)
                .contentType("application/problem+json").body("title", is("Bad Request"));
        given().get("/api/nothing-here").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void readinessCoversTheDatabaseAndKafkaAndLivenessIsUp() {
        given().get("/q/health/ready").then().statusCode(200).body("status", is("UP"))
                .body("checks.name", hasItem(containsString("Reactive PostgreSQL")))
                .body("checks.name", hasItem(containsString("Kafka")));
        given().get("/q/health/live").then().statusCode(200).body("status", is("UP"));
    }

    @Test
    void openApiDescribesTheInventory() {
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/api/libraries/{id}/inventory"))
                .body("paths", org.hamcrest.Matchers.hasKey("/api/libraries/{id}/drives/{drive}/history"))
                .body("paths", org.hamcrest.Matchers.hasKey("/api/volumes/{label}/history"))
                .body("paths", org.hamcrest.Matchers.hasKey("/api/jobs/{job}/history"))
                // a Vert.x route, described in META-INF/openapi.yaml
                .body("paths.'/api/events'.get.parameters.name", org.hamcrest.Matchers.hasItem("library"))
                // the one paging scheme is described where it applies
                .body("paths.'/api/reservations'.get.parameters.name", org.hamcrest.Matchers.hasItems("limit", "after", "pending", "job", "site"))
                .body("paths.'/api/libraries'.get.parameters.name", org.hamcrest.Matchers.hasItems("limit", "after"))
                .body("paths.'/api/libraries'.get.responses.'200'.headers", org.hamcrest.Matchers.hasKey("Link"))
                .body("paths.'/api/libraries'.get.parameters.find { it.name == 'limit' }.schema.type", is("integer"));
    }
}
