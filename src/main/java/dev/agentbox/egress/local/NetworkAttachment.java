package dev.agentbox.egress.local;

/**
 * How a local sandbox with egress is connected: its slot, the host side of its veth pair, and its address. Kept in the
 * sandbox's record, so that a restarted server can take the sandbox's network back.
 *
 * @param slot the sandbox's number in the address pool
 * @param hostInterface the host-side interface name (the sandbox side is {@code eth0} in its network namespace)
 * @param address the sandbox's IPv4 address, the only source address its interface may use
 */
public record NetworkAttachment(int slot, String hostInterface, String address) {
}
