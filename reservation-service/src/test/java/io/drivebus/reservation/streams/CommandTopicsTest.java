package io.drivebus.reservation.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.Topics;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CommandTopicsTest {

    private final Set<String> cluster = new HashSet<>();
    private final AtomicInteger lists = new AtomicInteger();
    private final AtomicLong clock = new AtomicLong(1_000_000);
    private boolean brokerDown;
    private final CommandTopics topics = new CommandTopics(() -> {
        lists.incrementAndGet();
        if (brokerDown) {
            throw new IllegalStateException("broker down");
        }
        return Set.copyOf(cluster);
    }, () -> { }, clock::get);

    @Test
    void aMissingTopicIsAskedForAgainOnlyAfterAFewSeconds() {
        assertFalse(topics.test("h1"));
        cluster.add(Topics.deviceCommands("h1"));
        assertFalse(topics.test("h1"), "within the re-check interval the last list stands");
        assertEquals(1, lists.get());
        clock.addAndGet(CommandTopics.MISSING_RECHECK_MS);
        assertTrue(topics.test("h1"));
        assertEquals(2, lists.get());
    }

    @Test
    void onePresentListServesEveryHostUntilItIsOld() {
        cluster.add(Topics.deviceCommands("h1"));
        cluster.add(Topics.deviceCommands("h2"));
        assertTrue(topics.test("h1"));
        for (int i = 0; i < 100; i++) {
            assertTrue(topics.test(i % 2 == 0 ? "h1" : "h2"));
        }
        assertEquals(1, lists.get(), "a heartbeat's status costs no call to the cluster");
    }

    @Test
    void aTopicDeletedWhileItsAgentStillReportsIsNoticed() {
        cluster.add(Topics.deviceCommands("h1"));
        assertTrue(topics.test("h1"));
        cluster.clear();
        clock.addAndGet(CommandTopics.PRESENT_RECHECK_MS - 1);
        assertTrue(topics.test("h1"));
        clock.addAndGet(1);
        assertFalse(topics.test("h1"), "its commands would block the task: its status is refused again");
    }

    @Test
    void aFailedListKeepsTheLastAnswerRatherThanRefusingKnownHosts() {
        cluster.add(Topics.deviceCommands("h1"));
        assertTrue(topics.test("h1"));
        brokerDown = true;
        clock.addAndGet(CommandTopics.PRESENT_RECHECK_MS);
        assertTrue(topics.test("h1"));
        assertFalse(topics.test("h2"));
        assertEquals(2, lists.get(), "a failed list is not retried on every status");
    }
}
