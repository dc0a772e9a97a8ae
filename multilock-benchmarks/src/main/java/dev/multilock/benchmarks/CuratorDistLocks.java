package dev.multilock.benchmarks;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.data.Stat;

/**
 * {@link DistContender#CURATOR}: Curator's {@link InterProcessReadWriteLock} on one ZooKeeper
 * server: {@code readLock()} or {@code writeLock()} (each an {@link InterProcessMutex}),
 * {@code acquire(time, unit)} and {@code release()}. An acquisition is an ephemeral sequential
 * node under the key's path; a writer holds once no earlier node is left, a reader once no
 * earlier writer is left. The node lives as long as this client's ZooKeeper session, which the
 * server ends when it has heard nothing from the client for the session timeout.
 *
 * <p>Owned by a thread: Curator counts re-entries per thread, and {@code release()} by another
 * thread throws {@link IllegalMonitorStateException}.
 *
 * <p>Fencing token: the recipe gives none. What a user has is the lock node: its creation zxid
 * ({@link Stat#getCzxid()}), which ZooKeeper makes larger for every later node, so a later
 * holder's node has a larger one. It is read at the grant (one more round trip), from the
 * earliest node under the key (the holder's own, while it holds EXCLUSIVE); asked later, the
 * earliest node may already be the next holder's. The holder's check, as Curator's documentation
 * asks of a lock user: has a {@code ConnectionStateListener} seen SUSPENDED or LOST since the
 * grant (then the lock must be taken as gone, even after RECONNECTED), and
 * {@link InterProcessMutex#isOwnedByCurrentThread()}; both are this process's own view, which
 * learns that the session expired only once the client hears from the server after the pause.
 */
final class CuratorDistLocks implements DistLocks {

    private final CuratorFramework client;
    private final InterProcessReadWriteLock[] locks;
    private final String[] paths;
    private final long sessionMillis;
    private volatile ConnectionState lastState = ConnectionState.CONNECTED;
    /** SUSPENDED and LOST events seen so far; a grant remembers the count at its grant. */
    private final AtomicLong losses = new AtomicLong();

    CuratorDistLocks(String connect, String namespace, int keys, long sessionMillis) {
        this.sessionMillis = sessionMillis;
        this.client = CuratorFrameworkFactory.builder().connectString(connect)
                .sessionTimeoutMs((int) sessionMillis)
                .connectionTimeoutMs((int) Math.min(sessionMillis, 15_000))
                .retryPolicy(new ExponentialBackoffRetry(100, 5)).build();
        client.getConnectionStateListenable().addListener((c, state) -> {
            if (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST) {
                losses.incrementAndGet();
            }
            lastState = state;
        });
        client.start();
        try {
            if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
                client.close();
                throw new IllegalStateException("no ZooKeeper at " + connect + " within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.close();
            throw new IllegalStateException("interrupted while connecting to " + connect, e);
        }
        this.locks = new InterProcessReadWriteLock[keys];
        this.paths = new String[keys];
        for (int i = 0; i < keys; i++) {
            paths[i] = "/multilock-benchmarks/" + namespace + "/key-" + i;
            locks[i] = new InterProcessReadWriteLock(client, paths[i]);
        }
    }

    /**
     * A grant: the mutex it was taken on, the key's path, and the SUSPENDED and LOST events seen
     * before it.
     */
    private record Grant(InterProcessMutex mutex, String path, boolean exclusive,
            long lossesBefore) {}

    @Override
    public Object lock(int key, boolean exclusive, long timeoutNanos) {
        InterProcessMutex mutex = exclusive ? locks[key].writeLock() : locks[key].readLock();
        long before = losses.get();
        try {
            return mutex.acquire(timeoutNanos, TimeUnit.NANOSECONDS)
                    ? new Grant(mutex, paths[key], exclusive, before) : null;
        } catch (Exception e) {
            throw new IllegalStateException("acquire failed on " + paths[key] + ": " + e, e);
        }
    }

    @Override
    public void unlock(Object grant) {
        try {
            ((Grant) grant).mutex().release();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("release failed: " + e, e);
        }
    }

    @Override
    public long fencingToken(Object grant) {
        Grant g = (Grant) grant;
        if (!g.exclusive()) {
            return NO_TOKEN;
        }
        try {
            List<String> children = client.getChildren().forPath(g.path());
            String earliest = null;
            for (String child : children) {
                if (earliest == null || sequence(child) < sequence(earliest)) {
                    earliest = child;
                }
            }
            Stat stat = earliest == null ? null
                    : client.checkExists().forPath(g.path() + "/" + earliest);
            if (stat == null) {
                throw new IllegalStateException("no lock node under " + g.path());
            }
            return stat.getCzxid();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the lock node of " + g.path(), e);
        }
    }

    /** The sequence number ZooKeeper appended to a sequential node's name (10 digits). */
    static long sequence(String node) {
        return Long.parseLong(node.substring(node.length() - 10));
    }

    @Override
    public Check check(Object grant) {
        Grant g = (Grant) grant;
        ConnectionState state = lastState;
        boolean suspended = losses.get() != g.lossesBefore();
        boolean owned = g.mutex().isOwnedByCurrentThread();
        return new Check(owned && !suspended, "ConnectionStateListener: SUSPENDED or LOST since"
                + " the grant=" + suspended + " (last " + state + "), isOwnedByCurrentThread()="
                + owned);
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "Curator InterProcessReadWriteLock, session timeout " + sessionMillis + " ms";
    }
}
