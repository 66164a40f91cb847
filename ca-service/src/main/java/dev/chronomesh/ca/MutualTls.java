package dev.chronomesh.ca;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One side of the control plane's mTLS, as PEM files: its certificate chain, its PKCS#8 key, and
 * the CA the other side's certificate must chain to (the control-plane CA, {@link ControlPlaneCa}).
 * The CA service serves with it and requires a client certificate; a gateway presents it to the CA
 * service and verifies the service.
 */
public record MutualTls(Path certificateChain, Path privateKey, Path trustedCa) {
  public MutualTls {
    Objects.requireNonNull(certificateChain, "certificateChain");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(trustedCa, "trustedCa");
  }
}
