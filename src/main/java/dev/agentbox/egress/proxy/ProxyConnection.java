package dev.agentbox.egress.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.agentbox.egress.Addresses;
import dev.agentbox.egress.EgressDecision;
import dev.agentbox.egress.EgressDecision.Outcome;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;

/**
 * One connection to the egress proxy, on its event loop: read a bounded head, decide, connect, then relay bytes both
 * ways with back-pressure until either side closes. Every connection ends in exactly one published decision.
 */
final class ProxyConnection {

    private static final byte[] END_OF_HEAD = { '\r', '\n', '\r', '\n' };

    private final NetSocket socket;
    private final EgressProxy proxy;
    private final int maxHead;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final AtomicLong bytesOut = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private Buffer received = Buffer.buffer();
    private ProxyClient client;
    private RequestHead head;
    private InetAddress address;
    private long headTimer = -1;
    private boolean admitted;
    private boolean counted;

    ProxyConnection(NetSocket socket, EgressProxy proxy) {
        this.socket = socket;
        this.proxy = proxy;
        this.maxHead = (int) Math.min(1 << 20, proxy.config().maxRequestHead().asLongValue());
    }

    void start() {
        InetAddress source = Addresses.literal(socket.remoteAddress().hostAddress());
        client = source == null ? null : proxy.client(source);
        socket.exceptionHandler(e -> socket.close());
        socket.closeHandler(v -> closed());
        if (!proxy.admit()) {
            socket.close();
            return;
        }
        admitted = true;
        if (client == null) {
            refuse(403, "Forbidden", null, "the connection does not come from a sandbox of this server");
            return;
        }
        if (client.connections().incrementAndGet() > proxy.config().maxConnectionsPerSandbox()) {
            client.connections().decrementAndGet();
            refuse(429, "Too Many Requests", null, "the sandbox has " + proxy.config().maxConnectionsPerSandbox()
                    + " connections open through the proxy, its limit");
            return;
        }
        counted = true;
        headTimer = proxy.vertx().setTimer(proxy.config().headTimeout().toMillis(),
                t -> refuse(408, "Request Timeout", null, "the request head did not arrive within "
                        + proxy.config().headTimeout().toSeconds() + " s"));
        socket.handler(this::readHead);
    }

    private void readHead(Buffer data) {
        if (finished.get() || head != null) {
            return;
        }
        received.appendBuffer(data);
        int end = indexOf(received, END_OF_HEAD, Math.max(0, received.length() - data.length() - 3));
        if (end < 0) {
            if (received.length() > maxHead) {
                refuse(431, "Request Header Fields Too Large", null, "the request head is larger than " + maxHead
                        + " bytes");
            }
            return;
        }
        if (end > maxHead) {
            refuse(431, "Request Header Fields Too Large", null, "the request head is larger than " + maxHead
                    + " bytes");
            return;
        }
        proxy.vertx().cancelTimer(headTimer);
        socket.pause();
        Buffer rest = received.getBuffer(end + END_OF_HEAD.length, received.length());
        try {
            head = RequestHead.parse(received.getBytes(0, end));
        } catch (RequestHead.BadRequest e) {
            refuse(e.status, e.status == 431 ? "Request Header Fields Too Large" : "Bad Request", null,
                    e.getMessage());
            return;
        }
        received = rest;
        decide();
    }

    private void decide() {
        Destinations.Verdict verdict = proxy.destinations().check(client.policy(), head.host(), head.port());
        if (verdict.refusal() != null) {
            block(verdict.refusal());
        } else if (verdict.resolve()) {
            proxy.resolver().resolve(head.host()).onComplete(resolved -> {
                if (finished.get()) {
                    return;
                }
                if (resolved.failed()) {
                    block(resolved.cause() instanceof UnknownHostException ? "the name cannot be resolved"
                            : "resolving the name failed: " + resolved.cause().getMessage());
                    return;
                }
                Destinations.Verdict after = proxy.destinations().checkResolved(client.policy(), head.host(),
                        head.port(), resolved.result());
                if (after.refusal() != null) {
                    block(after.refusal());
                } else {
                    connect(after.address());
                }
            });
        } else {
            connect(verdict.address());
        }
    }

    private void connect(InetAddress target) {
        address = target;
        proxy.upstream().connect(head.port(), Addresses.text(target)).onComplete(result -> {
            if (result.failed()) {
                String why = result.cause().getMessage();
                boolean timeout = why != null && why.toLowerCase().contains("timed out");
                refuse(timeout ? 504 : 502, timeout ? "Gateway Timeout" : "Bad Gateway", Outcome.ALLOWED,
                        "connecting to " + Addresses.text(target) + " failed: " + why);
                return;
            }
            NetSocket origin = result.result();
            if (finished.get()) {
                origin.close();
                return;
            }
            relay(origin);
        });
    }

    private void relay(NetSocket origin) {
        origin.exceptionHandler(e -> origin.close());
        origin.closeHandler(v -> socket.close());
        socket.closeHandler(v -> {
            origin.close();
            closed();
        });
        pump(socket, origin, bytesOut);
        pump(origin, socket, bytesIn);
        if (head.isConnect()) {
            socket.write(Buffer.buffer("HTTP/1.1 200 Connection Established\r\n\r\n"));
        } else {
            byte[] request = head.toOriginRequest();
            bytesOut.addAndGet(request.length);
            origin.write(Buffer.buffer(request));
        }
        if (received.length() > 0) {
            bytesOut.addAndGet(received.length());
            origin.write(received);
        }
        socket.resume();
    }

    /** Copies from one socket to the other, pausing the reader while the writer's queue is full. */
    private static void pump(NetSocket from, NetSocket to, AtomicLong counter) {
        from.handler(data -> {
            counter.addAndGet(data.length());
            to.write(data);
            if (to.writeQueueFull()) {
                from.pause();
                to.drainHandler(v -> from.resume());
            }
        });
    }

    private void block(String why) {
        refuse(403, "Forbidden", Outcome.BLOCKED, why);
    }

    /**
     * Answers with an error status and closes. {@code outcome} is the decision to publish: {@code BLOCKED} by the
     * policy, {@code ALLOWED} when only connecting failed; {@code null} means a refusal by the proxy's own limits or
     * rules of form, published as blocked as well.
     */
    private void refuse(int status, String phrase, Outcome outcome, String why) {
        if (!finished.compareAndSet(false, true)) {
            return;
        }
        if (headTimer >= 0) {
            proxy.vertx().cancelTimer(headTimer);
        }
        String body;
        if (outcome == Outcome.BLOCKED) {
            body = "EGRESS_BLOCKED: " + destination() + " is not allowed by egress profile '"
                    + client.policy().profile() + "': " + why + ".\n";
        } else {
            body = "agentbox egress proxy: " + why + ".\n";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String response = "HTTP/1.1 " + status + " " + phrase + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + (outcome == Outcome.BLOCKED ? "X-Agentbox-Reason: EGRESS_BLOCKED\r\n" : "")
                + "Content-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n";
        socket.write(Buffer.buffer(response).appendBytes(bytes));
        socket.end();
        publish(outcome == null ? Outcome.BLOCKED : outcome, why);
    }

    private void closed() {
        if (finished.compareAndSet(false, true)) {
            publish(head != null && address != null ? Outcome.ALLOWED : Outcome.BLOCKED,
                    head == null ? "the client closed before sending a complete request"
                            : address != null ? "closed" : "the client closed while the request was decided");
        }
        if (counted) {
            counted = false;
            client.connections().decrementAndGet();
        }
        if (admitted) {
            admitted = false;
            proxy.release();
        }
    }

    private String destination() {
        return head.host().indexOf(':') >= 0 ? "[" + head.host() + "]:" + head.port() : head.host() + ":" + head.port();
    }

    private void publish(Outcome outcome, String reason) {
        proxy.events().publish(new EgressDecision(proxy.clock().instant(),
                client == null ? null : client.conversationId(), client == null ? null : client.sandboxId(),
                client == null ? null : client.policy().profile(), head == null ? null : head.host(),
                head == null ? 0 : head.port(), address == null ? null : Addresses.text(address), outcome, reason,
                bytesOut.get(), bytesIn.get()));
    }

    private static int indexOf(Buffer buffer, byte[] needle, int from) {
        outer: for (int i = from; i <= buffer.length() - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (buffer.getByte(i + j) != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
