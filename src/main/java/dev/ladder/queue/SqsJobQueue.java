package dev.ladder.queue;

import dev.ladder.config.Config;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;
import software.amazon.awssdk.services.sqs.model.ReceiptHandleIsInvalidException;

/**
 * Jobs in Amazon SQS (users-plus on): long polling, visibility timeout, batch receive and delete.
 * Retries with backoff by changing a message's visibility; after queue.maxAttempts the runner
 * dead-letters a job itself (so its photo is marked failed), and the queue's redrive policy
 * (maxReceiveCount = maxAttempts + 1) moves messages whose workers died every time.
 */
public final class SqsJobQueue implements JobQueue {
    private static final Logger log = LoggerFactory.getLogger(SqsJobQueue.class);
    private static final int MAX_VISIBILITY_SECONDS = 12 * 60 * 60;
    private static final int MAX_REASON_CHARS = 500;

    private final SqsClient client;
    private final String name;
    private final String queueUrl;
    private final String deadLetterUrl;
    private final int visibilitySeconds;

    private SqsJobQueue(SqsClient client, String name, String queueUrl, String deadLetterUrl, int visibilitySeconds) {
        this.client = client;
        this.name = name;
        this.queueUrl = queueUrl;
        this.deadLetterUrl = deadLetterUrl;
        this.visibilitySeconds = visibilitySeconds;
    }

    public static SqsJobQueue open(Config.Queue config) {
        Config.Queue.Sqs sqs = config.sqs();
        AwsCredentialsProvider credentials = sqs.accessKeyId().isEmpty()
                ? DefaultCredentialsProvider.builder().build()
                : StaticCredentialsProvider.create(AwsBasicCredentials.create(sqs.accessKeyId(), sqs.secretAccessKey()));
        var builder = SqsClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(5))
                        .socketTimeout(sqs.requestTimeout()))
                .region(Region.of(sqs.region()))
                .credentialsProvider(credentials)
                .overrideConfiguration(override -> override.apiCallTimeout(sqs.requestTimeout()));
        if (!sqs.endpoint().isEmpty()) {
            builder.endpointOverride(URI.create(sqs.endpoint()));
        }
        SqsClient client = builder.build();
        try {
            int visibility = seconds(config.visibilityTimeout());
            String deadLetterUrl;
            String queueUrl;
            if (sqs.createQueues()) {
                deadLetterUrl = client.createQueue(request -> request.queueName(sqs.deadLetterQueueName()).attributes(Map.of(
                        QueueAttributeName.MESSAGE_RETENTION_PERIOD, Long.toString(config.deadLetterRetention().toSeconds())))).queueUrl();
                String deadLetterArn = client.getQueueAttributes(request -> request.queueUrl(deadLetterUrl)
                        .attributeNames(QueueAttributeName.QUEUE_ARN)).attributes().get(QueueAttributeName.QUEUE_ARN);
                String redrive = "{\"deadLetterTargetArn\":\"" + deadLetterArn + "\",\"maxReceiveCount\":\"" + (config.maxAttempts() + 1) + "\"}";
                queueUrl = client.createQueue(request -> request.queueName(sqs.queueName()).attributes(Map.of(
                        QueueAttributeName.VISIBILITY_TIMEOUT, Integer.toString(visibility),
                        QueueAttributeName.REDRIVE_POLICY, redrive))).queueUrl();
                log.info("Created (or found) SQS queues {} and {}", sqs.queueName(), sqs.deadLetterQueueName());
            } else {
                queueUrl = client.getQueueUrl(request -> request.queueName(sqs.queueName())).queueUrl();
                deadLetterUrl = client.getQueueUrl(request -> request.queueName(sqs.deadLetterQueueName())).queueUrl();
            }
            return new SqsJobQueue(client, sqs.queueName(), queueUrl, deadLetterUrl, visibility);
        } catch (QueueDoesNotExistException e) {
            client.close();
            throw new IllegalStateException("SQS queue " + sqs.queueName() + " or " + sqs.deadLetterQueueName()
                    + " does not exist: create them (with a redrive policy) or set queue.sqs.createQueues", e);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String enqueue(String payload) {
        JobQueue.checkPayload(payload);
        return client.sendMessage(request -> request.queueUrl(queueUrl).messageBody(payload)).messageId();
    }

    @Override
    public List<Job> receive(int max, Duration wait) throws InterruptedException {
        JobQueue.checkBatch(max);
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        List<Message> messages;
        try {
            messages = client.receiveMessage(request -> request
                    .queueUrl(queueUrl)
                    .maxNumberOfMessages(max)
                    .waitTimeSeconds((int) Math.min(20, wait.toSeconds()))
                    .visibilityTimeout(visibilitySeconds)
                    .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT,
                            MessageSystemAttributeName.SENT_TIMESTAMP))
                    .messages();
        } catch (AbortedException e) {
            throw new InterruptedException("receive was interrupted");
        }
        List<Job> jobs = new ArrayList<>(messages.size());
        for (Message message : messages) {
            Map<MessageSystemAttributeName, String> attributes = message.attributes();
            int attempt = Integer.parseInt(attributes.getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1"));
            Instant sent = Instant.ofEpochMilli(Long.parseLong(attributes.getOrDefault(MessageSystemAttributeName.SENT_TIMESTAMP, "0")));
            jobs.add(new Job(message.messageId(), message.body(), attempt, sent, message.receiptHandle()));
        }
        return jobs;
    }

    @Override
    public int complete(List<Job> jobs) {
        int completed = 0;
        for (int from = 0; from < jobs.size(); from += 10) {
            List<Job> chunk = jobs.subList(from, Math.min(jobs.size(), from + 10));
            List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i)).receiptHandle(chunk.get(i).receipt()).build());
            }
            DeleteMessageBatchResponse response = client.deleteMessageBatch(request -> request.queueUrl(queueUrl).entries(entries));
            completed += response.successful().size();
            response.failed().forEach(failure -> log.warn("SQS did not delete a message of {}: {} {}", name, failure.code(), failure.message()));
        }
        return completed;
    }

    @Override
    public void retryLater(Job job, Duration delay, String reason) {
        try {
            client.changeMessageVisibility(request -> request.queueUrl(queueUrl).receiptHandle(job.receipt())
                    .visibilityTimeout((int) Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, delay.toSeconds()))));
        } catch (ReceiptHandleIsInvalidException e) {
            log.warn("Job {} of {} was no longer held; it will be redelivered anyway", job.id(), name);
        }
    }

    /** Copies the job to the dead-letter queue with why it died, then deletes it here. */
    @Override
    public void deadLetter(Job job, String reason) {
        Map<String, MessageAttributeValue> attributes = new HashMap<>();
        attributes.put("reason", text(reason == null || reason.isEmpty() ? "unknown" : truncate(reason)));
        attributes.put("attempts", MessageAttributeValue.builder().dataType("Number").stringValue(Integer.toString(job.attempt())).build());
        attributes.put("jobId", text(job.id()));
        client.sendMessage(request -> request.queueUrl(deadLetterUrl).messageBody(job.payload()).messageAttributes(attributes));
        try {
            client.deleteMessage(request -> request.queueUrl(queueUrl).receiptHandle(job.receipt()));
        } catch (ReceiptHandleIsInvalidException e) {
            log.warn("Job {} of {} was no longer held when dead-lettered", job.id(), name);
        }
    }

    @Override
    public QueueDepth depth() {
        Map<QueueAttributeName, String> main = client.getQueueAttributes(request -> request.queueUrl(queueUrl).attributeNames(
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
        Map<QueueAttributeName, String> dead = client.getQueueAttributes(request -> request.queueUrl(deadLetterUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)).attributes();
        return new QueueDepth(
                count(main, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES) + count(main, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED),
                count(main, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE),
                count(dead, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES),
                Optional.empty());
    }

    /** SQS drops messages after their queue's retention period by itself. */
    @Override
    public int purgeDeadLetters(Duration retention, int limit) {
        return 0;
    }

    @Override
    public void close() {
        client.close();
    }

    private static long count(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
        String value = attributes.get(name);
        return value == null ? 0 : Long.parseLong(value);
    }

    private static MessageAttributeValue text(String value) {
        return MessageAttributeValue.builder().dataType("String").stringValue(value).build();
    }

    private static String truncate(String reason) {
        return reason.length() <= MAX_REASON_CHARS ? reason : reason.substring(0, MAX_REASON_CHARS);
    }

    private static int seconds(Duration duration) {
        return (int) Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, duration.toSeconds()));
    }
}
