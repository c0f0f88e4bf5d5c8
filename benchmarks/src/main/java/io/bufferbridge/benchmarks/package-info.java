/**
 * JMH benchmarks of bufferbridge, each against its baseline in the same run (Issue 7; targets and
 * measured ratios in {@code benchmarks/RESULTS.md}). Every class forks with
 * {@code --enable-native-access=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED}
 * ({@link io.bufferbridge.benchmarks.Jvm#FLAGS} names them; JMH forks read no manifest).
 */
package io.bufferbridge.benchmarks;
