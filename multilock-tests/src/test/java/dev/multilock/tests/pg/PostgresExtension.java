package dev.multilock.tests.pg;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests the run's one throwaway PostgreSQL: a parameter of type {@link PostgresServer}
 * (the cluster) or {@link PostgresDatabase} (a database of the test class's own) in a test
 * method, a lifecycle method or a constructor.
 *
 * <pre>{@code
 * @ExtendWith(PostgresExtension.class)
 * final class LeaseTest {
 *     @Test
 *     void lock_killedSession_isReleased(PostgresDatabase db) throws SQLException {
 *         try (Connection c = db.dataSource().getConnection()) {
 *             ...
 *         }
 *         assertEquals(List.of(), db.advisoryLocks());
 *     }
 * }
 * }</pre>
 *
 * <p>The server starts on first use and lives in the store of the root extension context, so
 * every test class of the run shares it, and JUnit closes it (stops the server, deletes its
 * directory) when the run ends: the store closes the {@link AutoCloseable} values it holds
 * (JUnit 5.13+; its older {@code CloseableResource} is deprecated). If it cannot start, every
 * test that asks for it fails with the reason in one line (for example the command that
 * installs PostgreSQL). A {@link PostgresDatabase} is created once per test class (a
 * {@code @Nested} class gets its own) and lives until the cluster goes.
 *
 * <p>{@link PostgresServer#restart()} affects every session of the run: a test that calls it
 * must not run in parallel with other PostgreSQL tests (the build runs test classes one at a
 * time).
 */
public final class PostgresExtension implements ParameterResolver {

    private static final Namespace NAMESPACE = Namespace.create(PostgresExtension.class);

    /** The run's server, started by the first caller of the run. */
    public static PostgresServer server(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(
                PostgresServer.class, key -> PostgresServer.start(), PostgresServer.class);
    }

    /** The database of the test class that {@code context} belongs to, created on first use. */
    public static PostgresDatabase database(ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().get();
        }
        String hint = classContext.getTestClass().map(Class::getSimpleName).orElse("test");
        return classContext.getStore(NAMESPACE).getOrComputeIfAbsent(PostgresDatabase.class,
                key -> server(context).newDatabase(hint), PostgresDatabase.class);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == PostgresServer.class || type == PostgresDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PostgresServer.class
                ? server(context)
                : database(context);
    }
}
