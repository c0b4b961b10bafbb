package dev.agentbox.auth;

import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;

import io.smallrye.jwt.build.Jwt;

/**
 * Test-only OIDC tokens: an RSA key pair made for these tests (never used anywhere else), the issuer the test
 * identity provider ({@link OidcTestServer}) claims to be, and signed access tokens with chosen claims. No real
 * identity provider is reachable here, so tokens are signed by the tests themselves and verified by quarkus-oidc
 * through the test server's discovery document and JWKS.
 */
public final class TestTokens {

    public static final String AUDIENCE = "agentbox-test";
    public static final String KEY_ID = "agentbox-test-key";

    private static final String PRIVATE_KEY = ""
            + "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCGTJS1ddY7mHPMW/tVkEtq68slbhsuInC5U0RPvSQ8DQOp"
            + "bCTI4Xf+vjQN9mO2ZSxLp2JB/oJPATjntwOEJcvclNz0XkwSNzKCX6LKSt1JnfZXndtL2zp0D/3g0TzmCYXAoDQr5xUjoIhW"
            + "Tx8FsYAVPkFLOv7xPzXGBM8SMLG6P231I3DcNZlY48XxWAXRGaKyN+zh30OqBPyjdZ9B2LzLa3AO6i8MUXTHCBIn7vkIAnY7"
            + "53LJn/3RyW3DG9rQFrClhJAdsQZoPvgVXYSS04WGOREIXU2LrEygJ4M9oEL4YLBrqfW4MNmBALasSMzslFIhJrlpq318uJDX"
            + "hS5+sEEPAgMBAAECggEAFCZfVY6VkyF/llTis+bPef5g33/SsixWr2ev4yrkyeHF/+CK8Fzr7RvKoaGrOk2ZxMwbcP1nvcTY"
            + "LeQGsggduz3WnQ+c6ErB2E/TE/kBlK8Pq/uyUIJXFdzkYZvjQDyDhfBDg6bLRCos6o46gFcueYF6uHfkknvCbLCCBR+rOt9b"
            + "0jm7RS5vLeHlelFDgJevr7vq2E0bGGLRrXBCt/vP9KTJ0n5h1dtAyupn14GtDjcsF73Gfp0w6DNsCY6B/Ss0UTNtjQuv6+1M"
            + "OyWEVtCIvZR95dsbe90qu4Ua96P7OJSI3VgEuSiTepJM3IqMOjwIeg1wWUX4N7f10emzLp0voQKBgQC7fh6zbxgmyepqlelV"
            + "QRwJ0+LNyloUB24oGVmy+9QYk2J81btC4fghbnvBiAsohDhP+SQ5Fo0+SHR6T+N/j0byvDYpY2fXZsW8CP2f2sdLjCrA9esj"
            + "TRMaE7AzaF5ZKq9juAby5uJKj4E6SWqnURiSMo/9tirjavDfHQnm4KXXvwKBgQC3XsqyDSHqhL2LrBGeu31lBbUYu9O5AgJG"
            + "LLKpBPGB61EvOegtbawtaKiRqWe31i8NX7DQCkxFgFCze7F7ah+n7W0nohE8WHnhnjOzI9xwLZ/wW/EnYaZ8VuQFOVYlW0AC"
            + "vXR1hbGupl4Lw4zfUbGs307/N4Q1OAVAovwSQ49qsQKBgQCkk71xNghWLBFHxBWQT1nESqigiYnuYONR8YaqNKFlfSILgDUj"
            + "LWV4OxoItFlPFFi14nToY6JR1Jnhr3R7yRG3Cnzkcax6CG1zc9TlV85uwzfYL0VatFIbJsMZLPj8fhp8htIar45dcoA14LHs"
            + "8qOF2TpJs3kMLRgIUN4bOoB40wKBgFuY1UWlu7hrQEeh11dkLpolBLZrNLKo5zvongJB/uW4B2DA21K+AxDXw8SnS7EQI4bZ"
            + "svfo/PqGw0k0045jj5aRykHO+i8bvx5NqWOl2TqL/+XP96GFbOWVfeeCIZ8detcjjiYad4xXfIkB0L/JDijdj5d7QuZWqoEE"
            + "KUhySRSxAoGAGt3kqzK+2qNXy7dqI55K0ozFQ2mB5owX6PPz7i1iz/fYGhLfjFsIvVKzPyg+mflnx0I+EioEIuxHC7RBoCZ3"
            + "DnXTqCEtSBTo6eQVqsHPr6bny00Vr+EK6LGSAkV5FGQNAvHhCSUx1MEKdO1rn/CK+WhI6qxbcJhmhgNmEo5Dg80=";

    private static final String PUBLIC_KEY = ""
            + "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAhkyUtXXWO5hzzFv7VZBLauvLJW4bLiJwuVNET70kPA0DqWwkyOF3"
            + "/r40DfZjtmUsS6diQf6CTwE457cDhCXL3JTc9F5MEjcygl+iykrdSZ32V53bS9s6dA/94NE85gmFwKA0K+cVI6CIVk8fBbGA"
            + "FT5BSzr+8T81xgTPEjCxuj9t9SNw3DWZWOPF8VgF0Rmisjfs4d9DqgT8o3WfQdi8y2twDuovDFF0xwgSJ+75CAJ2O+dyyZ/9"
            + "0cltwxva0BawpYSQHbEGaD74FV2EktOFhjkRCF1Ni6xMoCeDPaBC+GCwa6n1uDDZgQC2rEjM7JRSISa5aat9fLiQ14UufrBB"
            + "DwIDAQAB";

    private TestTokens() {
    }

    /** A valid token for the subject, with the groups as roles. */
    public static String token(String issuer, String subject, String... groups) {
        return sign(issuer, subject, AUDIENCE, Instant.now().plusSeconds(300), groups);
    }

    /** A token with every claim chosen by the test. */
    public static String sign(String issuer, String subject, String audience, Instant expires, String... groups) {
        return Jwt.issuer(issuer).subject(subject).audience(audience).groups(Set.of(groups))
                .issuedAt(expires.minusSeconds(600)).expiresAt(expires).jws().keyId(KEY_ID).sign(privateKey());
    }

    public static PrivateKey privateKey() {
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder()
                    .decode(PRIVATE_KEY)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static RSAPublicKey publicKey() {
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64
                    .getDecoder().decode(PUBLIC_KEY)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
