package dev.chronomesh.benchmarks.harness;

import java.util.Set;
import java.util.function.Predicate;

/**
 * One measured change: the API call that makes it, the connected proxies whose config it changes,
 * and what each of them holds once it has converged.
 */
record Change(Runnable apiCall, Set<String> affected, Predicate<SimEnvoy> converged) {}
