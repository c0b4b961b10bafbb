package dev.agentbox.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The README's configuration table is derived from the Javadoc of the {@code @ConfigMapping} interfaces, so the two
 * cannot drift. Run with {@code -Dagentbox.docs.write=true} to rewrite the table.
 */
public class ConfigDocumentationTest {

    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path README = Path.of("README.md");
    private static final String START = "<!-- config-table:start -->";
    private static final String END = "<!-- config-table:end -->";
    private static final Pattern PREFIX = Pattern.compile("@ConfigMapping\\(prefix = \"([^\"]+)\"\\)");
    private static final Pattern MEMBER = Pattern.compile(
            "/\\*\\*((?:(?!\\*/).)*)\\*/\\s*((?:@\\w+(?:\\([^)]*\\))?\\s*)*)(default\\s+)?"
                    + "((?:Map<String,\\s*)?[\\w.<>]+)\\s+(\\w+)\\(\\)\\s*[;{]",
            Pattern.DOTALL);
    private static final Pattern DEFAULT = Pattern.compile("@WithDefault\\(\"([^\"]*)\"\\)");

    /** One documented option. */
    public record Option(String key, String defaultValue, String description) {
    }

    @Test
    void theReadmeConfigurationTableMatchesTheConfigJavadoc() throws IOException {
        String expected = table(options());
        String readme = Files.readString(README);
        int start = readme.indexOf(START) + START.length();
        int end = readme.indexOf(END);

        if (Boolean.getBoolean("agentbox.docs.write")) {
            Files.writeString(README, readme.substring(0, start) + "\n" + expected + readme.substring(end));
            return;
        }
        assertThat(readme.substring(start, end).trim()).as("README configuration table; regenerate with "
                + "mvn test -Dtest=ConfigDocumentationTest -Dagentbox.docs.write=true").isEqualTo(expected.trim());
    }

    @Test
    void everyOptionIsDocumented() throws IOException {
        assertThat(options()).isNotEmpty().allSatisfy(o -> assertThat(o.description()).as(o.key()).isNotBlank());
    }

    public static List<Option> options() throws IOException {
        List<Option> options = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                String source = Files.readString(file);
                Matcher prefix = PREFIX.matcher(source);
                if (prefix.find()) {
                    String body = source.substring(source.indexOf('{', prefix.end()) + 1);
                    collect(prefix.group(1), body, source, options);
                }
            }
        }
        return options;
    }

    /**
     * Collects the members of one interface body; a member whose type is a nested interface is a group, and a map
     * ({@code Map<String, X>}) has one entry per name, shown as {@code <name>}.
     */
    private static void collect(String prefix, String body, String source, List<Option> options) {
        String own = withoutNestedInterfaces(body);
        Matcher member = MEMBER.matcher(own);
        while (member.find()) {
            String type = member.group(4);
            String key = prefix + "." + kebab(member.group(5));
            if (type.startsWith("Map<")) {
                type = type.substring(type.indexOf(',') + 1, type.length() - 1).trim();
                key = key + ".<name>";
            }
            String nested = nestedInterface(source, type);
            if (nested != null) {
                collect(key, nested, source, options);
                continue;
            }
            // A default method without @WithDefault is a helper, not an option.
            if (member.group(3) != null && !member.group(2).contains("@WithDefault")) {
                continue;
            }
            Matcher defaultValue = DEFAULT.matcher(member.group(2));
            options.add(new Option(key, defaultValue.find() ? defaultValue.group(1) : "", firstSentence(member.group(1))));
        }
    }

    /** The body without the blocks of interfaces nested in it (their members are collected as groups). */
    private static String withoutNestedInterfaces(String body) {
        StringBuilder out = new StringBuilder(body);
        Matcher nested = Pattern.compile("\\binterface\\s+\\w+\\s*\\{").matcher(out);
        while (nested.find()) {
            int depth = 1;
            int end = nested.end();
            while (depth > 0 && end < out.length()) {
                char c = out.charAt(end++);
                depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            }
            out.delete(nested.start(), end);
            nested = Pattern.compile("\\binterface\\s+\\w+\\s*\\{").matcher(out);
        }
        return out.toString();
    }

    private static String nestedInterface(String source, String type) {
        Matcher start = Pattern.compile("interface " + Pattern.quote(type) + "\\s*\\{").matcher(source);
        if (!start.find()) {
            return null;
        }
        int depth = 1;
        for (int i = start.end(); i < source.length(); i++) {
            if (source.charAt(i) == '{') {
                depth++;
            } else if (source.charAt(i) == '}' && --depth == 0) {
                return source.substring(start.end(), i);
            }
        }
        return null;
    }

    private static String firstSentence(String javadoc) {
        String text = javadoc.replaceAll("(?m)^\\s*\\*\\s?", " ").replaceAll("\\{@code ([^}]*)}", "`$1`")
                .replaceAll("\\{@link ([^}]*)}", "$1").replaceAll("\\s+", " ").trim();
        int end = text.indexOf(". ");
        String sentence = end < 0 ? text : text.substring(0, end + 1);
        return sentence.replace("|", "\\|");
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    private static String table(List<Option> options) {
        StringBuilder table = new StringBuilder("| option | default | meaning |\n|---|---|---|\n");
        for (Option option : options) {
            table.append("| `").append(option.key()).append("` | ")
                    .append(option.defaultValue().isEmpty() ? "" : "`" + option.defaultValue() + "`").append(" | ")
                    .append(option.description()).append(" |\n");
        }
        return table.toString();
    }
}
