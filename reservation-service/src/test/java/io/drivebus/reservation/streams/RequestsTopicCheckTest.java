package io.drivebus.reservation.streams;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.stack.TopicSetup;
import org.junit.jupiter.api.Test;

class RequestsTopicCheckTest {

    @Test
    void aRequestsTopicOnProducersTimeKeepsTheServiceFromStarting() {
        assertTrue(RequestsTopicCheck.problem("CreateTime").contains("must be LogAppendTime"));
        assertNull(RequestsTopicCheck.problem("LogAppendTime"));
        // what the local stack and the tests create passes
        assertNull(RequestsTopicCheck.problem(TopicSetup.REQUESTS_CONFIG.get(RequestsTopicCheck.TIMESTAMP_TYPE)));
    }
}
