package rtkv.infra;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.stream.Collectors;
import rtkv.link.DatabaseTls;
import rtkv.link.KafkaLink;

/**
 * A whole rtkv cluster on this machine, every part a real process: MariaDB shards, one or three KRaft
 * Kafka brokers, a cdc-relay per shard, api-service and a fanout node. {@code ./rtkv up} runs one on the
 * standard ports; integration tests run their own on free ports and kill parts of it.
 */
public final class LocalCluster implements AutoCloseable {

    private static final Duration DATABASE_READY = Duration.ofSeconds(90);
    private static final Duration KAFKA_READY = Duration.ofSeconds(120);
    private static final Duration SERVICE_READY = Duration.ofSeconds(180);

    private final ClusterLayout layout;
    private final Secrets secrets;
    private final List<MariaDbShard> shards = new ArrayList<>();
    private final List<KafkaBroker> kafka = new ArrayList<>();
    private final List<JavaService> relays = new ArrayList<>();
    private final JavaService api;
    private final JavaService fanout;
    private final Map<String, Component> byName = new LinkedHashMap<>();
    private final RtkvHome home;
    private final Clock clock;
    private final Optional<SecuredLinks> secured;

    private LocalCluster(ClusterLayout layout, RtkvHome home, Clock clock, boolean securedLinks) {
        this.layout = layout;
        this.home = home;
        this.clock = clock;
        this.secrets = Secrets.loadOrCreate(layout.dataDir());
        this.secured = securedLinks ? Optional.of(SecuredLinks.create(layout.dataDir(), secrets)) : Optional.empty();
        for (int i = 0; i < layout.shards(); i++) {
            shards.add(new MariaDbShard(i, layout.shardPorts().get(i), layout.dataDir(), secrets, secured, clock));
        }
        for (int node = 1; node <= layout.kafkaBrokers(); node++) {
            kafka.add(new KafkaBroker(node, layout, () -> KafkaBroker.clusterId(layout.dataDir()), secured, home, clock));
        }
        for (int i = 0; i < layout.shards(); i++) {
            relays.add(relay(i, layout.shardPorts().get(i)));
        }
        api = new JavaService("api", "api-service", "rtkv.api.ApiMain", ServiceJvm.api(), layout.apiPort(),
                apiEnvironment(layout.apiPort()), home, layout.dataDir(), clock);
        fanout = fanoutNode("fanout", layout.fanoutPort());
        shards.forEach(c -> byName.put(c.name(), c));
        kafka.forEach(c -> byName.put(c.name(), c));
        relays.forEach(c -> byName.put(c.name(), c));
        byName.put(api.name(), api);
        byName.put(fanout.name(), fanout);
    }

    private Map<String, String> apiEnvironment(int port) {
        Map<String, String> env = new HashMap<>(databaseEnvironment());
        env.putAll(Map.of(
                "RTKV_API_PORT", Integer.toString(port),
                "RTKV_SHARDS", shards.stream().map(MariaDbShard::jdbcUrl).collect(Collectors.joining(",")),
                "RTKV_DB_USER", Secrets.APP_USER,
                "RTKV_DB_PASSWORD", secrets.appPassword(),
                "RTKV_ADMIN_KEY", secrets.adminKey(),
                // As many connections per shard as `./rtkv bench kv` has clients, and so as its JDBC
                // baseline has: the two are compared at equal connections.
                "RTKV_DB_POOL_SIZE", "32",
                "RTKV_PAGES_FANOUT_URL", "http://127.0.0.1:" + layout.fanoutPort(),
                // A local cluster is for developing apps, whose pages come from a dev server of their own.
                "RTKV_API_ALLOWED_ORIGINS", "*"));
        return env;
    }

    private Map<String, String> databaseEnvironment() {
        return secured.map(SecuredLinks::databaseEnvironment).orElse(Map.of());
    }

    private Map<String, String> kafkaEnvironment() {
        return secured.map(SecuredLinks::kafkaEnvironment).orElse(Map.of());
    }

    /** Relay {@code shard}, reading its shard's binlog at 127.0.0.1:{@code dbPort}. */
    private JavaService relay(int shard, int dbPort) {
        return relay("relay-" + shard, shard, dbPort, layout.relayPorts().get(shard), Map.of());
    }

    private JavaService relay(String name, int shard, int dbPort, int healthPort, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(databaseEnvironment());
        env.putAll(kafkaEnvironment());
        env.putAll(extra);
        env.put("RTKV_SHARD_ID", Integer.toString(shard));
        env.put("RTKV_DB_HOST", "127.0.0.1");
        env.put("RTKV_DB_PORT", Integer.toString(dbPort));
        env.put("RTKV_CDC_USER", Secrets.CDC_USER);
        env.put("RTKV_CDC_PASSWORD", secrets.cdcPassword());
        env.put("RTKV_KAFKA_BOOTSTRAP", layout.kafkaBootstrap());
        env.put("RTKV_TOPIC_PARTITIONS", Integer.toString(layout.partitions()));
        env.put("RTKV_TOPIC_REPLICATION", Integer.toString(layout.kafkaBrokers()));
        env.put("RTKV_RELAY_PORT", Integer.toString(healthPort));
        return new JavaService(name, "cdc-relay", "rtkv.relay.RelayMain", ServiceJvm.relay(), healthPort, env, home,
                layout.dataDir(), clock);
    }

    /**
     * Starts a standby relay of {@code shard} on health port {@code port}: it waits for the shard's lease
     * and takes over when the active relay dies. Waits until it is ready (a standby behind the active
     * relay) and answers its part name ({@code relay-0-standby}, ...).
     */
    public synchronized String startRelayStandby(int shard, int port) {
        return startRelayStandby(shard, port, "standby", Map.of());
    }

    /** As {@link #startRelayStandby(int, int)}, named {@code relay-SHARD-SUFFIX}, with {@code env} added to its environment. */
    public synchronized String startRelayStandby(int shard, int port, String suffix, Map<String, String> env) {
        JavaService relay = relay("relay-" + shard + "-" + suffix, shard, layout.shardPorts().get(shard), port, env);
        return addPart(relay);
    }

    /**
     * Starts a part added to the running cluster, waits until it is ready and answers its name; when it
     * does not get ready, stops only it: the rest of the cluster keeps running.
     */
    private String addPart(JavaService part) {
        TakenPorts.refuse(List.of(part));
        byName.put(part.name(), part);
        part.start();
        try {
            part.awaitReady(SERVICE_READY);
        } catch (RuntimeException e) {
            part.stop();
            byName.remove(part.name());
            throw e;
        }
        return part.name();
    }

    /**
     * What a part's {@code /readyz} says of it, for relays their role: "active", "standby", "starting" or
     * "connecting"; empty when it does not answer.
     */
    public Optional<String> relayRole(String part) {
        return component(part) instanceof JavaService service ? service.readiness().flatMap(JavaService::role) : Optional.empty();
    }

    /**
     * Restarts relay {@code shard} so that it reaches its shard at 127.0.0.1:{@code dbPort}: a proxy a
     * fault test controls, or the shard's own port to go back. It resumes from its saved position;
     * {@link #restart} keeps the new route. Waits until it is ready.
     */
    public synchronized void routeRelay(int shard, int dbPort) {
        JavaService old = relays.get(shard);
        old.stop();
        JavaService routed = relay(shard, dbPort);
        relays.set(shard, routed);
        byName.put(routed.name(), routed);
        routed.start();
        routed.awaitReady(SERVICE_READY);
    }

    private JavaService fanoutNode(String name, int port) {
        Map<String, String> env = new HashMap<>(databaseEnvironment());
        env.putAll(kafkaEnvironment());
        env.putAll(Map.of(
                "RTKV_FANOUT_PORT", Integer.toString(port),
                "RTKV_KAFKA_BOOTSTRAP", layout.kafkaBootstrap(),
                "RTKV_SHARDS", shards.stream().map(MariaDbShard::jdbcUrl).collect(Collectors.joining(",")),
                "RTKV_DB_USER", Secrets.READER_USER,
                "RTKV_DB_PASSWORD", secrets.readerPassword(),
                "RTKV_ADMIN_KEY", secrets.adminKey()));
        return new JavaService(name, "fanout-nodes", "rtkv.fanout.FanoutMain", ServiceJvm.fanout(), port, env, home,
                layout.dataDir(), clock);
    }

    /**
     * Starts one more api-service on {@code port}, on the same shards, with {@code env} added to its
     * environment (a test's own settings, a short tombstone retention for one); waits until it is ready
     * and answers its part name ({@code api-2}, ...).
     */
    public synchronized String startApiService(int port, Map<String, String> env) {
        Map<String, String> environment = new HashMap<>(apiEnvironment(port));
        environment.putAll(env);
        String name = "api-" + (1 + byName.keySet().stream().filter(part -> part.startsWith("api")).count());
        return addPart(new JavaService(name, "api-service", "rtkv.api.ApiMain", ServiceJvm.api(), port, environment, home,
                layout.dataDir(), clock));
    }

    /**
     * Starts one more fanout node on {@code port}, in the same consumer group as the first, so the nodes
     * share the topic's partitions; waits until it is ready and answers its part name ({@code fanout-2},
     * ...), which {@link #kill}, {@link #restart} and {@link #close} take. Kafka and the shards must be up.
     */
    public synchronized String startFanoutNode(int port) {
        String name = "fanout-" + (1 + byName.keySet().stream().filter(n -> n.startsWith("fanout")).count());
        return addPart(fanoutNode(name, port));
    }

    /** A cluster for this checkout (found from {@code rtkv.home} or the working directory); nothing starts yet. */
    public static LocalCluster of(ClusterLayout layout) {
        return new LocalCluster(layout, RtkvHome.locate(), Clock.systemUTC(), false);
    }

    /**
     * A cluster whose links are secured as managed services secure them: the brokers take SASL_SSL only
     * (SCRAM-SHA-512 and a client certificate), the shards refuse connections without TLS, and every
     * service is configured for both through its RTKV_KAFKA_ and RTKV_DB_TLS_ settings.
     */
    public static LocalCluster withSecuredLinks(ClusterLayout layout) {
        return new LocalCluster(layout, RtkvHome.locate(), Clock.systemUTC(), true);
    }

    /** Starts every part in dependency order and waits until each is ready; on failure stops what started. */
    public LocalCluster start() {
        refuseTakenPorts();
        return startShards().startKafka().startServices();
    }

    /** Fails, naming every port and its part, when any port of the cluster is taken; starts nothing. */
    public void refuseTakenPorts() {
        TakenPorts.refuse(List.copyOf(byName.values()));
    }

    /** Just the MariaDB shards, for tests of a part that needs nothing else. */
    public LocalCluster startShards() {
        return startTogether(new ArrayList<>(shards), DATABASE_READY);
    }

    public LocalCluster startKafka() {
        return startTogether(new ArrayList<>(kafka), KAFKA_READY);
    }

    /** The relays, api-service and the fanout node; shards and Kafka must be up. */
    public LocalCluster startServices() {
        List<Component> services = new ArrayList<>(relays);
        services.add(api);
        services.add(fanout);
        return startTogether(services, SERVICE_READY);
    }

    private LocalCluster startTogether(List<Component> parts, Duration timeout) {
        try {
            TakenPorts.refuse(parts);
            parts.forEach(Component::start);
            // Readiness is awaited in parallel: on two cores the JVMs start faster side by side.
            List<CompletableFuture<Void>> ready = parts.stream()
                    .map(part -> CompletableFuture.runAsync(() -> part.awaitReady(timeout)))
                    .toList();
            CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).join();
            return this;
        } catch (RuntimeException e) {
            close();
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            throw cause instanceof LauncherException le ? le : new LauncherException(cause.getMessage(), cause);
        }
    }

    public ClusterLayout layout() {
        return layout;
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + layout.apiPort();
    }

    public String fanoutUrl() {
        return "ws://127.0.0.1:" + layout.fanoutPort();
    }

    public String kafkaBootstrap() {
        return layout.kafkaBootstrap();
    }

    public String shardJdbcUrl(int shard) {
        return shards.get(shard).jdbcUrl();
    }

    /** How the services' Kafka clients connect: the bootstrap servers and, with secured links, their security. */
    public KafkaLink kafkaLink() {
        return secured.map(links -> links.kafkaLink(layout.kafkaBootstrap()))
                .orElseGet(() -> KafkaLink.plaintext(layout.kafkaBootstrap()));
    }

    /** The TLS of the services' connections to the shards, for a test's own. */
    public DatabaseTls databaseTls() {
        return shards.get(0).databaseTls();
    }

    /**
     * Runs SQL on a shard as its administrator, over the server's socket, for what the services' users
     * may not do: a fault test purging the binary logs, for one.
     */
    public void runAsShardAdministrator(int shard, String sql) {
        shards.get(shard).runAsAdministrator(sql);
    }

    public String appUser() {
        return Secrets.APP_USER;
    }

    public String appPassword() {
        return secrets.appPassword();
    }

    public String cdcUser() {
        return Secrets.CDC_USER;
    }

    public String cdcPassword() {
        return secrets.cdcPassword();
    }

    public String readerUser() {
        return Secrets.READER_USER;
    }

    public String readerPassword() {
        return secrets.readerPassword();
    }

    /** The admin API key api-service and the fanout node accept; also in {@code admin.key} in the data directory. */
    public String adminKey() {
        return secrets.adminKey();
    }

    /** Names of the parts, in start order: mariadb-0.., kafka (kafka-2, kafka-3), relay-0.., api, fanout. */
    public List<String> parts() {
        return List.copyOf(byName.keySet());
    }

    public List<String> runningParts() {
        return byName.values().stream().filter(Component::isAlive).map(Component::name).toList();
    }

    /** The process of a running part, for tools that inspect it (a benchmark reading its heap). */
    public Optional<ProcessHandle> process(String part) {
        return component(part).process();
    }

    /** Stops one part cleanly (SIGTERM), as an operator scaling down would. */
    public void stop(String part) {
        component(part).stop();
    }

    /** SIGKILL one part, as a crash would. */
    public void kill(String part) {
        component(part).kill();
    }

    /** Starts one stopped or killed part again and waits until it is ready. */
    public void restart(String part) {
        Component component = component(part);
        component.stop();
        component.start();
        component.awaitReady(SERVICE_READY);
    }

    /** The ports a part listens on; a service's one port also serves /healthz, /readyz and /metrics. */
    public List<Integer> ports(String part) {
        return component(part).ports();
    }

    private Component component(String part) {
        Component component = byName.get(part);
        if (component == null) {
            throw new IllegalArgumentException("no part named " + part + "; parts are " + byName.keySet());
        }
        return component;
    }

    /** Stops every part still running, in reverse start order; idempotent. */
    @Override
    public void close() {
        List<Component> reverse = new ArrayList<>(byName.values());
        Collections.reverse(reverse);
        RuntimeException failure = null;
        for (Component component : reverse) {
            try {
                component.stop();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
