package dev.agentbox.egress.proxy;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Clock;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.agentbox.egress.CidrRule;
import dev.agentbox.egress.EgressConfig;
import dev.agentbox.egress.EgressEvents;
import io.quarkus.runtime.ShutdownEvent;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;

/**
 * The egress proxy: HTTP CONNECT and plain HTTP, run by the server for the sandboxes of its backend. It knows a
 * sandbox by the address its connections come from (registered by the backend, which pins each sandbox to its
 * address), resolves names itself, decides every connection by the sandbox's rules, bounds request heads and
 * connections, and publishes every decision.
 */
@ApplicationScoped
public class EgressProxy {

    private static final Logger LOG = Logger.getLogger(EgressProxy.class);

    private final EgressConfig config;
    private final EgressEvents events;
    private final Vertx vertx;
    private final Clock clock;
    private final Map<InetAddress, ProxyClient> clients = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private volatile NetServer server;
    private volatile NetClient upstream;
    private volatile ProxyResolver resolver;
    private volatile Destinations destinations;
    private volatile List<CidrRule> reserved = List.of();
    private volatile Set<InetAddress> hostAddresses = Set.of();
    private volatile long hostAddressesAt;

    EgressProxy(EgressConfig config, EgressEvents events, Vertx vertx, Clock clock) {
        this.config = config;
        this.events = events;
        this.vertx = vertx;
        this.clock = clock;
    }

    /**
     * Starts listening. Called by the backend once it has made the address to listen on.
     *
     * @param host the address to listen on, reachable from sandboxes only
     * @param port the port, or 0 for a free one
     * @param sandboxRange the range the sandboxes' own addresses come from: never a destination
     * @return the port listened on
     */
    public synchronized int start(String host, int port, CidrRule sandboxRange) {
        EgressConfig.ProxyConfig proxy = config.proxy();
        resolver = new ProxyResolver(proxy.hosts(), proxy.systemResolver(), vertx);
        reserved = List.of(sandboxRange);
        destinations = new Destinations(this::isHostOwn);
        int idle = (int) Math.max(1, proxy.idleTimeout().toSeconds());
        upstream = vertx.createNetClient(new NetClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, proxy.connectTimeout().toMillis()))
                .setIdleTimeout(idle).setIdleTimeoutUnit(TimeUnit.SECONDS));
        NetServer created = vertx.createNetServer(new NetServerOptions().setIdleTimeout(idle)
                .setIdleTimeoutUnit(TimeUnit.SECONDS).setAcceptBacklog(1024));
        created.connectHandler(socket -> new ProxyConnection(socket, this).start());
        try {
            created.listen(port, host).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the egress proxy cannot listen on " + host + ":" + port + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        server = created;
        LOG.infof("Egress proxy listening [address: %s, port: %d]", host, created.actualPort());
        return created.actualPort();
    }

    /**
     * @param host where sandboxes reach the proxy
     * @return the variables that point a sandbox's HTTP clients at the proxy
     */
    public static Map<String, String> clientEnvironment(String host, int port) {
        String url = "http://" + host + ":" + port;
        Map<String, String> env = new LinkedHashMap<>();
        for (String name : List.of("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")) {
            env.put(name, url);
        }
        env.put("NO_PROXY", "localhost,127.0.0.1,::1");
        env.put("no_proxy", "localhost,127.0.0.1,::1");
        return env;
    }

    /**
     * @return whether the proxy listens
     */
    public boolean isRunning() {
        return server != null;
    }

    /**
     * Lets connections from the address act for the sandbox.
     */
    public void register(InetAddress source, ProxyClient client) {
        clients.put(source, client);
    }

    /**
     * Stops serving the address (its sandbox stopped). Connections already open go on until they close.
     */
    public void unregister(InetAddress source) {
        clients.remove(source);
    }

    void onShutdown(@Observes ShutdownEvent event) {
        NetServer running = server;
        if (running != null) {
            running.close();
            server = null;
        }
    }

    ProxyClient client(InetAddress source) {
        return clients.get(source);
    }

    EgressConfig.ProxyConfig config() {
        return config.proxy();
    }

    EgressEvents events() {
        return events;
    }

    Vertx vertx() {
        return vertx;
    }

    Clock clock() {
        return clock;
    }

    NetClient upstream() {
        return upstream;
    }

    ProxyResolver resolver() {
        return resolver;
    }

    Destinations destinations() {
        return destinations;
    }

    /** Counts a connection in, unless the proxy is full. */
    boolean admit() {
        if (open.incrementAndGet() > config.proxy().maxConnections()) {
            open.decrementAndGet();
            return false;
        }
        return true;
    }

    void release() {
        open.decrementAndGet();
    }

    /** The host's own addresses (refreshed every few seconds) and the sandboxes' range are never destinations. */
    private boolean isHostOwn(InetAddress address) {
        if (reserved.stream().anyMatch(r -> r.contains(address))) {
            return true;
        }
        long now = System.nanoTime();
        if (now - hostAddressesAt > TimeUnit.SECONDS.toNanos(5)) {
            Set<InetAddress> found = new HashSet<>();
            try {
                NetworkInterface.networkInterfaces().forEach(i -> i.inetAddresses().forEach(found::add));
            } catch (SocketException e) {
                LOG.debugf("Cannot list the host's addresses [cause: %s]", e.getMessage());
            }
            hostAddresses = Set.copyOf(found);
            hostAddressesAt = now;
        }
        return hostAddresses.contains(address);
    }
}
