package dev.ladder.plans;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ladder.ids.IdGenerator;
import dev.ladder.seed.Seeder;
import dev.ladder.testing.MariaDb;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No statement of the DAOs regresses to a full scan, another index, a large filesort or a keyset
 * page that reads far more rows than it returns: the plans of {@link QueryPlans}, checked on a
 * real MariaDB with the app's migrations, 30,000 posts seeded by the seeder (Zipf authors, so one
 * author has about 4,000) and the side tables filled. The million-post study is
 * {@code scripts/explain}; the thresholds are rows and plan shapes, never times.
 */
class QueryPlansIT {
    private static Handle handle;
    private static List<QueryPlans.Result> results;

    @BeforeAll
    static void seedAndExplain() {
        MariaDb mariaDb = MariaDb.shared();
        String url = mariaDb.jdbcUrl(mariaDb.createDatabase()) + "&rewriteBatchedStatements=true";
        Flyway.configure().dataSource(url, mariaDb.user(), mariaDb.password()).locations("classpath:db/migration").load().migrate();
        Jdbi jdbi = Jdbi.create(url, mariaDb.user(), mariaDb.password());
        // The password hash is never checked here: any string will do (Argon2 would only cost time).
        new Seeder(jdbi, new IdGenerator(1023), Clock.systemUTC(), new PrintStream(OutputStream.nullOutputStream()))
                .seed(new Seeder.Plan(1_000, 30_000, 1.0, 1_000, 20261128), "not-a-hash");
        handle = jdbi.open();
        SideTables.fill(handle, 20_000, System.currentTimeMillis());
        results = new ArrayList<>();
        for (QueryPlans.Case scenario : QueryPlans.cases(handle)) {
            results.add(QueryPlans.explain(handle, scenario));
        }
    }

    @AfterAll
    static void close() {
        if (handle != null) {
            handle.close();
        }
    }

    @Test
    void everyExplainedStatementHasAPlanThatReadsWhatItReturnsThroughTheExpectedIndex() {
        List<String> bad = results.stream().filter(result -> !result.ok())
                .map(result -> result.scenario().source() + " (" + result.scenario().label() + "): " + result.verdict() + "\n    plan: "
                        + result.plan().stream().map(QueryPlans.PlanRow::describe).collect(Collectors.joining(" | ")))
                .toList();
        assertThat(bad).as("statements whose plan regressed").isEmpty();
    }

    @Test
    void theKeysetPagesOfAProlificAuthorReadOnlyTheirOwnRowsAtAnyDepth() {
        List<QueryPlans.Result> pages = results.stream()
                .filter(result -> result.scenario().source().equals("PostDao.byAuthor") && result.scenario().label().startsWith("hot"))
                .toList();
        assertThat(pages).hasSize(4);
        for (QueryPlans.Result page : pages) {
            assertThat(page.plan()).as(page.scenario().label()).singleElement()
                    .satisfies(row -> assertThat(row.key()).isEqualTo("posts_author"));
            assertThat(page.measured()).as(page.scenario().label()).hasValueSatisfying(
                    measured -> assertThat(measured.rowsRead()).isLessThanOrEqualTo(QueryPlans.PAGE));
        }
    }

    @Test
    void everyStatementTheDaosIssueIsExplainedOrIsAPlainInsert() {
        Set<String> issued = new HashSet<>();
        QueryPlans.daos().forEach(dao -> issued.addAll(QueryPlans.statements(dao)));
        issued.addAll(Set.of("PostDao.FIND_SHOWING", "PostDao.INSERT", "SessionDao.FIND_LIVE"));
        Set<String> explained = results.stream().map(result -> result.scenario().source()).collect(Collectors.toSet());

        Set<String> missing = new HashSet<>(issued);
        missing.removeAll(explained);
        missing.removeAll(QueryPlans.INSERTS);
        assertThat(missing).as("DAO statements with no case in QueryPlans (add one, or to INSERTS if it only inserts)").isEmpty();
        assertThat(issued).as("QueryPlans names statements the DAOs no longer have").containsAll(explained).containsAll(QueryPlans.INSERTS);
        assertThat(QueryPlans.INSERTS).allSatisfy(insert -> assertThat(explained).doesNotContain(insert));
    }
}
