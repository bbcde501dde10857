package io.drivebus.client.cli;

import io.drivebus.client.DrivebusClient;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ReservationReleased;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "release",
        description = "Release a reservation (only its owner may). The volume stays in the drive unless --unload.")
final class ReleaseCommand extends ReservationVerb {

    @Option(names = "--reservation", required = true, paramLabel = "ID", description = "The reservation id reserve printed.")
    String reservationId;

    @Option(names = "--unload", description = "Also put the volume back into its slot.")
    boolean unload;

    @Override
    int execute(DrivebusClient client, Owner owner, PrintWriter out, PrintWriter err) {
        ReservationReleased r = client.release(library, reservationId, owner, unload, timeout);
        out.println(json ? toJson(r)
                : "released reservation " + r.reservationId() + " (drive " + r.drive() + ", token " + r.token() + ")");
        return ExitCodes.OK;
    }
}
