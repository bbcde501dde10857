package io.drivebus.schemas;

import java.util.Objects;

/**
 * Who holds a reservation: DEC SRC LockOps' {key, site}. {@code key} names the job or user,
 * {@code site} the host it runs on. Equality of both is what "only the owner releases" checks.
 */
public record Owner(String key, String site) {
    public Owner {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(site, "site");
    }

    @Override
    public String toString() {
        return key + "@" + site;
    }
}
