package io.drivebus.agent;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Fresh directories per test run: the agent's state dir and the vtape library "agentlib" (created by the agent). */
public class AgentDirsResource implements QuarkusTestResourceLifecycleManager {

    private static Path root;

    public static synchronized Path root() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("drivebus-agent-test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    public static Path libraryDir() {
        return root().resolve("agentlib");
    }

    @Override
    public Map<String, String> start() {
        return Map.of(
                "drivebus.agent.state-dir", root().resolve("state").toString(),
                "drivebus.agent.libraries.agentlib.path", libraryDir().toString());
    }

    @Override
    public void stop() {
    }
}
