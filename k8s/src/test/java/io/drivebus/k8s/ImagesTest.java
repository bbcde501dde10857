package io.drivebus.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.Reader;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No Docker engine runs the image builds here, so this checks what would make them, or the pods they feed, fail:
 * the images the manifests run are the ones the documented {@code docker build} commands tag; each
 * {@code Dockerfile.jvm} copies Quarkus' fast-jar layout and starts it; its port is the service's HTTP port, the
 * container port and the probes' port; it runs as the manifests' non-root user; the agent's image has mtx and mt.
 */
class ImagesTest {
    static final Path ROOT = Path.of("..");
    static final List<String> SERVICES = List.of("reservation-service", "inventory-service", "device-agent");
    /** What {@code ./mvnw package} leaves in target/quarkus-app with the default (fast-jar) packaging. */
    static final List<String> FAST_JAR = List.of("lib/", "app/", "quarkus/", "quarkus-run.jar", "quarkus-app-dependencies.txt");
    static final Pattern BUILD = Pattern.compile("docker build -f (\\S+) -t ([^\\s:]+):(\\S+) (\\S+)");

    record Build(String dockerfile, String repository, String tag, String context) {
    }

    static Stream<String> services() {
        return SERVICES.stream();
    }

    @Test
    void theManifestsRunTheImagesTheDocumentedBuildsTag() throws Exception {
        String guide = Files.readString(ROOT.resolve("docs/deployment.md"));
        Map<String, Build> builds = new LinkedHashMap<>();
        Matcher m = BUILD.matcher(guide);
        while (m.find()) {
            builds.put(m.group(2) + ":" + m.group(3), new Build(m.group(1), m.group(2), m.group(3), m.group(4)));
        }
        assertEquals(SERVICES.size(), builds.size(), "one documented docker build per service: " + builds.keySet());
        Matcher pkg = Pattern.compile("\\./mvnw [^\\n]*\\bpackage\\b").matcher(guide);
        assertTrue(pkg.find() && pkg.start() < guide.indexOf("docker build"), "the guide packages the services (./mvnw ... package) before building images");
        for (Build b : builds.values()) {
            assertEquals(b.context() + "/src/main/docker/Dockerfile.jvm", b.dockerfile(), "the build context is the service's module");
            assertTrue(Files.isRegularFile(ROOT.resolve(b.dockerfile())), b.dockerfile());
        }
        for (JsonNode c : containers().values()) {
            Build b = builds.get(c.path("image").asText());
            assertNotNull(b, c.path("name").asText() + " runs " + c.path("image").asText() + ", which no documented build tags: " + builds.keySet());
            assertEquals(c.path("name").asText(), b.context(), "the image of " + c.path("name").asText() + " is built from its module");
        }
        // the overlays retag the same repositories: each tag they run must be one the guide says to build
        Set<String> repositories = new HashSet<>();
        builds.values().forEach(b -> repositories.add(b.repository()));
        try (Stream<Path> overlays = Files.list(Path.of("overlays"))) {
            for (Path o : overlays.filter(Files::isDirectory).toList()) {
                JsonNode k = ManifestsTest.YAML.readTree(o.resolve("kustomization.yaml").toFile());
                for (JsonNode img : k.path("images")) {
                    String repo = img.path("name").asText();
                    assertTrue(repositories.contains(repo), o + " retags " + repo + ", which no documented build makes");
                    String tag = img.path("newTag").asText();
                    String service = repo.substring(repo.lastIndexOf('/') + 1);
                    boolean documented = builds.containsKey(repo + ":" + tag) || guide.contains(repo + ":" + tag)
                            || guide.contains("drivebus/<service>:" + tag) && SERVICES.contains(service);
                    assertTrue(documented, o + " runs " + repo + ":" + tag + ", a tag the guide never builds");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("services")
    void theDockerfileCopiesTheFastJarLayoutAndRunsIt(String service) throws Exception {
        Path module = ROOT.resolve(service);
        List<String[]> instructions = dockerfile(service);
        assertTrue(first(instructions, "FROM").matches("(eclipse-temurin:17-jre\\S*|registry\\.access\\.redhat\\.com/ubi\\d+/openjdk-17-runtime\\S*)"),
                "a Java 17 JRE base: " + first(instructions, "FROM"));
        Set<String> copied = new HashSet<>();
        for (String[] i : instructions) {
            if (!i[0].equals("COPY")) {
                continue;
            }
            List<String> args = new ArrayList<>(List.of(i[1].trim().split("\\s+")));
            args.removeIf(a -> a.startsWith("--"));
            String dest = args.remove(args.size() - 1);
            assertTrue(dest.startsWith("/deployments/"), "copied under /deployments: " + dest);
            for (String src : args) {
                assertTrue(src.startsWith("target/quarkus-app/"), service + " copies only the packaged application: " + src);
                String rel = src.substring("target/quarkus-app/".length());
                var glob = FileSystems.getDefault().getPathMatcher("glob:" + rel.replaceAll("/$", ""));
                List<String> hits = FAST_JAR.stream().filter(f -> glob.matches(Path.of(f.replaceAll("/$", "")))).toList();
                assertFalse(hits.isEmpty(), service + ": " + src + " is not part of the fast-jar layout " + FAST_JAR);
                hits.forEach(h -> assertEquals("/deployments/" + (h.endsWith("/") ? h : ""), dest, service + " keeps the layout: " + src));
                copied.addAll(hits);
                // where the module is packaged, the sources really are there
                Path built = module.resolve("target/quarkus-app");
                if (Files.isDirectory(built)) {
                    try (Stream<Path> there = Files.list(built)) {
                        var onDisk = there.map(p -> p.getFileName()).filter(glob::matches).toList();
                        assertFalse(onDisk.isEmpty(), service + ": " + src + " matches nothing in " + built);
                    }
                }
            }
        }
        assertTrue(copied.containsAll(List.of("lib/", "app/", "quarkus/", "quarkus-run.jar")), service + " copies the whole application: " + copied);
        String entrypoint = first(instructions, "ENTRYPOINT");
        assertTrue(entrypoint.startsWith("[") && entrypoint.contains("\"-jar\", \"/deployments/quarkus-run.jar\""),
                service + " starts quarkus-run.jar as PID 1 (exec form): " + entrypoint);
        Properties app = applicationProperties(service);
        String type = app.getProperty("quarkus.package.jar.type", "fast-jar");
        assertEquals("fast-jar", type, service + " is packaged as the Dockerfile expects");
        assertTrue(Files.readAllLines(module.resolve(".dockerignore")).contains("!target/quarkus-app/"),
                service + "/.dockerignore keeps the packaged application in the build context");
    }

    @ParameterizedTest
    @MethodSource("services")
    void theImagePortIsTheServicePortTheContainerPortAndTheProbesPort(String service) throws Exception {
        String exposed = first(dockerfile(service), "EXPOSE").trim();
        assertEquals(applicationProperties(service).getProperty("quarkus.http.port"), exposed, service + " exposes its quarkus.http.port");
        JsonNode c = containers().get(service);
        Map<String, String> ports = new HashMap<>();
        c.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asText()));
        assertEquals(Map.of("http", exposed), ports, service + "'s container port is the image's");
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            String port = c.path(probe).path("httpGet").path("port").asText();
            assertEquals(exposed, ports.getOrDefault(port, port), service + " " + probe + " asks the image's port");
        }
    }

    @ParameterizedTest
    @MethodSource("services")
    void theImageRunsAsTheManifestsNonRootUser(String service) throws Exception {
        String user = first(dockerfile(service), "USER").trim().split(":")[0];
        assertTrue(user.matches("\\d+"), service + ": a numeric USER, which runAsNonRoot can verify: " + user);
        assertNotEquals("0", user, service + " is not root");
        assertEquals(pods().get(service).path("securityContext").path("runAsUser").asText(), user, service + " runs as the manifests' user");
    }

    @Test
    void theAgentImageHasTheToolsTheMtxDriverRuns() throws Exception {
        String runs = String.join("\n", dockerfile("device-agent").stream().filter(i -> i[0].equals("RUN")).map(i -> i[1]).toList());
        // mtx moves the robot; mt-st's mt rewinds and takes drives offline (device-agent's mtx-path / mt-path)
        assertTrue(runs.matches("(?s).*install[^\\n]*\\bmtx\\b.*"), "the agent image installs mtx: " + runs);
        assertTrue(runs.matches("(?s).*install[^\\n]*\\bmt-st\\b.*"), "the agent image installs mt-st: " + runs);
    }

    // ---- parsing -------------------------------------------------------------------------------------------------

    /** Instructions as {keyword, arguments}, continuation lines joined, comments dropped. */
    static List<String[]> dockerfile(String service) throws Exception {
        List<String[]> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : Files.readAllLines(ROOT.resolve(service).resolve("src/main/docker/Dockerfile.jvm"))) {
            String t = line.strip();
            if (t.startsWith("#") || t.isEmpty() && cur.isEmpty()) {
                continue;
            }
            if (t.endsWith("\\")) {
                cur.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            cur.append(t);
            String[] kv = cur.toString().split("\\s+", 2);
            out.add(new String[] {kv[0].toUpperCase(), kv.length > 1 ? kv[1] : ""});
            cur.setLength(0);
        }
        return out;
    }

    private static String first(List<String[]> instructions, String keyword) {
        return instructions.stream().filter(i -> i[0].equals(keyword)).map(i -> i[1]).findFirst()
                .orElseThrow(() -> new AssertionError("no " + keyword));
    }

    private static Properties applicationProperties(String service) throws Exception {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(ROOT.resolve(service).resolve("src/main/resources/application.properties"))) {
            p.load(r);
        }
        return p;
    }

    /** The pod specs of the base's workloads, by workload name (read directly: runs without kubectl). */
    static Map<String, JsonNode> pods() throws Exception {
        Map<String, JsonNode> out = new HashMap<>();
        // the services in base/, each drive host's agent from drive-host/ (the DaemonSet is named device-agent there)
        try (Stream<Path> files = Stream.concat(Files.list(Path.of("base")), Stream.of(Path.of("drive-host", "agent.yaml")))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                try (YAMLParser parser = new YAMLFactory().createParser(Files.readString(f))) {
                    var it = ManifestsTest.YAML.readValues(parser, ObjectNode.class);
                    while (it.hasNext()) {
                        JsonNode d = it.next();
                        if (d != null && Set.of("Deployment", "DaemonSet").contains(d.path("kind").asText())) {
                            out.put(d.path("metadata").path("name").asText(), d.path("spec").path("template").path("spec"));
                        }
                    }
                }
            }
        }
        assertEquals(new HashSet<>(SERVICES), out.keySet(), "a workload per service");
        return out;
    }

    /** Each workload's one container, by workload name. */
    static Map<String, JsonNode> containers() throws Exception {
        Map<String, JsonNode> out = new HashMap<>();
        pods().forEach((name, pod) -> {
            assertEquals(1, pod.path("containers").size(), name + " has one container");
            out.put(name, pod.path("containers").get(0));
        });
        return out;
    }
}
