package dev.agentbox.checkpoint;

import java.util.regex.Pattern;

import dev.agentbox.toolcall.ToolFailure;

/**
 * What a checkpoint may be called: 1 to 64 letters, digits, dots, underscores and dashes, starting with a letter or
 * digit. No path characters, so a name is always one directory entry of the store.
 */
final class CheckpointNames {

    static final int MAX_LENGTH = 64;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private CheckpointNames() {
    }

    /**
     * @return the name
     * @throws ToolFailure {@code INVALID_ARGUMENT} naming what is wrong with it
     */
    static String check(String name) {
        if (name == null || name.isEmpty()) {
            throw ToolFailure.invalid("The checkpoint name is empty; use letters, digits and . _ - (e.g. "
                    + "'before-refactor').");
        }
        if (name.length() > MAX_LENGTH) {
            throw ToolFailure.invalid("The checkpoint name is " + name.length() + " characters long; the limit is "
                    + MAX_LENGTH + ".");
        }
        if (!NAME.matcher(name).matches()) {
            throw ToolFailure.invalid("The checkpoint name '" + printable(name) + "' may only hold letters, digits "
                    + "and . _ - and must start with a letter or digit (no /, no spaces).");
        }
        return name;
    }

    private static String printable(String name) {
        StringBuilder out = new StringBuilder();
        name.codePoints().limit(MAX_LENGTH).forEach(c -> out.append(c >= 0x20 && c < 0x7f ? Character.toString(c)
                : String.format("\\u%04x", c)));
        return out.toString();
    }
}
