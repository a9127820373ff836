package dev.ladder.plans;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The study behind docs/db-explain.md ({@code scripts/explain}): against a seeded MariaDB, fills the
 * side tables if asked, prints the plan, rows read, time and verdict of every DAO statement, then
 * the size of every table and index and what that means for the InnoDB buffer pool. Exits 1 if
 * any verdict is not "ok".
 */
public final class QueryPlansMain {
    private QueryPlansMain() {
    }

    public static void main(String[] args) throws IOException {
        String url = null;
        String user = "ladder";
        String password = "ladder";
        int sideRows = 0;
        Path markdown = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--url" -> url = args[++i];
                case "--user" -> user = args[++i];
                case "--password" -> password = args[++i];
                case "--side-rows" -> sideRows = Integer.parseInt(args[++i]);
                case "--markdown" -> markdown = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: QueryPlansMain --url JDBC_URL [--user U] [--password P] [--side-rows N] [--markdown FILE]");
                    System.exit(2);
                }
            }
        }
        if (url == null) {
            System.err.println("--url is required");
            System.exit(2);
        }
        Jdbi jdbi = Jdbi.create(url, user, password);
        int bad;
        try (Handle handle = jdbi.open()) {
            if (sideRows > 0) {
                long started = System.nanoTime();
                System.out.printf("filling empty side tables with about %,d rows each (photos, sessions, keys; a tenth for uploads, jobs, outbox)...%n",
                        sideRows);
                SideTables.fill(handle, sideRows, System.currentTimeMillis());
                System.out.printf("  done in %.1f s%n", (System.nanoTime() - started) / 1e9);
            }
            List<QueryPlans.Result> results = new ArrayList<>();
            for (QueryPlans.Case scenario : QueryPlans.cases(handle)) {
                QueryPlans.Result result = QueryPlans.explain(handle, scenario);
                results.add(result);
                System.out.printf("%-5s %-30s %s%n      %s%n      %s%n", result.ok() ? "ok" : "BAD", scenario.source(), scenario.label(),
                        result.plan().stream().map(QueryPlans.PlanRow::describe).collect(Collectors.joining(" | ")),
                        result.measured().map(m -> "read %,.0f rows in %.3f ms (ANALYZE, warm)".formatted(m.rowsRead(), m.milliseconds()))
                                .orElse("EXPLAIN only (a write or a locking read: not run)")
                                + (result.ok() ? "" : " -> " + result.verdict()));
            }
            bad = (int) results.stream().filter(result -> !result.ok()).count();
            List<Map<String, Object>> sizes = sizes(handle);
            String variables = handle.createQuery("""
                    SELECT CONCAT(@@version, ', innodb_buffer_pool_size ', ROUND(@@innodb_buffer_pool_size / 1048576), ' MB, ',
                        'pages in the pool ', (SELECT variable_value FROM information_schema.global_status
                                               WHERE variable_name = 'INNODB_BUFFER_POOL_PAGES_DATA'),
                        ' of ', (SELECT variable_value FROM information_schema.global_status
                                 WHERE variable_name = 'INNODB_BUFFER_POOL_PAGES_TOTAL'), ' (16 KB)')""")
                    .mapTo(String.class).one();
            printSizes(System.out, sizes, variables);
            System.out.printf("%n%d statements explained, %d not ok%n", results.size(), bad);
            if (markdown != null) {
                writeMarkdown(markdown, results, sizes, variables);
                System.out.println("markdown: " + markdown);
            }
        }
        System.exit(bad == 0 ? 0 : 1);
    }

    /** Every table of this schema and each of its indexes, from information_schema and InnoDB's persistent statistics. */
    private static List<Map<String, Object>> sizes(Handle handle) {
        return handle.createQuery("""
                SELECT t.table_name AS tbl, t.table_rows AS est_rows, ROUND(t.data_length / 1048576, 1) AS data_mb,
                    ROUND(t.index_length / 1048576, 1) AS index_mb,
                    (SELECT GROUP_CONCAT(CONCAT(s.index_name, ' ', ROUND(s.stat_value * @@innodb_page_size / 1048576, 1), ' MB')
                            ORDER BY s.index_name SEPARATOR ', ')
                     FROM mysql.innodb_index_stats s
                     WHERE s.database_name = t.table_schema AND s.table_name = t.table_name AND s.stat_name = 'size') AS indexes
                FROM information_schema.tables t
                WHERE t.table_schema = DATABASE() AND t.table_type = 'BASE TABLE'
                ORDER BY t.data_length + t.index_length DESC""")
                .mapToMap().list();
    }

    private static void printSizes(PrintStream out, List<Map<String, Object>> sizes, String variables) {
        out.printf("%nsizes (information_schema.tables; per index: mysql.innodb_index_stats 'size' pages; PRIMARY holds the rows):%n");
        double total = 0;
        for (Map<String, Object> row : sizes) {
            out.printf("  %-18s rows≈%,11d  data %8s MB  indexes %7s MB  (%s)%n", row.get("tbl"), ((Number) row.get("est_rows")).longValue(),
                    row.get("data_mb"), row.get("index_mb"), row.get("indexes"));
            total += ((Number) row.get("data_mb")).doubleValue() + ((Number) row.get("index_mb")).doubleValue();
        }
        out.printf("  total data + indexes: %,.0f MB%n  server: %s%n", total, variables);
    }

    private static void writeMarkdown(Path file, List<QueryPlans.Result> results, List<Map<String, Object>> sizes, String variables)
            throws IOException {
        StringBuilder text = new StringBuilder();
        text.append("| statement | case | plan (table type/key(key_len) rows≈estimate [Extra]) | rows read | ms (warm) | verdict |\n");
        text.append("| --- | --- | --- | --- | --- | --- |\n");
        for (QueryPlans.Result result : results) {
            text.append("| `%s` | %s | %s | %s | %s | %s |\n".formatted(result.scenario().source(), result.scenario().label(),
                    result.plan().stream().map(QueryPlans.PlanRow::describe).collect(Collectors.joining("; ")).replace("|", "\\|"),
                    result.measured().map(m -> "%,.0f".formatted(m.rowsRead())).orElse("—"),
                    result.measured().map(m -> "%.3f".formatted(m.milliseconds())).orElse("—"),
                    result.ok() ? "ok" : "**" + result.verdict() + "**"));
        }
        text.append("\n| table | rows (estimate) | data MB | indexes MB | per index |\n| --- | --- | --- | --- | --- |\n");
        for (Map<String, Object> row : sizes) {
            text.append("| %s | %,d | %s | %s | %s |\n".formatted(row.get("tbl"), ((Number) row.get("est_rows")).longValue(),
                    row.get("data_mb"), row.get("index_mb"), row.get("indexes")));
        }
        text.append("\nServer: ").append(variables).append('\n');
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
