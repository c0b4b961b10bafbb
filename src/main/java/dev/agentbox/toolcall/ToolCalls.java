package dev.agentbox.toolcall;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.agentbox.conversation.Conversations;
import io.smallrye.mutiny.Uni;

/**
 * The one place every tool call goes through, whichever surface it came from: it runs the tool and gathers what the
 * agent must see with the outcome.
 */
@ApplicationScoped
public class ToolCalls {

    private final Conversations conversations;

    ToolCalls(Conversations conversations) {
        this.conversations = conversations;
    }

    /**
     * @param spec the tool
     * @param call the caller's conversation, progress and cancellation
     * @param arguments the arguments as decoded from JSON
     * @return the outcome; only unexpected failures (bugs, a broken host) fail the {@code Uni}
     */
    public Uni<ToolOutcome> call(ToolSpec spec, CallContext call, Map<String, ?> arguments) {
        return Uni.createFrom().deferred(() -> {
            // The profile is claimed for the whole call, so that a sandbox the call starts gets exactly it.
            Runnable release = conversations.chooseEgress(call.conversation(), call.egressProfile());
            return spec.call(call, arguments).onTermination().invoke(release);
        }).map(result -> new ToolOutcome(result, null, notices(call)))
                .onFailure(ToolFailure.class)
                .recoverWithItem(failure -> new ToolOutcome(null, (ToolFailure) failure, notices(call)));
    }

    private List<String> notices(CallContext call) {
        return conversations.takeNotice(call.conversation()).stream().toList();
    }
}
