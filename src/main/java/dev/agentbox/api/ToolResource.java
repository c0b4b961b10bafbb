package dev.agentbox.api;

import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;

import dev.agentbox.toolcall.Reason;
import dev.agentbox.toolcall.ToolCalls;
import dev.agentbox.toolcall.ToolCatalog;
import dev.agentbox.toolcall.ToolFailure;
import dev.agentbox.toolcall.ToolOutcome;
import dev.agentbox.toolcall.ToolSpec;
import io.smallrye.mutiny.Uni;

/**
 * The tools over plain JSON for curl and scripts: {@code POST /api/tools/{tool}} with the arguments as the body and
 * the conversation in a header. Success is 200 with the same fields as the MCP structured result; a tool error is a
 * 4xx or 5xx status with {@code reason}, {@code message} and, where there is more to see, {@code details}.
 */
@Path("/api/tools")
@Produces(MediaType.APPLICATION_JSON)
public class ToolResource {

    /** Carries notices about the conversation's sandbox (for example that it was stopped since the last call). */
    public static final String NOTICE_HEADER = "Agentbox-Notice";

    private final ToolCatalog catalog;
    private final ToolCalls toolCalls;
    private final RestCalls restCalls;

    ToolResource(ToolCatalog catalog, ToolCalls toolCalls, RestCalls restCalls) {
        this.catalog = catalog;
        this.toolCalls = toolCalls;
        this.restCalls = restCalls;
    }

    /**
     * A tool as the listing describes it.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ToolDescription(String name, String title, String description, boolean readOnly,
            Map<String, Object> inputSchema) {
    }

    /**
     * @return every tool with its description and argument schema
     */
    @GET
    public List<ToolDescription> list() {
        return catalog.tools().stream().map(t -> new ToolDescription(t.name(), t.title(), t.description(),
                t.readOnly(), t.inputSchema())).toList();
    }

    /**
     * Calls a tool in the conversation named by the conversation header.
     */
    @POST
    @Path("{tool}")
    public Uni<Response> call(@PathParam("tool") String tool, HttpHeaders headers, Map<String, Object> arguments) {
        return Uni.createFrom().deferred(() -> {
            ToolSpec spec = catalog.find(tool).orElseThrow(() -> ToolFailure.notFound("There is no tool '" + tool
                    + "'; GET /api/tools lists them."));
            return toolCalls.call(spec, restCalls.context(headers), arguments);
        }).map(ToolResource::response).onFailure(ToolFailure.class).recoverWithItem(f -> error((ToolFailure) f));
    }

    @ServerExceptionMapper
    Response mismatchedJson(MismatchedInputException e) {
        return malformedJson(e);
    }

    @ServerExceptionMapper
    Response unreadableRequest(WebApplicationException e) {
        // The JSON reader reports syntax errors wrapped in a plain 400.
        return e.getCause() instanceof JsonProcessingException json ? malformedJson(json) : e.getResponse();
    }

    private static Response malformedJson(JsonProcessingException e) {
        return error(ToolFailure.invalid("The request body is not valid JSON (an object of arguments is expected): "
                + e.getOriginalMessage()));
    }

    private static Response response(ToolOutcome outcome) {
        Response.ResponseBuilder response = outcome.isError() ? Response.status(status(outcome.failure().reason()))
                : Response.ok();
        outcome.notices().forEach(notice -> response.header(NOTICE_HEADER, notice));
        return response.entity(outcome.structured()).type(MediaType.APPLICATION_JSON).build();
    }

    static Response error(ToolFailure failure) {
        return Response.status(status(failure.reason())).entity(failure.asStructured())
                .type(MediaType.APPLICATION_JSON).build();
    }

    private static int status(Reason reason) {
        return switch (reason) {
            case NOT_FOUND -> 404;
            case FORBIDDEN -> 403;
            case INPUT_TOO_LARGE -> 413;
            case NOT_UNIQUE, ALREADY_EXISTS -> 409;
            case SANDBOX_UNAVAILABLE, SANDBOX_LOST, STORE_UNAVAILABLE -> 503;
            case INVALID_ARGUMENT, PATH_OUTSIDE_WORKSPACE, BINARY_FILE -> 400;
            default -> 422;
        };
    }
}
