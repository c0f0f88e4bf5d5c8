/**
 * Arrow Java vectors as buffer views and buffer views as Arrow Java vectors, over the C data
 * interface of {@code io.bufferbridge.arrow.c}: zero-copy wherever docs/contract.md §2 allows it.
 */
package io.bufferbridge.arrow.vector;
