/**
 * Buffer views, exporters and request flags: the JVM's {@code Py_buffer}, {@code memoryview} and
 * {@code bf_getbuffer} ({@code docs/contract.md} §1).
 *
 * <h2>Refusals</h2>
 * One kind of refusal, one exception type, whichever method refuses: {@link
 * io.bufferbridge.view.InvalidViewException} for arguments that would describe an invalid view;
 * {@link io.bufferbridge.view.BufferException} when the view's layout or state refuses
 * (read-only, not contiguous, live exports), as Python's {@code BufferError};
 * {@link UnsupportedOperationException} when a valid view cannot do the operation at all
 * ({@code getLong} on a {@code d} view, the address of heap memory);
 * {@link IllegalStateException} for a released view. Messages give the facts as
 * {@code key=value}, text in single quotes ({@code format='i'}). The contract is
 * {@code docs/contract.md} in the repository ("How bufferbridge refuses").
 */
package io.bufferbridge.view;
