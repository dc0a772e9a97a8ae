package dev.multilock.benchmarks;

import java.io.File;
import java.io.IOException;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * The throwaway ZooKeeper server of {@code run.sh distributed} and {@code run.sh smoke}:
 * curator-test's {@link TestingServer}, in a JVM of its own so that the scenarios' clients reach
 * it over loopback as they would a real ensemble, and so that stopping a client process never
 * stops the server.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.multilock.benchmarks.ZkServer PORT DATA_DIR
 * TICK_MS}. Prints {@code ZK READY host:port VERSION} once the server accepts connections, then
 * runs until the process is terminated (the script's trap sends SIGTERM), when a shutdown hook
 * stops the server; the script deletes the data directory. The tick bounds the session timeouts
 * the server grants: from 2 to 20 ticks.
 */
public final class ZkServer {

    private ZkServer() {}

    /**
     * Starts the server; see the class comment.
     *
     * @param args port, data directory, tick in milliseconds
     * @throws Exception if the server cannot start
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: ZkServer PORT DATA_DIR TICK_MS");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        File dir = new File(args[1]);
        int tick = Integer.parseInt(args[2]);
        InstanceSpec spec = new InstanceSpec(dir, port, -1, -1, true, -1, tick, -1);
        TestingServer server = new TestingServer(spec, true);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (IOException e) {
                System.err.println("ZkServer: stopping the server failed: " + e);
            }
        }, "zk-server-stop"));
        // by reflection: compiling against Version warns about its SpotBugs annotations
        String version = (String) Class.forName("org.apache.zookeeper.Version")
                .getMethod("getFullVersion").invoke(null);
        System.out.println("ZK READY " + server.getConnectString() + " "
                + version.split("[ ,]")[0]);
        System.out.flush();
        Thread.currentThread().join(); // until SIGTERM runs the hook
    }
}
