package dev.agentbox.egress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What kind of address a destination is, as far as egress is concerned: one no rule can open (loopback, link-local
 * with the cloud metadata server, unspecified, multicast), an internal one (private ranges, which only an address rule
 * opens), or a public one.
 */
public final class Addresses {

    private static final Pattern V4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern V6 = Pattern.compile("[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    /** Ranges that stay closed whatever a profile says (with IPv6 forms that embed an IPv4 address). */
    private static final List<CidrRule> NEVER = List.of(CidrRule.parse("0.0.0.0/8"), CidrRule.parse("127.0.0.0/8"),
            CidrRule.parse("169.254.0.0/16"), CidrRule.parse("224.0.0.0/3"), CidrRule.parse("[::/96]"),
            CidrRule.parse("[::1/128]"), CidrRule.parse("[fe80::/10]"), CidrRule.parse("[ff00::/8]"),
            CidrRule.parse("[64:ff9b::/96]"), CidrRule.parse("[2002::/16]"));

    /** Private and shared ranges: reachable only through an address rule that covers them. */
    private static final List<CidrRule> INTERNAL = List.of(CidrRule.parse("10.0.0.0/8"),
            CidrRule.parse("172.16.0.0/12"), CidrRule.parse("192.168.0.0/16"), CidrRule.parse("100.64.0.0/10"),
            CidrRule.parse("192.0.0.0/24"), CidrRule.parse("[fc00::/7]"));

    private Addresses() {
    }

    /** The kind of a destination address. */
    public enum Kind {
        /** Loopback, link-local (with 169.254.169.254), unspecified, multicast, or an address embedding another. */
        NEVER,
        /** A private or shared range. */
        INTERNAL,
        /** Anything else. */
        PUBLIC
    }

    /**
     * @return the kind of the address
     */
    public static Kind kind(InetAddress address) {
        if (NEVER.stream().anyMatch(r -> r.contains(address))) {
            return Kind.NEVER;
        }
        return INTERNAL.stream().anyMatch(r -> r.contains(address)) ? Kind.INTERNAL : Kind.PUBLIC;
    }

    /**
     * @return the address as people write it: dotted IPv4, or IPv6 with the longest run of zero groups as {@code ::}
     */
    public static String text(InetAddress address) {
        String full = address.getHostAddress();
        int percent = full.indexOf('%');
        if (percent >= 0) {
            full = full.substring(0, percent);
        }
        if (!(address instanceof Inet6Address)) {
            return full;
        }
        String[] groups = full.split(":");
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < groups.length; i++) {
            int j = i;
            while (j < groups.length && groups[j].equals("0")) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
        }
        if (bestStart < 0) {
            return full;
        }
        return String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart)) + "::"
                + String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLength, groups.length));
    }

    /**
     * Parses an IP address literal without ever asking a resolver.
     *
     * @param text a dotted IPv4 address or an IPv6 address (without brackets)
     * @return the address, or {@code null} when the text is not an address literal
     */
    public static InetAddress literal(String text) {
        try {
            var v4 = V4.matcher(text);
            if (v4.matches()) {
                byte[] bytes = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int octet = Integer.parseInt(v4.group(i + 1));
                    if (octet > 255) {
                        return null;
                    }
                    bytes[i] = (byte) octet;
                }
                return InetAddress.getByAddress(bytes);
            }
            if (V6.matcher(text).matches()) {
                // With a colon in it, the name is only ever parsed as an IPv6 literal, never looked up.
                InetAddress address = InetAddress.getByName(text);
                return address instanceof Inet6Address || address instanceof Inet4Address ? address : null;
            }
        } catch (UnknownHostException | NumberFormatException e) {
            return null;
        }
        return null;
    }
}
