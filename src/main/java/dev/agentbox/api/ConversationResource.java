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

import io.smallrye.mutiny.Uni;

/**
 * Conversations of the caller's principal as resources, named by key in the path: delete one (an operator's cleanup,
 * or a script's), and fork one. Each endpoint is the {@code delete_conversation} or {@code fork} tool called for
 * that conversation, with the same checks, limits, audit and reason codes.
 */
@Path("/api/conversations")
@Produces(MediaType.APPLICATION_JSON)
public class ConversationResource {

    private final RestCalls restCalls;

    ConversationResource(RestCalls restCalls) {
        this.restCalls = restCalls;
    }

    /**
     * Deletes a conversation: its sandbox, job records and shell state, and with {@code ?workspace=true} its files.
     */
    @DELETE
    @Path("{key}")
    public Uni<Response> delete(@PathParam("key") String key, @QueryParam("workspace") boolean workspace) {
        return restCalls.call("delete_conversation", () -> restCalls.context(key), null,
                Map.of("workspace", workspace), 200);
    }

    /**
     * Forks a conversation: {@code {"memory_mib": N, "pids": N}}, both optional. Answers 201 with the fork's handle.
     */
    @POST
    @Path("{key}/fork")
    public Uni<Response> fork(@PathParam("key") String key, Map<String, Object> body) {
        return restCalls.call("fork", () -> restCalls.context(key), body, Map.of(), 201);
    }
}
