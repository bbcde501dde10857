package io.drivebus.agent.changer;

import io.drivebus.agent.AgentConfig;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/** The libraries of this host, opened (and, for a demo, created) from the configuration. */
public final class Libraries {
    private static final Logger LOG = Logger.getLogger(Libraries.class);
    private static final Pattern ID = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");

    private final Map<String, Library> byId;

    public Libraries(Map<String, Library> byId) {
        this.byId = Map.copyOf(byId);
    }

    /** Fails on any misconfigured library: an agent serving half its libraries would hide the error. */
    public static Libraries open(Map<String, AgentConfig.LibraryConfig> config) {
        Map<String, Library> libs = new TreeMap<>();
        config.forEach((id, c) -> {
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException("drivebus.agent.libraries: invalid library id '" + id + "'");
            }
            if (!VtapeDriver.NAME.equals(c.driver())) {
                throw new IllegalArgumentException("drivebus.agent.libraries." + id + ".driver: '" + c.driver()
                        + "' is not supported (supported: vtape)");
            }
            Path dir = Path.of(c.path());
            VtapeDriver driver;
            if (!VtapeDriver.exists(dir) && c.init().requested()) {
                AgentConfig.InitConfig init = c.init();
                List<String> drives = init.drives().orElse(List.of("d0", "d1"));
                driver = VtapeDriver.create(dir, init.slots().orElse(10), drives, init.labelPrefix().orElse("VOL"));
                LOG.infof("library %s: created demo vtape library at %s", id, driver.directory());
            } else {
                driver = VtapeDriver.open(dir);
            }
            LOG.infof("library %s: vtape at %s, drives %s", id, driver.directory(), driver.driveIds());
            libs.put(id, new Library(id, driver));
        });
        return new Libraries(libs);
    }

    public Library get(String id) {
        return id == null ? null : byId.get(id);
    }

    public Collection<Library> all() {
        return byId.values();
    }
}
