package dev.agentbox.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestQuery;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import dev.agentbox.audit.AuditEvent;
import dev.agentbox.audit.AuditLog;
import dev.agentbox.conversation.Callers;
import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.Conversations;
import dev.agentbox.sandbox.SandboxBackend;
import dev.agentbox.sandbox.SandboxException;
import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolFailure;
import io.smallrye.common.annotation.Blocking;
import io.vertx.ext.web.RoutingContext;

/**
 * Administration of every principal's conversations: list them, and delete one (its sandbox is stopped, its
 * workspace and records removed). Only callers with the admin role reach these paths (the access filter answers 403
 * to anyone else); every deletion is an audit event.
 */
@Path("/api/admin/conversations")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class AdminResource {

    private static final Logger LOG = Logger.getLogger(AdminResource.class);
    /** How long a deletion may take: stopping the sandbox, then removing its files. */
    private static final Duration DELETION_TIMEOUT = Duration.ofMinutes(2);

    private final Conversations conversations;
    private final SandboxBackend backend;
    private final Callers callers;
    private final AuditLog audit;

    AdminResource(Conversations conversations, SandboxBackend backend, Callers callers, AuditLog audit) {
        this.conversations = conversations;
        this.backend = backend;
        this.callers = callers;
        this.audit = audit;
    }

    /**
     * One conversation as an administrator sees it.
     *
     * @param id the conversation id
     * @param principal its owner
     * @param key its key
     * @param sandboxId its running sandbox, or {@code null}
     * @param lastActivity its last call in this server process, or {@code null}
     * @param callsInFlight its calls running now
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ConversationView(String id, String principal, String key, String sandboxId, Instant lastActivity,
            int callsInFlight) {
    }

    /**
     * @param principal only this principal's conversations, when given
     */
    @GET
    public List<ConversationView> list(@RestQuery String principal) {
        Map<String, ConversationView> views = new LinkedHashMap<>();
        for (ConversationKey key : stored()) {
            views.put(key.id(), new ConversationView(key.id(), key.principal(), key.key(), null, null, 0));
        }
        for (Conversations.Served served : conversations.served()) {
            ConversationKey key = served.key();
            views.put(key.id(), new ConversationView(key.id(), key.principal(), key.key(), served.sandboxId(),
                    served.lastActivity(), served.callsInFlight()));
        }
        List<ConversationView> list = new ArrayList<>(views.values());
        list.removeIf(v -> principal != null && !principal.isBlank() && !principal.equals(v.principal()));
        list.sort(Comparator.comparing(ConversationView::principal).thenComparing(ConversationView::key));
        return list;
    }

    /**
     * Deletes a conversation of any principal: stops its sandbox, removes its workspace and records.
     */
    @DELETE
    @Path("{id}")
    public Response delete(@PathParam("id") String id, RoutingContext request) {
        ConversationKey key = find(id);
        if (key == null) {
            return refusal(404, "NOT_FOUND", "There is no conversation '" + (id.length() > 40 ? id.substring(0, 40)
                    + "..." : id) + "'; GET /api/admin/conversations lists them.");
        }
        String admin = callers.principal();
        try {
            conversations.delete(key, true).await().atMost(DELETION_TIMEOUT);
        } catch (ToolFailure e) {
            return refusal(503, e.reason().name(), e.getMessage());
        }
        LOG.infof("Conversation deleted [conversation: %s, owner: %s, by: %s]", key.id(), key.principal(), admin);
        audit.record(AuditEvent.admin(admin, key, "deleted",
                request.request().remoteAddress() == null ? null : request.request().remoteAddress().hostAddress()));
        return Response.ok(Map.of("deleted", key.id(), "principal", key.principal(), "key", key.key())).build();
    }

    private ConversationKey find(String id) {
        for (Conversations.Served served : conversations.served()) {
            if (served.key().id().equals(id)) {
                return served.key();
            }
        }
        return stored().stream().filter(k -> k.id().equals(id)).findFirst().orElse(null);
    }

    /** The conversations the backend keeps; a backend that cannot say (an API server down) answers 503. */
    private List<ConversationKey> stored() {
        try {
            return backend.provider().conversations();
        } catch (SandboxException e) {
            throw new WebApplicationException(refusal(503, Reason.SANDBOX_UNAVAILABLE.name(), e.getMessage()));
        }
    }

    private static Response refusal(int status, String reason, String message) {
        return Response.status(status).entity(Map.of("reason", reason, "message", message))
                .type(MediaType.APPLICATION_JSON).build();
    }
}
