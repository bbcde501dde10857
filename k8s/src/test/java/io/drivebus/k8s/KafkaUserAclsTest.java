package io.drivebus.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.drivebus.schemas.Topics;
import io.drivebus.stack.BrokerSecurity;
import io.drivebus.stack.KafkaBroker;
import io.drivebus.stack.TopicSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AbortTransactionSpec;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The KafkaUsers of base/users.yaml, applied to the real broker: Strimzi's {@code authorization: simple} is Kafka's
 * own authorizer, so the ACLs are translated one to one into AclBindings on a broker that enforces them (KRaft's
 * StandardAuthorizer, SCRAM over TLS, no ACL means no access). Then each user does what its role needs — which
 * must work — and what it must not — which must be refused. Reads base/users.yaml directly, so it runs without
 * kubectl.
 */
class KafkaUserAclsTest {
    static final String ADMIN = "drivebus-admin";
    /** Authenticated, but no KafkaUser: gets nothing. */
    static final String STRANGER = "stranger";
    static final String AGENT_HOST = "tape07";
    static final String OTHER_HOST = "tape08";
    static final String AGENT = "device-agent-" + AGENT_HOST;
    static final String COMMANDS = Topics.deviceCommands(AGENT_HOST);
    static final String LIBRARY = "lib7";

    static KafkaBroker broker;
    static BrokerSecurity security;
    static Map<String, List<AclBinding>> aclsByUser;
    /** Seeds the topics for the readers; one producer for all of it keeps the test short. */
    static KafkaProducer<String, String> seeder;

    @BeforeAll
    static void startBrokerWithUsersAndAcls() throws Exception {
        aclsByUser = kafkaUserAcls(Path.of("base", "users.yaml"));
        // each drive host's agent user, as drive-host/ makes it (rendered by kustomize for two hosts)
        aclsByUser.putAll(kafkaUserAcls(ManifestsTest.renderHosts(AGENT_HOST, OTHER_HOST)));
        // a new KafkaUser needs its role acted out below
        assertEquals(List.of("reservation-service", "inventory-service", "backup-client", AGENT, "device-agent-" + OTHER_HOST),
                List.copyOf(aclsByUser.keySet()));
        Map<String, String> users = new LinkedHashMap<>();
        users.put(ADMIN, UUID.randomUUID().toString()); // first: the broker's own user, the only super user
        aclsByUser.keySet().forEach(u -> users.put(u, UUID.randomUUID().toString()));
        users.put(STRANGER, UUID.randomUUID().toString());
        Path dir = Path.of("target", "acl-broker").toAbsolutePath();
        deleteTree(dir);
        security = BrokerSecurity.create(dir.resolve("tls"), users).withAcls();
        broker = KafkaBroker.start(dir, 0, security);
        // one partition each: what an ACL allows does not depend on the partition count, and fewer are quicker to read
        TopicSetup.ensureTopics(broker.bootstrap(), 1, broker.adminClientProperties(), AGENT_HOST, OTHER_HOST);
        try (Admin admin = Admin.create(props(ADMIN))) {
            List<AclBinding> all = aclsByUser.values().stream().flatMap(List::stream).toList();
            admin.createAcls(all).all().get(30, TimeUnit.SECONDS);
            // the broker's authorizer learns them from the metadata log: wait until it reports them all
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (admin.describeAcls(AclBindingFilter.ANY).values().get().size() < all.size()) {
                assertTrue(System.nanoTime() < deadline, "the broker never showed the ACLs it was given");
                Thread.sleep(50);
            }
        }
        seeder = producer(props(ADMIN));
    }

    @AfterAll
    static void stopBroker() {
        if (seeder != null) {
            seeder.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void theBrokerHoldsEveryKafkaUsersAclsAsWritten() throws Exception {
        try (Admin admin = Admin.create(props(ADMIN))) {
            for (var e : aclsByUser.entrySet()) {
                assertFalse(e.getValue().isEmpty(), e.getKey() + " has ACLs");
                var filter = new AclBindingFilter(ResourcePatternFilter.ANY,
                        new AccessControlEntryFilter("User:" + e.getKey(), null, AclOperation.ANY, AclPermissionType.ANY));
                assertEquals(new HashSet<>(e.getValue()), new HashSet<>(admin.describeAcls(filter).values().get(30, TimeUnit.SECONDS)), e.getKey());
            }
        }
    }

    @Test
    void aBackupJobSendsRequestsAndReadsAnswersButCannotCommandADriveOrForgeStatusOrAnswers() throws Exception {
        String user = "backup-client";
        send(user, Topics.RESERVATION_REQUESTS, LIBRARY, "reserve from a backup job");
        seed(Topics.RESERVATION_EVENTS, LIBRARY, "an answer");
        assertTrue(readAll(user, null, Topics.RESERVATION_EVENTS).contains("an answer"), "reads answers without a group");

        assertRefused(TopicAuthorizationException.class, () -> send(user, COMMANDS, AGENT_HOST, "load by a job"));
        assertRefused(TopicAuthorizationException.class, () -> send(user, Topics.DEVICE_STATUS, LIBRARY, "forged status"));
        assertRefused(TopicAuthorizationException.class, () -> send(user, Topics.RESERVATION_EVENTS, LIBRARY, "forged grant"));
        assertRefused(TopicAuthorizationException.class, () -> readAll(user, null, COMMANDS));
        // its answers come from assigned partitions; it has no consumer group to commit in
        assertRefused(GroupAuthorizationException.class, () -> readAll(user, "drivebus-inventory", Topics.RESERVATION_EVENTS));
    }

    @Test
    void theReservationServiceDecidesInOneTransactionUnderItsOwnPrefixOnly() throws Exception {
        String user = "reservation-service";
        seed(Topics.DEVICE_STATUS, LIBRARY, "status of lib7");
        seed(Topics.DEVICE_EVENTS, LIBRARY, "a result");
        seed(Topics.RESERVATION_REQUESTS, LIBRARY, "a request to decide");
        // Kafka Streams creates its changelog under the application id
        String changelog = "drivebus-reservation-libraries-changelog";
        try (Admin admin = Admin.create(props(user))) {
            admin.createTopics(List.of(new NewTopic(changelog, 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                    .all().get(30, TimeUnit.SECONDS);
        }
        // what exactly_once_v2 does per commit: read inputs in the application's group, write answers, commands,
        // forwards, dead letters and the changelog, commit the consumed offsets, all in one transaction
        Properties cp = props(user);
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, "drivebus-reservation");
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        Properties pp = props(user);
        pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "drivebus-reservation-" + UUID.randomUUID() + "-1");
        try (KafkaConsumer<String, String> in = consumer(cp); KafkaProducer<String, String> out = producer(pp)) {
            List<TopicPartition> inputs = partitions(in, Topics.LIBRARY_KEYED);
            in.assign(inputs);
            in.seekToBeginning(inputs);
            List<ConsumerRecord<String, String>> read = poll(in, 3);
            out.initTransactions();
            out.beginTransaction();
            out.send(new ProducerRecord<>(Topics.RESERVATION_EVENTS, LIBRARY, "granted"));
            out.send(new ProducerRecord<>(COMMANDS, AGENT_HOST, "load slot 3 into d0, token 7"));
            out.send(new ProducerRecord<>(Topics.RESERVATION_REQUESTS, "lib8", "forwarded to the next candidate"));
            out.send(new ProducerRecord<>(Topics.dlq(Topics.DEVICE_STATUS), LIBRARY, "undecodable status"));
            out.send(new ProducerRecord<>(changelog, LIBRARY, "state of lib7"));
            Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
            read.forEach(r -> offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1)));
            out.sendOffsetsToTransaction(offsets, in.groupMetadata());
            out.commitTransaction();
        }
        assertTrue(readAll(ADMIN, null, COMMANDS).contains("load slot 3 into d0, token 7"));

        Properties stranger = props(user);
        stranger.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "someone-else-1");
        assertRefused(TransactionalIdAuthorizationException.class, () -> {
            try (KafkaProducer<String, String> p = producer(stranger)) {
                p.initTransactions();
            }
        });
        // the drives' state is the agents' to report
        assertRefused(TopicAuthorizationException.class, () -> send(user, Topics.DEVICE_STATUS, LIBRARY, "forged status"));
        assertRefused(TopicAuthorizationException.class, () -> send(user, Topics.DEVICE_EVENTS, LIBRARY, "forged result"));
    }

    /**
     * The service's sweeper for transactions a broker crash left hanging (HangingTransactions), under the service's own
     * ACLs: it lists the topics its transactions write (the group's offsets among them), describes their producers,
     * asks the coordinators about those producers' transactions, and ends one with a marker on its partition, which
     * needs ClusterAction. Another service's user may not write that marker.
     */
    @Test
    void theReservationServiceEndsATransactionLeftHangingAndNoOtherUserCan() throws Exception {
        String user = "reservation-service";
        String changelog = "drivebus-reservation-seen-requests-changelog";
        TopicPartition tp = new TopicPartition(changelog, 0);
        String transactionalId = "drivebus-reservation-" + UUID.randomUUID() + "-1";
        Properties pp = props(user);
        pp.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        Properties cp = props(user);
        cp.put(ConsumerConfig.GROUP_ID_CONFIG, "drivebus-reservation-sweeper");
        try (Admin admin = Admin.create(props(user)); KafkaProducer<String, String> open = producer(pp); KafkaConsumer<String, String> group = consumer(cp)) {
            admin.createTopics(List.of(new NewTopic(changelog, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            // the group's offsets topic exists once a group has committed
            group.commitSync(Map.of(new TopicPartition(Topics.RESERVATION_REQUESTS, 0), new OffsetAndMetadata(0)));
            open.initTransactions();
            open.beginTransaction();
            open.send(new ProducerRecord<>(changelog, "r1", "seen")).get(30, TimeUnit.SECONDS);
            open.send(new ProducerRecord<>(Topics.RESERVATION_EVENTS, LIBRARY, "granted")).get(30, TimeUnit.SECONDS);

            var names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
            assertTrue(names.containsAll(List.of(changelog, "__consumer_offsets")), "listed: " + names);
            for (var p : admin.describeTopics(List.of("__consumer_offsets")).allTopicNames().get(30, TimeUnit.SECONDS).get("__consumer_offsets").partitions()) {
                TopicPartition offsets = new TopicPartition("__consumer_offsets", p.partition());
                admin.describeProducers(List.of(offsets)).partitionResult(offsets).get(30, TimeUnit.SECONDS);
            }
            ProducerState hanging = admin.describeProducers(List.of(tp)).partitionResult(tp).get(30, TimeUnit.SECONDS).activeProducers().stream()
                    .filter(ps -> ps.currentTransactionStartOffset().isPresent()).findFirst().orElseThrow();
            assertTrue(admin.listTransactions().all().get(30, TimeUnit.SECONDS).stream().anyMatch(l -> l.producerId() == hanging.producerId()));
            assertEquals(hanging.producerId(), admin.describeTransactions(List.of(transactionalId)).all().get(30, TimeUnit.SECONDS)
                    .get(transactionalId).producerId());
            assertTrue(admin.describeFeatures().featureMetadata().get(30, TimeUnit.SECONDS).finalizedFeatures().containsKey("transaction.version"));

            // the marker at the epoch the coordinator's own would have (transaction.version 2: one epoch per transaction)
            java.util.function.Function<TopicPartition, AbortTransactionSpec> marker = p -> new AbortTransactionSpec(p, hanging.producerId(),
                    (short) (hanging.producerEpoch() + 1), hanging.coordinatorEpoch().orElse(-1));
            TopicPartition events = new TopicPartition(Topics.RESERVATION_EVENTS, 0);
            // the inventory reads the answers, so may see their partition, but not end a transaction on it
            try (Admin other = Admin.create(props("inventory-service"))) {
                assertRefused(ClusterAuthorizationException.class, () -> other.abortTransaction(marker.apply(events)).all().get(30, TimeUnit.SECONDS));
            }
            for (TopicPartition p : List.of(tp, events)) {
                admin.abortTransaction(marker.apply(p)).all().get(30, TimeUnit.SECONDS);
                assertTrue(admin.describeProducers(List.of(p)).partitionResult(p).get(30, TimeUnit.SECONDS).activeProducers().stream()
                        .noneMatch(ps -> ps.currentTransactionStartOffset().isPresent()), p + " holds no open transaction");
            }
        }
    }

    @Test
    void anAgentReadsItsOwnHostsCommandsAndReportsButCannotReadAnotherHostsOrCommandOrAnswer() throws Exception {
        String user = AGENT;
        seed(COMMANDS, AGENT_HOST, "eject d1");
        assertTrue(readAll(user, "drivebus-agent-" + AGENT_HOST, COMMANDS).contains("eject d1"),
                "reads its host's commands and commits in its host's group");
        send(user, Topics.DEVICE_STATUS, LIBRARY, "lib7: d0 empty, 24 slots");
        send(user, Topics.DEVICE_EVENTS, LIBRARY, "eject d1: done");
        send(user, Topics.dlq(Topics.DEVICE_COMMANDS), AGENT_HOST, "undecodable command");

        // another host's commands: neither readable nor its group usable
        String other = Topics.deviceCommands(OTHER_HOST);
        seed(other, OTHER_HOST, "load on tape08");
        assertRefused(TopicAuthorizationException.class, () -> readAll(user, null, other));
        assertRefused(GroupAuthorizationException.class, () -> readAll(user, "drivebus-agent-" + OTHER_HOST, COMMANDS));
        assertTrue(readAll("device-agent-" + OTHER_HOST, "drivebus-agent-" + OTHER_HOST, other).contains("load on tape08"),
                "while tape08's own agent reads them");
        assertRefused(TopicAuthorizationException.class, () -> readAll("device-agent-" + OTHER_HOST, null, COMMANDS));

        assertRefused(TopicAuthorizationException.class, () -> send(user, COMMANDS, AGENT_HOST, "a command to itself"));
        assertRefused(TopicAuthorizationException.class, () -> send(user, other, OTHER_HOST, "load on another host"));
        assertRefused(TopicAuthorizationException.class, () -> send(user, Topics.RESERVATION_EVENTS, LIBRARY, "forged grant"));
        assertRefused(TopicAuthorizationException.class, () -> send(user, Topics.RESERVATION_REQUESTS, LIBRARY, "a request"));
        assertRefused(GroupAuthorizationException.class, () -> readAll(user, "drivebus-reservation", COMMANDS));
    }

    @Test
    void theInventoryProjectsAndAsksForOperatorsButCannotAnswerOrCommand() throws Exception {
        String user = "inventory-service";
        seed(Topics.RESERVATION_EVENTS, LIBRARY, "released");
        seed(Topics.DEVICE_STATUS, LIBRARY, "lib7 status");
        seed(Topics.DEVICE_EVENTS, LIBRARY, "load: done");
        List<String> projected = readAll(user, "drivebus-inventory", Topics.RESERVATION_EVENTS, Topics.DEVICE_STATUS, Topics.DEVICE_EVENTS);
        assertTrue(projected.containsAll(List.of("released", "lib7 status", "load: done")), "projects in its group: " + projected);
        assertTrue(readAll(user, null, Topics.RESERVATION_EVENTS).contains("released"), "awaits an operator action's answer without a group");
        send(user, Topics.RESERVATION_REQUESTS, LIBRARY, "operator: label slot 3");
        send(user, Topics.dlq(Topics.RESERVATION_EVENTS), LIBRARY, "unprojectable event");

        assertRefused(TopicAuthorizationException.class, () -> send(user, Topics.RESERVATION_EVENTS, LIBRARY, "forged grant"));
        assertRefused(TopicAuthorizationException.class, () -> send(user, COMMANDS, AGENT_HOST, "load"));
        assertRefused(TopicAuthorizationException.class, () -> send(user, Topics.DEVICE_STATUS, LIBRARY, "forged status"));
        assertRefused(TopicAuthorizationException.class, () -> readAll(user, null, COMMANDS));
    }

    @Test
    void anAuthenticatedStrangerGetsNothingAndAWrongPasswordGetsNoConnection() {
        assertRefused(TopicAuthorizationException.class, () -> send(STRANGER, Topics.RESERVATION_REQUESTS, LIBRARY, "a request"));
        assertRefused(TopicAuthorizationException.class, () -> readAll(STRANGER, null, Topics.RESERVATION_EVENTS));
        Properties wrong = props("backup-client");
        wrong.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"backup-client\" password=\"guess\";");
        assertRefused(SaslAuthenticationException.class, () -> {
            try (KafkaProducer<String, String> p = producer(wrong)) {
                p.send(new ProducerRecord<>(Topics.RESERVATION_REQUESTS, LIBRARY, "x")).get(15, TimeUnit.SECONDS);
            }
        });
    }

    // ---- users.yaml -> AclBindings -------------------------------------------------------------------------------

    /** Each KafkaUser's {@code spec.authorization.acls} as Kafka ACLs for principal {@code User:<name>}, in file order. */
    static Map<String, List<AclBinding>> kafkaUserAcls(Path usersYaml) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(Files.readString(usersYaml))) {
            var it = ManifestsTest.YAML.readValues(parser, ObjectNode.class);
            while (it.hasNext()) {
                docs.add(it.next());
            }
        }
        return kafkaUserAcls(docs);
    }

    static Map<String, List<AclBinding>> kafkaUserAcls(List<JsonNode> docs) {
        Map<String, List<AclBinding>> out = new LinkedHashMap<>();
        for (JsonNode d : docs) {
            if (d == null || !d.path("kind").asText().equals("KafkaUser")) {
                continue;
            }
            String user = d.path("metadata").path("name").asText();
            JsonNode auth = d.path("spec").path("authorization");
            assertEquals("simple", auth.path("type").asText(), user);
            List<AclBinding> bindings = new ArrayList<>();
            for (JsonNode acl : auth.path("acls")) {
                ResourcePattern resource = resource(user, acl.path("resource"));
                List<String> ops = new ArrayList<>();
                acl.path("operations").forEach(o -> ops.add(o.asText()));
                if (acl.has("operation")) { // Strimzi's older single form
                    ops.add(acl.path("operation").asText());
                }
                assertFalse(ops.isEmpty(), user + ": an ACL without operations");
                AclPermissionType permission = acl.path("type").asText("allow").equals("deny") ? AclPermissionType.DENY : AclPermissionType.ALLOW;
                for (String op : ops) {
                    bindings.add(new AclBinding(resource, new AccessControlEntry("User:" + user, acl.path("host").asText("*"), operation(user, op),
                            permission)));
                }
            }
            out.put(user, bindings);
        }
        return out;
    }

    private static ResourcePattern resource(String user, JsonNode r) {
        String type = r.path("type").asText();
        if (type.equals("cluster")) {
            return new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL);
        }
        ResourceType rt = switch (type) {
            case "topic" -> ResourceType.TOPIC;
            case "group" -> ResourceType.GROUP;
            case "transactionalId" -> ResourceType.TRANSACTIONAL_ID;
            default -> throw new AssertionError(user + ": unknown resource type '" + type + "'");
        };
        PatternType pt = switch (r.path("patternType").asText("literal")) {
            case "literal" -> PatternType.LITERAL;
            case "prefix" -> PatternType.PREFIXED;
            default -> throw new AssertionError(user + ": unknown patternType " + r.path("patternType"));
        };
        assertFalse(r.path("name").asText().isEmpty(), user + ": a " + type + " ACL without a name");
        return new ResourcePattern(rt, r.path("name").asText(), pt);
    }

    /** Strimzi spells operations as Kafka's in CamelCase: IdempotentWrite is IDEMPOTENT_WRITE. */
    private static AclOperation operation(String user, String strimzi) {
        AclOperation op = AclOperation.fromString(strimzi.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
        assertNotEquals(AclOperation.UNKNOWN, op, user + ": unknown operation " + strimzi);
        return op;
    }

    // ---- clients acting as a user --------------------------------------------------------------------------------

    static Properties props(String user) {
        Properties p = new Properties();
        p.putAll(security.clientProperties(user, security.password(user)));
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, user + "-" + UUID.randomUUID());
        return p;
    }

    private static KafkaProducer<String, String> producer(Properties p) {
        p.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    private static KafkaConsumer<String, String> consumer(Properties p) {
        p.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
    }

    /** Sends one record as {@code user}, idempotently, and waits for the broker to take it. */
    static void seed(String topic, String key, String value) throws Exception {
        seeder.send(new ProducerRecord<>(topic, key, value)).get(20, TimeUnit.SECONDS);
    }

    static void send(String user, String topic, String key, String value) throws Exception {
        try (KafkaProducer<String, String> p = producer(props(user))) {
            p.send(new ProducerRecord<>(topic, key, value)).get(20, TimeUnit.SECONDS);
        }
    }

    /**
     * Every value in {@code topics} from the beginning, as {@code user}: in consumer group {@code group} (committing
     * what it read, which needs the group's Read), or with assigned partitions and no group when null.
     */
    static List<String> readAll(String user, String group, String... topics) {
        Properties p = props(user);
        if (group != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        }
        try (KafkaConsumer<String, String> c = consumer(p)) {
            List<TopicPartition> tps = partitions(c, List.of(topics));
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> end = c.endOffsets(tps);
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (tps.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                assertTrue(System.nanoTime() < deadline, user + " did not reach the end of " + List.of(topics));
                c.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            }
            if (group != null) {
                c.commitSync();
            }
            return values;
        }
    }

    /** The partitions of {@code topics}; an unreadable topic fails here already (its metadata is refused). */
    private static List<TopicPartition> partitions(KafkaConsumer<?, ?> c, List<String> topics) {
        List<TopicPartition> tps = new ArrayList<>();
        for (String t : topics) {
            var infos = c.partitionsFor(t);
            if (infos == null || infos.isEmpty()) {
                throw new TopicAuthorizationException("no partitions visible for " + t);
            }
            infos.forEach(i -> tps.add(new TopicPartition(t, i.partition())));
        }
        return tps;
    }

    private static List<ConsumerRecord<String, String>> poll(KafkaConsumer<String, String> c, int atLeast) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (out.size() < atLeast) {
            assertTrue(System.nanoTime() < deadline, "read " + out.size() + " of " + atLeast + " inputs");
            c.poll(Duration.ofMillis(200)).forEach(out::add);
        }
        return out;
    }

    interface Attempt {
        void run() throws Exception;
    }

    /** The attempt fails, and for the reason given (not a timeout or a missing topic). */
    static void assertRefused(Class<? extends Exception> expected, Attempt attempt) {
        try {
            attempt.run();
        } catch (Exception e) {
            Throwable cause = e;
            while ((cause instanceof ExecutionException || cause instanceof org.apache.kafka.common.KafkaException)
                    && !expected.isInstance(cause) && cause.getCause() != null) {
                cause = cause.getCause();
            }
            assertInstanceOf(expected, cause, () -> "refused, but for another reason: " + e);
            return;
        }
        fail("not refused: expected " + expected.getSimpleName());
    }

    private static void deleteTree(Path dir) throws Exception {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
