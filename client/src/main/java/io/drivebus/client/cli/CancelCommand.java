package io.drivebus.client.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drivebus.client.DrivebusClient;
import io.drivebus.schemas.Owner;
import io.drivebus.schemas.reservation.ReservationEvent;
import io.drivebus.schemas.reservation.ReservationReleased;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "cancel", description = {"Withdraw a reserve request by its request id (only its owner may): a waiting "
        + "request leaves the queue, a load in flight is ended, a reservation already usable is released."})
final class CancelCommand extends ReservationVerb {

    @Option(names = "--request", required = true, paramLabel = "ID", description = "The reserve request's id (requestId).")
    String requestId;

    @Override
    int execute(DrivebusClient client, Owner owner, PrintWriter out, PrintWriter err) {
        ReservationEvent e = client.cancel(library, requestId, owner, timeout);
        boolean released = e instanceof ReservationReleased;
        if (json) {
            ObjectNode o = mapper().createObjectNode();
            o.put("library", library);
            o.put("requestId", requestId);
            o.put("outcome", released ? "released" : "cancelled");
            if (e instanceof ReservationReleased r) {
                o.put("reservationId", r.reservationId());
            }
            out.println(o);
        } else {
            out.println((released ? "released the reservation of request " : "cancelled request ") + requestId);
        }
        return ExitCodes.OK;
    }
}
