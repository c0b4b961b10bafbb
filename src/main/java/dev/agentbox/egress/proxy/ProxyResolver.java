package dev.agentbox.egress.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.agentbox.egress.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Resolves names for the proxy, once per connection (the address checked is the address connected to, so a name that
 * changes its answer cannot slip past the check): first the configured static map, then, when allowed, the host's
 * resolver on a worker thread.
 */
final class ProxyResolver {

    private final Map<String, InetAddress> hosts = new HashMap<>();
    private final boolean systemResolver;
    private final Vertx vertx;

    /**
     * @throws IllegalStateException naming a static entry whose value is not an address
     */
    ProxyResolver(Map<String, String> staticHosts, boolean systemResolver, Vertx vertx) {
        staticHosts.forEach((name, value) -> {
            InetAddress address = Addresses.literal(value.trim());
            if (address == null) {
                throw new IllegalStateException("Invalid egress configuration: agentbox.egress.proxy.hosts." + name
                        + " is '" + value + "', not an IP address");
            }
            hosts.put(normalize(name), address);
        });
        this.systemResolver = systemResolver;
        this.vertx = vertx;
    }

    /**
     * @return the addresses of the name; fails with {@link UnknownHostException} when it has none
     */
    Future<List<InetAddress>> resolve(String name) {
        InetAddress fixed = hosts.get(normalize(name));
        if (fixed != null) {
            return Future.succeededFuture(List.of(fixed));
        }
        if (!systemResolver) {
            return Future.failedFuture(new UnknownHostException(name + " is not in agentbox.egress.proxy.hosts"));
        }
        return vertx.executeBlocking(() -> List.of(InetAddress.getAllByName(normalize(name))), false);
    }

    private static String normalize(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    }
}
