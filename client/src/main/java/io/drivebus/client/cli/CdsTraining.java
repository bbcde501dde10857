package io.drivebus.client.cli;

import io.drivebus.schemas.DrivebusError;
import io.drivebus.schemas.Envelope;
import io.drivebus.schemas.ErrorReason;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ChangerOp;
import io.drivebus.schemas.reservation.ChangerRequest;
import io.drivebus.schemas.reservation.ChangerResult;
import io.drivebus.schemas.reservation.LeaseRenewed;
import io.drivebus.schemas.reservation.ReservationDenied;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationGranted;
import io.drivebus.schemas.reservation.ReservationQueued;
import io.drivebus.schemas.reservation.ReservationReady;
import io.drivebus.schemas.reservation.ReservationReleased;
import io.drivebus.schemas.reservation.ReserveRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The training run for the class-data-sharing archive the {@code drivebus} script creates once
 * ({@code -XX:ArchiveClassesAtExit}): loads what a reserve loads - picocli, the client, the Kafka producer and consumer
 * (against an unreachable address), the codec and every answer's classes - so later runs map them instead of
 * loading and verifying them again. Hidden: not for people.
 */
@Command(name = "cds-training", hidden = true)
final class CdsTraining implements Callable<Integer> {

    @Override
    public Integer call() {
        MessageCodec codec = MessageCodec.get();
        Owner o = new Owner("cds", "training");
        Instant t = Instant.parse("2030-01-01T00:00:00Z");
        List<ReservationEvent> events = List.of(new ReservationQueued("l", o, 1),
                new ReservationGranted("l", "r", o, null, "d0", "h", "/dev/nst0", 1, "L001", 1, t, false),
                new ReservationReady("l", "r", o, "d0", "/dev/nst0", 1, "L001", null, 1, t),
                new ReservationDenied("l", null, o, DrivebusError.failed(ErrorReason.volinuse, "busy")),
                new ReservationReleased("l", "r", o, "d0", 1), new LeaseRenewed("l", "r", o, t),
                new ChangerResult("l", o, ChangerOp.info, 1, 10, "v", true, List.of(), null));
        for (ReservationEvent e : events) {
            try {
                // the codec's quick path, and its full validation (what it falls back to)
                Envelope<ReservationEvent> env = Envelope.of("cds", "x", e);
                codec.decode(codec.encode(env));
                codec.validate(env.messageType(), codec.mapper().valueToTree(env));
            } catch (RuntimeException ignored) {
                // a sample the schema refuses still trained the classes
            }
        }
        codec.encode(Envelope.of("cds", null, ChangerRequest.of("l", o, ChangerOp.info)));
        codec.encode(Envelope.of("cds", null, ReserveRequest.bySlot("l", o, 1)));
        VerbCommand.mapper().valueToTree(events.get(1));
        for (String[] args : List.of(new String[] {"--bootstrap", "127.0.0.1:1", "reserve", "--library", "cds", "--slot", "1",
                "--timeout", "1s", "--json"}, new String[] {"reserve", "--help"})) {
            CommandLine cmd = DrivebusCommand.commandLine();
            cmd.setOut(new PrintWriter(new StringWriter()));
            cmd.setErr(new PrintWriter(new StringWriter()));
            cmd.execute(args);
        }
        return 0;
    }
}
