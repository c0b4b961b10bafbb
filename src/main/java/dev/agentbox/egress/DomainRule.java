package dev.agentbox.egress;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Allows a domain name, or every name below a domain ({@code *.example.com}), on a range of ports.
 *
 * @param domain the name in lower case, without the wildcard
 * @param wildcard whether the rule matches the names below {@code domain} (and not {@code domain} itself)
 * @param ports the ports allowed
 */
public record DomainRule(String domain, boolean wildcard, PortRange ports) {

    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern IPV4ISH = Pattern.compile("[0-9.]+");

    /**
     * @param entry {@code host}, {@code host:port}, {@code host:low-high}, {@code host:*}, with an optional leading
     *        {@code *.}; without a port the entry allows 80 and 443
     * @return the rules the entry stands for
     * @throws IllegalArgumentException naming what is wrong
     */
    public static List<DomainRule> parse(String entry) {
        String text = entry.trim().toLowerCase(Locale.ROOT);
        int colon = text.indexOf(':');
        String name = colon < 0 ? text : text.substring(0, colon);
        boolean wildcard = name.startsWith("*.");
        if (wildcard) {
            name = name.substring(2);
        }
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        checkName(name);
        if (colon < 0) {
            return List.of(new DomainRule(name, wildcard, new PortRange(80, 80)),
                    new DomainRule(name, wildcard, new PortRange(443, 443)));
        }
        return List.of(new DomainRule(name, wildcard, PortRange.parse(text.substring(colon + 1))));
    }

    private static void checkName(String name) {
        if (name.isEmpty() || name.length() > 253) {
            throw new IllegalArgumentException("a domain name must have 1 to 253 characters");
        }
        if (IPV4ISH.matcher(name).matches()) {
            throw new IllegalArgumentException("an address is not a domain name; put it in cidrs as ADDRESS/32");
        }
        for (String label : name.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("'" + label + "' is not a valid label (letters, digits and inner"
                        + " hyphens, 1 to 63 characters; a wildcard only as a leading '*.')");
            }
        }
    }

    /**
     * @param host a host name in lower case, without a trailing dot
     * @return whether the rule allows the host on the port
     */
    public boolean allows(String host, int port) {
        if (!ports.contains(port)) {
            return false;
        }
        return wildcard ? host.endsWith("." + domain) : host.equals(domain);
    }

    @Override
    public String toString() {
        return (wildcard ? "*." : "") + domain + ":" + ports;
    }
}
