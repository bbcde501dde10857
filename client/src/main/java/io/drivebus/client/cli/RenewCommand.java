package io.drivebus.client.cli;

import io.drivebus.client.DrivebusClient;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.LeaseRenewed;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "renew",
        description = "Extend the lease of a reservation (only its owner may) and print the new expiry.")
final class RenewCommand extends ReservationVerb {

    @Option(names = "--reservation", required = true, paramLabel = "ID", description = "The reservation id reserve printed.")
    String reservationId;

    @Option(names = "--lease", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "New lease length from now, e.g. 5m (default: the service's).")
    Duration lease;

    @Override
    int execute(DrivebusClient client, Owner owner, PrintWriter out, PrintWriter err) {
        Instant until = client.renew(library, reservationId, owner, lease, timeout);
        if (json) {
            out.println(toJson(new LeaseRenewed(library, reservationId, owner, until)));
        } else {
            out.println("renewed reservation " + reservationId + ", lease until " + until);
        }
        return ExitCodes.OK;
    }
}
