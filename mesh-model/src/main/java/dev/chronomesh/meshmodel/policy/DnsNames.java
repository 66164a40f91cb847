package dev.chronomesh.meshmodel.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** DNS names as Kuma checks them (Kubernetes' {@code validation.IsDNS1123Subdomain}). */
public final class DnsNames {
  /** A lower-case RFC 1123 subdomain, without its length limit. */
  public static final Pattern SUBDOMAIN =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  private DnsNames() {}

  /**
   * What is wrong with {@code name} as an RFC 1123 subdomain, in Kubernetes' words; none if valid.
   */
  public static List<String> subdomainProblems(String name) {
    List<String> problems = new ArrayList<>();
    if (name.length() > 253) {
      problems.add("must be no more than 253 characters");
    }
    if (!SUBDOMAIN.matcher(name).matches()) {
      problems.add(
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-'"
              + " or '.', and must start and end with an alphanumeric character (e.g."
              + " 'example.com', regex used for validation is"
              + " '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
    }
    return problems;
  }
}
