package dev.ladder.photos;

import dev.ladder.testing.MariaDb;
import dev.ladder.testing.S3Server;
import dev.ladder.testing.SqsServer;
import dev.ladder.testing.TestApp;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * The photo pipeline on the users-plus profile: MariaDB, S3 (s3proxy) with presigned links and
 * direct uploads, and SQS (ElasticMQ), all reached the way production reaches AWS.
 */
class UsersPlusPhotosIT extends PhotoApiContract {
    private S3Server s3;
    private SqsServer sqs;
    private String bucket;

    @Override
    protected TestApp startApp() throws Exception {
        s3 = S3Server.start();
        sqs = SqsServer.start();
        bucket = s3.createBucket();
        MariaDb mariaDb = MariaDb.shared();
        Map<String, String> env = new HashMap<>(TestApp.usersPlusOverrides(mariaDb, mariaDb.createDatabase(), s3, bucket, sqs,
                SqsServer.uniqueQueueName(), Files.createTempDirectory("ladder-users-plus")));
        env.putAll(quickQueue());
        return TestApp.start("users-plus", env);
    }

    @AfterAll
    void stopServices() {
        app.close(); // before the servers it talks to
        app = null;
        if (sqs != null) {
            sqs.close();
        }
        if (s3 != null) {
            s3.close();
        }
    }

    @Override
    protected List<String> storedKeys(String prefix) {
        return s3.client().listObjectsV2Paginator(request -> request.bucket(bucket).prefix(prefix)).contents().stream()
                .map(object -> object.key()).sorted().toList();
    }

    @Override
    protected boolean supportsDirectUpload() {
        return true;
    }
}
