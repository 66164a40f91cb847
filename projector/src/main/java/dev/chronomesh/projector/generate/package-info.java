/**
 * Pure Envoy xDS generation: {@code (mesh resources, proxy) → sorted serialized resources} and
 * their content version. No clock, no randomness, no I/O, and no Kafka, gRPC or HTTP imports: only
 * the Avro resource model and the Envoy v3 protos.
 */
package dev.chronomesh.projector.generate;
