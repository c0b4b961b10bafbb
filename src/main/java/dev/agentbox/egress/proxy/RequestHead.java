package dev.agentbox.egress.proxy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The head of one request to the egress proxy: request line and headers, parsed strictly. Either {@code CONNECT
 * host:port} (a tunnel) or a plain HTTP request with an absolute {@code http://} URI.
 *
 * @param method the method
 * @param host the destination host as given (a name, or an address without brackets)
 * @param port the destination port
 * @param path the path and query for a plain request, {@code null} for CONNECT
 * @param version {@code HTTP/1.0} or {@code HTTP/1.1}
 * @param headers the header lines as {@code name: value}, in order
 */
record RequestHead(String method, String host, int port, String path, String version, List<String[]> headers) {

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern HOST = Pattern.compile(
            "[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\\.?");
    private static final int MAX_HEADERS = 100;

    /** A request the proxy cannot serve, with the status to answer. */
    static final class BadRequest extends Exception {
        final int status;

        BadRequest(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    boolean isConnect() {
        return path == null;
    }

    /**
     * @param head the bytes up to and without the blank line that ends the head
     * @throws BadRequest when the head is malformed or asks for something the proxy does not do
     */
    static RequestHead parse(byte[] head) throws BadRequest {
        for (byte b : head) {
            if (b < 0 || (b < 0x20 && b != '\r' && b != '\n' && b != '\t') || b == 0x7f) {
                throw new BadRequest(400, "the request head has bytes that are not printable ASCII");
            }
        }
        String[] lines = new String(head, StandardCharsets.US_ASCII).split("\r\n", -1);
        String[] requestLine = lines[0].split(" ", -1);
        if (requestLine.length != 3 || !TOKEN.matcher(requestLine[0]).matches()
                || !(requestLine[2].equals("HTTP/1.1") || requestLine[2].equals("HTTP/1.0"))) {
            throw new BadRequest(400, "the request line is not 'METHOD TARGET HTTP/1.1'");
        }
        if (lines.length - 1 > MAX_HEADERS) {
            throw new BadRequest(431, "more than " + MAX_HEADERS + " header lines");
        }
        List<String[]> headers = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0 || !TOKEN.matcher(lines[i].substring(0, colon)).matches()) {
                throw new BadRequest(400, "a header line is not 'Name: value'");
            }
            headers.add(new String[] { lines[i].substring(0, colon), lines[i].substring(colon + 1).trim() });
        }
        String method = requestLine[0];
        String target = requestLine[1];
        if (method.equals("CONNECT")) {
            Authority authority = authority(target, -1);
            return new RequestHead(method, authority.host, authority.port, null, requestLine[2], headers);
        }
        if (!target.regionMatches(true, 0, "http://", 0, 7)) {
            throw new BadRequest(400, target.regionMatches(true, 0, "https://", 0, 8)
                    ? "an https:// URL goes through CONNECT (set HTTPS_PROXY), not a plain request"
                    : "a plain request through the proxy needs an absolute http:// URL");
        }
        int slash = target.indexOf('/', 7);
        String authorityText = slash < 0 ? target.substring(7) : target.substring(7, slash);
        if (authorityText.contains("@")) {
            throw new BadRequest(400, "user information in the URL is not supported");
        }
        Authority authority = authority(authorityText, 80);
        String path = slash < 0 ? "/" : target.substring(slash);
        return new RequestHead(method, authority.host, authority.port, path, requestLine[2], headers);
    }

    private record Authority(String host, int port) {
    }

    private static Authority authority(String text, int defaultPort) throws BadRequest {
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new BadRequest(400, "an IPv6 address in a target is written [address]:port");
            }
            host = text.substring(1, close);
            port = close + 1 < text.length() && text.charAt(close + 1) == ':' ? text.substring(close + 2)
                    : close + 1 == text.length() ? null : "";
            if (dev.agentbox.egress.Addresses.literal(host) == null) {
                throw new BadRequest(400, "'" + printable(host) + "' is not an IPv6 address");
            }
        } else {
            int colon = text.lastIndexOf(':');
            host = colon < 0 ? text : text.substring(0, colon);
            port = colon < 0 ? null : text.substring(colon + 1);
            if (host.length() > 253 || !HOST.matcher(host).matches()) {
                throw new BadRequest(400, "'" + printable(host) + "' is not a host name or address");
            }
        }
        if (port == null) {
            if (defaultPort < 0) {
                throw new BadRequest(400, "CONNECT needs host:port");
            }
            return new Authority(host.toLowerCase(Locale.ROOT), defaultPort);
        }
        try {
            int number = Integer.parseInt(port);
            if (number < 1 || number > 65535 || !port.matches("\\d{1,5}")) {
                throw new NumberFormatException();
            }
            return new Authority(host.toLowerCase(Locale.ROOT), number);
        } catch (NumberFormatException e) {
            throw new BadRequest(400, "'" + printable(port) + "' is not a port");
        }
    }

    /**
     * @return the head to send to the destination of a plain request: origin-form target, the destination as
     *         {@code Host}, no proxy or hop-by-hop headers, and {@code Connection: close} (one request per connection)
     */
    byte[] toOriginRequest() {
        StringBuilder out = new StringBuilder(method).append(' ').append(path).append(' ').append(version)
                .append("\r\n");
        List<String> hopByHop = new ArrayList<>(List.of("connection", "keep-alive", "proxy-connection",
                "proxy-authorization", "proxy-authenticate", "te", "trailer", "upgrade", "host"));
        for (String[] header : headers) {
            if (header[0].equalsIgnoreCase("connection")) {
                for (String named : header[1].split(",")) {
                    hopByHop.add(named.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        String hostHeader = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        out.append("Host: ").append(hostHeader).append(port == 80 ? "" : ":" + port).append("\r\n");
        for (String[] header : headers) {
            if (!hopByHop.contains(header[0].toLowerCase(Locale.ROOT))) {
                out.append(header[0]).append(": ").append(header[1]).append("\r\n");
            }
        }
        out.append("Connection: close\r\n\r\n");
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    static String printable(String text) {
        String cut = text.length() > 80 ? text.substring(0, 80) + "..." : text;
        return cut.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
