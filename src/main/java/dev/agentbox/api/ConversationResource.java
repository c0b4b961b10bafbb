package dev.agentbox.api;

import java.util.Map;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import dev.agentbox.conversation.Callers;
import dev.agentbox.conversation.ConversationKey;
import dev.agentbox.conversation.ConversationKeys;
import dev.agentbox.conversation.ConversationTools;
import dev.agentbox.conversation.Conversations;
import dev.agentbox.fork.Forks;
import dev.agentbox.toolcall.ToolFailure;
import io.smallrye.mutiny.Uni;

/**
 * Conversations of the caller's principal as resources, named by key in the path: delete one (an operator's cleanup,
 * or a script's), and fork one. The same operations are the {@code delete_conversation} and {@code fork} tools for
 * the conversation a call belongs to.
 */
@Path("/api/conversations")
@Produces(MediaType.APPLICATION_JSON)
public class ConversationResource {

    private final Conversations conversations;
    private final Forks forks;
    private final ConversationKeys keys;
    private final Callers callers;

    ConversationResource(Conversations conversations, Forks forks, ConversationKeys keys, Callers callers) {
        this.conversations = conversations;
        this.forks = forks;
        this.keys = keys;
        this.callers = callers;
    }

    /**
     * Deletes a conversation: its sandbox, job records and shell state, and with {@code ?workspace=true} its files.
     */
    @DELETE
    @Path("{key}")
    public Uni<Response> delete(@PathParam("key") String key, @QueryParam("workspace") boolean workspace) {
        return CheckpointResource.respond(Uni.createFrom().deferred(() -> {
            ConversationKey conversation = conversation(key);
            return conversations.delete(conversation, workspace)
                    .map(ignored -> new ConversationTools.Deleted(conversation.key(), workspace));
        }), 200);
    }

    /**
     * Forks a conversation: {@code {"memory_mib": N, "pids": N}}, both optional. Answers 201 with the fork's handle.
     */
    @POST
    @Path("{key}/fork")
    public Uni<Response> fork(@PathParam("key") String key, Map<String, Object> body) {
        return CheckpointResource.respond(Uni.createFrom().deferred(() -> forks.fork(conversation(key),
                integer(body, "memory_mib"), integer(body, "pids"))), 201);
    }

    @ServerExceptionMapper
    Response toolFailure(ToolFailure failure) {
        return ToolResource.error(failure);
    }

    private ConversationKey conversation(String key) {
        return keys.resolve(callers.principal(), key, null, null);
    }

    private static Integer integer(Map<String, Object> body, String name) {
        Object value = body == null ? null : body.get(name);
        if (value != null && !(value instanceof Integer)) {
            throw ToolFailure.invalid("'" + name + "' must be an integer.");
        }
        return (Integer) value;
    }
}
