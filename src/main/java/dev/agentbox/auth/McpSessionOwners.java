package dev.agentbox.auth;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.scheduler.Scheduled;

/**
 * Which principal opened each MCP session, so that a session id is worth nothing to anyone else: a request of
 * another principal with it is answered as if the session did not exist. Entries go when the MCP server would have
 * forgotten the session (its idle timeout, plus a margin), and their number is bounded.
 */
@ApplicationScoped
public class McpSessionOwners {

    private static final int MAX_SESSIONS = 100_000;

    private record Owner(String principal, long lastSeenNanos) {
    }

    private final Map<String, Owner> owners = new ConcurrentHashMap<>();
    private final long idleNanos;

    McpSessionOwners(@ConfigProperty(name = "quarkus.mcp.server.connection-idle-timeout", defaultValue = "30M") Duration idle) {
        this.idleNanos = idle.plusMinutes(5).toNanos();
    }

    /** Records that the principal opened the session. */
    void bind(String sessionId, String principal) {
        if (owners.size() >= MAX_SESSIONS) {
            sweep();
        }
        owners.put(sessionId, new Owner(principal, System.nanoTime()));
    }

    /**
     * @return whether the principal opened the session (and it is still known)
     */
    boolean owns(String sessionId, String principal) {
        Owner owner = owners.get(sessionId);
        if (owner == null || !owner.principal().equals(principal)) {
            return false;
        }
        owners.put(sessionId, new Owner(principal, System.nanoTime()));
        return true;
    }

    void forget(String sessionId) {
        owners.remove(sessionId);
    }

    @Scheduled(every = "60S", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        long now = System.nanoTime();
        owners.entrySet().removeIf(e -> now - e.getValue().lastSeenNanos() > idleNanos);
    }
}
