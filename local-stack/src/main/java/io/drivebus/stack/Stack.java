package io.drivebus.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./stack}: brings the whole system up on this machine and keeps it up until Ctrl-C, then stops every
 * process it started. Options: {@code --dir DIR} (state, default .stack), {@code --postgres-url URL} (use that
 * server instead of the embedded one; also env DRIVEBUS_POSTGRES_URL), {@code --fresh} (delete DIR first).
 */
public final class Stack {

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(".stack");
        String pgUrl = System.getenv("DRIVEBUS_POSTGRES_URL");
        boolean fresh = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dir" -> dir = Path.of(args[++i]);
                case "--postgres-url" -> pgUrl = args[++i];
                case "--fresh" -> fresh = true;
                case "-h", "--help" -> {
                    System.out.println("usage: ./stack [--dir DIR] [--postgres-url postgresql://user:pw@host:port/db] [--fresh]");
                    return;
                }
                default -> {
                    System.err.println("unknown option " + args[i] + " (try --help)");
                    System.exit(2);
                }
            }
        }
        dir = dir.toAbsolutePath();
        if (fresh) {
            deleteTree(dir);
        }
        Files.createDirectories(dir);
        LocalStack.Options options = LocalStack.Options.forPeople(dir).withPostgresUrl(pgUrl);
        long t0 = System.nanoTime();
        LocalStack stack = LocalStack.start(options, m -> System.out.println("drivebus: " + m));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\ndrivebus: stopping services, PostgreSQL and Kafka");
            stack.close();
            System.out.println("drivebus: stopped");
            stopped.countDown();
        }, "stack-stop"));
        String lib = options.demoLibrary();
        System.out.printf("""

                drivebus is up (%.1f s) — demo library '%s': %d virtual tapes, drives %s
                  dashboard       %s/
                  inventory API   %s/api/libraries/%s/inventory
                  OpenAPI         %s/q/openapi
                  Kafka           %s
                  logs            %s
                Try:
                  ./drivebus reserve --library %s --slot 3
                  curl -s %s/api/libraries/%s/inventory
                  ./drivebus release --library %s --reservation <id printed by reserve>
                Ctrl-C stops everything.
                """, (System.nanoTime() - t0) / 1e9, lib, options.demoSlots(), String.join(", ", options.demoDrives()),
                stack.inventoryUrl(), stack.inventoryUrl(), lib, stack.inventoryUrl(), stack.bootstrap(), dir.resolve("logs"), lib,
                stack.inventoryUrl(), lib, lib);
        stopped.await();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private Stack() {
    }
}
