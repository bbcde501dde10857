package io.drivebus.client.cli;

import io.drivebus.client.ClientConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The {@code drivebus} command line: reserve, release and renew drives from a backup job's host. */
@Command(name = "drivebus", mixinStandardHelpOptions = true, version = "drivebus 0.1.0",
        description = "Exclusive, fenced use of tape drives, slots and volumes through the drivebus.",
        subcommands = {ReserveCommand.class, ReleaseCommand.class, RenewCommand.class, HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                " 0:ok",
                " 1:other error (bus unreachable, unexpected answer)",
                " 2:usage",
                " 3:notfound",
                " 4:volinuse (the volume or slot is held by someone else)",
                " 5:driveinuse",
                " 6:empty (the slot holds no volume)",
                " 7:device (the robot or drive failed)",
                " 8:invalid",
                " 9:timeout or expired (no grant within --timeout)",
                "10:unauthorized (not the owner)",
                "11:notimpl"})
public class DrivebusCommand implements Runnable {

    @Option(names = "--bootstrap", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: $DRIVEBUS_BOOTSTRAP, else 127.0.0.1:9092).")
    String bootstrap;

    @Option(names = "--kafka-config", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "Extra Kafka client properties (SASL, TLS) from a properties file "
                    + "(default: $DRIVEBUS_KAFKA_CONFIG).")
    Path kafkaConfig;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing verb: reserve, release, renew or help");
    }

    /** The client settings the global options describe. */
    ClientConfig clientConfig() {
        ClientConfig config = ClientConfig.defaults();
        if (bootstrap != null) {
            config = config.withBootstrapServers(bootstrap);
        }
        Path file = kafkaConfig;
        String env = System.getenv("DRIVEBUS_KAFKA_CONFIG");
        if (file == null && env != null && !env.isBlank()) {
            file = Path.of(env);
        }
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), "cannot read --kafka-config " + file + ": " + e.getMessage());
            }
            for (String k : p.stringPropertyNames()) {
                config = config.withKafkaProperty(k, p.getProperty(k));
            }
        }
        return config;
    }

    public static CommandLine commandLine() {
        return new CommandLine(new DrivebusCommand());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
