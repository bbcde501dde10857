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

    /** This agent's host id: the key of its commands on drivebus.device.commands. */
    String host();

    /** Durable agent state: fencing tokens, command results, status sequence numbers. Must survive restarts. */
    String stateDir();

    /** How often every library's status is republished (the heartbeat readers use to judge the agent alive). */
    @WithDefault("5s")
    Duration heartbeatInterval();

    /** The libraries this host serves, by library id. */
    Map<String, LibraryConfig> libraries();

    interface LibraryConfig {
        /** vtape (mtx and file come with issue 4). */
        @WithDefault("vtape")
        String driver();

        /** vtape: the library directory. */
        String path();

        /** If any of these is set and {@link #path()} holds no library yet, a demo library is created there. */
        InitConfig init();
    }

    interface InitConfig {
        /** Number of slots, each filled with a labelled volume (default 10). */
        OptionalInt slots();

        /** Drive ids (default d0,d1). */
        Optional<List<String>> drives();

        /** Labels are prefix + 001, 002, ... (default VOL). */
        Optional<String> labelPrefix();

        default boolean requested() {
            return slots().isPresent() || drives().isPresent() || labelPrefix().isPresent();
        }
    }
}
