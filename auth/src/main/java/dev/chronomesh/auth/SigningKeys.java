package dev.chronomesh.auth;

import dev.chronomesh.events.avro.SigningKeyResource;
import dev.chronomesh.meshmodel.Sealer;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * Token-signing key pairs (RSA 2048, RS256) and their {@code SigningKeyResource} form: the public
 * key in clear (X.509 DER), the private key (PKCS#8 DER) sealed with the operator's key.
 */
public final class SigningKeys {
  /** The only JWS algorithm Chronomesh signs and accepts. */
  public static final String ALGORITHM = "RS256";

  static final int KEY_BITS = 2048;

  private SigningKeys() {}

  /** Generates a new key pair for {@code mesh}/{@code name}; the private key leaves sealed. */
  public static SigningKeyResource generate(String mesh, String name, Sealer sealer) {
    Objects.requireNonNull(mesh, "mesh");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(sealer, "sealer");
    KeyPair pair;
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(KEY_BITS);
      pair = generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("RSA is not available", e);
    }
    byte[] privateDer = pair.getPrivate().getEncoded();
    try {
      return SigningKeyResource.newBuilder()
          .setName(name)
          .setMesh(mesh)
          .setAlgorithm(ALGORITHM)
          .setPublicKey(ByteBuffer.wrap(pair.getPublic().getEncoded()))
          .setPrivateKey(sealer.seal(privateDer))
          .build();
    } finally {
      Arrays.fill(privateDer, (byte) 0);
    }
  }

  /**
   * The public half of {@code resource}, for verifying tokens.
   *
   * @throws IllegalArgumentException when the algorithm is not RS256 or the key is not an RSA key
   *     of at least 2048 bits
   */
  public static VerifyingKey verifyingKey(SigningKeyResource resource) {
    Objects.requireNonNull(resource, "resource");
    if (!ALGORITHM.equals(resource.getAlgorithm())) {
      throw new IllegalArgumentException(
          "signing key "
              + resource.getMesh()
              + "/"
              + resource.getName()
              + " uses algorithm "
              + resource.getAlgorithm()
              + "; only "
              + ALGORITHM
              + " is supported");
    }
    byte[] der = bytes(resource.getPublicKey());
    RSAPublicKey publicKey;
    try {
      PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
      publicKey = (RSAPublicKey) key;
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException(
          "signing key "
              + resource.getMesh()
              + "/"
              + resource.getName()
              + " holds no readable RSA public key",
          e);
    }
    if (publicKey.getModulus().bitLength() < KEY_BITS) {
      throw new IllegalArgumentException(
          "signing key "
              + resource.getMesh()
              + "/"
              + resource.getName()
              + " is shorter than "
              + KEY_BITS
              + " bits");
    }
    return new VerifyingKey(resource.getMesh(), resource.getName(), keyId(der), publicKey);
  }

  /**
   * Both halves of {@code resource}, for signing; the private key is opened with {@code sealer}.
   *
   * @throws IllegalArgumentException when the resource is unreadable or its halves do not match
   * @throws IllegalStateException when {@code sealer} cannot open the private key
   */
  public static SigningKey signingKey(SigningKeyResource resource, Sealer sealer) {
    Objects.requireNonNull(sealer, "sealer");
    VerifyingKey verifying = verifyingKey(resource);
    byte[] der = sealer.open(resource.getPrivateKey());
    RSAPrivateKey privateKey;
    try {
      PrivateKey key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
      privateKey = (RSAPrivateKey) key;
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException(
          "signing key "
              + resource.getMesh()
              + "/"
              + resource.getName()
              + ": unreadable private key",
          e);
    } finally {
      Arrays.fill(der, (byte) 0);
    }
    boolean matches =
        privateKey.getModulus().equals(verifying.publicKey().getModulus())
            && (!(privateKey instanceof RSAPrivateCrtKey crt)
                || crt.getPublicExponent().equals(verifying.publicKey().getPublicExponent()));
    if (!matches) {
      throw new IllegalArgumentException(
          "signing key "
              + resource.getMesh()
              + "/"
              + resource.getName()
              + ": the private key does not belong to the public key");
    }
    return new SigningKey(verifying, privateKey);
  }

  /** The key id of a public key: base64url of the first 16 bytes of the SHA-256 of its DER. */
  public static String keyId(byte[] publicKeyDer) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(publicKeyDer);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer b = buffer.duplicate();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }
}
