package io.drivebus.reservation.streams;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.ApiVersions;
import org.apache.kafka.clients.ClientRequest;
import org.apache.kafka.clients.ClientResponse;
import org.apache.kafka.clients.ClientUtils;
import org.apache.kafka.clients.DefaultHostResolver;
import org.apache.kafka.clients.ManualMetadataUpdater;
import org.apache.kafka.clients.NetworkClient;
import org.apache.kafka.clients.NetworkClientUtils;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;

/**
 * Writes a transaction marker on one partition, as the transaction coordinator does: the WriteTxnMarkers request
 * Kafka's own {@code Admin.abortTransaction} sends, with the commit flag it never sets. The hanging-transaction
 * sweeper uses it to finish a transaction that committed on its other partitions ({@link TransactionWitness}); an
 * abort there would split it. Needs what the abort needs: the ClusterAction permission on the cluster.
 */
final class TransactionMarkers implements AutoCloseable {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Time time = Time.SYSTEM;
    private final Metrics metrics = new Metrics(time);
    private final NetworkClient client;

    /** @param admin admin client settings: where the brokers are and how to authenticate ({@code HangingTransactions.adminProperties}) */
    TransactionMarkers(Properties admin) {
        AdminClientConfig config = new AdminClientConfig(admin);
        this.client = ClientUtils.createNetworkClient(config, "drivebus-transaction-markers", metrics, "drivebus-transaction-markers",
                new LogContext("[transaction markers] "), new ApiVersions(), time, 1, (int) TIMEOUT.toMillis(), new ManualMetadataUpdater(),
                new DefaultHostResolver());
    }

    /**
     * @param leader the partition's leader (a marker is written where the data is)
     * @param coordinatorEpoch as the partition's producer state shows it, or -1
     */
    void write(Node leader, TopicPartition tp, long producerId, short producerEpoch, int coordinatorEpoch, boolean commit) throws IOException {
        if (!NetworkClientUtils.awaitReady(client, leader, time, TIMEOUT.toMillis())) {
            throw new IOException("leader " + leader + " of " + tp + " not reachable");
        }
        WriteTxnMarkersRequestData data = new WriteTxnMarkersRequestData();
        data.markers().add(new WriteTxnMarkersRequestData.WritableTxnMarker().setProducerId(producerId).setProducerEpoch(producerEpoch)
                .setCoordinatorEpoch(coordinatorEpoch).setTransactionResult(commit)
                .setTopics(List.of(new WriteTxnMarkersRequestData.WritableTxnMarkerTopic().setName(tp.topic())
                        .setPartitionIndexes(List.of(tp.partition())))));
        ClientRequest request = client.newClientRequest(leader.idString(), new WriteTxnMarkersRequest.Builder(data), time.milliseconds(), true);
        ClientResponse response = NetworkClientUtils.sendAndReceive(client, request, time);
        if (response.versionMismatch() != null) {
            throw new IOException(response.versionMismatch());
        }
        Map<TopicPartition, Errors> errors = ((WriteTxnMarkersResponse) response.responseBody()).errorsByProducerId().get(producerId);
        Errors error = errors == null ? Errors.UNKNOWN_SERVER_ERROR : errors.getOrDefault(tp, Errors.UNKNOWN_SERVER_ERROR);
        if (error != Errors.NONE) {
            throw error.exception();
        }
    }

    @Override
    public void close() {
        client.close();
        metrics.close();
    }
}
