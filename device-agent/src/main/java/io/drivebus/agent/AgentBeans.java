package io.drivebus.agent;

import io.drivebus.agent.changer.Libraries;
import io.drivebus.agent.command.CommandExecutor;
import io.drivebus.agent.command.CommandResultStore;
import io.drivebus.agent.command.MotionJournal;
import io.drivebus.agent.fencing.FencingStore;
import io.drivebus.agent.status.StatusSequence;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The agent's durable state and libraries, as beans; the classes themselves stay plain for unit tests. */
@Singleton
public class AgentBeans {

    /** Status sequence numbers are reserved this many at a time (one fsync per block, not per heartbeat). */
    static final long SEQUENCE_BLOCK = 100;

    @Produces
    @Singleton
    Libraries libraries(AgentConfig config) {
        return Libraries.open(config.libraries(), stateDir(config));
    }

    @Produces
    @Singleton
    FencingStore fencingStore(AgentConfig config) {
        return new FencingStore(stateDir(config));
    }

    @Produces
    @Singleton
    CommandResultStore commandResultStore(AgentConfig config) {
        return new CommandResultStore(stateDir(config), CommandResultStore.DEFAULT_CAPACITY);
    }

    void closeResults(@Disposes CommandResultStore store) {
        store.close();
    }

    @Produces
    @Singleton
    MotionJournal motionJournal(AgentConfig config) {
        return new MotionJournal(stateDir(config));
    }

    @Produces
    @Singleton
    CommandExecutor commandExecutor(AgentConfig config, Libraries libraries, FencingStore fencing,
            CommandResultStore results, MotionJournal journal) {
        return new CommandExecutor(config.host(), libraries, fencing, results, journal);
    }

    @Produces
    @Singleton
    StatusSequence statusSequence(AgentConfig config) {
        return new StatusSequence(stateDir(config), SEQUENCE_BLOCK);
    }

    static Path stateDir(AgentConfig config) {
        try {
            return Files.createDirectories(Path.of(config.stateDir()));
        } catch (IOException e) {
            throw new UncheckedIOException("drivebus.agent.state-dir: cannot create " + config.stateDir(), e);
        }
    }
}
