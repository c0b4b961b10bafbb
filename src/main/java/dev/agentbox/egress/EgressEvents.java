package dev.agentbox.egress;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;

import org.jboss.logging.Logger;

/**
 * Where egress decisions go: a CDI event per decision (observers must not block: they run on the proxy's event loop),
 * a DEBUG line, and a short memory of recent refusals per conversation, so that the tool result of a command during
 * which connections were blocked can say so.
 */
@ApplicationScoped
public class EgressEvents {

    private static final Logger LOG = Logger.getLogger(EgressEvents.class);
    private static final int REMEMBERED = 32;

    private final Event<EgressDecision> event;
    private final Map<String, Deque<EgressDecision>> recentBlocks = new ConcurrentHashMap<>();

    EgressEvents(Event<EgressDecision> event) {
        this.event = event;
    }

    /**
     * Publishes a decision.
     */
    public void publish(EgressDecision decision) {
        LOG.debugf("Egress %s [conversation: %s, sandbox: %s, destination: %s, address: %s, reason: %s, out: %d, in: %d]",
                decision.decision(), decision.conversationId(), decision.sandboxId(), decision.destination(),
                decision.address(), decision.reason(), decision.bytesOut(), decision.bytesIn());
        if (decision.decision() == EgressDecision.Outcome.BLOCKED && decision.conversationId() != null) {
            Deque<EgressDecision> blocks = recentBlocks.computeIfAbsent(decision.conversationId(),
                    id -> new ArrayDeque<>());
            synchronized (blocks) {
                blocks.addLast(decision);
                while (blocks.size() > REMEMBERED) {
                    blocks.removeFirst();
                }
            }
        }
        try {
            event.fire(decision);
        } catch (RuntimeException e) {
            LOG.warnf("An egress decision observer failed [cause: %s]", e.toString());
        }
    }

    /**
     * @param conversationId the conversation
     * @param from the start of the period, inclusive
     * @param to the end of the period, inclusive
     * @return the connections refused for the conversation in that period, oldest first (at most the last 32)
     */
    public List<EgressDecision> blockedBetween(String conversationId, Instant from, Instant to) {
        Deque<EgressDecision> blocks = recentBlocks.get(conversationId);
        if (blocks == null) {
            return List.of();
        }
        synchronized (blocks) {
            return blocks.stream().filter(d -> !d.time().isBefore(from) && !d.time().isAfter(to)).toList();
        }
    }

    /**
     * Forgets what was remembered of a conversation (its sandbox stopped).
     */
    public void forget(String conversationId) {
        recentBlocks.remove(conversationId);
    }
}
