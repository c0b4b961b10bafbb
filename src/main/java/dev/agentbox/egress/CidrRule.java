package dev.agentbox.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Allows an address range (IPv4 or IPv6) on a range of ports.
 *
 * @param network the first address of the range
 * @param prefixLength how many leading bits of an address must equal the network's
 * @param ports the ports allowed
 */
public record CidrRule(InetAddress network, int prefixLength, PortRange ports) {

    /**
     * @param entry {@code a.b.c.d/n[:ports]} or {@code [v6/n][:ports]}; ports as in {@link PortRange}, every port when
     *        absent
     * @throws IllegalArgumentException naming what is wrong
     */
    public static CidrRule parse(String entry) {
        String text = entry.trim();
        String range;
        String ports = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("an IPv6 range is written [address/length]:port");
            }
            range = text.substring(1, close);
            if (close + 1 < text.length()) {
                if (text.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("expected ':' and ports after ']'");
                }
                ports = text.substring(close + 2);
            }
        } else {
            int colon = text.indexOf(':');
            range = colon < 0 ? text : text.substring(0, colon);
            ports = colon < 0 ? null : text.substring(colon + 1);
        }
        int slash = range.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("a range is ADDRESS/LENGTH (for one address, /32 or /128)");
        }
        String address = range.substring(0, slash);
        InetAddress network = Addresses.literal(address);
        if (network == null) {
            throw new IllegalArgumentException("'" + address + "' is not an IP address");
        }
        int bits = network.getAddress().length * 8;
        int length;
        try {
            length = Integer.parseInt(range.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + range.substring(slash + 1) + "' is not a prefix length");
        }
        if (length < 0 || length > bits) {
            throw new IllegalArgumentException("the prefix length must be 0 to " + bits);
        }
        if (!masked(network.getAddress(), length).equals(network)) {
            throw new IllegalArgumentException("host bits are set; the range starts at "
                    + Addresses.text(masked(network.getAddress(), length)) + "/" + length);
        }
        return new CidrRule(network, length, ports == null ? PortRange.ANY : PortRange.parse(ports));
    }

    /**
     * @return whether the address lies in the range (an address of the other family never does)
     */
    public boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        return bytes.length == network.getAddress().length && masked(bytes, prefixLength).equals(network);
    }

    /**
     * @return whether the rule allows the address on the port
     */
    public boolean allows(InetAddress address, int port) {
        return ports.contains(port) && contains(address);
    }

    /**
     * @return the range as {@code address/length}, as a NetworkPolicy's {@code ipBlock.cidr} takes it
     */
    public String cidr() {
        return Addresses.text(network) + "/" + prefixLength;
    }

    static InetAddress masked(byte[] address, int length) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, length - i * 8));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        try {
            return InetAddress.getByAddress(out);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return (network.getAddress().length == 4 ? cidr() : "[" + cidr() + "]") + ":" + ports;
    }
}
