package io.drivebus.client.cli;

import io.drivebus.client.ReservationListener;
import io.drivebus.schemas.reservation.ReservationGranted;
import java.io.PrintWriter;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Progress of a reserve on stderr. On a terminal one live line, rewritten in place every second
 * ({@code drivebus: waiting in library L, position 2, 14s}); otherwise one line per change, for logs.
 */
final class WaitingLine implements ReservationListener {

    private final String library;
    private final PrintWriter err;
    private final boolean live;
    private final long started = System.nanoTime();
    private volatile String requestId;
    private volatile int position;
    private volatile boolean showing;
    private volatile boolean finished;
    private ScheduledExecutorService ticker;

    WaitingLine(String library, PrintWriter err, boolean live) {
        this.library = library;
        this.err = err;
        this.live = live;
    }

    /** A live line only when a person watches: stdin and stdout are a terminal. */
    static boolean interactive() {
        return System.console() != null && System.getenv("DRIVEBUS_NO_LIVE") == null;
    }

    String requestId() {
        return requestId;
    }

    @Override
    public void sent(String id) {
        requestId = id;
    }

    @Override
    public synchronized void queued(int pos) {
        if (finished) {
            return;
        }
        position = pos;
        if (!live) {
            err.println("drivebus: queued in library " + library + ", position " + pos);
            err.flush();
            return;
        }
        draw();
        if (ticker == null) {
            ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "drivebus-waiting-line");
                t.setDaemon(true);
                return t;
            });
            ticker.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        }
    }

    private synchronized void tick() {
        if (!finished) {
            draw();
        }
    }

    private void draw() {
        long s = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
        String waited = s >= 60 ? (s / 60) + "m" + (s % 60) + "s" : s + "s";
        // \r and a clear-to-end: the line is rewritten in place
        err.print("\rdrivebus: waiting in library " + library + ", position " + position + ", " + waited + "\u001b[K");
        err.flush();
        showing = true;
    }

    @Override
    public synchronized void loading(ReservationGranted g) {
        if (finished) {
            return;
        }
        clear();
        err.println("drivebus: granted drive " + g.drive() + ", loading"
                + (g.label() != null ? " volume " + g.label() : "")
                + (g.slot() != null ? " from slot " + g.slot() : "") + " (token " + g.token() + ")");
        err.flush();
    }

    private void clear() {
        if (showing) {
            err.print("\r\u001b[K");
            err.flush();
            showing = false;
        }
    }

    synchronized void finish() {
        finished = true;
        if (ticker != null) {
            ticker.shutdownNow();
        }
        clear();
    }
}
