package dev.agentbox.egress;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Collects every egress decision the server publishes, as an audit log would receive them.
 */
@ApplicationScoped
public class EgressDecisions {

    private final List<EgressDecision> seen = new CopyOnWriteArrayList<>();

    void onDecision(@Observes EgressDecision decision) {
        seen.add(decision);
    }

    /** @return the decisions about a conversation, oldest first */
    public List<EgressDecision> of(String conversationId) {
        return seen.stream().filter(d -> conversationId.equals(d.conversationId())).toList();
    }

    /** @return every decision so far */
    public List<EgressDecision> all() {
        return List.copyOf(seen);
    }
}
