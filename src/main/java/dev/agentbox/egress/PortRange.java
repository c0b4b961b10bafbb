package dev.agentbox.egress;

/**
 * A range of TCP ports, both ends included.
 *
 * @param from the lowest port
 * @param to the highest port
 */
public record PortRange(int from, int to) {

    /** Every port. */
    public static final PortRange ANY = new PortRange(1, 65535);

    public PortRange {
        if (from < 1 || to > 65535 || from > to) {
            throw new IllegalArgumentException("ports must be between 1 and 65535, low to high");
        }
    }

    /**
     * @param text {@code 443}, {@code 8000-8100} or {@code *}
     * @throws IllegalArgumentException when it is none of these
     */
    static PortRange parse(String text) {
        if (text.equals("*")) {
            return ANY;
        }
        int dash = text.indexOf('-');
        try {
            return dash < 0 ? new PortRange(Integer.parseInt(text), Integer.parseInt(text))
                    : new PortRange(Integer.parseInt(text.substring(0, dash)), Integer.parseInt(text.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a port, a range low-high or *");
        }
    }

    public boolean contains(int port) {
        return port >= from && port <= to;
    }

    @Override
    public String toString() {
        return equals(ANY) ? "*" : from == to ? Integer.toString(from) : from + "-" + to;
    }
}
