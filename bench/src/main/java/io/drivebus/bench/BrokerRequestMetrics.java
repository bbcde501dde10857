package io.drivebus.bench;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.InstanceNotFoundException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The broker's request metrics (time per request type, split into queue, local, remote and send time) and its
 * transaction-verification figures, read over JMX from a running broker: what docs/design-notes.md quotes on the
 * 500 requests/s goal. Diagnosis, not a scenario: start a run with
 * {@code DRIVEBUS_BROKER_JVM_OPTS="-Dcom.sun.management.jmxremote.port=19999 -Dcom.sun.management.jmxremote.rmi.port=19999
 * -Dcom.sun.management.jmxremote.authenticate=false -Dcom.sun.management.jmxremote.ssl=false -Djava.rmi.server.hostname=127.0.0.1"}
 * and, while it runs: {@code java -cp bench/target/classes io.drivebus.bench.BrokerRequestMetrics 19999 [Produce,EndTxn,…]}.
 */
public final class BrokerRequestMetrics {
    private static final String[] REQUESTS = {"Produce", "FetchConsumer", "EndTxn", "AddOffsetsToTxn", "TxnOffsetCommit",
            "AddPartitionsToTxn", "WriteTxnMarkers", "InitProducerId", "Heartbeat", "FindCoordinator"};
    private static final String[] PARTS = {"TotalTimeMs", "RequestQueueTimeMs", "LocalTimeMs", "RemoteTimeMs", "ResponseQueueTimeMs",
            "ResponseSendTimeMs"};

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !args[0].matches("\\d{1,5}")) {
            System.err.println("usage: BrokerRequestMetrics JMX-PORT [Produce,EndTxn,…]");
            System.exit(2);
        }
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + args[0] + "/jmxrmi");
        String[] requests = args.length > 1 ? args[1].split(",") : REQUESTS;
        try (JMXConnector connector = JMXConnectorFactory.connect(url)) {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            System.out.printf("%-20s %-20s %8s %8s %8s %8s %8s%n", "request", "part", "count", "mean", "p50", "p99", "max");
            for (String request : requests) {
                for (String part : PARTS) {
                    ObjectName name = new ObjectName("kafka.network:type=RequestMetrics,name=" + part + ",request=" + request);
                    try {
                        AttributeList values = server.getAttributes(name, new String[] {"Count", "Mean", "50thPercentile", "99thPercentile", "Max"});
                        Object[] v = values.asList().stream().map(Attribute::getValue).toArray();
                        System.out.printf("%-20s %-20s %8s %8.2f %8.2f %8.2f %8.2f%n", request, part, v[0], v[1], v[2], v[3], v[4]);
                    } catch (InstanceNotFoundException e) {
                        // a request type this broker has not served
                    }
                }
            }
            // how busy the broker's threads were, and how its transaction checks went (refusals: VerificationFailureRate)
            print(server, "kafka.server:type=KafkaRequestHandlerPool,name=RequestHandlerAvgIdlePercent");
            print(server, "kafka.network:type=SocketServer,name=NetworkProcessorAvgIdlePercent");
            print(server, "kafka.server:type=AddPartitionsToTxnManager,*");
        }
    }

    private static void print(MBeanServerConnection server, String pattern) throws Exception {
        for (ObjectName name : server.queryNames(new ObjectName(pattern), null)) {
            StringBuilder line = new StringBuilder(name.toString());
            for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
                if (attribute.getName().matches("Value|Count|Mean|50thPercentile|99thPercentile|Max|OneMinuteRate")) {
                    line.append(' ').append(attribute.getName()).append('=').append(server.getAttribute(name, attribute.getName()));
                }
            }
            System.out.println(line);
        }
    }

    private BrokerRequestMetrics() {
    }
}
