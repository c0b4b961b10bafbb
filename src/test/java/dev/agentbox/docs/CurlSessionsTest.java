package dev.agentbox.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.agentbox.McpSession;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Runs the README's curl sessions, as written, against the running server with real curl, and matches what they
 * print against the output the README shows. Two things are replaced before a session runs: the address in the setup
 * block (by this server's) and the conversation key (by one unique to this run). In the shown output {@code …} stands
 * for any text, and a line of only {@code …} for any lines.
 */
@QuarkusTest
class CurlSessionsTest {

    static final String README_URL = "http://127.0.0.1:8080";
    static final String README_KEY = "curl-demo";
    private static final Pattern SETUP = Pattern.compile("<!-- curl-setup -->\\s*```sh\\n(.*?)```", Pattern.DOTALL);
    private static final Pattern SESSION = Pattern.compile(
            "<!-- curl-session: ([^>]+?) -->\\s*```sh\\n(.*?)```\\s*```text\\n(.*?)```", Pattern.DOTALL);

    @TestHTTPResource("/")
    URL root;

    /** A session: its name, its commands and the output the README shows for them. */
    record Session(String name, String commands, String shownOutput) {
    }

    static String setup(String readme) {
        Matcher setup = SETUP.matcher(readme);
        assertThat(setup.find()).as("the README's curl-setup block").isTrue();
        return setup.group(1);
    }

    static List<Session> sessions(String readme) {
        List<Session> sessions = new ArrayList<>();
        Matcher session = SESSION.matcher(readme);
        while (session.find()) {
            sessions.add(new Session(session.group(1), session.group(2), session.group(3)));
        }
        return sessions;
    }

    @TestFactory
    Stream<DynamicTest> theReadmesCurlSessionsPrintWhatTheReadmeShows() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        String setup = setup(readme);
        assertThat(setup).contains(README_URL).contains(README_KEY);
        String base = root.toString().replaceAll("/$", "");
        String prelude = setup.replace(README_URL, base).replace(README_KEY, McpSession.key(README_KEY));
        List<Session> sessions = sessions(readme);
        assertThat(sessions).extracting(Session::name).contains("run a command", "write, edit and read a file",
                "follow a job's output");

        return sessions.stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> {
            String output = run(prelude + s.commands());
            assertMatches(s.name(), output, s.shownOutput());
        }));
    }

    @Test
    void theMatchingRefusesOutputThatDiffersFromWhatTheReadmeShows() {
        String shown = "{\"exit_code\":0,…}\n…\n{\"done\":true}";

        assertMatches("ok", "{\"exit_code\":0,\"stdout\":\"\"}\nmore\n{\"done\":true}\n", shown);
        assertThatThrownBy(() -> assertMatches("wrong code", "{\"exit_code\":1}\n{\"done\":true}\n", shown))
                .isInstanceOf(AssertionError.class);
        assertThatThrownBy(() -> assertMatches("out of order", "{\"done\":true}\n{\"exit_code\":0}\n", shown))
                .isInstanceOf(AssertionError.class);
    }

    private static String run(String script) throws Exception {
        Process bash = new ProcessBuilder("bash", "-c", "set -euo pipefail\n" + script).redirectErrorStream(true)
                .start();
        bash.getOutputStream().close();
        byte[] out = bash.getInputStream().readAllBytes();
        assertThat(bash.waitFor(60, TimeUnit.SECONDS)).as("the session ended").isTrue();
        String output = new String(out, StandardCharsets.UTF_8);
        assertThat(bash.exitValue()).as("exit status of the session; it printed:\n" + output).isZero();
        return output;
    }

    /** Every shown line must match an output line, in order; {@code …} matches any text, a line of it any lines. */
    static void assertMatches(String session, String output, String shown) {
        List<String> actual = output.lines().filter(l -> !l.isBlank()).toList();
        int next = 0;
        for (String line : shown.lines().filter(l -> !l.isBlank()).toList()) {
            if (line.equals("…")) {
                continue;
            }
            Pattern pattern = pattern(line);
            int found = -1;
            for (int i = next; i < actual.size(); i++) {
                if (pattern.matcher(actual.get(i)).matches()) {
                    found = i;
                    break;
                }
            }
            assertThat(found).as("in session '%s', no output line after line %d matches the README's%n  %s%n"
                    + "The session printed:%n%s", session, next, line, output).isNotNegative();
            next = found + 1;
        }
    }

    private static Pattern pattern(String shownLine) {
        StringBuilder regex = new StringBuilder();
        for (String part : shownLine.split("…", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }
}
