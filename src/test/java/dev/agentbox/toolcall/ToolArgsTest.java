package dev.agentbox.toolcall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ToolArgsTest {

    private static final List<ToolParam> PARAMS = List.of(ToolParam.required("command", String.class, "c"),
            ToolParam.optional("timeout_seconds", Integer.class, "t"), ToolParam.optional("all", Boolean.class, "a"));

    @Test
    void validArgumentsAreReadWithTheirTypes() {
        ToolArgs args = ToolArgs.check("bash", PARAMS, Map.of("command", "ls", "timeout_seconds", 5L, "all", true));

        assertThat(args.string("command")).isEqualTo("ls");
        assertThat(args.integer("timeout_seconds")).isEqualTo(5);
        assertThat(args.flag("all", false)).isTrue();
        assertThat(ToolArgs.check("bash", PARAMS, Map.of("command", "ls")).flag("all", false)).isFalse();
    }

    @Test
    void aWholeNumberWrittenAsADecimalIsAnInteger() {
        assertThat(ToolArgs.check("bash", PARAMS, Map.of("command", "x", "timeout_seconds", 30.0))
                .integer("timeout_seconds")).isEqualTo(30);
    }

    @Test
    void anArrayOfStringsIsReadAsAListAndAnythingElseIsRefused() {
        List<ToolParam> params = List.of(ToolParam.optional("paths", List.class, "Paths."));

        assertThat(ToolArgs.check("persist", params, Map.of("paths", List.of("a", "b"))).strings("paths"))
                .containsExactly("a", "b");
        assertThat(ToolArgs.check("persist", params, Map.of()).strings("paths")).isEmpty();
        assertThatThrownBy(() -> ToolArgs.check("persist", params, Map.of("paths", "a")))
                .hasMessage("Argument 'paths' must be an array of strings, not the string 'a'.");
        assertThatThrownBy(() -> ToolArgs.check("persist", params, Map.of("paths", List.of("a", 1))))
                .hasMessage("Argument 'paths' must be an array of strings, not an array.");
    }

    @Test
    void missingUnknownAndMistypedArgumentsAreNamed() {
        assertThatThrownBy(() -> ToolArgs.check("bash", PARAMS, Map.of())).isInstanceOf(ToolFailure.class)
                .hasMessage("Missing required argument 'command' for bash: c");
        assertThatThrownBy(() -> ToolArgs.check("bash", PARAMS, Map.of("command", "x", "cwd", "/")))
                .hasMessage("Unknown argument 'cwd' for bash; it takes command, timeout_seconds, all.");
        assertThatThrownBy(() -> ToolArgs.check("bash", PARAMS, Map.of("command", "x", "timeout_seconds", 1.5)))
                .hasMessage("Argument 'timeout_seconds' must be an integer, not the number 1.5.");
        assertThatThrownBy(() -> ToolArgs.check("bash", PARAMS, Map.of("command", List.of("ls"))))
                .hasMessage("Argument 'command' must be a string, not an array.");
        assertThatThrownBy(() -> ToolArgs.check("bash", PARAMS, Map.of("command", "x", "timeout_seconds", 1L << 40)))
                .hasMessageContaining("must be an integer");
    }

    @Test
    void aNumberOrBooleanSentAsAStringIsNamedWithTheFix() {
        assertThatThrownBy(() -> ToolArgs.check("bash", PARAMS, Map.of("command", "x", "timeout_seconds", "30")))
                .hasMessage("Argument 'timeout_seconds' must be an integer, not the string '30'; send 30 without "
                        + "quotes.");
        assertThatThrownBy(() -> ToolArgs.check("bash", PARAMS, Map.of("command", "x", "all", "true")))
                .hasMessage("Argument 'all' must be a boolean, not the string 'true'; send true without quotes.");
        assertThatThrownBy(() -> ToolArgs.check("bash", PARAMS, Map.of("command", "x", "all", "yes")))
                .hasMessage("Argument 'all' must be a boolean, not the string 'yes'.");
    }
}
