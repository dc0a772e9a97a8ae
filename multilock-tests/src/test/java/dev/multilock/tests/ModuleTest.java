package dev.multilock.tests;

import static dev.multilock.MultiLockType.EXCLUSIVE;
import static dev.multilock.MultiLockType.NONE;
import static dev.multilock.MultiLockType.SHARED;
import static dev.multilock.tests.Grants.take;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.multilock.Handle;
import dev.multilock.MultiLock;
import dev.multilock.MultiLockType;
import java.lang.module.ModuleDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The module graph as an application sees it (API.md, "Modules"): {@code MultiLock.create()}
 * finds the implementation through the service loader on the module path, while the
 * implementation's package stays hidden; and each module descriptor exactly, so that a change
 * to the module graph (an export, a requires, a service) is a deliberate act that fails here
 * until this test is changed with it. {@code ConsumerModuleTest} checks the same graph from a
 * consumer module compiled outside this build.
 */
final class ModuleTest {

    private static final String API_MODULE = "dev.multilock";
    private static final String IMPL_MODULE = "dev.multilock.lockfree";
    private static final String TESTS_MODULE = "dev.multilock.tests";
    private static final String PG_MODULE = "dev.multilock.postgres";
    private static final String SPI_PACKAGE = "dev.multilock.spi";
    private static final String SERVICE = "dev.multilock.spi.MultiLockProvider";

    /** Whether {@code text} contains {@code number} as a whole number, not inside another one. */
    private static boolean mentionsNumber(String text, long number) {
        return Pattern.compile("(?<![0-9A-Za-z])" + number + "(?![0-9A-Za-z])")
                .matcher(text)
                .find();
    }

    /** The descriptor of {@code name} as the boot layer resolved it. */
    private static ModuleDescriptor descriptor(String name) {
        return ModuleLayer.boot().findModule(name)
                .orElseThrow(() -> new AssertionError(name + " is not in the boot layer"))
                .getDescriptor();
    }

    /** Each requires as "modifiers name", e.g. "static org.jspecify"; versions left out. */
    private static Set<String> requires(ModuleDescriptor d) {
        Set<String> all = new TreeSet<>();
        for (ModuleDescriptor.Requires r : d.requires()) {
            StringBuilder s = new StringBuilder();
            for (ModuleDescriptor.Requires.Modifier m : new TreeSet<>(r.modifiers())) {
                s.append(m.toString().toLowerCase(Locale.ROOT)).append(' ');
            }
            all.add(s.append(r.name()).toString());
        }
        return all;
    }

    /** Each export as "package" or "package to module, ...". */
    private static Set<String> exports(ModuleDescriptor d) {
        Set<String> all = new TreeSet<>();
        for (ModuleDescriptor.Exports e : d.exports()) {
            all.add(e.isQualified()
                    ? e.source() + " to " + String.join(", ", new TreeSet<>(e.targets()))
                    : e.source());
        }
        return all;
    }

    /** Each service provided as "service with implementation, ...". */
    private static Set<String> provides(ModuleDescriptor d) {
        Set<String> all = new TreeSet<>();
        for (ModuleDescriptor.Provides p : d.provides()) {
            all.add(p.service() + " with " + String.join(", ", p.providers()));
        }
        return all;
    }

    // ---- the module descriptors ----

    @Test
    void apiDescriptor_exactly_exportsApiToAllAndSpiOnlyToImplementations() {
        ModuleDescriptor d = descriptor(API_MODULE);
        assertEquals(API_MODULE, d.name());
        assertFalse(d.isOpen(), API_MODULE + " is not an open module");
        assertFalse(d.isAutomatic(), API_MODULE + " has a module-info, it is not automatic");
        assertEquals(Set.of(API_MODULE, SPI_PACKAGE), d.packages(), "its packages");
        assertEquals(Set.of(API_MODULE, SPI_PACKAGE + " to " + IMPL_MODULE + ", " + PG_MODULE),
                exports(d), "exports: the API to everyone, the spi only to the implementations");
        assertEquals(Set.of(), d.opens(), "opens nothing");
    }

    @Test
    void apiDescriptor_requires_onlyJavaBaseAndJspecifyStatically() {
        assertEquals(Set.of("mandated java.base", "static org.jspecify"),
                requires(descriptor(API_MODULE)),
                "no runtime dependency but the JDK: the nullness annotations are compile-only");
    }

    @Test
    void apiDescriptor_services_usesProviderAndProvidesNothing() {
        ModuleDescriptor d = descriptor(API_MODULE);
        assertEquals(Set.of(SERVICE), d.uses(), "MultiLock.create() loads the provider");
        assertEquals(Set.of(), provides(d), "the API module holds no implementation");
    }

    @Test
    void lockfreeDescriptor_exactly_exportsNothing() {
        ModuleDescriptor d = descriptor(IMPL_MODULE);
        assertEquals(IMPL_MODULE, d.name());
        assertFalse(d.isOpen(), IMPL_MODULE + " is not an open module");
        assertFalse(d.isAutomatic(), IMPL_MODULE + " has a module-info, it is not automatic");
        assertEquals(Set.of(IMPL_MODULE), d.packages(), "one package, named as the module");
        assertEquals(Set.of(), exports(d), "the implementation package is not exported");
        assertEquals(Set.of(), d.opens(), "nor opened");
    }

    @Test
    void lockfreeDescriptor_requires_apiTransitivelyAndJspecifyStatically() {
        assertEquals(Set.of("mandated java.base", "transitive " + API_MODULE,
                "static org.jspecify", "static jdk.jfr"), requires(descriptor(IMPL_MODULE)),
                "requiring the implementation gives an application the API; JFR is optional");
    }

    @Test
    void lockfreeDescriptor_services_providesTheProviderAndUsesNothing() {
        ModuleDescriptor d = descriptor(IMPL_MODULE);
        assertEquals(Set.of(SERVICE + " with " + IMPL_MODULE + ".LockFreeMultiLockProvider"),
                provides(d));
        assertEquals(Set.of(), d.uses());
    }

    @Test
    void postgresDescriptor_exactly_exportsItsPackageAndRequiresOnlyApiAndJdbc() {
        ModuleDescriptor d = descriptor(PG_MODULE);
        assertFalse(d.isOpen(), PG_MODULE + " is not an open module");
        assertFalse(d.isAutomatic(), PG_MODULE + " has a module-info, it is not automatic");
        assertEquals(Set.of(PG_MODULE), d.packages(), "one package, named as the module");
        assertEquals(Set.of(PG_MODULE), exports(d), "its API, to everyone");
        assertEquals(Set.of(), d.opens(), "opens nothing");
        assertEquals(Set.of("mandated java.base", "transitive " + API_MODULE,
                "transitive java.sql", "org.postgresql.jdbc", "static org.jspecify",
                "static org.checkerframework.checker.qual"), requires(d),
                "the API and JDBC (a DataSource is in its API), the driver, nothing else at run"
                        + " time (the annotation modules are for the compiler)");
        assertEquals(Set.of(), d.uses(), "the local queue comes through the API's service");
        assertEquals(Set.of(), provides(d));
    }

    @Test
    void descriptors_apiAndLockfree_exportNeitherImplementationNorSpiToAll() {
        for (String name : List.of(API_MODULE, IMPL_MODULE, PG_MODULE)) {
            for (ModuleDescriptor.Exports e : descriptor(name).exports()) {
                assertFalse(e.source().equals(IMPL_MODULE),
                        name + " exports the implementation package: " + e);
                assertFalse(e.source().equals(SPI_PACKAGE) && !e.isQualified(),
                        name + " exports the spi to everyone: " + e);
            }
        }
    }

    @Test
    void testsDescriptor_requires_lockfreeAndJdbcWithDriverAndChildJvmNeeds() {
        ModuleDescriptor d = descriptor(TESTS_MODULE);
        assertTrue(d.isOpen(), "open, so that JUnit and Lincheck reach the tests reflectively");
        assertEquals(Set.of("mandated java.base", IMPL_MODULE, PG_MODULE, "java.management",
                "java.naming", "java.sql", "org.postgresql.jdbc", "jdk.jfr"), requires(d),
                "the implementations (and the API through them); JDBC, the PostgreSQL driver"
                        + " and java.naming that its data sources need; java.management for"
                        + " ChildJvm; jdk.jfr to record and read the Wait event");
    }

    // ---- service loading on the module path ----

    @Test
    void create_onModulePath_findsImplementationInLockfreeModule() {
        MultiLock lock = MultiLock.create();
        Module impl = lock.getClass().getModule();
        Module tests = ModuleTest.class.getModule();
        assertTrue(impl.isNamed(), "the implementation runs as a named module");
        assertEquals(IMPL_MODULE, impl.getName());
        assertTrue(tests.isNamed(), "the tests run as a named module");
        assertEquals(TESTS_MODULE, tests.getName());
        assertEquals(API_MODULE, MultiLock.class.getModule().getName());
        assertTrue(tests.canRead(impl), TESTS_MODULE + " requires " + IMPL_MODULE);
        assertTrue(tests.canRead(MultiLock.class.getModule()),
                IMPL_MODULE + " requires " + API_MODULE + " transitively");
    }

    @Test
    void implementationPackage_fromTestsModule_isNotExported() {
        MultiLock lock = MultiLock.create();
        Module impl = lock.getClass().getModule();
        Module tests = ModuleTest.class.getModule();
        String implPackage = lock.getClass().getPackageName();
        assertEquals(IMPL_MODULE, implPackage, "the implementation lives in the root package");
        assertTrue(impl.getPackages().contains(implPackage));
        assertFalse(impl.isExported(implPackage), IMPL_MODULE + " exports nothing");
        assertFalse(impl.isExported(implPackage, tests), "not even to " + TESTS_MODULE);
        assertFalse(impl.isOpen(implPackage, tests), "nor opens it to " + TESTS_MODULE);
    }

    @Test
    void spiPackage_fromTestsModule_isNotExported() {
        Module api = MultiLock.class.getModule();
        Module impl = MultiLock.create().getClass().getModule();
        Module tests = ModuleTest.class.getModule();
        assertTrue(api.isExported("dev.multilock"), "the API package is exported to all");
        assertFalse(api.isExported("dev.multilock.spi"), "the spi is not exported to all");
        assertFalse(api.isExported("dev.multilock.spi", tests),
                "the spi is not exported to " + TESTS_MODULE + ", so it cannot forge handles");
        assertTrue(api.isExported("dev.multilock.spi", impl),
                "the spi is exported to " + IMPL_MODULE);
    }

    @Test
    void handleClass_fromTestsModule_isInImplementationModule() {
        Handle h = take(MultiLock.create(), SHARED);
        assertEquals(IMPL_MODULE, h.getClass().getModule().getName());
        assertFalse(h.getClass().getModule().isExported(h.getClass().getPackageName(),
                ModuleTest.class.getModule()));
    }

    // ---- create ----

    @Test
    void create_calledTwice_returnsDistinctUnlockedLocks() {
        MultiLock a = MultiLock.create();
        MultiLock b = MultiLock.create();
        assertNotNull(a);
        assertNotSame(a, b);
        assertSame(NONE, a.locked());
        assertSame(NONE, b.locked());
        assertEquals(0, a.queueLength());
        assertEquals(0, b.queueLength());

        Handle ha = take(a, EXCLUSIVE);
        assertSame(NONE, b.locked(), "locking one lock does not lock another");
        Handle hb = take(b, EXCLUSIVE);
        assertSame(EXCLUSIVE, a.locked());
        assertSame(EXCLUSIVE, b.locked());
        ha.release();
        assertSame(EXCLUSIVE, b.locked());
        hb.release();
    }

    @Test
    void create_manyTimes_eachLockIndependentAndUnlocked() {
        List<MultiLock> locks = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            MultiLock lock = MultiLock.create();
            assertSame(NONE, lock.locked(), "lock " + i + " is created unlocked");
            assertEquals(0, lock.queueLength(), "lock " + i + " is created with an empty queue");
            for (MultiLock earlier : locks) {
                assertNotSame(earlier, lock);
            }
            take(lock, EXCLUSIVE);
            locks.add(lock);
        }
    }

    // ---- toString ----

    @Test
    void toString_unlocked_mentionsNoneAndZeros() {
        String s = MultiLock.create().toString();
        assertTrue(s.contains("NONE"), s);
        assertTrue(mentionsNumber(s, 0), "holders and queue length 0: " + s);
    }

    @Test
    void toString_exclusiveHeldWithWaiters_mentionsStateHolderAndQueueLength() {
        MultiLock lock = MultiLock.create();
        take(lock, EXCLUSIVE);
        for (int i = 0; i < 4; i++) {
            lock.acquire(SHARED);
        }
        String s = lock.toString();
        assertTrue(s.contains("EXCLUSIVE"), "state: " + s);
        assertTrue(mentionsNumber(s, 1), "one holder: " + s);
        assertTrue(mentionsNumber(s, 4), "queue length 4: " + s);
    }

    @Test
    void toString_sharedHeldWithWaiters_mentionsStateHolderCountAndQueueLength() {
        MultiLock lock = MultiLock.create();
        for (int i = 0; i < 3; i++) {
            take(lock, SHARED);
        }
        take(lock, NONE);
        CompletableFuture<Handle> writer = lock.acquire(EXCLUSIVE);
        lock.acquire(SHARED);
        assertFalse(writer.isDone());
        String s = lock.toString();
        assertTrue(s.contains("SHARED"), "state: " + s);
        assertFalse(s.contains("EXCLUSIVE"), "not held exclusively: " + s);
        assertTrue(mentionsNumber(s, 3), "three shared holders: " + s);
        assertTrue(mentionsNumber(s, 2), "queue length 2: " + s);
    }
}
