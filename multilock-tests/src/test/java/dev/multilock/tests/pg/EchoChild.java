package dev.multilock.tests.pg;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A child JVM's program for {@code ChildJvmTest}: prints the module it runs in, its arguments
 * and {@code ready}; then answers each line of standard input with {@code echo <line>}, except
 * {@code exit <status>}, which ends it with that status. Ends at the end of its input, when its
 * parent ends, and after 60 s in any case.
 */
final class EchoChild {

    private EchoChild() {}

    public static void main(String[] args) throws IOException {
        ChildJvm.haltWhenParentExits(Duration.ofSeconds(60));
        System.out.println("module=" + EchoChild.class.getModule().getName());
        System.out.println("args=" + List.of(args));
        System.out.println("ready");
        BufferedReader in = new BufferedReader(
                new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("exit ")) {
                System.exit(Integer.parseInt(line.substring("exit ".length())));
            }
            System.out.println("echo " + line);
        }
    }
}
