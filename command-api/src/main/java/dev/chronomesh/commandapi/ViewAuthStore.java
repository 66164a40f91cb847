package dev.chronomesh.commandapi;

import dev.chronomesh.commandapi.auth.AuthStore;
import dev.chronomesh.events.avro.Command;
import dev.chronomesh.events.avro.CommandResult;
import dev.chronomesh.events.avro.SigningKeyResource;
import dev.chronomesh.events.avro.TokenRevocationResource;
import dev.chronomesh.meshmodel.InternalTypes;
import dev.chronomesh.meshmodel.view.EventView;
import java.util.List;
import java.util.Optional;

/** Token authentication's view of the log (keys, revocations, meshes) and its way to write. */
final class ViewAuthStore implements AuthStore {
  private final EventView view;
  private final WriteService writes;

  ViewAuthStore(EventView view, WriteService writes) {
    this.view = view;
    this.writes = writes;
  }

  @Override
  public Optional<SigningKeyResource> signingKey(String mesh, String name) {
    return view.mesh(mesh)
        .get(InternalTypes.SIGNING_KEY, name)
        .map(r -> (SigningKeyResource) r.payload());
  }

  @Override
  public boolean isRevoked(String mesh, String tokenId) {
    return view.mesh(mesh).get(InternalTypes.TOKEN_REVOCATION, tokenId).isPresent();
  }

  @Override
  public boolean meshExists(String mesh) {
    return view.mesh(mesh).meshResource().isPresent();
  }

  @Override
  public List<TokenRevocationResource> revocations(String mesh) {
    return view.mesh(mesh).list(InternalTypes.TOKEN_REVOCATION).stream()
        .map(r -> (TokenRevocationResource) r.payload())
        .toList();
  }

  @Override
  public CommandResult submit(Command command) {
    return writes.submit(command);
  }
}
