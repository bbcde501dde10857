package io.drivebus.inventory.api;

import io.drivebus.inventory.api.Views.ReservationView;
import io.drivebus.inventory.api.Views.Volume;
import io.drivebus.inventory.api.Views.VolumeLocation;
import io.drivebus.inventory.library.Drive;
import io.drivebus.inventory.library.Slot;
import io.drivebus.inventory.reservation.Reservation;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.hibernate.reactive.mutiny.Mutiny;

@Path("/api/volumes")
@Produces(MediaType.APPLICATION_JSON)
public class VolumeResource {

    @Inject
    Mutiny.SessionFactory sessions;

    @GET
    @Path("/{label}")
    @Operation(summary = "Where a volume is, by label or barcode (a slot, or a drive and the slot it came from), and who holds it")
    public Uni<Volume> find(@PathParam("label") String label) {
        return sessions.withSession(s -> s.createSelectionQuery("from Drive where label = :l or barcode = :l order by libraryId, driveId", Drive.class)
                .setParameter("l", label).getResultList()
                .chain(drives -> s.createSelectionQuery("from Slot where label = :l or barcode = :l order by libraryId, slot", Slot.class)
                        .setParameter("l", label).getResultList()
                        .chain(slots -> s.createSelectionQuery("from Reservation where (label = :l or barcode = :l) and state in (:active) "
                                        + "order by createdAt desc", Reservation.class)
                                .setParameter("l", label).setParameter("active", LibraryResource.ACTIVE).getResultList()
                                .map(held -> {
                                    List<VolumeLocation> at = new ArrayList<>();
                                    drives.forEach(d -> at.add(new VolumeLocation(d.libraryId, "drive", d.sourceSlot, d.driveId,
                                            d.devicePath, d.state, d.barcode)));
                                    slots.forEach(sl -> at.add(new VolumeLocation(sl.libraryId, "slot", sl.slot, null, null,
                                            sl.state, sl.barcode)));
                                    return new Volume(label, at, held.stream().map(ReservationView::of).toList());
                                }))))
                .map(v -> {
                    if (v.locations().isEmpty() && v.reservations().isEmpty()) {
                        throw ProblemException.notFound("volume '" + label + "' is in no known slot or drive");
                    }
                    return v;
                });
    }
}
