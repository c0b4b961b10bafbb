package dev.agentbox.api;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

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
@Tag(name = "tools", description = "The MCP tools over plain JSON, in the conversation named by the header.")
@Produces(MediaType.APPLICATION_JSON)
public class ToolResource {

    /** Carries notices about the conversation's sandbox (for example that it was stopped since the last call). */
    public static final String NOTICE_HEADER = "Agentbox-Notice";

    private final ToolCatalog catalog;
    private final ToolCalls toolCalls;
    private final RestCalls restCalls;
    private final ObjectMapper mapper;

    ToolResource(ToolCatalog catalog, ToolCalls toolCalls, RestCalls restCalls, ObjectMapper mapper) {
        this.catalog = catalog;
        this.mapper = mapper;
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
    @Operation(summary = "Every tool with its description and the JSON Schema of its arguments")
    public List<ToolDescription> list() {
        return catalog.tools().stream().map(t -> new ToolDescription(t.name(), t.title(), t.description(),
                t.readOnly(), t.inputSchema())).toList();
    }

    /**
     * Calls a tool in the conversation named by the conversation header. The body is read as JSON whatever its
     * content type, because {@code curl -d} sends a form content type unless told otherwise; an empty body means no
     * arguments.
     */
    @POST
    @Path("{tool}")
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> call(@PathParam("tool") String tool, HttpHeaders headers, byte[] body) {
        return Uni.createFrom().deferred(() -> {
            ToolSpec spec = catalog.find(tool).orElseThrow(() -> ToolFailure.notFound("There is no tool '" + tool
                    + "'; the tools are " + catalog.tools().stream().map(ToolSpec::name)
                            .collect(Collectors.joining(", "))
                    + " (GET /api/tools describes them)."));
            Map<String, Object> arguments = arguments(body);
            return toolCalls.call(spec, () -> restCalls.context(headers), arguments);
        }).map(ToolResource::response).onFailure(ToolFailure.class).recoverWithItem(f -> error((ToolFailure) f));
    }

    @SuppressWarnings("unchecked")
    /** Parses the raw bytes, so that a body that is not valid UTF-8 is refused rather than silently repaired. */
    private Map<String, Object> arguments(byte[] body) {
        if (body == null || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return null;
        }
        JsonNode json;
        try {
            json = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw ToolFailure.invalid("The request body is not valid JSON (an object of arguments is expected): "
                    + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Reading a request body held in memory failed", e);
        }
        if (!json.isObject()) {
            throw ToolFailure.invalid("The request body must be a JSON object of the tool's arguments, such as "
                    + "{\"path\": \"notes.md\"}, not " + json.getNodeType().name().toLowerCase(Locale.ROOT) + ".");
        }
        return mapper.convertValue(json, Map.class);
    }

    static Response response(ToolOutcome outcome) {
        return response(outcome, 200);
    }

    /** The response to a tool's outcome, with {@code status} for a success. */
    static Response response(ToolOutcome outcome, int status) {
        Response.ResponseBuilder response = outcome.isError() ? failed(outcome.failure()) : Response.status(status);
        outcome.notices().forEach(notice -> response.header(NOTICE_HEADER, notice));
        return response.entity(outcome.structured()).type(MediaType.APPLICATION_JSON).build();
    }

    static Response error(ToolFailure failure) {
        return failed(failure).entity(failure.asStructured()).type(MediaType.APPLICATION_JSON).build();
    }

    /** The status of a failure, with {@code Retry-After} when the failure says when to try again. */
    private static Response.ResponseBuilder failed(ToolFailure failure) {
        Response.ResponseBuilder response = Response.status(status(failure.reason()));
        if (failure.details() instanceof Map<?, ?> details && details.get("retry_after_seconds") instanceof Number n) {
            response.header("Retry-After", n.longValue());
        }
        return response;
    }

    /** The HTTP status of a tool error: the one place that maps reason codes to statuses. */
    static int status(Reason reason) {
        return switch (reason) {
            case NOT_FOUND -> 404;
            case FORBIDDEN -> 403;
            case INPUT_TOO_LARGE -> 413;
            case NOT_UNIQUE, ALREADY_EXISTS -> 409;
            case RATE_LIMITED, QUOTA_EXCEEDED -> 429;
            case SANDBOX_UNAVAILABLE, SANDBOX_LOST, STORE_UNAVAILABLE -> 503;
            case INVALID_ARGUMENT, PATH_OUTSIDE_WORKSPACE, BINARY_FILE -> 400;
            default -> 422;
        };
    }
}
