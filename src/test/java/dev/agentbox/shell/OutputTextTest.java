package dev.agentbox.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import dev.agentbox.sandbox.CapturedOutput;

class OutputTextTest {

    @Test
    void shortOutputIsReturnedUnchanged() {
        OutputText.Rendered rendered = OutputText.render(output("abc\n"), 100, "stdout");

        assertThat(rendered.text()).isEqualTo("abc\n");
        assertThat(rendered.cut()).isFalse();
    }

    @Test
    void outputOverTheBudgetKeepsHeadAndTailAndSaysWhatWasCut() {
        OutputText.Rendered rendered = OutputText.render(output("0123456789".repeat(10)), 20, "stdout");

        assertThat(rendered.cut()).isTrue();
        assertThat(rendered.text()).startsWith("0123456789\n[... stdout cut here: 80 characters not shown of 100 "
                + "bytes in all ...]\n").endsWith("0123456789");
    }

    @Test
    void bytesDroppedOnDiskAreCounted() {
        CapturedOutput captured = new CapturedOutput(bytes("head"), bytes("tail"), 1_000_000);

        assertThat(OutputText.render(captured, 100, "stderr").text())
                .isEqualTo("head\n[... stderr cut here: 999,992 bytes not kept and 0 characters not shown of "
                        + "1,000,000 bytes in all ...]\ntail");
    }

    @Test
    void malformedUtf8BecomesReplacementCharacters() {
        CapturedOutput captured = new CapturedOutput(new byte[] { 'o', 'k', (byte) 0xff, (byte) 0xc3 }, new byte[0], 4);

        assertThat(OutputText.render(captured, 100, "stdout").text()).isEqualTo("ok\uFFFD\uFFFD");
    }

    private static CapturedOutput output(String text) {
        return new CapturedOutput(bytes(text), new byte[0], text.length());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
