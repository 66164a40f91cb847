package dev.chronomesh.projector.generate.policy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import dev.chronomesh.meshmodel.policy.GoDuration;
import dev.chronomesh.projector.generate.Protos;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Optional;

/** Conversions from typed policy values to Envoy's, shared by the configurers. */
public final class EnvoyValues {
  /** The terminal HTTP filter every HTTP connection manager ends with. */
  public static final String ROUTER_FILTER = "envoy.filters.http.router";

  private EnvoyValues() {}

  /** A protobuf Duration of a Go duration. */
  public static Duration duration(GoDuration d) {
    return Duration.newBuilder()
        .setSeconds(d.duration().getSeconds())
        .setNanos(d.duration().getNano())
        .build();
  }

  /** The Duration of {@code d}, or empty when it is absent. */
  public static Optional<Duration> duration(GoDuration d, boolean positiveOnly) {
    if (d == null || (positiveOnly && d.isZero())) {
      return Optional.empty();
    }
    return Optional.of(duration(d));
  }

  /** Whether {@code d} is greater than zero. */
  public static boolean isPositive(Duration d) {
    return d.getSeconds() > 0 || (d.getSeconds() == 0 && d.getNanos() > 0);
  }

  /** A uint32 of a non-negative int. */
  public static UInt32Value uint32(int value) {
    return UInt32Value.of(value);
  }

  /** {@code Any} holding the deterministic bytes of {@code message} (map order fixed). */
  public static Any pack(Message message) {
    return Protos.pack(message);
  }

  /** Unpacks {@code any} as {@code type}, or empty when it holds something else. */
  public static <T extends Message> Optional<T> unpack(Any any, Class<T> type) {
    try {
      return any.is(type) ? Optional.of(any.unpack(type)) : Optional.empty();
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
  }

  /**
   * A percentage (0-100) as Envoy's fraction: per hundred, per ten thousand, or per million
   * (rounded), by how many decimals it has.
   */
  public static FractionalPercent percent(BigDecimal value) {
    BigDecimal percent =
        value.max(BigDecimal.ZERO).min(BigDecimal.valueOf(100)).stripTrailingZeros();
    FractionalPercent.Builder out = FractionalPercent.newBuilder();
    if (percent.scale() <= 0) {
      return out.setNumerator(percent.intValue())
          .setDenominator(FractionalPercent.DenominatorType.HUNDRED)
          .build();
    }
    if (percent.scale() <= 2) {
      return out.setNumerator(percent.movePointRight(2).intValueExact())
          .setDenominator(FractionalPercent.DenominatorType.TEN_THOUSAND)
          .build();
    }
    return out.setNumerator(percent.movePointRight(4).setScale(0, RoundingMode.HALF_UP).intValue())
        .setDenominator(FractionalPercent.DenominatorType.MILLION)
        .build();
  }

  /** Adds {@code filter} just before the router filter (at the end when there is none). */
  public static void addBeforeRouter(HttpConnectionManager.Builder hcm, HttpFilter filter) {
    int at = hcm.getHttpFiltersCount();
    for (int i = 0; i < hcm.getHttpFiltersCount(); i++) {
      if (hcm.getHttpFilters(i).getName().equals(ROUTER_FILTER)) {
        at = i;
        break;
      }
    }
    hcm.addHttpFilters(at, filter);
  }
}
