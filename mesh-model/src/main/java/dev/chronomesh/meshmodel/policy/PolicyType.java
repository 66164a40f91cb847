package dev.chronomesh.meshmodel.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.chronomesh.meshmodel.Violations;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything the model knows of one targetRef policy type, declared once in the type's own package
 * ({@code dev.chronomesh.meshmodel.policies.<name>}) and registered in {@link Policies}: its names
 * (Kuma type name, REST plural, display and CLI names), where Kuma runs its plugin, which spec
 * sections it has, the typed record its confs bind to, how confs merge, and its validator. The
 * resource registry, the REST paths, the OpenAPI description and chronoctl's types are derived from
 * these descriptors.
 *
 * @param <C> the record a conf ({@code default}, or a route item) binds to
 */
public final class PolicyType<C extends Record> {

  /** A section of a policy's spec. */
  public enum Section {
    /** {@code spec.to[]}: outbound destinations with their conf. */
    TO,
    /** {@code spec.from[]}: inbound sources with their conf. */
    FROM,
    /** {@code spec.rules[]}: inbound confs without a per-item targetRef (Kuma 2.10+). */
    RULES,
    /** {@code spec.default}: one conf for the proxies the top-level targetRef selects. */
    DEFAULT;

    /** The section's field in the spec. */
    public String field() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Checks what the typed binding cannot: ranges, enums, combinations. */
  @FunctionalInterface
  public interface Validator<C extends Record> {
    /** Adds every problem of {@code spec} to {@code v}, each with its document path. */
    void validate(TypedSpec<C> spec, Violations v);
  }

  private final String name;
  private final String plural;
  private final String singularDisplayName;
  private final String pluralDisplayName;
  private final List<String> cliNames;
  private final String summary;
  private final int order;
  private final Class<C> confClass;
  private final Set<Section> sections;
  private final Map<Section, String> notSupportedYet;
  private final boolean inlineTo;
  private final String ruleMatchesNotSupportedYet;
  private final boolean ruleMatches;
  private final Set<TargetRef.Kind> toKinds;
  private final Set<TargetRef.Kind> fromKinds;
  private final boolean callerSide;
  private final boolean gatewayTo;
  private final boolean routeTargets;
  private final boolean requiresItems;
  private final Validator<C> validator;
  private final PolicyEngine engine;

  private PolicyType(Builder<C> b) {
    this.name = b.name;
    this.plural = Objects.requireNonNull(b.plural, "plural");
    this.singularDisplayName = Objects.requireNonNull(b.singular, "displayNames");
    this.pluralDisplayName = Objects.requireNonNull(b.pluralDisplay, "displayNames");
    this.cliNames = List.of(name.toLowerCase(Locale.ROOT), plural);
    this.summary = Objects.requireNonNull(b.summary, "summary");
    this.order = b.order;
    this.confClass = b.confClass;
    this.sections = Set.copyOf(b.sections);
    this.notSupportedYet = Map.copyOf(b.notSupportedYet);
    this.inlineTo = b.inlineTo;
    this.ruleMatchesNotSupportedYet = b.ruleMatchesNotSupportedYet;
    this.ruleMatches = b.ruleMatches;
    this.toKinds = Set.copyOf(b.toKinds);
    this.fromKinds = Set.copyOf(b.fromKinds);
    this.callerSide = b.callerSide;
    this.gatewayTo = b.gatewayTo;
    this.routeTargets = b.routeTargets;
    this.requiresItems = b.requiresItems;
    this.validator = b.validator;
    this.engine = new PolicyEngine(b.appendPaths, b.mergeByKey);
    if (b.order <= 0) {
      throw new IllegalArgumentException(name + ": order must be set (Kuma's plugin order)");
    }
    if (sections.isEmpty()) {
      throw new IllegalArgumentException(name + ": a policy type needs at least one section");
    }
    // Binding fails fast on a conf record it cannot bind, at class initialization.
    JsonBinding.schema(confClass);
  }

  /**
   * A new descriptor for the Kuma type {@code name} whose confs bind to {@code confClass}.
   *
   * @param name the Kuma type name, e.g. {@code MeshTimeout}
   */
  public static <C extends Record> Builder<C> builder(String name, Class<C> confClass) {
    return new Builder<>(name, confClass);
  }

  /** The Kuma type name, e.g. {@code MeshTimeout}. */
  public String name() {
    return name;
  }

  /** The REST path segment, e.g. {@code meshtimeouts}. */
  public String plural() {
    return plural;
  }

  public String singularDisplayName() {
    return singularDisplayName;
  }

  public String pluralDisplayName() {
    return pluralDisplayName;
  }

  /** The names chronoctl accepts: the lower-case type name, then the plural. */
  public List<String> cliNames() {
    return cliNames;
  }

  /** One sentence saying what the policy does (the OpenAPI summary and the docs index). */
  public String summary() {
    return summary;
  }

  /**
   * Where Kuma runs this type's plugin, 100 times its position in Kuma's ordered plugin list, so
   * configurers run in Kuma's order (lower first).
   */
  public int order() {
    return order;
  }

  /** The record a conf binds to. */
  public Class<C> confClass() {
    return confClass;
  }

  /** The sections a spec of this type may have. */
  public Set<Section> sections() {
    return sections;
  }

  /** Sections Kuma has that Chronomesh refuses until they work, with the reason. */
  public Map<Section, String> notSupportedYet() {
    return notSupportedYet;
  }

  /**
   * Whether a {@code to[]} item holds its conf beside its targetRef (MeshHTTPRoute's {@code rules}
   * and {@code hostnames}) rather than under {@code default}.
   */
  public boolean inlineTo() {
    return inlineTo;
  }

  /**
   * Why {@code rules[].matches} (Kuma's matching on the caller's {@code spiffeID} or {@code sni})
   * is refused, for types whose Kuma rules have it; null for types whose rules have none.
   */
  public String ruleMatchesNotSupportedYet() {
    return ruleMatchesNotSupportedYet;
  }

  /**
   * Whether a {@code rules[]} entry may have {@code matches} ({@link RuleMatch}): the configurer
   * then gets the inbound's rules one by one, with their matches, instead of merged.
   */
  public boolean ruleMatches() {
    return ruleMatches;
  }

  /** The targetRef kinds a {@code to[]} item may name (Kuma's SupportedKinds). */
  public Set<TargetRef.Kind> toKinds() {
    return toKinds;
  }

  /** The targetRef kinds a {@code from[]} item may name (Kuma's SupportedKinds). */
  public Set<TargetRef.Kind> fromKinds() {
    return fromKinds;
  }

  /**
   * Whether the type's inbound confs also shape the config of the callers of the proxies it
   * selects: a proxyless gRPC client applies MeshFaultInjection on its own side, so a change of
   * such a policy concerns the callers of the services it selects too.
   */
  public boolean callerSide() {
    return callerSide;
  }

  /**
   * Whether the type is an inbound policy whose {@code to} items (kind Mesh) configure a builtin
   * gateway's listeners as its inbound confs configure a sidecar's inbound (Kuma's MeshRateLimit
   * and MeshFaultInjection). Its validator says where {@code to} is allowed ({@link
   * Scopes#toOnlyWithGateways}); {@code to} and {@code rules} are not refused together for it, as
   * they are for the others.
   */
  public boolean gatewayTo() {
    return gatewayTo;
  }

  /**
   * Whether a top-level {@code targetRef} may be {@code kind: MeshHTTPRoute} (Kuma's MeshTimeout
   * and MeshRetry): the policy then applies to the proxies the route selects, and its {@code to}
   * items (kind Mesh) configure the route's own Envoy routes. {@code to} items of kind
   * MeshHTTPRoute are allowed where {@link #toKinds()} has the kind.
   */
  public boolean routeTargets() {
    return routeTargets;
  }

  /**
   * Whether Kuma's validator refuses a spec without any {@code to}, {@code from} or {@code rules}
   * item (MeshTimeout, MeshCircuitBreaker). Other types accept it, and an empty {@code to: []},
   * Kuma's way to override a policy that would otherwise apply: the policy then adds nothing.
   */
  public boolean requiresItems() {
    return requiresItems;
  }

  /** The targetRef engine with this type's merge rules. */
  public PolicyEngine engine() {
    return engine;
  }

  /** The merged conf of stored policies, typed. A conf that does not bind is a bug. */
  public C bind(ObjectNode conf) {
    return JsonBinding.readStored(confClass, conf);
  }

  /** The canonical JSON of a typed conf. */
  public ObjectNode write(C conf) {
    return (ObjectNode) JsonBinding.write(conf);
  }

  /** The JSON Schema of this type's {@code spec}, for the OpenAPI description. */
  public ObjectNode specSchema() {
    return PolicySchemas.spec(this);
  }

  void validate(TypedSpec<C> spec, Violations v) {
    validator.validate(spec, v);
  }

  @Override
  public String toString() {
    return name;
  }

  /** Builds a {@link PolicyType}. */
  public static final class Builder<C extends Record> {
    private final String name;
    private final Class<C> confClass;
    private String plural;
    private String singular;
    private String pluralDisplay;
    private String summary;
    private int order;
    private final Set<Section> sections = EnumSet.noneOf(Section.class);
    private final Map<Section, String> notSupportedYet = new LinkedHashMap<>();
    private boolean inlineTo;
    private String ruleMatchesNotSupportedYet;
    private boolean ruleMatches;
    private Set<TargetRef.Kind> toKinds = Set.of(TargetRef.Kind.MESH, TargetRef.Kind.MESH_SERVICE);
    private Set<TargetRef.Kind> fromKinds = Set.of(TargetRef.Kind.MESH);
    private boolean callerSide;
    private boolean gatewayTo;
    private boolean routeTargets;
    private boolean requiresItems;
    private Set<String> appendPaths = Set.of();
    private Map<String, String> mergeByKey = Map.of();
    private Validator<C> validator = (spec, v) -> {};

    private Builder(String name, Class<C> confClass) {
      this.name = Objects.requireNonNull(name, "name");
      this.confClass = Objects.requireNonNull(confClass, "confClass");
    }

    /** The REST plural, e.g. {@code meshtimeouts}. */
    public Builder<C> plural(String plural) {
      this.plural = plural;
      return this;
    }

    /** Kuma's display names, e.g. {@code Mesh Timeout}, {@code Mesh Timeouts}. */
    public Builder<C> displayNames(String singular, String plural) {
      this.singular = singular;
      this.pluralDisplay = plural;
      return this;
    }

    public Builder<C> summary(String summary) {
      this.summary = summary;
      return this;
    }

    /** Kuma's plugin order ({@code +kuma:policy:order}, or 100 × the position). */
    public Builder<C> order(int order) {
      this.order = order;
      return this;
    }

    public Builder<C> sections(Section... sections) {
      this.sections.addAll(List.of(sections));
      return this;
    }

    /** A section Kuma has that is refused, naming {@code reason}, until it works. */
    public Builder<C> notSupportedYet(Section section, String reason) {
      this.notSupportedYet.put(section, reason);
      return this;
    }

    /** {@code to[]} items hold their conf inline (route types). */
    public Builder<C> inlineTo() {
      this.inlineTo = true;
      return this;
    }

    /** The kinds a {@code to[]} item may name; Mesh and MeshService unless set. */
    public Builder<C> toKinds(TargetRef.Kind... kinds) {
      this.toKinds = Set.of(kinds);
      return this;
    }

    /** The kinds a {@code from[]} item may name; Mesh unless set. */
    public Builder<C> fromKinds(TargetRef.Kind... kinds) {
      this.fromKinds = Set.of(kinds);
      return this;
    }

    /** Kuma's {@code rules[].matches}, refused with {@code reason} until it works. */
    public Builder<C> ruleMatchesNotSupportedYet(String reason) {
      this.ruleMatchesNotSupportedYet = reason;
      return this;
    }

    /** Kuma's {@code rules[].matches}, implemented (see {@link PolicyType#ruleMatches()}). */
    public Builder<C> ruleMatches() {
      this.ruleMatches = true;
      return this;
    }

    /**
     * The type's inbound confs are applied on the callers' side too (see {@link #callerSide()}).
     */
    public Builder<C> callerSide() {
      this.callerSide = true;
      return this;
    }

    /** Its {@code to} items apply to gateway listeners (see {@link PolicyType#gatewayTo()}). */
    public Builder<C> gatewayTo() {
      this.gatewayTo = true;
      return this;
    }

    /** The top-level targetRef may name a MeshHTTPRoute (see {@link PolicyType#routeTargets()}). */
    public Builder<C> routeTargets() {
      this.routeTargets = true;
      return this;
    }

    /** A spec must have at least one {@code to}, {@code from} or {@code rules} item. */
    public Builder<C> requiresItems() {
      this.requiresItems = true;
      return this;
    }

    /** Conf paths of lists that append when merged (see {@link ConfMerge}). */
    public Builder<C> appendPaths(String... paths) {
      this.appendPaths = Set.of(paths);
      return this;
    }

    /** Conf paths of lists merged by a key field (see {@link ConfMerge}). */
    public Builder<C> mergeByKey(Map<String, String> mergeByKey) {
      this.mergeByKey = Map.copyOf(mergeByKey);
      return this;
    }

    public Builder<C> validator(Validator<C> validator) {
      this.validator = Objects.requireNonNull(validator, "validator");
      return this;
    }

    public PolicyType<C> build() {
      return new PolicyType<>(this);
    }
  }
}
