package dev.ladder.db;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.HandleListener;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.statement.StatementContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Read-your-writes across replicas. The client of the request being served is a {@link Client},
 * bound for the request by {@link ReadYourWritesHandler}: it arrives with the replication position
 * of its last writes (from its cookie), and every write it makes on the primary moves that
 * position on (read from {@code @@last_gtid} on the writing connection once its work is
 * committed, and handed back in the cookie). {@link Reads} then serves that client's possibly
 * stale reads from a replica only once the replica has reached the position.
 *
 * <p>Writes are noticed where they happen, on the primary's handles ({@link #tracker()}), so no
 * service can forget to report one: a handle that ran an INSERT, UPDATE, DELETE or REPLACE for a
 * client asks for {@code @@last_gtid} just before its connection goes back to the pool, one small
 * round trip per writing handle. Handles opened outside a request (workers, housekeeping) have no
 * client and are not tracked.
 */
public final class ReadYourWrites {
    private static final Logger log = LoggerFactory.getLogger(ReadYourWrites.class);
    static final ScopedValue<Client> CLIENT = ScopedValue.newInstance();

    private ReadYourWrites() {
    }

    /**
     * The current request's client, for writes another thread makes on its behalf (see
     * {@link #runFor}); outside a tracked request, a capture that tracks nothing.
     */
    public static Capture capture() {
        return new Capture(CLIENT.isBound() && CLIENT.get().tracksWrites() ? CLIENT.get() : null);
    }

    /**
     * Runs work, whose writes are made for each of clients at once (one statement carrying the
     * rows of several requests): every one of them is told the position those writes reached.
     */
    public static void runFor(List<Capture> clients, Runnable work) {
        List<Client> tracked = clients.stream().map(Capture::client).filter(Objects::nonNull).toList();
        if (tracked.isEmpty()) {
            ScopedValue.where(CLIENT, Client.UNTRACKED).run(work);
            return;
        }
        Client all = new Client(null, position -> tracked.forEach(client -> client.wrote(position)));
        ScopedValue.where(CLIENT, all).run(work);
    }

    /** A request's client, captured on its own thread; an opaque token outside this package. */
    public static final class Capture {
        private final Client client;

        private Capture(Client client) {
            this.client = client;
        }

        Client client() {
            return client;
        }
    }

    /** The position the current client's reads must see, if it has written anything recently. */
    static Optional<GtidPosition> pending() {
        return CLIENT.isBound() ? CLIENT.get().position() : Optional.empty();
    }

    /**
     * One client's request: the position it must see, which its own writes here move on. A read
     * request (GET, HEAD) tracks no writes: what it may write on the side (bookkeeping such as a
     * session's expiry) is not a change its client expects to read back, and would only make its
     * reads wait.
     */
    static final class Client {
        /** Work done for no request's client: its writes are not tracked. */
        static final Client UNTRACKED = new Client(null, null);

        private final Consumer<GtidPosition> onWrite;
        private GtidPosition position;

        /** seen: from the client's cookie (null: none); onWrite: told the new position after each write (null: a read request). */
        Client(GtidPosition seen, Consumer<GtidPosition> onWrite) {
            this.position = seen;
            this.onWrite = onWrite;
        }

        boolean tracksWrites() {
            return onWrite != null;
        }

        synchronized Optional<GtidPosition> position() {
            return Optional.ofNullable(position);
        }

        void wrote(GtidPosition written) {
            GtidPosition moved;
            synchronized (this) {
                moved = position == null ? written : position.merge(written);
                if (moved.equals(position)) {
                    return;
                }
                position = moved;
            }
            onWrite.accept(moved);
        }
    }

    /** Watches the primary's handles for writes made on behalf of a client (installed by {@link Database}). */
    static HandleListener tracker() {
        return new HandleListener() {
            @Override
            public void handleCreated(Handle handle) {
                if (!CLIENT.isBound() || !CLIENT.get().tracksWrites()) {
                    return;
                }
                Client client = CLIENT.get();
                SqlStatements statements = handle.getConfig(SqlStatements.class);
                WriteWatch watch = new WriteWatch(statements.getSqlLogger());
                statements.setSqlLogger(watch);
                // Cleanables run in reverse order before the connection is released: this one, added
                // first, runs last, after any transaction on the handle has committed or rolled back.
                handle.addCleanable(() -> {
                    if (watch.wrote) {
                        lastWrite(handle).ifPresent(client::wrote);
                    }
                });
            }
        };
    }

    /** The GTID of the last transaction this connection wrote to the binary log, if any. */
    private static Optional<GtidPosition> lastWrite(Handle handle) {
        try (Statement statement = handle.getConnection().createStatement();
             ResultSet rows = statement.executeQuery("SELECT @@last_gtid")) {
            return rows.next() ? GtidPosition.parseServer(rows.getString(1)) : Optional.empty();
        } catch (SQLException e) {
            // The connection broke after the write: the client's next reads may miss it on a replica
            // for as long as the replica lags, nothing worse.
            log.debug("Could not read @@last_gtid after a write: {}", e.toString());
            return Optional.empty();
        }
    }

    /** Notes whether a handle ran anything but a query; passes everything on to the logger it replaces. */
    private static final class WriteWatch implements SqlLogger {
        private final SqlLogger next;
        volatile boolean wrote;

        WriteWatch(SqlLogger next) {
            this.next = next;
        }

        @Override
        public void logBeforeExecution(StatementContext context) {
            next.logBeforeExecution(context);
        }

        @Override
        public void logAfterExecution(StatementContext context) {
            if (!wrote && isWrite(context.getRenderedSql())) {
                wrote = true;
            }
            next.logAfterExecution(context);
        }

        @Override
        public void logException(StatementContext context, SQLException exception) {
            next.logException(context, exception);
        }
    }

    static boolean isWrite(String sql) {
        if (sql == null) {
            return false;
        }
        String start = sql.stripLeading();
        start = start.substring(0, Math.min(start.length(), 7)).toUpperCase(Locale.ROOT);
        return start.startsWith("INSERT") || start.startsWith("UPDATE") || start.startsWith("DELETE") || start.startsWith("REPLACE");
    }
}
