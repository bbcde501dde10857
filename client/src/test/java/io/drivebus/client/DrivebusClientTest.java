package io.drivebus.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.Topics;
import io.drivebus.schemas.reservation.CancelRequest;
import io.drivebus.schemas.reservation.AccessMode;
import io.drivebus.schemas.reservation.DeviceWant;
import io.drivebus.schemas.reservation.ReserveSetRequest;
import io.drivebus.schemas.reservation.ReservationSetReady;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.ReleaseRequest;
import io.drivebus.schemas.reservation.RenewRequest;
import io.drivebus.schemas.reservation.ReservationCancelled;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReserveRequest;
import io.drivebus.stack.test.KafkaTestResource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The client's protocol handling against a real broker and a canned responder (not the real service). */
class DrivebusClientTest {

    static final Owner BOB = new Owner("bob", "client-host");
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    static String bootstrap;
    static CannedResponder responder;
    static DrivebusClient client;

    @BeforeAll
    static void start() throws Exception {
        bootstrap = KafkaTestResource.bootstrap();
        responder = new CannedResponder(bootstrap);
        client = DrivebusClient.connect(ClientConfig.of(bootstrap).withDefaultOwner(BOB));
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (responder != null) {
            responder.close();
        }
    }

    static String library() {
        return "lib-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void grantWithoutMotionIsUsableAtOnce() throws Exception {
        String lib = library();
        Reservation r = client.reserve(ReserveRequest.bySlot(lib, null, 3), TIMEOUT);

        assertEquals(lib, r.library());
        assertEquals("d3", r.drive());
        assertEquals("/dev/nst-d3", r.devicePath());
        assertEquals("DEMO003", r.label());
        assertEquals(3, r.slot());
        assertEquals(CannedResponder.TOKEN, r.token());
        assertEquals(Instant.parse("2030-01-01T00:05:00Z"), r.leaseExpiresAt());
        assertEquals(BOB, r.owner(), "a request without owner is sent as the config's default owner");
        assertTrue(r.reservationId().startsWith("r-"));

        Envelope<ReserveRequest> sent = responder.find(ReserveRequest.class, x -> x.id().equals(r.requestId()));
        assertEquals(r.requestId(), sent.id());
        assertEquals(BOB, sent.payload().owner());
        assertEquals(null, sent.payload().waitTimeoutMs(), "no queueing unless asked: a busy volume is answered at once");
    }

    @Test
    void concurrentReservesEachGetTheirOwnAnswer() throws Exception {
        // same library, so the same events partition; the responder answers in reverse order, after an
        // undecodable record and a grant for some other request
        String lib = library();
        CompletableFuture<Reservation> four = client.reserveAsync(ReserveRequest.bySlot(lib, BOB, 4).withJob("pair"), TIMEOUT);
        CompletableFuture<Reservation> five = client.reserveAsync(ReserveRequest.bySlot(lib, BOB, 5).withJob("pair"), TIMEOUT);

        Reservation r4 = four.get(30, TimeUnit.SECONDS);
        Reservation r5 = five.get(30, TimeUnit.SECONDS);
        assertEquals("d4", r4.drive());
        assertEquals(4, r4.slot());
        assertEquals("d5", r5.drive());
        assertEquals(5, r5.slot());
        assertNotEquals(r4.requestId(), r5.requestId());
        assertNotEquals(r4.reservationId(), r5.reservationId());
    }

    @Test
    void motionWaitsForReadyAndReportsQueuePosition() {
        List<Object> progress = new CopyOnWriteArrayList<>();
        Reservation r = client.reserve(ReserveRequest.byLabel(library(), BOB, "DEMO009").withJob("motion"), TIMEOUT,
                new ReservationListener() {
                    @Override
                    public void queued(int position) {
                        progress.add(position);
                    }

                    @Override
                    public void loading(ReservationGranted grant) {
                        progress.add(grant.drive());
                    }
                });

        assertEquals(List.of(2, 1, "d0"), progress, "queue positions, then the grant whose load is in flight");
        assertEquals("d0", r.drive());
        assertEquals("DEMO009", r.label());
        assertEquals("/dev/nst-d0", r.devicePath());
        assertEquals("host1", r.host(), "the grant's host is kept when ready completes the reservation");
        assertEquals(CannedResponder.READY_LEASE, r.leaseExpiresAt(), "the reservation is completed by ready, not the grant");
    }

    @Test
    void denialCarriesReasonAndHolder() {
        DrivebusException e = assertThrows(DrivebusException.class,
                () -> client.reserve(ReserveRequest.bySlot(library(), BOB, 3).withJob("volinuse"), TIMEOUT));

        assertFalse(e instanceof DrivebusTimeoutException);
        assertEquals(ErrorReason.volinuse, e.reason());
        assertEquals(3, e.error().slot());
        assertEquals(CannedResponder.ALICE, e.error().holder());
        assertEquals("r-1", e.error().holderReservationId());
        assertEquals("failed volinuse: slot 3 is in use by alice@host (reservation r-1)", e.getMessage());
        assertNotNull(e.requestId());
    }

    @Test
    void answersAreReadBeforeTheirCommit() {
        // the service decides deterministically, so an answer need not wait for its transaction's commit
        Reservation r = client.reserve(ReserveRequest.bySlot(library(), BOB, 7).withJob("uncommitted"), Duration.ofSeconds(10));
        responder.uncommittedSeen.countDown();
        assertEquals("d7", r.drive());
    }

    @Test
    void anAbortedAnswerAndItsReplayCountOnce() {
        String lib = library();
        Reservation r = client.reserve(ReserveRequest.bySlot(lib, BOB, 6).withJob("aborted"), TIMEOUT);
        assertEquals("d6", r.drive());
        // the replay's copy of that answer finds no call waiting: the next call on the library gets its own answer
        assertEquals("d4", client.reserve(ReserveRequest.bySlot(lib, BOB, 4), TIMEOUT).drive());
    }

    @Test
    void expiredWaitIsATimeoutTheServiceAnswered() {
        DrivebusTimeoutException e = assertThrows(DrivebusTimeoutException.class,
                () -> client.reserve(ReserveRequest.bySlot(library(), BOB, 2).withJob("expire"), TIMEOUT));
        assertTrue(e.answered());
    }

    @Test
    void noAnswerTimesOutAndCancelsTheRequest() throws Exception {
        String lib = library();
        long start = System.nanoTime();
        DrivebusTimeoutException e = assertThrows(DrivebusTimeoutException.class,
                () -> client.reserve(ReserveRequest.bySlot(lib, BOB, 2).withJob("silent"), Duration.ofMillis(500)));
        long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertFalse(e.answered());
        assertTrue(waitedMs >= 500 + DrivebusClient.ANSWER_GRACE.toMillis() - 50, "waited " + waitedMs + " ms");
        Envelope<CancelRequest> cancel = responder.find(CancelRequest.class, x -> e.requestId().equals(x.payload().requestId()));
        assertNotNull(cancel, "the client withdraws a request it stopped waiting for");
        assertEquals(e.requestId(), cancel.payload().requestId());
        assertEquals(lib, cancel.payload().library());
        assertEquals(BOB, cancel.payload().owner());
    }

    @Test
    void releaseAndRenew() {
        String lib = library();
        ReservationReleased released = client.release(lib, "r-5", BOB, TIMEOUT);
        assertEquals("r-5", released.reservationId());
        assertEquals("d1", released.drive());

        DrivebusException e = assertThrows(DrivebusException.class, () -> client.release(lib, "r-not-mine", BOB, TIMEOUT));
        assertEquals(ErrorReason.unauthorized, e.reason());

        Instant until = client.renew(lib, "r-5", BOB, Duration.ofMinutes(5), TIMEOUT);
        assertEquals(Instant.parse("2030-01-01T00:05:00Z"), until);
    }

    @Test
    void partitionForIsKafkasDefaultPartitioner() throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            int partitions = producer.partitionsFor(Topics.RESERVATION_EVENTS).size();
            for (String lib : List.of("lib1", "demo", "vtl-a", "library-with-a-long-name", library(), library())) {
                // not a drivebus message: every reader of the topic skips it
                int actual = producer.send(new ProducerRecord<>(Topics.RESERVATION_EVENTS, lib, new byte[] {'x'}))
                        .get(10, TimeUnit.SECONDS).partition();
                assertEquals(actual, DrivebusClient.partitionFor(lib, partitions), lib);
            }
        }
    }

    @Test
    void leaseRenewsInTheBackgroundAndCloseReleases() throws Exception {
        String lib = library();
        Lease lease;
        // a 3 s lease is renewed every second
        try (Lease l = client.hold(Reserve.slot(lib, 3).owner(BOB).lease(Duration.ofSeconds(3)).request(), TIMEOUT)) {
            lease = l;
            assertEquals("d3", l.drive());
            assertEquals(Duration.ofSeconds(1), l.renewInterval());
            for (int i = 0; i < 2; i++) {
                Envelope<RenewRequest> renew = responder.find(RenewRequest.class, x -> x.payload().reservationId().equals(l.reservationId()));
                assertNotNull(renew, "renewal " + (i + 1) + " in the background");
                assertEquals(3000L, renew.payload().leaseMs());
                assertEquals(BOB, renew.payload().owner());
            }
            assertEquals(Instant.parse("2030-01-01T00:00:03Z"), l.leaseExpiresAt(), "the renewed expiry is kept");
        }
        Envelope<ReleaseRequest> release = responder.find(ReleaseRequest.class, x -> x.payload().reservationId().equals(lease.reservationId()));
        assertNotNull(release, "close() releases");
        assertFalse(lease.isLost());
        lease.close(); // a second close does nothing
        Thread.sleep(1500);
        assertNull(responder.find(RenewRequest.class, x -> x.payload().reservationId().equals(lease.reservationId()), 0),
                "no renewal after close");
    }

    @Test
    void leaseIsLostWhenTheServiceNoLongerKnowsIt() throws Exception {
        Reservation r = client.reserve(ReserveRequest.bySlot(library(), BOB, 7), TIMEOUT);
        // the canned service refuses renewals of reservations it calls r-not-mine: as after a break or an expiry
        Reservation notMine = new Reservation(r.library(), "r-not-mine-" + r.reservationId(), BOB, null, r.drive(), r.host(),
                r.devicePath(), r.slot(), r.label(), r.token(), Instant.now().plusSeconds(3), r.requestId());
        Lease lease = client.lease(notMine, Duration.ofSeconds(3));
        DrivebusException why = lease.lost().get(10, TimeUnit.SECONDS);
        assertEquals(ErrorReason.unauthorized, why.reason());
        assertNull(lease.release(false), "a lost lease is not released");
    }

    @Test
    void cancelWithdrawsAWaitingRequest() throws Exception {
        String lib = library();
        CompletableFuture<String> id = new CompletableFuture<>();
        CompletableFuture<Integer> queued = new CompletableFuture<>();
        CompletableFuture<Reservation> waiting = client.reserveAsync(
                Reserve.slot(lib, 3).owner(BOB).job("wait").waitUpTo(Duration.ofMinutes(1)).priority(5).request(), TIMEOUT,
                new ReservationListener() {
                    @Override
                    public void sent(String requestId) {
                        id.complete(requestId);
                    }

                    @Override
                    public void queued(int position) {
                        queued.complete(position);
                    }
                });
        assertEquals(1, queued.get(20, TimeUnit.SECONDS));
        Envelope<ReserveRequest> sent = responder.find(ReserveRequest.class, x -> x.id().equals(id.getNow(null)));
        assertEquals(5, sent.payload().priority());
        assertEquals(20_000L, sent.payload().waitTimeoutMs(), "cut to the call's timeout");

        ReservationEvent answer = client.cancel(lib, id.get(), BOB, TIMEOUT);
        assertTrue(answer instanceof ReservationCancelled, String.valueOf(answer));
        DrivebusException e = assertThrows(DrivebusException.class, () -> DrivebusClient.await(waiting));
        assertTrue(e.getMessage().contains("cancelled"), e.getMessage());
    }

    @Test
    void candidateLibrariesAnswerOnTheirOwnPartition() throws Exception {
        String lib = library();
        String other = library();
        int partitions = 4;
        while (DrivebusClient.partitionFor(other, partitions) == DrivebusClient.partitionFor(lib, partitions)) {
            other = library();
        }
        Reservation r = client.reserve(Reserve.slot(lib, 2).owner(BOB).job("candidate").candidates(other).request(), TIMEOUT);
        assertEquals(other, r.library(), "granted by the candidate library");
        assertEquals("d2", r.drive());
    }

    @Test
    void changerOperations() {
        String lib = library();
        ChangerResult info = client.changer(ChangerRequest.of(lib, null, ChangerOp.info), TIMEOUT);
        assertEquals(10, info.numSlots());
        assertEquals("canned", info.vendor());
        assertEquals(BOB, info.owner(), "a changer request without owner is sent as the default owner");
        ChangerResult eject = client.changer(new ChangerRequest(lib, BOB, ChangerOp.eject, "d1", null, null, null), TIMEOUT);
        assertEquals(List.of(3), eject.slots());
        DrivebusException e = assertThrows(DrivebusException.class,
                () -> client.changer(new ChangerRequest(lib, BOB, ChangerOp.eject, "busy", null, null, null), TIMEOUT));
        assertEquals(ErrorReason.driveinuse, e.reason());
    }

    @Test
    void multiDeviceSetCompletesWhenEveryMemberIsReady() {
        String lib = library();
        ReservationSetReady set = client.reserveSet(new ReserveSetRequest(lib, null, "copy", List.of(
                new DeviceWant(3, null, AccessMode.read, null, null), new DeviceWant(null, null, AccessMode.append, null, "Full")),
                null, null, null), TIMEOUT, ReservationListener.NONE);
        assertEquals(2, set.members().size());
        assertEquals(BOB, set.owner());
        assertEquals("DEMO003", set.members().get(0).label());
        assertEquals(set.setId() + "/1", set.members().get(1).reservationId());
    }
}
