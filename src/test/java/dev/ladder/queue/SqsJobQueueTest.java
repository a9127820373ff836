package dev.ladder.queue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.config.Config;
import dev.ladder.testing.SqsServer;
import dev.ladder.testing.TestApp;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/** The JobQueue contract on SQS: ElasticMQ in this JVM, reached by the real AWS SDK v2 client. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SqsJobQueueTest extends JobQueueContract {
    private SqsServer sqs;

    @BeforeAll
    void startSqs() {
        sqs = SqsServer.start();
    }

    @AfterAll
    void stopSqs() {
        sqs.close();
    }

    private Config.Queue settings(String name, Duration visibilityTimeout, int maxAttempts) {
        Map<String, String> env = new HashMap<>(sqs.queueOverrides(name));
        env.put("LADDER_QUEUE_VISIBILITY_TIMEOUT", visibilityTimeout.toMillis() + "ms");
        env.put("LADDER_QUEUE_MAX_ATTEMPTS", Integer.toString(maxAttempts));
        return TestApp.config("embedded", env).queue();
    }

    @Override
    protected JobQueue create(Duration visibilityTimeout) {
        return SqsJobQueue.open(settings(SqsServer.uniqueQueueName(), visibilityTimeout, 5));
    }

    @Test
    void createsTheQueueWithARedrivePolicyOneDeliveryPastMaxAttempts() {
        String name = SqsServer.uniqueQueueName();
        try (SqsJobQueue queue = SqsJobQueue.open(settings(name, LONG_VISIBILITY, 3))) {
            String url = sqs.client().getQueueUrl(request -> request.queueName(name)).queueUrl();
            Map<QueueAttributeName, String> attributes = sqs.client().getQueueAttributes(request -> request.queueUrl(url)
                    .attributeNames(QueueAttributeName.REDRIVE_POLICY, QueueAttributeName.VISIBILITY_TIMEOUT)).attributes();

            assertThat(attributes.get(QueueAttributeName.REDRIVE_POLICY)).contains(name + "-dlq").containsPattern("\"maxReceiveCount\":\"?4\"?");
            assertThat(attributes.get(QueueAttributeName.VISIBILITY_TIMEOUT)).isEqualTo("300");
            assertThat(queue.name()).isEqualTo(name);
        }
    }

    @Test
    void aJobWhoseWorkersKeepDyingIsMovedToTheDeadLetterQueueByTheRedrivePolicy() throws Exception {
        String name = SqsServer.uniqueQueueName();
        try (SqsJobQueue queue = SqsJobQueue.open(settings(name, SHORT_VISIBILITY, 1))) { // maxReceiveCount 2
            queue.enqueue("kills its workers");
            assertThat(next(queue).attempt()).isEqualTo(1);
            assertThat(next(queue).attempt()).isEqualTo(2);

            Thread.sleep(SHORT_VISIBILITY.multipliedBy(2));
            assertThat(queue.receive(10, Duration.ofSeconds(1))).isEmpty();
            assertThat(queue.depth().deadLetters()).isEqualTo(1);
        }
    }

    @Test
    void aDeadLetterCarriesWhyItDied() throws Exception {
        String name = SqsServer.uniqueQueueName();
        try (SqsJobQueue queue = SqsJobQueue.open(settings(name, LONG_VISIBILITY, 5))) {
            queue.enqueue("payload-1");
            Job job = next(queue);
            queue.deadLetter(job, "undecodable image");

            String dlq = sqs.client().getQueueUrl(request -> request.queueName(name + "-dlq")).queueUrl();
            List<Message> dead = sqs.client().receiveMessage(request -> request.queueUrl(dlq).waitTimeSeconds(1)
                    .messageAttributeNames("All").messageSystemAttributeNames(MessageSystemAttributeName.ALL)).messages();
            assertThat(dead).singleElement().satisfies(message -> {
                assertThat(message.body()).isEqualTo("payload-1");
                assertThat(message.messageAttributes().get("reason").stringValue()).isEqualTo("undecodable image");
                assertThat(message.messageAttributes().get("jobId").stringValue()).isEqualTo(job.id());
            });
        }
    }
}
