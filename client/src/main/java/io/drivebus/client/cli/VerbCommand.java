package io.drivebus.client.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.drivebus.schemas.MessageCodec;
import io.drivebus.client.ClientConfig;
import io.drivebus.client.DrivebusClient;
import io.drivebus.client.DrivebusException;
import io.drivebus.schemas.Owner;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.ProducerConfig;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every verb shares: the owner it acts for, {@code --json}, one client for the call, and turning
 * errors into one stderr line plus an exit code per reason.
 */
abstract class VerbCommand implements Callable<Integer> {

    /** The codec's mapper (the project's JSON conventions): built once, off the main thread (see Warmup). */
    static ObjectMapper mapper() {
        return MessageCodec.get().mapper();
    }

    @ParentCommand
    DrivebusCommand top;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--owner", paramLabel = "KEY", description = "Owner key (default: your user name).")
    String ownerKey;

    @Option(names = "--site", paramLabel = "SITE", description = "Owner site (default: this host's name).")
    String site;

    @Option(names = "--json", description = "Print the result (or the error) as one JSON object on stdout.")
    boolean json;

    /** @param client null when {@link #needsBus()} is false */
    abstract int execute(DrivebusClient client, Owner owner, PrintWriter out, PrintWriter err) throws Exception;

    /** Usage checks picocli's annotations cannot express; throw {@link picocli.CommandLine.ParameterException} (exit 2). */
    void validate() {
    }

    /** Verbs that only read the inventory REST API do not start Kafka clients. */
    boolean needsBus() {
        return true;
    }

    /** The library the verb's request goes to, when known before it is built; null: none or unknown. */
    String library() {
        return null;
    }

    /** The verb's --timeout. */
    abstract Duration timeout();

    @Override
    public Integer call() {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        io.drivebus.client.Trace.mark("parsed");
        ClientConfig config = top.clientConfig();
        io.drivebus.client.Trace.mark("config");
        if (!config.kafkaProperties().containsKey(ProducerConfig.MAX_BLOCK_MS_CONFIG)) {
            // an unreachable bus fails the call within its --timeout, not the client's default 15 s
            config = config.withKafkaProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(maxBlockMs(timeout())));
        }
        Owner owner = new Owner(ownerKey != null ? ownerKey : config.defaultOwner().key(),
                site != null ? site : config.defaultOwner().site());
        try (DrivebusClient client = needsBus() ? DrivebusClient.connect(config.withDefaultOwner(owner)) : null) {
            if (client != null && library() != null) {
                client.listen(library()); // while the request is built and encoded
            }
            return execute(client, owner, out, err);
        } catch (DrivebusException e) {
            int code = ExitCodes.of(e);
            if (json) {
                ObjectNode o = mapper().createObjectNode();
                o.set("error", mapper().valueToTree(e.error()));
                o.put("exitCode", code);
                if (e.requestId() != null) {
                    o.put("requestId", e.requestId());
                }
                out.println(o);
            }
            err.println("drivebus: " + e.getMessage());
            return code;
        } catch (Exception e) {
            err.println("drivebus: " + e);
            return ExitCodes.OTHER;
        } finally {
            out.flush();
            err.flush();
        }
    }

    static long maxBlockMs(Duration timeout) {
        return Math.min(timeout.toMillis(), 15_000);
    }

    static String toJson(Object o) {
        try {
            return mapper().writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

}
