package io.drivebus.inventory.security;

import java.security.Principal;

/** The operator a token names, and the site its {@code site} claim names (null when it has none). */
public record OperatorPrincipal(String getName, String site) implements Principal {
}
