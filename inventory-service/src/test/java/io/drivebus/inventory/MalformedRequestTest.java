package io.drivebus.inventory;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

import io.drivebus.stack.test.KafkaTestResource;
import io.drivebus.stack.test.PostgresTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

/**
 * Found by the system tests' malformed-input corpus (MalformedInputIT): a NUL character (%00) in a path or query value
 * reached PostgreSQL, which refuses it in text, and the API answered 500. Now it is a 400 problem document.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaTestResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresTestResource.class, restrictToAnnotatedClass = false)
class MalformedRequestTest {

    @Test
    void aNulInAPathOrQueryValueIsABadRequestNotAServerError() {
        RestAssured.urlEncodingEnabled = false;
        try {
            for (String path : new String[] {"/api/libraries/a%00b/inventory", "/api/libraries/%00/history", "/api/volumes/%00",
                    "/api/reservations/x%00", "/api/reservations?owner=%00", "/api/reservations?library=a%00"}) {
                given().get(path).then().statusCode(400).contentType("application/problem+json").body("status", is(400))
                        .body("detail", containsString("NUL"));
            }
        } finally {
            RestAssured.urlEncodingEnabled = true;
        }
    }
}
