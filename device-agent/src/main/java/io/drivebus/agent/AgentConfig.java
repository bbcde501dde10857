package io.drivebus.agent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** The agent's configuration; README.md lists every property with an example. */
@ConfigMapping(prefix = "drivebus.agent")
public interface AgentConfig {

    /** This agent's host id: its commands are on drivebus.device.commands.<host> (letters, digits, '.', '_', '-'). */
    String host();

    /** Durable agent state: fencing tokens, command results, status sequence numbers. Must survive restarts. */
    String stateDir();

    /** How often every library's status is republished (the heartbeat readers use to judge the agent alive). */
    @WithDefault("5s")
    Duration heartbeatInterval();

    /** The libraries this host serves, by library id. */
    Map<String, LibraryConfig> libraries();

    /**
     * The principal this agent signs its status and results with (default {@code host:<host>}, the host's derived
     * principal; see {@link io.drivebus.schemas.auth.HostKeys}), and the secret it shares with the reservation-service
     * (which, enforcing, refuses unsigned records and a principal speaking for another host). With a secret, the agent
     * also accepts only commands signed with it by {@link #commandSigner()}.
     */
    Optional<String> principal();

    Optional<String> secret();

    /** The principal whose signature (with this agent's secret) a command must carry when a secret is set. */
    @WithDefault("reservation-service")
    String commandSigner();

    /** The principal records are signed as: {@link #principal()}, else the host's derived one. */
    default String signingPrincipal() {
        return principal().orElse(io.drivebus.schemas.auth.HostKeys.principal(host()));
    }

    /** One library; README.md lists which properties each driver takes. */
    interface LibraryConfig {
        /** vtape (directory), mtx (SCSI changer through mtx/mt) or file (fixed devices). */
        @WithDefault("vtape")
        String driver();

        /** vtape: the library directory. */
        Optional<String> path();

        /** vtape: if any of these is set and {@link #path()} holds no library yet, a demo library is created there. */
        InitConfig init();

        /** vtape: simulated robot time per motion (demos; zero = instant). */
        Optional<Duration> simulateMotionTime();

        /** mtx: the changer's SCSI generic device, e.g. /dev/sg3. */
        Optional<String> device();

        /** mtx: the drives as {@code id=/dev/nstN}, in the changer's element order (first = Data Transfer Element 0). */
        Optional<List<String>> drives();

        /** mtx: the mtx executable. */
        @WithDefault("mtx")
        String mtxPath();

        /** mtx: the mt executable (mt-st). */
        @WithDefault("mt")
        String mtPath();

        /** mtx: the time one motion may take, Not Ready retries and the wait for the drive to come ONLINE included. */
        @WithDefault("10m")
        Duration motionTimeout();

        /** mtx: the time {@code mtx status} may take. */
        @WithDefault("2m")
        Duration statusTimeout();

        /** mtx: take the tape offline ({@code mt offline}) before every unload; some libraries need it. */
        @WithDefault("false")
        boolean ejectBeforeUnload();

        /** mtx: how often a command failing with a Not Ready sense is retried. */
        @WithDefault("6")
        int notReadyRetries();

        /** mtx: the first pause before a Not Ready retry; doubled each time, at most one minute. */
        @WithDefault("5s")
        Duration retryBackoff();

        /** mtx: how often {@code mt status} is asked, after a load, until the drive is ONLINE. */
        @WithDefault("2s")
        Duration readyPollInterval();

        /** file: the devices as {@code id=/path}; slot n is the n-th device. */
        Optional<List<String>> devices();
    }

    interface InitConfig {
        /** Number of slots, each filled with a labelled volume (default 10). */
        OptionalInt slots();

        /** Drive ids (default d0,d1). */
        Optional<List<String>> drives();

        /** Labels are prefix + 001, 002, ... (default VOL). */
        Optional<String> labelPrefix();

        /** The last N slots are import/export slots, created empty (default 0). */
        OptionalInt importExportSlots();

        default boolean requested() {
            return slots().isPresent() || drives().isPresent() || labelPrefix().isPresent() || importExportSlots().isPresent();
        }
    }
}
