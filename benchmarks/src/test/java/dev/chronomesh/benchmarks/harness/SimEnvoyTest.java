package dev.chronomesh.benchmarks.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import org.junit.jupiter.api.Test;

class SimEnvoyTest {
  @Test
  void theSameBytesParseToOneSharedInstanceAndOtherBytesDoNot() throws Exception {
    ClusterLoadAssignment cla = ClusterLoadAssignment.newBuilder().setClusterName("web").build();
    Any first = Any.pack(cla);
    Any again = Any.parseFrom(first.toByteArray()); // equal bytes, another instance

    ClusterLoadAssignment a = SimEnvoy.unpack(first, ClusterLoadAssignment.class);
    ClusterLoadAssignment b = SimEnvoy.unpack(again, ClusterLoadAssignment.class);
    ClusterLoadAssignment other =
        SimEnvoy.unpack(
            Any.pack(cla.toBuilder().setClusterName("api").build()), ClusterLoadAssignment.class);

    assertThat(a).isEqualTo(cla).isSameAs(b);
    assertThat(other.getClusterName()).isEqualTo("api");
  }

  @Test
  void aResourceOfAnotherTypeIsRefusedEvenWhenItsBytesWereSeen() throws Exception {
    Any cla = Any.pack(ClusterLoadAssignment.newBuilder().setClusterName("web").build());
    SimEnvoy.unpack(cla, ClusterLoadAssignment.class);

    assertThatThrownBy(() -> SimEnvoy.unpack(cla, Cluster.class))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }
}
