package io.drivebus.agent.changer;

import io.drivebus.agent.AgentConfig;
import io.drivebus.agent.changer.mtx.MtxDriver;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/** The libraries of this host, opened (and, for a vtape demo, created) from the configuration. */
public final class Libraries {
    private static final Logger LOG = Logger.getLogger(Libraries.class);
    private static final Pattern ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");

    private final Map<String, Library> byId;

    public Libraries(Map<String, Library> byId) {
        this.byId = Map.copyOf(byId);
    }

    /**
     * Fails on any misconfigured library: an agent serving half its libraries would hide the error.
     * {@code stateDir} keeps driver state that must survive restarts (the mtx barcode → label cache).
     */
    public static Libraries open(Map<String, AgentConfig.LibraryConfig> config, Path stateDir) {
        Map<String, Library> libs = new TreeMap<>();
        config.forEach((id, c) -> {
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException("drivebus.agent.libraries: invalid library id '" + id + "'");
            }
            String prefix = "drivebus.agent.libraries." + id + ".";
            LibraryDriver driver = switch (c.driver()) {
                case VtapeDriver.NAME -> vtape(id, c, prefix);
                case MtxDriver.NAME -> mtx(id, c, prefix, stateDir);
                case FileDriver.NAME -> {
                    FileDriver f = FileDriver.of(required(c.devices(), prefix + "devices"));
                    LOG.infof("library %s: file devices %s", id, f.driveIds());
                    yield f;
                }
                default -> throw new IllegalArgumentException(prefix + "driver: '" + c.driver()
                        + "' is not supported (supported: vtape, mtx, file)");
            };
            libs.put(id, new Library(id, driver));
        });
        return new Libraries(libs);
    }

    private static VtapeDriver vtape(String id, AgentConfig.LibraryConfig c, String prefix) {
        Path dir = Path.of(required(c.path(), prefix + "path"));
        VtapeDriver driver;
        if (!VtapeDriver.exists(dir) && c.init().requested()) {
            AgentConfig.InitConfig init = c.init();
            List<String> drives = init.drives().orElse(List.of("d0", "d1"));
            driver = VtapeDriver.create(dir, init.slots().orElse(10), drives, init.labelPrefix().orElse("VOL"),
                    init.importExportSlots().orElse(0));
            LOG.infof("library %s: created demo vtape library at %s", id, driver.directory());
        } else {
            driver = VtapeDriver.open(dir);
        }
        c.simulateMotionTime().ifPresent(driver::simulateMotionTime);
        LOG.infof("library %s: vtape at %s, drives %s", id, driver.directory(), driver.driveIds());
        return driver;
    }

    private static MtxDriver mtx(String id, AgentConfig.LibraryConfig c, String prefix, Path stateDir) {
        if (c.motionTimeout().isNegative() || c.motionTimeout().isZero()) {
            throw new IllegalArgumentException(prefix + "motion-timeout must be positive");
        }
        if (c.notReadyRetries() < 0) {
            throw new IllegalArgumentException(prefix + "not-ready-retries must be >= 0");
        }
        MtxDriver.Settings s = new MtxDriver.Settings(required(c.device(), prefix + "device"),
                MtxDriver.parseDrives(required(c.drives(), prefix + "drives")), c.mtxPath(), c.mtPath(),
                c.motionTimeout(), c.statusTimeout(), c.ejectBeforeUnload(), c.notReadyRetries(), c.retryBackoff(),
                c.readyPollInterval(), stateDir.resolve("mtx-labels-" + id + ".properties"));
        LOG.infof("library %s: mtx changer %s, drives %s, motion timeout %s%s", id, s.changer(), s.drives(),
                s.motionTimeout(), s.ejectBeforeUnload() ? ", eject before unload" : "");
        return new MtxDriver(s);
    }

    private static <T> T required(java.util.Optional<T> v, String property) {
        return v.orElseThrow(() -> new IllegalArgumentException(property + " is required"));
    }

    public Library get(String id) {
        return id == null ? null : byId.get(id);
    }

    public Collection<Library> all() {
        return byId.values();
    }
}
