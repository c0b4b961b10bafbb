package dev.agentbox.egress;

import java.time.Instant;

/**
 * One decision of the egress proxy about one connection, published as a CDI event (for the audit log and metrics) and
 * logged at DEBUG. A blocked connection is published when it is refused; an allowed one when it closes, with its
 * bytes.
 *
 * @param time when the decision was made
 * @param conversationId the conversation's id (never its raw key), or {@code null} when the caller is no sandbox
 * @param sandboxId the calling sandbox, or {@code null} when the caller is no sandbox
 * @param profile the sandbox's egress profile, or {@code null}
 * @param host the destination as the client named it (a name or an address), or {@code null} when the request could
 *        not be read
 * @param port the destination port, or 0
 * @param address the address connected to or refused, or {@code null} when the decision came before resolution
 * @param decision allowed or blocked
 * @param reason why, in a few words
 * @param bytesOut bytes sent from the sandbox to the destination
 * @param bytesIn bytes sent from the destination to the sandbox
 */
public record EgressDecision(Instant time, String conversationId, String sandboxId, String profile, String host,
        int port, String address, Outcome decision, String reason, long bytesOut, long bytesIn) {

    /** What became of the connection. */
    public enum Outcome {
        /** The policy allowed it (it may still have failed to connect; the reason says). */
        ALLOWED,
        /** The policy or a limit of the proxy refused it. */
        BLOCKED
    }

    /**
     * @return {@code host:port}, with IPv6 addresses in brackets
     */
    public String destination() {
        String shown = host == null ? "?" : host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return shown + ":" + port;
    }
}
