package dev.chronomesh.meshmodel;

import static org.assertj.core.api.Assertions.assertThat;

import dev.chronomesh.events.avro.DataplaneResource;
import dev.chronomesh.events.avro.MeshResource;
import dev.chronomesh.events.avro.SecretResource;
import dev.chronomesh.meshmodel.policies.meshhttproute.MeshHTTPRoute;
import dev.chronomesh.meshmodel.policies.meshloadbalancingstrategy.MeshLoadBalancingStrategy;
import dev.chronomesh.meshmodel.policies.meshretry.MeshRetry;
import dev.chronomesh.meshmodel.policies.meshtcproute.MeshTCPRoute;
import dev.chronomesh.meshmodel.policies.meshtimeout.MeshTimeout;
import org.junit.jupiter.api.Test;

class DescriptorTest {

  @Test
  void findsTypesByAnyCliName() {
    assertThat(ResourceType.byCliName("dp")).contains(ResourceType.DATAPLANE);
    assertThat(ResourceType.byCliName("dataplanes")).contains(ResourceType.DATAPLANE);
    assertThat(ResourceType.byCliName("Dataplane")).contains(ResourceType.DATAPLANE);
    assertThat(ResourceType.byCliName("meshes")).contains(ResourceType.MESH);
    assertThat(ResourceType.byCliName("secret")).contains(ResourceType.SECRET);
    assertThat(ResourceType.byCliName("secrets")).contains(ResourceType.SECRET);
    assertThat(ResourceType.byCliName("zone")).isEmpty();
    assertThat(ResourceType.byCliName(null)).isEmpty();
  }

  @Test
  void cliNamesAreUniqueAcrossTypes() {
    assertThat(ResourceType.all().stream().flatMap(t -> t.cliNames().stream()))
        .doesNotHaveDuplicates();
    assertThat(ResourceType.all().stream().map(ResourceType::plural)).doesNotHaveDuplicates();
  }

  @Test
  void eachTypeNamesItsSchema() {
    assertThat(ResourceType.MESH.recordClass()).isEqualTo(MeshResource.class);
    assertThat(ResourceType.DATAPLANE.recordClass()).isEqualTo(DataplaneResource.class);
    assertThat(ResourceType.SECRET.recordClass()).isEqualTo(SecretResource.class);
    assertThat(ResourceType.SECRET.schema().getFullName())
        .isEqualTo("dev.chronomesh.events.avro.SecretResource");
    assertThat(ResourceType.SECRET.needsSealer()).isTrue();
    assertThat(ResourceType.DATAPLANE.needsSealer()).isFalse();
  }

  @Test
  void describesTypesAsKumasResourcesEndpoint() {
    assertThat(ResourceType.resourcesDocument().toString())
        .startsWith(
            "{\"resources\":["
                + "{\"name\":\"Mesh\",\"scope\":\"Global\",\"path\":\"meshes\","
                + "\"singularDisplayName\":\"Mesh\",\"pluralDisplayName\":\"Meshes\","
                + "\"cliNames\":[\"mesh\",\"meshes\"]},"
                + "{\"name\":\"Dataplane\",\"scope\":\"Mesh\",\"path\":\"dataplanes\","
                + "\"singularDisplayName\":\"Data Plane\",\"pluralDisplayName\":\"Data Planes\","
                + "\"cliNames\":[\"dataplane\",\"dataplanes\",\"dp\"]},"
                + "{\"name\":\"Secret\",\"scope\":\"Mesh\",\"path\":\"secrets\","
                + "\"singularDisplayName\":\"Secret\",\"pluralDisplayName\":\"Secrets\","
                + "\"cliNames\":[\"secret\",\"secrets\"]},");
    assertThat(ResourceType.resourcesDocument().get("resources"))
        .contains(
            ResourceType.forPolicy(MeshTimeout.TYPE).describe(),
            ResourceType.forPolicy(MeshHTTPRoute.TYPE).describe());
    assertThat(ResourceType.forPolicy(MeshLoadBalancingStrategy.TYPE).describe().toString())
        .isEqualTo(
            "{\"name\":\"MeshLoadBalancingStrategy\",\"scope\":\"Mesh\","
                + "\"path\":\"meshloadbalancingstrategies\","
                + "\"singularDisplayName\":\"Mesh Load Balancing Strategy\","
                + "\"pluralDisplayName\":\"Mesh Load Balancing Strategies\","
                + "\"cliNames\":[\"meshloadbalancingstrategy\",\"meshloadbalancingstrategies\"]}");
    assertThat(ResourceType.byCliName("MeshRetries"))
        .contains(ResourceType.forPolicy(MeshRetry.TYPE));
    assertThat(ResourceType.byPlural("meshtcproutes"))
        .contains(ResourceType.forPolicy(MeshTCPRoute.TYPE));
  }
}
