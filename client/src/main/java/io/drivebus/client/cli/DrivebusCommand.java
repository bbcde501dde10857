package io.drivebus.client.cli;

import io.drivebus.client.ClientConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
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
                "11:notimpl",
                "12:hold: the lease was lost while the command ran",
                "hold exits with its command's exit status once the command ran."})
public class DrivebusCommand implements Runnable {

    @Option(names = "--bootstrap", scope = ScopeType.INHERIT, paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers (default: $DRIVEBUS_BOOTSTRAP, else 127.0.0.1:9092).")
    String bootstrap;

    @Option(names = "--kafka-config", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "Extra Kafka client properties (SASL, TLS) from a properties file "
                    + "(default: $DRIVEBUS_KAFKA_CONFIG).")
    Path kafkaConfig;

    @Option(names = "--inventory", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "The inventory-service's base URL for status and inventory (default: $DRIVEBUS_INVENTORY, else "
                    + "http://127.0.0.1:8080).")
    String inventory;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing verb: reserve, hold, release, renew, cancel, status, "
                + "inventory, slot, label, current, next, reset, eject, update, move, show or help");
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

    /** The verbs, in help order. Added by {@link #commandLine(String[])}, not by annotation: see there. */
    static final Map<String, Class<?>> VERBS = new LinkedHashMap<>();

    static {
        VERBS.put("reserve", ReserveCommand.class);
        VERBS.put("hold", HoldCommand.class);
        VERBS.put("release", ReleaseCommand.class);
        VERBS.put("renew", RenewCommand.class);
        VERBS.put("cancel", CancelCommand.class);
        VERBS.put("status", StatusCommands.Status.class);
        VERBS.put("inventory", StatusCommands.Inventory.class);
        VERBS.put("slot", ChangerLoadCommands.Slot.class);
        VERBS.put("label", ChangerLoadCommands.Label.class);
        VERBS.put("current", ChangerLoadCommands.Current.class);
        VERBS.put("next", ChangerLoadCommands.Next.class);
        VERBS.put("reset", ChangerCommands.Reset.class);
        VERBS.put("eject", ChangerCommands.Eject.class);
        VERBS.put("update", ChangerCommands.Update.class);
        VERBS.put("move", ChangerCommands.Move.class);
        VERBS.put("show", ChangerCommands.Show.class);
        VERBS.put("help", HelpCommand.class);
        VERBS.put("cds-training", CdsTraining.class);
    }

    /** Global options that take a value: the verb is the first word that is neither one of them nor its value. */
    private static final Set<String> GLOBAL_WITH_VALUE = Set.of("--bootstrap", "--kafka-config", "--inventory");

    public static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * Building picocli's model of a verb costs tens of milliseconds of reflection; a call names one verb, so only
     * that one is built (all of them for --help, help, or no verb).
     */
    static CommandLine commandLine(String[] args) {
        CommandLine cmd = new CommandLine(new DrivebusCommand());
        String verb = args == null ? null : verb(args);
        if (verb != null && VERBS.containsKey(verb) && !"help".equals(verb)) {
            cmd.addSubcommand(verb, VERBS.get(verb));
        } else {
            for (Map.Entry<String, Class<?>> v : VERBS.entrySet()) { // no lambda in this class: see Warmup
                cmd.addSubcommand(v.getKey(), v.getValue());
            }
        }
        return cmd;
    }

    static String verb(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (GLOBAL_WITH_VALUE.contains(a)) {
                i++;
            } else if (!a.startsWith("-")) {
                return a;
            } else if (a.equals("--")) {
                return null;
            }
        }
        return null;
    }

    public static void main(String[] args) {
        io.drivebus.client.Trace.mark("main");
        Warmup.start(verb(args), args); // the codec's and the Kafka client's start-up, while picocli builds its model
        CommandLine cmd = commandLine(args);
        io.drivebus.client.Trace.mark("model");
        int code = cmd.execute(args);
        io.drivebus.client.Trace.mark("exit " + code);
        System.exit(code);
    }
}
